import { describe, expect, it } from 'vitest';
import { etaSecondsOf, hostsNeeded, planGroups, targetFor } from '#functions/emergency-scaling/core/plan.ts';
import type { PlannedService } from '#functions/emergency-scaling/state.ts';

/** The documented plan formula and the bin-packing of hosts. */
const base = { running: 4, floor: 2, ceiling: 40, peak: 8, maxMultiplier: 1.5, sizing: 'history' as const };

describe('the target of a service', () => {
  it('is at least the recent peak', () => {
    expect(targetFor(base)).toEqual({ target: 8, bound: 'peak' });
  });

  it('takes the same hour a week ago into the reference', () => {
    expect(targetFor({ ...base, weekAgo: 11 }).target).toBe(11);
  });

  it('is at least the current running count and the floor', () => {
    expect(targetFor({ ...base, running: 12, peak: 6 })).toEqual({ target: 12, bound: 'running' });
    expect(targetFor({ ...base, running: 1, peak: 1, floor: 3 })).toEqual({ target: 2, bound: 'multiplier-cap' });
    expect(targetFor({ ...base, running: 1, peak: 1, floor: 3, maxMultiplier: 4 })).toEqual({
      target: 3,
      bound: 'floor',
    });
  });

  it('is at most the ceiling', () => {
    expect(targetFor({ ...base, peak: 60, running: 30 })).toEqual({ target: 40, bound: 'ceiling' });
  });

  it('sizes by a percentage, a multiplier or a count, capped by the ceiling only', () => {
    expect(targetFor({ ...base, sizing: 'percent', percent: 50 }).target).toBe(12);
    expect(targetFor({ ...base, sizing: 'multiplier', multiplier: 3 }).target).toBe(24);
    expect(targetFor({ ...base, sizing: 'counts', count: 100 })).toEqual({ target: 40, bound: 'ceiling' });
    expect(targetFor({ ...base, sizing: 'counts', count: 2 })).toEqual({ target: 4, bound: 'running' });
  });
});

describe('the hosts a cluster needs', () => {
  const host = { cpu: 2048, memory: 4096 };
  const none = { cpu: 0, memory: 0 };

  it('bin-packs tasks by CPU and memory (first fit decreasing)', () => {
    expect(hostsNeeded([{ size: { cpu: 512, memory: 1024 }, count: 10 }], host, none)).toBe(3);
    // memory-bound: 3 GiB tasks fit one per host whatever their CPU
    expect(hostsNeeded([{ size: { cpu: 256, memory: 3072 }, count: 3 }], host, none)).toBe(3);
    // mixed sizes fill the gaps: 4 x 1536 CPU + 4 x 512 CPU = 4 hosts
    expect(
      hostsNeeded(
        [
          { size: { cpu: 1536, memory: 512 }, count: 4 },
          { size: { cpu: 512, memory: 512 }, count: 4 },
        ],
        host,
        none,
      ),
    ).toBe(4);
  });

  it('leaves room for what other tasks reserve on every host, and says when a task cannot fit', () => {
    expect(hostsNeeded([{ size: { cpu: 512, memory: 1024 }, count: 8 }], host, { cpu: 512, memory: 0 })).toBe(3);
    expect(hostsNeeded([{ size: { cpu: 4096, memory: 1024 }, count: 1 }], host, none)).toBe(Number.POSITIVE_INFINITY);
    expect(hostsNeeded([], host, none)).toBe(0);
  });

  const planned = (key: string, running: number, target: number): PlannedService => ({
    key,
    cluster: 'web',
    service: key.split('/')[1]!,
    tier: 'critical',
    running,
    desired: running,
    peak: target,
    p95: target,
    noHistory: false,
    target,
    bound: 'peak',
    lever: 'register',
    maxCapacity: target,
    keepOutSuspended: false,
    applied: false,
    reached: false,
  });

  it('spreads the extra hosts over the cluster groups and never lowers a group', () => {
    const snapshots = [
      { name: 'a', cluster: 'web', min: 1, max: 4, desired: 2, suspendedProcesses: [] },
      { name: 'b', cluster: 'web', min: 5, max: 5, desired: 5, suspendedProcesses: [] },
    ];
    const sizes = new Map([['web/api', { cpu: 512, memory: 1024 }]]);
    const capacity = { host: { cpu: 2048, memory: 4096 }, hosts: 7, used: { cpu: 512 * 20, memory: 1024 * 20 } };

    const { groups } = planGroups(
      [
        { name: 'a', cluster: 'web' },
        { name: 'b', cluster: 'web' },
      ],
      snapshots,
      [planned('web/api', 20, 40)],
      sizes,
      capacity,
    );

    expect(groups.map((g) => [g.name, g.newMin, g.newDesired, g.newMax])).toEqual([
      ['a', 4, 4, 4],
      ['b', 6, 6, 6],
    ]);
    const fewer = planGroups(
      [
        { name: 'a', cluster: 'web' },
        { name: 'b', cluster: 'web' },
      ],
      snapshots,
      [planned('web/api', 20, 4)],
      sizes,
      capacity,
    );
    // no extra host needed: min is raised to what runs (so hosts are held), desired and max stay
    expect(fewer.groups.map((g) => [g.newMin, g.newDesired, g.newMax])).toEqual([
      [2, 2, 4],
      [5, 5, 5],
    ]);
  });

  it('raises no host when it cannot learn the host size', () => {
    const { groups, note } = planGroups(
      [{ name: 'a', cluster: 'web' }],
      [{ name: 'a', cluster: 'web', min: 0, max: 4, desired: 0, suspendedProcesses: [] }],
      [planned('web/api', 0, 4)],
      new Map(),
      { hosts: 0, used: { cpu: 0, memory: 0 } },
    );
    expect(groups[0]?.newDesired).toBe(0);
    expect(note).toMatch(/no ACTIVE container instance/);
  });

  it('estimates the time: calls beyond the burst at the published rate, a host boot, a task start', () => {
    const many = Array.from({ length: 300 }, (_, i) => planned(`web/s${i}`, 2, 4));
    expect(etaSecondsOf(many, [])).toBe(Math.ceil((300 - 100) / 20 + 60));
  });
});
