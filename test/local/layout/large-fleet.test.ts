import { describe, expect, it } from 'vitest';
import { fleetRegions, parseConfig } from '#config/schema.ts';
import { buildFleet } from '#local/world/fleet.ts';
import { largeFleet } from '#local/world/large-fleet.ts';
import { buildScalingFleet } from '#local/world/scaling-fleet.ts';
import { World } from '#local/world/world.ts';

describe('the large fleet', () => {
  it('builds 300 services in several clusters on 1,000 container instances in one region, from a compact description', async () => {
    // Arrange
    const large = largeFleet();
    const config = parseConfig(large.config);
    const world = new World({ seed: 1, regions: fleetRegions(config) });

    // Act
    buildFleet(world, config, large.fleet);
    const scaling = buildScalingFleet(world, config);
    await world.clock.runUntil(world.now() + 10 * 60_000);

    // Assert
    const primary = world.region('us-east-1');
    const clusters = primary.ecs.clusters();
    const services = clusters.flatMap((c) =>
      [...c.services.values()].filter((s) => s.schedulingStrategy === 'REPLICA'),
    );
    expect(clusters.length).toBeGreaterThan(1);
    expect(services).toHaveLength(300);
    expect(clusters.reduce((n, c) => n + c.instances.size, 0)).toBeGreaterThanOrEqual(1000);
    expect(services.every((s) => s.runningCount === s.desiredCount && s.desiredCount === 4)).toBe(true);
    expect(scaling.targets.get('us-east-1')).toHaveLength(300);
    expect(Object.values(primary.cloudwatch.alarmCounts()).reduce((a, b) => a + b, 0)).toBe(600);
    const behindLb = services.filter((s) => s.targetGroups.length > 0);
    expect(behindLb.length).toBe(240);
    expect(behindLb.every((s) => primary.elb.targetGroup(s.targetGroups[0]!.name)?.serving().length === 4)).toBe(true);
    expect(world.traffic.totals()).toMatchObject({ failed: 0 });
  });
});
