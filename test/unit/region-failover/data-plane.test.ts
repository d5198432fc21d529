import { describe, expect, it } from 'vitest';
import { parseConfig } from '#config/schema.ts';
import { failoverConfigFor } from '#functions/region-failover/config-schema.ts';
import {
  type Levels,
  levelFor,
  nextLevels,
  reachableShares,
  recordHealth,
  slotWeights,
  steeredRegion,
  veto,
} from '#functions/region-failover/core/data-plane.ts';
import type { FailoverDeps } from '#functions/region-failover/core/deps.ts';
import { validateRequest } from '#functions/region-failover/core/flow.ts';
import { InvalidInput } from '#shared/errors.ts';
import { dataPlaneConfig } from '#test/fixtures/region-failover-data-plane.ts';
import example from '../../../ballast.config.ts';

const threeRegions = () => ({ ...example.regions, 'eu-west-1': example.regions['us-west-2']! });

const RUNGS = [1, 5, 25, 50, 100];
const SLOTS = RUNGS.length;

/** The destination's share of a record at these levels, from the slots' weights and the records' health. */
function destinationShare(levels: Levels, towardHome = false): number {
  const weights = slotWeights(RUNGS);
  let steered = 0;
  let home = 0;
  recordHealth(levels, SLOTS).forEach((slot, i) => {
    if (slot.steered) steered += weights[i] ?? 0;
    if (slot.home) home += weights[i] ?? 0;
  });
  const share = (100 * steered) / (steered + home);
  return towardHome ? 100 - share : share;
}

/** Every level published on the way from `from` to `target`. */
function walk(from: Levels, target: number): Levels[] {
  const steps: Levels[] = [];
  let at = from;
  for (let next = nextLevels(at, target, SLOTS); next; next = nextLevels(at, target, SLOTS)) {
    steps.push(next);
    at = next;
  }
  return steps;
}

describe('data-plane traffic: slots, levels and the veto', () => {
  it('gives each slot its rung step as weight, so taking k slots is exactly the k-th rung', () => {
    // Arrange / Act
    const weights = slotWeights(RUNGS);
    // Assert
    expect(weights).toEqual([2, 8, 40, 50, 100]);
    expect(weights.reduce((a, b) => a + b, 0)).toBe(200);
    expect([0, 1, 2, 3, 4, 5].map((k) => destinationShare({ take: k, release: k }))).toEqual([0, 1, 5, 25, 50, 100]);
  });

  it('steers the non-home region: its own level away from home, the source level on the way back', () => {
    expect(steeredRegion('us-east-1', 'us-east-1', 'us-west-2')).toEqual({ region: 'us-west-2', towardHome: false });
    expect(steeredRegion('us-east-1', 'us-west-2', 'us-east-1')).toEqual({ region: 'us-west-2', towardHome: true });
    expect(steeredRegion('us-east-1', 'us-west-2', 'eu-west-1')).toBeUndefined();
  });

  it('maps a share to a level, and going home climbs the rungs in reverse', () => {
    expect(levelFor(RUNGS, 25, false)).toBe(3);
    expect(levelFor(RUNGS, 0, false)).toBe(0);
    expect(levelFor(RUNGS, 100, true)).toBe(0);
    expect(levelFor(RUNGS, 75, true)).toBe(3);
    expect(reachableShares(RUNGS, true)).toEqual([50, 75, 95, 99, 100]);
    expect(() => levelFor(RUNGS, 10, false)).toThrow(/10% is not a rung/);
  });

  it('raises take before release and lowers release before take, each step keeping every slot served', () => {
    // Act
    const up = walk({ take: 0, release: 0 }, 3);
    const down = walk({ take: 3, release: 3 }, 1);
    // Assert
    expect(up).toEqual([
      { take: 3, release: 0 },
      { take: 3, release: 3 },
    ]);
    expect(down).toEqual([
      { take: 3, release: 1 },
      { take: 1, release: 1 },
    ]);
    for (const step of [...up, ...down]) expect(veto(step, SLOTS)).toBeUndefined();
    // During the step, the slots in between are served by both regions: the share is between the two rungs.
    expect(destinationShare(up[0]!)).toBeGreaterThan(0);
    expect(destinationShare(up[0]!)).toBeLessThan(25);
    expect(walk({ take: 2, release: 2 }, 2)).toEqual([]);
  });

  it('vetoes levels that would leave every record unhealthy (Route 53 would answer as if all were healthy)', () => {
    // Arrange: home has released every slot, the destination has taken none.
    const levels = { take: 0, release: SLOTS };
    // Act / Assert
    expect(recordHealth(levels, SLOTS).every((s) => !s.home && !s.steered)).toBe(true);
    expect(veto(levels, SLOTS)).toMatch(/every record would be unhealthy/);
  });

  it('vetoes a release above take (a slot with no healthy record) and levels outside the slots', () => {
    expect(veto({ take: 2, release: 4 }, SLOTS)).toMatch(/slot\(s\) 3, 4 would have no healthy record/);
    expect(veto({ take: 6, release: 0 }, SLOTS)).toMatch(/within 0\.\.5/);
    expect(veto({ take: 4, release: 2 }, SLOTS)).toBeUndefined();
  });
});

describe('data-plane console input', () => {
  const deps = (mode: 'ladder' | 'data-plane', activeRegion = 'us-east-1') => {
    const base = dataPlaneConfig({ regions: threeRegions() });
    const config = parseConfig({
      ...base,
      policies: { ...base.policies, failover: { ...base.policies!.failover!, mode } },
    });
    return {
      config: failoverConfigFor(config, 'us-west-2'),
      clock: () => new Date('2026-12-01T10:00:00.000Z'),
      fence: { readFence: async () => ({ activeRegion, epoch: 1 }) },
    } as unknown as FailoverDeps;
  };
  const start = (extra: Record<string, unknown> = {}) => ({ action: 'failover', to: 'us-west-2', ...extra });
  const problems = async (p: Promise<unknown>) => {
    try {
      await p;
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInput);
      return (error as InvalidInput).message;
    }
  };

  it('takes mode data-plane with the deployed rungs by default, or a subset of them', async () => {
    expect((await validateRequest(start(), deps('data-plane'))).rungs).toEqual(RUNGS);
    const jump = await validateRequest(start({ mode: 'data-plane', rungs: [5, 100] }), deps('data-plane'));
    expect([jump.mode, jump.rungs]).toEqual(['data-plane', [5, 100]]);
  });

  it('refuses, naming the field: data-plane on a weights deployment, weights on a data-plane one, an undeployed rung', async () => {
    expect(await problems(validateRequest(start({ mode: 'data-plane' }), deps('ladder')))).toMatch(
      /mode: data-plane needs the records, health checks and alarms made at deploy/,
    );
    expect(await problems(validateRequest(start({ mode: 'immediate' }), deps('data-plane')))).toMatch(
      /mode: this deployment steers traffic through health checks/,
    );
    expect(await problems(validateRequest(start({ rungs: [10, 100] }), deps('data-plane')))).toMatch(
      /rungs\.0: 10% is not a share this data-plane deployment can stop at/,
    );
  });

  it('refuses a data-plane failover between two regions neither of which is home', async () => {
    expect(await problems(validateRequest(start(), deps('data-plane', 'eu-west-1')))).toMatch(
      /to: data-plane moves traffic between the home region us-east-1 \(primaryRegion\) and one other/,
    );
  });
});

describe('data-plane configuration', () => {
  it('needs dns, a target per record and region, and at most 10 rungs, naming each field', () => {
    const base = dataPlaneConfig();
    const failover = base.policies!.failover!;
    const { dns: _dns, ...withoutDns } = base;
    expect(() => parseConfig(withoutDns)).toThrow(/dns: is required by policies\.failover\.mode 'data-plane'/);
    const tooMany = { ...failover, rungs: [1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100] };
    expect(() => parseConfig({ ...base, policies: { ...base.policies, failover: tooMany } })).toThrow(
      /policies\.failover\.rungs: has 11 rungs: 'data-plane' makes two alarms and a health check per rung/,
    );
    expect(parseConfig(base).policies.failover.mode).toBe('data-plane');
  });
});
