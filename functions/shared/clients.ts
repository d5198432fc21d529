import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MissingConfiguration } from './errors.ts';

/**
 * The SDK clients a Ballast core may be given. This module holds types only: each client is made by its own
 * module under `clients/` (`clients/ecs.ts`, …), and a handler imports the modules of the clients its code
 * calls and nothing else, so its bundle loads only those SDK packages at cold start (an SDK client costs
 * tens of milliseconds to load). `test/infra/synth.test.ts` checks each bundle loads exactly the clients its
 * code imports commands of.
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

export type ClientName = keyof Clients;

/** The client factories a handler loads, by name (`{ ecs, dynamo }` from `#shared/clients/*.ts`). */
export type ClientMakers = { readonly [K in ClientName]?: (region: string) => Clients[K] };

/** Where each client's module is, for the message of a handler that calls a client it did not load. */
const MODULES: Record<ClientName, string> = {
  ecs: 'ecs',
  autoScaling: 'auto-scaling',
  applicationAutoScaling: 'application-auto-scaling',
  cloudWatch: 'cloudwatch',
  route53: 'route-53',
  eventBridge: 'eventbridge',
  sfn: 'sfn',
  elbv2: 'elbv2',
  dynamo: 'dynamo',
};

/**
 * The clients of one region from the makers a handler loaded. A client the handler did not load fails on
 * first use, naming the module to import: the cores take every client of their capability, a handler loads
 * only those its code calls.
 */
export function clientsOf(makers: ClientMakers, region: string): Clients {
  const made: Partial<Record<ClientName, unknown>> = {};
  for (const name of Object.keys(MODULES) as ClientName[]) {
    const make = makers[name];
    if (make) made[name] = make(region);
    else
      Object.defineProperty(made, name, {
        enumerable: false,
        get() {
          throw new MissingConfiguration(
            `the ${name} client is not loaded by this handler: import { ${name} } from '#shared/clients/${MODULES[name]}.ts' and pass it to its deps`,
          );
        },
      });
  }
  return made as unknown as Clients;
}

/** A key of the loaded makers, for memoising deps per handler. */
export function makersKey(makers: ClientMakers): string {
  return Object.keys(makers).sort().join(',');
}
