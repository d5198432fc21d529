import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { executionNameFor, normaliseDrainHostInput } from '#events/drain-host-input.ts';
import { renderSchema, SCHEMA_FILES } from '#events/write-schemas.ts';

const NOW = new Date('2026-11-22T02:00:00Z');
const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../events/samples/${name}.json`, import.meta.url), 'utf8'));

describe('the drain-host input', () => {
  it.each(Object.keys(SCHEMA_FILES))('committed JSON Schema %s equals the one generated from zod', (file) => {
    const committed = readFileSync(new URL(`../../../events/schemas/${file}`, import.meta.url), 'utf8');
    expect(committed).toBe(renderSchema(SCHEMA_FILES[file]!()));
  });

  it.each([
    ['lifecycle-terminate', 'terminate'],
    ['lifecycle-launch', 'launch'],
    ['hook-notification-terminate', 'terminate'],
    ['spot-interruption', 'spot'],
    ['rebalance-recommendation', 'rebalance'],
    ['manual-drain', 'manual-drain'],
    ['manual-extend', 'manual-extend'],
    ['manual-release', 'manual-release'],
  ])('normalises %s into a %s request', (name, kind) => {
    const result = normaliseDrainHostInput(sample(name), NOW);
    expect(result.type).toBe('request');
    expect(result.type === 'request' && result.request.kind).toBe(kind);
  });

  it('derives the same drain id and execution name from the same instance and hook token', () => {
    const a = normaliseDrainHostInput(sample('lifecycle-terminate'), NOW);
    const b = normaliseDrainHostInput({ ...sample('lifecycle-terminate'), id: 'another-delivery' }, new Date());
    const other = normaliseDrainHostInput(
      {
        ...sample('lifecycle-terminate'),
        detail: { ...sample('lifecycle-terminate').detail, LifecycleActionToken: 'x' },
      },
      NOW,
    );
    if (a.type !== 'request' || b.type !== 'request' || other.type !== 'request') throw new Error('not requests');
    expect(a.request.drainId).toBe(b.request.drainId);
    expect(other.request.drainId).not.toBe(a.request.drainId);
    expect(executionNameFor(a.request)).toMatch(/^i-0123456789abcdef0-terminate-[0-9a-f]{20}$/);
    expect(executionNameFor(a.request).length).toBeLessThanOrEqual(80);
  });

  it('keys a manual input on its requestId', () => {
    const a = normaliseDrainHostInput(sample('manual-drain'), NOW);
    const b = normaliseDrainHostInput(sample('manual-drain'), new Date('2027-01-01T00:00:00Z'));
    expect(a.type === 'request' && b.type === 'request' && a.request.drainId === b.request.drainId).toBe(true);
  });

  it('skips the Auto Scaling test notification', () => {
    expect(normaliseDrainHostInput(sample('test-notification'), NOW)).toMatchObject({ type: 'skip' });
  });

  it.each([
    ['manual-invalid-instance-id', /^instanceId: /],
    ['manual-invalid-negative-deadline', /^deadlineMinutes: /],
    ['manual-invalid-extra-field', /^force: unknown field/],
  ])('names the field of %s', (name, problem) => {
    const result = normaliseDrainHostInput(sample(name), NOW);
    expect(result.type).toBe('invalid');
    expect(result.type === 'invalid' && result.problems[0]).toMatch(problem);
  });

  it('says what a mistyped or missing field should be, in English (zod/mini loads no messages by itself)', () => {
    const mistyped = normaliseDrainHostInput(
      { action: 'drain', instanceId: 'i-0123456789abcdef0', deadlineMinutes: '60' },
      NOW,
    );
    expect(mistyped).toEqual({
      type: 'invalid',
      problems: ['deadlineMinutes: Invalid input: expected number, received string'],
    });
    const { LifecycleHookName: _, ...detail } = sample('lifecycle-terminate').detail;
    const missing = normaliseDrainHostInput({ ...sample('lifecycle-terminate'), detail }, NOW);
    expect(missing).toEqual({
      type: 'invalid',
      problems: [
        'detail.LifecycleHookName: is missing; the event must carry it (compare with the samples in events/samples/)',
      ],
    });
  });
});
