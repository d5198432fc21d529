import { describe, expect, it } from 'vitest';
import { ConfigError, drainPolicyFor, fleetRegions, parseConfig } from '#config/schema.ts';
import example from '../../../ballast.config.ts';

/** A deep copy of the example, changed by `edit`, so each case breaks exactly one thing. */
function variant(edit: (config: any) => void): unknown {
  const copy = structuredClone(example) as any;
  edit(copy);
  return copy;
}

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('the fleet configuration', () => {
  it('accepts the example two-region fleet and fills in the defaults', () => {
    const config = parseConfig(example);
    expect(fleetRegions(config)).toEqual(['us-east-1', 'us-west-2']);
    expect(config.regions['us-east-1']?.autoScalingGroups[0]?.createHooks).toBe(true);
    expect(config.policies.drain.deadlineMinutes).toBe(120);
  });

  it('lets a group override the fleet drain policy', () => {
    const config = parseConfig(example);
    const workers = config.regions['us-east-1']!.autoScalingGroups.find((g) => g.name === 'worker-hosts')!;
    const policy = drainPolicyFor(config, workers);
    expect(policy.deadlinePolicy).toBe('force');
    expect(policy.standaloneTasks).toBe('stop');
    expect(policy.deadlineMinutes).toBe(120);
  });

  it.each([
    [
      'standby equal to primary',
      (c: any) => (c.standbyRegion = 'us-east-1'),
      'standbyRegion: must differ from primaryRegion',
    ],
    [
      'a floor above the ceiling',
      (c: any) => (c.regions['us-east-1'].services[0].floor = 50),
      "regions['us-east-1'].services[0].floor: (50) is above ceiling (40)",
    ],
    [
      'a service on an unknown cluster',
      (c: any) => (c.regions['us-west-2'].services[1].cluster = 'mobile'),
      "regions['us-west-2'].services[1].cluster: names unknown cluster 'mobile'",
    ],
    [
      'a group on an unknown cluster',
      (c: any) => (c.regions['us-east-1'].autoScalingGroups[0].cluster = 'nope'),
      "regions['us-east-1'].autoScalingGroups[0].cluster: names unknown cluster 'nope'",
    ],
    ['a TTL above the range', (c: any) => (c.dns.ttl = 86_400), 'dns.ttl: must be at most 3600 s'],
    ['a TTL below the range', (c: any) => (c.dns.ttl = 1), 'dns.ttl: must be at least 5 s'],
    ['a record outside the zone', (c: any) => (c.dns.records[0].name = 'api.example.org'), 'dns.records[0].name:'],
    [
      'a missing standby region entry',
      (c: any) => delete c.regions['us-west-2'],
      'regions: has no entry for standbyRegion us-west-2',
    ],
    ['a bad region name', (c: any) => (c.primaryRegion = 'useast1'), 'primaryRegion: must be an AWS region name'],
    [
      'a negative drain deadline',
      (c: any) => (c.policies.drain.deadlineMinutes = -5),
      'policies.drain.deadlineMinutes: must be a positive',
    ],
    [
      'a drain deadline past the hook cap',
      (c: any) => (c.policies.drain.deadlineMinutes = 5000),
      'must be at most 2880 minutes',
    ],
    ['an unknown field', (c: any) => (c.policies.drain.deadlinMinutes = 5), 'policies.drain: Unrecognized key'],
    [
      'a ladder that never reaches 100 %',
      (c: any) => (c.policies.failover.rungs = [10, 50]),
      'policies.failover.rungs: must end at 100',
    ],
    ['a rung out of range', (c: any) => (c.policies.failover.rungs = [10, 300]), 'policies.failover.rungs[1]:'],
    ['a rung weights cannot express', (c: any) => (c.policies.failover.rungs = [0.3, 100]), 'multiple of 0.5'],
    ['rungs out of order', (c: any) => (c.policies.failover.rungs = [50, 5, 100]), 'rungs[1]: must be strictly'],
    [
      'a fence region outside the fleet',
      (c: any) => (c.policies.failover.fenceRegion = 'eu-west-1'),
      'policies.failover.fenceRegion: names region eu-west-1',
    ],
    [
      'a bad hosted zone id',
      (c: any) => (c.dns.hostedZoneId = 'zone-1'),
      'dns.hostedZoneId: must be a Route 53 hosted zone id',
    ],
  ])('rejects %s with a message naming the field', (_case, edit, expected) => {
    const problems = problemsOf(variant(edit));
    expect(problems.join('\n')).toContain(expected);
  });

  it('reports every problem at once, not only the first', () => {
    const problems = problemsOf(
      variant((c) => {
        c.standbyRegion = 'us-east-1';
        c.dns.ttl = 0;
      }),
    );
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });
});
