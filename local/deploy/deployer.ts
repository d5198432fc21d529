import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutoScalingClient, PutLifecycleHookCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateHealthCheckCommand, type HealthCheckConfig, Route53Client } from '@aws-sdk/client-route-53';
import { CONFIG_FILE_ENV } from '../../functions/shared/config-file.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Caller } from '../core/service.ts';
import type { EventBus } from '../eventbridge/bus.ts';
import type { ResourceRecordSet } from '../route53/records.ts';
import type { AslDefinition } from '../runtime/asl-virtual-time.ts';
import type { LambdaRuntime } from '../runtime/lambda-runtime.ts';
import type { SfnRuntime } from '../runtime/sfn-runtime.ts';

/** A function's ballast-config.json as the bundle would hold it, in a content-addressed temporary file. */
function localConfigFile(config: Record<string, string>): string {
  const content = JSON.stringify(config);
  const dir = path.join(os.tmpdir(), 'ballast-local-config');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${createHash('sha256').update(content).digest('hex').slice(0, 24)}.json`);
  writeFileSync(file, content);
  return file;
}

import {
  type CfnTemplate,
  deploymentContext,
  eventRules,
  lambdaFunctions,
  lifecycleHooks,
  type RoleInfo,
  resolveIntrinsics,
  resourcesOfType,
  roles,
  stateMachines,
  tables,
} from './template.ts';

/**
 * "CloudFormation" for the local cloud: takes a synthesized template of one region and creates what it
 * describes — DynamoDB tables in dynalite and lifecycle hooks on the simulated groups (through the real
 * APIs, as CloudFormation would), roles with an access key each (so every call is attributed to its role),
 * functions, state machines and EventBridge rules in the local runtimes.
 */
export interface DeployTarget {
  readonly world: Kernel;
  readonly endpointUrl: string;
  readonly lambdas: LambdaRuntime;
  readonly sfn: SfnRuntime;
  readonly bus: EventBus;
  /** Access key id → caller, filled in here, read by the endpoint. */
  readonly callers: Map<string, Caller>;
  /**
   * Where the template's Route 53 record sets go, already INSYNC (as after a stack's creation; two stacks
   * deployed in one instant would otherwise meet PriorRequestNotComplete). Without it, record sets are skipped.
   */
  readonly route53?: { putRecordSetsNow(zoneId: string, sets: ResourceRecordSet[]): void };
}

export interface DeployedStack {
  readonly stackName: string;
  readonly region: string;
  readonly roles: RoleInfo[];
  readonly stateMachineArns: Record<string, string>;
  readonly functionNames: string[];
  /** The qualified ARN (`…:function:name:N`) of each AWS::Lambda::Version, by logical id. */
  readonly functionVersions: Record<string, string>;
  readonly ruleNames: string[];
  readonly tableNames: string[];
  /** Tables with DeletionPolicy Retain (or RetainExceptOnCreate): a destroy leaves them, and their items. */
  readonly retainedTableNames: string[];
  readonly hooks: Array<{ group: string; name: string }>;
  /** Route 53 health check ids by logical id (what `Ref` / `HealthCheckId` resolve to). */
  readonly healthChecks: Record<string, string>;
  readonly alarmNames: string[];
}

/** A deterministic, AWS-shaped access key id for a role (AKIA + 16 upper-case characters). */
export function accessKeyFor(roleArn: string): string {
  return `AKIA${createHash('sha256').update(roleArn).digest('hex').slice(0, 16).toUpperCase()}`;
}

/** How a deploy treats resources that already exist (`cdk deploy --import-existing-resources`). */
export interface DeployOptions {
  /**
   * CloudFormation's ImportExistingResources: a named resource that exists and belongs to no stack is
   * imported instead of failing the create, if its DeletionPolicy is Retain or RetainExceptOnCreate.
   * @default false
   */
  readonly importExistingResources?: boolean;
}

/**
 * The tables CloudFormation knows of, per simulated account: `<region>/<table>` → the stack that owns it, or
 * null for a table that exists and belongs to no stack (retained by a destroy). The local cloud has one
 * DynamoDB for every region, so one physical table stands for the table of that name in each region.
 */
const knownTables = new WeakMap<object, Map<string, string | null>>();
function tablesIn(world: object): Map<string, string | null> {
  let known = knownTables.get(world);
  if (!known) {
    known = new Map();
    knownTables.set(world, known);
  }
  return known;
}
const RETAINING = ['Retain', 'RetainExceptOnCreate'];

export async function deployStack(
  target: DeployTarget,
  stack: { template: CfnTemplate; stackName: string; region: string },
  options: DeployOptions = {},
): Promise<DeployedStack> {
  const { world } = target;
  // Health check ids are Route 53's, known once created: Ref and Fn::GetAtt HealthCheckId resolve to them.
  const healthCheckIds: Record<string, string> = {};
  // Lambda version numbers are Lambda's, known once published: Ref and Fn::GetAtt Version resolve to them.
  const versionTypes = new Set(resourcesOfType(stack.template, 'AWS::Lambda::Version').map(([logicalId]) => logicalId));
  const publishedNow = new Map<string, PublishedVersion>();
  const ctx = deploymentContext(stack.template, {
    stackName: stack.stackName,
    region: stack.region,
    accountId: world.accountId,
    attributes: (logicalId, attribute) => {
      if (versionTypes.has(logicalId)) {
        const published = publishedNow.get(logicalId);
        if (!published)
          throw new Error(`${stack.stackName}: ${logicalId} (AWS::Lambda::Version) is read before it is published`);
        if (attribute === 'Ref' || attribute === 'FunctionArn') return `${published.functionArn}:${published.version}`;
        if (attribute === 'Version') return String(published.version);
        return undefined;
      }
      return attribute === 'Ref' || attribute === 'HealthCheckId' ? healthCheckIds[logicalId] : undefined;
    },
  });
  const deployer = { accessKeyId: 'AKIACLOUDFORMATION00', secretAccessKey: 'local-cloud-secret' };
  target.callers.set(deployer.accessKeyId, { accessKeyId: deployer.accessKeyId, name: 'cloudformation' });
  // Every role's access key is derived from its ARN (the callers are registered once the versions its
  // policies may name are published).
  const keyFor = accessKeyFor;

  const dynamo = new DynamoDBClient({ region: stack.region, endpoint: target.endpointUrl, credentials: deployer });
  const tableInfos = tables(stack.template, ctx);
  const known = tablesIn(world);
  const created: string[] = [];
  const rollback = async () => {
    for (const name of created) {
      known.delete(`${stack.region}/${name}`);
      if (!otherRegionHas(known, stack.region, name)) await dynamo.send(new DeleteTableCommand({ TableName: name }));
    }
  };
  for (const table of tableInfos) {
    const key = `${stack.region}/${table.name}`;
    const owner = known.get(key);
    if (owner === stack.stackName) continue; // an update: the stack's table stays as it is
    if (owner !== undefined) {
      // CloudFormation creates a named resource only if none of that name exists; with ImportExistingResources
      // it imports one that belongs to no stack, if the template retains it.
      const importable =
        options.importExistingResources === true && owner === null && RETAINING.includes(table.deletionPolicy ?? '');
      if (!importable) {
        await rollback();
        throw new Error(
          `${stack.stackName}: CREATE_FAILED ${table.logicalId} (AWS::DynamoDB::Table): Resource of type 'AWS::DynamoDB::Table' with identifier '${table.name}' already exists${owner ? ` (in stack ${owner})` : ''}. Stack rolled back.`,
        );
      }
      known.set(key, stack.stackName);
      continue;
    }
    const input: CreateTableCommandInput = {
      TableName: table.name,
      KeySchema: table.keySchema,
      AttributeDefinitions: table.attributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      ...(table.globalSecondaryIndexes.length > 0
        ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes as never }
        : {}),
    };
    try {
      await dynamo.send(new CreateTableCommand(input));
    } catch (error) {
      // The one physical table already stands for this name in another region.
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    }
    created.push(table.name);
    known.set(key, stack.stackName);
  }

  const functionInfos = lambdaFunctions(stack.template, ctx);
  for (const fn of functionInfos) {
    if (!fn.entry) continue; // not one of Ballast's (e.g. a CDK custom-resource provider): nothing to run
    target.lambdas.register({
      name: fn.name,
      arn: fn.arn,
      region: stack.region,
      entry: fn.entry,
      handlerExport: fn.handlerExport ?? 'handler',
      // The bundle's configuration file, written where the handler's BALLAST_CONFIG_FILE points.
      environment: fn.config ? { ...fn.environment, [CONFIG_FILE_ENV]: localConfigFile(fn.config) } : fn.environment,
      accessKeyId: keyFor(fn.roleArn),
      timeoutSeconds: fn.timeoutSeconds,
    });
  }
  publishVersions(target, stack, ctx, publishedNow);

  const roleList = roles(stack.template, ctx);
  for (const role of roleList) {
    const accessKeyId = accessKeyFor(role.arn);
    target.callers.set(accessKeyId, { accessKeyId, roleArn: role.arn, name: role.logicalId });
  }

  const machines = stateMachines(stack.template, ctx);
  for (const machine of machines) {
    target.sfn.register({
      name: machine.name,
      arn: machine.arn,
      region: stack.region,
      roleArn: machine.roleArn,
      accessKeyId: keyFor(machine.roleArn),
      definition: machine.definition as unknown as AslDefinition,
      createdAt: world.now(),
    });
  }

  const rules = eventRules(stack.template, ctx).filter(
    (rule) => rule.pattern !== undefined || rule.scheduleExpression !== undefined,
  );
  for (const rule of rules) {
    target.bus.addRule({
      name: rule.name,
      arn: rule.arn,
      region: stack.region,
      ...(rule.pattern !== undefined ? { pattern: rule.pattern } : {}),
      ...(rule.scheduleExpression !== undefined ? { scheduleExpression: rule.scheduleExpression } : {}),
      enabled: rule.state !== 'DISABLED',
      targets: rule.targets.map((t) => ({
        id: t.id,
        arn: t.arn,
        ...(t.input !== undefined ? { input: t.input } : {}),
        ...(t.inputPath !== undefined ? { inputPath: t.inputPath } : {}),
        ...(t.inputTransformer ? { inputTransformer: t.inputTransformer } : {}),
      })),
    });
  }

  const autoScaling = new AutoScalingClient({
    region: stack.region,
    endpoint: target.endpointUrl,
    credentials: deployer,
  });
  const hooks = lifecycleHooks(stack.template, ctx);
  for (const hook of hooks) {
    await autoScaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: hook.autoScalingGroupName,
        LifecycleHookName: hook.name,
        LifecycleTransition: hook.lifecycleTransition,
        HeartbeatTimeout: hook.heartbeatTimeoutSeconds,
        DefaultResult: hook.defaultResult,
        ...(hook.notificationMetadata ? { NotificationMetadata: hook.notificationMetadata } : {}),
      }),
    );
  }
  const routing = await deployRouting(target, stack, ctx, deployer, healthCheckIds);
  world.note(
    stack.region,
    'deploy',
    `${stack.stackName}: ${machines.length} state machine(s), ${functionInfos.length} function(s), ${publishedNow.size} function version(s), ${rules.length} rule(s), ${hooks.length} lifecycle hook(s)${routing.records > 0 ? `, ${routing.alarmNames.length} alarm(s), ${Object.keys(healthCheckIds).length} health check(s), ${routing.records} record set(s)` : ''}`,
  );

  return {
    stackName: stack.stackName,
    region: stack.region,
    roles: roleList,
    stateMachineArns: Object.fromEntries(machines.map((m) => [m.name, m.arn])),
    functionNames: functionInfos.map((f) => f.name),
    functionVersions: Object.fromEntries(
      [...publishedNow].map(([logicalId, v]) => [logicalId, `${v.functionArn}:${v.version}`]),
    ),
    ruleNames: rules.map((r) => r.name),
    tableNames: tableInfos.map((t) => t.name),
    retainedTableNames: tableInfos.filter((t) => RETAINING.includes(t.deletionPolicy ?? '')).map((t) => t.name),
    hooks: hooks.map((h) => ({ group: h.autoScalingGroupName, name: h.name })),
    healthChecks: { ...healthCheckIds },
    alarmNames: routing.alarmNames,
  };
}

/** A published function version, as a stack's AWS::Lambda::Version resource holds it. */
interface PublishedVersion {
  readonly functionArn: string;
  readonly version: number;
  /** DeletionPolicy Retain (or RetainExceptOnCreate): a later deploy without the resource leaves the version. */
  readonly retained: boolean;
}

/** The versions each stack's AWS::Lambda::Version resources published, per simulated account: `<region>/<stack>`. */
const stackVersions = new WeakMap<object, Map<string, Map<string, PublishedVersion>>>();
function versionsIn(world: object): Map<string, Map<string, PublishedVersion>> {
  let known = stackVersions.get(world);
  if (!known) {
    known = new Map();
    stackVersions.set(world, known);
  }
  return known;
}

/**
 * CloudFormation's handling of AWS::Lambda::Version: a resource the stack already has is left as it is (a
 * version never changes, whatever its function became since); a new logical id publishes the function's
 * code and configuration as they are now (CDK's `currentVersion` takes a new logical id when the function's
 * code or configuration changes, so a changed function gets a new version); and once the update is done,
 * a version whose resource left the template is deleted, unless its DeletionPolicy retains it. Running
 * executions that still call a deleted version then fail with ResourceNotFoundException, as in AWS.
 */
function publishVersions(
  target: DeployTarget,
  stack: { template: CfnTemplate; stackName: string; region: string },
  ctx: ReturnType<typeof deploymentContext>,
  published: Map<string, PublishedVersion>,
): void {
  const all = versionsIn(target.world);
  const key = `${stack.region}/${stack.stackName}`;
  const before = all.get(key) ?? new Map<string, PublishedVersion>();
  for (const [logicalId, resource] of resourcesOfType(stack.template, 'AWS::Lambda::Version', ctx)) {
    const functionRef = resolveIntrinsics<string>(resource.Properties?.FunctionName, ctx);
    const fn = target.lambdas.find(functionRef);
    if (!fn) {
      throw new Error(
        `${stack.stackName}: CREATE_FAILED ${logicalId} (AWS::Lambda::Version): Function not found: ${functionRef}`,
      );
    }
    const existing = before.get(logicalId);
    const retained = RETAINING.includes(resource.DeletionPolicy ?? '');
    published.set(
      logicalId,
      existing && existing.functionArn === fn.arn
        ? { ...existing, retained }
        : { functionArn: fn.arn, version: target.lambdas.publishVersion(fn.arn), retained },
    );
  }
  // UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: the versions the template no longer has.
  const kept = new Set([...published.values()].map((v) => `${v.functionArn}:${v.version}`));
  for (const [logicalId, old] of before) {
    if (published.has(logicalId) || old.retained || kept.has(`${old.functionArn}:${old.version}`)) continue;
    target.lambdas.deleteVersion(old.functionArn, old.version);
  }
  all.set(key, published);
}

/**
 * A stack that routes DNS (Route 53 health checks and record sets, e.g. Ballast's data-plane failover): its
 * metric alarms through PutMetricAlarm in its region (only in such stacks, so the alarms of every other stack,
 * which nothing in the local cloud reads, cost no evaluation), its health checks through CreateHealthCheck
 * (those that watch other checks after their children), then its record sets, INSYNC at once.
 */
async function deployRouting(
  target: DeployTarget,
  stack: { template: CfnTemplate; stackName: string; region: string },
  ctx: ReturnType<typeof deploymentContext>,
  credentials: { accessKeyId: string; secretAccessKey: string },
  healthCheckIds: Record<string, string>,
): Promise<{ alarmNames: string[]; records: number }> {
  const checks = resourcesOfType(stack.template, 'AWS::Route53::HealthCheck', ctx);
  const recordSets = resourcesOfType(stack.template, 'AWS::Route53::RecordSet', ctx);
  if (checks.length === 0 && recordSets.length === 0) return { alarmNames: [], records: 0 };
  const client = { endpoint: target.endpointUrl, credentials };
  const cloudWatch = new CloudWatchClient({ region: stack.region, ...client });
  const alarmNames: string[] = [];
  for (const [logicalId, resource] of resourcesOfType(stack.template, 'AWS::CloudWatch::Alarm', ctx)) {
    const p = resolveIntrinsics<Record<string, unknown>>(resource.Properties ?? {}, ctx);
    if (typeof p.MetricName !== 'string') continue; // metric math: the local CloudWatch does not evaluate it
    const name = typeof p.AlarmName === 'string' ? p.AlarmName : (ctx.physicalIds[logicalId] ?? logicalId);
    const { AlarmName: _name, ...rest } = p;
    await cloudWatch.send(
      new PutMetricAlarmCommand({ ...(rest as unknown as PutMetricAlarmCommandInput), AlarmName: name }),
    );
    alarmNames.push(name);
  }
  const route53 = new Route53Client({ region: 'us-east-1', ...client });
  let pending = checks;
  while (pending.length > 0) {
    const ready = pending.filter(([, r]) => {
      const children = (r.Properties?.HealthCheckConfig as { ChildHealthChecks?: unknown[] } | undefined)
        ?.ChildHealthChecks;
      return (children ?? []).every((child) => {
        const id = referencedLogicalIdOf(child);
        return id === undefined || healthCheckIds[id] !== undefined;
      });
    });
    if (ready.length === 0) throw new Error(`${stack.stackName}: health checks wait on each other`);
    for (const [logicalId, resource] of ready) {
      const config = resolveIntrinsics<HealthCheckConfig>(resource.Properties?.HealthCheckConfig ?? {}, ctx);
      const out = await route53.send(
        new CreateHealthCheckCommand({ CallerReference: `${stack.stackName}-${logicalId}`, HealthCheckConfig: config }),
      );
      healthCheckIds[logicalId] = out.HealthCheck?.Id ?? '';
    }
    pending = pending.filter((entry) => !ready.includes(entry));
  }
  const byZone = new Map<string, ResourceRecordSet[]>();
  for (const [, resource] of recordSets) {
    const p = resolveIntrinsics<Record<string, unknown>>(resource.Properties ?? {}, ctx);
    const zoneId = String(p.HostedZoneId);
    const set: ResourceRecordSet = {
      Name: String(p.Name),
      Type: String(p.Type),
      ...(p.SetIdentifier !== undefined ? { SetIdentifier: String(p.SetIdentifier) } : {}),
      ...(p.Weight !== undefined ? { Weight: Number(p.Weight) } : {}),
      ...(p.TTL !== undefined ? { TTL: Number(p.TTL) } : {}),
      ...(Array.isArray(p.ResourceRecords)
        ? { ResourceRecords: (p.ResourceRecords as unknown[]).map((v) => ({ Value: String(v) })) }
        : {}),
      ...(p.HealthCheckId !== undefined ? { HealthCheckId: String(p.HealthCheckId) } : {}),
    };
    byZone.set(zoneId, [...(byZone.get(zoneId) ?? []), set]);
  }
  if (target.route53) for (const [zoneId, sets] of byZone) target.route53.putRecordSetsNow(zoneId, sets);
  return { alarmNames, records: target.route53 ? recordSets.length : 0 };
}

function referencedLogicalIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  return Array.isArray(att) && typeof att[0] === 'string' ? att[0] : undefined;
}

/**
 * `cdk destroy` of a deployed stack, as far as the local cloud keeps resources apart: its tables are deleted
 * unless their DeletionPolicy retains them (a retained table keeps its items and belongs to no stack any
 * more), and its rules are disabled, so nothing starts its state machines or functions. Those stay
 * registered in the runtimes (executions already running go on, as a deleted state machine's do in AWS),
 * and the next deploy of the stack replaces them.
 */
export async function destroyStack(target: DeployTarget, deployed: DeployedStack): Promise<void> {
  const known = tablesIn(target.world);
  const deployer = { accessKeyId: 'AKIACLOUDFORMATION00', secretAccessKey: 'local-cloud-secret' };
  const dynamo = new DynamoDBClient({ region: deployed.region, endpoint: target.endpointUrl, credentials: deployer });
  for (const name of deployed.tableNames) {
    const key = `${deployed.region}/${name}`;
    if (known.get(key) !== deployed.stackName) continue;
    if (deployed.retainedTableNames.includes(name)) {
      known.set(key, null);
      continue;
    }
    known.delete(key);
    if (!otherRegionHas(known, deployed.region, name)) await dynamo.send(new DeleteTableCommand({ TableName: name }));
  }
  for (const rule of target.bus.listRules(deployed.region)) {
    if (deployed.ruleNames.includes(rule.name)) target.bus.addRule({ ...rule, enabled: false });
  }
  // The next deploy creates the stack's AWS::Lambda::Version resources anew.
  versionsIn(target.world).delete(`${deployed.region}/${deployed.stackName}`);
  target.world.note(deployed.region, 'deploy', `${deployed.stackName}: destroyed`);
}

/** Whether the table of that name still exists in another region (the physical table stands for it too). */
function otherRegionHas(known: Map<string, string | null>, region: string, name: string): boolean {
  return [...known.keys()].some((key) => key !== `${region}/${name}` && key.endsWith(`/${name}`));
}
