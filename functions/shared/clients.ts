import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The one place SDK clients are made. They are created once per region (and credential) and reused across
 * invocations, like module-scope clients, and they honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>
 * because the SDK reads those itself: pointing Ballast at the local cloud needs no code.
 */
export interface Clients {
  readonly ecs: ECSClient;
  readonly autoScaling: AutoScalingClient;
  readonly applicationAutoScaling: ApplicationAutoScalingClient;
  readonly cloudWatch: CloudWatchClient;
  readonly route53: Route53Client;
  readonly eventBridge: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly dynamo: DynamoDBDocumentClient;
}

const cache = new Map<string, Clients>();

export function clients(region: string = process.env.AWS_REGION ?? 'us-east-1'): Clients {
  // The access key and endpoint are part of the key because the local cloud runs several functions (roles),
  // and test suites several clouds, in one process. In Lambda both are fixed, so this is one set per region.
  const key = `${region}|${process.env.AWS_ACCESS_KEY_ID ?? ''}|${process.env.AWS_ENDPOINT_URL ?? ''}`;
  let made = cache.get(key);
  if (!made) {
    const config = { region, maxAttempts: 3 };
    made = {
      ecs: new ECSClient(config),
      autoScaling: new AutoScalingClient(config),
      applicationAutoScaling: new ApplicationAutoScalingClient(config),
      cloudWatch: new CloudWatchClient(config),
      // Route 53's control plane lives in us-east-1 whatever the caller's region.
      route53: new Route53Client({ ...config, region: 'us-east-1' }),
      eventBridge: new EventBridgeClient(config),
      sfn: new SFNClient(config),
      elbv2: new ElasticLoadBalancingV2Client(config),
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config), {
        marshallOptions: { removeUndefinedValues: true },
      }),
    };
    cache.set(key, made);
  }
  return made;
}
