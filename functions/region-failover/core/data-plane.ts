import { DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { LIMITS } from '#config/limits.ts';
import { RecordsMissing } from '../errors.ts';
import type { FailoverClients } from './deps.ts';

/**
 * The `data-plane` traffic mode: no Route 53 API call during a failover. At deploy, every steered record gets,
 * per region and per rung ("slot" k = 1..n), one weighted record whose weight is that rung's step
 * (2 x (rung_k - rung_k-1), out of 200) behind a health check:
 *
 *  - a non-home region R (any but `primaryRegion`): record R#k is healthy while R has *taken* slot k: a
 *    CLOUDWATCH_METRIC health check, inverted, on the alarm `take-R-k` in R (ALARM while Ballast's metric
 *    `TrafficTaken{Region=R}` >= k);
 *  - the home region P: record P#k is healthy while no other region has *released* P's slot k: a CALCULATED check
 *    over one CLOUDWATCH_METRIC check per other region on its alarm `release-Q-k` (ALARM while `HomeReleased` >= k).
 *
 * So every control lives in the non-home region's CloudWatch: a failover from home moves traffic with
 * PutMetricData in the destination only; a failback to home writes in the region traffic leaves. The alarms treat
 * missing data as `ignore` (the state is kept: one data point is a switch, not a heartbeat; an alarm flipped with
 * SetAlarmState would revert at its next evaluation, a metric does not) and the checks treat an alarm they cannot
 * read as `LastKnownStatus` (a CloudWatch blip moves nothing). Take is always raised before release, and release
 * lowered before take, so every slot keeps a healthy record at every step: Route 53 answers as if all were healthy
 * when none is (fail-open), which would send clients to the failing region. `veto` refuses any step that would.
 */

export const DATA_PLANE_NAMESPACE = 'Ballast/Failover';
export const TAKE_METRIC = 'TrafficTaken';
export const RELEASE_METRIC = 'HomeReleased';

/** The published levels of one non-home region: slots 1..take taken by it, 1..release released by home. */
export interface Levels {
  readonly take: number;
  readonly release: number;
}

export type AlarmKind = 'take' | 'release';

export const alarmName = (prefix: string, kind: AlarmKind, region: string, slot: number): string =>
  `${prefix}-${kind}-${region}-${slot}`;

export const slotSetIdentifier = (region: string, slot: number): string => `${region}-slot-${slot}`;

/** Each slot's weight: the step of its rung (out of 200). Rungs are strictly increasing and end at 100. */
export function slotWeights(rungs: readonly number[]): number[] {
  const total = LIMITS.route53WeightTotal;
  return rungs.map((r, i) => Math.round(((r - (i > 0 ? (rungs[i - 1] ?? 0) : 0)) * total) / 100));
}

/**
 * The non-home region whose levels move traffic between `source` and `destination`, and whether traffic goes
 * towards home; undefined when neither is home (data-plane moves traffic between home and one other region).
 */
export function steeredRegion(
  home: string,
  source: string,
  destination: string,
): { region: string; towardHome: boolean } | undefined {
  if (source === home && destination !== home) return { region: destination, towardHome: false };
  if (destination === home && source !== home) return { region: source, towardHome: true };
  return undefined;
}

/**
 * The steered region's level for a destination share: the number of slots whose rungs add up to the steered
 * region's share (the destination's share, or what is left of it when traffic goes home). Throws when that share
 * is no rung: the weights are fixed at deploy.
 */
export function levelFor(rungs: readonly number[], destinationPercent: number, towardHome: boolean): number {
  const share = towardHome ? 100 - destinationPercent : destinationPercent;
  if (share === 0) return 0;
  const at = rungs.indexOf(share);
  if (at < 0) {
    throw new Error(
      `${share}% is not a rung of this data-plane deployment (${rungs.join(', ')}); its weights are fixed at deploy`,
    );
  }
  return at + 1;
}

/** The destination shares a data-plane failover can stop at, in order (traffic towards home: the rungs reversed). */
export function reachableShares(rungs: readonly number[], towardHome: boolean): number[] {
  if (!towardHome) return [...rungs];
  return [...rungs.slice(0, -1).map((r) => 100 - r), 100].sort((a, b) => a - b);
}

/**
 * The next level to publish on the way from `published` to `target`, or undefined once there. Raising: take
 * first, then release; lowering: release first, then take. Each is vetted.
 */
export function nextLevels(published: Levels, target: number, slots: number): Levels | undefined {
  let next: Levels | undefined;
  if (published.take < target) next = { take: target, release: published.release };
  else if (published.release !== target) next = { take: published.take, release: target };
  else if (published.take > target) next = { take: target, release: published.release };
  if (next) {
    const problem = veto(next, slots);
    if (problem) throw new Error(`data-plane step ${JSON.stringify(next)} vetoed: ${problem}`);
  }
  return next;
}

/** Which records each slot would have healthy at these levels. */
export function recordHealth(levels: Levels, slots: number): Array<{ home: boolean; steered: boolean }> {
  return Array.from({ length: slots }, (_, i) => ({ home: levels.release < i + 1, steered: levels.take >= i + 1 }));
}

/**
 * The veto: a reason when these levels would leave every record unhealthy (Route 53 would then answer every
 * region as if all were healthy, the failing one included) or any slot without a healthy record (its share
 * would be spread over the others, a share nobody chose); undefined when they are safe.
 */
export function veto(levels: Levels, slots: number): string | undefined {
  if (levels.take < 0 || levels.release < 0 || levels.take > slots || levels.release > slots) {
    return `levels must be within 0..${slots}`;
  }
  const health = recordHealth(levels, slots);
  if (health.every((s) => !s.home && !s.steered)) {
    return 'every record would be unhealthy, and Route 53 answers as if all were healthy';
  }
  const empty = health.flatMap((s, i) => (s.home || s.steered ? [] : [i + 1]));
  if (empty.length > 0) return `slot(s) ${empty.join(', ')} would have no healthy record (release above take)`;
  return undefined;
}

/** One PutMetricData in the steered region: both levels, so each alarm's current period holds only them. */
export async function publishLevels(
  aws: Pick<FailoverClients, 'cloudWatch'>,
  region: string,
  levels: Levels,
  at: Date,
): Promise<void> {
  const dimensions = [{ Name: 'Region', Value: region }];
  await aws.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: DATA_PLANE_NAMESPACE,
      MetricData: [
        { MetricName: TAKE_METRIC, Dimensions: dimensions, Value: levels.take, Unit: 'Count', Timestamp: at },
        { MetricName: RELEASE_METRIC, Dimensions: dimensions, Value: levels.release, Unit: 'Count', Timestamp: at },
      ],
    }),
  );
}

/**
 * The levels the steered region's alarms show now (slots in ALARM, counted from 1), and whether every slot's two
 * alarms agree with that (no gap). RecordsMissing names the alarms that do not exist.
 */
export async function observedLevels(
  aws: Pick<FailoverClients, 'cloudWatch'>,
  prefix: string,
  region: string,
  slots: number,
): Promise<{ levels: Levels; consistent: boolean }> {
  const names = (['take', 'release'] as const).flatMap((kind) =>
    Array.from({ length: slots }, (_, i) => alarmName(prefix, kind, region, i + 1)),
  );
  const states = new Map<string, string>();
  for (let i = 0; i < names.length; i += LIMITS.cloudWatchDescribeAlarmsNamesMax) {
    const out = await aws.cloudWatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: names.slice(i, i + LIMITS.cloudWatchDescribeAlarmsNamesMax),
        AlarmTypes: ['MetricAlarm'],
      }),
    );
    for (const alarm of out.MetricAlarms ?? []) states.set(alarm.AlarmName ?? '', alarm.StateValue ?? '');
  }
  const missing = names.filter((n) => !states.has(n));
  if (missing.length > 0) {
    throw new RecordsMissing(
      `The data-plane alarms are missing in ${region}: ${missing.join(', ')}. Deploy Ballast with policies.failover.mode 'data-plane' in every region; nothing was changed.`,
    );
  }
  const count = (kind: AlarmKind) => {
    const on = Array.from({ length: slots }, (_, i) => states.get(alarmName(prefix, kind, region, i + 1)) === 'ALARM');
    const level = on.indexOf(false) < 0 ? slots : on.indexOf(false);
    return { level, gapless: on.slice(level).every((x) => !x) };
  };
  const take = count('take');
  const release = count('release');
  return { levels: { take: take.level, release: release.level }, consistent: take.gapless && release.gapless };
}

export const sameLevels = (a: Levels, b: Levels): boolean => a.take === b.take && a.release === b.release;
