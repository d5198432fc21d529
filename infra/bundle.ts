import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initSync, parse } from 'es-module-lexer';
import type { BuildOptions, Metafile } from 'esbuild';

/**
 * esbuild, loaded when a bundle is built: synth with bundling skipped (the infra tests, the local cloud)
 * needs none, as with NodejsFunction.
 */
const esbuild = (): typeof import('esbuild') => createRequire(import.meta.url)('esbuild');

/**
 * Ballast ships the AWS SDK itself, as one Lambda layer per stack: each SDK package Ballast depends on is one
 * module of the layer, tree-shaken by esbuild to the names the handlers import from it, the code they share
 * split into chunks (`npm run bench -- cold-start` measures it against the runtime's copy). Why:
 * - cold init: a handler loads the commands Ballast sends, not whole clients. The runtime's copy is CommonJS,
 *   each client package every command of its service, all compiled and evaluated at a cold start (the
 *   README's figures table has both, as the bench measured them).
 * - the SDK version is Ballast's, pinned in package-lock.json and tested, not whichever the runtime ships.
 * - each handler's bundle stays Ballast's own code; the SDK is one copy for all functions of the stack.
 *
 * Lambda unpacks a function's code to /var/task (LAMBDA_TASK_ROOT) and its layers to /opt, so the layer's
 * modules are at /opt/ballast-sdk/. A bundle imports them relative to /var/task/index.mjs, so that the same
 * bytes load from a local copy of that layout (`<dir>/var/task` beside `<dir>/opt`: the bench, the synth test).
 */
export const SDK_LAYER_DIR = 'ballast-sdk';
/** The layer's modules as a handler bundle imports them. */
export const SDK_FROM_TASK = `../../opt/${SDK_LAYER_DIR}`;

const PROJECT_PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'package.json');

/** The SDK packages the functions may import: Ballast's dependencies under @aws-sdk/, one layer module each. */
export const SDK_PACKAGES: readonly string[] = Object.keys(
  (JSON.parse(readFileSync(PROJECT_PACKAGE, 'utf8')) as { dependencies: Record<string, string> }).dependencies,
)
  .filter((name) => name.startsWith('@aws-sdk/'))
  .sort();

/** The layer module of an SDK package: `@aws-sdk/client-ecs` is `client-ecs.mjs`. */
export const sdkModuleFile = (pkg: string): string => `${pkg.slice('@aws-sdk/'.length)}.mjs`;

/** The SDK package a bundle's import of the layer stands for, or undefined for any other import. */
export function sdkPackageOf(specifier: string): string | undefined {
  const prefix = `${SDK_FROM_TASK}/`;
  if (!specifier.startsWith(prefix) || !specifier.endsWith('.mjs')) return undefined;
  return `@aws-sdk/${specifier.slice(prefix.length, -'.mjs'.length)}`;
}

/** The names a bundle imports from each SDK package (through the layer). */
export type SdkImports = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * How every handler is bundled: one minified ESM file (index.mjs, with a linked source map) with the AWS SDK
 * imported from the layer. The function factory, the bench and the bundle tests all build with these
 * functions, so they build the same bytes (and the tests see esbuild's metafile of them).
 */
export const BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  // Error classes are matched by name in Step Functions Retry/Catch (`InvalidInput`, `AwsTransient`), and
  // the SDK's by name in the cores (`ConditionalCheckFailedException`): minification must not rename them.
  keepNames: true,
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies call `require`: an ES module has none of its own.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

export interface BundleResult {
  /** Bytes of index.mjs. */
  readonly bytes: number;
  readonly metafile: Metafile;
  /** What the bundle imports from the SDK (empty with `sdk: 'runtime'`). */
  readonly sdkImports: SdkImports;
}

export interface BundleOptions {
  /** @default true; false: nothing is written (the tests only read the metafile) */
  readonly write?: boolean;
  /**
   * 'runtime': the SDK imported by package name, from the copy the Lambda runtime provides (the cold-start
   * bench measures it as the alternative; synth always builds 'layer'). @default 'layer'
   */
  readonly sdk?: 'layer' | 'runtime';
}

/** The SDK's resolution for a handler bundle: each package to its layer module, kept external. */
function sdkResolution(sdk: BundleOptions['sdk']): Pick<BuildOptions, 'alias' | 'external'> {
  if (sdk === 'runtime') return { external: ['@aws-sdk/*'] };
  return {
    alias: Object.fromEntries(SDK_PACKAGES.map((pkg) => [pkg, `${SDK_FROM_TASK}/${sdkModuleFile(pkg)}`])),
    external: [`${SDK_FROM_TASK}/*`],
  };
}

/** What the handler bundles and the layer are built with alike: BUNDLING, from the project root. */
function commonOptions(root: string): BuildOptions {
  return {
    absWorkingDir: root,
    bundle: true,
    metafile: true,
    format: BUNDLING.format,
    platform: BUNDLING.platform,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    keepNames: BUNDLING.keepNames,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    logLevel: 'warning',
  };
}

function buildOptions(
  root: string,
  entry: string,
  outdir: string,
  write: boolean,
  sdk: BundleOptions['sdk'] = 'layer',
): BuildOptions {
  return {
    ...commonOptions(root),
    entryPoints: [path.join(root, entry)],
    outfile: path.join(outdir, 'index.mjs'),
    write,
    sourcemap: write ? 'linked' : false,
    ...sdkResolution(sdk),
  };
}

/** The names an ES module's source imports from the layer, by SDK package (es-module-lexer reads the imports). */
export function sdkImportsOf(code: string): SdkImports {
  initSync();
  const [imports] = parse(code);
  const byPackage = new Map<string, Set<string>>();
  for (const imported of imports) {
    const pkg = imported.n === undefined ? undefined : sdkPackageOf(imported.n);
    if (!pkg) continue;
    const clause = /^import\s*\{([^}]*)\}\s*from/.exec(code.slice(imported.ss, imported.se));
    if (!clause) {
      throw new Error(
        `a bundle imports ${pkg} other than by name (${code.slice(imported.ss, imported.se)}): the layer exports only the names its bundles import`,
      );
    }
    const names = byPackage.get(pkg) ?? new Set<string>();
    for (const part of clause[1]!.split(',')) {
      const name = part.trim().split(/\s+as\s+/)[0];
      if (name) names.add(name);
    }
    byPackage.set(pkg, names);
  }
  return byPackage;
}

/** Everything several bundles import from the SDK: what the layer must export. */
export function mergeSdkImports(all: Iterable<SdkImports>): SdkImports {
  const merged = new Map<string, Set<string>>();
  for (const imports of all) {
    for (const [pkg, names] of imports) {
      const into = merged.get(pkg) ?? new Set<string>();
      for (const name of names) into.add(name);
      merged.set(pkg, into);
    }
  }
  return merged;
}

function resultOf(
  entry: string,
  outdir: string,
  write: boolean,
  metafile: Metafile | undefined,
  code: string,
): BundleResult {
  const output = Object.entries(metafile?.outputs ?? {}).find(([file]) => file.endsWith('index.mjs'))?.[1];
  if (!metafile || !output) throw new Error(`bundleHandler: esbuild wrote no index.mjs for ${entry}`);
  const bundledSdk = Object.keys(output.inputs).find((file) => /node_modules\/@aws-sdk\//.test(file));
  if (bundledSdk) {
    throw new Error(
      `bundleHandler: ${entry} bundles ${bundledSdk}: an SDK package the layer does not hold. Add it to package.json's dependencies (infra/bundle.ts makes a layer module of each @aws-sdk/ dependency).`,
    );
  }
  return {
    bytes: write ? statSync(path.join(outdir, 'index.mjs')).size : output.bytes,
    metafile,
    sdkImports: sdkImportsOf(code),
  };
}

const codeOf = (files: { path: string; text: string }[] | undefined, outdir: string): string =>
  files?.find((file) => file.path === path.join(outdir, 'index.mjs'))?.text ??
  readFileSync(path.join(outdir, 'index.mjs'), 'utf8');

/** Bundles one handler (`entry` relative to `root`) into `outdir`/index.mjs (the bench, the tests). */
export async function bundleHandler(
  root: string,
  entry: string,
  outdir: string,
  options: BundleOptions = {},
): Promise<BundleResult> {
  const write = options.write ?? true;
  const result = await esbuild().build(buildOptions(root, entry, outdir, write, options.sdk));
  return resultOf(entry, outdir, write, result.metafile, codeOf(result.outputFiles, outdir));
}

/** The same, synchronously: CDK's local bundling (the function factory) cannot wait for a promise. */
export function bundleHandlerSync(root: string, entry: string, outdir: string): BundleResult {
  const result = esbuild().buildSync(buildOptions(root, entry, outdir, true));
  return resultOf(entry, outdir, true, result.metafile, codeOf(result.outputFiles, outdir));
}

export interface LayerResult {
  /** Bytes of the layer's modules and chunks, all together. */
  readonly bytes: number;
  readonly metafile: Metafile;
  /** The layer's modules by SDK package, relative to the layer's root (`ballast-sdk/client-ecs.mjs`). */
  readonly modules: ReadonlyMap<string, string>;
}

/**
 * The layer's build: one entry per SDK package the bundles import, re-exporting exactly the names they
 * import (sorted, so the same imports build the same bytes), written to a scratch directory that resolves
 * the SDK from the project's node_modules.
 */
function layerOptions(root: string, imports: SdkImports, outdir: string, scratch: string): BuildOptions {
  const entryPoints: Record<string, string> = {};
  for (const pkg of [...imports.keys()].sort()) {
    if (!SDK_PACKAGES.includes(pkg)) throw new Error(`bundleSdkLayer: ${pkg} is not one of Ballast's dependencies`);
    const names = [...imports.get(pkg)!].sort();
    const file = path.join(scratch, sdkModuleFile(pkg));
    writeFileSync(file, `export { ${names.join(', ')} } from ${JSON.stringify(pkg)};\n`);
    entryPoints[sdkModuleFile(pkg).slice(0, -'.mjs'.length)] = file;
  }
  return {
    ...commonOptions(root),
    entryPoints,
    nodePaths: [path.join(root, 'node_modules')],
    splitting: true,
    outdir: path.join(outdir, SDK_LAYER_DIR),
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    write: true,
  };
}

function layerResultOf(root: string, outdir: string, scratch: string, metafile: Metafile | undefined): LayerResult {
  if (!metafile) throw new Error('bundleSdkLayer: esbuild returned no metafile');
  const modules = new Map<string, string>();
  let bytes = 0;
  for (const [file, output] of Object.entries(metafile.outputs)) {
    bytes += output.bytes;
    // esbuild names outputs and entries relative to the working directory (the project root). The modules
    // are the outputs of the entries written to the scratch directory; other outputs with an entry point are
    // the chunks of dynamic imports (the credential providers but the environment's, loaded when needed).
    if (output.entryPoint && path.dirname(path.resolve(root, output.entryPoint)) === scratch) {
      modules.set(`@aws-sdk/${path.basename(file, '.mjs')}`, path.relative(outdir, path.resolve(root, file)));
    }
  }
  return { bytes, metafile, modules };
}

/** Builds the SDK layer that serves `imports` (merged from every handler bundle) into `outdir`/ballast-sdk. */
export async function bundleSdkLayer(root: string, imports: SdkImports, outdir: string): Promise<LayerResult> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ballast-sdk-layer-'));
  try {
    const result = await esbuild().build(layerOptions(root, imports, outdir, scratch));
    return layerResultOf(root, outdir, scratch, result.metafile);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The same, synchronously, for CDK's local bundling. */
export function bundleSdkLayerSync(root: string, imports: SdkImports, outdir: string): LayerResult {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ballast-sdk-layer-'));
  try {
    return layerResultOf(
      root,
      outdir,
      scratch,
      esbuild().buildSync(layerOptions(root, imports, outdir, scratch)).metafile,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
