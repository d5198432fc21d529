import * as z from '#events/zod.ts';
import { DrainStateInvalid } from './errors.ts';
import { DRAIN_STATE_VERSION, DrainState } from './state.ts';

/**
 * Reading a step payload `{ op, state }` across deploys (issue 10, defect 8). A drain runs up to 50 h, and a
 * deploy in that time gives its next step new function code while the state it carries was written by the
 * old code. So the state is read in three tries, each logged:
 *  1. as this version writes it (strict: a state this code wrote is checked to the field);
 *  2. migrated: versions before `v` (1) need nothing but the number; fields this version does not know
 *     (written by an older or newer version) are dropped, at every level, and the rest checked strictly;
 *  3. for the steps that end a drain ('release-budget', 'record': the failure path among them), whatever
 *     can be read of the request, the cluster and the budget slot, so that the slot is given back and the
 *     outcome recorded even from a state nothing else can read.
 * Anything else throws DrainStateInvalid, naming the fields.
 */
const Payload = z.strictObject({
  op: z.string(),
  correlationId: z.optional(z.string()),
  state: z.unknown(),
  /** 'Wait For Tasks' only: the workflow's task token (`$$.Task.Token`). */
  token: z.optional(z.string().check(z.minLength(1))),
});

/** Steps that end a drain: they must work with the least readable state. */
const ENDING_OPS = new Set(['release-budget', 'record']);

export interface ReadState {
  readonly state: DrainState;
  /** How the state was read: 'current', 'migrated' (fields dropped listed) or 'salvaged'. */
  readonly how: 'current' | 'migrated' | 'salvaged';
  readonly dropped: string[];
}

/** Parses a step payload and picks the step; a state no try can read throws DrainStateInvalid. */
export function parseStep<F>(
  event: unknown,
  ops: Record<string, F>,
): { op: F; state: DrainState; read: ReadState; token?: string } {
  const payload = Payload.safeParse(event);
  if (!payload.success) throw new DrainStateInvalid(`The step input is not a drain step: ${issues(payload.error)}`);
  const op = ops[payload.data.op];
  if (!op)
    throw new DrainStateInvalid(`Unknown step '${payload.data.op}'; expected one of ${Object.keys(ops).join(', ')}`);
  const read = readState(payload.data.state, ENDING_OPS.has(payload.data.op));
  return { op, state: read.state, read, ...(payload.data.token ? { token: payload.data.token } : {}) };
}

export function readState(raw: unknown, ending: boolean): ReadState {
  const current = DrainState.safeParse(raw);
  if (current.success) return { state: current.data, how: 'current', dropped: [] };
  const dropped: string[] = [];
  const stripped = strip(DrainState, raw, '', dropped) as Record<string, unknown> | undefined;
  const migrated = DrainState.safeParse(stripped ? { ...stripped, v: DRAIN_STATE_VERSION } : stripped);
  if (migrated.success) return { state: migrated.data, how: 'migrated', dropped };
  if (ending) {
    const salvaged = salvage(raw);
    if (salvaged) return { state: salvaged, how: 'salvaged', dropped };
  }
  throw new DrainStateInvalid(`The step input is not a drain state: ${issues(migrated.error ?? current.error)}`);
}

/** The value with every key the schema does not know removed, at every level (their paths into `dropped`). */
function strip(schema: z.core.$ZodType, value: unknown, at: string, dropped: string[]): unknown {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  if (def.type === 'optional' || def.type === 'default') {
    return value === undefined ? value : strip(def.innerType, value, at, dropped);
  }
  if (def.type === 'array' && Array.isArray(value)) {
    return value.map((item, i) => strip(def.element, item, `${at}[${i}]`, dropped));
  }
  if (def.type === 'object' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const shape: Record<string, z.core.$ZodType> = def.shape;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const field = shape[key];
      if (!field) dropped.push(at ? `${at}.${key}` : key);
      else out[key] = strip(field, inner, at ? `${at}.${key}` : key, dropped);
    }
    return out;
  }
  return value;
}

const Salvageable = z.looseObject({
  request: z.looseObject({
    kind: DrainState.shape.request.shape.kind,
    drainId: z.string().check(z.minLength(1)),
    instanceId: z.string().check(z.minLength(1)),
  }),
  region: z.optional(z.string()),
  cluster: z.optional(z.string()),
  budget: z.optional(z.looseObject({ holder: z.string(), held: z.boolean() })),
  error: z.optional(z.unknown()),
});

/** The least a drain's end needs: who it was (request), where (cluster) and its slot; the rest defaulted. */
function salvage(raw: unknown): DrainState | undefined {
  const found = Salvageable.safeParse(raw);
  if (!found.success) return undefined;
  const { request, cluster, budget, error } = found.data;
  const now = new Date().toISOString();
  const state = DrainState.safeParse({
    v: DRAIN_STATE_VERSION,
    action: 'drain',
    phase: 'finish',
    request: {
      kind: request.kind,
      drainId: request.drainId,
      instanceId: request.instanceId,
      eventTime: typeof request.eventTime === 'string' ? request.eventTime : now,
      sourceId: typeof request.sourceId === 'string' ? request.sourceId : request.drainId,
    },
    region: found.data.region ?? process.env.AWS_REGION ?? 'unknown',
    ...(cluster ? { cluster } : {}),
    policy: {
      deadlinePolicy: 'continue',
      standaloneTasks: 'wait',
      standaloneGraceSeconds: 0,
      settleSeconds: 0,
      budgetHosts: 1,
      budgetPercent: 100,
    },
    complement: false,
    dryRun: false,
    receivedAt: now,
    deadlineAt: now,
    budget: budget ? { holder: budget.holder, held: budget.held } : { holder: '', held: false },
    marked: false,
    waitSeconds: 0,
    settleSeconds: 0,
    tasks: [],
    stuckServices: [],
    message:
      'The drain state could not be read by this version of Ballast (a deploy during the drain): ended with what could be read.',
    error: error ?? {
      Error: 'DrainStateUnreadable',
      Cause: 'The drain state was written by another version of Ballast.',
    },
  });
  return state.success ? state.data : undefined;
}

function issues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.')}: ${i.message}`)
    .join('; ');
}
