import { RATE_LIMITS, type RateLimit } from '../../config/limits.ts';
import { AwsError } from '../core/aws-error.ts';
import type { ApiFault, Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';
import type { Caller, Protocol } from '../core/service.ts';
import { RateLimiter } from './rate-limit.ts';
import { frontDoor } from './wire.ts';

/**
 * What AWS's front door does to every call before and after a service runs it, on virtual time: region
 * outages, IAM, rate limits, injected faults, and a record of the call. The endpoint uses only these
 * fields of the world's kernel: `clock`, `rng`, `faults`, `accountId` and the regions (known, down).
 */
export interface CallRecord {
  /** Virtual epoch milliseconds when the call arrived. */
  t: number;
  region: string;
  /** IAM prefix of the service. */
  service: string;
  action: string;
  /** The caller's short name (a role's logical id, or 'operator'). */
  caller: string;
  resources: string[];
  outcome: 'ok' | 'error' | 'throttled' | 'denied' | 'fault' | 'timeout';
  errorCode?: string;
  /** Virtual latency the call would have had: the sum of matching injected latencies. */
  latencyMs?: number;
}

export type Authorizer = (request: {
  caller: Caller;
  action: string;
  resources: string[];
  region: string;
  /** Condition keys from the request (Operation.conditionKeys). */
  conditionKeys?: Record<string, string>;
}) => {
  allowed: boolean;
  reason?: string;
};

/** AWS's published limits (true), none (false), or every bucket's burst and refill scaled (0.5: twice as strict). */
export type RateLimitsOption = boolean | { readonly scale: number };

/** The published limits with every bucket scaled; buckets that are one object stay one object (shared). */
function scaledLimits(scale: number): Readonly<Record<string, RateLimit>> {
  if (scale === 1) return RATE_LIMITS;
  const scaled = new Map<RateLimit, RateLimit>();
  const out: Record<string, RateLimit> = {};
  for (const [key, limit] of Object.entries(RATE_LIMITS)) {
    let s = scaled.get(limit);
    if (!s) {
      s = { ...limit, burst: Math.max(1, Math.floor(limit.burst * scale)), perSecond: limit.perSecond * scale };
      scaled.set(limit, s);
    }
    out[key] = s;
  }
  return out;
}

export interface GateRequest {
  readonly protocol: Protocol;
  readonly iamPrefix: string;
  readonly action: string;
  readonly region: string;
  /** Global services (Route 53) keep answering when a region is down. */
  readonly global: boolean;
  readonly caller: Caller;
  readonly resources: string[];
  readonly conditionKeys?: Record<string, string>;
}

export type GateResult =
  | { readonly pass: true; readonly latencyMs: number }
  | {
      readonly pass: false;
      readonly error: AwsError;
      readonly outcome: CallRecord['outcome'];
      readonly latencyMs: number;
      /** The answer is held this long (real ms): the region's API times out. */
      readonly hangMs?: number;
    };

/** How long (real time) a timed-out call is held before the endpoint answers 504, if the client still waits. */
export const HANG_REAL_MS = 10_000;

export class CallPipeline {
  readonly calls: CallRecord[] = [];
  private readonly limiter: RateLimiter | undefined;
  private readonly faultRng: Rng;
  private readonly requestIds: Rng;

  constructor(
    private readonly world: Kernel,
    private readonly options: {
      rateLimits: RateLimitsOption;
      authorize?: Authorizer;
      onCall?: (record: CallRecord) => void;
    },
  ) {
    this.limiter = options.rateLimits
      ? new RateLimiter(scaledLimits(options.rateLimits === true ? 1 : options.rateLimits.scale), () =>
          world.clock.now(),
        )
      : undefined;
    this.faultRng = world.rng.fork('endpoint-faults');
    this.requestIds = world.rng.fork('endpoint-request-ids');
  }

  now(): number {
    return this.world.clock.now();
  }

  /** A deterministic request id (UUID layout) from the world's seed. */
  requestId(): string {
    const h = this.requestIds.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.requestIds.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** Whether the world knows `region` (global services are always known). */
  knowsRegion(region: string): boolean {
    return this.world.hasRegion(region);
  }

  /** Region outage, then IAM, then rate limit, then injected faults: the first that refuses decides. */
  gate(call: GateRequest): GateResult {
    const latencyMs = this.latencyOf(call);
    if (!call.global && this.world.isRegionDown(call.region)) {
      return { pass: false, error: frontDoor.unavailable(call.protocol, call.region), outcome: 'fault', latencyMs };
    }
    const iamAction = `${call.iamPrefix}:${call.action}`;
    if (this.options.authorize) {
      const decision = this.options.authorize({
        caller: call.caller,
        action: iamAction,
        resources: call.resources,
        region: call.region,
        ...(call.conditionKeys ? { conditionKeys: call.conditionKeys } : {}),
      });
      if (!decision.allowed) {
        const resource = call.resources[0] ?? '*';
        const because = decision.reason ?? `no identity-based policy allows the ${iamAction} action`;
        const message = `User: ${this.principalArn(call.caller)} is not authorized to perform: ${iamAction} on resource: ${resource} because ${because}`;
        return { pass: false, error: frontDoor.accessDenied(call.protocol, message), outcome: 'denied', latencyMs };
      }
    }
    if (this.limiter && !this.limiter.take(this.world.accountId, call.region, call.iamPrefix, call.action)) {
      return { pass: false, error: frontDoor.throttled(call.protocol), outcome: 'throttled', latencyMs };
    }
    for (const fault of this.matchingFaults(call)) {
      if (fault.timeout) {
        const error = new AwsError('RequestTimeout', 'The local cloud held the request: the API timed out', 504);
        return { pass: false, error, outcome: 'timeout', latencyMs, hangMs: HANG_REAL_MS };
      }
      const fails = fault.errorRate >= 1 || (fault.errorRate > 0 && this.faultRng.next() < fault.errorRate);
      if (fails) return { pass: false, error: faultError(fault, call.protocol), outcome: 'fault', latencyMs };
    }
    return { pass: true, latencyMs };
  }

  record(record: CallRecord): void {
    this.calls.push(record);
    try {
      this.options.onCall?.(record);
    } catch {
      // A listener's failure must not change what the caller sees.
    }
  }

  private matchingFaults(call: GateRequest): ApiFault[] {
    const now = this.now();
    return this.world.faults.filter(
      (fault) =>
        (fault.service === '*' || fault.service === call.iamPrefix) &&
        (fault.action === undefined || fault.action === call.action) &&
        (fault.region === undefined || fault.region === call.region) &&
        now >= fault.from &&
        now < fault.until,
    );
  }

  private latencyOf(call: GateRequest): number {
    return this.matchingFaults(call).reduce((sum, fault) => sum + (fault.latencyMs ?? 0), 0);
  }

  /** The principal as IAM names it in AccessDenied messages: an assumed-role session, or a user. */
  private principalArn(caller: Caller): string {
    const role = caller.roleArn ? /^arn:([^:]+):iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(caller.roleArn) : null;
    if (role) return `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/${caller.name}`;
    return caller.roleArn ?? `arn:aws:iam::${this.world.accountId}:user/${caller.name}`;
  }
}

function faultError(fault: ApiFault, protocol: Protocol): AwsError {
  const status = fault.status ?? 500;
  if (fault.errorCode) return new AwsError(fault.errorCode, `Injected fault: ${fault.errorCode}`, status);
  if (status === 503) return frontDoor.unavailable(protocol, fault.region ?? 'this region');
  return new AwsError('InternalFailure', 'Injected fault: the request processing has failed', status);
}
