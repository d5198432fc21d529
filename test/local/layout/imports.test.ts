import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from '#test/support/import-graph.ts';

/**
 * The local cloud's layout rules (README, "The local cloud"): one folder per simulated service, no import
 * cycle anywhere in local/ (type imports included), and services that reach each other only through the
 * narrow interfaces the composition root (local/world/) wires.
 */
const ROOT = resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { imports: Record<string, string> };
const aliases = Object.fromEntries(Object.entries(pkg.imports).map(([alias, target]) => [alias, join(ROOT, target)]));
const SERVICES = [
  'ecs',
  'autoscaling',
  'application-autoscaling',
  'cloudwatch',
  'route53',
  'elb',
  'eventbridge',
  'stepfunctions',
];
const SHARED = new Set(['core', 'server', 'runtime', 'deploy', 'world', 'scenarios', 'traffic', 'report']);

describe('the local cloud import graph', () => {
  const graph = importGraph(join(ROOT, 'local'), aliases);

  it('has no cycle, type imports included', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('keeps each simulated service in a folder of its own, with its model or API', () => {
    const folders = readdirSync(join(ROOT, 'local')).filter((f) => statSync(join(ROOT, 'local', f)).isDirectory());
    for (const service of SERVICES) {
      expect(folders).toContain(service);
      const files = readdirSync(join(ROOT, 'local', service));
      expect(files.some((f) => f === 'model.ts' || f === 'api.ts' || f === 'bus.ts')).toBe(true);
    }
    expect(folders.filter((f) => !SERVICES.includes(f) && !SHARED.has(f))).toEqual([]);
  });

  it('lets no service import the world, and no shared machinery import a service', () => {
    const offending: string[] = [];
    for (const [file, targets] of graph.edges) {
      const [top] = file.split('/');
      for (const target of targets) {
        const [targetTop] = target.split('/');
        const serviceImportsWorld = SERVICES.includes(top ?? '') && targetTop === 'world';
        const machineryImportsService = (top === 'core' || top === 'server') && SERVICES.includes(targetTop ?? '');
        if (serviceImportsWorld || machineryImportsService) offending.push(`${file} → ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe('the cycle finder', () => {
  it('finds a cycle through type imports and dynamic imports', () => {
    const cycles = importCycles({
      edges: new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', ['c.ts']],
        ['c.ts', ['a.ts']],
        ['d.ts', ['d.ts']],
        ['e.ts', ['a.ts']],
      ]),
    });
    expect(cycles).toEqual([['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
  });

  it('reads type-only and re-export statements from source text', () => {
    const graph = importGraph(join(ROOT, 'local/autoscaling'), aliases);
    expect(graph.edges.get('hooks.ts')).toContain('types.ts');
    expect(graph.edges.get('model.ts')).toEqual(expect.arrayContaining(['hooks.ts', 'refresh.ts', 'types.ts']));
  });
});
