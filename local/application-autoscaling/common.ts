import { AwsError } from '../core/aws-error.ts';
import { paginate } from '../core/paginate.ts';
import type { Rng } from '../core/rng.ts';

/** Shapes and helpers shared by Application Auto Scaling's targets, policies and scheduled actions. */

export const ECS_DIMENSION = 'ecs:service:DesiredCount';

export interface SuspendedState {
  DynamicScalingInSuspended: boolean;
  DynamicScalingOutSuspended: boolean;
  ScheduledScalingSuspended: boolean;
}

export interface ScalableTarget {
  readonly ServiceNamespace: 'ecs';
  readonly ResourceId: string;
  readonly ScalableDimension: string;
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  readonly CreationTime: Date;
  SuspendedState: SuspendedState;
  readonly ScalableTargetARN: string;
  readonly cluster: string;
  readonly service: string;
  lastMutation?: { at: number; caller: string };
}

export interface ScalingActivity {
  readonly ActivityId: string;
  readonly ServiceNamespace: 'ecs';
  readonly ResourceId: string;
  readonly ScalableDimension: string;
  readonly Description: string;
  readonly Cause: string;
  readonly StartTime: Date;
  readonly EndTime?: Date;
  readonly StatusCode: 'Successful' | 'Failed' | 'InProgress';
  readonly StatusMessage: string;
  readonly NotScaledReasons?: Array<{
    Code: string;
    MaxCapacity?: number;
    MinCapacity?: number;
    CurrentCapacity?: number;
  }>;
}

export const invalid = (message: string) => new AwsError('ValidationException', message);

export function noSuspension(): SuspendedState {
  return { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false };
}

/** Offset pagination with Application Auto Scaling's error codes. */
export function pageOf<T>(
  all: readonly T[],
  token: string | undefined,
  max: number | undefined,
  limit: number,
  listing: string,
) {
  try {
    return paginate(all, { token, max, defaultMax: limit, limit, listing });
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    if (token && error.message.includes('nextToken')) {
      throw new AwsError('InvalidNextTokenException', 'Invalid NextToken');
    }
    throw invalid(`MaxResults must be between 1 and ${limit}`);
  }
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function uuid(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** 'cluster/service', for timeline lines. */
export function shortName(target: ScalableTarget): string {
  return `${target.cluster}/${target.service}`;
}
