import type { z } from 'zod';
import type { BallastConfigInput, ServiceSchema } from '#config/schema.ts';

type ServiceConfigInput = z.input<typeof ServiceSchema>;

import type { FleetSpec } from './fleet.ts';

/**
 * A fleet far larger than the example, from a compact description, for fleet-scale benchmarks: by default
 * 6 clusters × 50 services (300) on 1,002 container instances in the primary region, with their scalable
 * targets, target-tracking alarms and target groups, and a standby region with the same services on a
 * fifth of the hosts. Service names, tiers, sizes and deregistration delays vary deterministically with
 * their index, so no two clusters look alike and nothing is hand-written.
 */
export interface LargeFleetDescription {
  /** @default 'us-east-1' */
  readonly primaryRegion?: string;
  /** @default 'us-west-2' */
  readonly standbyRegion?: string;
  /** @default 6 */
  readonly clusters?: number;
  /** @default 50 */
  readonly servicesPerCluster?: number;
  /** Container instances per cluster in the primary region. @default 167 */
  readonly hostsPerCluster?: number;
  /** Tasks per service in the primary region. @default 4 */
  readonly tasksPerService?: number;
  /** Share of the primary's hosts and tasks that the standby runs. @default 0.2 */
  readonly standbyShare?: number;
}

export interface LargeFleet {
  /** Ballast's configuration of that fleet (validated by `parseConfig` like any other). */
  readonly config: BallastConfigInput;
  /** The world's own sizes for it: hosts per group, tasks per service. */
  readonly fleet: FleetSpec;
  readonly totals: { readonly services: number; readonly hosts: number; readonly tasks: number };
}

const TIERS = ['critical', 'standard', 'standard', 'batch'] as const;
const DELAYS = [15, 30, 60, 120, 300];

export function largeFleet(description: LargeFleetDescription = {}): LargeFleet {
  const primary = description.primaryRegion ?? 'us-east-1';
  const standby = description.standbyRegion ?? 'us-west-2';
  const clusterCount = description.clusters ?? 6;
  const perCluster = description.servicesPerCluster ?? 50;
  const hostsPerCluster = description.hostsPerCluster ?? 167;
  const tasksPerService = description.tasksPerService ?? 4;
  const share = description.standbyShare ?? 0.2;
  const clusters = Array.from({ length: clusterCount }, (_, c) => `cluster-${String(c + 1).padStart(2, '0')}`);

  const services = (floorOf: (i: number) => number): ServiceConfigInput[] =>
    clusters.flatMap((cluster, c) =>
      Array.from({ length: perCluster }, (_, s) => {
        const i = c * perCluster + s;
        const name = `svc-${String(i + 1).padStart(3, '0')}`;
        const behindLb = i % 5 !== 4;
        return {
          name,
          cluster,
          tier: TIERS[i % TIERS.length] ?? 'standard',
          floor: floorOf(i),
          ceiling: tasksPerService * 10,
          targetGroups: behindLb
            ? [{ name: `${name}-tg`, deregistrationDelaySeconds: DELAYS[i % DELAYS.length] ?? 30 }]
            : [],
        };
      }),
    );
  const region = (floorOf: (i: number) => number) => ({
    clusters: clusters.map((name) => ({ name })),
    autoScalingGroups: clusters.map((cluster) => ({
      name: `${cluster}-hosts`,
      cluster,
      lifecycleHookName: 'ballast-drain',
    })),
    services: services(floorOf),
  });
  const standbyTasks = Math.max(1, Math.round(tasksPerService * share));
  const config: BallastConfigInput = {
    name: 'ballast',
    primaryRegion: primary,
    standbyRegion: standby,
    regions: {
      [primary]: region(() => Math.max(1, Math.floor(tasksPerService / 2))),
      [standby]: region(() => standbyTasks),
    },
    policies: { drain: { budgetHosts: 20, budgetPercent: 10 } },
  };
  const groupsOf = (hosts: number) =>
    Object.fromEntries(clusters.map((cluster) => [`${cluster}-hosts`, { hosts, maxSize: hosts * 3 }]));
  const standbyHosts = Math.max(1, Math.round(hostsPerCluster * share));
  const fleet: FleetSpec = {
    groups: groupsOf(hostsPerCluster),
    services: { ...Object.fromEntries(services(() => 1).map((s) => [s.name, { desiredCount: tasksPerService }])) },
    regions: {
      [standby]: {
        groups: groupsOf(standbyHosts),
        services: Object.fromEntries(services(() => 1).map((s) => [s.name, { desiredCount: standbyTasks }])),
      },
    },
  };
  const serviceCount = clusterCount * perCluster;
  return {
    config,
    fleet,
    totals: { services: serviceCount, hosts: clusterCount * hostsPerCluster, tasks: serviceCount * tasksPerService },
  };
}
