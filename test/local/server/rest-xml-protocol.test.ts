import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  NoSuchHostedZone,
  Route53Client,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startEndpoint } from '#local/server/endpoint.ts';
import { allServices, authHeader, clientConfig, fakeWorld, type Route53Capture, START } from './fixtures.ts';

describe('the endpoint speaking restXml (Route 53) to the real SDK v3 client', () => {
  const capture: Route53Capture = {};
  let endpoint: LocalEndpoint;
  let r53: Route53Client;

  beforeAll(async () => {
    endpoint = await startEndpoint({
      world: fakeWorld().world,
      services: allServices(undefined, capture),
      rateLimits: false,
    });
    r53 = new Route53Client(clientConfig(endpoint.url, 'eu-west-1'));
  });
  afterAll(async () => {
    r53.destroy();
    await endpoint.close();
  });

  it('lists hosted zones and records the global service against us-east-1', async () => {
    const out = await r53.send(new ListHostedZonesCommand({}));

    expect(out.HostedZones).toEqual([
      expect.objectContaining({ Id: '/hostedzone/Z1', Name: 'example.com.', ResourceRecordSetCount: 3 }),
    ]);
    expect(endpoint.calls.at(-1)).toMatchObject({ service: 'route53', action: 'ListHostedZones', region: 'us-east-1' });
  });

  it('pages record sets through the name/type/maxitems query and the Next* markers', async () => {
    const first = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: '/hostedzone/Z1', MaxItems: 2 }));
    const second = await r53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: 'Z1',
        StartRecordName: first.NextRecordName,
        StartRecordType: first.NextRecordType,
        StartRecordIdentifier: first.NextRecordIdentifier,
        MaxItems: 2,
      }),
    );

    expect(first.IsTruncated).toBe(true);
    expect(first.MaxItems).toBe(2);
    expect(first.ResourceRecordSets?.[1]).toEqual({
      Name: 'b.example.com.',
      Type: 'A',
      SetIdentifier: 'blue-1',
      Weight: 10,
      TTL: 60,
      ResourceRecords: [{ Value: '10.0.0.2' }, { Value: '10.0.1.2' }],
    });
    expect(capture.lastList).toEqual({
      HostedZoneId: 'Z1',
      StartRecordName: 'c.example.com.',
      StartRecordType: 'A',
      StartRecordIdentifier: 'blue-2',
      MaxItems: 2,
    });
    expect(second.IsTruncated).toBe(false);
    expect(second.ResourceRecordSets?.map((r) => r.Name)).toEqual(['c.example.com.']);
  });

  it('parses a change batch into the SDK input shape and returns the change info', async () => {
    const out = await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: 'Z1',
        ChangeBatch: {
          Comment: 'shift <10%> & fail over',
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'api.example.com.',
                Type: 'A',
                SetIdentifier: 'west',
                Weight: 0,
                TTL: 30,
                ResourceRecords: [{ Value: '10.1.0.1' }],
                HealthCheckId: 'hc-1',
              },
            },
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'api.example.com.',
                Type: 'A',
                SetIdentifier: 'east',
                Weight: 255,
                AliasTarget: { HostedZoneId: 'ZALB', DNSName: 'lb.example.com.', EvaluateTargetHealth: true },
              },
            },
          ],
        },
      }),
    );

    expect(out.ChangeInfo).toEqual({
      Id: '/change/C1',
      Status: 'PENDING',
      SubmittedAt: new Date(START),
      Comment: 'shift <10%> & fail over',
    });
    expect(capture.lastChange).toEqual({
      HostedZoneId: 'Z1',
      ChangeBatch: {
        Comment: 'shift <10%> & fail over',
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'api.example.com.',
              Type: 'A',
              SetIdentifier: 'west',
              Weight: 0,
              TTL: 30,
              ResourceRecords: [{ Value: '10.1.0.1' }],
              HealthCheckId: 'hc-1',
            },
          },
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'api.example.com.',
              Type: 'A',
              SetIdentifier: 'east',
              Weight: 255,
              AliasTarget: { HostedZoneId: 'ZALB', DNSName: 'lb.example.com.', EvaluateTargetHealth: true },
            },
          },
        ],
      },
    });
    expect(endpoint.calls.at(-1)?.resources).toEqual(['arn:aws:route53:::hostedzone/Z1']);
  });

  it('reads a change by id', async () => {
    const out = await r53.send(new GetChangeCommand({ Id: '/change/C1' }));

    expect(out.ChangeInfo).toMatchObject({ Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date(START - 60_000) });
  });

  it('answers an unknown zone with NoSuchHostedZone (404)', async () => {
    const error = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NoSuchHostedZone);
    expect(error).toMatchObject({ message: 'No hosted zone found with ID: ZNOPE', $metadata: { httpStatusCode: 404 } });
  });

  it('lists health checks and their per-region observations', async () => {
    const checks = await r53.send(new ListHealthChecksCommand({}));
    const status = await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: 'hc-1' }));

    expect(checks.HealthChecks?.[0]).toMatchObject({
      Id: 'hc-1',
      HealthCheckVersion: 2,
      HealthCheckConfig: { Port: 443, Regions: ['us-east-1', 'eu-west-1'], Inverted: false },
    });
    expect(status.HealthCheckObservations?.map((o) => [o.Region, o.StatusReport?.Status])).toEqual([
      ['us-east-1', 'Success: HTTP Status Code 200 (hc-1)'],
      ['eu-west-1', 'Failure: timeout'],
    ]);
    expect(status.HealthCheckObservations?.[0]?.StatusReport?.CheckedTime).toEqual(new Date(START));
  });

  it('parses an UpdateHealthCheck body with numbers, booleans and lists', async () => {
    const out = await r53.send(
      new UpdateHealthCheckCommand({
        HealthCheckId: 'hc-1',
        FailureThreshold: 2,
        Inverted: true,
        Regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
        ResetElements: ['ResourcePath'],
      }),
    );

    expect(capture.lastUpdate).toEqual({
      HealthCheckId: 'hc-1',
      FailureThreshold: 2,
      Inverted: true,
      Regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
      ResetElements: ['ResourcePath'],
    });
    expect(out.HealthCheck).toMatchObject({
      Id: 'hc-1',
      HealthCheckVersion: 3,
      HealthCheckConfig: { FailureThreshold: 2, Inverted: true },
    });
  });

  it('answers a malformed body with MalformedInput and an unrouted path with UnknownOperationException', async () => {
    const headers = { authorization: authHeader('route53') };
    const malformed = await fetch(`${endpoint.url}/2013-04-01/hostedzone/Z1/rrset/`, {
      method: 'POST',
      headers,
      body: '<ChangeResourceRecordSetsRequest><ChangeBatch>',
    });
    const unrouted = await fetch(`${endpoint.url}/2013-04-01/trafficpolicies`, { headers });

    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('<Code>MalformedInput</Code>');
    expect(unrouted.status).toBe(404);
    expect(await unrouted.text()).toContain('<Code>UnknownOperationException</Code>');
  });
});
