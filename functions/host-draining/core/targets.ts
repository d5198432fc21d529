import { DescribeTargetGroupAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LIMITS } from '#config/limits.ts';
import { isTransientAwsError } from '#shared/errors.ts';
import type { DrainState } from '../state.ts';
import { type DrainDeps, errorName } from './deps.ts';
import { describeServices } from './hosts.ts';

/**
 * How long the load balancers keep a drained host's connections: the real
 * `deregistration_delay.timeout_seconds` of the target groups the host's service tasks were registered in.
 * The target groups come from ECS (each service's `loadBalancers`, as described when its tasks were first
 * seen on the host), the delays from Elastic Load Balancing,
 * never from Ballast's configuration: a service missing from it, or a group opted in by tag, settles as
 * long as its load balancer really drains.
 */

export interface TargetGroupDelay {
  readonly targetGroupArn: string;
  readonly seconds: number;
  /** Why the delay is not the group's attribute (the group is gone, or its attributes could not be read). */
  readonly note?: string;
}

export interface SettleDelay {
  /** The longest delay of the groups, plus the policy's `settleSeconds`. */
  readonly seconds: number;
  readonly groups: readonly TargetGroupDelay[];
}

/** The services whose tasks were on the host: those still tracked and those only counted. */
export function drainedServices(state: Pick<DrainState, 'tasks' | 'dropped'>): string[] {
  return [
    ...new Set([
      ...state.tasks.filter((t) => t.cls === 'service' && t.service).map((t) => t.service!),
      ...(state.dropped?.services ?? []),
    ]),
  ].sort();
}

/** The settle after the last task stopped: the longest real deregistration delay, plus the policy's extra. */
export async function settleDelay(state: DrainState, deps: DrainDeps): Promise<SettleDelay> {
  const services = drainedServices(state);
  if (services.length === 0 || state.cluster === undefined) {
    return { seconds: state.policy.settleSeconds, groups: [] };
  }
  // The services' target groups were read with the tasks ('Start Drain', or a check that saw them arrive).
  const known = state.targetGroups ?? {};
  const unknown = services.filter((s) => !Object.hasOwn(known, s));
  const arns = new Set<string>(services.flatMap((s) => known[s] ?? []));
  for (const service of (await describeServices(deps.clients.ecs, state.cluster, unknown)).values()) {
    for (const lb of service.loadBalancers ?? []) if (lb.targetGroupArn) arns.add(lb.targetGroupArn);
  }
  const groups: TargetGroupDelay[] = [];
  for (const arn of [...arns].sort()) groups.push(await delayOf(arn, deps));
  const longest = Math.max(0, ...groups.map((g) => g.seconds));
  return { seconds: longest + state.policy.settleSeconds, groups };
}

async function delayOf(targetGroupArn: string, deps: DrainDeps): Promise<TargetGroupDelay> {
  try {
    const out = await deps.clients.elbv2.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn }),
    );
    const value = out.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    const seconds = value === undefined ? Number.NaN : Number(value);
    if (Number.isInteger(seconds) && seconds >= 0) return { targetGroupArn, seconds };
    return {
      targetGroupArn,
      seconds: LIMITS.elbDeregistrationDelayDefaultSeconds,
      note: `no deregistration_delay.timeout_seconds attribute (got ${value ?? 'none'}): assuming ELB's default`,
    };
  } catch (error) {
    if (isTransientAwsError(error)) throw error;
    if (errorName(error) === 'TargetGroupNotFoundException' || errorName(error) === 'TargetGroupNotFound') {
      return { targetGroupArn, seconds: 0, note: 'target group no longer exists: nothing to drain' };
    }
    // Not knowing the delay must not cut the settle short: assume ELB's default, and say so.
    deps.logger.warn('Could not read a target group’s deregistration delay: assuming ELB’s default', {
      targetGroupArn,
      error: errorName(error),
    });
    return {
      targetGroupArn,
      seconds: LIMITS.elbDeregistrationDelayDefaultSeconds,
      note: `attributes unreadable (${errorName(error) ?? 'error'}): assuming ELB's default; grant elasticloadbalancing:DescribeTargetGroupAttributes`,
    };
  }
}

/** One line for messages: the delay and where it came from. */
export function describeSettle(delay: SettleDelay, extra: number): string {
  if (delay.groups.length === 0) return `no target group${extra ? `; ${extra} s extra` : ''}`;
  const parts = delay.groups.map((g) => {
    const name = /targetgroup\/([^/]+)/.exec(g.targetGroupArn)?.[1] ?? g.targetGroupArn;
    return `${name} ${g.seconds} s${g.note ? ` (${g.note})` : ''}`;
  });
  return `deregistration delay of ${parts.join(', ')}${extra ? `; ${extra} s extra` : ''}`;
}
