import { performance } from 'node:perf_hooks';
import exampleConfig from '../../ballast.config.ts';
import { LocalCloud } from '../cloud.ts';
import {
  type Marker,
  markersOf,
  type PhaseFigures,
  phaseFigures,
  type RunSeries,
  SeriesSampler,
} from '../report/series.ts';
import type { Invariant, Scenario } from './types.ts';

/** What a run reports: the `--json` output of `npm start`. */
export interface RunResult {
  readonly scenario: string;
  readonly description: string;
  readonly seed: number;
  readonly withBallast: boolean;
  readonly simulatedSeconds: number;
  readonly realSeconds: number;
  readonly requests: { readonly total: number; readonly failed: number };
  readonly apiCalls: { readonly total: number; readonly throttled: number; readonly denied: number };
  readonly executions: Array<{ stateMachine: string; name: string; status: string; transitions: number }>;
  readonly invariants: Invariant[];
  readonly notes: string[];
  readonly timeline: Array<{ t: number; region: string; kind: string; detail: string }>;
  /** The scenario's phases with their request figures (the game-day page's phase table). */
  readonly phases: PhaseFigures[];
  /** Ballast's executions and events, and the scenario's incidents, on the time axis (linked to `timeline`). */
  readonly markers: Marker[];
  /** Per-minute samples of the fleet: what the game-day page draws. */
  readonly series: RunSeries;
}

export interface RunOptions {
  readonly seed: number;
  readonly withBallast: boolean;
  readonly config?: unknown;
  /** Called with the cloud before it is stopped (tests inspect the world here). */
  readonly inspect?: (cloud: LocalCloud) => void | Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: each scenario has its own state type.
export async function runScenario(scenario: Scenario<any>, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const cloud = await LocalCloud.start({
    config: options.config ?? scenario.config ?? exampleConfig,
    seed: options.seed,
    withBallast: options.withBallast,
    ...(scenario.fleet ? { fleet: scenario.fleet } : {}),
  });
  try {
    const sampler = new SeriesSampler(cloud, scenario.durationMs);
    sampler.start();
    const state = scenario.setup(cloud);
    await cloud.runFor(scenario.durationMs);
    const invariants = scenario.invariants(cloud, state);
    const notes = scenario.notes?.(cloud, state) ?? [];
    await options.inspect?.(cloud);
    const calls = cloud.endpoint.calls;
    const requests = cloud.world.traffic.totals();
    const timeline = [...cloud.world.timeline].sort((a, b) => a.t - b.t).map((e) => ({ ...e }));
    return {
      scenario: scenario.name,
      description: scenario.description,
      seed: options.seed,
      withBallast: options.withBallast,
      simulatedSeconds: Math.round(scenario.durationMs / 1000),
      realSeconds: Math.round((performance.now() - started) / 10) / 100,
      requests: { total: requests.total, failed: requests.failed },
      apiCalls: {
        total: calls.length,
        throttled: calls.filter((c) => c.outcome === 'throttled').length,
        denied: calls.filter((c) => c.outcome === 'denied').length,
      },
      executions: cloud.sfn.executions.map((e) => ({
        stateMachine: e.stateMachineName,
        name: e.name,
        status: e.status,
        transitions: e.transitions,
      })),
      invariants,
      notes,
      timeline,
      phases: phaseFigures(cloud, scenario.phases ?? []),
      markers: markersOf(cloud, timeline),
      series: sampler.series(),
    };
  } finally {
    await cloud.stop();
  }
}
