import * as autoScalingModel from '@aws-sdk/client-auto-scaling';
import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  PutScheduledUpdateGroupActionCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import * as cloudWatchModel from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startEndpoint } from '#local/server/endpoint.ts';
import { decodeByShape, inputSchemaOf, queryTree } from '#local/server/query-shapes.ts';
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

describe('decodeByShape (the operation input shapes of the SDK client packages)', () => {
  it('builds lists, maps and nested structures, typing each value by its shape, not by its looks', () => {
    const params = new URLSearchParams(
      'Namespace=42&MetricData.member.2.MetricName=b&MetricData.member.2.Value=2&MetricData.member.1.MetricName=007' +
        '&MetricData.member.1.Value=1.5&MetricData.member.1.Values.member.1=3&MetricData.member.1.Timestamp=2026-11-25T02:00:00Z' +
        '&MetricData.member.1.Dimensions.member.1.Name=Stage&MetricData.member.1.Dimensions.member.1.Value=true' +
        '&MetricData.member.1.StatisticValues.Sum=0.5&StrictEntityValidation=false',
    );

    expect(decodeByShape(queryTree(params), inputSchemaOf(cloudWatchModel, 'PutMetricData')!)).toEqual({
      Namespace: '42',
      MetricData: [
        {
          MetricName: '007',
          Value: 1.5,
          Values: [3],
          Timestamp: new Date('2026-11-25T02:00:00Z'),
          Dimensions: [{ Name: 'Stage', Value: 'true' }],
          StatisticValues: { Sum: 0.5 },
        },
        { MetricName: 'b', Value: 2 },
      ],
      StrictEntityValidation: false,
    });
  });

  it('reads an empty list as Name=', () => {
    const tags = new URLSearchParams('AutoScalingGroupNames=&MaxRecords=10');

    expect(decodeByShape(queryTree(tags), inputSchemaOf(autoScalingModel, 'DescribeAutoScalingGroups')!)).toEqual({
      AutoScalingGroupNames: [],
      MaxRecords: 10,
    });
  });

  it('refuses a value that does not fit its shape, naming the parameter', () => {
    const bad = new URLSearchParams('AutoScalingGroupName=web&DesiredCapacity=two');

    expect(() => decodeByShape(queryTree(bad), inputSchemaOf(autoScalingModel, 'SetDesiredCapacity')!)).toThrow(
      "Value 'two' for parameter DesiredCapacity is invalid: it must be a number.",
    );
  });

  it('has no input shape for an action the model does not have', () => {
    expect(inputSchemaOf(cloudWatchModel, 'LaunchRockets')).toBeUndefined();
  });
});
