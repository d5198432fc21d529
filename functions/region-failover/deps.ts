import { type ClientMakers, type Clients, clientsOf, makersKey } from '#shared/clients.ts';
import { CONFIG_FILE_ENV, configValue } from '#shared/config-file.ts';
import { commonEnv, readEnv } from '#shared/env.ts';
import { logger, systemClock } from '#shared/powertools.ts';
import { FAILOVER_CONFIG_ENV, parseFailoverConfig } from './config.ts';
import type { FailoverDeps } from './core/deps.ts';
import { FailoverStore } from './core/store.ts';
import type { TriggerDeps } from './core/trigger.ts';

/**
 * The handlers' dependencies, built once per environment (BALLAST_LEDGER_TABLE, BALLAST_FAILOVER_CONFIG,
 * AWS_REGION) and the clients the handler loaded: a missing or malformed variable fails the first invocation
 * naming it. Memoised per environment and handler so the local cloud can run the module for several regions
 * in one process.
 */
const made = new Map<string, FailoverDeps>();

export function failoverDeps(makers: ClientMakers): FailoverDeps {
  const key = [
    'AWS_REGION',
    'BALLAST_LEDGER_TABLE',
    FAILOVER_CONFIG_ENV,
    CONFIG_FILE_ENV,
    'AWS_ACCESS_KEY_ID',
    'AWS_ENDPOINT_URL',
  ]
    .map((name) => process.env[name] ?? '')
    .concat(makersKey(makers))
    .join('\u0000');
  const cached = made.get(key);
  if (cached) return cached;
  const env = readEnv(commonEnv);
  const config = parseFailoverConfig(configValue(FAILOVER_CONFIG_ENV));
  const clients = regionClients(makers);
  const storeIn = (region: string) =>
    new FailoverStore({
      dynamo: clients(region).dynamo,
      tableName: env.BALLAST_LEDGER_TABLE,
      region,
      initialActiveRegion: config.primaryRegion,
      retentionDays: config.retentionDays,
    });
  const store = storeIn(env.AWS_REGION);
  const deps: FailoverDeps = {
    clientsFor: clients,
    store,
    fence:
      config.policy.fenceRegion && config.policy.fenceRegion !== env.AWS_REGION
        ? storeIn(config.policy.fenceRegion)
        : store,
    clock: systemClock,
    logger,
    config,
  };
  made.set(key, deps);
  return deps;
}

/** The trigger's dependencies: the failover's, plus this region's state machine (BALLAST_FAILOVER_STATE_MACHINE_ARN). */
export function triggerDeps(makers: ClientMakers): TriggerDeps {
  const arn = process.env.BALLAST_FAILOVER_STATE_MACHINE_ARN;
  if (!arn) throw new Error('BALLAST_FAILOVER_STATE_MACHINE_ARN is not set: the trigger starts that state machine');
  const deps = failoverDeps(makers);
  return { ...deps, clientsFor: regionClients(makers), stateMachineArn: arn };
}

/** The loaded clients of any region, made once per region. */
function regionClients(makers: ClientMakers): (region: string) => Clients {
  const byRegion = new Map<string, Clients>();
  return (region) => {
    let clients = byRegion.get(region);
    if (!clients) {
      clients = clientsOf(makers, region);
      byRegion.set(region, clients);
    }
    return clients;
  };
}
