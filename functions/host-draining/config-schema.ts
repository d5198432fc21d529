import * as z from 'zod';
import { type BallastConfig, DrainPolicySchema, drainPolicyFor } from '../../config/schema.ts';

/**
 * The host-draining configuration's schema and its builder, used at synth (and by tests): the functions read
 * the document it builds with `parseDrainConfig()` (./config.ts), which checks its shape and loads no schema.
 */
export const DrainGroupConfig = z
  .object({
    cluster: z.string().min(1),
    hookName: z.string().min(1),
    launchHookName: z.string().min(1).optional(),
    managedDraining: z.boolean().default(false),
    policy: DrainPolicySchema,
  })
  .strict();
export type DrainGroupConfig = z.output<typeof DrainGroupConfig>;

export const DrainConfig = z
  .object({
    region: z.string().min(1),
    /** Clusters Ballast may touch (IAM is scoped to them too). */
    clusters: z.array(z.string().min(1)).min(1),
    /** Groups drained by configuration, by name. */
    groups: z.record(z.string(), DrainGroupConfig),
    /** Policy of groups opted in by the `ballast:drain=true` tag (their cluster comes from `ballast:cluster`). */
    defaultPolicy: DrainPolicySchema,
    /** Terminate hook name of tag-opted groups. @default 'ballast-drain' */
    defaultHookName: z.string().min(1).default('ballast-drain'),
    /** Deregistration delay of each configured service's target groups (max), by cluster and service. */
    deregistrationDelays: z.record(z.string(), z.record(z.string(), z.number().int().min(0))).default({}),
    /** Days drain records are kept. @default 35 */
    retentionDays: z.number().int().min(1).default(35),
    /** How long a launch hook waits for the host to be ACTIVE with its agent connected. @default 900 */
    launchDeadlineSeconds: z.number().int().min(30).default(900),
    /** How much of a Spot warning's two minutes the fast path uses. @default 110 */
    spotDeadlineSeconds: z.number().int().min(10).max(120).default(110),
    /**
     * How a drain waits for its host's tasks. With `wake` (the default) it waits for the host's last task to
     * stop (ECS task state change events, core/wake.ts) and checks by itself only every `fallbackSeconds`
     * (and before each heartbeat and deadline), so it does not depend on EventBridge alone. Without it, it
     * polls with back-off from `initialSeconds` to `maxSeconds`. The Spot fast path polls every `spotSeconds`.
     */
    poll: z
      .object({
        initialSeconds: z.number().int().min(1).default(15),
        maxSeconds: z.number().int().min(1).default(300),
        spotSeconds: z.number().int().min(1).default(5),
        wake: z.boolean().default(true),
        fallbackSeconds: z.number().int().min(1).default(900),
      })
      .strict()
      .default({ initialSeconds: 15, maxSeconds: 300, spotSeconds: 5, wake: true, fallbackSeconds: 900 }),
  })
  .strict();
export type DrainConfig = z.output<typeof DrainConfig>;

/** Builds the host-draining configuration of one region from the validated Ballast configuration. */
export function drainConfigFor(config: BallastConfig, region: string): DrainConfig {
  const fleet = config.regions[region];
  if (!fleet) throw new Error(`drainConfigFor: region '${region}' is not in config.regions`);
  const groups: Record<string, DrainGroupConfig> = {};
  for (const group of fleet.autoScalingGroups) {
    groups[group.name] = {
      cluster: group.cluster,
      hookName: group.lifecycleHookName,
      ...(group.launchHookName !== undefined ? { launchHookName: group.launchHookName } : {}),
      managedDraining: group.managedDraining,
      policy: drainPolicyFor(config, group),
    };
  }
  const deregistrationDelays: Record<string, Record<string, number>> = {};
  for (const service of fleet.services) {
    const delays = service.targetGroups.map((tg) => tg.deregistrationDelaySeconds);
    const ofCluster = deregistrationDelays[service.cluster] ?? {};
    ofCluster[service.name] = Math.max(0, ...delays);
    deregistrationDelays[service.cluster] = ofCluster;
  }
  return DrainConfig.parse({
    region,
    clusters: fleet.clusters.map((c) => c.name),
    groups,
    defaultPolicy: config.policies.drain,
    deregistrationDelays,
    retentionDays: config.retentionDays,
  });
}
