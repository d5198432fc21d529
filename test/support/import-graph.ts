import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The import graph of a source folder, type imports included, and its cycles: the check behind the local
 * cloud's layout rule "no import cycle inside local/" (README, contributor notes).
 *
 * It reads `import … from '…'`, `export … from '…'`, side-effect imports and dynamic `import('…')` with a
 * literal path; it resolves relative paths and the package.json `imports` aliases (`#local/*` …). Imports
 * that leave the folder (packages, other top-level folders) are not edges.
 */
export interface ImportGraph {
  /** Files relative to the root folder, each with the files it imports (relative to the same root). */
  readonly edges: ReadonlyMap<string, readonly string[]>;
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importGraph(root: string, aliases: Readonly<Record<string, string>>): ImportGraph {
  const rootDir = resolve(root);
  const files = listSources(rootDir);
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const text = stripComments(readFileSync(file, 'utf8'));
    const targets = new Set<string>();
    for (const match of text.matchAll(SPECIFIER)) {
      const spec = match[1] ?? match[2];
      if (spec === undefined) continue;
      const target = resolveSpecifier(spec, file, aliases);
      if (target !== undefined && known.has(target)) targets.add(relative(rootDir, target));
    }
    edges.set(relative(rootDir, file), [...targets].sort());
  }
  return { edges };
}

/** Every cycle as a strongly connected component of more than one file (or a file importing itself). */
export function importCycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indices.get(next) ?? 0));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.edges.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) out.push(component.sort());
    }
  };
  for (const node of [...graph.edges.keys()].sort()) if (!indices.has(node)) visit(node);
  return out.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listSources(path));
    else if (/\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function resolveSpecifier(spec: string, from: string, aliases: Readonly<Record<string, string>>): string | undefined {
  if (spec.startsWith('.')) return resolve(dirname(from), spec);
  for (const [pattern, target] of Object.entries(aliases)) {
    const prefix = pattern.replace(/\*$/, '');
    if (pattern.endsWith('*') ? spec.startsWith(prefix) : spec === pattern)
      return resolve(target.replace(/\*$/, '') + spec.slice(prefix.length));
  }
  return undefined;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}
