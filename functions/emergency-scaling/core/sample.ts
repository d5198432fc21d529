import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { LIMITS } from '#config/limits.ts';
import { type GroupSample, type ServiceSample, writeSamples } from '#shared/capacity-history.ts';
import type { ScalingDeps } from './deps.ts';

export interface SampleResult {
  readonly at: string;
  readonly services: number;
  readonly groups: number;
  /** Configured services ECS did not return (or returned INACTIVE): not sampled, listed here. */
  readonly missingServices: string[];
  readonly missingGroups: string[];
}

/**
 * Records one capacity sample: desired / running / pending of every configured service (DescribeServices,
 * 10 a call) and desired / InService of every configured group (DescribeAutoScalingGroups, 100 a page),
 * into the ledger's capacity history. Only ECS, Auto Scaling and DynamoDB: it keeps working when
 * CloudWatch does not. Read-only towards the fleet, so it also runs in dry-run.
 */
export async function sampleCapacity(
  deps: Pick<ScalingDeps, 'clients' | 'history' | 'clock' | 'config' | 'logger'>,
): Promise<SampleResult> {
  const at = deps.clock();
  const { services, missing: missingServices } = await describeServices(deps);
  const { groups, missing: missingGroups } = await describeGroups(deps);
  await writeSamples(deps.history, deps.config.region, at, { services, groups }, deps.config.retentionDays);
  if (missingServices.length + missingGroups.length > 0) {
    deps.logger.warn('Capacity sample: configured resources not found', { missingServices, missingGroups });
  }
  return { at: at.toISOString(), services: services.length, groups: groups.length, missingServices, missingGroups };
}

async function describeServices(deps: Pick<ScalingDeps, 'clients' | 'config'>) {
  const byCluster = new Map<string, string[]>();
  for (const s of deps.config.services) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s.name]);
  const services: ServiceSample[] = [];
  const missing: string[] = [];
  for (const [cluster, names] of byCluster) {
    for (let i = 0; i < names.length; i += LIMITS.ecsDescribeServicesMax) {
      const chunk = names.slice(i, i + LIMITS.ecsDescribeServicesMax);
      const out = await deps.clients.ecs.send(new DescribeServicesCommand({ cluster, services: chunk }));
      const found = new Map((out.services ?? []).filter((s) => s.status !== 'INACTIVE').map((s) => [s.serviceName, s]));
      for (const name of chunk) {
        const s = found.get(name);
        if (!s) {
          missing.push(`${cluster}/${name}`);
          continue;
        }
        services.push({
          cluster,
          service: name,
          desired: s.desiredCount ?? 0,
          running: s.runningCount ?? 0,
          pending: s.pendingCount ?? 0,
        });
      }
    }
  }
  return { services, missing };
}

async function describeGroups(deps: Pick<ScalingDeps, 'clients' | 'config'>) {
  const names = deps.config.groups.map((g) => g.name);
  const groups: GroupSample[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < names.length; i += LIMITS.autoScalingDescribeGroupsMaxRecords) {
    const chunk = names.slice(i, i + LIMITS.autoScalingDescribeGroupsMaxRecords);
    let token: string | undefined;
    do {
      const out = await deps.clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({
          AutoScalingGroupNames: chunk,
          MaxRecords: LIMITS.autoScalingDescribeGroupsMaxRecords,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const g of out.AutoScalingGroups ?? []) {
        if (!g.AutoScalingGroupName || seen.has(g.AutoScalingGroupName)) continue;
        seen.add(g.AutoScalingGroupName);
        groups.push({
          group: g.AutoScalingGroupName,
          desired: g.DesiredCapacity ?? 0,
          inService: (g.Instances ?? []).filter((x) => x.LifecycleState === 'InService').length,
        });
      }
      token = out.NextToken;
    } while (token);
  }
  return { groups, missing: names.filter((n) => !seen.has(n)) };
}
