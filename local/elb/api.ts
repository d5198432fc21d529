import * as elbModel from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsError } from '../core/aws-error.ts';
import type { OperationContext, ServiceDefinition } from '../core/service.ts';
import type { ElbRegion, SimTarget, SimTargetGroup } from './model.ts';

/**
 * Elastic Load Balancing v2's read API (awsQuery, 2015-12-01) over the region's simulated target groups:
 * what Ballast reads to know when a host's connections are gone (a group's real
 * `deregistration_delay.timeout_seconds`) and when a region is ready for traffic (healthy targets per
 * group). Targets show as AWS shows bridge-networked ECS tasks: the EC2 instance id and the host port.
 */
type Ctx = OperationContext<ElbRegion>;

/** The groups an input names by ARN or name (all of them when it names none); unknown ones fail as in AWS. */
function groupsNamed(input: { TargetGroupArns?: string[]; Names?: string[] }, ctx: Ctx): SimTargetGroup[] {
  const all = ctx.model.targetGroups();
  const arns = input.TargetGroupArns ?? [];
  const names = input.Names ?? [];
  if (arns.length === 0 && names.length === 0) return all;
  const found = all.filter((g) => arns.includes(g.arn) || names.includes(g.name));
  if (found.length < arns.length + names.length) {
    throw new AwsError('TargetGroupNotFound', 'One or more target groups not found', 400);
  }
  return found;
}

function groupByArn(arn: string | undefined, ctx: Ctx): SimTargetGroup {
  if (!arn)
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null",
      400,
    );
  const group = ctx.model.targetGroups().find((g) => g.arn === arn);
  if (!group) throw new AwsError('TargetGroupNotFound', `Target groups '${arn}' not found`, 400);
  return group;
}

function describeGroup(group: SimTargetGroup): Record<string, unknown> {
  return {
    TargetGroupArn: group.arn,
    TargetGroupName: group.name,
    Protocol: 'HTTP',
    Port: 80,
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: group.healthCheckIntervalSeconds,
    HealthCheckTimeoutSeconds: 5,
    HealthyThresholdCount: group.healthyThresholdCount,
    UnhealthyThresholdCount: group.unhealthyThresholdCount,
    HealthCheckPath: '/',
    Matcher: { HttpCode: '200' },
    TargetType: 'instance',
    ProtocolVersion: 'HTTP1',
    IpAddressType: 'ipv4',
  };
}

/** A target's health as the API reports it: a dead task's target stays `healthy` until the checks notice. */
function health(target: SimTarget): Record<string, unknown> {
  switch (target.state) {
    case 'initial':
      return {
        State: 'initial',
        Reason: 'Elb.RegistrationInProgress',
        Description: 'Target registration is in progress',
      };
    case 'draining':
      return {
        State: 'draining',
        Reason: 'Target.DeregistrationInProgress',
        Description: 'Target deregistration is in progress',
      };
    case 'unhealthy':
      return { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' };
    case 'healthy':
      return { State: 'healthy' };
  }
}

export const elbService: ServiceDefinition<ElbRegion> = {
  signingName: 'elasticloadbalancing',
  iamPrefix: 'elasticloadbalancing',
  protocol: 'awsQuery',
  schemas: elbModel,
  xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  operations: {
    // The Describe actions support no resource-level permissions.
    DescribeTargetGroups: (input: { TargetGroupArns?: string[]; Names?: string[] }, ctx) => ({
      TargetGroups: groupsNamed(input, ctx).map(describeGroup),
    }),
    DescribeTargetHealth: (
      input: { TargetGroupArn?: string; Targets?: Array<{ Id?: string; Port?: number }> },
      ctx,
    ) => {
      const group = groupByArn(input.TargetGroupArn, ctx);
      const wanted = input.Targets ?? [];
      const targets = [...group.targets.values()]
        .map((t) => ({ target: t, id: t.instanceId ?? t.id }))
        .filter(
          ({ target, id }) =>
            wanted.length === 0 || wanted.some((w) => w.Id === id && (w.Port === undefined || w.Port === target.port)),
        )
        .sort((a, b) => a.id.localeCompare(b.id) || a.target.port - b.target.port);
      return {
        TargetHealthDescriptions: targets.map(({ target, id }) => ({
          Target: { Id: id, Port: target.port },
          HealthCheckPort: String(target.port),
          TargetHealth: health(target),
        })),
      };
    },
    DescribeTargetGroupAttributes: (input: { TargetGroupArn?: string }, ctx) => {
      const group = groupByArn(input.TargetGroupArn, ctx);
      return {
        Attributes: [
          { Key: 'deregistration_delay.timeout_seconds', Value: String(group.deregistrationDelaySeconds) },
          { Key: 'stickiness.enabled', Value: 'false' },
          { Key: 'stickiness.type', Value: 'lb_cookie' },
          { Key: 'load_balancing.algorithm.type', Value: 'round_robin' },
          { Key: 'slow_start.duration_seconds', Value: '0' },
        ],
      };
    },
  },
};
