import type { Clients } from '#shared/clients.ts';
import type { Clock } from '#shared/powertools.ts';
import type { FailoverConfig } from '../config.ts';
import type { FailoverStore } from './store.ts';

/** The AWS clients a failover uses in one region. */
export type FailoverClients = Pick<
  Clients,
  'ecs' | 'autoScaling' | 'applicationAutoScaling' | 'cloudWatch' | 'route53' | 'eventBridge' | 'elbv2'
>;

/** What a region-failover core needs, injected (the handlers pass the real ones, tests pass mocks). */
export interface FailoverDeps {
  /** Clients of a region: the destination's for every mutating call, the source's for best-effort reads. */
  readonly clientsFor: (region: string) => FailoverClients;
  /** The failover records and operator commands (the destination's ledger). */
  readonly store: FailoverStore;
  /** Where the active-region fence lives (policy.fenceRegion's ledger, else the destination's). */
  readonly fence: FailoverStore;
  readonly clock: Clock;
  readonly logger: FailoverLogger;
  readonly config: FailoverConfig;
}

export interface FailoverLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** A best-effort call to the source region: undefined (and a warning) when it fails or takes too long. */
export async function bestEffort<T>(
  deps: FailoverDeps,
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call(AbortSignal.timeout(deps.config.policy.sourceReadTimeoutMs));
  } catch (error) {
    deps.logger.warn(`best-effort read failed: ${what}`, { error: String(error) });
    return undefined;
  }
}
