import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describeScaleIssues, EmergencyScaleInput, RestoreInput } from '../events/emergency-scale-input.ts';
import { type CliIo, EXIT, findStateMachine, type Outcome, report } from './ballast.ts';

/**
 * `ballast scale`: hold capacity from a terminal or a deploy pipeline (pre-scale before a big release,
 * restore after), over the emergency-scale and restore-scaling workflows.
 *
 *   plan      compute the plan only (a dry run): targets, hosts, ETA; nothing changes
 *   raise     raise and hold; --wait returns once capacity is in place (the workflow holds on)
 *   extend    more time for the region's active override
 *   restore   put back exactly what the override changed; --wait returns once verified
 *   status    recent raises and restores
 * Exit codes as `ballast`: 0 done (or started), 1 the workflow failed, 2 bad usage or input (nothing
 * started), 3 an AWS error. --wait prints a progress line per state entered (stderr with --json).
 */
export const SCALE_USAGE = `  ballast scale plan|raise [--tier T | --service CLUSTER/SERVICE ...] [--percent N | --multiplier M | --count CLUSTER/SERVICE=N ...]
                           [--hours H] [--reason TEXT] [--owner WHO] [--request-id ID] [--dry-run] [--wait]
  ballast scale extend --hours H [--reason TEXT] [--wait]
  ballast scale restore [--override-id ID] [--reason TEXT] [--wait]
  ballast scale status [--limit N]`;

type Values = Record<string, string | boolean | string[] | undefined>;

export async function scale(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\nUsage:\n${SCALE_USAGE}`);
    return EXIT.usage;
  }
  const { command, values } = parsed;
  const region = (values.region as string | undefined) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    io.err('--region is required (or set AWS_REGION)');
    return EXIT.usage;
  }
  const json = values.json === true;
  const now = (io.now ?? (() => new Date()))();
  let input: Record<string, unknown>;
  try {
    input = command === 'status' ? {} : inputOf(command, values, now);
  } catch (error) {
    io.err(`Invalid input, nothing was started:\n  - ${(error as Error).message}`);
    return EXIT.usage;
  }
  if (command !== 'status') {
    const schema = command === 'restore' ? RestoreInput : EmergencyScaleInput;
    const checked = schema.safeParse(input);
    if (!checked.success) {
      io.err(
        `Invalid input, nothing was started:\n${describeScaleIssues(checked.error)
          .map((p) => `  - ${p}`)
          .join('\n')}`,
      );
      return EXIT.usage;
    }
  }
  const endpoint = values['endpoint-url'] as string | undefined;
  const sfn = io.sfn ?? new SFNClient({ region, ...(endpoint ? { endpoint } : {}) });
  const app = (values.app as string | undefined) ?? 'ballast';
  try {
    const machine = await findStateMachine(
      sfn,
      `${app}-${command === 'restore' ? 'restore-scaling' : 'emergency-scale'}`,
    );
    if (command === 'status') {
      const restore = await findStateMachine(sfn, `${app}-restore-scaling`);
      return await status(sfn, [machine, restore], Number(values.limit ?? '10'), json, io);
    }
    const name = String(input.requestId);
    let executionArn: string;
    try {
      executionArn = (
        await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name, input: JSON.stringify(input) }))
      ).executionArn!;
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
    }
    if (!values.wait) {
      report(io, json, { executionArn, status: 'RUNNING' });
      return EXIT.ok;
    }
    const final = await follow(
      sfn,
      executionArn,
      command,
      Number(values['timeout-seconds'] ?? '3600') * 1000,
      io,
      json,
    );
    report(io, json, final);
    return final.status === 'SUCCEEDED' || final.status === 'HOLDING' ? EXIT.ok : EXIT.workflowFailed;
  } catch (error) {
    const err = error as Error;
    io.err(`AWS error: ${err.name}: ${err.message}`);
    return EXIT.aws;
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
      tier: { type: 'string' },
      service: { type: 'string', multiple: true },
      percent: { type: 'string' },
      multiplier: { type: 'string' },
      count: { type: 'string', multiple: true },
      hours: { type: 'string' },
      reason: { type: 'string' },
      owner: { type: 'string' },
      'request-id': { type: 'string' },
      'override-id': { type: 'string' },
      'dry-run': { type: 'boolean' },
      wait: { type: 'boolean' },
      'timeout-seconds': { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || !['plan', 'raise', 'extend', 'restore', 'status'].includes(command)) {
    throw new Error(`unknown scale command '${command ?? ''}': use plan, raise, extend, restore or status`);
  }
  if (rest.length > 0) throw new Error(`unexpected argument '${rest[0]}'`);
  return { command, values: values as Values };
}

const numberOf = (flag: string, text: string | undefined) => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new Error(`--${flag}: '${text}' is not a number`);
  return n;
};

/** The console input a command sends (events/schemas/emergency-scale-input.schema.json, restore-scaling-input.schema.json). */
export function inputOf(command: string, values: Values, now: Date): Record<string, unknown> {
  const common = {
    ...(values.reason ? { reason: values.reason } : {}),
    ...(values.owner ? { owner: values.owner } : {}),
  };
  const hours = numberOf('hours', values.hours as string | undefined);
  let input: Record<string, unknown>;
  if (command === 'restore') {
    input = { action: 'restore', ...common, ...(values['override-id'] ? { overrideId: values['override-id'] } : {}) };
  } else if (command === 'extend') {
    input = { action: 'extend', ...common, ...(hours !== undefined ? { hours } : {}) };
  } else {
    const counts = (values.count as string[] | undefined)?.map((c) => {
      const m = /^([^=]+)=(.+)$/.exec(c);
      if (!m) throw new Error(`--count: '${c}' must be CLUSTER/SERVICE=N, e.g. web/api=12`);
      return [m[1]!, numberOf('count', m[2])] as const;
    });
    const services = values.service as string[] | undefined;
    input = {
      action: command,
      ...common,
      ...(values.tier || services
        ? { scope: { ...(values.tier ? { tier: values.tier } : {}), ...(services ? { services } : {}) } }
        : {}),
      ...(values.percent !== undefined ? { percent: numberOf('percent', values.percent as string) } : {}),
      ...(values.multiplier !== undefined ? { multiplier: numberOf('multiplier', values.multiplier as string) } : {}),
      ...(counts ? { counts: Object.fromEntries(counts) } : {}),
      ...(hours !== undefined ? { hours } : {}),
      ...(command === 'raise' && values['dry-run'] ? { dryRun: true } : {}),
    };
  }
  // The execution name is the idempotency key: the same command within the same minute starts once.
  const requestId =
    (values['request-id'] as string | undefined) ??
    `${command}-${now.toISOString().slice(0, 16).replace(/[-:T]/g, '')}-${createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 12)}`;
  return { ...input, requestId };
}

/** States whose entry means the raise's capacity is in place (the execution goes on holding). */
const HOLDING = new Set(['Holding?']);

/** Polls the execution and its history, printing each state entered; a raise is done once it holds. */
async function follow(
  sfn: SFNClient,
  executionArn: string,
  command: string,
  timeoutMs: number,
  io: CliIo,
  json: boolean,
): Promise<Outcome> {
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  for (let delay = 2000; ; delay = Math.min(delay * 2, 30_000)) {
    const events: HistoryEvent[] = [];
    let token: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(token ? { nextToken: token } : {}) }),
      );
      events.push(...(page.events ?? []));
      token = page.nextToken;
    } while (token);
    const entered = events
      .filter((e) => e.stateEnteredEventDetails?.name)
      .map((e) => e.stateEnteredEventDetails!.name!);
    for (const name of entered.slice(seen)) (json ? io.err : io.out)(`… ${name}`);
    seen = entered.length;
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const holding = command === 'raise' && entered.some((n) => HOLDING.has(n)) && d.status === 'RUNNING';
    if (d.status !== 'RUNNING' || holding || Date.now() >= deadline) {
      return {
        executionArn,
        status: holding ? 'HOLDING' : (d.status ?? 'UNKNOWN'),
        ...(d.output ? { output: JSON.parse(d.output) as unknown } : {}),
        ...(d.error ? { error: d.error } : {}),
        ...(d.cause ? { cause: d.cause } : {}),
      };
    }
    await sleep(delay);
  }
}

async function status(sfn: SFNClient, machines: string[], limit: number, json: boolean, io: CliIo): Promise<number> {
  const rows: { stateMachine: string; name?: string; status?: string; startDate?: string; stopDate?: string }[] = [];
  for (const arn of machines) {
    const list = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: Math.max(1, Math.min(limit, 100)) }),
    );
    for (const e of list.executions ?? []) {
      rows.push({
        stateMachine: arn.split(':').pop()!,
        ...(e.name ? { name: e.name } : {}),
        ...(e.status ? { status: e.status } : {}),
        ...(e.startDate ? { startDate: e.startDate.toISOString() } : {}),
        ...(e.stopDate ? { stopDate: e.stopDate.toISOString() } : {}),
      });
    }
  }
  const holding = rows.filter((r) => r.stateMachine.endsWith('-emergency-scale') && r.status === 'RUNNING');
  if (json) io.out(JSON.stringify({ active: holding.map((r) => r.name), executions: rows }));
  else {
    io.out(
      holding.length > 0
        ? `Active override execution(s): ${holding.map((r) => r.name).join(', ')}`
        : 'No raise is running.',
    );
    for (const r of rows)
      io.out(`  ${r.stateMachine.padEnd(24)} ${String(r.status).padEnd(9)} ${r.startDate}  ${r.name}`);
  }
  return EXIT.ok;
}
