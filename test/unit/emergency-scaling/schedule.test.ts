import { describe, expect, it } from 'vitest';
import { lastFiring } from '#functions/emergency-scaling/core/schedule.ts';

/** When a scheduled action last fired while scheduled scaling was suspended (it is not replayed). */
const from = new Date('2026-11-25T13:15:00Z');
const to = new Date('2026-11-25T18:00:00Z');
const action = (schedule: string, extra: Record<string, string> = {}) => ({ name: 'a', schedule, ...extra });

describe('the last firing of a scheduled action', () => {
  it('evaluates six-field cron expressions in UTC and in the action time zone', () => {
    expect(lastFiring(action('cron(0 14 * * ? *)'), from, to)).toEqual({ at: new Date('2026-11-25T14:00:00Z') });
    expect(lastFiring(action('cron(30 */2 * * ? *)'), from, to)).toEqual({ at: new Date('2026-11-25T16:30:00Z') });
    expect(lastFiring(action('cron(0 9 ? * MON-FRI *)', { timezone: 'America/New_York' }), from, to)).toEqual({
      at: new Date('2026-11-25T14:00:00Z'),
    });
    expect(lastFiring(action('cron(0 9 ? * SAT,SUN *)'), from, to)).toBeUndefined();
    expect(lastFiring(action('cron(0 10 L * ? *)'), from, to)).toEqual({
      unknown: expect.stringMatching(/not evaluated/),
    });
  });

  it('evaluates at() and rate() schedules and honours start and end times', () => {
    expect(lastFiring(action('at(2026-11-25T15:30:00)'), from, to)).toEqual({ at: new Date('2026-11-25T15:30:00Z') });
    expect(lastFiring(action('at(2026-11-25T12:00:00)'), from, to)).toBeUndefined();
    expect(lastFiring(action('rate(2 hours)', { start: '2026-11-25T00:00:00Z' }), from, to)).toEqual({
      at: new Date('2026-11-25T18:00:00Z'),
    });
    expect(lastFiring(action('rate(2 hours)'), from, to)).toEqual({ unknown: expect.stringMatching(/StartTime/) });
    expect(lastFiring(action('cron(0 14 * * ? *)', { end: '2026-11-25T13:30:00Z' }), from, to)).toBeUndefined();
  });
});
