import { describe, expect, it } from 'vitest';
import { gameday } from '#local/scenarios/gameday.ts';
import { regionFailover } from '#local/scenarios/region-failover.ts';
import { type RunResult, runScenario } from '#local/scenarios/runner.ts';

/**
 * The `region-failover` scenario with `--compare`: one fleet, one gray failure of the primary, handled by Ballast
 * (immediate, ladder and data-plane), by Route 53 health checks alone and by an ARC-like plan, each against the physical floor.
 */
const recoveryOf = (r: RunResult) => Number(/recovery (\d+) s/.exec(r.notes[0] ?? '')?.[1] ?? Number.NaN);
const floorOf = (r: RunResult) => Number(/physical floor (\d+) s/.exec(r.notes[0] ?? '')?.[1] ?? Number.NaN);
const failedAfter = (r: RunResult) =>
  Number((/; ([\d,]+) requests failed after the failure/.exec(r.notes[0] ?? '')?.[1] ?? 'NaN').replaceAll(',', ''));

describe('the region-failover scenario', () => {
  it('compares recovery with Ballast, Route 53 alone and an ARC-like plan against the physical floor', async () => {
    const runs = new Map<string, RunResult>();
    for (const v of regionFailover.variants!())
      runs.set(v.label, await runScenario(v.scenario, { seed: 1, withBallast: v.withBallast }));
    const immediate = runs.get('Ballast (immediate)')!;
    const ladder = runs.get('Ballast (ladder)')!;
    const dataPlane = runs.get('Ballast (data-plane)')!;
    const route53 = runs.get('Route 53 health-check failover alone')!;
    const arc = runs.get('an ARC-like plan')!;

    // Ballast immediate recovers within 30 s of the floor of its own run (detection, task start, INSYNC, TTL).
    expect(
      immediate.invariants.every((i) => i.held),
      JSON.stringify(immediate.invariants),
    ).toBe(true);
    expect(recoveryOf(immediate) - floorOf(immediate)).toBeLessThanOrEqual(30);
    // The gray failure passes every health check: Route 53 alone never moves a client.
    expect(route53.notes[0]).toMatch(/not recovered within the run/);
    // The ladder trades time for a watched climb; the ARC-like flip (health checks, no INSYNC) is the fastest.
    expect(recoveryOf(ladder)).toBeGreaterThan(recoveryOf(immediate));
    expect(recoveryOf(arc)).toBeLessThanOrEqual(recoveryOf(immediate));
    expect(failedAfter(immediate)).toBeLessThan(failedAfter(route53) / 10);
    expect(failedAfter(ladder)).toBeLessThan(failedAfter(route53));
    // data-plane (no Route 53 call): within 30 s of its own floor, whose propagation is the alarms' two flips.
    expect(
      dataPlane.invariants.every((i) => i.held),
      JSON.stringify(dataPlane.invariants),
    ).toBe(true);
    expect(recoveryOf(dataPlane) - floorOf(dataPlane)).toBeLessThanOrEqual(30);
    expect(failedAfter(dataPlane)).toBeLessThan(failedAfter(route53) / 10);
  }, 300_000);

  it('gives the same JSON for the same seed, except the real seconds', async () => {
    const strip = ({ realSeconds: _real, ...rest }: RunResult) => rest;
    const first = await runScenario(regionFailover, { seed: 3, withBallast: true });
    const second = await runScenario(regionFailover, { seed: 3, withBallast: true });
    expect(JSON.stringify(strip(second))).toBe(JSON.stringify(strip(first)));
  }, 300_000);

  it("game day's regional phase: a gray failure on a half-size standby; Ballast fails far fewer requests, and says why", async () => {
    const withBallast = await runScenario(gameday, { seed: 1, withBallast: true });
    const without = await runScenario(gameday, { seed: 1, withBallast: false });
    const phase = (r: RunResult) => r.phases.find((p) => p.name === 'gray failure of the primary')!;

    expect(phase(withBallast).handledBy).toBe('region failover');
    expect(phase(withBallast).requests.failed).toBeLessThan(phase(without).requests.failed / 10);
    expect(withBallast.notes.join('\n')).toMatch(
      /recovery \d+ s \(detection \d+ s, task start \d+ s, DNS propagation \d+ s, TTL 60 s: physical floor \d+ s/,
    );
    expect(without.notes.join('\n')).toMatch(/not recovered within the run/);
    expect(withBallast.invariants.filter((i) => !i.held)).toEqual([]);
  }, 300_000);
});
