import type { EventPattern } from 'aws-cdk-lib/aws-events';
import * as z from './zod.ts';

/**
 * ECS's task state change events (source `aws.ecs`, detail-type `ECS Task State Change`), sent on every change
 * of a task's lastStatus or desiredStatus. Ballast listens only for STOPPED tasks in the configured clusters:
 * the last stop on a draining host wakes its drain (functions/host-draining/core/wake.ts). The schema reads
 * the fields Ballast uses and lets the rest through. Sample: events/samples/ecs-task-stopped.json.
 */
export const ECS_SOURCE = 'aws.ecs';
export const TASK_STATE_CHANGE = 'ECS Task State Change';

const text = z.string().check(z.minLength(1));

export const TaskStateChangeEvent = z.looseObject({
  id: text,
  source: z.literal(ECS_SOURCE),
  'detail-type': z.literal(TASK_STATE_CHANGE),
  region: text,
  time: text,
  detail: z.looseObject({
    clusterArn: text,
    taskArn: text,
    /** Absent for Fargate tasks (no container instance): nothing of Ballast's waits on those. */
    containerInstanceArn: z.optional(text),
    lastStatus: text,
    desiredStatus: z.optional(text),
  }),
});
export type TaskStateChangeEvent = z.output<typeof TaskStateChangeEvent>;

/** STOPPED tasks of the given clusters (by ARN); every cluster's when `clusterArns` is undefined. */
export function taskStoppedPattern(clusterArns?: string[]): EventPattern {
  return {
    source: [ECS_SOURCE],
    detailType: [TASK_STATE_CHANGE],
    detail: { lastStatus: ['STOPPED'], ...(clusterArns ? { clusterArn: clusterArns } : {}) },
  };
}
