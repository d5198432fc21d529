import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeClustersCommand, ECSClient, ListClustersCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallRecord, type EndpointOptions, type LocalEndpoint, startEndpoint } from '#local/server/endpoint.ts';
import { allServices, clientConfig, type FakeWorld, fakeWorld, START } from './fixtures.ts';

/** What AWS does in front of a service: rate limits, outages, faults and IAM, all on virtual time. */
describe('the endpoint front door', () => {
  const open: Array<{ endpoint: LocalEndpoint; clients: Array<{ destroy(): void }> }> = [];
  afterEach(async () => {
    for (const { endpoint, clients } of open.splice(0)) {
      for (const client of clients) client.destroy();
      await endpoint.close();
    }
  });

  async function setup(options: Partial<EndpointOptions> = {}, world: FakeWorld = fakeWorld()) {
    const endpoint = await startEndpoint({ world: world.world, services: allServices(), ...options });
    const ecs = new ECSClient(clientConfig(endpoint.url));
    const asg = new AutoScalingClient(clientConfig(endpoint.url));
    const r53 = new Route53Client(clientConfig(endpoint.url));
    open.push({ endpoint, clients: [ecs, asg, r53] });
    return { endpoint, world, ecs, asg, r53 };
  }

  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { name: string }) => e.name,
    );

  it('throttles after the burst of the rate limit and recovers as virtual time passes', async () => {
    const { endpoint, world, ecs } = await setup();

    const burst: string[] = [];
    for (let i = 0; i < 101; i++) burst.push(await outcome(ecs.send(new ListTasksCommand({ cluster: 'alpha' }))));
    await world.clock.runFor(100); // 20 per second: 2 tokens back
    const after = [];
    for (let i = 0; i < 3; i++) after.push(await outcome(ecs.send(new ListTasksCommand({ cluster: 'alpha' }))));

    expect(burst.filter((o) => o === 'ok')).toHaveLength(100);
    expect(burst.at(-1)).toBe('ThrottlingException');
    expect(after).toEqual(['ok', 'ok', 'ThrottlingException']);
    expect(endpoint.calls.filter((c) => c.outcome === 'throttled')).toHaveLength(2);
    // ListClusters is not rate limited by config/limits.ts: it still works.
    expect(await outcome(ecs.send(new ListClustersCommand({})))).toBe('ok');
  });

  it('throttles Auto Scaling with the awsQuery code Throttling', async () => {
    const { asg } = await setup();

    const outcomes: string[] = [];
    for (let i = 0; i < 101; i++) outcomes.push(await outcome(asg.send(new DescribeAutoScalingGroupsCommand({}))));

    expect(outcomes.at(-1)).toBe('Throttling');
  });

  it('does not throttle when rate limits are off', async () => {
    const { ecs } = await setup({ rateLimits: false });

    const outcomes = new Set<string>();
    for (let i = 0; i < 150; i++) outcomes.add(await outcome(ecs.send(new ListTasksCommand({ cluster: 'alpha' }))));

    expect([...outcomes]).toEqual(['ok']);
  });

  it('injects faults only inside their window and records the added latency', async () => {
    const world = fakeWorld();
    world.faults.push({
      service: 'ecs',
      action: 'ListClusters',
      errorRate: 1,
      status: 503,
      latencyMs: 2500,
      from: START + 1000,
      until: START + 2000,
    });
    const { endpoint, ecs } = await setup({}, world);

    const before = await outcome(ecs.send(new ListClustersCommand({})));
    await world.clock.runFor(1000);
    const during = await ecs.send(new ListClustersCommand({})).catch((e: unknown) => e);
    const otherAction = await outcome(ecs.send(new ListTasksCommand({ cluster: 'alpha' })));
    await world.clock.runFor(1000);
    const afterwards = await outcome(ecs.send(new ListClustersCommand({})));

    expect(before).toBe('ok');
    expect(during).toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    expect(otherAction).toBe('ok');
    expect(afterwards).toBe('ok');
    expect(endpoint.calls[1]).toMatchObject({
      action: 'ListClusters',
      outcome: 'fault',
      latencyMs: 2500,
      t: START + 1000,
    });
  });

  it('samples a partial error rate from the seed: the same seed fails the same calls', async () => {
    const run = async (seed: number) => {
      const world = fakeWorld(seed);
      world.faults.push({
        service: '*',
        errorRate: 0.5,
        errorCode: 'ServerException',
        status: 500,
        from: 0,
        until: Number.MAX_SAFE_INTEGER,
      });
      const { ecs } = await setup({ rateLimits: false }, world);
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) outcomes.push(await outcome(ecs.send(new ListClustersCommand({}))));
      return outcomes.join(',');
    };

    const first = await run(7);
    const again = await run(7);

    expect(again).toBe(first);
    expect(first).toContain('ServerException');
    expect(first).toContain('ok');
  });

  it('fails every call to a region that is down, except global Route 53', async () => {
    const world = fakeWorld();
    world.regions.get('us-east-1')!.down = true;
    const { endpoint, ecs, asg, r53 } = await setup({}, world);

    const ecsError = await ecs.send(new ListClustersCommand({})).catch((e: unknown) => e);
    const asgError = await asg.send(new DescribeAutoScalingGroupsCommand({})).catch((e: unknown) => e);
    const zones = await r53.send(new ListHostedZonesCommand({}));

    expect(ecsError).toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    expect(asgError).toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect(zones.HostedZones).toHaveLength(1);
    expect(endpoint.calls.map((c) => c.outcome)).toEqual(['fault', 'fault', 'ok']);
  });

  it('denies what the authorizer refuses, with AWS message shape, per protocol', async () => {
    const seen: Array<{ action: string; resources: string[]; caller: string }> = [];
    const { endpoint, ecs, asg } = await setup({
      callerFor: (accessKeyId) =>
        accessKeyId === 'AKIDTEST'
          ? { accessKeyId, name: 'DrainFunction', roleArn: 'arn:aws:iam::123456789012:role/ballast/DrainRole' }
          : undefined,
      authorize: ({ caller, action, resources }) => {
        seen.push({ action, resources, caller: caller.name });
        return { allowed: action === 'ecs:ListClusters' };
      },
    });

    const allowed = await outcome(ecs.send(new ListClustersCommand({})));
    const ecsError = await ecs.send(new DescribeClustersCommand({ clusters: ['alpha'] })).catch((e: unknown) => e);
    const asgError = await asg.send(new DescribeAutoScalingGroupsCommand({})).catch((e: unknown) => e);

    expect(allowed).toBe('ok');
    expect(ecsError).toMatchObject({
      name: 'AccessDeniedException',
      message:
        'User: arn:aws:sts::123456789012:assumed-role/DrainRole/DrainFunction is not authorized to perform: ecs:DescribeClusters on resource: arn:aws:ecs:us-east-1:123456789012:cluster/alpha because no identity-based policy allows the ecs:DescribeClusters action',
    });
    expect(asgError).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(seen[1]).toEqual({
      action: 'ecs:DescribeClusters',
      resources: ['arn:aws:ecs:us-east-1:123456789012:cluster/alpha'],
      caller: 'DrainFunction',
    });
    expect(endpoint.calls.map((c) => [c.caller, c.outcome, c.errorCode])).toEqual([
      ['DrainFunction', 'ok', undefined],
      ['DrainFunction', 'denied', 'AccessDeniedException'],
      ['DrainFunction', 'denied', 'AccessDenied'],
    ]);
  });

  it('reports every call to onCall as it records it, with deterministic request ids', async () => {
    const heard: CallRecord[] = [];
    const ids = async () => {
      const { endpoint, ecs } = await setup({ onCall: (record) => heard.push(record) });
      const a = await ecs.send(new ListClustersCommand({}));
      const b = await ecs.send(new ListClustersCommand({}));
      return { endpoint, ids: [a.$metadata.requestId, b.$metadata.requestId] };
    };

    const first = await ids();
    const second = await ids();

    expect(heard).toHaveLength(4);
    expect(heard.slice(0, 2)).toEqual(first.endpoint.calls);
    expect(first.ids).toEqual(second.ids);
    expect(first.ids[0]).not.toBe(first.ids[1]);
    expect(heard[0]).toEqual({
      t: START,
      region: 'us-east-1',
      service: 'ecs',
      action: 'ListClusters',
      caller: 'operator',
      resources: ['*'],
      outcome: 'ok',
    });
  });
});
