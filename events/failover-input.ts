import { createHash } from 'node:crypto';
import * as z from './zod.ts';

/**
 * The console input of the `region-failover` workflow (Step Functions console, `ballast failover …`). Its
 * JSON Schema is committed as events/schemas/region-failover-input.schema.json; examples are in
 * events/samples/failover-*.json. Two kinds of input:
 *  - `failover`: move traffic to a region (started in, and run from, that region);
 *  - `promote` / `pause` / `resume` / `abort`: an operator command for the failover in progress, recorded in
 *    the ledger and picked up by that failover at its next watch.
 */

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const region = (what: string) =>
  z.string().check(z.regex(REGION, { message: 'must be an AWS region name such as us-west-2' }), z.describe(what));
const reason = z
  .string()
  .check(z.minLength(1), z.maxLength(512), z.describe('Why: recorded in the ledger and in the events. Optional.'));
const requestId = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "must be 1-64 letters, digits, '-' or '_' (e.g. 'incident-311')" }),
    z.describe('Idempotency key: the same requestId to the same region is one failover. Optional.'),
  );
const share = z
  .number()
  .check(
    z.gte(1, { message: 'must be at least 1 (%)' }),
    z.lte(200, { message: 'must be at most 200 (%)' }),
    z.describe("Destination capacity in percent of the source's. Default: the policy (100)."),
  );
/** A failover or drill moves traffic between two regions: `from`, when given, must not be `to`. */
function fromDiffersFromTo(input: { from?: string; to: string }, ctx: z.core.$RefinementCtx): void {
  if (input.from !== undefined && input.from === input.to) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `must differ from to (${input.to})` });
  }
}
const failoverId = z
  .string()
  .check(
    z.regex(/^failover-[0-9a-f]{20}$/, { message: "must be a failover id such as 'failover-0123456789abcdef0123'" }),
    z.describe('The failover to act on. Default: the one holding the fence.'),
  );

export const FAILOVER_MODES = ['immediate', 'ladder', 'data-plane'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];

export const FailoverStartInput = z
  .strictObject({
    action: z
      .literal('failover')
      .check(z.describe('Raise the destination, prove it healthy, move traffic to it, fence.')),
    to: region('The destination region: the one this execution runs in.'),
    from: z.optional(region('The region traffic leaves. Default: the active region recorded in the fence.')),
    mode: z.optional(
      z
        .enum(FAILOVER_MODES)
        .check(
          z.describe(
            'immediate (one Route 53 change), ladder (rungs, watched, automatic cut-back) or data-plane (the ladder through health checks, no Route 53 API call; needs a data-plane deployment). Default: the policy.',
          ),
        ),
    ),
    rungs: z.optional(
      z
        .array(
          z
            .number()
            .check(
              z.positive({ message: 'must be a share above 0 %' }),
              z.lte(100, { message: 'must be at most 100 %' }),
              z.multipleOf(0.5, { message: 'must be a multiple of 0.5 %' }),
            ),
        )
        .check(
          z.minLength(1),
          z.describe('Ladder rungs in percent of traffic, strictly increasing, ending at 100. Default: the policy.'),
        ),
    ),
    share: z.optional(share),
    reason: z.optional(reason),
    requestId: z.optional(requestId),
  })
  .check(
    z.superRefine((input, ctx) => {
      fromDiffersFromTo(input, ctx);
      const rungs = input.rungs ?? [];
      if (rungs.length > 0 && rungs[rungs.length - 1] !== 100) {
        ctx.addIssue({ code: 'custom', path: ['rungs'], message: 'must end at 100 (all traffic to the destination)' });
      }
      for (let i = 1; i < rungs.length; i++) {
        if ((rungs[i] ?? 0) <= (rungs[i - 1] ?? 0)) {
          ctx.addIssue({ code: 'custom', path: ['rungs', i], message: 'must be strictly increasing' });
        }
      }
    }),
  );

export const FailoverDrillInput = z
  .strictObject({
    action: z
      .literal('drill')
      .check(
        z.describe(
          'Rehearse: raise the destination, shift a small share to it for a while, then back; an evidence record.',
        ),
      ),
    to: region('The region drilled: the one this execution runs in.'),
    from: z.optional(region('The region traffic comes from. Default: the active region recorded in the fence.')),
    percent: z.optional(
      z
        .number()
        .check(
          z.positive({ message: 'must be a share above 0 %' }),
          z.lte(50, { message: 'must be at most 50 % (a drill is not a failover)' }),
          z.multipleOf(0.5, { message: 'must be a multiple of 0.5 %' }),
          z.describe('Share of traffic sent to the destination during the drill, in percent. Default: the policy (1).'),
        ),
    ),
    holdSeconds: z.optional(
      z
        .number()
        .check(
          z.int({ message: 'must be a whole number of seconds' }),
          z.gte(60, { message: 'must be at least 60 s (one watch)' }),
          z.lte(86_400, { message: 'must be at most 86400 s (24 h)' }),
          z.describe('How long the share stays on the destination before it comes back. Default: the policy (600).'),
        ),
    ),
    share: z.optional(share),
    reason: z.optional(reason),
    requestId: z.optional(requestId),
  })
  .check(
    z.superRefine((input, ctx) => {
      fromDiffersFromTo(input, ctx);
    }),
  );

export const FailbackInput = z.strictObject({
  action: z
    .literal('failback')
    .check(
      z.describe(
        'Move traffic back to this region (the one active before the last failover), the same ladder in reverse, only once it has been healthy long enough.',
      ),
    ),
  to: z.optional(region('This region: where traffic returns. Default: the region the execution runs in.')),
  mode: z.optional(z.enum(FAILOVER_MODES).check(z.describe('immediate, ladder or data-plane. Default: the policy.'))),
  reason: z.optional(reason),
  requestId: z.optional(requestId),
});

export const ReadinessInput = z.strictObject({
  action: z
    .literal('readiness')
    .check(
      z.describe(
        'Evaluate this region as a failover destination now (also runs on a schedule); emits Readiness Changed.',
      ),
    ),
});

export const OPERATOR_COMMANDS = ['promote', 'pause', 'resume', 'abort'] as const;
export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];

export const FailoverCommandInput = z.strictObject({
  action: z
    .enum(OPERATOR_COMMANDS)
    .check(
      z.describe(
        'promote: next rung now; pause: hold the current rung; resume: go on; abort: traffic back to the source.',
      ),
    ),
  failoverId: z.optional(failoverId),
  reason: z.optional(reason),
});

export const FailoverInput = z.union([
  FailoverStartInput,
  FailoverDrillInput,
  FailbackInput,
  FailoverCommandInput,
  ReadinessInput,
]);
export type FailoverStartInput = z.output<typeof FailoverStartInput>;
export type FailoverCommandInput = z.output<typeof FailoverCommandInput>;
export type FailoverDrillInput = z.output<typeof FailoverDrillInput>;
export type FailbackInput = z.output<typeof FailbackInput>;

export const FAILOVER_INPUT_SCHEMA_FILE = 'events/schemas/region-failover-input.schema.json';

/** The JSON Schema of the console input, as committed in events/schemas/region-failover-input.schema.json. */
export function failoverInputJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FailoverInput, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'Ballast region-failover input',
    description:
      'Start the region-failover state machine in the destination region with one of these objects (Step Functions console or `ballast failover`).',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

export type NormalisedFailoverInput =
  | { readonly type: 'start'; readonly input: FailoverStartInput; readonly failoverId: string }
  | { readonly type: 'drill'; readonly input: FailoverDrillInput; readonly failoverId: string }
  | { readonly type: 'failback'; readonly input: FailbackInput; readonly failoverId: string }
  | { readonly type: 'command'; readonly input: FailoverCommandInput }
  | { readonly type: 'readiness' }
  | { readonly type: 'invalid'; readonly problems: string[] };

/**
 * Validates a raw console input; never throws. Each problem names the field and the fix. `now` makes a start
 * without requestId idempotent within the same minute.
 */
export function normaliseFailoverInput(raw: unknown, now: Date): NormalisedFailoverInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { type: 'invalid', problems: [`(input): must be a JSON object; see ${FAILOVER_INPUT_SCHEMA_FILE}`] };
  }
  const action = (raw as Record<string, unknown>).action;
  if (action === 'failover') {
    const parsed = FailoverStartInput.safeParse(raw);
    if (!parsed.success) return { type: 'invalid', problems: describeFailoverIssues(parsed.error, raw) };
    const source = parsed.data.requestId ?? `manual-${now.toISOString().slice(0, 16)}`;
    return { type: 'start', input: parsed.data, failoverId: failoverIdFor(parsed.data.to, source) };
  }
  if (action === 'drill') {
    const parsed = FailoverDrillInput.safeParse(raw);
    if (!parsed.success) return { type: 'invalid', problems: describeFailoverIssues(parsed.error, raw) };
    const source = parsed.data.requestId ?? `manual-${now.toISOString().slice(0, 16)}`;
    return { type: 'drill', input: parsed.data, failoverId: failoverIdFor(`drill|${parsed.data.to}`, source) };
  }
  if (action === 'failback') {
    const parsed = FailbackInput.safeParse(raw);
    if (!parsed.success) return { type: 'invalid', problems: describeFailoverIssues(parsed.error, raw) };
    const source = parsed.data.requestId ?? `manual-${now.toISOString().slice(0, 16)}`;
    return {
      type: 'failback',
      input: parsed.data,
      failoverId: failoverIdFor(`failback|${parsed.data.to ?? ''}`, source),
    };
  }
  if (action === 'readiness') {
    const parsed = ReadinessInput.safeParse(raw);
    if (!parsed.success) return { type: 'invalid', problems: describeFailoverIssues(parsed.error, raw) };
    return { type: 'readiness' };
  }
  if (typeof action === 'string' && (OPERATOR_COMMANDS as readonly string[]).includes(action)) {
    const parsed = FailoverCommandInput.safeParse(raw);
    if (!parsed.success) return { type: 'invalid', problems: describeFailoverIssues(parsed.error, raw) };
    return { type: 'command', input: parsed.data };
  }
  return {
    type: 'invalid',
    problems: [
      `action: ${action === undefined ? 'is missing' : `'${String(action)}' is unknown`}; set it to 'failover', 'failback', 'drill', 'readiness', 'promote', 'pause', 'resume' or 'abort'`,
    ],
  };
}

/**
 * One line per problem, naming the field. A field of the wrong type is told apart from a missing one by the
 * input itself (zod's issues carry the input only when asked to), so `{"to": 5}` reads as the type it must
 * be, not as "is required".
 */
function describeFailoverIssues(error: z.core.$ZodError, raw: unknown): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(input)';
    if (issue.code === 'unrecognized_keys') {
      return `${issue.keys.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}; remove ${issue.keys.length > 1 ? 'them' : 'it'} (see ${FAILOVER_INPUT_SCHEMA_FILE})`;
    }
    if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) return `${path}: is required`;
    return `${path}: ${issue.message}`;
  });
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A failover id: `failover-<20 hex digits of sha256(destination, source)>`, stable for the same request. */
export function failoverIdFor(destination: string, source: string): string {
  return `failover-${createHash('sha256').update(`${destination}|${source}`).digest('hex').slice(0, 20)}`;
}

/** The execution name of a failover (Step Functions refuses a second start of the same name). */
export function failoverExecutionName(failoverId: string): string {
  return failoverId;
}
