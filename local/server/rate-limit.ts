import type { RateLimit } from '../../config/limits.ts';

/**
 * Token buckets on virtual time, one per account, region and bucket, as AWS meters API calls. A call uses
 * the bucket of `prefix:Action` when the limits name it, else `prefix:*`, else it is not limited. Keys that
 * point at the same `RateLimit` object share one bucket (ECS meters UpdateService, CreateService and
 * DeleteService together: give them one object to model that).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly shared = new Map<RateLimit, string>();

  constructor(
    private readonly limits: Readonly<Record<string, RateLimit>>,
    private readonly now: () => number,
  ) {
    for (const [key, limit] of Object.entries(limits)) if (!this.shared.has(limit)) this.shared.set(limit, key);
  }

  /** The bucket key that meters `prefix:action`, or undefined when the call is not limited. */
  bucketFor(prefix: string, action: string): { key: string; limit: RateLimit } | undefined {
    const limit = this.limits[`${prefix}:${action}`] ?? this.limits[`${prefix}:*`];
    if (!limit) return undefined;
    return { key: this.shared.get(limit) ?? `${prefix}:${action}`, limit };
  }

  /** Takes one token; false when the bucket is empty (the call is throttled and consumes nothing). */
  take(account: string, region: string, prefix: string, action: string): boolean {
    const bucket = this.bucketFor(prefix, action);
    if (!bucket) return true;
    const id = `${account}/${region}/${bucket.key}`;
    const now = this.now();
    const state = this.buckets.get(id) ?? { tokens: bucket.limit.burst, at: now };
    const refilled = Math.min(
      bucket.limit.burst,
      state.tokens + (Math.max(0, now - state.at) / 1000) * bucket.limit.perSecond,
    );
    if (refilled < 1) {
      this.buckets.set(id, { tokens: refilled, at: now });
      return false;
    }
    this.buckets.set(id, { tokens: refilled - 1, at: now });
    return true;
  }
}
