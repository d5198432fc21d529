import '#local/runtime/polyfills.ts';

// The AWS SDK warns once per process that releases after January 2027 will need Node 22. Keep every other
// warning visible; drop only that one, which says nothing about the code under test.
const emit = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : `${warning.name} ${warning.message}`;
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'NodeVersionSupportWarning' || text.includes('NodeVersionSupportWarning')) return;
  (emit as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
