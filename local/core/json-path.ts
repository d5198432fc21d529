/**
 * Reads a reference path (`$`, `$.a.b`, `$.a[0]`, `$['a']`): what ASL Wait paths and EventBridge InputPath
 * and InputPathsMap use. Returns undefined where the path leads nowhere.
 */
export function readPath(root: unknown, path: string): unknown {
  if (path === '$') return root;
  if (!path.startsWith('$')) return undefined;
  const parts = [...path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/g)].map(
    (m) => m[1] ?? m[3] ?? Number(m[2]),
  );
  let current: unknown = root;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}
