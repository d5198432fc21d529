import { describe, expect, it } from 'vitest';
import { FailoverEventDetail } from '#events/failover-events.ts';
import { failoverIdFor, normaliseFailoverInput } from '#events/failover-input.ts';
import { targetFor } from '#functions/region-failover/core/capacity.ts';
import { weightsFor } from '#functions/region-failover/core/traffic.ts';
import { sample } from '#test/unit/host-draining/fleet.ts';

const NOW = new Date('2026-12-01T10:00:30.000Z');

describe('the region-failover console input', () => {
  it.each([
    'failover-start',
    'failover-immediate',
    'failover-promote',
    'failover-pause',
    'failover-resume',
    'failover-abort',
  ])('accepts the sample %s', async (name) => {
    const normalised = normaliseFailoverInput(await sample(name), NOW);
    expect(normalised.type, JSON.stringify(normalised)).not.toBe('invalid');
  });

  it.each([
    ['failover-invalid-rungs', 'rungs.1: must be strictly increasing'],
    ['failover-invalid-extra-field', 'shares: unknown field; remove it'],
  ])('rejects the sample %s naming the field', async (name, expected) => {
    const normalised = normaliseFailoverInput(await sample(name), NOW);
    expect(normalised.type).toBe('invalid');
    expect(normalised.type === 'invalid' && normalised.problems.join('\n')).toContain(expected);
  });

  it.each([
    [{ action: 'failover' }, 'to: is required'],
    [{ action: 'failover', to: 5 }, 'to: Invalid input: expected string, received number'],
    [{ action: 'failover', to: 'us-west-2', rungs: [10, '100'] }, 'rungs.1: Invalid input: expected number'],
    [{ action: 'failover', to: 'us-west-2', from: 'us-west-2' }, 'from: must differ from to'],
    [{ action: 'failover', to: 'us-west-2', rungs: [10, 50] }, 'rungs: must end at 100'],
    [{ action: 'failover', to: 'us-west-2', rungs: [0.25, 100] }, 'multiple of 0.5'],
    [{ action: 'failover', to: 'us-west-2', share: 0 }, 'share: must be at least 1'],
    [{ action: 'failover', to: 'us-west-2', mode: 'dns' }, 'mode:'],
    [{ action: 'pause', failoverId: 'abc' }, "failoverId: must be a failover id such as 'failover-"],
    [{ action: 'jump' }, "action: 'jump' is unknown"],
    [{}, 'action: is missing'],
    [[], '(input): must be a JSON object'],
  ])('rejects %j with a message naming the field', (input, expected) => {
    const normalised = normaliseFailoverInput(input, NOW);
    expect(normalised.type).toBe('invalid');
    expect(normalised.type === 'invalid' && normalised.problems.join('\n')).toContain(expected);
  });

  it('gives the same request the same failover id, within the minute without a requestId', () => {
    const a = normaliseFailoverInput({ action: 'failover', to: 'us-west-2' }, NOW);
    const b = normaliseFailoverInput({ action: 'failover', to: 'us-west-2' }, new Date('2026-12-01T10:00:59.000Z'));
    const c = normaliseFailoverInput({ action: 'failover', to: 'us-west-2', requestId: 'x' }, NOW);
    expect(a.type === 'start' && a.failoverId).toBe(b.type === 'start' && b.failoverId);
    expect(c.type === 'start' && c.failoverId).toBe(failoverIdFor('us-west-2', 'x'));
    expect(c.type === 'start' && c.failoverId).not.toBe(a.type === 'start' && a.failoverId);
  });

  it('has a real-shaped sample of its Cut Back event', async () => {
    const event = await sample('ballast-failover-cut-back');
    expect(FailoverEventDetail.safeParse(event.detail).success).toBe(true);
  });
});

describe('the capacity target', () => {
  const api = { cluster: 'web', name: 'api', floor: 2, ceiling: 40, targetGroups: [] };
  it.each([
    ['the recent peak when it is higher', { peak: 12, sourceDesired: 8 }, 100, 12],
    ["the source's desired count when it is higher", { peak: 6, sourceDesired: 9 }, 100, 9],
    ['the share of it, rounded up', { peak: 12 }, 50, 6],
    ['the floor when nothing is known', {}, 100, 2],
    ['at most the ceiling', { peak: 100 }, 100, 40],
  ])('is %s', (_what, basis, share, expected) => {
    expect(targetFor(api, basis, share)).toBe(expected);
  });
});

describe('the Route 53 weights of a share', () => {
  it.each([
    [0, { 'us-east-1': 200, 'us-west-2': 0, 'us-east-2': 0 }],
    [0.5, { 'us-east-1': 199, 'us-west-2': 1, 'us-east-2': 0 }],
    [1, { 'us-east-1': 198, 'us-west-2': 2, 'us-east-2': 0 }],
    [25, { 'us-east-1': 150, 'us-west-2': 50, 'us-east-2': 0 }],
    [100, { 'us-east-1': 0, 'us-west-2': 200, 'us-east-2': 0 }],
  ])('gives %s %% to the destination exactly, within 0-255, other regions 0', (percent, expected) => {
    const weights = weightsFor(['us-east-1', 'us-west-2', 'us-east-2'], 'us-east-1', 'us-west-2', percent);
    expect(weights).toEqual(expected);
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    expect((weights['us-west-2']! * 100) / total).toBe(percent);
  });
});
