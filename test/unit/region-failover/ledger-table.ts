import { FailoverStore } from '#functions/region-failover/core/store.ts';
import { startLedgerTable as startTable, type LedgerTable as Table } from '#test/support/ledger-table.ts';

/** The ledger table of test/support/ledger-table.ts, with the failover's store over it (the fence's tests). */
export interface LedgerTable extends Table {
  store(region: string, initialActiveRegion?: string): FailoverStore;
}

export async function startLedgerTable(): Promise<LedgerTable> {
  const table = await startTable();
  return {
    ...table,
    store: (region, initialActiveRegion = 'us-east-1') =>
      new FailoverStore({ dynamo: table.dynamo, tableName: table.tableName, region, initialActiveRegion }),
  };
}
