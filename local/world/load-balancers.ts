import type { BallastConfig } from '../../config/schema.ts';
import type { World } from './world.ts';

/**
 * The fleet's load balancers, from its description: each region's load balancers (`policies.failover.
 * loadBalancers`, the names CloudWatch's `LoadBalancer` dimension carries) and the target groups of the region's
 * services spread over them in order (the first group behind the first balancer, the second behind the second,
 * and so on, wrapping). Their request, error and latency metrics are then published into that region's
 * CloudWatch every minute, as AWS does.
 */
export function buildLoadBalancers(world: World, config: BallastConfig): void {
  const declared = config.policies.failover?.loadBalancers ?? {};
  for (const [region, names] of Object.entries(declared)) {
    if (names.length === 0 || !world.regions.has(region)) continue;
    const groups = [
      ...new Set((config.regions[region]?.services ?? []).flatMap((s) => s.targetGroups.map((tg) => tg.name))),
    ];
    const registry = world.region(region).loadBalancers;
    names.forEach((name, i) => {
      registry.add(
        name,
        groups.filter((_, g) => g % names.length === i),
      );
    });
  }
}
