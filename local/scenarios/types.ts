import type { LocalCloud } from '../cloud.ts';
import type { FleetSpec } from '../world/fleet.ts';

/**
 * A game-day scenario: a fleet, incidents scheduled on the virtual clock, and the invariants that say
 * whether the fleet came through. Every scenario also runs without Ballast, so the difference is measured.
 */
export interface Scenario<State = unknown> {
  readonly name: string;
  readonly description: string;
  /** Virtual time the scenario runs for. */
  readonly durationMs: number;
  /** The Ballast configuration the fleet and control plane are built from. @default the example `ballast.config.ts` */
  readonly config?: unknown;
  readonly fleet?: Partial<FleetSpec>;
  /** Schedules the incidents (called once the cloud is up, at virtual time 0); returns what invariants need. */
  setup(cloud: LocalCloud): State;
  /** What must hold at the end. Each invariant says whether it held and why. */
  invariants(cloud: LocalCloud, state: State): Invariant[];
  /** The phases the game-day page and `phases` of the report show (the whole run is always shown too). */
  readonly phases?: readonly ScenarioPhase[];
  /** Extra lines for the report (phases, figures). */
  notes?(cloud: LocalCloud, state: State): string[];
  /**
   * Other ways to handle the same fleet and failure, which `--compare` runs and prints side by side instead of
   * the one run without Ballast (the first is the scenario itself).
   */
  readonly variants?: () => readonly ScenarioVariant[];
}

export interface ScenarioVariant {
  readonly label: string;
  // biome-ignore lint/suspicious/noExplicitAny: each scenario has its own state type.
  readonly scenario: Scenario<any>;
  readonly withBallast: boolean;
}

/** A stretch of the scenario (virtual ms since the start) with what Ballast must do in it. */
export interface ScenarioPhase {
  readonly name: string;
  readonly from: number;
  readonly until: number;
  /**
   * The Ballast capability that handles this phase: with it, fewer requests must fail than without Ballast
   * (the page's browser test checks it). Leave it out while no capability of Ballast acts in the phase.
   */
  readonly handledBy?: string;
}

export interface Invariant {
  readonly name: string;
  readonly held: boolean;
  readonly detail: string;
}

export const minutes = (n: number) => n * 60_000;
export const hours = (n: number) => n * 3_600_000;
