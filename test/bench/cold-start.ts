import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import {
  bundleHandler,
  bundleSdkLayer,
  mergeSdkImports,
  SDK_FROM_TASK,
  SDK_LAYER_DIR,
  sdkModuleFile,
} from '../../infra/bundle.ts';
import { PROJECT_ROOT } from '../../infra/function-factory.ts';
import { HANDLER_ENTRIES } from '../../infra/handlers.ts';

/**
 * Handler bundles and cold starts. Every handler (infra/handlers.ts) is bundled as the function factory
 * bundles it (infra/bundle.ts), and the SDK layer is built from their imports, as synth builds it; each
 * handler then runs from a copy of Lambda's layout (its bundle in var/task, the layer in opt), under .tmp/.
 * Cold init of a bundle: the wall time of a fresh `node index.mjs` (load and evaluate the module, nothing
 * invoked), median of ROUNDS processes, minus the median of bare `node -e 0`; the handlers and bare Node are
 * run in turn, round after round, so that a busy machine weighs on all of them alike. Beside each handler, a
 * module that only imports the layer modules its bundle imports: the part of the cold init that is the SDK's.
 * And the alternative, measured the same way: each handler bundled to import the SDK by package name, from
 * the copy the Lambda runtime provides (here node_modules), as Ballast deployed before the layer (see the
 * README, "Bundles and cold start"). Goals (issue 11): at most 150 KiB per bundle and 150 ms of cold init.
 * BENCH_NODE=/path/to/node measures under another Node (the Lambdas run nodejs24.x; the machines have Node
 * 20), BENCH_COLD_ROUNDS sets the rounds.
 */
const GOAL_KIB = 150;
const GOAL_MS = 150;
const ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 7);
const NODE = process.env.BENCH_NODE || process.execPath;
/** The SDK packages of a bundle's imports that are clients (DynamoDB's counts once, as lib-dynamodb). */
const CLIENT = /^@aws-sdk\/(client-(?!dynamodb$)[a-z0-9-]+|lib-dynamodb)$/;
/** How the runtime-SDK alternative imports the SDK. */
const SDK_IMPORT = /from\s*"(@aws-sdk\/[a-z0-9-]+)"/g;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Wall milliseconds of one fresh Node process running `args` in `cwd`. */
function processMs(args: string[], cwd: string): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(NODE, args, {
    cwd,
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed in ${cwd}: ${run.stderr}`);
  return ms;
}

/** Bytes of the layer a handler loads: the modules of its packages and every chunk they import statically. */
function layerBytesLoaded(layer: Metafile, layerRoot: string, packages: readonly string[]): number {
  const byFile = new Map(
    Object.entries(layer.outputs).map(([file, output]) => [path.resolve(PROJECT_ROOT, file), output]),
  );
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of byFile.get(file)?.imports ?? []) {
      // Static imports only: the chunks imported dynamically (the credential providers but the environment's)
      // load when first needed, which on Lambda, with credentials in the environment, is never.
      if (imported.kind === 'import-statement' && !imported.external) visit(path.resolve(PROJECT_ROOT, imported.path));
    }
  };
  for (const pkg of packages) visit(path.join(layerRoot, SDK_LAYER_DIR, sdkModuleFile(pkg)));
  return [...seen].reduce((n, file) => n + (byFile.get(file)?.bytes ?? 0), 0);
}

export async function benchColdStart(row: (name: string, value: string | number) => void): Promise<void> {
  const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nHandler bundles and cold init (fresh node processes, median of ${ROUNDS}, Node ${version})`);
  const outRoot = path.join(PROJECT_ROOT, '.tmp', `bench-cold-start-${process.pid}`);
  try {
    const layerRoot = path.join(outRoot, 'opt');
    const built = [];
    for (const entry of HANDLER_ENTRIES) {
      const name = entry.replace(/^functions\//, '').replace(/\.ts$/, '');
      // Lambda's layout per handler: var/task/index.mjs imports ../../opt/ballast-sdk/, here the shared layer.
      const root = path.join(outRoot, 'lambda', name);
      const dir = path.join(root, 'var', 'task');
      const result = await bundleHandler(PROJECT_ROOT, entry, dir);
      symlinkSync(layerRoot, path.join(root, 'opt'), 'dir');
      const packages = [...result.sdkImports.keys()].sort();
      writeFileSync(
        path.join(dir, 'sdk-only.mjs'),
        packages.map((p) => `import ${JSON.stringify(`${SDK_FROM_TASK}/${sdkModuleFile(p)}`)};\n`).join(''),
      );
      const inputs = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
      const zodBytes = Object.entries(inputs)
        .filter(([file]) => /node_modules\/zod\//.test(file))
        .reduce((n, [, input]) => n + input.bytesInOutput, 0);
      // The alternative: the SDK by package name, resolved from node_modules as from the runtime's copy.
      const runtimeDir = path.join(outRoot, 'runtime', name);
      await bundleHandler(PROJECT_ROOT, entry, runtimeDir, { sdk: 'runtime' });
      const runtimeSdk = [
        ...new Set(
          [...readFileSync(path.join(runtimeDir, 'index.mjs'), 'utf8').matchAll(SDK_IMPORT)].map((m) => m[1]!),
        ),
      ];
      writeFileSync(
        path.join(runtimeDir, 'sdk-only.mjs'),
        runtimeSdk.map((p) => `import ${JSON.stringify(p)};\n`).join(''),
      );
      built.push({ name, dir, runtimeDir, result, packages, zodBytes });
    }
    mkdirSync(layerRoot, { recursive: true });
    const layer = await bundleSdkLayer(PROJECT_ROOT, mergeSdkImports(built.map((b) => b.result.sdkImports)), layerRoot);
    const handlers = built.map((b) => ({
      ...b,
      bytes: b.result.bytes,
      layerBytes: layerBytesLoaded(layer.metafile, layerRoot, b.packages),
      clients: b.packages.filter((p) => CLIENT.test(p)).length,
      ms: [] as number[],
      sdkMs: [] as number[],
      runtimeMs: [] as number[],
      runtimeSdkMs: [] as number[],
    }));
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(processMs(['-e', '0'], outRoot));
      for (const h of handlers) {
        h.ms.push(processMs(['index.mjs'], h.dir));
        h.sdkMs.push(processMs(['sdk-only.mjs'], h.dir));
        h.runtimeMs.push(processMs(['index.mjs'], h.runtimeDir));
        h.runtimeSdkMs.push(processMs(['sdk-only.mjs'], h.runtimeDir));
      }
    }
    const bareMs = median(bare);
    const init = (samples: number[]) => Math.max(0, median(samples) - bareMs);
    const kib = (bytes: number) => (bytes / 1024).toFixed(0);
    for (const h of handlers) {
      row(
        `${h.name}`,
        `${kib(h.bytes)} KiB + ${kib(h.layerBytes)} KiB of the layer, ${h.clients} SDK clients, cold init ${init(h.ms).toFixed(0)} ms (the SDK alone ${init(h.sdkMs).toFixed(0)}); the runtime's SDK: ${init(h.runtimeMs).toFixed(0)} ms (alone ${init(h.runtimeSdkMs).toFixed(0)})`,
      );
    }
    const heaviest = handlers.reduce((a, h) => (h.bytes > a.bytes ? h : a));
    const range = (values: number[]) => `${Math.min(...values).toFixed(0)} / ${Math.max(...values).toFixed(0)}`;
    row('bare node -e 0 (ms)', bareMs.toFixed(0));
    row(`largest handler bundle, KiB (goal <= ${GOAL_KIB})`, kib(heaviest.bytes));
    row(
      `bundles within ${GOAL_KIB} KiB / zod's part of the largest, KiB`,
      `${handlers.filter((h) => h.bytes <= GOAL_KIB * 1024).length} of ${handlers.length} / ${kib(heaviest.zodBytes)}`,
    );
    row(
      `the SDK layer: KiB, files / KiB one handler loads, least / most`,
      `${kib(layer.bytes)}, ${Object.keys(layer.metafile.outputs).length} / ${range(handlers.map((h) => h.layerBytes / 1024))}`,
    );
    row(`cold init, fastest / slowest handler, ms (goal <= ${GOAL_MS})`, range(handlers.map((h) => init(h.ms))));
    row(
      `handlers within ${GOAL_MS} ms of cold init`,
      `${handlers.filter((h) => init(h.ms) <= GOAL_MS).length} of ${handlers.length}`,
    );
    row('of which the SDK layer alone, least / most, ms', range(handlers.map((h) => init(h.sdkMs))));
    row(
      "the alternative, the runtime's SDK (deployed before the layer): cold init, fastest / slowest, ms; the SDK alone",
      `${range(handlers.map((h) => init(h.runtimeMs)))}; ${range(handlers.map((h) => init(h.runtimeSdkMs)))}`,
    );
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}
