import { describe, expect, it } from 'vitest';
import { type DetectorState, evaluate, modeOf, type Signals } from '#functions/emergency-scaling/core/detect.ts';

/** The detector's decision: quorum, dwell, hysteresis (the decision only; the detector is not wired in). */
const MINUTE = 60_000;
const quiet: Signals = {
  canaryFailing: false,
  insufficientDataShare: 0,
  pendingWithoutScaling: false,
  healthEvent: false,
};
const impaired: Signals = { ...quiet, canaryFailing: true, insufficientDataShare: 0.8 };

function run(readings: Signals[], start: DetectorState = { status: 'clear', since: 0 }) {
  let state = start;
  const transitions: string[] = [];
  readings.forEach((signals, i) => {
    const verdict = evaluate(state, signals, i * MINUTE);
    state = verdict.state;
    if (verdict.transition) transitions.push(`${i}:${verdict.transition}`);
  });
  return { state, transitions };
}

describe('the impairment detector', () => {
  it('starts nothing on one target-tracking alarm going INSUFFICIENT_DATA', () => {
    const oneOfSix = { ...quiet, insufficientDataShare: 1 / 6 };
    expect(run(Array.from({ length: 60 }, () => oneOfSix)).transitions).toEqual([]);
  });

  it('starts nothing on a Health event alone (confirmation, not a trigger), nor on one signal with it below quorum', () => {
    expect(run(Array.from({ length: 30 }, () => ({ ...quiet, healthEvent: true }))).transitions).toEqual([]);
    expect(run(Array.from({ length: 30 }, () => ({ ...quiet, canaryFailing: true }))).transitions).toEqual([]);
    expect(
      run(Array.from({ length: 30 }, () => ({ ...quiet, canaryFailing: true, healthEvent: true }))).transitions,
    ).toEqual(['3:detected']);
  });

  it('acts once the quorum held for the dwell time', () => {
    expect(run([quiet, impaired, impaired, impaired, impaired, impaired]).transitions).toEqual(['4:detected']);
  });

  it('does not act on a signal that flaps faster than the dwell', () => {
    const flapping = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? impaired : quiet));
    expect(run(flapping).transitions).toEqual([]);
  });

  it('starts one override when signals flap during an incident, and clears only after recovery held', () => {
    const incident = [
      ...Array.from({ length: 5 }, () => impaired),
      ...Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? quiet : impaired)),
      ...Array.from({ length: 20 }, () => quiet),
    ];
    expect(run(incident).transitions).toEqual(['3:detected', '80:cleared']);
  });

  it('recommends by default and raises only in tiers configured auto', () => {
    expect(modeOf('critical')).toBe('recommend');
    expect(modeOf('critical', { critical: 'auto' })).toBe('auto');
    expect(modeOf('batch', { critical: 'auto' })).toBe('recommend');
  });
});
