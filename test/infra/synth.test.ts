import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleHandler } from '#infra/bundle.ts';
import { PROJECT_ROOT } from '#infra/function-factory.ts';
import { HANDLER_ENTRIES } from '#infra/handlers.ts';

/**
 * `npx cdk synth` as a user runs it: offline, no credentials, with the real esbuild bundling of every
 * handler and of the SDK layer (the other infra tests skip bundling). Then one bundle is loaded and called in
 * Lambda's layout, its code in var/task beside the layer in opt, as Lambda would.
 */
/**
 * The most a handler's bundle (index.mjs) may weigh: the goal of 150 KiB. Every bundle was ~530 KiB before zod
 * was imported as a namespace (esbuild then leaves its locales and JSON Schema conversion out), 143-202 KiB
 * with the run-time schemas on classic zod (~95 KiB of every bundle), and 75-136 KiB since they are on
 * zod/mini (events/zod.ts), whose functional API esbuild tree-shakes to the schemas and checks a bundle uses.
 * `npm run bench -- cold-start` prints each bundle's size against the goal.
 */
const BUNDLE_CEILING_BYTES = 150 * 1024;

const outdir = mkdtempSync(path.join(PROJECT_ROOT, '.tmp-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const synth = spawnSync(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '-o', outdir], {
  cwd: PROJECT_ROOT,
  encoding: 'utf8',
  timeout: 240_000,
  env: { ...process.env, CDK_VALIDATION: 'false', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' },
});

type Template = { Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties: any }> };
const template = (stack: string): Template =>
  JSON.parse(readFileSync(path.join(outdir, `${stack}.template.json`), 'utf8'));

describe('npx cdk synth', () => {
  it('synthesizes one stack per configured region offline, without credentials', () => {
    expect(synth.status, synth.stderr).toBe(0);
    for (const stack of ['Ballast-us-east-1', 'Ballast-us-west-2']) {
      expect(existsSync(path.join(outdir, `${stack}.template.json`)), stack).toBe(true);
    }
  });

  it("bundles every handler as one ESM file that imports the AWS SDK from the stack's layer", () => {
    const resources = Object.values(template('Ballast-us-east-1').Resources);
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    const layers = Object.entries(template('Ballast-us-east-1').Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::LayerVersion',
    );
    expect(layers.map(([, r]) => r.Properties.CompatibleRuntimes)).toEqual([['nodejs24.x']]);
    expect(functions.map((fn) => fn.Metadata?.['ballast:entry']).sort()).toEqual([...HANDLER_ENTRIES].sort());
    for (const fn of functions) {
      const entry = fn.Metadata!['ballast:entry']!;
      expect(fn.Properties.Layers, entry).toEqual([{ Ref: layers[0]![0] }]);
      const bundle = path.join(outdir, fn.Metadata!['aws:asset:path']!, 'index.mjs');
      const source = readFileSync(bundle, 'utf8');
      expect(source).not.toMatch(/class ECSClient\b/); // the SDK is not in the bundle…
      expect(source).toMatch(/from\s*"\.\.\/\.\.\/opt\/ballast-sdk\/lib-dynamodb\.mjs"/); // …but in the layer
      expect(statSync(bundle).size, entry).toBeLessThanOrEqual(BUNDLE_CEILING_BYTES);
    }
    const layerDir = path.join(outdir, layers[0]![1].Metadata!['aws:asset:path']!, 'ballast-sdk');
    expect(readdirSync(layerDir).filter((f) => f.endsWith('.mjs'))).toContain('lib-dynamodb.mjs');
  });

  // CDK stages one asset per source path and bundling options, and a local bundler is not part of that key:
  // every function of a stack once shipped the bundle staged first (infra/function-factory.ts, extraHash).
  it("ships each function its own handler's bundle and configuration", async () => {
    const functions = Object.values(template('Ballast-us-east-1').Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    for (const fn of functions) {
      const entry = fn.Metadata!['ballast:entry']!;
      const assetDir = path.join(outdir, fn.Metadata!['aws:asset:path']!);
      const fresh = path.join(outdir, 'fresh', entry.replace(/\W/g, '-'));
      await bundleHandler(PROJECT_ROOT, entry, fresh);
      expect(
        readFileSync(path.join(assetDir, 'index.mjs'), 'utf8') === readFileSync(path.join(fresh, 'index.mjs'), 'utf8'),
        entry,
      ).toBe(true);
      const config = fn.Metadata?.['ballast:config'] as unknown as Record<string, string> | undefined;
      if (config) {
        expect(JSON.parse(readFileSync(path.join(assetDir, 'ballast-config.json'), 'utf8')), entry).toEqual(config);
      } else {
        expect(existsSync(path.join(assetDir, 'ballast-config.json')), entry).toBe(false);
      }
    }
  });

  it('produces a bundle that loads and answers like the handler: a bad manual input is InvalidInput', async () => {
    const fn = Object.values(template('Ballast-us-east-1').Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' && r.Metadata?.['ballast:entry'] === 'functions/host-draining/resolve.ts',
    )!;
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    // Lambda's layout: the function's code in /var/task, its layers in /opt (the bundle imports ../../opt).
    const lambdaRoot = path.join(outdir, 'lambda-resolve');
    const assetDir = path.join(lambdaRoot, 'var', 'task');
    cpSync(path.join(outdir, fn.Metadata!['aws:asset:path']!), assetDir, { recursive: true });
    const layer = Object.values(template('Ballast-us-east-1').Resources).find(
      (r) => r.Type === 'AWS::Lambda::LayerVersion',
    )!;
    cpSync(path.join(outdir, layer.Metadata!['aws:asset:path']!), path.join(lambdaRoot, 'opt'), { recursive: true });
    // The configuration is in the bundle, as Lambda unpacks it to LAMBDA_TASK_ROOT (not in the environment).
    expect(env.BALLAST_DRAIN_CONFIG).toBeUndefined();
    expect(env.BALLAST_CONFIG_FILE).toBe('ballast-config.json');
    expect(Object.keys(JSON.parse(readFileSync(path.join(assetDir, 'ballast-config.json'), 'utf8')))).toEqual([
      'BALLAST_DRAIN_CONFIG',
    ]);
    const saved = { ...process.env };
    delete process.env.BALLAST_DRAIN_CONFIG;
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      BALLAST_LEDGER_TABLE: 'ballast-ledger',
      BALLAST_CONFIG_FILE: String(env.BALLAST_CONFIG_FILE),
      LAMBDA_TASK_ROOT: assetDir,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    try {
      const bundle = path.join(assetDir, 'index.mjs');
      const { handler } = (await import(pathToFileURL(bundle).href)) as {
        handler: (e: unknown, c: unknown) => Promise<unknown>;
      };
      const context = { functionName: 'resolve', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 10_000 };
      await expect(handler({ action: 'drain', instanceId: 'i-nothex' }, context)).rejects.toMatchObject({
        name: 'InvalidInput',
        message: expect.stringContaining('instanceId'),
      });
      // The bundle's own zod (zod/mini, no classic beside it to set a locale) says what the field should be.
      await expect(
        handler({ action: 'drain', instanceId: 'i-0123456789abcdef0', deadlineMinutes: '60' }, context),
      ).rejects.toMatchObject({
        name: 'InvalidInput',
        message: 'deadlineMinutes: Invalid input: expected number, received string',
      });
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
