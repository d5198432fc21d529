import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ballastDrainEventsPattern, DrainEventDetail } from '#events/ballast-events.ts';
import { rebalanceRecommendationPattern, spotInterruptionPattern } from '#events/ec2.ts';
import { instanceScheduledChangePattern } from '#events/health.ts';
import {
  launchLifecycleActionPattern,
  taggedGroupsTerminatePattern,
  terminateLifecycleActionPattern,
} from '#events/lifecycle.ts';
import { matchesPattern } from '#events/match.ts';

const SAMPLES = new URL('../../../events/samples/', import.meta.url);
const samples = Object.fromEntries(
  readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(f, SAMPLES), 'utf8'))]),
) as Record<string, Record<string, unknown>>;

const patterns = {
  terminate: terminateLifecycleActionPattern(['web-hosts', 'worker-hosts'], ['ballast-drain']),
  launch: launchLifecycleActionPattern(['web-hosts'], ['ballast-launch']),
  spot: spotInterruptionPattern(),
  rebalance: rebalanceRecommendationPattern(),
  ballast: ballastDrainEventsPattern(),
  health: instanceScheduledChangePattern(),
};
/** Which sample each pattern must match; it must match no other sample. */
const expected: Record<keyof typeof patterns, string[]> = {
  terminate: ['lifecycle-terminate-into-warm-pool', 'lifecycle-terminate'],
  launch: ['lifecycle-launch-from-warm-pool', 'lifecycle-launch-into-warm-pool', 'lifecycle-launch'],
  spot: ['spot-interruption-hibernate', 'spot-interruption-stop', 'spot-interruption'],
  rebalance: ['rebalance-recommendation'],
  ballast: ['ballast-drain-completed'],
  health: ['health-instance-retirement'],
};

describe('event patterns', () => {
  for (const [name, pattern] of Object.entries(patterns)) {
    it(`${name} matches exactly its samples`, () => {
      const matched = Object.entries(samples)
        .filter(([, event]) => matchesPattern(pattern, event))
        .map(([sample]) => sample);
      expect(matched).toEqual(expected[name as keyof typeof patterns]);
    });
  }

  it('terminate does not match another group or ECS managed draining’s own hook', () => {
    const event = samples['lifecycle-terminate']!;
    const detail = event.detail as Record<string, unknown>;
    expect(matchesPattern(patterns.terminate, { ...event, detail: { ...detail, AutoScalingGroupName: 'other' } })).toBe(
      false,
    );
    expect(
      matchesPattern(patterns.terminate, {
        ...event,
        detail: { ...detail, LifecycleHookName: 'ecs-managed-draining-termination-hook' },
      }),
    ).toBe(false);
  });

  it('the tagged-groups pattern matches Ballast’s hook on any group', () => {
    const event = samples['lifecycle-terminate']!;
    const detail = event.detail as Record<string, unknown>;
    expect(
      matchesPattern(taggedGroupsTerminatePattern(['ballast-drain']), {
        ...event,
        detail: { ...detail, AutoScalingGroupName: 'any' },
      }),
    ).toBe(true);
  });

  it('refuses to build a lifecycle pattern without groups (it would match every group)', () => {
    expect(() => terminateLifecycleActionPattern([], ['ballast-drain'])).toThrow(/at least one group/);
  });

  it('the Ballast event sample has the documented detail', () => {
    expect(DrainEventDetail.safeParse(samples['ballast-drain-completed']!.detail).success).toBe(true);
  });
});
