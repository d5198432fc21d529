import path from 'node:path';
import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleHandler, sdkPackageOf } from '#infra/bundle.ts';
import { PROJECT_ROOT } from '#infra/function-factory.ts';
import { HANDLER_ENTRIES } from '#infra/handlers.ts';

/**
 * Each handler's bundle loads only the SDK clients its code calls. The handlers are built as the function
 * factory builds them (infra/bundle.ts), and esbuild's metafile says which module imports what: a client package imported by a module under
 * functions/shared/clients/ is *loaded* (the handler makes that client), one imported by any other module is
 * *used* (its commands are sent). Both sets must be equal: a client loaded and never used costs its load at
 * every cold start, one used and not loaded fails on the first call.
 */
const HANDLERS = HANDLER_ENTRIES;

/** The SDK package whose client a module of functions/shared/clients/ makes (DynamoDB: the document client). */
const CLIENT_PACKAGE = /^@aws-sdk\/(client-(?!dynamodb$)[a-z0-9-]+|lib-dynamodb)$/;

/** esbuild's metafile of a handler's bundle, built once per handler for all the checks below. */
const metafiles = new Map<string, Promise<Metafile>>();
function metafileOf(entry: string): Promise<Metafile> {
  let made = metafiles.get(entry);
  if (!made) {
    made = bundleHandler(PROJECT_ROOT, entry, path.join(PROJECT_ROOT, '.tmp', 'bundle-clients'), { write: false }).then(
      (result) => result.metafile,
    );
    metafiles.set(entry, made);
  }
  return made;
}

async function clientsOf(entry: string): Promise<{ loaded: string[]; used: string[] }> {
  const metafile = await metafileOf(entry);
  const output = Object.values(metafile.outputs)[0]!;
  const loaded = new Set<string>();
  const used = new Set<string>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (!(file in output.inputs)) continue; // tree-shaken away: contributes nothing to the bundle
    for (const imported of input.imports) {
      // The SDK is imported from the layer (infra/bundle.ts): each package is one of its modules.
      const pkg = imported.external ? sdkPackageOf(imported.path) : undefined;
      if (!pkg || !CLIENT_PACKAGE.test(pkg)) continue;
      (file.startsWith('functions/shared/clients/') ? loaded : used).add(pkg);
    }
  }
  return { loaded: [...loaded].sort(), used: [...used].sort() };
}

describe('handler bundles', () => {
  it.each(HANDLERS)('%s loads exactly the SDK clients its code calls', async (entry) => {
    const { loaded, used } = await clientsOf(entry);
    expect(used.length).toBeGreaterThan(0);
    expect(loaded).toEqual(used);
  });

  it('no longer loads every client: the lightest handler loads two of the nine', async () => {
    const { loaded } = await clientsOf('functions/host-draining/reclaim.ts');
    expect(loaded).toEqual(['@aws-sdk/client-sfn', '@aws-sdk/lib-dynamodb']);
  });

  // The run-time schemas are on zod/mini (events/zod.ts): one module on classic zod in a handler's import
  // graph brings classic's whole API back, ~65 KiB of the bundle.
  it.each(HANDLERS)('%s bundles zod/mini and no classic zod', async (entry) => {
    const bundled = Object.entries(Object.values((await metafileOf(entry)).outputs)[0]!.inputs)
      .filter(([file, input]) => file.includes('node_modules/zod/') && input.bytesInOutput > 0)
      .map(([file]) => file);
    expect(bundled.some((file) => file.includes('/zod/v4/mini/'))).toBe(true);
    expect(bundled.filter((file) => file.includes('/zod/v4/classic/'))).toEqual([]);
  });
});
