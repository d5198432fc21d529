/**
 * An IAM-enforcing `Authorizer` for the local cloud's endpoint, with @cloud-copilot/iam-simulate: every call
 * signed with a deployed role's access key is evaluated against that role's resolved identity policies, for
 * its action on each resource the endpoint names. Callers without a role (the operator, 'cloudformation')
 * are allowed, as an administrator would be.
 *
 * DEV ONLY: iam-simulate is AGPL-licensed and a devDependency. Tests import this module; product code
 * (infra/, functions/, local/, cli/) must not.
 *
 * The endpoint's `Authorizer` is synchronous, and iam-simulate's `runSimulation` is async (it validates the
 * action and resource types against its IAM data first). `runUnsafeSimulation` is its synchronous entry
 * point: the same policy evaluation engine in Strict mode, without that validation. So this authorizer
 * cannot tell a misspelt action from a denied one: such a call reads as denied (the safe side here). Its
 * decisions are cached per role, action and resource, so each policy set is parsed once per distinct request.
 *
 * Not modelled: AWS managed policies (`externalManagedPolicyArns`, whose documents are not in the template —
 * a role that has any is evaluated without them, so it may be denied more than in AWS), permission boundaries,
 * SCPs, resource policies, and request context keys other than those an operation declares from its request
 * (`Operation.conditionKeys`, e.g. `cloudwatch:namespace`), `ecs:cluster` (derived from an ECS ARN) and
 * Application Auto Scaling's `service-namespace` / `scalable-dimension` (the request's; the local cloud models
 * ECS service DesiredCount targets only, so a scalable-target ARN there is always one of those).
 */
import { runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { DeployedStack } from '#local/deploy/deployer.ts';
import type { RoleInfo } from '#local/deploy/template.ts';
import type { Authorizer } from '#local/server/endpoint.ts';

/** Where the roles come from: the deployed stacks or roles, or a holder filled in after the cloud started. */
export type RoleSource =
  | readonly DeployedStack[]
  | readonly RoleInfo[]
  | { readonly stacks: readonly DeployedStack[] | readonly RoleInfo[] };

export interface IamAuthorizer extends Authorizer {
  /** Every decision taken, in order (denials with their reason), for assertions and debugging. */
  readonly decisions: IamAuthorizerDecision[];
}

export interface IamAuthorizerDecision {
  readonly roleArn: string;
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
  /** iam-simulate's result: Allowed, ImplicitlyDenied or ExplicitlyDenied; UnknownRole; Invalid. */
  readonly result: string;
}

const ECS_ARN = /^arn:([^:]+):ecs:([^:]+):(\d+):(cluster|container-instance|task|service|task-set)\/([^/]+)/;

/** ECS scopes actions by cluster with the `ecs:cluster` condition key; AWS derives it from the resource. */
function contextFor(resource: string): Record<string, string> {
  if (/^arn:[^:]+:application-autoscaling:[^:]*:\d+:scalable-target\//.test(resource)) {
    return {
      'application-autoscaling:service-namespace': 'ecs',
      'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
    };
  }
  const m = ECS_ARN.exec(resource);
  if (!m) return {};
  const [, partition, region, account, , cluster] = m;
  return { 'ecs:cluster': `arn:${partition}:ecs:${region}:${account}:cluster/${cluster}` };
}

function rolesOf(source: RoleSource): readonly RoleInfo[] {
  const list = 'stacks' in source && !Array.isArray(source) ? source.stacks : (source as readonly unknown[]);
  return (list as readonly (DeployedStack | RoleInfo)[]).flatMap((item) => ('roles' in item ? item.roles : [item]));
}

function evaluate(role: RoleInfo, action: string, resource: string, request: Record<string, string>): string {
  const accountId = /^arn:[^:]+:iam::(\d+):/.exec(role.arn)?.[1] ?? '';
  const simulation: Simulation = {
    request: {
      principal: role.arn,
      action,
      resource: { resource, accountId },
      contextVariables: { ...contextFor(resource), ...request },
    },
    identityPolicies: role.policyDocuments.map((policy, i) => ({ name: `${role.logicalId}-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  try {
    return runUnsafeSimulation(simulation, {});
  } catch {
    // A policy the engine cannot load: never an allow.
    return 'Invalid';
  }
}

export function iamAuthorizer(source: RoleSource): IamAuthorizer {
  const cache = new WeakMap<RoleInfo, Map<string, string>>();
  const decisions: IamAuthorizerDecision[] = [];

  const decide = (role: RoleInfo, action: string, resource: string, request: Record<string, string>): string => {
    let byRequest = cache.get(role);
    if (!byRequest) {
      byRequest = new Map();
      cache.set(role, byRequest);
    }
    const key = `${action}\n${resource}\n${JSON.stringify(request)}`;
    let result = byRequest.get(key);
    if (result === undefined) {
      result = evaluate(role, action, resource, request);
      byRequest.set(key, result);
    }
    return result;
  };

  const authorize: Authorizer = ({ caller, action, resources, conditionKeys }) => {
    const roleArn = caller.roleArn;
    if (!roleArn) return { allowed: true };
    const role = rolesOf(source).find((r) => r.arn === roleArn);
    const targets = resources.length > 0 ? resources : ['*'];
    if (!role) {
      decisions.push({ roleArn, action, resource: targets[0]!, allowed: false, result: 'UnknownRole' });
      return { allowed: false, reason: `the role ${roleArn} is not known to the IAM authorizer` };
    }
    for (const resource of targets) {
      const result = decide(role, action, resource, conditionKeys ?? {});
      const allowed = result === 'Allowed';
      decisions.push({ roleArn, action, resource, allowed, result });
      if (!allowed) {
        return {
          allowed: false,
          reason:
            result === 'ExplicitlyDenied'
              ? `an explicit deny in an identity-based policy denies the ${action} action`
              : `no identity-based policy allows the ${action} action`,
        };
      }
    }
    return { allowed: true };
  };
  return Object.assign(authorize, { decisions });
}
