import type { Clients } from '#shared/clients.ts';
import type { DrainLedger } from '#shared/ledger.ts';
import type { Clock } from '#shared/powertools.ts';
import type { DrainConfig } from '../config.ts';

/** What a host-draining core needs, injected (the handlers pass the real ones, tests pass mocks). */
export interface DrainDeps {
  readonly clients: Pick<Clients, 'ecs' | 'autoScaling' | 'eventBridge' | 'sfn' | 'elbv2'>;
  readonly ledger: DrainLedger;
  readonly clock: Clock;
  readonly logger: DrainLogger;
  /** Global dry-run (BALLAST_DRY_RUN): no mutating call anywhere. */
  readonly dryRun: boolean;
  readonly config: DrainConfig;
  /** Pauses between retries of rejected event entries. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface DrainLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
  debug(message: string, ...extra: Record<string, unknown>[]): void;
}

/** The name (code) of an AWS SDK error, else undefined. */
export function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

/** EC2 Auto Scaling's answer when a lifecycle action is no longer pending (completed elsewhere, expired, gone). */
export function isNoActiveLifecycleAction(error: unknown): boolean {
  const message = (error as { message?: string } | undefined)?.message ?? '';
  return errorName(error) === 'ValidationError' && /no active lifecycle action/i.test(message);
}
