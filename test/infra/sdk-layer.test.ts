import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateTableCommand, DynamoDBClient as ProjectDynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleHandler,
  bundleSdkLayer,
  type LayerResult,
  mergeSdkImports,
  SDK_LAYER_DIR,
  type SdkImports,
  sdkImportsOf,
  sdkModuleFile,
} from '#infra/bundle.ts';
import { BundledFunctionFactory, PROJECT_ROOT } from '#infra/function-factory.ts';
import { HANDLER_ENTRIES } from '#infra/handlers.ts';
import { LocalCloud } from '#local/cloud.ts';
import config from '../../ballast.config.ts';

/**
 * The SDK layer as synth builds it (infra/bundle.ts): from what every handler bundle imports, one module per
 * SDK package. The bundles are laid out as Lambda lays them out (var/task beside opt) and loaded by a fresh
 * Node, and the layer's clients are sent commands against the local cloud, each over its own protocol:
 * tree-shaking must not have taken out a serializer, a signer or an error class.
 */
const root = mkdtempSync(path.join(PROJECT_ROOT, '.tmp-sdk-layer-'));
const layerRoot = path.join(root, 'opt');
let imports: SdkImports;
let layer: LayerResult;

beforeAll(async () => {
  const each = [];
  for (const entry of HANDLER_ENTRIES) {
    const lambdaRoot = path.join(root, entry.replace(/\W/g, '-'));
    each.push((await bundleHandler(PROJECT_ROOT, entry, path.join(lambdaRoot, 'var', 'task'))).sdkImports);
    symlinkSync(layerRoot, path.join(lambdaRoot, 'opt'), 'dir');
  }
  imports = mergeSdkImports(each);
  mkdirSync(layerRoot);
  layer = await bundleSdkLayer(PROJECT_ROOT, imports, layerRoot);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A module of the layer, imported as a handler imports it. */
const layerModule = async <T>(pkg: string): Promise<T> =>
  (await import(pathToFileURL(path.join(layerRoot, SDK_LAYER_DIR, sdkModuleFile(pkg))).href)) as T;

describe('sdkImportsOf', () => {
  it("reads the names a bundle imports from the layer, by package, and nothing else's", () => {
    const code =
      'import{createRequire}from"module";import{ECSClient as a,ListTasksCommand as b}from"../../opt/ballast-sdk/client-ecs.mjs";' +
      'import{GetCommand}from"../../opt/ballast-sdk/lib-dynamodb.mjs";import"./side.mjs";export const handler=1;';
    expect(Object.fromEntries([...sdkImportsOf(code)].map(([pkg, names]) => [pkg, [...names].sort()]))).toEqual({
      '@aws-sdk/client-ecs': ['ECSClient', 'ListTasksCommand'],
      '@aws-sdk/lib-dynamodb': ['GetCommand'],
    });
  });

  it('refuses a namespace import, whose names it cannot know', () => {
    expect(() => sdkImportsOf('import*as e from"../../opt/ballast-sdk/client-ecs.mjs";')).toThrow(
      /imports @aws-sdk\/client-ecs other than by name/,
    );
  });
});

describe('the SDK layer', () => {
  it('has one module per package the handlers import, exporting exactly the names they import', () => {
    // The modules, not the chunks (the credential providers' lazily imported ones among them).
    const exported = Object.fromEntries(
      [...layer.modules].map(([pkg, file]) => [
        pkg,
        [...layer.metafile.outputs[path.relative(PROJECT_ROOT, path.join(layerRoot, file))]!.exports].sort(),
      ]),
    );
    const wanted = Object.fromEntries([...imports].map(([pkg, names]) => [pkg, [...names].sort()]));
    expect(exported).toEqual(wanted);
    expect(Object.keys(exported)).toContain('@aws-sdk/client-ecs');
    expect(wanted['@aws-sdk/client-ecs']).toContain('UpdateContainerInstancesStateCommand');
  });

  it.each(HANDLER_ENTRIES)('%s loads from var/task against the layer in opt, in a fresh Node', (entry) => {
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', 'const m = await import("./index.mjs"); console.log(typeof m.handler);'],
      {
        cwd: path.join(root, entry.replace(/\W/g, '-'), 'var', 'task'),
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('function');
  });
});

describe('synth with bundling', () => {
  it('fails a function whose bundle imports from the SDK what the layer does not export, naming the fix', () => {
    const stack = new Stack(new App({ outdir: path.join(root, 'cdk.out') }), 'Unserved', {
      env: { region: 'us-east-1' },
    });
    expect(() =>
      new BundledFunctionFactory().create(stack, 'Unserved', {
        entry: 'test/fixtures/handlers/unserved-sdk.ts',
        description: 'a function the layer cannot serve',
      }),
    ).toThrow(
      /imports @aws-sdk\/client-ecs ListClustersCommand, which the SDK layer does not export.*Add test\/fixtures\/handlers\/unserved-sdk\.ts there/s,
    );
  });
});

describe("the layer's clients against the local cloud", () => {
  let cloud: LocalCloud;
  // The layer's modules are plain ES modules, without types.
  type Module = Record<string, any>;
  const send = async (pkg: string, client: string, command: string, input: object) => {
    const sdk = await layerModule<Module>(pkg);
    const made = new sdk[client]({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
    try {
      return await made.send(new sdk[command](input));
    } finally {
      made.destroy();
    }
  };
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: Error) => error.name,
    );

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 3, withBallast: false, rateLimits: false });
  });
  afterAll(async () => cloud?.stop());

  it('ECS (JSON 1.1)', async () => {
    const out = await send('@aws-sdk/client-ecs', 'ECSClient', 'DescribeClustersCommand', { clusters: ['web'] });
    expect(out.clusters.map((c: { clusterName: string }) => c.clusterName)).toEqual(['web']);
  });

  it('Auto Scaling (query, XML)', async () => {
    const out = await send('@aws-sdk/client-auto-scaling', 'AutoScalingClient', 'DescribeAutoScalingGroupsCommand', {
      AutoScalingGroupNames: ['web-hosts'],
    });
    expect(out.AutoScalingGroups.map((g: { AutoScalingGroupName: string }) => g.AutoScalingGroupName)).toEqual([
      'web-hosts',
    ]);
  });

  it('Application Auto Scaling (JSON 1.1)', async () => {
    const out = await send(
      '@aws-sdk/client-application-auto-scaling',
      'ApplicationAutoScalingClient',
      'DescribeScalableTargetsCommand',
      { ServiceNamespace: 'ecs', ResourceIds: ['service/web/api'] },
    );
    expect(out.ScalableTargets.map((t: { ResourceId: string }) => t.ResourceId)).toEqual(['service/web/api']);
  });

  it('CloudWatch', async () => {
    const out = await send('@aws-sdk/client-cloudwatch', 'CloudWatchClient', 'DescribeAlarmsCommand', {});
    expect(Array.isArray(out.MetricAlarms)).toBe(true);
  });

  it('Route 53 (REST, XML), its errors too', async () => {
    const out = await send('@aws-sdk/client-route-53', 'Route53Client', 'ListResourceRecordSetsCommand', {
      HostedZoneId: config.dns!.hostedZoneId,
    });
    expect(out.ResourceRecordSets.length).toBeGreaterThan(0);
    expect(
      await failureOf(
        send('@aws-sdk/client-route-53', 'Route53Client', 'GetHealthCheckStatusCommand', { HealthCheckId: 'missing' }),
      ),
    ).toBe('NoSuchHealthCheck');
  });

  it('Step Functions (JSON 1.0), its errors too', async () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:missing:missing';
    expect(
      await failureOf(send('@aws-sdk/client-sfn', 'SFNClient', 'DescribeExecutionCommand', { executionArn: arn })),
    ).toBe('ExecutionDoesNotExist');
  });

  it('EventBridge (JSON 1.1)', async () => {
    const out = await send('@aws-sdk/client-eventbridge', 'EventBridgeClient', 'PutEventsCommand', {
      Entries: [{ Source: 'ballast.test', DetailType: 'Layer Check', Detail: '{}' }],
    });
    expect(out.FailedEntryCount).toBe(0);
  });

  it('Elastic Load Balancing v2 (query, XML)', async () => {
    const out = await send(
      '@aws-sdk/client-elastic-load-balancing-v2',
      'ElasticLoadBalancingV2Client',
      'DescribeTargetGroupsCommand',
      {},
    );
    expect(out.TargetGroups.length).toBeGreaterThan(0);
  });

  it('DynamoDB through the document client (JSON 1.0): a put read back', async () => {
    const TableName = 'layer-check';
    const setup = new ProjectDynamoDBClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
    await setup.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    setup.destroy();
    const { DynamoDBClient } = await layerModule<Module>('@aws-sdk/client-dynamodb');
    const doc = await layerModule<Module>('@aws-sdk/lib-dynamodb');
    const client = doc.DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 }),
    );
    try {
      await client.send(new doc.PutCommand({ TableName, Item: { pk: 'a', hosts: new Set(['i-1', 'i-2']), n: 3 } }));
      const got = await client.send(new doc.GetCommand({ TableName, Key: { pk: 'a' } }));
      expect(got.Item).toEqual({ pk: 'a', hosts: new Set(['i-1', 'i-2']), n: 3 });
    } finally {
      client.destroy();
    }
  });
});
