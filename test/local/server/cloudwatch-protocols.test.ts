import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startEndpoint } from '#local/server/endpoint.ts';
import { allServices, authHeader, type CloudWatchCapture, clientConfig, fakeWorld, START } from './fixtures.ts';

/** One service definition, three wire protocols: the codec follows the request, as CloudWatch itself does. */
describe('CloudWatch over awsJson 1.0 and awsQuery', () => {
  const capture: CloudWatchCapture = {};
  let endpoint: LocalEndpoint;
  let cw: CloudWatchClient;

  beforeAll(async () => {
    endpoint = await startEndpoint({
      world: fakeWorld().world,
      services: allServices(undefined, undefined, capture),
      rateLimits: false,
    });
    cw = new CloudWatchClient(clientConfig(endpoint.url));
  });
  afterAll(async () => {
    cw.destroy();
    await endpoint.close();
  });

  it('serves the SDK v3 client (awsJson 1.0, awsQuery-compatible errors)', async () => {
    const alarms = await cw.send(new DescribeAlarmsCommand({}));
    const error = await cw
      .send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'ALARM', StateReason: 'x' }))
      .catch((e: unknown) => e);

    expect(alarms.MetricAlarms?.[0]).toMatchObject({
      AlarmName: 'web-cpu-high',
      Threshold: 70.5,
      StateUpdatedTimestamp: new Date(START - 300_000),
      Dimensions: [{ Name: 'ServiceName', Value: 'web' }],
    });
    expect(error).toMatchObject({
      name: 'ResourceNotFound',
      message: 'Alarm nope does not exist',
      $metadata: { httpStatusCode: 404 },
    });
    expect(endpoint.calls.at(-1)).toMatchObject({
      service: 'cloudwatch',
      action: 'SetAlarmState',
      errorCode: 'ResourceNotFound',
    });
  });

  it('passes JSON timestamps through as epoch numbers for the service to read', async () => {
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Ballast',
        MetricData: [{ MetricName: 'Heartbeat', Value: 1, Timestamp: new Date(START) }],
      }),
    );

    expect(capture.lastPut).toEqual({
      Namespace: 'Ballast',
      MetricData: [{ MetricName: 'Heartbeat', Value: 1, Timestamp: START / 1000 }],
    });
  });

  it('answers a form-encoded request to the same service in awsQuery XML', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { authorization: authHeader('monitoring'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeAlarms&Version=2010-08-01',
    });
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text).toContain('<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">');
    expect(text).toContain('<MetricAlarms><member><AlarmName>web-cpu-high</AlarmName>');
    expect(text).toContain('<StateUpdatedTimestamp>2026-11-25T01:55:00.000Z</StateUpdatedTimestamp>');
  });
});
