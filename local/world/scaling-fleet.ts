import { type BallastConfig, fleetRegions } from '#config/schema.ts';
import { ECS_DIMENSION } from '../application-autoscaling/model.ts';
import type { ResourceRecordSet } from '../route53/records.ts';
import type { World } from './world.ts';

/**
 * Builds the scaling and DNS side of the simulated fleet from the Ballast configuration, after the
 * compute side (clusters, services, hosts) exists: per region and service a scalable target
 * [floor, ceiling] with a CPU target-tracking policy and its alarms; the hosted zone with one weighted
 * record per region for each steered name (primary 255, standby 0) and a health check per region.
 */

export interface ScalingFleetSpec {
  /** Target CPU utilization of every policy, percent. @default 60 */
  readonly targetCpu?: number;
  /** Per-service overrides keyed 'REGION/CLUSTER/SERVICE'. */
  readonly services?: Readonly<
    Record<string, { readonly min?: number; readonly max?: number; readonly targetCpu?: number }>
  >;
  /** @default 300 */
  readonly scaleOutCooldownSeconds?: number;
  /** @default 300 */
  readonly scaleInCooldownSeconds?: number;
  /** Leave the target-tracking policies out (scalable targets only). @default false */
  readonly withoutPolicies?: boolean;
  /** Health checks: probe interval (10 or 30 s) and failure threshold. @default 10 and 3 */
  readonly healthCheckIntervalSeconds?: 10 | 30;
  readonly healthCheckFailureThreshold?: number;
  /** Weight of each region's record (default: primary 255, every other region 0). */
  readonly weights?: Readonly<Record<string, number>>;
}

export interface ScalingFleet {
  /** Scalable targets created, by region: ResourceIds 'service/CLUSTER/SERVICE'. */
  readonly targets: ReadonlyMap<string, readonly string[]>;
  readonly hostedZoneId: string | undefined;
  /** Health check id per region. */
  readonly healthChecks: ReadonlyMap<string, string>;
  /** Fully qualified record names steered (with the trailing dot). */
  readonly records: readonly string[];
}

/** The endpoint a region's record points at: its load balancer's name in the zone. */
export function endpointOf(region: string, zoneName: string): string {
  return `alb.${region}.${zoneName.replace(/\.$/, '')}`;
}

export function buildScalingFleet(world: World, config: BallastConfig, spec: ScalingFleetSpec = {}): ScalingFleet {
  const regions = fleetRegions(config).filter((r) => world.regions.has(r));
  const targets = new Map<string, string[]>();
  for (const region of regions) {
    const aas = world.region(region).applicationAutoScaling;
    const ids: string[] = [];
    for (const service of config.regions[region]?.services ?? []) {
      const resourceId = `service/${service.cluster}/${service.name}`;
      const override = spec.services?.[`${region}/${service.cluster}/${service.name}`] ?? {};
      const key = { ServiceNamespace: 'ecs', ResourceId: resourceId, ScalableDimension: ECS_DIMENSION };
      aas.registerScalableTarget({
        ...key,
        MinCapacity: override.min ?? service.floor,
        MaxCapacity: override.max ?? service.ceiling,
      });
      if (!spec.withoutPolicies) {
        const target = override.targetCpu ?? spec.targetCpu ?? 60;
        aas.putScalingPolicy({
          ...key,
          PolicyName: `${config.name}-${service.name}-cpu${target}`,
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: target,
            PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
            ScaleOutCooldown: spec.scaleOutCooldownSeconds ?? 300,
            ScaleInCooldown: spec.scaleInCooldownSeconds ?? 300,
          },
        });
      }
      ids.push(resourceId);
    }
    targets.set(region, ids);
  }

  const healthChecks = new Map<string, string>();
  const dns = config.dns;
  if (!dns) return { targets, hostedZoneId: undefined, healthChecks, records: [] };
  const route53 = world.route53;
  const zone =
    route53.zone(dns.hostedZoneId) ??
    route53.createHostedZone({ id: dns.hostedZoneId, name: dns.zoneName, comment: `${config.name} fleet` });
  for (const region of regions) {
    const fleet = config.regions[region];
    const fronted = (fleet?.services ?? []).filter((s) => s.targetGroups.length > 0);
    const services = (fronted.length > 0 ? fronted : (fleet?.services ?? [])).map((s) => ({
      cluster: s.cluster,
      service: s.name,
    }));
    const check = route53.createHealthCheck(
      `${config.name}-${region}`,
      {
        Type: 'HTTPS',
        FullyQualifiedDomainName: endpointOf(region, dns.zoneName),
        Port: 443,
        ResourcePath: '/health',
        RequestInterval: spec.healthCheckIntervalSeconds ?? 10,
        FailureThreshold: spec.healthCheckFailureThreshold ?? 3,
      },
      { region, services },
    );
    healthChecks.set(region, check.Id);
  }
  const sets: ResourceRecordSet[] = [];
  // In data-plane mode the weighted records are Ballast's own, made by its deployment (infra/region-failover.ts).
  const ownRecords = config.policies.failover.mode !== 'data-plane';
  for (const record of ownRecords ? dns.records : []) {
    regions.forEach((region, i) => {
      const weight = spec.weights?.[region] ?? (region === config.primaryRegion ? 255 : 0);
      sets.push({
        Name: record.name,
        Type: record.type,
        SetIdentifier: region,
        Weight: weight,
        TTL: dns.ttl,
        ResourceRecords: [{ Value: valueFor(record.type, region, dns.zoneName, i) }],
        HealthCheckId: healthChecks.get(region),
      });
    });
  }
  if (sets.length > 0) route53.putRecordSetsNow(zone.id, sets);
  const records = dns.records.map((r) => (r.name.endsWith('.') ? r.name : `${r.name}.`).toLowerCase());
  return { targets, hostedZoneId: zone.id, healthChecks, records };
}

function valueFor(type: string, region: string, zoneName: string, index: number): string {
  if (type === 'A') return `198.51.100.${10 + index}`;
  if (type === 'AAAA') return `2001:db8::${(10 + index).toString(16)}`;
  return endpointOf(region, zoneName);
}
