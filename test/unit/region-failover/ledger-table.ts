import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { FailoverStore } from '#functions/region-failover/core/store.ts';

/**
 * A real DynamoDB (dynalite, in memory) with the ledger's key schema, so the fence's conditional writes are
 * tested against DynamoDB's own semantics rather than a fake's.
 */
export interface LedgerTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  store(region: string, initialActiveRegion?: string): FailoverStore;
  close(): Promise<void>;
}

let counter = 0;

export async function startLedgerTable(): Promise<LedgerTable> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const raw = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = `ledger-${++counter}`;
  await raw.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  const dynamo = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    dynamo,
    tableName,
    store: (region, initialActiveRegion = 'us-east-1') =>
      new FailoverStore({ dynamo, tableName, region, initialActiveRegion }),
    close: async () => {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
