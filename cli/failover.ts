import { parseArgs } from 'node:util';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { failoverExecutionName, normaliseFailoverInput } from '../events/failover-input.ts';
import { REGION_FAILOVER_STATES as S } from '../state-machines/region-failover.ts';
import { type CliIo, EXIT, findStateMachine } from './ballast.ts';

/**
 * `ballast failover …`: start and steer the region-failover workflow of a region (the destination).
 *
 *   ballast failover start --to R [--from R] [--mode immediate|ladder|data-plane] [--rungs 1,5,25,50,100] [--share N]
 *                          [--reason TEXT] [--request-id ID] --confirm R [--wait]
 *   ballast failover failback [--mode immediate|ladder|data-plane] [--reason TEXT] [--request-id ID] --confirm R [--wait]
 *   ballast failover drill --to R [--percent P] [--hold-seconds N] [--reason TEXT] [--request-id ID] [--wait]
 *   ballast failover readiness [--wait]
 *   ballast failover status
 *   ballast failover promote|pause|resume|abort [--failover-id ID] [--reason TEXT] [--wait]
 *
 * The region is the destination: --to (start) or --region. A real failover needs the typed confirmation
 * `--confirm <destination>` (or typing it at the prompt on a terminal). Exit codes: 0 completed (or started /
 * recorded; readiness: ready), 1 the failover failed or was aborted (readiness: not ready), 2 bad usage or input (nothing was started), 3 an AWS error,
 * 4 with --wait: the failover cut back and is paused, waiting for an operator.
 */
export const FAILOVER_USAGE = `Usage:
  ballast failover start --to REGION [--from REGION] [--mode immediate|ladder|data-plane] [--rungs 1,5,25,50,100]
                         [--share PERCENT] [--reason TEXT] [--request-id ID] --confirm REGION [--wait]
  ballast failover failback --region REGION [--mode immediate|ladder|data-plane] [--reason TEXT] [--request-id ID]
                            --confirm REGION [--wait]
  ballast failover drill --to REGION [--percent P] [--hold-seconds N] [--reason TEXT] [--request-id ID] [--wait]
  ballast failover readiness --region REGION [--wait]
  ballast failover status
  ballast failover promote|pause|resume|abort [--failover-id ID] [--reason TEXT] [--wait]
Options: --region R (the destination; default --to or AWS_REGION), --app NAME (default ballast), --json,
         --endpoint-url URL, --timeout-seconds N (with --wait)`;

export const FAILOVER_EXIT = { ...EXIT, paused: 4 } as const;

/** With `prompt` (a terminal) the typed confirmation is asked for; without it (pipelines) --confirm is required. */
export type FailoverCliIo = CliIo;

const SUBCOMMANDS = [
  'start',
  'failback',
  'drill',
  'readiness',
  'status',
  'promote',
  'pause',
  'resume',
  'abort',
] as const;

export async function failoverMain(argv: string[], io: FailoverCliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${FAILOVER_USAGE}`);
    return FAILOVER_EXIT.usage;
  }
  const { sub, values } = parsed;
  const region = values.region ?? values.to ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    io.err('--region (or --to) is required: the destination region, where the failover runs');
    return FAILOVER_EXIT.usage;
  }
  const json = values.json === true;
  const now = (io.now ?? (() => new Date()))();
  let input: Record<string, unknown>;
  if (sub === 'start') {
    input = {
      action: 'failover',
      to: values.to,
      ...(values.from ? { from: values.from } : {}),
      ...(values.mode ? { mode: values.mode } : {}),
      ...(values.rungs ? { rungs: values.rungs.split(',').map((r) => Number(r.trim())) } : {}),
      ...(values.share !== undefined ? { share: Number(values.share) } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
      ...(values['request-id'] ? { requestId: values['request-id'] } : {}),
    };
  } else if (sub === 'drill') {
    input = {
      action: 'drill',
      to: values.to,
      ...(values.percent !== undefined ? { percent: Number(values.percent) } : {}),
      ...(values['hold-seconds'] !== undefined ? { holdSeconds: Number(values['hold-seconds']) } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
      ...(values['request-id'] ? { requestId: values['request-id'] } : {}),
    };
  } else if (sub === 'failback') {
    input = {
      action: 'failback',
      to: region,
      ...(values.mode ? { mode: values.mode } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
      ...(values['request-id'] ? { requestId: values['request-id'] } : {}),
    };
  } else if (sub === 'readiness') {
    input = { action: 'readiness' };
  } else if (sub !== 'status') {
    input = {
      action: sub,
      ...(values['failover-id'] ? { failoverId: values['failover-id'] } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
    };
  } else {
    input = {};
  }
  const normalised = sub === 'status' ? undefined : normaliseFailoverInput(input, now);
  if (normalised?.type === 'invalid') {
    io.err(`Invalid input, nothing was started:\n${normalised.problems.map((p) => `  - ${p}`).join('\n')}`);
    return FAILOVER_EXIT.usage;
  }
  if ((sub === 'start' || sub === 'drill') && values.to !== region) {
    io.err(`--to ${values.to} and --region ${region} differ: a failover runs in its destination region`);
    return FAILOVER_EXIT.usage;
  }
  if (sub === 'start' || sub === 'failback') {
    // A drill moves a small share and comes back by itself: only real failovers and failbacks are confirmed.
    const typed =
      values.confirm ?? (io.prompt ? await io.prompt(`Type ${region} to move all traffic to it: `) : undefined);
    if (typed?.trim() !== region) {
      io.err(
        `A real ${sub === 'start' ? 'failover' : 'failback'} moves production traffic: confirm it with --confirm ${region} (typed ${typed === undefined ? 'nothing' : `'${typed}'`}). Nothing was started.`,
      );
      return FAILOVER_EXIT.usage;
    }
  }
  const sfn =
    io.sfn ?? new SFNClient({ region, ...(values['endpoint-url'] ? { endpoint: values['endpoint-url'] } : {}) });
  try {
    const stateMachineArn = await findStateMachine(sfn, `${values.app ?? 'ballast'}-region-failover`);
    if (sub === 'status') return await status(sfn, stateMachineArn, json, io);
    const name =
      normalised?.type === 'start' || normalised?.type === 'drill' || normalised?.type === 'failback'
        ? failoverExecutionName(normalised.failoverId)
        : `${sub}-${now
            .toISOString()
            .replace(/[^0-9]/g, '')
            .slice(0, 17)}`;
    let executionArn: string;
    try {
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      executionArn = started.executionArn!;
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      if (!json) io.out(`already started: ${executionArn}`);
    }
    if (!values.wait) {
      io.out(json ? JSON.stringify({ executionArn, status: 'RUNNING' }) : `RUNNING  ${executionArn}`);
      return FAILOVER_EXIT.ok;
    }
    return await waitWithProgress(sfn, executionArn, Number(values['timeout-seconds'] ?? '7200') * 1000, json, io);
  } catch (error) {
    const err = error as Error;
    io.err(`AWS error: ${err.name}: ${err.message}`);
    return FAILOVER_EXIT.aws;
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      app: { type: 'string' },
      json: { type: 'boolean' },
      'endpoint-url': { type: 'string' },
      to: { type: 'string' },
      from: { type: 'string' },
      mode: { type: 'string' },
      rungs: { type: 'string' },
      share: { type: 'string' },
      reason: { type: 'string' },
      'request-id': { type: 'string' },
      'failover-id': { type: 'string' },
      percent: { type: 'string' },
      'hold-seconds': { type: 'string' },
      confirm: { type: 'string' },
      wait: { type: 'boolean' },
      'timeout-seconds': { type: 'string' },
    },
  });
  const [sub, ...rest] = positionals;
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new Error(`unknown failover command '${sub ?? ''}': use ${SUBCOMMANDS.join(', ')}`);
  }
  if (rest.length > 0) throw new Error(`unexpected argument '${rest[0]}'`);
  if ((sub === 'start' || sub === 'drill') && !values.to) {
    throw new Error(`failover ${sub} needs --to REGION (the destination)`);
  }
  return { sub: sub as (typeof SUBCOMMANDS)[number], values };
}

/** The state names that mark a phase or a rung, and how a progress line calls them. */
const PROGRESS: Record<string, string> = {
  [S.acquireFence]: 'fence',
  [S.raiseCapacity]: 'capacity: raising',
  [S.warmUp]: 'capacity: ready, warming up',
  [S.shiftTraffic]: 'traffic: shifting',
  [S.holdRung]: 'traffic: holding and watching the rung',
  [S.waitWhilePaused]: 'paused (cut back or operator): promote, resume or abort',
  [S.waitForClients]: 'traffic: waiting for the TTL',
  [S.completeFailover]: 'completing',
  [S.abortFailover]: 'aborting',
  [S.recordCommand]: 'recording the command',
};

interface Progress {
  readonly state?: string;
  readonly percent?: number;
}

async function progressOf(sfn: SFNClient, executionArn: string): Promise<Progress> {
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 25 }));
  let state: string | undefined;
  let percent: number | undefined;
  for (const event of history.events ?? []) {
    const entered = event.stateEnteredEventDetails?.name;
    if (state === undefined && entered && entered in PROGRESS) state = entered;
    // Step Functions includes each state's output on exit; the percent is in it.
    const output = event.stateExitedEventDetails?.output;
    if (percent === undefined && output) {
      try {
        const parsed = JSON.parse(output) as { percent?: unknown };
        if (typeof parsed.percent === 'number') percent = parsed.percent;
      } catch {
        // not JSON: no percent to show
      }
    }
    if (state !== undefined && percent !== undefined) break;
  }
  return { ...(state ? { state } : {}), ...(percent !== undefined ? { percent } : {}) };
}

async function waitWithProgress(
  sfn: SFNClient,
  executionArn: string,
  timeoutMs: number,
  json: boolean,
  io: FailoverCliIo,
): Promise<number> {
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (let delay = 2000; ; delay = Math.min(delay * 2, 15_000)) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const progress = await progressOf(sfn, executionArn);
    const line = `${progress.state ? PROGRESS[progress.state] : 'starting'}${progress.percent !== undefined ? ` (${progress.percent}% on the destination)` : ''}`;
    if (line !== last && d.status === 'RUNNING') {
      io.out(json ? JSON.stringify({ progress: line, state: progress.state, percent: progress.percent }) : `… ${line}`);
      last = line;
    }
    if (d.status !== 'RUNNING') {
      const output = d.output
        ? (JSON.parse(d.output) as { outcome?: string; message?: string; problems?: string[] })
        : undefined;
      const outcome = {
        executionArn,
        status: d.status,
        ...(output?.outcome ? { outcome: output.outcome } : {}),
        ...(output?.message ? { message: output.message } : {}),
        ...(output?.problems ? { problems: output.problems } : {}),
        ...(d.error ? { error: d.error } : {}),
        ...(d.cause ? { cause: d.cause } : {}),
      };
      if (json) io.out(JSON.stringify(outcome));
      else {
        io.out(`${d.status}${output?.outcome ? ` (${output.outcome})` : ''}  ${executionArn}`);
        if (output?.message) io.out(`  ${output.message}`);
        for (const problem of output?.problems ?? []) io.out(`  - ${problem}`);
        if (d.error) io.out(`  ${d.error}: ${d.cause ?? ''}`);
      }
      const ok = d.status === 'SUCCEEDED' && output?.outcome !== 'aborted' && output?.outcome !== 'not-ready';
      return ok ? FAILOVER_EXIT.ok : FAILOVER_EXIT.workflowFailed;
    }
    if (progress.state === S.waitWhilePaused) {
      io.err('The failover is paused (a rung was cut back, or an operator paused it): promote, resume or abort it.');
      return FAILOVER_EXIT.paused;
    }
    if (Date.now() >= deadline) {
      io.err(`Still running after the timeout: ${executionArn}`);
      return FAILOVER_EXIT.workflowFailed;
    }
    await sleep(delay);
  }
}

async function status(sfn: SFNClient, stateMachineArn: string, json: boolean, io: FailoverCliIo): Promise<number> {
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 10 }));
  const rows = [];
  for (const e of list.executions ?? []) {
    const progress = e.status === 'RUNNING' && e.executionArn ? await progressOf(sfn, e.executionArn) : {};
    rows.push({
      name: e.name,
      status: e.status,
      startDate: e.startDate?.toISOString(),
      ...(e.stopDate ? { stopDate: e.stopDate.toISOString() } : {}),
      ...(progress.state ? { at: progress.state } : {}),
      ...(progress.percent !== undefined ? { percent: progress.percent } : {}),
    });
  }
  if (json) io.out(JSON.stringify({ stateMachineArn, executions: rows }));
  else {
    io.out(`${rows.length} recent execution(s) of ${stateMachineArn.split(':').pop()}`);
    for (const r of rows) io.out(`  ${r.status?.padEnd(9)} ${r.startDate}  ${r.name}${r.at ? `  at ${r.at}` : ''}`);
  }
  return FAILOVER_EXIT.ok;
}
