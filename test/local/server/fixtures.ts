import * as autoScalingModel from '@aws-sdk/client-auto-scaling';
import * as cloudWatchModel from '@aws-sdk/client-cloudwatch';
import { AwsError } from '#local/core/aws-error.ts';
import type { VirtualClock } from '#local/core/clock.ts';
import { type ApiFault, Kernel } from '#local/core/kernel.ts';
import { paginate } from '#local/core/paginate.ts';
import type { ServiceDefinition } from '#local/core/service.ts';
import { ROUTE53_TABLES } from '#local/route53/routes.ts';

/**
 * The world's kernel with no simulated services: all the endpoint uses (clock, rng, faults, accountId,
 * regions and which are down), so these tests do not depend on the simulated domains.
 */
export interface FakeWorld {
  readonly world: Kernel;
  readonly clock: VirtualClock;
  readonly faults: ApiFault[];
  /** Set `down` on a region to take it down, as `RegionWorld.down` does. */
  readonly regions: Map<string, { down: boolean }>;
}

export const START = Date.UTC(2026, 10, 25, 2, 0, 0);

export function fakeWorld(seed = 1, regionNames: readonly string[] = ['us-east-1', 'us-west-2']): FakeWorld {
  const world = new Kernel({ seed, start: START, regions: regionNames });
  const regions = new Map(
    regionNames.map((name) => [
      name,
      {
        get down() {
          return world.isRegionDown(name);
        },
        set down(value: boolean) {
          world.setRegionDown(name, value);
        },
      },
    ]),
  );
  return { world, clock: world.clock, faults: world.faults, regions };
}

export const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' };

export function clientConfig(url: string, region = 'us-east-1') {
  return { endpoint: url, region, credentials, maxAttempts: 1 };
}

const CLUSTERS = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
const clusterArn = (region: string, name: string) => `arn:aws:ecs:${region}:123456789012:cluster/${name}`;

/** ECS (awsJson 1.1): paginated ListClusters, DescribeClusters with ClusterNotFoundException, dated tasks. */
export const fakeEcs: ServiceDefinition = {
  signingName: 'ecs',
  iamPrefix: 'ecs',
  protocol: 'awsJson1_1',
  targetPrefix: 'AmazonEC2ContainerServiceV20141113',
  operations: {
    ListClusters: (input: { nextToken?: string; maxResults?: number }, ctx) => {
      const page = paginate(
        CLUSTERS.map((name) => clusterArn(ctx.region, name)),
        { token: input.nextToken, max: input.maxResults, defaultMax: 100, limit: 100, listing: 'clusters' },
      );
      return { clusterArns: page.items, nextToken: page.nextToken };
    },
    DescribeClusters: {
      handler: (input: { clusters?: string[] }, ctx) => {
        const clusters = (input.clusters ?? ['default']).map((name) => {
          if (!CLUSTERS.includes(name)) throw new AwsError('ClusterNotFoundException', `Cluster not found: ${name}`);
          return {
            clusterName: name,
            clusterArn: clusterArn(ctx.region, name),
            status: 'ACTIVE',
            runningTasksCount: 3,
          };
        });
        return { clusters, failures: [] };
      },
      resources: (input: { clusters?: string[] }, ctx) => (input.clusters ?? []).map((n) => clusterArn(ctx.region, n)),
    },
    DescribeTasks: (input: { cluster: string; tasks: string[] }) => ({
      tasks: input.tasks.map((taskArn, i) => ({
        taskArn,
        clusterArn: input.cluster,
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
        createdAt: new Date(START - (i + 1) * 60_000),
        overrides: { containerOverrides: [] },
      })),
      failures: [],
    }),
    ListTasks: () => ({ taskArns: [] }),
    Explode: () => {
      throw new Error('boom');
    },
  },
};

/** Step Functions (awsJson 1.0). */
export const fakeSfn: ServiceDefinition = {
  signingName: 'states',
  iamPrefix: 'states',
  protocol: 'awsJson1_0',
  targetPrefix: 'AWSStepFunctions',
  operations: {
    StartExecution: (input: { stateMachineArn: string; name?: string; input?: string }, ctx) => ({
      executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name ?? 'run'}`,
      startDate: new Date(ctx.now),
    }),
    DescribeExecution: (input: { executionArn: string }) => {
      throw new AwsError('ExecutionDoesNotExist', `Execution does not exist: '${input.executionArn}'`);
    },
  },
};

export interface AutoScalingCapture {
  lastInput?: Record<string, unknown>;
}

/** EC2 Auto Scaling (awsQuery): nested lists, dates, booleans, ValidationError, an action without output. */
export function fakeAutoScaling(capture: AutoScalingCapture = {}): ServiceDefinition {
  const group = (name: string) => ({
    AutoScalingGroupName: name,
    AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/${name}`,
    MinSize: 0,
    MaxSize: 10,
    DesiredCapacity: 2,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a', 'us-east-1b'],
    LoadBalancerNames: [],
    HealthCheckType: 'EC2',
    CreatedTime: new Date(START - 86_400_000),
    NewInstancesProtectedFromScaleIn: false,
    Instances: [
      {
        InstanceId: 'i-0abc',
        AvailabilityZone: 'us-east-1a',
        LifecycleState: 'InService',
        HealthStatus: 'Healthy',
        ProtectedFromScaleIn: true,
        LaunchTemplate: { LaunchTemplateId: 'lt-1', LaunchTemplateName: 'web', Version: '3' },
      },
      {
        InstanceId: 'i-0def',
        AvailabilityZone: 'us-east-1b',
        LifecycleState: 'Terminating:Wait',
        HealthStatus: 'Healthy',
        ProtectedFromScaleIn: false,
      },
    ],
    Tags: [
      { Key: 'build', Value: '007', PropagateAtLaunch: true, ResourceId: name, ResourceType: 'auto-scaling-group' },
    ],
    SuspendedProcesses: [{ ProcessName: 'AZRebalance', SuspensionReason: 'User suspended at 2026-11-25T00:00:00Z' }],
  });
  return {
    signingName: 'autoscaling',
    iamPrefix: 'autoscaling',
    protocol: 'awsQuery',
    schemas: autoScalingModel,
    xmlNamespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
    operations: {
      DescribeAutoScalingGroups: (input: { AutoScalingGroupNames?: string[]; MaxRecords?: number }) => {
        capture.lastInput = input;
        if (input.MaxRecords !== undefined && input.MaxRecords > 100) {
          throw new AwsError('ValidationError', 'MaxRecords must be at most 100');
        }
        return { AutoScalingGroups: (input.AutoScalingGroupNames ?? ['web']).map(group) };
      },
      SetDesiredCapacity: (input: Record<string, unknown>) => {
        capture.lastInput = input;
      },
      CreateOrUpdateTags: (input: Record<string, unknown>) => {
        capture.lastInput = input;
      },
      PutScheduledUpdateGroupAction: (input: Record<string, unknown>) => {
        capture.lastInput = input;
      },
    },
  };
}

export interface Route53Capture {
  lastChange?: Record<string, unknown>;
  lastUpdate?: Record<string, unknown>;
  lastList?: Record<string, unknown>;
}

const RECORDS = ['a.example.com.', 'b.example.com.', 'c.example.com.'].map((Name, i) => ({
  Name,
  Type: 'A',
  SetIdentifier: `blue-${i}`,
  Weight: 10 * i,
  TTL: 60,
  ResourceRecords: [{ Value: `10.0.0.${i + 1}` }, { Value: `10.0.1.${i + 1}` }],
}));

/** Route 53 (restXml). */
export function fakeRoute53(capture: Route53Capture = {}): ServiceDefinition {
  const zone = (id: string) => {
    if (id !== 'Z1') throw new AwsError('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
  };
  return {
    signingName: 'route53',
    iamPrefix: 'route53',
    protocol: 'restXml',
    restXml: ROUTE53_TABLES,
    xmlNamespace: 'https://route53.amazonaws.com/doc/2013-04-01/',
    global: true,
    operations: {
      ListHostedZones: () => ({
        HostedZones: [{ Id: '/hostedzone/Z1', Name: 'example.com.', CallerReference: 'r1', ResourceRecordSetCount: 3 }],
        IsTruncated: false,
        MaxItems: 100,
        Marker: '',
      }),
      ListResourceRecordSets: (input: { HostedZoneId: string; StartRecordName?: string; MaxItems?: number }) => {
        capture.lastList = input;
        zone(input.HostedZoneId);
        const start = input.StartRecordName ? RECORDS.findIndex((r) => r.Name === input.StartRecordName) : 0;
        const max = input.MaxItems ?? 100;
        const items = RECORDS.slice(start, start + max);
        const next = RECORDS[start + max];
        return {
          ResourceRecordSets: items,
          IsTruncated: next !== undefined,
          ...(next
            ? { NextRecordName: next.Name, NextRecordType: next.Type, NextRecordIdentifier: next.SetIdentifier }
            : {}),
          MaxItems: max,
        };
      },
      ChangeResourceRecordSets: {
        handler: (input: { HostedZoneId: string; ChangeBatch: { Comment?: string } }, ctx) => {
          zone(input.HostedZoneId);
          capture.lastChange = input;
          return {
            ChangeInfo: {
              Id: '/change/C1',
              Status: 'PENDING',
              SubmittedAt: new Date(ctx.now),
              Comment: input.ChangeBatch.Comment,
            },
          };
        },
        resources: (input: { HostedZoneId: string }) => [`arn:aws:route53:::hostedzone/${input.HostedZoneId}`],
      },
      GetChange: (input: { Id: string }, ctx) => ({
        ChangeInfo: { Id: `/change/${input.Id}`, Status: 'INSYNC', SubmittedAt: new Date(ctx.now - 60_000) },
      }),
      ListHealthChecks: () => ({
        HealthChecks: [
          {
            Id: 'hc-1',
            CallerReference: 'r',
            HealthCheckVersion: 2,
            HealthCheckConfig: {
              Type: 'HTTPS',
              FullyQualifiedDomainName: 'a.example.com',
              Port: 443,
              Regions: ['us-east-1', 'eu-west-1'],
              Inverted: false,
            },
          },
        ],
        IsTruncated: false,
        MaxItems: 100,
        Marker: '',
      }),
      GetHealthCheckStatus: (input: { HealthCheckId: string }, ctx) => ({
        HealthCheckObservations: [
          {
            Region: 'us-east-1',
            IPAddress: '15.177.0.1',
            StatusReport: {
              Status: `Success: HTTP Status Code 200 (${input.HealthCheckId})`,
              CheckedTime: new Date(ctx.now),
            },
          },
          {
            Region: 'eu-west-1',
            IPAddress: '15.177.0.2',
            StatusReport: { Status: 'Failure: timeout', CheckedTime: new Date(ctx.now) },
          },
        ],
      }),
      UpdateHealthCheck: (input: Record<string, unknown>) => {
        capture.lastUpdate = input;
        return {
          HealthCheck: {
            Id: input.HealthCheckId,
            CallerReference: 'r',
            HealthCheckVersion: 3,
            HealthCheckConfig: { Type: 'HTTPS', FailureThreshold: input.FailureThreshold, Inverted: input.Inverted },
          },
        };
      },
    },
  };
}

export interface CloudWatchCapture {
  lastPut?: Record<string, unknown>;
}

/** CloudWatch: one definition that clients reach by awsJson 1.0 (SDK v3, botocore) or awsQuery (older clients). */
export function fakeCloudWatch(capture: CloudWatchCapture = {}): ServiceDefinition {
  return {
    signingName: 'monitoring',
    iamPrefix: 'cloudwatch',
    protocol: 'awsJson1_0',
    targetPrefix: 'GraniteServiceVersion20100801',
    schemas: cloudWatchModel,
    xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    operations: {
      DescribeAlarms: (_input: unknown, ctx) => ({
        MetricAlarms: [
          {
            AlarmName: 'web-cpu-high',
            StateValue: 'INSUFFICIENT_DATA',
            StateUpdatedTimestamp: new Date(ctx.now - 300_000),
            Threshold: 70.5,
            ActionsEnabled: true,
            Dimensions: [{ Name: 'ServiceName', Value: 'web' }],
          },
        ],
      }),
      PutMetricData: (input: Record<string, unknown>) => {
        capture.lastPut = input;
      },
      SetAlarmState: (input: { AlarmName: string }) => {
        throw new AwsError('ResourceNotFound', `Alarm ${input.AlarmName} does not exist`, 404);
      },
    },
  };
}

export const allServices = (
  asg?: AutoScalingCapture,
  r53?: Route53Capture,
  cw?: CloudWatchCapture,
): ServiceDefinition[] => [fakeEcs, fakeSfn, fakeAutoScaling(asg), fakeRoute53(r53), fakeCloudWatch(cw)];

/** A SigV4-looking Authorization header (the endpoint reads the scope and never checks the signature). */
export const authHeader = (service: string, region = 'us-east-1', key = 'AKIDTEST') =>
  `AWS4-HMAC-SHA256 Credential=${key}/20261125/${region}/${service}/aws4_request, SignedHeaders=host, Signature=00`;
