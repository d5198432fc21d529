import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { DeployedStack } from '#local/deploy/deployer.ts';
import { grantedActions } from '#test/support/grants.ts';
import { iamAuthorizer } from '#test/support/iam-authorizer.ts';
import example from '../../ballast.config.ts';
import { main as cli } from '../../cli/ballast.ts';

/**
 * Emergency scaling end to end in the local cloud: `ballast scale` starts the real state machines from the
 * synthesized template, the real handlers call the simulated ECS, Application Auto Scaling and Auto Scaling
 * over the wire, the ledger is dynalite, all on virtual time.
 */
const REGION = 'us-east-1';
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

const MUTATING = [
  'application-autoscaling:RegisterScalableTarget',
  'ecs:UpdateService',
  'autoscaling:UpdateAutoScalingGroup',
];
const mutatingCalls = (c: LocalCloud) =>
  c.endpoint.calls.filter((call) => MUTATING.includes(`${call.service}:${call.action}`) && call.caller !== 'deployer');

async function scaleCli(c: LocalCloud, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(['scale', ...args, '--region', REGION], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    sfn: new SFNClient(c.clientConfig(REGION)),
    now: () => new Date(c.world.now()),
    sleep: (ms) => c.runFor(ms),
  });
  return { code, out, err };
}

const targetsOf = (c: LocalCloud) =>
  Object.fromEntries(
    c.world
      .region(REGION)
      .applicationAutoScaling.allTargets()
      .map((t) => [t.ResourceId, { min: t.MinCapacity, max: t.MaxCapacity, suspended: { ...t.SuspendedState } }]),
  );

describe('ballast scale against the local cloud', () => {
  it('plans without a single mutating call', async () => {
    cloud = await LocalCloud.start({ config: example, seed: 11, withBallast: true });
    const before = mutatingCalls(cloud).length;

    const { code, out, err } = await scaleCli(cloud, ['plan', '--multiplier', '2', '--wait', '--json']);

    expect(code, [...out, ...err].join('\n')).toBe(0);
    const result = JSON.parse(out.at(-1)!);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output.services.map((s: { key: string }) => s.key)).toContain('web/api');
    expect(mutatingCalls(cloud).length).toBe(before);
  });

  it('raises clamp-safe and holds (exit 0 once in place), then restores every target and group exactly', async () => {
    cloud = await LocalCloud.start({ config: example, seed: 12, withBallast: true });
    const c = cloud;
    const snapshot = targetsOf(c);
    const groups = () =>
      Object.fromEntries(
        ['web-hosts', 'worker-hosts'].map((g) => {
          const group = c.world.region(REGION).autoscaling.group(g)!;
          return [g, { min: group.minSize, max: group.maxSize }];
        }),
      );
    const groupsBefore = groups();

    const raised = await scaleCli(c, [
      'raise',
      '--multiplier',
      '2',
      '--reason',
      'pre-scale for the release',
      '--hours',
      '2',
      '--wait',
      '--json',
    ]);

    expect(raised.err.join('\n') + raised.out.join('\n')).toContain('… Record Override');
    expect(raised.code).toBe(0);
    expect(JSON.parse(raised.out.at(-1)!).status).toBe('HOLDING');
    const api = targetsOf(c)['service/web/api']!;
    expect(api.suspended).toMatchObject({ DynamicScalingInSuspended: true, ScheduledScalingSuspended: true });
    expect(api.min).toBeGreaterThan(snapshot['service/web/api']!.min);
    expect(api.max).toBeGreaterThanOrEqual(api.min);
    const registers = c.endpoint.calls.filter(
      (call) => call.action === 'RegisterScalableTarget' && call.caller !== 'deployer',
    );
    expect(registers.every((call) => call.outcome === 'ok')).toBe(true);

    const restored = await scaleCli(c, ['restore', '--reason', 'release done', '--wait', '--json']);

    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.out.at(-1)!).output).toMatchObject({ differences: [], phase: 'done' });
    expect(targetsOf(c)).toEqual(snapshot);
    expect(groups()).toEqual(groupsBefore);
  });

  it('makes every call of a raise and a restore within the roles the template grants (IAM enforced)', async () => {
    const holder: { stacks: DeployedStack[] } = { stacks: [] };
    cloud = await LocalCloud.start({ config: example, seed: 14, withBallast: true, authorize: iamAuthorizer(holder) });
    holder.stacks = cloud.stacks;

    const raised = await scaleCli(cloud, ['raise', '--percent', '50', '--reason', 'game day', '--wait']);
    const restored = await scaleCli(cloud, ['restore', '--wait']);

    const denied = cloud.endpoint.calls.filter((call) => call.outcome === 'denied');
    expect(denied.map((d) => `${d.caller} ${d.service}:${d.action} ${d.resources.join(',')}`)).toEqual([]);
    expect([raised.code, restored.code]).toEqual([0, 0]);
    const callers = new Set(
      cloud.endpoint.calls.filter((call) => call.action === 'RegisterScalableTarget').map((call) => call.caller),
    );
    expect([...callers].sort()).toEqual([
      expect.stringMatching(/EmergencyScalingRaiseRole/),
      expect.stringMatching(/EmergencyScalingRestoreRole/),
    ]);

    // Every grant of the emergency-scaling functions' roles is used by this run (sampler and detector included),
    // but for the ones named here: what detection does (the Detect role's StartExecution and PutEvents:
    // emergency-scaling-detector.test.ts), the restore at expiry (the Raise role's StartExecution: 'restores
    // on its own when the override expires'), and what only services without a scalable target need (Raise's
    // UpdateService, Restore's DescribeServices and UpdateService; the example fleet has none). The state
    // machines' roles are left out: the local cloud does not record their Lambda invocations as API calls.
    await cloud.runFor(10 * 60_000);
    const unused: string[] = [];
    const stack = cloud.stacks.find((s) => s.region === REGION)!;
    const functionRoles = stack.roles.filter(
      (r) => /EmergencyScaling/.test(r.logicalId) && !/StateMachineRole/.test(r.logicalId),
    );
    expect(functionRoles.length).toBe(5); // sample, detect, validate, raise, restore
    for (const role of functionRoles) {
      const granted = grantedActions(role);
      const used = new Set(
        cloud.endpoint.calls
          .filter((call) => call.caller === role.logicalId)
          .map((call) => `${call.service}:${call.action}`),
      );
      for (const action of granted)
        if (!used.has(action)) unused.push(`${role.logicalId.replace(/[0-9A-F]{8}$/, '')} ${action}`);
    }
    expect(unused.sort()).toEqual([
      'BallastEmergencyScalingDetectRole events:PutEvents',
      'BallastEmergencyScalingDetectRole states:StartExecution',
      'BallastEmergencyScalingRaiseRole ecs:UpdateService',
      'BallastEmergencyScalingRaiseRole states:StartExecution',
      'BallastEmergencyScalingRestoreRole ecs:DescribeServices',
      'BallastEmergencyScalingRestoreRole ecs:UpdateService',
    ]);
  });

  it('avoids the clamp trap: the naive order ends at max in the simulation, Ballast holds above it', async () => {
    // Arrange: api's scalable target has a max below what we want to hold.
    cloud = await LocalCloud.start({ config: example, seed: 15, withBallast: true });
    const c = cloud;
    const ecs = new ECSClient(c.clientConfig(REGION));
    const aas = new ApplicationAutoScalingClient(c.clientConfig(REGION));
    const max = 10;
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: 'service/web/api',
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: 2,
        MaxCapacity: max,
      }),
    );
    await c.runFor(5 * 60_000);
    const want = max + 3;
    const desired = () => c.world.region(REGION).ecs.cluster('web')!.services.get('api')!.desiredCount;

    // Naive: a desired count above max, then suspend scaling: the registration snaps it back to max.
    await ecs.send(new UpdateServiceCommand({ cluster: 'web', service: 'api', desiredCount: want }));
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: 'service/web/api',
        ScalableDimension: 'ecs:service:DesiredCount',
        SuspendedState: { DynamicScalingInSuspended: true, ScheduledScalingSuspended: true },
      }),
    );
    const naive = desired();
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: 'service/web/api',
        ScalableDimension: 'ecs:service:DesiredCount',
        SuspendedState: { DynamicScalingInSuspended: false, ScheduledScalingSuspended: false },
      }),
    );
    await c.runFor(10 * 60_000);

    // Ballast: one registration with MinCapacity = target and MaxCapacity >= target.
    const raised = await scaleCli(c, ['raise', '--count', `web/api=${want}`, '--reason', 'clamp trap', '--wait']);
    await c.runFor(15 * 60_000);

    expect(naive).toBe(max);
    expect(raised.code).toBe(0);
    expect(desired()).toBe(want);
    expect(targetsOf(c)['service/web/api']).toMatchObject({ min: want, max: want });
  });

  it('restores on its own when the override expires, warning before', async () => {
    cloud = await LocalCloud.start({ config: example, seed: 16, withBallast: true });
    const c = cloud;
    const snapshot = targetsOf(c);

    const raised = await scaleCli(c, [
      'raise',
      '--multiplier',
      '2',
      '--reason',
      'short hold',
      '--hours',
      '1',
      '--wait',
    ]);
    await c.runFor(90 * 60_000);

    expect(raised.code).toBe(0);
    const byMachine = (name: string) => c.sfn.executions.filter((e) => e.stateMachineArn.endsWith(`:${name}`));
    expect(byMachine('ballast-emergency-scale').map((e) => e.status)).toEqual(['SUCCEEDED']);
    const restore = byMachine('ballast-restore-scaling');
    expect(restore.map((e) => [e.name.startsWith('expiry-ovr-'), e.status])).toEqual([[true, 'SUCCEEDED']]);
    expect(targetsOf(c)).toEqual(snapshot);
    const events = c.bus.seen
      .filter((e) => e.source === 'ballast' && e['detail-type'].startsWith('Scaling '))
      .map((e) => e['detail-type']);
    expect(events).toEqual(['Scaling Override Applied', 'Scaling Override Expiring', 'Scaling Override Restored']);
  });

  it('rejects a malformed raise with exit code 2 and starts nothing', async () => {
    cloud = await LocalCloud.start({ config: example, seed: 13, withBallast: true });

    const { code, err } = await scaleCli(cloud, ['raise', '--percent=-5', '--reason', 'x']);

    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/percent: must be a positive percentage/);
    expect(cloud.sfn.executions).toHaveLength(0);
  });
});
