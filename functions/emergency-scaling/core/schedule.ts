import type { ScheduledActionSnapshot } from '../state.ts';

/**
 * When an Application Auto Scaling scheduled action last fired in a window: suspended scheduled scaling
 * does not replay missed actions, so the restore re-applies the min / max the last one would have set.
 * Schedules: `at(yyyy-mm-ddThh:mm:ss)`, `rate(N unit)` (from the action's StartTime), and six-field
 * `cron(minutes hours day-of-month month day-of-week year)` with `*`, `?`, lists, ranges, steps and names,
 * in the action's Timezone (UTC by default). `L`, `W` and `#` are not evaluated: the result says so.
 */
export type Firing = { readonly at: Date } | { readonly unknown: string } | undefined;

export function lastFiring(action: ScheduledActionSnapshot, from: Date, to: Date): Firing {
  const start = action.start ? Math.max(Date.parse(action.start), from.getTime()) : from.getTime();
  const end = action.end ? Math.min(Date.parse(action.end), to.getTime()) : to.getTime();
  if (end <= start) return undefined;
  const schedule = action.schedule.trim();
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(schedule);
  if (at) {
    const when = zonedToUtc(at[1]!, action.timezone);
    return when > start && when <= end ? { at: new Date(when) } : undefined;
  }
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (rate) {
    const unit = rate[2]!.startsWith('minute') ? 60_000 : rate[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
    const period = Number(rate[1]) * unit;
    if (!action.start) return { unknown: `${schedule} without a StartTime: its phase is unknown` };
    const origin = Date.parse(action.start);
    const k = Math.floor((end - origin) / period);
    const when = origin + k * period;
    return when > start ? { at: new Date(when) } : undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(schedule);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) return { unknown: `${schedule}: a cron expression has six fields` };
    if (fields.some((f) => /[LW#]/.test(f))) return { unknown: `${schedule}: L, W and # are not evaluated` };
    const matchers = fields.map((f, i) => fieldMatcher(f, i));
    // Minute by minute backwards from the end (a hold is at most 72 h: at most 4,320 steps).
    for (let t = Math.floor(end / 60_000) * 60_000; t > start; t -= 60_000) {
      const p = zonedParts(new Date(t), action.timezone);
      const values = [p.minute, p.hour, p.day, p.month, p.weekday, p.year];
      if (matchers.every((m, i) => m(values[i]!))) return { at: new Date(t) };
    }
    return undefined;
  }
  return { unknown: `${schedule}: not an at(), rate() or cron() schedule` };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** One cron field: minutes 0-59, hours 0-23, day 1-31, month 1-12 (JAN-DEC), weekday 1-7 = SUN-SAT, year. */
function fieldMatcher(field: string, index: number): (value: number) => boolean {
  if (field === '*' || field === '?') return () => true;
  const name = (text: string): number => {
    const upper = text.toUpperCase();
    if (index === 3 && MONTHS.includes(upper)) return MONTHS.indexOf(upper) + 1;
    if (index === 4 && DAYS.includes(upper)) return DAYS.indexOf(upper) + 1;
    return Number(text);
  };
  const parts = field.split(',').map((part) => {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    const [lo, hi] =
      range === '*' ? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] : (range ?? '').split('-').map(name);
    const low = lo ?? 0;
    const high = hi ?? (stepText ? Number.POSITIVE_INFINITY : low);
    return (v: number) => v >= low && v <= high && (Number.isFinite(low) ? (v - low) % step === 0 : v % step === 0);
  });
  return (value) => parts.some((p) => p(value));
}

function zonedParts(date: Date, timezone = 'UTC') {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    weekday: DAYS.indexOf(get('weekday').toUpperCase().slice(0, 3)) + 1,
  };
}

/** A wall-clock time in `timezone` as epoch ms. */
function zonedToUtc(local: string, timezone = 'UTC'): number {
  const guess = Date.parse(`${local}Z`);
  const p = zonedParts(new Date(guess), timezone);
  const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return guess - (shown - Math.floor(guess / 60_000) * 60_000);
}
