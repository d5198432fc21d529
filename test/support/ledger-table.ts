import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamo } from '#local/server/dynamo-proxy.ts';

/**
 * A real DynamoDB (dynalite, in memory, as the local cloud runs it) with a table of the ledger's schema (pk/sk
 * and the byKind index, as infra/ledger.ts makes it), so that conditional writes are tested against
 * DynamoDB's own semantics rather than a fake's. One per test file; each call its own server and table.
 */
export interface LedgerTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  close(): Promise<void>;
}

let counter = 0;

export async function startLedgerTable(): Promise<LedgerTable> {
  const backend = await startDynamo('127.0.0.1');
  const raw = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: backend.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = `ballast-ledger-${++counter}`;
  await raw.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byKind',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  const dynamo = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    dynamo,
    tableName,
    close: async () => {
      raw.destroy();
      await backend.close();
    },
  };
}
