import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetHealthCheckStatusCommand, ListResourceRecordSetsCommand, type RRType } from '@aws-sdk/client-route-53';
import { BALLAST_SOURCE } from '#events/ballast-events.ts';
import { FAILOVER_RECOMMENDED, FAILOVER_TRIGGERED } from '#events/failover-events.ts';
import { failoverIdFor } from '#events/failover-input.ts';
import type { Clients } from '#shared/clients.ts';
import { startExecutionOnce } from '#shared/executions.ts';
import type { Clock } from '#shared/powertools.ts';
import type { FailoverConfig } from '../config.ts';
import type { FailoverLogger } from './deps.ts';
import type { FailoverStore } from './store.ts';

/**
 * The automatic trigger, run every minute in every region; only the region a failover would go to acts (the
 * standby while the primary is active, the primary while the standby is), and nothing while a failover holds the
 * fence. It reads the active region's signals, from here: each configured CloudWatch alarm of that region (bad in
 * ALARM, or when the alarms cannot be read within `sourceReadTimeoutMs`: that region's APIs failing is a symptom
 * too) and the Route 53 health check on each steered record's set for that region (bad when most of its checkers
 * fail; Route 53 is global). When at least `quorum` signals (default: a majority) have been bad for `dwellSeconds`
 * in a row, it fires once for that episode: `recommend` emits `Failover Recommended` with the plan (the console
 * input and the CLI line) and starts nothing; `auto` starts the failover (the execution name is derived from the
 * episode, so a duplicate schedule delivery starts nothing twice) and emits `Failover Triggered`. The episode
 * (`badSince`, `firedFor`) lives in the ledger (`TRIGGER#<active region>`); a good evaluation ends it.
 */
export type TriggerClients = Pick<Clients, 'cloudWatch' | 'route53' | 'eventBridge' | 'sfn'>;

export interface TriggerDeps {
  readonly clientsFor: (region: string) => TriggerClients;
  readonly store: FailoverStore;
  readonly fence: FailoverStore;
  readonly clock: Clock;
  readonly logger: FailoverLogger;
  readonly config: FailoverConfig;
  /** This region's region-failover state machine (started in `auto`). */
  readonly stateMachineArn: string;
}

export interface Signal {
  readonly name: string;
  readonly bad: boolean;
  readonly detail: string;
}

export type TriggerVerdict =
  | 'off'
  | 'not-destination'
  | 'failover-in-progress'
  | 'no-signals'
  | 'healthy'
  | 'dwelling'
  | 'already-fired'
  | 'recommended'
  | 'started';

export interface TriggerResult {
  readonly region: string;
  readonly activeRegion: string;
  readonly verdict: TriggerVerdict;
  readonly signals: Signal[];
  readonly quorum?: number;
  readonly badSince?: string;
  readonly failoverId?: string;
  readonly message: string;
}

export async function evaluateTrigger(deps: TriggerDeps): Promise<TriggerResult> {
  const { config } = deps;
  const trigger = config.policy.trigger;
  const region = config.region;
  const fence = await deps.fence.readFence();
  const active = fence.activeRegion;
  const base = { region, activeRegion: active, signals: [] as Signal[] };
  if (trigger.action === 'off') return { ...base, verdict: 'off', message: 'automatic triggers are off' };
  const destination = active === config.primaryRegion ? config.standbyRegion : config.primaryRegion;
  if (region !== destination) {
    return { ...base, verdict: 'not-destination', message: `a failover from ${active} goes to ${destination}` };
  }
  if (fence.holder) {
    await deps.store.writeTrigger(active, {});
    return { ...base, verdict: 'failover-in-progress', message: `${fence.holder} holds the fence` };
  }
  const signals = [...(await alarmSignals(deps, active)), ...(await healthCheckSignals(deps, active))];
  if (signals.length === 0) {
    return { ...base, verdict: 'no-signals', message: `no alarm and no health check configured for ${active}` };
  }
  const quorum = trigger.quorum ?? Math.floor(signals.length / 2) + 1;
  const bad = signals.filter((s) => s.bad);
  const now = deps.clock();
  const episode = await deps.store.readTrigger(active);
  const summary = `${bad.length} of ${signals.length} signals of ${active} bad (quorum ${quorum})`;
  if (bad.length < quorum) {
    if (episode.badSince) await deps.store.writeTrigger(active, {});
    return { ...base, signals, quorum, verdict: 'healthy', message: summary };
  }
  const badSince = episode.badSince ?? now.toISOString();
  if (!episode.badSince) await deps.store.writeTrigger(active, { badSince });
  const badFor = (now.getTime() - Date.parse(badSince)) / 1000;
  const withEpisode = { ...base, signals, quorum, badSince };
  if (badFor < trigger.dwellSeconds) {
    return {
      ...withEpisode,
      verdict: 'dwelling',
      message: `${summary} for ${Math.round(badFor)} s of ${trigger.dwellSeconds} s`,
    };
  }
  const requestId = `trigger-${badSince.replace(/[^0-9]/g, '').slice(0, 14)}`;
  const failoverId = failoverIdFor(destination, requestId);
  if (episode.firedFor === badSince) {
    return { ...withEpisode, failoverId, verdict: 'already-fired', message: `${summary}; this episode already fired` };
  }
  const reason = `automatic trigger: ${bad.map((s) => s.name).join(', ')} bad for ${Math.round(badFor)} s`;
  const input = { action: 'failover', to: destination, from: active, reason, requestId };
  const detail = {
    source: active,
    destination,
    failoverId,
    signals,
    quorum,
    badSince,
    dwellSeconds: trigger.dwellSeconds,
    plan: input,
    command: `ballast failover start --to ${destination} --from ${active} --request-id ${requestId} --confirm ${destination} --wait`,
    at: now.toISOString(),
  };
  if (trigger.action === 'auto') {
    const started = await startExecutionOnce(deps.clientsFor(region).sfn, {
      stateMachineArn: deps.stateMachineArn,
      name: failoverId,
      input,
    });
    if (!started) {
      // A duplicate delivery (or a retry after the write below failed): started already, say nothing twice.
      await deps.store.writeTrigger(active, { badSince, firedFor: badSince });
      return {
        ...withEpisode,
        failoverId,
        verdict: 'already-fired',
        message: `${summary}; ${failoverId} already started`,
      };
    }
  }
  await emit(deps, trigger.action === 'auto' ? FAILOVER_TRIGGERED : FAILOVER_RECOMMENDED, detail, now);
  await deps.store.writeTrigger(active, { badSince, firedFor: badSince });
  const verdict = trigger.action === 'auto' ? 'started' : 'recommended';
  return { ...withEpisode, failoverId, verdict, message: `${summary} for ${Math.round(badFor)} s: ${verdict}` };
}

async function alarmSignals(deps: TriggerDeps, active: string): Promise<Signal[]> {
  const names = deps.config.policy.trigger.alarms[active] ?? [];
  if (names.length === 0) return [];
  try {
    const out = await deps.clientsFor(active).cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [...names] }), {
      abortSignal: AbortSignal.timeout(deps.config.policy.sourceReadTimeoutMs),
    });
    const states = new Map((out.MetricAlarms ?? []).map((a) => [a.AlarmName, a.StateValue]));
    return names.map((name) => {
      const state = states.get(name);
      if (state === undefined) return { name: `alarm ${name}`, bad: false, detail: `no alarm ${name} in ${active}` };
      return { name: `alarm ${name}`, bad: state === 'ALARM', detail: state };
    });
  } catch (error) {
    deps.logger.warn(`the alarms of ${active} could not be read`, { error: String(error) });
    return names.map((name) => ({
      name: `alarm ${name}`,
      bad: true,
      detail: `unreadable: ${(error as Error).name ?? 'error'} (the region's APIs fail)`,
    }));
  }
}

async function healthCheckSignals(deps: TriggerDeps, active: string): Promise<Signal[]> {
  const dns = deps.config.dns;
  if (!deps.config.policy.trigger.healthChecks || !dns) return [];
  const route53 = deps.clientsFor(deps.config.region).route53;
  const ids = new Set<string>();
  for (const record of dns.records) {
    const name = record.name.endsWith('.') ? record.name : `${record.name}.`;
    const out = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: dns.hostedZoneId,
        StartRecordName: name,
        StartRecordType: record.type as RRType,
      }),
    );
    const set = (out.ResourceRecordSets ?? []).find(
      (rs) => rs.Name?.toLowerCase() === name.toLowerCase() && rs.SetIdentifier === active,
    );
    if (set?.HealthCheckId) ids.add(set.HealthCheckId);
  }
  const signals: Signal[] = [];
  for (const id of ids) {
    const out = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }));
    const observations = out.HealthCheckObservations ?? [];
    const failing = observations.filter((o) => !/^Success/.test(o.StatusReport?.Status ?? '')).length;
    signals.push({
      name: `health check ${id}`,
      bad: observations.length > 0 && failing * 2 > observations.length,
      detail: `${failing} of ${observations.length} checkers fail`,
    });
  }
  return signals;
}

async function emit(deps: TriggerDeps, detailType: string, detail: Record<string, unknown>, now: Date): Promise<void> {
  deps.logger.info(`Ballast event: ${detailType}`, { detail });
  const out = await deps.clientsFor(deps.config.region).eventBridge.send(
    new PutEventsCommand({
      Entries: [
        { Source: BALLAST_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail), Resources: [], Time: now },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    const entry = out.Entries?.find((e) => e.ErrorCode);
    throw new Error(
      `PutEvents rejected '${detailType}': ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
    );
  }
}
