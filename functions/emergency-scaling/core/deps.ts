import type { HistoryStore } from '#shared/capacity-history.ts';
import type { Clients } from '#shared/clients.ts';
import type { LedgerStore } from '#shared/ledger.ts';
import type { Clock } from '#shared/powertools.ts';
import type { DrainLogger } from '../../host-draining/core/deps.ts';
import type { ScalingConfig } from '../config.ts';

/** What an emergency-scaling core needs, injected (the handlers pass the real ones, tests pass mocks). */
export interface ScalingDeps {
  readonly clients: Pick<
    Clients,
    'ecs' | 'autoScaling' | 'applicationAutoScaling' | 'cloudWatch' | 'eventBridge' | 'sfn'
  >;
  /** The ledger table: capacity history, snapshots, override records, the lock. */
  readonly history: HistoryStore;
  readonly ledger: Pick<LedgerStore, 'appendOperation'>;
  readonly clock: Clock;
  readonly logger: DrainLogger;
  /** Global dry-run (BALLAST_DRY_RUN): no mutating call anywhere. */
  readonly dryRun: boolean;
  readonly config: ScalingConfig;
  /** The restore-scaling state machine (started when an override expires). */
  readonly restoreStateMachineArn?: string;
  /** The app's name (BALLAST_APP_NAME): the canary metric's dimension. */
  readonly appName: string;
  /** The workflows the detector starts. */
  readonly stateMachines: { readonly emergencyScale?: string; readonly restoreScaling?: string };
}
