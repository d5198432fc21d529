import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startEndpoint } from '#local/server/endpoint.ts';
import { allServices, clientConfig, fakeWorld } from './fixtures.ts';

describe('DynamoDB through dynalite, by the main endpoint and by its own URL', () => {
  let endpoint: LocalEndpoint;
  let viaProxy: DynamoDBClient;
  let direct: DynamoDBClient;
  const world = fakeWorld();

  beforeAll(async () => {
    endpoint = await startEndpoint({ world: world.world, services: allServices(), rateLimits: false });
    viaProxy = new DynamoDBClient(clientConfig(endpoint.url));
    direct = new DynamoDBClient(clientConfig(endpoint.dynamodbUrl));
  });
  afterAll(async () => {
    viaProxy.destroy();
    direct.destroy();
    await endpoint.close();
  });

  it('creates a table, writes and reads an item through the main endpoint and sees it directly', async () => {
    await viaProxy.send(
      new CreateTableCommand({
        TableName: 'ledger',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await viaProxy.send(new PutItemCommand({ TableName: 'ledger', Item: { pk: { S: 'drain#i-1' }, n: { N: '3' } } }));

    const proxied = await viaProxy.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'drain#i-1' } } }));
    const fromDirect = await direct.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'drain#i-1' } } }));

    expect(proxied.Item).toEqual({ pk: { S: 'drain#i-1' }, n: { N: '3' } });
    expect(fromDirect.Item).toEqual(proxied.Item);
    expect(endpoint.calls.filter((c) => c.service === 'dynamodb').map((c) => [c.action, c.outcome])).toEqual([
      ['CreateTable', 'ok'],
      ['PutItem', 'ok'],
      ['GetItem', 'ok'],
    ]);
    expect(endpoint.calls.at(-1)?.resources).toEqual(['arn:aws:dynamodb:us-east-1:123456789012:table/ledger']);
  });

  it('fails a conditional write with ConditionalCheckFailedException on both paths', async () => {
    const put = {
      TableName: 'ledger',
      Item: { pk: { S: 'drain#i-1' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    };

    const proxied = await viaProxy.send(new PutItemCommand(put)).catch((e: unknown) => e);
    const fromDirect = await direct.send(new PutItemCommand(put)).catch((e: unknown) => e);

    expect(proxied).toBeInstanceOf(ConditionalCheckFailedException);
    expect(fromDirect).toBeInstanceOf(ConditionalCheckFailedException);
    expect(endpoint.calls.at(-1)).toMatchObject({
      action: 'PutItem',
      outcome: 'error',
      errorCode: 'ConditionalCheckFailedException',
    });
  });

  it('applies region outages to proxied DynamoDB calls', async () => {
    world.regions.get('us-west-2')!.down = true;
    const west = new DynamoDBClient(clientConfig(endpoint.url, 'us-west-2'));

    const error = await west
      .send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'x' } } }))
      .catch((e: unknown) => e);
    west.destroy();
    world.regions.get('us-west-2')!.down = false;

    expect(error).toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    expect(endpoint.calls.at(-1)).toMatchObject({ service: 'dynamodb', region: 'us-west-2', outcome: 'fault' });
  });
});
