import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface LedgerProps {
  /** Physical table name (static: a failover in another region reaches that region's ledger by it). */
  readonly tableName: string;
  /** @default RemovalPolicy.RETAIN: the ledger holds what an exact restore needs. */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Use the table of that name that already exists instead of creating one (a table retained by an earlier
   * `cdk destroy`, or one converted into a global table outside the stack): the stack does not own it, and
   * grants are scoped to it and its `byKind` index. @default false
   */
  readonly existing?: boolean;
}

/**
 * Ballast's memory: one DynamoDB table (single-table design, see README "The ledger") holding capacity
 * snapshots for exact restore, capacity history sampled on a schedule, the operations log, drain records,
 * locks and drain budgets, and the active-region fence. On-demand, point-in-time recovery, encrypted,
 * items expire through the `expiresAt` TTL attribute.
 */
export class Ledger extends Construct {
  /** Attribute names of the key schema, shared with the functions that read and write the ledger. */
  static readonly PARTITION_KEY = 'pk';
  static readonly SORT_KEY = 'sk';
  static readonly TTL_ATTRIBUTE = 'expiresAt';
  /** Index to list records of one kind by time: gsi1pk = `KIND#<kind>`, gsi1sk = ISO time. */
  static readonly BY_KIND_INDEX = 'byKind';

  readonly table: dynamodb.ITable;
  /** Whether the table is an existing one the stack only uses (see `LedgerProps.existing`). */
  readonly adopted: boolean;

  constructor(scope: Construct, id: string, props: LedgerProps) {
    super(scope, id);
    this.adopted = props.existing ?? false;
    if (this.adopted) {
      this.table = dynamodb.Table.fromTableAttributes(this, 'Table', {
        tableName: props.tableName,
        globalIndexes: [Ledger.BY_KIND_INDEX],
      });
      return;
    }
    const table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: Ledger.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: Ledger.SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: Ledger.TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    table.addGlobalSecondaryIndex({
      indexName: Ledger.BY_KIND_INDEX,
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.table = table;
  }
}
