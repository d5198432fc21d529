import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleHandler } from '../../infra/bundle.ts';
import { PROJECT_ROOT } from '../../infra/function-factory.ts';

/**
 * Handler bundles and cold starts. Every handler (a module of functions/<capability>/ built on
 * `handlerChain`) is bundled as the function factory bundles it (infra/bundle.ts), under .tmp/ in the
 * project so that its external `@aws-sdk/*` resolve from node_modules, as the Lambda runtime provides them.
 * Cold init of a bundle: the wall time of a fresh `node index.mjs` (load and evaluate the module, nothing
 * invoked), median of ROUNDS processes, minus the median of bare `node -e 0`; the handlers and bare Node are
 * run in turn, round after round, so that a busy machine weighs on all of them alike. Beside each handler, a
 * module that only imports the SDK packages its bundle imports: the part of the cold init that is the SDK's.
 * And the alternative, measured the same way: each handler bundled with the SDK in it (tree-shaken by
 * esbuild to what the code uses), which is not what synth deploys (see the README, "Bundles and cold start").
 * Goals (issue 11): at most 150 KiB per bundle and 150 ms of cold init. BENCH_NODE=/path/to/node measures
 * under another Node (the Lambdas run nodejs24.x; the machines have Node 20), BENCH_COLD_ROUNDS sets the rounds.
 */
const GOAL_KIB = 150;
const GOAL_MS = 150;
const ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 7);
const NODE = process.env.BENCH_NODE || process.execPath;
/** The SDK packages a bundle imports, and of those the clients (DynamoDB's counts once, as lib-dynamodb). */
const SDK_IMPORT = /from\s*"(@aws-sdk\/[a-z0-9-]+)"/g;
const CLIENT = /^@aws-sdk\/(client-(?!dynamodb$)[a-z0-9-]+|lib-dynamodb)$/;

/** The handler modules: every functions/<capability>/<name>.ts that builds a handler with handlerChain. */
export function handlerEntries(root: string = PROJECT_ROOT): string[] {
  const entries: string[] = [];
  for (const capability of readdirSync(path.join(root, 'functions'), { withFileTypes: true })) {
    if (!capability.isDirectory() || capability.name === 'shared') continue;
    for (const file of readdirSync(path.join(root, 'functions', capability.name))) {
      const entry = `functions/${capability.name}/${file}`;
      if (
        file.endsWith('.ts') &&
        /\bexport const handler = handlerChain\(/.test(readFileSync(path.join(root, entry), 'utf8'))
      )
        entries.push(entry);
    }
  }
  return entries.sort();
}

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

export async function benchColdStart(row: (name: string, value: string | number) => void): Promise<void> {
  const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nHandler bundles and cold init (fresh node processes, median of ${ROUNDS}, Node ${version})`);
  const outRoot = path.join(PROJECT_ROOT, '.tmp', `bench-cold-start-${process.pid}`);
  try {
    const handlers = [];
    for (const entry of handlerEntries()) {
      const name = entry.replace(/^functions\//, '').replace(/\.ts$/, '');
      const dir = path.join(outRoot, name);
      const { bytes, metafile } = await bundleHandler(PROJECT_ROOT, entry, dir);
      const inputs = Object.values(metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
      const zodBytes = Object.entries(inputs)
        .filter(([file]) => /node_modules\/zod\//.test(file))
        .reduce((n, [, input]) => n + input.bytesInOutput, 0);
      const source = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      const sdk = [...new Set([...source.matchAll(SDK_IMPORT)].map((m) => m[1]!))];
      writeFileSync(path.join(dir, 'sdk-only.mjs'), sdk.map((p) => `import ${JSON.stringify(p)};\n`).join(''));
      handlers.push({
        name,
        dir,
        bytes,
        zodBytes,
        clients: sdk.filter((p) => CLIENT.test(p)).length,
        ms: [] as number[],
        sdkMs: [] as number[],
        // The alternative measured beside it: the SDK bundled in, tree-shaken to the commands the code sends.
        bundledDir: path.join(outRoot, `${name}-sdk-bundled`),
        bundledBytes: (
          await bundleHandler(PROJECT_ROOT, entry, path.join(outRoot, `${name}-sdk-bundled`), { sdk: 'bundled' })
        ).bytes,
        bundledMs: [] as number[],
      });
    }
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(processMs(['-e', '0'], outRoot));
      for (const h of handlers) {
        h.ms.push(processMs(['index.mjs'], h.dir));
        h.sdkMs.push(processMs(['sdk-only.mjs'], h.dir));
        h.bundledMs.push(processMs(['index.mjs'], h.bundledDir));
      }
    }
    const bareMs = median(bare);
    const init = (samples: number[]) => Math.max(0, median(samples) - bareMs);
    for (const h of handlers) {
      row(
        `${h.name}`,
        `${(h.bytes / 1024).toFixed(0)} KiB, ${h.clients} SDK clients, cold init ${init(h.ms).toFixed(0)} ms (the SDK alone ${init(h.sdkMs).toFixed(0)}); SDK bundled in: ${(h.bundledBytes / 1024).toFixed(0)} KiB, ${init(h.bundledMs).toFixed(0)} ms`,
      );
    }
    const heaviest = handlers.reduce((a, h) => (h.bytes > a.bytes ? h : a));
    const inits = handlers.map((h) => init(h.ms));
    const sdkInits = handlers.map((h) => init(h.sdkMs));
    row('bare node -e 0 (ms)', bareMs.toFixed(0));
    row(`largest handler bundle, KiB (goal <= ${GOAL_KIB})`, (heaviest.bytes / 1024).toFixed(0));
    row(
      `bundles within ${GOAL_KIB} KiB / zod's part of the largest, KiB`,
      `${handlers.filter((h) => h.bytes <= GOAL_KIB * 1024).length} of ${handlers.length} / ${(heaviest.zodBytes / 1024).toFixed(0)}`,
    );
    row(
      `cold init, fastest / slowest handler, ms (goal <= ${GOAL_MS})`,
      `${Math.min(...inits).toFixed(0)} / ${Math.max(...inits).toFixed(0)}`,
    );
    row(
      'of which the SDK packages alone, least / most, ms',
      `${Math.min(...sdkInits).toFixed(0)} / ${Math.max(...sdkInits).toFixed(0)}`,
    );
    const bundledInits = handlers.map((h) => init(h.bundledMs));
    const bundledKiB = handlers.map((h) => h.bundledBytes / 1024);
    row(
      'the alternative, SDK bundled in (not deployed): KiB, least / most; cold init, ms, fastest / slowest',
      `${Math.min(...bundledKiB).toFixed(0)} / ${Math.max(...bundledKiB).toFixed(0)}; ${Math.min(...bundledInits).toFixed(0)} / ${Math.max(...bundledInits).toFixed(0)}`,
    );
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}
