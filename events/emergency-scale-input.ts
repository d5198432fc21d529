import { createHash } from 'node:crypto';
import * as z from './zod.ts';

/**
 * The console / CLI input of the `emergency-scale` workflow (JSON Schema committed as
 * events/schemas/emergency-scale-input.schema.json, examples in events/samples/scale-*.json):
 *  - `raise`: hold capacity for all configured services, a tier, or named services; sized by the capacity
 *    history (default), or by a percentage, a multiplier or absolute counts; for `hours`; with a reason.
 *  - `plan`: the same fields; computes and reports the plan and changes nothing (a dry run).
 *  - `extend`: give the active override of this region more time.
 * The restore input belongs to `restore-scaling` (below). Everything is normalised into one `ScaleRequest`
 * with a `kind` and a stable `requestId`, the idempotency key.
 */

const serviceKey = z.string().check(
  z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}\/[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, {
    message: "must be '<cluster>/<service>' of a configured service, e.g. 'web/api'",
  }),
);
const reason = z
  .string()
  .check(
    z.trim(),
    z.minLength(3, { message: 'must say why in at least 3 characters (it is recorded in the ledger and the events)' }),
    z.maxLength(512, { message: 'must be at most 512 characters' }),
  );
const owner = z.string().check(
  z.regex(/^[\w.@+-]{1,64}$/, {
    message: "must be 1-64 letters, digits or . _ @ + - (a person or pipeline, e.g. 'alice')",
  }),
);
const requestId = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "must be 1-64 letters, digits, '-' or '_' (e.g. 'change-4711')" }),
  );
const hours = z
  .number({ message: 'must be a number of hours' })
  .check(
    z.positive({ message: 'must be a positive number of hours' }),
    z.lte(72, { message: 'must be at most 72 hours; extend the override later if it must last longer' }),
  );

const Scope = z
  .strictObject({
    tier: z
      .optional(z.enum(['critical', 'standard', 'batch'], { message: "must be 'critical', 'standard' or 'batch'" }))
      .check(z.describe('Only the services of this tier.')),
    services: z
      .optional(
        z
          .array(serviceKey)
          .check(
            z.minLength(1, { message: 'must name at least one service, or leave services out for all' }),
            z.maxLength(500, { message: 'must name at most 500 services' }),
          ),
      )
      .check(z.describe("Only these services, as '<cluster>/<service>'.")),
  })
  .check(z.describe('Which services: all configured services when absent.'));

const Sizing = z.strictObject({
  percent: z
    .optional(
      z
        .number({ message: 'must be a number' })
        .check(
          z.positive({ message: 'must be a positive percentage to add (50 means 1.5x the reference)' }),
          z.lte(900, { message: 'must be at most 900 (10x)' }),
        ),
    )
    .check(z.describe('Add this percentage to each service reference count (max of running and recent peak).')),
  multiplier: z
    .optional(
      z
        .number({ message: 'must be a number' })
        .check(
          z.gte(1, { message: 'must be at least 1: Ballast never lowers capacity' }),
          z.lte(10, { message: 'must be at most 10' }),
        ),
    )
    .check(z.describe('Multiply each service reference count (max of running and recent peak).')),
  counts: z
    .optional(
      z.record(
        serviceKey,
        z
          .number()
          .check(z.int({ message: 'must be a whole number of tasks' }), z.gte(0, { message: 'must be at least 0' })),
      ),
    )
    .check(z.describe("Absolute task counts by '<cluster>/<service>'.")),
});

const common = {
  scope: z.optional(Scope),
  reason: reason.check(z.describe('Why: recorded in the ledger and in the events. Required.')),
  owner: z.optional(owner).check(z.describe('Who asks (a person or a pipeline). Default: the caller.')),
  requestId: z
    .optional(requestId)
    .check(
      z.describe('Idempotency key: the same requestId is done once. Default: derived from the input and the minute.'),
    ),
};

export const RaiseInput = z.strictObject({
  action: z.literal('raise').check(z.describe('Raise the capacity floors and hold them until restored or expired.')),
  ...common,
  ...Sizing.shape,
  hours: z
    .optional(hours)
    .check(z.describe('How long the override holds. Default: policies.emergencyScaling.expiresAfterHours.')),
  dryRun: z.optional(z.boolean({ message: 'must be true or false' })).check(z.describe('Plan only; change nothing.')),
});

export const PlanInput = z.strictObject({
  action: z.literal('plan').check(z.describe('Compute and report the plan only (a dry run): nothing changes.')),
  ...common,
  ...Sizing.shape,
  reason: z.optional(reason).check(z.describe('Why (optional for a plan).')),
  hours: z.optional(hours),
});

export const ExtendInput = z.strictObject({
  action: z.literal('extend').check(z.describe("Give the region's active override more time.")),
  hours: hours.check(z.describe('Hours added to the expiry of the active override (from now if it is shorter).')),
  reason: z.optional(reason).check(z.describe('Why: recorded in the ledger.')),
  owner: z.optional(owner),
  requestId: z.optional(requestId),
});

export const EmergencyScaleInput = z.discriminatedUnion('action', [RaiseInput, PlanInput, ExtendInput]);
export type EmergencyScaleInput = z.output<typeof EmergencyScaleInput>;

/** The input of `restore-scaling`: an operator, the detector's recovery, or the override's expiry. */
export const RestoreInput = z.strictObject({
  action: z.literal('restore').check(z.describe('Restore the exact configuration from before the override.')),
  trigger: z
    .optional(z.enum(['operator', 'expiry', 'recovery'], { message: "must be 'operator', 'expiry' or 'recovery'" }))
    .check(z.describe('Who starts it. Default operator.')),
  overrideId: z
    .optional(
      z
        .string()
        .check(z.regex(/^ovr-[0-9a-f]{20}$/, { message: "must be an override id such as 'ovr-0123456789abcdef0123'" })),
    )
    .check(z.describe("The override to restore. Default: the region's active override.")),
  reason: z.optional(reason),
  owner: z.optional(owner),
  requestId: z.optional(requestId),
  dryRun: z.optional(z.boolean({ message: 'must be true or false' })).check(z.describe('Report the restore only.')),
});
export type RestoreInput = z.output<typeof RestoreInput>;

export const SCALE_KINDS = ['raise', 'plan', 'extend'] as const;

export const SizingKind = z.enum(['history', 'percent', 'multiplier', 'counts']);

/** The one internal request of emergency-scale. */
export const ScaleRequest = z.strictObject({
  kind: z.enum(SCALE_KINDS),
  requestId: z.string(),
  /** When the request was made (the injected clock). */
  at: z.string(),
  tier: z.optional(z.enum(['critical', 'standard', 'batch'])),
  services: z.optional(z.array(z.string())),
  sizing: SizingKind,
  percent: z.optional(z.number()),
  multiplier: z.optional(z.number()),
  counts: z.optional(z.record(z.string(), z.number())),
  hours: z.optional(z.number()),
  reason: z.optional(z.string()),
  owner: z.optional(z.string()),
  dryRun: z.boolean(),
});
export type ScaleRequest = z.output<typeof ScaleRequest>;

export type ParsedScaleInput =
  | { readonly type: 'request'; readonly request: ScaleRequest }
  | { readonly type: 'invalid'; readonly problems: string[] };

const SCHEMA_HINT = 'see events/schemas/emergency-scale-input.schema.json';

/**
 * Parses a console input against the schema and the configured services (`known`, '<cluster>/<service>').
 * Never throws: each problem names the field and the fix.
 */
export function normaliseScaleInput(raw: unknown, now: Date, known: ReadonlySet<string>): ParsedScaleInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { type: 'invalid', problems: [`(input): must be a JSON object; ${SCHEMA_HINT}`] };
  }
  if (!('action' in raw)) {
    return { type: 'invalid', problems: ["action: is missing; set it to 'raise', 'plan' or 'extend'"] };
  }
  const parsed = EmergencyScaleInput.safeParse(raw);
  if (!parsed.success) return { type: 'invalid', problems: describeScaleIssues(parsed.error) };
  const input = parsed.data;
  const problems: string[] = [];
  if (input.action !== 'extend') {
    const given = (['percent', 'multiplier', 'counts'] as const).filter((k) => input[k] !== undefined);
    if (given.length > 1) {
      problems.push(`${given.join(', ')}: give at most one of percent, multiplier or counts`);
    }
    const named = [...(input.scope?.services ?? []), ...Object.keys(input.counts ?? {})];
    for (const key of named) {
      if (!known.has(key)) {
        problems.push(
          `services: '${key}' is not a configured service of this region; use one of ${[...known].slice(0, 5).join(', ')}${known.size > 5 ? ', …' : ''}`,
        );
      }
    }
    if (input.counts && Object.keys(input.counts).length === 0) {
      problems.push('counts: must name at least one service, e.g. { "web/api": 12 }');
    }
    if (input.scope?.services && input.scope.tier) {
      problems.push('scope: give a tier or services, not both');
    }
  }
  if (problems.length > 0) return { type: 'invalid', problems };
  const source = input.requestId ?? `${input.action}-${now.toISOString().slice(0, 16)}-${digest(JSON.stringify(raw))}`;
  const base = {
    kind: input.action,
    requestId: input.requestId ?? source,
    at: now.toISOString(),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.owner !== undefined ? { owner: input.owner } : {}),
  };
  if (input.action === 'extend') {
    return { type: 'request', request: { ...base, sizing: 'history', hours: input.hours, dryRun: false } };
  }
  const sizing =
    input.percent !== undefined
      ? 'percent'
      : input.multiplier !== undefined
        ? 'multiplier'
        : input.counts
          ? 'counts'
          : 'history';
  return {
    type: 'request',
    request: {
      ...base,
      sizing,
      ...(input.scope?.tier !== undefined ? { tier: input.scope.tier } : {}),
      ...(input.scope?.services !== undefined ? { services: input.scope.services } : {}),
      ...(input.percent !== undefined ? { percent: input.percent } : {}),
      ...(input.multiplier !== undefined ? { multiplier: input.multiplier } : {}),
      ...(input.counts !== undefined ? { counts: input.counts } : {}),
      ...(input.hours !== undefined ? { hours: input.hours } : {}),
      dryRun: input.action === 'plan' || (input.action === 'raise' && input.dryRun === true),
    },
  };
}

/** Zod issues as `field: message` lines a person can act on. */
export function describeScaleIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(input)';
    if (issue.code === 'unrecognized_keys') {
      return `${issue.keys.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}; remove ${issue.keys.length > 1 ? 'them' : 'it'} (${SCHEMA_HINT})`;
    }
    if (issue.code === 'invalid_union' && path === 'action') return "action: must be 'raise', 'plan' or 'extend'";
    if (issue.code === 'invalid_key')
      return `${path}: must be '<cluster>/<service>' of a configured service, e.g. 'web/api'`;
    return `${path}: ${issue.message}`;
  });
}

/** An override id: `ovr-` and 20 hex digits of sha256(region, requestId). */
export function overrideIdFor(region: string, requestId: string): string {
  return `ovr-${createHash('sha256').update(`${region}|${requestId}`).digest('hex').slice(0, 20)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** The JSON Schemas of the console inputs (committed in events/schemas/). */
export function emergencyScaleInputJsonSchema(): Record<string, unknown> {
  return titled(
    EmergencyScaleInput,
    'Ballast emergency-scale input',
    'Start the emergency-scale state machine with one of these objects (Step Functions console or `ballast scale raise|plan|extend`).',
  );
}
export function restoreScalingInputJsonSchema(): Record<string, unknown> {
  return titled(
    RestoreInput,
    'Ballast restore-scaling input',
    'Start the restore-scaling state machine with this object (Step Functions console or `ballast scale restore`).',
  );
}

function titled(schema: z.ZodMiniType, title: string, description: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: json.$schema,
    title,
    description,
    ...Object.fromEntries(Object.entries(json).filter(([key]) => key !== '$schema')),
  };
}
