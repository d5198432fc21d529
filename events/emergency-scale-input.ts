import { createHash } from 'node:crypto';
import * as z from 'zod';

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

const serviceKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}\/[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, {
  message: "must be '<cluster>/<service>' of a configured service, e.g. 'web/api'",
});
const reason = z
  .string()
  .trim()
  .min(3, { message: 'must say why in at least 3 characters (it is recorded in the ledger and the events)' })
  .max(512, { message: 'must be at most 512 characters' });
const owner = z.string().regex(/^[\w.@+-]{1,64}$/, {
  message: "must be 1-64 letters, digits or . _ @ + - (a person or pipeline, e.g. 'alice')",
});
const requestId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "must be 1-64 letters, digits, '-' or '_' (e.g. 'change-4711')" });
const hours = z
  .number({ message: 'must be a number of hours' })
  .positive({ message: 'must be a positive number of hours' })
  .max(72, { message: 'must be at most 72 hours; extend the override later if it must last longer' });

const Scope = z
  .object({
    tier: z
      .enum(['critical', 'standard', 'batch'], { message: "must be 'critical', 'standard' or 'batch'" })
      .optional()
      .describe('Only the services of this tier.'),
    services: z
      .array(serviceKey)
      .min(1, { message: 'must name at least one service, or leave services out for all' })
      .max(500, { message: 'must name at most 500 services' })
      .optional()
      .describe("Only these services, as '<cluster>/<service>'."),
  })
  .strict()
  .describe('Which services: all configured services when absent.');

const Sizing = z
  .object({
    percent: z
      .number({ message: 'must be a number' })
      .positive({ message: 'must be a positive percentage to add (50 means 1.5x the reference)' })
      .max(900, { message: 'must be at most 900 (10x)' })
      .optional()
      .describe('Add this percentage to each service reference count (max of running and recent peak).'),
    multiplier: z
      .number({ message: 'must be a number' })
      .min(1, { message: 'must be at least 1: Ballast never lowers capacity' })
      .max(10, { message: 'must be at most 10' })
      .optional()
      .describe('Multiply each service reference count (max of running and recent peak).'),
    counts: z
      .record(
        serviceKey,
        z.number().int({ message: 'must be a whole number of tasks' }).min(0, { message: 'must be at least 0' }),
      )
      .optional()
      .describe("Absolute task counts by '<cluster>/<service>'."),
  })
  .strict();

const common = {
  scope: Scope.optional(),
  reason: reason.describe('Why: recorded in the ledger and in the events. Required.'),
  owner: owner.optional().describe('Who asks (a person or a pipeline). Default: the caller.'),
  requestId: requestId
    .optional()
    .describe('Idempotency key: the same requestId is done once. Default: derived from the input and the minute.'),
};

export const RaiseInput = z
  .object({
    action: z.literal('raise').describe('Raise the capacity floors and hold them until restored or expired.'),
    ...common,
    ...Sizing.shape,
    hours: hours
      .optional()
      .describe('How long the override holds. Default: policies.emergencyScaling.expiresAfterHours.'),
    dryRun: z.boolean({ message: 'must be true or false' }).optional().describe('Plan only; change nothing.'),
  })
  .strict();

export const PlanInput = z
  .object({
    action: z.literal('plan').describe('Compute and report the plan only (a dry run): nothing changes.'),
    ...common,
    ...Sizing.shape,
    reason: reason.optional().describe('Why (optional for a plan).'),
    hours: hours.optional(),
  })
  .strict();

export const ExtendInput = z
  .object({
    action: z.literal('extend').describe("Give the region's active override more time."),
    hours: hours.describe('Hours added to the expiry of the active override (from now if it is shorter).'),
    reason: reason.optional().describe('Why: recorded in the ledger.'),
    owner: owner.optional(),
    requestId: requestId.optional(),
  })
  .strict();

export const EmergencyScaleInput = z.discriminatedUnion('action', [RaiseInput, PlanInput, ExtendInput]);
export type EmergencyScaleInput = z.output<typeof EmergencyScaleInput>;

/** The input of `restore-scaling`: an operator, the detector's recovery, or the override's expiry. */
export const RestoreInput = z
  .object({
    action: z.literal('restore').describe('Restore the exact configuration from before the override.'),
    trigger: z
      .enum(['operator', 'expiry', 'recovery'], { message: "must be 'operator', 'expiry' or 'recovery'" })
      .optional()
      .describe('Who starts it. Default operator.'),
    overrideId: z
      .string()
      .regex(/^ovr-[0-9a-f]{20}$/, { message: "must be an override id such as 'ovr-0123456789abcdef0123'" })
      .optional()
      .describe("The override to restore. Default: the region's active override."),
    reason: reason.optional(),
    owner: owner.optional(),
    requestId: requestId.optional(),
    dryRun: z.boolean({ message: 'must be true or false' }).optional().describe('Report the restore only.'),
  })
  .strict();
export type RestoreInput = z.output<typeof RestoreInput>;

export const SCALE_KINDS = ['raise', 'plan', 'extend'] as const;

export const SizingKind = z.enum(['history', 'percent', 'multiplier', 'counts']);

/** The one internal request of emergency-scale. */
export const ScaleRequest = z
  .object({
    kind: z.enum(SCALE_KINDS),
    requestId: z.string(),
    /** When the request was made (the injected clock). */
    at: z.string(),
    tier: z.enum(['critical', 'standard', 'batch']).optional(),
    services: z.array(z.string()).optional(),
    sizing: SizingKind,
    percent: z.number().optional(),
    multiplier: z.number().optional(),
    counts: z.record(z.string(), z.number()).optional(),
    hours: z.number().optional(),
    reason: z.string().optional(),
    owner: z.string().optional(),
    dryRun: z.boolean(),
  })
  .strict();
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
export function describeScaleIssues(error: z.ZodError): string[] {
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

function titled(schema: z.ZodType, title: string, description: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: json.$schema,
    title,
    description,
    ...Object.fromEntries(Object.entries(json).filter(([key]) => key !== '$schema')),
  };
}
