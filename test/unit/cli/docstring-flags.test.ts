import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../../cli/ballast.ts';
import { FAILOVER_USAGE } from '../../../cli/failover.ts';
import { SCALE_USAGE } from '../../../cli/scale.ts';

/**
 * No comment or message names a `ballast <command> --flag` that the CLI does not have (issue 10: a
 * docstring named `ballast drain --from-notification`, which never existed).
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const DIRS = ['cli', 'events', 'functions', 'infra', 'state-machines', 'local', 'config'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

describe('CLI flags named in the code', () => {
  it('exist in the CLI usage', () => {
    const usage = `${USAGE}\n${FAILOVER_USAGE}\n${SCALE_USAGE}`;
    const unknown: string[] = [];
    for (const file of DIRS.flatMap((d) => sources(path.join(ROOT, d)))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/ballast [a-z]+(?: [a-z<>-]+)*? (--[a-z][a-z-]*)/g)) {
        if (!usage.includes(match[1]!)) unknown.push(`${path.relative(ROOT, file)}: ${match[0]}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});
