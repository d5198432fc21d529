/**
 * The `--json` text: `JSON.stringify(value, null, 2)`, except that an array of numbers (and nulls) is
 * written on one line, so the per-minute series of a run do not turn the report into 60,000 lines.
 * Everything else (objects, arrays of strings or objects) is laid out exactly as `JSON.stringify` does.
 */
export function reportJson(value: unknown): string {
  return write(value, '');
}

function write(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v === 'number')) return JSON.stringify(value);
    const inner = `${indent}  `;
    return `[\n${value.map((v) => `${inner}${write(v === undefined ? null : v, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${write(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
