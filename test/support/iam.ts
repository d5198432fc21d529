/**
 * IAM decisions on a synthesized template's roles, with @cloud-copilot/iam-simulate.
 *
 * DEV ONLY: iam-simulate is AGPL-licensed and a devDependency. Tests import this module; product code
 * (infra/, functions/, local/, cli/) must not.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { type CfnTemplate, deploymentContext, type RoleInfo, roles } from '#local/deploy/template.ts';
import { TEST_ENV } from './stack.ts';

export interface IamCheckOptions {
  /** Request context keys (`ecs:cluster`, `aws:ResourceTag/…`, …). ECS's `ecs:cluster` is derived from the
   * resource ARN when not given, as AWS does. */
  readonly context?: Record<string, string | string[]>;
  /** @default 'Test' */
  readonly stackName?: string;
}

export interface IamDecision {
  readonly allowed: boolean;
  readonly details: {
    /** `Allowed`, `ImplicitlyDenied` or `ExplicitlyDenied`. */
    readonly result: string;
    readonly roleArn: string;
    readonly action: string;
    /** The resource that was simulated (may differ from the one asked for, see `isAllowed`). */
    readonly resource: string;
    readonly context: Record<string, string | string[]>;
    readonly errors?: unknown;
  };
}

/** The role of `template` with logical id `roleLogicalId`, policies resolved for `TEST_ENV`. */
export function roleOf(template: CfnTemplate, roleLogicalId: string, stackName = 'Test'): RoleInfo {
  const ctx = deploymentContext(template, { stackName, ...TEST_ENV });
  const all = roles(template, ctx);
  const role = all.find((r) => r.logicalId === roleLogicalId);
  if (!role) {
    throw new Error(`No role ${roleLogicalId} in the template; roles: ${all.map((r) => r.logicalId).join(', ')}`);
  }
  return role;
}

const ECS_ARN = /^arn:([^:]+):ecs:([^:]+):(\d+):(cluster|container-instance|task|service|task-set)\/([^/]+)/;

/** ECS scopes most actions by cluster with the `ecs:cluster` condition key; AWS derives it from the resource. */
function derivedContext(resource: string): Record<string, string> {
  const m = resource.match(ECS_ARN);
  if (!m) return {};
  const [, partition, region, account, , cluster] = m;
  return { 'ecs:cluster': `arn:${partition}:ecs:${region}:${account}:cluster/${cluster}` };
}

/** Representative resources inside a cluster, for actions that authorize against something in it. */
function clusterMembers(clusterArn: string): string[] {
  const m = clusterArn.match(/^arn:([^:]+):ecs:([^:]+):(\d+):cluster\/(.+)$/);
  if (!m) return [];
  const [, partition, region, account, cluster] = m;
  const base = `arn:${partition}:ecs:${region}:${account}`;
  return [
    `${base}:container-instance/${cluster}/0123456789abcdef0123456789abcdef`,
    `${base}:task/${cluster}/0123456789abcdef0123456789abcdef`,
    `${base}:service/${cluster}/probe-service`,
  ];
}

async function simulate(
  role: RoleInfo,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
): Promise<IamDecision> {
  const simulation: Simulation = {
    request: {
      principal: role.arn,
      action,
      resource: { resource, accountId: TEST_ENV.accountId },
      contextVariables: context,
    },
    identityPolicies: role.policies.map((p, i) => ({ name: `${p.name}-${i}`, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  const response = await runSimulation(simulation, {});
  const base = { roleArn: role.arn, action, resource, context };
  if (response.resultType === 'error') {
    return { allowed: false, details: { ...base, result: 'Invalid', errors: response.errors } };
  }
  return { allowed: response.overallResult === 'Allowed', details: { ...base, result: response.overallResult } };
}

/**
 * Would the role with logical id `roleLogicalId` be allowed `action` on `resource`? Evaluates the role's
 * identity policies (inline, `AWS::IAM::Policy`, in-template managed policies) as resolved from the template.
 *
 * For ECS, `ecs:cluster` is set from the resource ARN, and a cluster ARN may be given for actions that
 * authorize against something inside the cluster (ListTasks → a container instance, StopTask → a task, …):
 * a representative resource of the right type in that cluster is simulated instead.
 *
 * AWS managed policies (`externalManagedPolicyArns`) are not evaluated: their documents are not in the
 * template.
 *
 * @throws IamRequestInvalid when the simulator cannot evaluate the request (unknown action, a resource of the
 * wrong type): such a request must not read as "denied".
 */
export async function isAllowed(
  template: CfnTemplate,
  roleLogicalId: string,
  action: string,
  resource: string,
  options: IamCheckOptions = {},
): Promise<IamDecision> {
  const role = roleOf(template, roleLogicalId, options.stackName);
  const first = await simulate(role, action, resource, { ...derivedContext(resource), ...options.context });
  if (first.details.result !== 'Invalid') return first;
  for (const member of clusterMembers(resource)) {
    const decision = await simulate(role, action, member, { ...derivedContext(member), ...options.context });
    if (decision.details.result !== 'Invalid') return decision;
  }
  // Never "not allowed" for a request the simulator could not even evaluate: a misspelt action would make
  // every "is denied" assertion pass.
  throw new IamRequestInvalid(action, resource, first.details.errors);
}

/** The simulator rejected the request itself: unknown action, or a resource of a type the action does not take. */
export class IamRequestInvalid extends Error {
  override readonly name = 'IamRequestInvalid';
  constructor(
    readonly action: string,
    readonly resource: string,
    readonly errors: unknown,
  ) {
    super(`iam-simulate cannot evaluate ${action} on ${resource}: ${JSON.stringify(errors)}`);
  }
}
