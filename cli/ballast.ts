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
import { REPORT_USAGE, reportCommand } from './report.ts';
import { SCALE_USAGE, scale } from './scale.ts';

/**
 * `ballast`: start and watch Ballast's workflows from a terminal or a deploy pipeline.
 *
 *   ballast drain <instance-id> [--cluster C] [--deadline-minutes N] [--deadline-policy P] [--reason R] [--dry-run] [--wait]
 *   ballast extend <instance-id> --minutes N [--wait]
 *   ballast release <instance-id> [--result CONTINUE|ABANDON] [--wait]
 *   ballast status [--limit N]
 *   ballast report run.json > run.html   (the game-day page of a saved `npm start -- --json` run)
 *   ballast scale plan|raise|extend|restore|status …   (cli/scale.ts)
 *
 * Common: --region R (default AWS_REGION), --app NAME (default ballast), --json, --endpoint-url URL
 * (default AWS_ENDPOINT_URL: point it at the local cloud), --request-id ID (drain: the idempotency key),
 * --timeout-seconds N (with --wait). Exit codes: see `EXIT`.
 */
export const USAGE = `Usage:
  ballast drain <instance-id> [--cluster C] [--deadline-minutes N] [--deadline-policy continue|force|retain]
                              [--reason TEXT] [--request-id ID] [--dry-run] [--wait]
  ballast extend <instance-id> --minutes N [--reason TEXT] [--wait]
  ballast release <instance-id> [--result CONTINUE|ABANDON] [--reason TEXT] [--wait]
  ballast status [--limit N]
  ballast failover start|status|promote|pause|resume|abort …   (ballast failover --help)
${SCALE_USAGE}
  ${REPORT_USAGE}
Options: --region R, --app NAME (default ballast), --json, --endpoint-url URL, --timeout-seconds N (with --wait)`;

/**
 * Exit codes. `ok`: started (without --wait), or done as asked: drained (or the dry-run plan), extended,
 * released. `notDrained`: the workflow ended without doing what was asked (timed out, forced, retained,
 * the hook expired or was lost, the host was gone or in no cluster, a duplicate or skipped request).
 */
export const EXIT = { ok: 0, workflowFailed: 1, usage: 2, aws: 3, notDrained: 4, waitTimedOut: 5 } as const;

/** The outcome that means "done as asked", per command. */
const DONE: Record<string, readonly string[]> = {
  drain: ['drained', 'dry-run'],
  extend: ['extended'],
  release: ['released'],
};

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  sfn?: SFNClient;
  now?: () => Date;
  /** How --wait pauses between polls (tests pass a virtual one). */
  sleep?: (ms: number) => Promise<void>;
  /** Asks a question on a terminal (the typed confirmation of a real failover); absent in pipelines. */
  prompt?: (question: string) => Promise<string>;
}

const consoleIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** On a terminal, the typed confirmation of a real failover is asked for; in a pipeline it must be a flag. */
function terminalPrompt(): { prompt?: (question: string) => Promise<string> } {
  if (!process.stdin.isTTY) return {};
  return {
    prompt: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

export async function main(argv: string[], io: CliIo = consoleIo): Promise<number> {
  if (argv[0] === 'report') {
    // io.out ends a line: the page's own last newline is dropped so the file matches the one npm start wrote.
    return reportCommand(argv.slice(1), { out: (text) => io.out(text.replace(/\n$/, '')), err: io.err });
  }
  if (argv[0] === 'failover') {
    const { failoverMain } = await import('./failover.ts');
    return failoverMain(argv.slice(1), io === consoleIo ? { ...io, ...terminalPrompt() } : io);
  }
  if (argv[0] === 'scale') return scale(argv.slice(1), io);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { command, instanceId, values } = parsed;
  let parsedName: string | undefined;
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    io.err('--region is required (or set AWS_REGION)');
    return EXIT.usage;
  }
  // Validated before any AWS call: bad input is a usage error whatever the credentials.
  const input = command === 'status' ? undefined : manualInput(command, instanceId!, values);
  if (input) {
    const normalised = normaliseDrainHostInput(input, (io.now ?? (() => new Date()))());
    if (normalised.type !== 'request') {
      const problems = normalised.type === 'invalid' ? normalised.problems : [normalised.reason];
      io.err(`Invalid input, nothing was started:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      return EXIT.usage;
    }
    parsedName = executionNameFor(normalised.request);
  }
  const sfn =
    io.sfn ?? new SFNClient({ region, ...(values['endpoint-url'] ? { endpoint: values['endpoint-url'] } : {}) });
  const app = values.app ?? 'ballast';
  const json = values.json === true;
  try {
    const stateMachineArn = await findStateMachine(sfn, `${app}-drain-host`);
    if (command === 'status') return await status(sfn, stateMachineArn, Number(values.limit ?? '10'), json, io);
    const name = parsedName!;
    let executionArn: string;
    let existing = false;
    try {
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      executionArn = started.executionArn!;
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      // The same request was already made: report that execution (as it really is) instead of starting another.
      executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      existing = true;
    }
    if (!values.wait) {
      if (existing) {
        const now = await describe(sfn, executionArn);
        report(io, json, now);
        return now.status === 'RUNNING' ? EXIT.ok : exitFor(command, now);
      }
      report(io, json, { executionArn, status: 'RUNNING' });
      return EXIT.ok;
    }
    const timeoutMs = Number(values['timeout-seconds'] ?? '3600') * 1000;
    const final = await waitFor(
      sfn,
      executionArn,
      timeoutMs,
      io.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    );
    report(io, json, final);
    if (final.status === 'RUNNING') {
      io.err(`Still running after --timeout-seconds ${values['timeout-seconds'] ?? '3600'}: ${executionArn}`);
      return EXIT.waitTimedOut;
    }
    return exitFor(command, final);
  } catch (error) {
    const err = error as Error;
    io.err(`AWS error: ${err.name}: ${err.message}`);
    return EXIT.aws;
  }
}

/** The exit code of a finished execution: ok only when it did what the command asked. */
function exitFor(command: string, outcome: Outcome): number {
  if (outcome.status !== 'SUCCEEDED') return EXIT.workflowFailed;
  return outcome.outcome !== undefined && (DONE[command] ?? []).includes(outcome.outcome) ? EXIT.ok : EXIT.notDrained;
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
    throw new Error(`unknown command '${command ?? ''}': use drain, extend, release, status or report`);
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
  /** The drain's outcome (or 'duplicate' / 'skip' for a request that did nothing), read from the output. */
  outcome?: string;
  message?: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

async function describe(sfn: SFNClient, executionArn: string): Promise<Outcome> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const output = d.output ? (JSON.parse(d.output) as Record<string, unknown>) : undefined;
  const outcome = output?.outcome ?? output?.action;
  return {
    executionArn,
    status: d.status ?? 'UNKNOWN',
    ...(typeof outcome === 'string' ? { outcome } : {}),
    ...(typeof output?.message === 'string' ? { message: output.message } : {}),
    ...(output ? { output } : {}),
    ...(d.error ? { error: d.error } : {}),
    ...(d.cause ? { cause: d.cause } : {}),
  };
}

export async function waitFor(
  sfn: SFNClient,
  executionArn: string,
  timeoutMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2000; ; delay = Math.min(delay * 2, 30_000)) {
    const d = await describe(sfn, executionArn);
    if (d.status !== 'RUNNING' || Date.now() >= deadline) return d;
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
  io.out(`${outcome.status}${outcome.outcome ? ` (${outcome.outcome})` : ''}  ${outcome.executionArn}`);
  if (outcome.message) io.out(`  ${outcome.message}`);
  if (outcome.error) io.out(`  ${outcome.error}: ${outcome.cause ?? ''}`);
}
