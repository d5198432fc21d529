import { createHash } from 'node:crypto';
import { RebalanceRecommendationEvent, SpotInterruptionEvent } from './ec2.ts';
import { affectedInstances, HEALTH_DETAIL_TYPE, HealthEvent } from './health.ts';
import {
  HookNotification,
  InstanceId,
  LifecycleActionEvent,
  TERMINATING,
  TEST_NOTIFICATION,
  TestNotification,
  WARM_POOL_PLACES,
} from './lifecycle.ts';
import * as z from './zod.ts';

/**
 * The input of the `drain-host` workflow. An execution starts from either
 *  - a raw EventBridge event (the rules target the state machine without an input transformer): a
 *    terminate or launch lifecycle action, a Spot interruption warning, a rebalance recommendation; or
 *  - a manual input from the Step Functions console or `ballast drain|extend|release` (below), whose JSON
 *    Schema is committed as events/schemas/drain-host-input.schema.json.
 * Everything is normalised into one `DrainRequest` with a `kind` and a stable `drainId` derived from the
 * source (instance id + hook token, or the event id), which is also the idempotency key in the ledger.
 */

const cluster = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, { message: "must be a configured ECS cluster name such as 'web'" }),
  );
const reason = z
  .string()
  .check(z.minLength(1), z.maxLength(512), z.describe('Why: recorded in the ledger and in the events. Optional.'));
const requestId = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "must be 1-64 letters, digits, '-' or '_' (e.g. 'change-4711')" }),
    z.describe('Idempotency key: the same requestId for the same instance and action is done once. Optional.'),
  );
const instanceId = InstanceId.check(z.describe('The EC2 instance id of the container instance.'));

export const ManualDrainInput = z.strictObject({
  action: z.literal('drain').check(z.describe('Drain the host: set DRAINING, wait until every task stopped, settle.')),
  instanceId,
  cluster: z
    .optional(cluster)
    .check(z.describe('The ECS cluster. Default: from the configuration of the instance group.')),
  deadlineMinutes: z
    .optional(
      z
        .number()
        .check(
          z.int({ message: 'must be a whole number of minutes' }),
          z.positive({ message: 'must be a positive number of minutes (the deadline is counted from now)' }),
          z.lte(2880, { message: 'must be at most 2880 minutes (48 h, the lifecycle hook cap)' }),
        ),
    )
    .check(z.describe("Override of the group's deadline, in minutes from now (1-2880).")),
  deadlinePolicy: z
    .optional(z.enum(['continue', 'force', 'retain']))
    .check(z.describe("Override of the group's deadline policy: continue, force (stop what remains) or retain.")),
  reason: z.optional(reason),
  requestId: z.optional(requestId),
  dryRun: z.optional(z.boolean()).check(z.describe('Log and emit the decisions only; change nothing.')),
});

export const ManualExtendInput = z.strictObject({
  action: z.literal('extend').check(z.describe("Give a running drain more time (and heartbeat the instance's hook).")),
  instanceId,
  minutes: z
    .number()
    .check(
      z.int({ message: 'must be a whole number of minutes' }),
      z.positive({ message: 'must be a positive number of minutes to add' }),
      z.lte(2880, { message: 'must be at most 2880 minutes (48 h, the lifecycle hook cap)' }),
      z.describe('Minutes added to the deadline of the running drain.'),
    ),
  reason: z.optional(reason),
  requestId: z.optional(requestId),
});

export const ManualReleaseInput = z.strictObject({
  action: z
    .literal('release')
    .check(z.describe('Let the host go: complete its pending lifecycle action, or else set it ACTIVE again.')),
  instanceId,
  result: z
    .optional(z.enum(['CONTINUE', 'ABANDON']))
    .check(z.describe('Lifecycle action result when a hook is pending. Default CONTINUE.')),
  reason: z.optional(reason),
  requestId: z.optional(requestId),
  dryRun: z.optional(z.boolean()).check(z.describe('Log and emit the decisions only; change nothing.')),
});

/** What an operator types into the Step Functions console (or the CLI sends). */
export const ManualInput = z.discriminatedUnion('action', [ManualDrainInput, ManualExtendInput, ManualReleaseInput]);
export type ManualInput = z.output<typeof ManualInput>;

/** The JSON Schema of the console input, as committed in events/schemas/drain-host-input.schema.json. */
export function drainHostInputJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ManualInput, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'Ballast drain-host manual input',
    description:
      'Start the drain-host state machine with one of these objects (Step Functions console or `ballast drain`). ' +
      'EventBridge events (lifecycle actions, Spot warnings, rebalance recommendations) are accepted as they are.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

export const DRAIN_KINDS = [
  'terminate',
  'spot',
  'rebalance',
  'health',
  'launch',
  'manual-drain',
  'manual-extend',
  'manual-release',
] as const;
export type DrainKind = (typeof DRAIN_KINDS)[number];

/** The one internal request every source is normalised into. */
export const DrainRequest = z.strictObject({
  kind: z.enum(DRAIN_KINDS),
  /** Stable id derived from the source: the ledger's idempotency key and the execution name's suffix. */
  drainId: z.string().check(z.minLength(1)),
  instanceId: InstanceId,
  /** When the source says it happened (lifecycle actions: when the hook started waiting). */
  eventTime: z.string(),
  /** The event id, the hook notification's RequestId, or the manual requestId. */
  sourceId: z.string(),
  group: z.optional(z.string()),
  hookName: z.optional(z.string()),
  token: z.optional(z.string()),
  notificationMetadata: z.optional(z.string()),
  /** AWS Health: every instance the scheduled change affects, its event type code and when it begins. */
  affected: z.optional(z.array(InstanceId)),
  healthCode: z.optional(z.string()),
  scheduledAt: z.optional(z.string()),
  /** Spot: what the interruption does (`hibernate` begins at once: no two-minute warning). */
  spotAction: z.optional(z.enum(['terminate', 'stop', 'hibernate'])),
  /** Warm pools: the lifecycle event's Origin and Destination. */
  origin: z.optional(z.enum(WARM_POOL_PLACES)),
  destination: z.optional(z.enum(WARM_POOL_PLACES)),
  cluster: z.optional(z.string()),
  deadlineMinutes: z.optional(z.number()),
  deadlinePolicy: z.optional(z.enum(['continue', 'force', 'retain'])),
  extendMinutes: z.optional(z.number()),
  result: z.optional(z.enum(['CONTINUE', 'ABANDON'])),
  reason: z.optional(z.string()),
  dryRun: z.optional(z.boolean()),
});
export type DrainRequest = z.output<typeof DrainRequest>;

export type NormalisedInput =
  | { readonly type: 'request'; readonly request: DrainRequest }
  | { readonly type: 'skip'; readonly reason: string; readonly sourceId: string }
  | { readonly type: 'invalid'; readonly problems: string[] };

/**
 * Normalises a raw execution input. `now` is the injected clock's time (manual inputs without a requestId
 * with the same content are idempotent within the same minute). Never throws: an invalid input comes back with problems that
 * each name the field and the fix.
 */
export function normaliseDrainHostInput(raw: unknown, now: Date): NormalisedInput {
  if (!isRecord(raw))
    return {
      type: 'invalid',
      problems: ['(input): must be a JSON object; see events/schemas/drain-host-input.schema.json'],
    };

  if (
    raw.Event === TEST_NOTIFICATION ||
    (isRecord(raw.detail) && raw.detail.LifecycleTransition === TEST_NOTIFICATION)
  ) {
    const test = TestNotification.safeParse(raw);
    return {
      type: 'skip',
      reason: 'autoscaling:TEST_NOTIFICATION',
      sourceId: String(test.data?.RequestId ?? raw.id ?? 'test'),
    };
  }

  if ('detail-type' in raw || 'source' in raw) return normaliseEvent(raw);
  if ('LifecycleActionToken' in raw) return fromResult(HookNotification.safeParse(raw), (n) => lifecycleRequest(n));
  if ('action' in raw) return normaliseManual(raw, now);
  return {
    type: 'invalid',
    problems: [
      "action: is missing; set it to 'drain', 'extend' or 'release' (or start the workflow from an EventBridge event)",
    ],
  };
}

function normaliseEvent(raw: Record<string, unknown>): NormalisedInput {
  switch (raw['detail-type']) {
    case 'EC2 Instance-terminate Lifecycle Action':
    case 'EC2 Instance-launch Lifecycle Action':
      return fromResult(LifecycleActionEvent.safeParse(raw), (e) =>
        lifecycleRequest({
          ...e.detail,
          Time: e.time,
          RequestId: e.id,
        }),
      );
    case 'EC2 Spot Instance Interruption Warning':
      return fromResult(SpotInterruptionEvent.safeParse(raw), (e) => ({
        kind: 'spot',
        drainId: idFor('spot', e.detail['instance-id'], e.id),
        instanceId: e.detail['instance-id'],
        eventTime: e.time,
        sourceId: e.id,
        spotAction: e.detail['instance-action'],
      }));
    case 'EC2 Instance Rebalance Recommendation':
      return fromResult(RebalanceRecommendationEvent.safeParse(raw), (e) => ({
        kind: 'rebalance',
        drainId: idFor('rebalance', e.detail['instance-id'], e.id),
        instanceId: e.detail['instance-id'],
        eventTime: e.time,
        sourceId: e.id,
      }));
    case HEALTH_DETAIL_TYPE: {
      const parsed = HealthEvent.safeParse(raw);
      if (!parsed.success) return { type: 'invalid', problems: describeIssues(parsed.error) };
      const e = parsed.data;
      const affected = affectedInstances(e);
      const first = affected[0];
      if (!first)
        return {
          type: 'skip',
          reason: `AWS Health event ${e.detail.eventTypeCode} names no EC2 instance`,
          sourceId: e.id,
        };
      const start = e.detail.startTime ? new Date(e.detail.startTime) : undefined;
      return {
        type: 'request',
        request: {
          kind: 'health',
          drainId: idFor('health', first, e.id),
          instanceId: first,
          eventTime: e.time,
          sourceId: e.id,
          affected,
          healthCode: e.detail.eventTypeCode,
          ...(start && !Number.isNaN(start.getTime()) ? { scheduledAt: start.toISOString() } : {}),
        },
      };
    }
    default:
      return {
        type: 'invalid',
        problems: [
          `detail-type: '${String(raw['detail-type'])}' is not an event drain-host handles (lifecycle actions, Spot warnings, rebalance recommendations, AWS Health scheduled changes)`,
        ],
      };
  }
}

interface LifecycleFields {
  readonly Time: string;
  readonly RequestId: string;
  readonly AutoScalingGroupName: string;
  readonly LifecycleHookName: string;
  readonly LifecycleActionToken?: string | undefined;
  readonly EC2InstanceId: string;
  readonly LifecycleTransition: string;
  readonly NotificationMetadata?: string | undefined;
  readonly Origin?: (typeof WARM_POOL_PLACES)[number] | undefined;
  readonly Destination?: (typeof WARM_POOL_PLACES)[number] | undefined;
}

function lifecycleRequest(n: LifecycleFields): DrainRequest {
  const kind = n.LifecycleTransition === TERMINATING ? 'terminate' : 'launch';
  // Without a token (a malformed event), the event id keeps a redelivery of the same event one drain.
  return {
    kind,
    drainId: idFor(kind, n.EC2InstanceId, n.LifecycleActionToken ?? `event:${n.RequestId}`),
    instanceId: n.EC2InstanceId,
    eventTime: n.Time,
    sourceId: n.RequestId,
    group: n.AutoScalingGroupName,
    hookName: n.LifecycleHookName,
    ...(n.LifecycleActionToken !== undefined ? { token: n.LifecycleActionToken } : {}),
    ...(n.NotificationMetadata !== undefined ? { notificationMetadata: n.NotificationMetadata } : {}),
    ...(n.Origin !== undefined ? { origin: n.Origin } : {}),
    ...(n.Destination !== undefined ? { destination: n.Destination } : {}),
  };
}

function normaliseManual(raw: Record<string, unknown>, now: Date): NormalisedInput {
  return fromResult(ManualInput.safeParse(raw), (input) => {
    // Without a requestId, the id is the request's content within its minute: the same request repeated
    // (a pipeline retry) is one request, a different one (a dry run, then the real drain) is another.
    const minute = now.toISOString().slice(0, 16);
    const sourceId = input.requestId ?? `manual-${minute}-${contentHash(input)}`;
    const common = {
      instanceId: input.instanceId,
      eventTime: now.toISOString(),
      sourceId,
      drainId: idFor(`manual-${input.action}`, input.instanceId, sourceId),
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
    };
    switch (input.action) {
      case 'drain':
        return {
          ...common,
          kind: 'manual-drain',
          ...(input.cluster !== undefined ? { cluster: input.cluster } : {}),
          ...(input.deadlineMinutes !== undefined ? { deadlineMinutes: input.deadlineMinutes } : {}),
          ...(input.deadlinePolicy !== undefined ? { deadlinePolicy: input.deadlinePolicy } : {}),
          ...(input.dryRun !== undefined ? { dryRun: input.dryRun } : {}),
        };
      case 'extend':
        return { ...common, kind: 'manual-extend', extendMinutes: input.minutes };
      case 'release':
        return {
          ...common,
          kind: 'manual-release',
          ...(input.result !== undefined ? { result: input.result } : {}),
          ...(input.dryRun !== undefined ? { dryRun: input.dryRun } : {}),
        };
    }
  });
}

function fromResult<T>(result: z.util.SafeParseResult<T>, build: (value: T) => DrainRequest): NormalisedInput {
  if (!result.success) return { type: 'invalid', problems: describeIssues(result.error) };
  return { type: 'request', request: build(result.data) };
}

/** Zod issues as `field: message` lines a person can act on. */
export function describeIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(input)';
    if (issue.code === 'unrecognized_keys') {
      return `${issue.keys.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}; remove ${issue.keys.length > 1 ? 'them' : 'it'} (see events/schemas/drain-host-input.schema.json)`;
    }
    if (issue.code === 'invalid_union' && path === 'action') {
      return "action: must be 'drain', 'extend' or 'release'";
    }
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
      return path.startsWith('detail.') || ['id', 'time', 'region', 'source'].includes(path)
        ? `${path}: is missing; the event must carry it (compare with the samples in events/samples/)`
        : `${path}: is missing; set it (see events/schemas/drain-host-input.schema.json)`;
    }
    return `${path}: ${issue.message}`;
  });
}

/** 12 hex digits of sha256 of a manual input's fields (keys sorted), the requestId aside. */
function contentHash(input: Record<string, unknown>): string {
  const fields = Object.entries(input)
    .filter(([key, value]) => key !== 'requestId' && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 12);
}

/** A drain id: `<kind>-<20 hex digits of sha256(instanceId, source)>`, stable for the same source. */
export function idFor(kind: string, instanceId: string, source: string): string {
  return `${kind}-${createHash('sha256').update(`${instanceId}|${source}`).digest('hex').slice(0, 20)}`;
}

/**
 * The execution name the CLI (and anyone starting the workflow by hand) should use: the same source gives
 * the same name, so Step Functions itself refuses a second start. At most 80 characters.
 */
export function executionNameFor(request: Pick<DrainRequest, 'instanceId' | 'drainId'>): string {
  return `${request.instanceId}-${request.drainId}`.slice(0, 80);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
