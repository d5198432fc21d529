import type { EventPattern } from 'aws-cdk-lib/aws-events';

/**
 * A small, faithful EventBridge pattern matcher: the rules Ballast deploys are tested against real-shaped
 * samples with it, and the local cloud uses it to start executions exactly as EventBridge would.
 *
 * Supported (EventBridge "Content filtering"): exact strings, numbers, booleans and null; `prefix` and
 * `suffix` (also with `equals-ignore-case`), `equals-ignore-case`, `anything-but` (a value, a list, or a
 * `prefix`/`suffix`), `exists`, `numeric` (one or two comparisons, `=` included), `wildcard` (`*`), `cidr`
 * (IPv4), and `$or`. Arrays in the event match when any element matches. A field absent from the event
 * matches only `{ "exists": false }`.
 */
export type RenderedPattern = Record<string, unknown>;

/** Turns a CDK `EventPattern` (camelCase `detailType`) into the JSON EventBridge stores. */
export function renderPattern(pattern: EventPattern | RenderedPattern): RenderedPattern {
  const out: RenderedPattern = {};
  for (const [key, value] of Object.entries(pattern)) {
    if (value === undefined) continue;
    out[key === 'detailType' ? 'detail-type' : key] = value;
  }
  return out;
}

/** Whether `event` matches `pattern` (a CDK `EventPattern` or the rendered JSON of a rule). */
export function matchesPattern(pattern: EventPattern | RenderedPattern, event: unknown): boolean {
  return matchObject(renderPattern(pattern), event);
}

function matchObject(pattern: RenderedPattern, value: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || !rule.some((alt) => matchObject(alt as RenderedPattern, value))) return false;
      continue;
    }
    const field = isObject(value) ? value[key] : undefined;
    if (Array.isArray(rule)) {
      if (!matchLeaf(rule, field)) return false;
    } else if (isObject(rule)) {
      if (!isObject(field)) {
        // A nested pattern under an absent field can still match when all its leaves say exists:false.
        if (!matchObject(rule, undefined)) return false;
      } else if (!matchObject(rule, field)) return false;
    } else {
      throw new Error(`Invalid event pattern: '${key}' must be an array of values or an object`);
    }
  }
  return true;
}

function matchLeaf(rules: unknown[], field: unknown): boolean {
  if (field === undefined) return rules.some((rule) => isObject(rule) && rule.exists === false);
  const values = Array.isArray(field) ? field : [field];
  if (values.length === 0) return rules.some((rule) => isObject(rule) && rule.exists === false);
  return rules.some((rule) => values.some((value) => matchValue(rule, value)));
}

function matchValue(rule: unknown, value: unknown): boolean {
  if (!isObject(rule)) return rule === value;
  if ('exists' in rule) return rule.exists === true;
  if ('prefix' in rule) return matchAffix(rule.prefix, value, (v, p) => v.startsWith(p));
  if ('suffix' in rule) return matchAffix(rule.suffix, value, (v, s) => v.endsWith(s));
  if ('equals-ignore-case' in rule) {
    return typeof value === 'string' && typeof rule['equals-ignore-case'] === 'string'
      ? value.toLowerCase() === rule['equals-ignore-case'].toLowerCase()
      : false;
  }
  if ('anything-but' in rule) return matchAnythingBut(rule['anything-but'], value);
  if ('numeric' in rule) return matchNumeric(rule.numeric, value);
  if ('wildcard' in rule) return typeof value === 'string' && wildcard(String(rule.wildcard)).test(value);
  if ('cidr' in rule) return typeof value === 'string' && inCidr(String(rule.cidr), value);
  throw new Error(`Unsupported event pattern filter: ${JSON.stringify(rule)}`);
}

function matchAffix(spec: unknown, value: unknown, test: (value: string, affix: string) => boolean): boolean {
  if (typeof value !== 'string') return false;
  if (typeof spec === 'string') return test(value, spec);
  if (isObject(spec) && typeof spec['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), spec['equals-ignore-case'].toLowerCase());
  }
  throw new Error(`Invalid prefix/suffix filter: ${JSON.stringify(spec)}`);
}

function matchAnythingBut(spec: unknown, value: unknown): boolean {
  if (Array.isArray(spec)) return !spec.includes(value);
  if (isObject(spec)) {
    if ('prefix' in spec) return typeof value === 'string' && !value.startsWith(String(spec.prefix));
    if ('suffix' in spec) return typeof value === 'string' && !value.endsWith(String(spec.suffix));
    if ('equals-ignore-case' in spec) {
      const list = Array.isArray(spec['equals-ignore-case'])
        ? spec['equals-ignore-case']
        : [spec['equals-ignore-case']];
      return typeof value === 'string' && !list.some((s) => String(s).toLowerCase() === value.toLowerCase());
    }
    throw new Error(`Invalid anything-but filter: ${JSON.stringify(spec)}`);
  }
  return spec !== value;
}

function matchNumeric(spec: unknown, value: unknown): boolean {
  if (typeof value !== 'number' || !Array.isArray(spec) || spec.length % 2 !== 0 || spec.length === 0) return false;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    if (typeof bound !== 'number') return false;
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : undefined;
    if (ok === undefined) throw new Error(`Invalid numeric operator '${String(op)}'`);
    if (!ok) return false;
  }
  return true;
}

function wildcard(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

function inCidr(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? '32');
  const a = ipv4(base ?? '');
  const b = ipv4(ip);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8) + p, 0) >>> 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
