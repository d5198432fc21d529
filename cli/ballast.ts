import { parseArgs } from 'node:util';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { executionNameFor, normaliseDrainHostInput } from '../events/drain-host-input.ts';
import { SCALE_USAGE, scale } from './scale.ts';

/**
 * `ballast`: start and watch Ballast's workflows from a terminal or a deploy pipeline.
 *
 *   ballast drain <instance-id> [--cluster C] [--deadline-minutes N] [--deadline-policy P] [--reason R] [--dry-run] [--wait]
 *   ballast extend <instance-id> --minutes N [--wait]
 *   ballast release <instance-id> [--result CONTINUE|ABANDON] [--wait]
 *   ballast status [--limit N]
 *   ballast scale plan|raise|extend|restore|status …   (cli/scale.ts)
 *
 * Common: --region R (default AWS_REGION), --app NAME (default ballast), --json, --endpoint-url URL
 * (default AWS_ENDPOINT_URL: point it at the local cloud). Exit codes: 0 done (or started), 1 the workflow
 * failed, 2 bad usage or input (nothing was started), 3 an AWS error.
 */
export const USAGE = `Usage:
  ballast drain <instance-id> [--cluster C] [--deadline-minutes N] [--deadline-policy continue|force|retain]
                              [--reason TEXT] [--request-id ID] [--dry-run] [--wait]
  ballast extend <instance-id> --minutes N [--reason TEXT] [--wait]
  ballast release <instance-id> [--result CONTINUE|ABANDON] [--reason TEXT] [--wait]
  ballast status [--limit N]
${SCALE_USAGE}
Options: --region R, --app NAME (default ballast), --json, --endpoint-url URL, --timeout-seconds N (with --wait)`;

export const EXIT = { ok: 0, workflowFailed: 1, usage: 2, aws: 3 } as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  sfn?: SFNClient;
  now?: () => Date;
  /** How --wait pauses between polls (tests pass a virtual one). */
  sleep?: (ms: number) => Promise<void>;
}

const consoleIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function main(argv: string[], io: CliIo = consoleIo): Promise<number> {
  if (argv[0] === 'scale') return scale(argv.slice(1), io);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { command, instanceId, values } = parsed;
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    io.err('--region is required (or set AWS_REGION)');
    return EXIT.usage;
  }
  const sfn =
    io.sfn ?? new SFNClient({ region, ...(values['endpoint-url'] ? { endpoint: values['endpoint-url'] } : {}) });
  const app = values.app ?? 'ballast';
  try {
    const stateMachineArn = await findStateMachine(sfn, `${app}-drain-host`);
    if (command === 'status')
      return await status(sfn, stateMachineArn, Number(values.limit ?? '10'), values.json === true, io);
    const input = manualInput(command, instanceId!, values);
    const normalised = normaliseDrainHostInput(input, (io.now ?? (() => new Date()))());
    if (normalised.type !== 'request') {
      const problems = normalised.type === 'invalid' ? normalised.problems : [normalised.reason];
      io.err(`Invalid input, nothing was started:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      return EXIT.usage;
    }
    const name = executionNameFor(normalised.request);
    let executionArn: string;
    try {
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      executionArn = started.executionArn!;
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      // The same request was already made: report that execution instead of starting another.
      executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    }
    if (!values.wait) {
      report(io, values.json === true, { executionArn, status: 'RUNNING' });
      return EXIT.ok;
    }
    const timeoutMs = Number(values['timeout-seconds'] ?? '3600') * 1000;
    const final = await waitFor(
      sfn,
      executionArn,
      timeoutMs,
      io.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    );
    report(io, values.json === true, final);
    return final.status === 'SUCCEEDED' ? EXIT.ok : EXIT.workflowFailed;
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
      cluster: { type: 'string' },
      'deadline-minutes': { type: 'string' },
      'deadline-policy': { type: 'string' },
      reason: { type: 'string' },
      'request-id': { type: 'string' },
      'dry-run': { type: 'boolean' },
      minutes: { type: 'string' },
      result: { type: 'string' },
      wait: { type: 'boolean' },
      'timeout-seconds': { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const [command, instanceId, ...rest] = positionals;
  if (!command || !['drain', 'extend', 'release', 'status'].includes(command)) {
    throw new Error(`unknown command '${command ?? ''}': use drain, extend, release or status`);
  }
  if (command !== 'status' && !instanceId) throw new Error(`${command} needs an instance id, e.g. i-0123456789abcdef0`);
  if (rest.length > 0) throw new Error(`unexpected argument '${rest[0]}'`);
  return { command, instanceId, values };
}

/** The console input of the drain-host workflow (events/schemas/drain-host-input.schema.json). */
function manualInput(command: string, instanceId: string, values: Record<string, string | boolean | undefined>) {
  const number = (flag: string) => (values[flag] === undefined ? undefined : Number(values[flag]));
  const base = {
    action: command,
    instanceId,
    ...(values.reason ? { reason: values.reason } : {}),
  };
  if (command === 'drain') {
    return {
      ...base,
      ...(values.cluster ? { cluster: values.cluster } : {}),
      ...(values['deadline-minutes'] !== undefined ? { deadlineMinutes: number('deadline-minutes') } : {}),
      ...(values['deadline-policy'] ? { deadlinePolicy: values['deadline-policy'] } : {}),
      ...(values['request-id'] ? { requestId: values['request-id'] } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
    };
  }
  if (command === 'extend') return { ...base, minutes: number('minutes') };
  return { ...base, ...(values.result ? { result: values.result } : {}) };
}

export async function findStateMachine(sfn: SFNClient, name: string): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ ...(nextToken ? { nextToken } : {}) }));
    const found = page.stateMachines?.find((m) => m.name === name);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw Object.assign(
    new Error(`state machine ${name} is not deployed in this region (is Ballast deployed here? --app?)`),
    {
      name: 'StateMachineNotFound',
    },
  );
}

export interface Outcome {
  executionArn: string;
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

export async function waitFor(
  sfn: SFNClient,
  executionArn: string,
  timeoutMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2000; ; delay = Math.min(delay * 2, 30_000)) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING' || Date.now() >= deadline) {
      return {
        executionArn,
        status: d.status ?? 'UNKNOWN',
        ...(d.output ? { output: JSON.parse(d.output) as unknown } : {}),
        ...(d.error ? { error: d.error } : {}),
        ...(d.cause ? { cause: d.cause } : {}),
      };
    }
    await sleep(delay);
  }
}

async function status(
  sfn: SFNClient,
  stateMachineArn: string,
  limit: number,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const list = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn, maxResults: Math.max(1, Math.min(limit, 100)) }),
  );
  const rows = (list.executions ?? []).map((e) => ({
    name: e.name,
    status: e.status,
    startDate: e.startDate?.toISOString(),
    ...(e.stopDate ? { stopDate: e.stopDate.toISOString() } : {}),
  }));
  if (json) io.out(JSON.stringify({ stateMachineArn, executions: rows }));
  else {
    io.out(`${rows.length} recent execution(s) of ${stateMachineArn.split(':').pop()}`);
    for (const r of rows) io.out(`  ${r.status?.padEnd(9)} ${r.startDate}  ${r.name}`);
  }
  return EXIT.ok;
}

export function report(io: CliIo, json: boolean, outcome: Outcome): void {
  if (json) {
    io.out(JSON.stringify(outcome));
    return;
  }
  io.out(`${outcome.status}  ${outcome.executionArn}`);
  if (outcome.error) io.out(`  ${outcome.error}: ${outcome.cause ?? ''}`);
}
