import * as z from '#events/zod.ts';
import { type ClientMakers, clientsOf, makersKey } from '#shared/clients.ts';
import { CONFIG_FILE_ENV, configValue } from '#shared/config-file.ts';
import { commonEnv, readEnv } from '#shared/env.ts';
import { LedgerStore } from '#shared/ledger.ts';
import { logger, systemClock } from '#shared/powertools.ts';
import { parseScalingConfig, SCALING_CONFIG_ENV } from './config.ts';
import type { ScalingDeps } from './core/deps.ts';

/**
 * The handlers' dependencies, built once per environment (BALLAST_LEDGER_TABLE, BALLAST_SCALING_CONFIG,
 * BALLAST_DRY_RUN, AWS_REGION) and the clients the handler loaded: a missing or malformed variable fails the
 * first invocation naming it. Memoised per environment and handler, as in host draining, so the local cloud
 * can run one module for several regions.
 */
const made = new Map<string, ScalingDeps>();

export function scalingDeps(makers: ClientMakers): ScalingDeps {
  const key = [
    'AWS_REGION',
    'BALLAST_LEDGER_TABLE',
    'BALLAST_DRY_RUN',
    SCALING_CONFIG_ENV,
    CONFIG_FILE_ENV,
    'BALLAST_RESTORE_STATE_MACHINE_ARN',
    'BALLAST_SCALE_STATE_MACHINE_ARN',
    'AWS_ACCESS_KEY_ID',
    'AWS_ENDPOINT_URL',
  ]
    .map((name) => process.env[name] ?? '')
    .concat(makersKey(makers))
    .join('\u0000');
  const cached = made.get(key);
  if (cached) return cached;
  const env = readEnv({
    ...commonEnv,
    BALLAST_RESTORE_STATE_MACHINE_ARN: z.optional(z.string().check(z.minLength(1))),
    BALLAST_SCALE_STATE_MACHINE_ARN: z.optional(z.string().check(z.minLength(1))),
  });
  const config = parseScalingConfig(configValue(SCALING_CONFIG_ENV));
  const aws = clientsOf(makers, env.AWS_REGION);
  const deps: ScalingDeps = {
    clients: aws,
    history: { dynamo: aws.dynamo, tableName: env.BALLAST_LEDGER_TABLE },
    ledger: new LedgerStore({
      dynamo: aws.dynamo,
      tableName: env.BALLAST_LEDGER_TABLE,
      retentionDays: config.retentionDays,
    }),
    clock: systemClock,
    logger,
    dryRun: env.BALLAST_DRY_RUN,
    config,
    ...(env.BALLAST_RESTORE_STATE_MACHINE_ARN ? { restoreStateMachineArn: env.BALLAST_RESTORE_STATE_MACHINE_ARN } : {}),
    appName: env.BALLAST_APP_NAME,
    stateMachines: {
      ...(env.BALLAST_SCALE_STATE_MACHINE_ARN ? { emergencyScale: env.BALLAST_SCALE_STATE_MACHINE_ARN } : {}),
      ...(env.BALLAST_RESTORE_STATE_MACHINE_ARN ? { restoreScaling: env.BALLAST_RESTORE_STATE_MACHINE_ARN } : {}),
    },
  };
  made.set(key, deps);
  return deps;
}
