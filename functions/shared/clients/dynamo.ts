import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { perRegion } from './cache.ts';

/** The DynamoDB document client of a region (memoised): the ledger's, with undefined attributes left out. */
export const dynamo = perRegion((settings) =>
  DynamoDBDocumentClient.from(new DynamoDBClient(settings), { marshallOptions: { removeUndefinedValues: true } }),
);
