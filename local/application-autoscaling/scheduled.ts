import { AwsError } from '../core/aws-error.ts';
import type { TimerHandle } from '../core/clock.ts';
import type { Kernel } from '../core/kernel.ts';
import type { Rng } from '../core/rng.ts';
import { compare, ECS_DIMENSION, invalid, pageOf, type ScalableTarget, uuid } from './common.ts';
import { nextRun, parseSchedule, type Schedule } from './schedule.ts';

/**
 * Application Auto Scaling's scheduled actions for one region. They are time-based: they run whatever
 * CloudWatch's state, set the target's min and max (the caller then moves capacity into the range), and a
 * run that comes due while ScheduledScalingSuspended (or while the region is down) is skipped, not replayed.
 */

export interface ScheduledAction {
  readonly ScheduledActionName: string;
  readonly ScheduledActionARN: string;
  readonly ResourceId: string;
  readonly ScalableDimension: string;
  readonly Schedule: string;
  readonly Timezone?: string;
  readonly StartTime?: Date;
  readonly EndTime?: Date;
  readonly ScalableTargetAction: { MinCapacity?: number; MaxCapacity?: number };
  readonly CreationTime: Date;
  readonly schedule: Schedule;
  timer?: TimerHandle;
}

export interface ScheduledActionInput {
  ScheduledActionName?: string;
  Schedule?: string;
  Timezone?: string;
  StartTime?: Date | string | number;
  EndTime?: Date | string | number;
  ScalableTargetAction?: { MinCapacity?: number; MaxCapacity?: number };
}

/** Timestamps arrive as Date from the SDK shapes; accept epoch seconds and ISO strings as well. */
function asDate(value: Date | string | number | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(typeof value === 'number' ? value * 1000 : value);
  if (Number.isNaN(date.getTime())) throw invalid(`Invalid timestamp: ${String(value)}`);
  return date;
}

/** What a run needs from the region: the live target, and how to apply new bounds to it. */
export interface ScheduledActionHost {
  readonly kernel: Kernel;
  readonly region: string;
  target(resourceId: string): ScalableTarget | undefined;
  applyBounds(target: ScalableTarget, min: number, max: number, actionName: string): void;
}

const key = (resourceId: string, name: string) => `${resourceId}|${name}`;

export class ScheduledActions {
  private readonly actions = new Map<string, ScheduledAction>();

  constructor(
    private readonly host: ScheduledActionHost,
    private readonly rng: Rng,
  ) {}

  of(resourceId?: string): ScheduledAction[] {
    return [...this.actions.values()]
      .filter((a) => resourceId === undefined || a.ResourceId === resourceId)
      .sort((a, b) => compare(a.ResourceId, b.ResourceId) || compare(a.ScheduledActionName, b.ScheduledActionName));
  }

  put(target: ScalableTarget, input: ScheduledActionInput): void {
    const name = input.ScheduledActionName;
    if (!name || name.length > 256) throw invalid('ScheduledActionName must be 1-256 characters');
    const existing = this.actions.get(key(target.ResourceId, name));
    const expression = input.Schedule ?? existing?.Schedule;
    if (!expression) throw invalid('Schedule is required when creating a scheduled action');
    const schedule = parseSchedule(expression);
    if (typeof schedule === 'string') throw invalid(schedule);
    if (input.Timezone !== undefined && !['UTC', 'Etc/UTC', 'GMT'].includes(input.Timezone)) {
      throw invalid(`The local cloud runs schedules in UTC only, not ${input.Timezone}`);
    }
    const targetAction = input.ScalableTargetAction ?? existing?.ScalableTargetAction ?? {};
    const { MinCapacity: min, MaxCapacity: max } = targetAction;
    if (min !== undefined && max !== undefined && min > max) {
      throw invalid(`Minimum capacity (${min}) cannot be greater than maximum capacity (${max})`);
    }
    const { kernel, region } = this.host;
    if (existing) kernel.clock.cancel(existing.timer);
    const action: ScheduledAction = {
      ScheduledActionName: name,
      ScheduledActionARN:
        existing?.ScheduledActionARN ??
        kernel.arn(
          'autoscaling',
          region,
          `scheduledAction:${uuid(this.rng)}:resource/ecs/${target.ResourceId}:scheduledActionName/${name}`,
        ),
      ResourceId: target.ResourceId,
      ScalableDimension: ECS_DIMENSION,
      Schedule: expression,
      Timezone: input.Timezone ?? existing?.Timezone,
      StartTime: asDate(input.StartTime) ?? existing?.StartTime,
      EndTime: asDate(input.EndTime) ?? existing?.EndTime,
      ScalableTargetAction: { ...targetAction },
      CreationTime: existing?.CreationTime ?? kernel.clock.date(),
      schedule,
    };
    this.actions.set(key(target.ResourceId, name), action);
    this.arm(action, kernel.now());
  }

  delete(target: ScalableTarget, name: string | undefined): void {
    const action = this.actions.get(key(target.ResourceId, name ?? ''));
    if (!action) throw new AwsError('ObjectNotFoundException', `No scheduled action found for name: ${name}`);
    this.remove(action);
  }

  removeAll(resourceId: string): void {
    for (const action of this.of(resourceId)) this.remove(action);
  }

  describe(input: { ScheduledActionNames?: string[]; ResourceId?: string; MaxResults?: number; NextToken?: string }) {
    const names = input.ScheduledActionNames?.length ? new Set(input.ScheduledActionNames) : undefined;
    const all = this.of(input.ResourceId).filter((a) => !names || names.has(a.ScheduledActionName));
    const page = pageOf(all, input.NextToken, input.MaxResults, 50, 'scheduled');
    return {
      ScheduledActions: page.items.map((a) => ({
        ScheduledActionName: a.ScheduledActionName,
        ScheduledActionARN: a.ScheduledActionARN,
        ServiceNamespace: 'ecs',
        Schedule: a.Schedule,
        Timezone: a.Timezone,
        ResourceId: a.ResourceId,
        ScalableDimension: a.ScalableDimension,
        StartTime: a.StartTime,
        EndTime: a.EndTime,
        ScalableTargetAction: { ...a.ScalableTargetAction },
        CreationTime: a.CreationTime,
      })),
      NextToken: page.nextToken,
    };
  }

  private remove(action: ScheduledAction): void {
    this.host.kernel.clock.cancel(action.timer);
    this.actions.delete(key(action.ResourceId, action.ScheduledActionName));
  }

  /** Arms the action's next run after `after`, within its StartTime/EndTime window. */
  private arm(action: ScheduledAction, after: number): void {
    const start = action.StartTime?.getTime();
    const anchor = start ?? action.CreationTime.getTime();
    let at = nextRun(action.schedule, Math.max(after, start !== undefined ? start - 1 : after), anchor);
    if (at !== undefined && action.EndTime && at > action.EndTime.getTime()) at = undefined;
    action.timer =
      at === undefined
        ? undefined
        : this.host.kernel.clock.schedule(at, `scheduled action ${action.ScheduledActionName}`, () => this.run(action));
  }

  private run(action: ScheduledAction): void {
    if (this.actions.get(key(action.ResourceId, action.ScheduledActionName)) !== action) return;
    const { kernel, region } = this.host;
    this.arm(action, kernel.now());
    const target = this.host.target(action.ResourceId);
    // Missed while suspended (or while the region is down): not replayed.
    if (!target || target.SuspendedState.ScheduledScalingSuspended || kernel.isRegionDown(region)) return;
    let { MinCapacity: min, MaxCapacity: max } = action.ScalableTargetAction;
    min ??= target.MinCapacity;
    max ??= target.MaxCapacity;
    if (min > max) {
      if (action.ScalableTargetAction.MinCapacity !== undefined) max = min;
      else min = max;
    }
    this.host.applyBounds(target, min, max, action.ScheduledActionName);
  }
}
