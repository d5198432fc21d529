/**
 * Application Auto Scaling schedule expressions: `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` and
 * `cron(minutes hours day-of-month month day-of-week year)`, all in UTC (the local cloud does not model
 * the Timezone field's zones). `nextRun` answers the first instant strictly after `after`.
 */
export type Schedule =
  | { readonly kind: 'at'; readonly at: number }
  | { readonly kind: 'rate'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly fields: CronFields };

interface CronFields {
  readonly minutes: Set<number>;
  readonly hours: Set<number>;
  readonly daysOfMonth: Set<number> | undefined;
  readonly months: Set<number>;
  readonly daysOfWeek: Set<number> | undefined;
  readonly years: Set<number> | undefined;
}

const UNITS: Record<string, number> = { minute: 60_000, hour: 3600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Parses a schedule expression; returns an error message (for a ValidationException) when it is invalid. */
export function parseSchedule(expression: string): Schedule | string {
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (at) {
    const ms = Date.parse(`${at[1]}Z`);
    return Number.isFinite(ms) ? { kind: 'at', at: ms } : `Invalid at expression: ${expression}`;
  }
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!.replace(/s$/, '');
    if (value < 1) return `Invalid rate expression: ${expression}`;
    if ((value === 1) !== (rate[2] === unit))
      return `Invalid rate expression: ${expression} (use '1 ${unit}' or 'N ${unit}s')`;
    return { kind: 'rate', everyMs: value * UNITS[unit]! };
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) return parseCron(cron[1]!.trim().split(/\s+/), expression);
  return `Unsupported schedule expression: ${expression}`;
}

function parseCron(parts: string[], expression: string): Schedule | string {
  if (parts.length !== 6) return `Invalid cron expression: ${expression} (expected 6 fields)`;
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    return `Invalid cron expression: ${expression} (exactly one of day-of-month and day-of-week must be '?')`;
  }
  try {
    return {
      kind: 'cron',
      fields: {
        minutes: field(min, 0, 59),
        hours: field(hour, 0, 23),
        daysOfMonth: dom === '?' ? undefined : field(dom, 1, 31),
        months: field(month, 1, 12, MONTHS, 1),
        daysOfWeek: dow === '?' ? undefined : field(dow, 1, 7, DAYS, 1),
        years: year === '*' ? undefined : field(year, 1970, 2199),
      },
    };
  } catch (error) {
    return `Invalid cron expression: ${expression} (${(error as Error).message})`;
  }
}

/** One cron field: `*`, `n`, `a-b`, `a/b`, `*\/b`, lists; names (JAN, MON) when `names` is given. */
function field(text: string, min: number, max: number, names?: string[], nameBase = 0): Set<number> {
  const values = new Set<number>();
  const num = (s: string): number => {
    const i = names?.indexOf(s.toUpperCase()) ?? -1;
    const n = i >= 0 ? i + nameBase : Number(s);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`'${s}' is out of range ${min}-${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step '${part}'`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [lo, hi] = [num(a), num(b)];
    } else {
      lo = num(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

/** The first run strictly after `after`; `anchor` is where a rate() counts from. Undefined: never again. */
export function nextRun(schedule: Schedule, after: number, anchor: number): number | undefined {
  switch (schedule.kind) {
    case 'at':
      return schedule.at > after ? schedule.at : undefined;
    case 'rate': {
      const n = Math.floor((after - anchor) / schedule.everyMs) + 1;
      return anchor + Math.max(1, n) * schedule.everyMs;
    }
    case 'cron':
      return nextCron(schedule.fields, after);
  }
}

function nextCron(f: CronFields, after: number): number | undefined {
  const start = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
  // Walk day by day (at most ~5 years), then hours and minutes within a matching day.
  const day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (let d = 0; d < 5 * 366; d++) {
    const dayStart = day + d * 86_400_000;
    const date = new Date(dayStart);
    if (f.years && !f.years.has(date.getUTCFullYear())) continue;
    if (!f.months.has(date.getUTCMonth() + 1)) continue;
    if (f.daysOfMonth && !f.daysOfMonth.has(date.getUTCDate())) continue;
    if (f.daysOfWeek && !f.daysOfWeek.has(date.getUTCDay() + 1)) continue;
    for (let h = 0; h < 24; h++) {
      if (!f.hours.has(h)) continue;
      for (let m = 0; m < 60; m++) {
        if (!f.minutes.has(m)) continue;
        const at = dayStart + h * 3600_000 + m * 60_000;
        if (at > after) return at;
      }
    }
  }
  return undefined;
}
