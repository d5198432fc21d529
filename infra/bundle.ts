import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';

/**
 * esbuild, loaded when a bundle is built: synth with bundling skipped (the infra tests, the local cloud)
 * needs none, as with NodejsFunction.
 */
const esbuild = (): typeof import('esbuild') => createRequire(import.meta.url)('esbuild');

/**
 * How every handler is bundled: one minified ESM file (index.mjs, with a linked source map) with the AWS SDK
 * left out, as the Lambda runtime provides it. The function factory, the bench and the bundle tests all build
 * with these functions, so they build the same bytes (and the tests see esbuild's metafile of them).
 */
export const BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  // Error classes are matched by name in Step Functions Retry/Catch (`InvalidInput`, `AwsTransient`):
  // minification must not rename them.
  keepNames: true,
  mainFields: ['module', 'main'],
  /**
   * The AWS SDK is imported (ESM) from the runtime's copy. Loading it with `require()` instead (an esbuild
   * plugin, tried and measured with `npm run bench -- cold-start`) made cold init ~40 % faster on Node 20 and
   * ~10 % slower on Node 24, which is what the functions run: Node 24's ESM loader no longer pays for
   * importing CommonJS packages.
   */
  external: ['@aws-sdk/*'],
  // Bundled CommonJS dependencies call `require`: an ES module has none of its own.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

export interface BundleResult {
  /** Bytes of index.mjs. */
  readonly bytes: number;
  readonly metafile: Metafile;
}

export interface BundleOptions {
  /** @default true; false: nothing is written (the tests only read the metafile) */
  readonly write?: boolean;
  /**
   * 'bundled': the AWS SDK goes into the bundle too, tree-shaken (the cold-start bench measures it as the
   * alternative; synth always leaves it out). @default 'external'
   */
  readonly sdk?: 'external' | 'bundled';
}

function buildOptions(
  root: string,
  entry: string,
  outdir: string,
  write: boolean,
  sdk: BundleOptions['sdk'] = 'external',
): BuildOptions {
  return {
    entryPoints: [path.join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    outfile: path.join(outdir, 'index.mjs'),
    write,
    metafile: true,
    sourcemap: write ? 'linked' : false,
    format: BUNDLING.format,
    platform: BUNDLING.platform,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    keepNames: BUNDLING.keepNames,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    external: sdk === 'bundled' ? [] : [...BUNDLING.external],
    logLevel: 'warning',
  };
}

function resultOf(entry: string, outdir: string, write: boolean, metafile: Metafile | undefined): BundleResult {
  const output = Object.entries(metafile?.outputs ?? {}).find(([file]) => file.endsWith('index.mjs'))?.[1];
  if (!metafile || !output) throw new Error(`bundleHandler: esbuild wrote no index.mjs for ${entry}`);
  return { bytes: write ? statSync(path.join(outdir, 'index.mjs')).size : output.bytes, metafile };
}

/** Bundles one handler (`entry` relative to `root`) into `outdir`/index.mjs (the bench, the tests). */
export async function bundleHandler(
  root: string,
  entry: string,
  outdir: string,
  options: BundleOptions = {},
): Promise<BundleResult> {
  const write = options.write ?? true;
  const result = await esbuild().build(buildOptions(root, entry, outdir, write, options.sdk));
  return resultOf(entry, outdir, write, result.metafile);
}

/** The same, synchronously: CDK's local bundling (the function factory) cannot wait for a promise. */
export function bundleHandlerSync(root: string, entry: string, outdir: string): BundleResult {
  const result = esbuild().buildSync(buildOptions(root, entry, outdir, true));
  return resultOf(entry, outdir, true, result.metafile);
}
