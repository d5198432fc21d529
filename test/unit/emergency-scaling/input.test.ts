import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseScaleInput, overrideIdFor, RestoreInput } from '#events/emergency-scale-input.ts';

const NOW = new Date('2026-11-25T13:15:00Z');
const KNOWN = new Set(['web/api', 'web/frontend', 'workers/jobs']);
const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../events/samples/${name}.json`, import.meta.url), 'utf8'));

describe('the emergency-scale console input', () => {
  it.each([
    ['scale-raise', { kind: 'raise', sizing: 'history', hours: 6, dryRun: false, requestId: 'inc-4711' }],
    ['scale-raise-tier-percent', { kind: 'raise', sizing: 'percent', percent: 50, tier: 'critical' }],
    ['scale-raise-counts', { kind: 'raise', sizing: 'counts', counts: { 'web/api': 24, 'web/frontend': 8 } }],
    ['scale-plan', { kind: 'plan', sizing: 'multiplier', multiplier: 2, services: ['web/api'], dryRun: true }],
    ['scale-extend', { kind: 'extend', hours: 4 }],
  ])('normalises the sample %s', (name, expected) => {
    const result = normaliseScaleInput(sample(name), NOW, KNOWN);
    expect(result.type === 'request' ? result.request : result).toMatchObject(expected);
  });

  it('keys an input without requestId on its content and the minute: the same start twice is one override', () => {
    const a = normaliseScaleInput(sample('scale-raise-counts'), NOW, KNOWN);
    const b = normaliseScaleInput(sample('scale-raise-counts'), new Date(NOW.getTime() + 20_000), KNOWN);
    const c = normaliseScaleInput({ ...sample('scale-raise-counts'), hours: 3 }, NOW, KNOWN);
    if (a.type !== 'request' || b.type !== 'request' || c.type !== 'request') throw new Error('not requests');
    expect(overrideIdFor('us-east-1', a.request.requestId)).toBe(overrideIdFor('us-east-1', b.request.requestId));
    expect(c.request.requestId).not.toBe(a.request.requestId);
    expect(overrideIdFor('us-east-1', a.request.requestId)).toMatch(/^ovr-[0-9a-f]{20}$/);
  });

  it('names both fields when two sizings are given', () => {
    expect(normaliseScaleInput(sample('scale-invalid-two-sizings'), NOW, KNOWN)).toEqual({
      type: 'invalid',
      problems: ['percent, multiplier: give at most one of percent, multiplier or counts'],
    });
  });

  it('accepts the restore sample', () => {
    expect(RestoreInput.safeParse(sample('scale-restore')).success).toBe(true);
  });
});
