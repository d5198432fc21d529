import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

/**
 * How every handler is bundled: one minified ESM file (index.mjs, with a linked source map) with the AWS SDK
 * left out, as the Lambda runtime provides it. The function factory runs this module once per handler (in a
 * child process: CDK's local bundling is synchronous, esbuild's plugins are not); the bench and the bundle
 * tests call `bundleHandler` directly, so all three build the same bytes.
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
  // The bundled CommonJS dependencies (and the SDK, below) call `require`: an ES module has none of its own.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

const SDK = /^@aws-sdk\//;
const SDK_NAMESPACE = 'aws-sdk-require';

/**
 * The AWS SDK is loaded with `require()`, not `import`. Its packages are CommonJS, and an ES module that
 * imports a CommonJS package makes Node run its export lexer over the package's entry file (the ECS client's
 * is ~250 KB) and resolve it through the ESM loader: measured here, that is about 40 % of a handler's cold
 * init (README, "Bundles and cold start"). `require` loads the very same module objects without that detour. Each
 * import of `@aws-sdk/x` becomes a tiny CommonJS module, `module.exports = require('@aws-sdk/x')`, whose
 * `require` stays external.
 */
export const sdkThroughRequire: Plugin = {
  name: 'aws-sdk-through-require',
  setup(on) {
    on.onResolve({ filter: SDK }, (args) =>
      args.namespace === SDK_NAMESPACE
        ? { path: args.path, external: true }
        : { path: args.path, namespace: SDK_NAMESPACE },
    );
    on.onLoad({ filter: /.*/, namespace: SDK_NAMESPACE }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** The SDK package a metafile import names (`aws-sdk-require:@aws-sdk/client-ecs` -> `@aws-sdk/client-ecs`). */
export function sdkPackageOf(importPath: string): string | undefined {
  const name = importPath.startsWith(`${SDK_NAMESPACE}:`) ? importPath.slice(SDK_NAMESPACE.length + 1) : importPath;
  return SDK.test(name) ? name : undefined;
}

export interface BundleResult {
  /** Bytes of index.mjs. */
  readonly bytes: number;
  readonly metafile: Metafile;
}

export interface BundleOptions {
  /** @default true; false: nothing is written (the tests only read the metafile) */
  readonly write?: boolean;
  /**
   * How the bundle loads the SDK: 'require' (what is deployed) or 'import' (plain ESM imports, what
   * NodejsFunction would build; the bench measures both side by side). @default 'require'
   */
  readonly sdk?: 'require' | 'import';
}

/** Bundles one handler (`entry` relative to `root`) into `outdir`/index.mjs. */
export async function bundleHandler(
  root: string,
  entry: string,
  outdir: string,
  options: BundleOptions = {},
): Promise<BundleResult> {
  const outfile = path.join(outdir, 'index.mjs');
  const result = await build({
    entryPoints: [path.join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    outfile,
    write: options.write ?? true,
    metafile: true,
    sourcemap: options.write === false ? false : 'linked',
    format: BUNDLING.format,
    platform: BUNDLING.platform,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    keepNames: BUNDLING.keepNames,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    ...(options.sdk === 'import' ? { external: ['@aws-sdk/*'] } : { plugins: [sdkThroughRequire] }),
    logLevel: 'warning',
  });
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('index.mjs'))?.[1];
  if (!output) throw new Error(`bundleHandler: esbuild wrote no index.mjs for ${entry}`);
  return { bytes: options.write === false ? output.bytes : statSync(outfile).size, metafile: result.metafile };
}

// `node --import tsx infra/bundle.ts ROOT ENTRY OUTDIR`: what the function factory runs.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [root, entry, outdir] = process.argv.slice(2);
  if (!root || !entry || !outdir) {
    console.error('usage: node --import tsx infra/bundle.ts ROOT ENTRY OUTDIR');
    process.exit(2);
  }
  await bundleHandler(root, entry, outdir);
}
