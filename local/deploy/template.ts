import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateCondition, resolveIntrinsics } from './template-intrinsics.ts';
import { generatedName, namePropertyOf } from './template-names.ts';
import {
  type CfnResource,
  type CfnTemplate,
  IntrinsicResolutionError,
  isRecord,
  type Partition,
  type ResolveContext,
} from './template-types.ts';

export { evaluateCondition, resolveIntrinsics } from './template-intrinsics.ts';
export { generatedName } from './template-names.ts';
export type { CfnParameter, CfnResource, CfnTemplate, Partition, ResolveContext } from './template-types.ts';
export { IntrinsicResolutionError } from './template-types.ts';

// ---------------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------------

/** Reads a synthesized template (e.g. `cdk.out/Stack.template.json`). */
export function loadTemplate(path: string): CfnTemplate {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isRecord(parsed) || !isRecord(parsed.Resources)) {
    throw new Error(`${path} is not a CloudFormation template: it has no Resources section`);
  }
  return parsed as unknown as CfnTemplate;
}

export interface AssemblyStack {
  readonly artifactId: string;
  readonly stackName: string;
  readonly templatePath: string;
  /** `aws://ACCOUNT/REGION` as the manifest states it (`unknown-account`/`unknown-region` when env-agnostic). */
  readonly environment: string;
}

/** Lists the CloudFormation stacks of a cloud assembly (`cdk.out`), from its `manifest.json`. */
export function assemblyStacks(cdkOutDir: string): AssemblyStack[] {
  const manifest: unknown = JSON.parse(readFileSync(join(cdkOutDir, 'manifest.json'), 'utf8'));
  const artifacts = isRecord(manifest) && isRecord(manifest.artifacts) ? manifest.artifacts : {};
  const stacks: AssemblyStack[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (!isRecord(artifact) || artifact.type !== 'aws:cloudformation:stack') continue;
    const properties = isRecord(artifact.properties) ? artifact.properties : {};
    const templateFile = typeof properties.templateFile === 'string' ? properties.templateFile : '';
    stacks.push({
      artifactId,
      stackName: typeof properties.stackName === 'string' ? properties.stackName : artifactId,
      templatePath: join(cdkOutDir, templateFile),
      environment:
        typeof artifact.environment === 'string' ? artifact.environment : 'aws://unknown-account/unknown-region',
    });
  }
  return stacks;
}

// ---------------------------------------------------------------------------------------------------------
// Physical ids and the resolve context
// ---------------------------------------------------------------------------------------------------------

export interface PhysicalIdOptions {
  readonly stackName: string;
  /** Used to resolve name properties that are themselves intrinsics (e.g. `${AWS::Region}`). */
  readonly region?: string;
  readonly accountId?: string;
  readonly partition?: Partition;
  readonly parameters?: Record<string, string>;
}

/**
 * Gives every resource a deterministic physical name: its explicit name property (`FunctionName`,
 * `StateMachineName`, `TableName`, `RoleName`, `Name`, `TopicName`, `LogGroupName`, …) when set, else
 * `${stackName}-${logicalId}` within the type's name limit (see `generatedName`).
 */
export function assignPhysicalIds(template: CfnTemplate, options: PhysicalIdOptions): Record<string, string> {
  const ids: Record<string, string> = {};
  const pseudoOnly: ResolveContext = {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    partition: options.partition ?? 'aws',
    stackName: options.stackName,
    physicalIds: {},
    parameters: options.parameters,
    template: { ...template, Resources: {} },
  };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const property = namePropertyOf(resource.Type);
    const explicit = property ? resource.Properties?.[property] : undefined;
    let name: string | undefined;
    if (typeof explicit === 'string') {
      name = explicit;
    } else if (explicit !== undefined) {
      // A name built from pseudo parameters or parameters resolves here; one that refers to other resources
      // falls back to a generated name (CloudFormation would resolve it, but only after those resources).
      try {
        const resolved = resolveIntrinsics(explicit, pseudoOnly);
        if (typeof resolved === 'string') name = resolved;
      } catch (error) {
        if (!(error instanceof IntrinsicResolutionError)) throw error;
      }
    }
    ids[logicalId] = name ?? generatedName(options.stackName, logicalId, resource.Type);
  }
  return ids;
}

export interface DeploymentOptions {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition?: Partition;
  readonly parameters?: Record<string, string>;
  readonly attributes?: ResolveContext['attributes'];
  /** Physical ids to use instead of the generated ones (e.g. names already taken in the local cloud). */
  readonly physicalIds?: Record<string, string>;
}

/** The one-call way to get a `ResolveContext` for a template: physical ids assigned, template attached. */
export function deploymentContext(template: CfnTemplate, options: DeploymentOptions): ResolveContext {
  return {
    region: options.region,
    accountId: options.accountId,
    partition: options.partition ?? 'aws',
    stackName: options.stackName,
    parameters: options.parameters,
    attributes: options.attributes,
    template,
    physicalIds: { ...assignPhysicalIds(template, options), ...options.physicalIds },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Extractors
// ---------------------------------------------------------------------------------------------------------

const withTemplate = (template: CfnTemplate, ctx: ResolveContext): ResolveContext =>
  ctx.template === template ? ctx : { ...ctx, template };

/** The resources of one type, skipping those whose `Condition` is false. */
export function resourcesOfType(
  template: CfnTemplate,
  type: string,
  ctx?: ResolveContext,
): Array<[logicalId: string, resource: CfnResource]> {
  return Object.entries(template.Resources).filter(
    ([, resource]) =>
      resource.Type === type &&
      (resource.Condition === undefined || !ctx || evaluateCondition(resource.Condition, withTemplate(template, ctx))),
  );
}

const props = (resource: CfnResource): Record<string, unknown> => resource.Properties ?? {};

/** The logical id a value points at, when it is `{Ref: X}` or `{Fn::GetAtt: [X, …]}`. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
};

const refOrGetAtt = (logicalId: string, ctx: ResolveContext, attribute: string): string =>
  resolveIntrinsics<string>({ 'Fn::GetAtt': [logicalId, attribute] }, ctx);

export interface StateMachineInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** The ASL, parsed, with every intrinsic and `DefinitionSubstitutions` placeholder resolved. */
  readonly definition: Record<string, unknown>;
  readonly roleLogicalId: string | undefined;
  readonly roleArn: string;
}

/** Every state machine with its runnable ASL (the very definition that would be deployed). */
export function stateMachines(template: CfnTemplate, context: ResolveContext): StateMachineInfo[] {
  const ctx = withTemplate(template, context);
  return resourcesOfType(template, 'AWS::StepFunctions::StateMachine', ctx).map(([logicalId, resource]) => {
    const p = props(resource);
    let definition: unknown;
    if (p.DefinitionString !== undefined) {
      let text = resolveIntrinsics<string>(p.DefinitionString, ctx);
      const substitutions = resolveIntrinsics<Record<string, unknown> | undefined>(p.DefinitionSubstitutions, ctx);
      for (const [key, value] of Object.entries(substitutions ?? {})) {
        text = text.split(`\${${key}}`).join(typeof value === 'string' ? value : JSON.stringify(value));
      }
      definition = JSON.parse(text);
    } else if (p.Definition !== undefined) {
      definition = resolveIntrinsics(p.Definition, ctx);
    } else {
      throw new Error(`State machine ${logicalId} has neither DefinitionString nor Definition (S3 is not supported)`);
    }
    if (!isRecord(definition)) throw new Error(`State machine ${logicalId}: the definition is not a JSON object`);
    return {
      logicalId,
      name: ctx.physicalIds[logicalId] ?? logicalId,
      arn: refOrGetAtt(logicalId, ctx, 'Arn'),
      type: p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      definition,
      roleLogicalId: referencedLogicalId(p.RoleArn),
      roleArn: resolveIntrinsics<string>(p.RoleArn, ctx),
    };
  });
}

export interface LambdaFunctionInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The handler's module path relative to the repo root, from the `ballast:entry` metadata. */
  readonly entry: string | undefined;
  /** The export name, from the `ballast:handler` metadata. */
  readonly handlerExport: string | undefined;
  /** The `Handler` property as deployed (e.g. `index.handler`). */
  readonly handler: string | undefined;
  readonly runtime: string | undefined;
  readonly architectures: string[];
  readonly environment: Record<string, string>;
  /** What the bundle's ballast-config.json holds (the `ballast:config` metadata the function factory writes). */
  readonly config: Record<string, string> | undefined;
  readonly roleLogicalId: string | undefined;
  readonly roleArn: string;
  /** @default 3 (AWS's default) */
  readonly timeoutSeconds: number;
  /** @default 128 (AWS's default) */
  readonly memoryMb: number;
  readonly reservedConcurrency: number | undefined;
  readonly logGroupName: string | undefined;
}

export function lambdaFunctions(template: CfnTemplate, context: ResolveContext): LambdaFunctionInfo[] {
  const ctx = withTemplate(template, context);
  return resourcesOfType(template, 'AWS::Lambda::Function', ctx).map(([logicalId, resource]) => {
    const p = props(resource);
    const environment = resolveIntrinsics<unknown>(isRecord(p.Environment) ? p.Environment.Variables : {}, ctx);
    const env: Record<string, string> = {};
    if (isRecord(environment)) {
      for (const [key, value] of Object.entries(environment)) env[key] = String(value);
    }
    const logging = resolveIntrinsics<unknown>(p.LoggingConfig, ctx);
    return {
      logicalId,
      name: ctx.physicalIds[logicalId] ?? logicalId,
      arn: refOrGetAtt(logicalId, ctx, 'Arn'),
      entry: asString(resource.Metadata?.['ballast:entry']),
      handlerExport: asString(resource.Metadata?.['ballast:handler']),
      handler: asString(p.Handler),
      runtime: asString(p.Runtime),
      architectures: Array.isArray(p.Architectures) ? p.Architectures.map(String) : ['x86_64'],
      environment: env,
      config: isRecord(resource.Metadata?.['ballast:config'])
        ? (resource.Metadata['ballast:config'] as Record<string, string>)
        : undefined,
      roleLogicalId: referencedLogicalId(p.Role),
      roleArn: resolveIntrinsics<string>(p.Role, ctx),
      timeoutSeconds: asNumber(p.Timeout) ?? 3,
      memoryMb: asNumber(p.MemorySize) ?? 128,
      reservedConcurrency: asNumber(p.ReservedConcurrentExecutions),
      logGroupName: isRecord(logging) ? asString(logging.LogGroup) : undefined,
    };
  });
}

export interface EventTargetInfo {
  readonly id: string;
  readonly arn: string;
  /** The logical id of the target resource when it is in this template. */
  readonly targetLogicalId: string | undefined;
  readonly roleArn?: string;
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: { readonly inputPathsMap: Record<string, string>; readonly inputTemplate: string };
  readonly retryPolicy?: { readonly maximumRetryAttempts?: number; readonly maximumEventAgeInSeconds?: number };
  readonly deadLetterArn?: string;
}

export interface EventRuleInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly pattern: Record<string, unknown> | undefined;
  readonly scheduleExpression: string | undefined;
  readonly state: string;
  readonly targets: EventTargetInfo[];
}

export function eventRules(template: CfnTemplate, context: ResolveContext): EventRuleInfo[] {
  const ctx = withTemplate(template, context);
  return resourcesOfType(template, 'AWS::Events::Rule', ctx).map(([logicalId, resource]) => {
    const p = props(resource);
    const bus = resolveIntrinsics<unknown>(p.EventBusName, ctx);
    const pattern = resolveIntrinsics<unknown>(p.EventPattern, ctx);
    const rawTargets = Array.isArray(p.Targets) ? p.Targets : [];
    const targets = rawTargets.map((raw): EventTargetInfo => {
      const target = isRecord(raw) ? raw : {};
      const t = resolveIntrinsics<Record<string, unknown>>(target, ctx);
      const transformer = isRecord(t.InputTransformer) ? t.InputTransformer : undefined;
      const retry = isRecord(t.RetryPolicy) ? t.RetryPolicy : undefined;
      const dlq = isRecord(t.DeadLetterConfig) ? asString(t.DeadLetterConfig.Arn) : undefined;
      return {
        id: String(t.Id),
        arn: String(t.Arn),
        targetLogicalId: referencedLogicalId(target.Arn),
        ...(t.RoleArn !== undefined && { roleArn: String(t.RoleArn) }),
        ...(t.Input !== undefined && { input: String(t.Input) }),
        ...(t.InputPath !== undefined && { inputPath: String(t.InputPath) }),
        ...(transformer && {
          inputTransformer: {
            inputPathsMap: (isRecord(transformer.InputPathsMap) ? transformer.InputPathsMap : {}) as Record<
              string,
              string
            >,
            inputTemplate: String(transformer.InputTemplate),
          },
        }),
        ...(retry && {
          retryPolicy: {
            maximumRetryAttempts: asNumber(retry.MaximumRetryAttempts),
            maximumEventAgeInSeconds: asNumber(retry.MaximumEventAgeInSeconds),
          },
        }),
        ...(dlq !== undefined && { deadLetterArn: dlq }),
      };
    });
    return {
      logicalId,
      name: ctx.physicalIds[logicalId] ?? logicalId,
      arn: refOrGetAtt(logicalId, ctx, 'Arn'),
      eventBusName: typeof bus === 'string' ? (bus.split('/').pop() ?? bus) : 'default',
      pattern: typeof pattern === 'string' ? JSON.parse(pattern) : isRecord(pattern) ? pattern : undefined,
      scheduleExpression: asString(resolveIntrinsics(p.ScheduleExpression, ctx)),
      state: asString(p.State) ?? 'ENABLED',
      targets,
    };
  });
}

export interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

export interface TableInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly keySchema: KeySchemaElement[];
  readonly attributeDefinitions: Array<{ readonly AttributeName: string; readonly AttributeType: 'S' | 'N' | 'B' }>;
  readonly globalSecondaryIndexes: Array<{
    readonly IndexName: string;
    readonly KeySchema: KeySchemaElement[];
    readonly Projection: Record<string, unknown>;
  }>;
  readonly billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  readonly ttlAttribute: string | undefined;
  readonly streamViewType: string | undefined;
  readonly pointInTimeRecovery: boolean;
  readonly deletionPolicy: string | undefined;
}

export function tables(template: CfnTemplate, context: ResolveContext): TableInfo[] {
  const ctx = withTemplate(template, context);
  return resourcesOfType(template, 'AWS::DynamoDB::Table', ctx).map(([logicalId, resource]) => {
    const p = resolveIntrinsics<Record<string, unknown>>(props(resource), ctx);
    const ttl = isRecord(p.TimeToLiveSpecification) ? p.TimeToLiveSpecification : undefined;
    const stream = isRecord(p.StreamSpecification) ? p.StreamSpecification : undefined;
    const pitr = isRecord(p.PointInTimeRecoverySpecification) ? p.PointInTimeRecoverySpecification : undefined;
    return {
      logicalId,
      name: ctx.physicalIds[logicalId] ?? logicalId,
      arn: refOrGetAtt(logicalId, ctx, 'Arn'),
      keySchema: (p.KeySchema ?? []) as TableInfo['keySchema'],
      attributeDefinitions: (p.AttributeDefinitions ?? []) as TableInfo['attributeDefinitions'],
      globalSecondaryIndexes: (p.GlobalSecondaryIndexes ?? []) as TableInfo['globalSecondaryIndexes'],
      billingMode: p.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
      ttlAttribute: ttl && ttl.Enabled !== false ? asString(ttl.AttributeName) : undefined,
      streamViewType: stream ? asString(stream.StreamViewType) : undefined,
      pointInTimeRecovery: pitr?.PointInTimeRecoveryEnabled === true,
      deletionPolicy: resource.DeletionPolicy,
    };
  });
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: Array<Record<string, unknown>>;
}

export interface AttachedPolicy {
  /** The logical id of the `AWS::IAM::Policy`/`ManagedPolicy` resource, or of the role for inline policies. */
  readonly sourceLogicalId: string;
  readonly name: string;
  readonly kind: 'inline' | 'policy' | 'managed';
  readonly document: PolicyDocument;
}

export interface RoleInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Service principals allowed to assume the role (`lambda.amazonaws.com`, `states.amazonaws.com`, …). */
  readonly assumedBy: string[];
  readonly assumeRolePolicy: PolicyDocument | undefined;
  /** Resolved identity policies: inline, `AWS::IAM::Policy` and in-template `AWS::IAM::ManagedPolicy`. */
  readonly policyDocuments: PolicyDocument[];
  /** The same documents with where each came from. */
  readonly policies: AttachedPolicy[];
  /** Managed policy ARNs not defined in this template (AWS managed or imported): their documents are unknown. */
  readonly externalManagedPolicyArns: string[];
  readonly permissionsBoundaryArn: string | undefined;
}

const toDocument = (value: unknown, where: string): PolicyDocument => {
  if (!isRecord(value)) throw new Error(`${where}: the policy document is not an object`);
  const statement = value.Statement;
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  return {
    ...(typeof value.Version === 'string' && { Version: value.Version }),
    Statement: statements.filter(isRecord),
  };
};

const servicePrincipals = (document: PolicyDocument | undefined): string[] => {
  const principals = new Set<string>();
  for (const statement of document?.Statement ?? []) {
    if (statement.Effect !== 'Allow' || !isRecord(statement.Principal)) continue;
    const service = statement.Principal.Service;
    for (const s of Array.isArray(service) ? service : [service]) if (typeof s === 'string') principals.add(s);
  }
  return [...principals].sort();
};

/**
 * Every role with its resolved identity policies: inline `Policies`, every `AWS::IAM::Policy` and
 * `AWS::IAM::ManagedPolicy` whose `Roles` names it (by `Ref` or by name), and in-template managed policies
 * listed in its `ManagedPolicyArns`.
 */
export function roles(template: CfnTemplate, context: ResolveContext): RoleInfo[] {
  const ctx = withTemplate(template, context);
  const attachments = new Map<string, AttachedPolicy[]>();
  const roleList = resourcesOfType(template, 'AWS::IAM::Role', ctx);
  const byName = new Map(roleList.map(([logicalId]) => [ctx.physicalIds[logicalId], logicalId]));
  const attach = (roleRef: unknown, policy: AttachedPolicy) => {
    let logicalId = isRecord(roleRef) && typeof roleRef.Ref === 'string' ? roleRef.Ref : undefined;
    if (!logicalId) {
      const resolved = resolveIntrinsics<unknown>(roleRef, ctx);
      logicalId = typeof resolved === 'string' ? byName.get(resolved) : undefined;
    }
    if (!logicalId) return;
    attachments.set(logicalId, [...(attachments.get(logicalId) ?? []), policy]);
  };
  const managedByArn = new Map<string, AttachedPolicy>();
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'] as const) {
    for (const [logicalId, resource] of resourcesOfType(template, type, ctx)) {
      const p = props(resource);
      const policy: AttachedPolicy = {
        sourceLogicalId: logicalId,
        name: ctx.physicalIds[logicalId] ?? logicalId,
        kind: type === 'AWS::IAM::Policy' ? 'policy' : 'managed',
        document: toDocument(resolveIntrinsics(p.PolicyDocument, ctx), `Resources.${logicalId}`),
      };
      if (type === 'AWS::IAM::ManagedPolicy')
        managedByArn.set(resolveIntrinsics<string>({ Ref: logicalId }, ctx), policy);
      for (const roleRef of Array.isArray(p.Roles) ? p.Roles : []) attach(roleRef, policy);
    }
  }
  return roleList.map(([logicalId, resource]) => {
    const p = props(resource);
    const inline: AttachedPolicy[] = (Array.isArray(p.Policies) ? p.Policies : []).filter(isRecord).map((policy) => ({
      sourceLogicalId: logicalId,
      name: String(resolveIntrinsics(policy.PolicyName, ctx)),
      kind: 'inline',
      document: toDocument(resolveIntrinsics(policy.PolicyDocument, ctx), `Resources.${logicalId}.Policies`),
    }));
    const managedArns = resolveIntrinsics<unknown[]>(p.ManagedPolicyArns ?? [], ctx).map(String);
    const external: string[] = [];
    const managed: AttachedPolicy[] = [];
    for (const managedArn of managedArns) {
      const found = managedByArn.get(managedArn);
      if (found) managed.push(found);
      else external.push(managedArn);
    }
    const attached = [...inline, ...(attachments.get(logicalId) ?? [])];
    for (const policy of managed) if (!attached.includes(policy)) attached.push(policy);
    const assumeRolePolicy =
      p.AssumeRolePolicyDocument === undefined
        ? undefined
        : toDocument(resolveIntrinsics(p.AssumeRolePolicyDocument, ctx), `Resources.${logicalId}`);
    return {
      logicalId,
      name: ctx.physicalIds[logicalId] ?? logicalId,
      arn: refOrGetAtt(logicalId, ctx, 'Arn'),
      assumedBy: servicePrincipals(assumeRolePolicy),
      assumeRolePolicy,
      policyDocuments: attached.map((policy) => policy.document),
      policies: attached,
      externalManagedPolicyArns: external,
      permissionsBoundaryArn: asString(resolveIntrinsics(p.PermissionsBoundary, ctx)),
    };
  });
}

export interface LifecycleHookInfo {
  readonly logicalId: string | undefined;
  readonly name: string;
  readonly autoScalingGroupName: string;
  readonly lifecycleTransition: string;
  readonly heartbeatTimeoutSeconds: number;
  readonly defaultResult: 'CONTINUE' | 'ABANDON';
  readonly notificationTargetArn: string | undefined;
  readonly roleArn: string | undefined;
  readonly notificationMetadata: string | undefined;
}

/** Lifecycle hooks, both `AWS::AutoScaling::LifecycleHook` resources and a group's `LifecycleHookSpecificationList`. */
export function lifecycleHooks(template: CfnTemplate, context: ResolveContext): LifecycleHookInfo[] {
  const ctx = withTemplate(template, context);
  const toHook = (logicalId: string | undefined, name: string, group: string, p: Record<string, unknown>) => ({
    logicalId,
    name,
    autoScalingGroupName: group,
    lifecycleTransition: String(p.LifecycleTransition),
    heartbeatTimeoutSeconds: asNumber(p.HeartbeatTimeout) ?? 3600,
    defaultResult: p.DefaultResult === 'CONTINUE' ? ('CONTINUE' as const) : ('ABANDON' as const),
    notificationTargetArn: asString(p.NotificationTargetARN),
    roleArn: asString(p.RoleARN),
    notificationMetadata: asString(p.NotificationMetadata),
  });
  const hooks: LifecycleHookInfo[] = resourcesOfType(template, 'AWS::AutoScaling::LifecycleHook', ctx).map(
    ([logicalId, resource]) => {
      const p = resolveIntrinsics<Record<string, unknown>>(props(resource), ctx);
      return toHook(logicalId, ctx.physicalIds[logicalId] ?? logicalId, String(p.AutoScalingGroupName), p);
    },
  );
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::AutoScaling::AutoScalingGroup', ctx)) {
    const list = props(resource).LifecycleHookSpecificationList;
    if (!Array.isArray(list)) continue;
    for (const spec of resolveIntrinsics<unknown[]>(list, ctx).filter(isRecord)) {
      hooks.push(toHook(undefined, String(spec.LifecycleHookName), ctx.physicalIds[logicalId] ?? logicalId, spec));
    }
  }
  return hooks;
}

export interface AlarmInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly namespace: string | undefined;
  readonly metricName: string | undefined;
  readonly dimensions: Record<string, string>;
  readonly statistic: string | undefined;
  readonly periodSeconds: number | undefined;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number | undefined;
  readonly threshold: number | undefined;
  readonly comparisonOperator: string;
  readonly treatMissingData: string;
  readonly alarmActions: string[];
  readonly okActions: string[];
  /** Metric-math alarms keep their `Metrics` list here, resolved. */
  readonly metrics: unknown[] | undefined;
}

export function alarms(template: CfnTemplate, context: ResolveContext): AlarmInfo[] {
  const ctx = withTemplate(template, context);
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm', ctx).map(([logicalId, resource]) => {
    const p = resolveIntrinsics<Record<string, unknown>>(props(resource), ctx);
    const dimensions: Record<string, string> = {};
    for (const d of Array.isArray(p.Dimensions) ? p.Dimensions.filter(isRecord) : []) {
      dimensions[String(d.Name)] = String(d.Value);
    }
    return {
      logicalId,
      name: ctx.physicalIds[logicalId] ?? logicalId,
      arn: refOrGetAtt(logicalId, ctx, 'Arn'),
      namespace: asString(p.Namespace),
      metricName: asString(p.MetricName),
      dimensions,
      statistic: asString(p.Statistic) ?? asString(p.ExtendedStatistic),
      periodSeconds: asNumber(p.Period),
      evaluationPeriods: asNumber(p.EvaluationPeriods) ?? 1,
      datapointsToAlarm: asNumber(p.DatapointsToAlarm),
      threshold: asNumber(p.Threshold),
      comparisonOperator: String(p.ComparisonOperator),
      treatMissingData: asString(p.TreatMissingData) ?? 'missing',
      alarmActions: Array.isArray(p.AlarmActions) ? p.AlarmActions.map(String) : [],
      okActions: Array.isArray(p.OKActions) ? p.OKActions.map(String) : [],
      metrics: Array.isArray(p.Metrics) ? p.Metrics : undefined,
    };
  });
}

/** Finds the function whose ARN (possibly qualified, e.g. `:$LATEST`) a state machine refers to. */
export function functionByArn(functions: LambdaFunctionInfo[], arn: string): LambdaFunctionInfo | undefined {
  const unqualified = arn.split(':').slice(0, 7).join(':');
  return functions.find((fn) => fn.arn === unqualified || fn.name === arn);
}
