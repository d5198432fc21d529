import {
  DescribeClustersCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  paginateListClusters,
} from '@aws-sdk/client-ecs';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startEndpoint } from '#local/server/endpoint.ts';
import { allServices, authHeader, clientConfig, fakeWorld, START } from './fixtures.ts';

describe('the endpoint speaking awsJson to the real SDK v3 clients', () => {
  let endpoint: LocalEndpoint;
  let ecs: ECSClient;
  let sfn: SFNClient;

  beforeAll(async () => {
    endpoint = await startEndpoint({ world: fakeWorld().world, services: allServices(), rateLimits: false });
    ecs = new ECSClient(clientConfig(endpoint.url));
    sfn = new SFNClient(clientConfig(endpoint.url));
  });
  afterAll(async () => {
    ecs.destroy();
    sfn.destroy();
    await endpoint.close();
  });

  it('pages through ListClusters with the SDK paginator (awsJson 1.1)', async () => {
    const arns: string[] = [];
    let pages = 0;
    for await (const page of paginateListClusters({ client: ecs, pageSize: 2 }, {})) {
      pages++;
      arns.push(...(page.clusterArns ?? []));
    }

    expect(pages).toBe(3);
    expect(arns).toHaveLength(5);
    expect(arns[0]).toBe('arn:aws:ecs:us-east-1:123456789012:cluster/alpha');
  });

  it('turns a service error into the named SDK exception with its message and status', async () => {
    const error = await ecs.send(new DescribeClustersCommand({ clusters: ['nope'] })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'ClusterNotFoundException', message: 'Cluster not found: nope' });
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
  });

  it('writes Dates as epoch seconds that the SDK reads back as the same Dates', async () => {
    const out = await ecs.send(new DescribeTasksCommand({ cluster: 'alpha', tasks: ['t1', 't2'] }));

    expect(out.tasks?.map((t) => t.createdAt?.getTime())).toEqual([START - 60_000, START - 120_000]);
    expect(out.tasks?.[0]?.overrides?.containerOverrides).toEqual([]);
  });

  it('serves a json 1.0 service (Step Functions), including its modelled errors', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:drain',
        name: 'x1',
      }),
    );
    const missing = await sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:nope' })).catch((e: unknown) => e);

    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:drain:x1');
    expect(started.startDate?.getTime()).toBe(START);
    expect(missing).toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('answers a service crash as a 500 InternalFailure and records it', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        authorization: authHeader('ecs'),
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.Explode',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });

    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ __type: 'InternalFailure', message: 'Internal failure: boom' });
    expect(endpoint.calls.at(-1)).toMatchObject({ action: 'Explode', outcome: 'error', errorCode: 'InternalFailure' });
  });

  it('rejects an unknown operation with UnknownOperationException', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        authorization: authHeader('ecs'),
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.LaunchRockets',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('rejects a malformed JSON body with SerializationException', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        authorization: authHeader('ecs'),
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{"maxResults": ',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('rejects an unsigned request with a 403 MissingAuthenticationTokenException', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });

    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    expect(endpoint.calls.at(-1)).toMatchObject({ service: 'ecs', action: 'ListClusters', outcome: 'denied' });
  });

  it('records the region of the credential scope', async () => {
    const west = new ECSClient(clientConfig(endpoint.url, 'us-west-2'));

    const out = await west.send(new ListClustersCommand({ maxResults: 1 }));
    west.destroy();

    expect(out.clusterArns).toEqual(['arn:aws:ecs:us-west-2:123456789012:cluster/alpha']);
    expect(endpoint.calls.at(-1)).toMatchObject({
      region: 'us-west-2',
      service: 'ecs',
      action: 'ListClusters',
      caller: 'operator',
      outcome: 'ok',
    });
  });

  it('answers a request for a service the local cloud does not run with UnknownServiceException', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        authorization: authHeader('kinesis'),
        'x-amz-target': 'Kinesis_20131202.ListStreams',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownServiceException' });
    expect(endpoint.calls.at(-1)).toMatchObject({ service: 'kinesis', outcome: 'error' });
  });
});
