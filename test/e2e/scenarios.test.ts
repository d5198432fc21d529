import { describe, expect, it } from 'vitest';
import { instanceRefresh } from '#local/scenarios/instance-refresh.ts';
import { type RunResult, runScenario } from '#local/scenarios/runner.ts';
import { scaleIn } from '#local/scenarios/scale-in.ts';
import { spotInterruption } from '#local/scenarios/spot-interruption.ts';

/** The game-day scenarios, run exactly as `npm start -- --scenario NAME` runs them. */

const broken = (result: RunResult) =>
  result.invariants
    .filter((i) => !i.held)
    .map((i) => `${i.name}: ${i.detail}`)
    .join('\n');

describe('the scale-in scenario', () => {
  it('drops no request with Ballast, and drops requests without it', async () => {
    const withBallast = await runScenario(scaleIn, { seed: 1, withBallast: true });
    const without = await runScenario(scaleIn, { seed: 1, withBallast: false });

    expect(withBallast.requests.failed).toBe(0);
    expect(broken(withBallast)).toBe('');
    expect(withBallast.invariants.map((i) => i.name)).toEqual(
      expect.arrayContaining([
        'hooks completed only after all tasks STOPPED and the settle delay',
        'no terminate hook timed out',
      ]),
    );
    expect(without.requests.failed).toBeGreaterThan(0);
    expect(without.invariants.find((i) => i.name === 'no task died with its host')?.held).toBe(false);
  });

  it('gives the same JSON for the same seed, except the real seconds', async () => {
    const strip = ({ realSeconds: _real, ...rest }: RunResult) => rest;
    const first = await runScenario(scaleIn, { seed: 7, withBallast: true });
    const second = await runScenario(scaleIn, { seed: 7, withBallast: true });
    expect(JSON.stringify(strip(second))).toBe(JSON.stringify(strip(first)));
    expect(first.timeline.length).toBeGreaterThan(10);
  });
});

describe('the instance-refresh scenario', () => {
  it('replaces every host with never more than the budget draining, each task moved once, nothing dropped', async () => {
    const result = await runScenario(instanceRefresh, { seed: 1, withBallast: true });
    expect(broken(result)).toBe('');
    expect(result.requests.failed).toBe(0);
    const peak = result.invariants.find((i) => i.name.startsWith('never more than'));
    expect(peak?.name).toBe('never more than 2 hosts draining');
  });
});

describe('the spot-interruption scenario', () => {
  it('drains at once, loses no task with the host, and reports what could not move', async () => {
    const result = await runScenario(spotInterruption, { seed: 1, withBallast: true });
    expect(broken(result)).toBe('');
    const report = result.invariants.find((i) => i.name.startsWith('the drain started at once'));
    expect(report?.detail).toMatch(/^Drain Started → /);
  });
});
