import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  PutScheduledUpdateGroupActionCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startEndpoint } from '#local/server/endpoint.ts';
import { decodeQueryParams } from '#local/server/query-protocol.ts';
import { type AutoScalingCapture, allServices, authHeader, clientConfig, fakeWorld, START } from './fixtures.ts';

describe('the endpoint speaking awsQuery to the real SDK v3 client', () => {
  const capture: AutoScalingCapture = {};
  let endpoint: LocalEndpoint;
  let asg: AutoScalingClient;

  beforeAll(async () => {
    endpoint = await startEndpoint({ world: fakeWorld().world, services: allServices(capture), rateLimits: false });
    asg = new AutoScalingClient(clientConfig(endpoint.url));
  });
  afterAll(async () => {
    asg.destroy();
    await endpoint.close();
  });

  it('decodes list and number inputs and encodes nested lists, dates, booleans and numeric strings', async () => {
    const out = await asg.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web', '42'], MaxRecords: 50 }),
    );

    expect(capture.lastInput).toEqual({ AutoScalingGroupNames: ['web', '42'], MaxRecords: 50 });
    const [group, named42] = out.AutoScalingGroups ?? [];
    expect(named42?.AutoScalingGroupName).toBe('42');
    expect(group).toMatchObject({
      AutoScalingGroupName: 'web',
      MinSize: 0,
      DesiredCapacity: 2,
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      LoadBalancerNames: [],
      NewInstancesProtectedFromScaleIn: false,
      Tags: [{ Key: 'build', Value: '007', PropagateAtLaunch: true }],
      SuspendedProcesses: [{ ProcessName: 'AZRebalance' }],
    });
    expect(group?.CreatedTime?.getTime()).toBe(START - 86_400_000);
    expect(group?.Instances?.map((i) => [i.InstanceId, i.ProtectedFromScaleIn, i.LifecycleState])).toEqual([
      ['i-0abc', true, 'InService'],
      ['i-0def', false, 'Terminating:Wait'],
    ]);
    expect(group?.Instances?.[0]?.LaunchTemplate?.Version).toBe('3');
  });

  it('turns a ValidationError into the SDK error with the code, message and Sender fault', async () => {
    const error = await asg.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 500 })).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'MaxRecords must be at most 100',
      $fault: 'client',
    });
    expect(endpoint.calls.at(-1)).toMatchObject({
      service: 'autoscaling',
      action: 'DescribeAutoScalingGroups',
      outcome: 'error',
      errorCode: 'ValidationError',
    });
  });

  it('coerces booleans and numbers but keeps numeric-looking string fields as strings', async () => {
    await asg.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: '2024', DesiredCapacity: 3, HonorCooldown: true }),
    );
    expect(capture.lastInput).toEqual({ AutoScalingGroupName: '2024', DesiredCapacity: 3, HonorCooldown: true });

    await asg.send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          { Key: '1', Value: '0042', ResourceId: 'web', ResourceType: 'auto-scaling-group', PropagateAtLaunch: false },
        ],
      }),
    );
    expect(capture.lastInput).toEqual({
      Tags: [
        { Key: '1', Value: '0042', ResourceId: 'web', ResourceType: 'auto-scaling-group', PropagateAtLaunch: false },
      ],
    });
  });

  it('decodes ISO 8601 timestamps to Dates', async () => {
    await asg.send(
      new PutScheduledUpdateGroupActionCommand({
        AutoScalingGroupName: 'web',
        ScheduledActionName: 'night',
        StartTime: new Date(START + 3_600_000),
        MinSize: 1,
      }),
    );

    expect(capture.lastInput?.StartTime).toEqual(new Date(START + 3_600_000));
  });

  it('answers an unknown action with InvalidAction and a missing action with MissingAction', async () => {
    const post = (body: string) =>
      fetch(endpoint.url, {
        method: 'POST',
        headers: { authorization: authHeader('autoscaling'), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });

    const unknown = await post('Action=LaunchRockets&Version=2011-01-01');
    const missing = await post('Version=2011-01-01');

    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('<Code>InvalidAction</Code>');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('<Code>MissingAction</Code>');
  });

  it('writes the response envelope with the namespace and the request id', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { authorization: authHeader('autoscaling'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=SetDesiredCapacity&Version=2011-01-01&AutoScalingGroupName=web&DesiredCapacity=1',
    });
    const text = await response.text();

    expect(text).toMatch(/^<SetDesiredCapacityResponse xmlns="http:\/\/autoscaling.amazonaws.com\/doc\/2011-01-01\/">/);
    expect(text).toContain(`<RequestId>${response.headers.get('x-amzn-requestid')}</RequestId>`);
    expect(text).not.toContain('SetDesiredCapacityResult');
  });
});

describe('decodeQueryParams', () => {
  it('builds lists, maps, nested structures and flattened lists from the query keys', () => {
    const params = new URLSearchParams(
      'A.member.2.B=y&A.member.1.B=x&A.member.1.C.member.1=7&M.entry.1.key=k1&M.entry.1.value=v1&M.entry.2.key=k2&M.entry.2.value=12' +
        '&S.Nested.Flag=false&S.Nested.Ratio=0.5&InstanceId.1=i-1&InstanceId.2=i-2&Empty=&Zip=02139',
    );

    expect(decodeQueryParams(params)).toEqual({
      A: [{ B: 'x', C: [7] }, { B: 'y' }],
      M: { k1: 'v1', k2: '12' },
      S: { Nested: { Flag: false, Ratio: 0.5 } },
      InstanceId: ['i-1', 'i-2'],
      Empty: '',
      Zip: '02139',
    });
  });
});
