import { type ClientMakers, clientsOf, makersKey } from '#shared/clients.ts';
import { CONFIG_FILE_ENV, configValue } from '#shared/config-file.ts';
import { commonEnv, readEnv } from '#shared/env.ts';
import { LedgerStore } from '#shared/ledger.ts';
import { logger, systemClock } from '#shared/powertools.ts';
import { DRAIN_CONFIG_ENV, parseDrainConfig } from './config.ts';
import type { DrainDeps } from './core/deps.ts';

/**
 * The handlers' dependencies, built once per cold start from the environment (BALLAST_LEDGER_TABLE,
 * BALLAST_DRAIN_CONFIG, BALLAST_DRY_RUN, AWS_REGION) and the clients the handler loaded (`{ ecs, dynamo, … }`
 * from `#shared/clients/*.ts`: each handler imports only those its code calls): a missing or malformed
 * variable fails the first invocation naming it. Memoised per environment and handler, not built at import,
 * so that the local cloud can run the same handler module for several functions (regions) in one process,
 * each with its own environment.
 */
const made = new Map<string, DrainDeps>();

export function drainDeps(makers: ClientMakers): DrainDeps {
  const key = [
    'AWS_REGION',
    'BALLAST_LEDGER_TABLE',
    'BALLAST_DRY_RUN',
    DRAIN_CONFIG_ENV,
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
  const config = parseDrainConfig(configValue(DRAIN_CONFIG_ENV));
  const aws = clientsOf(makers, env.AWS_REGION);
  const deps: DrainDeps = {
    clients: aws,
    ledger: new LedgerStore({
      dynamo: aws.dynamo,
      tableName: env.BALLAST_LEDGER_TABLE,
      retentionDays: config.retentionDays,
    }),
    clock: systemClock,
    logger,
    dryRun: env.BALLAST_DRY_RUN,
    config,
  };
  made.set(key, deps);
  return deps;
}
