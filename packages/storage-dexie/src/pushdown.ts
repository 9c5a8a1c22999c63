import {
  queryInMemory,
  type Filter,
  type FilterOperator,
  type QueryOptions,
  type QueryPage,
  type StoredRecord,
} from '@crmkit/core';
import type { Table } from 'dexie';

/** Filter operators this adapter evaluates with index ranges (the rest run in memory on the candidates). */
export const PUSHDOWN_OPERATORS: readonly FilterOperator[] = [];

/** Runs a validated query on one table. */
export async function runQuery<T extends object>(
  table: Table<StoredRecord, string>,
  options: QueryOptions,
  now: Date,
): Promise<QueryPage<T>> {
  return queryInMemory(await table.toArray(), options, now) as unknown as QueryPage<T>;
}

/** Counts the records matching a validated filter on one table. */
export async function runCount(
  table: Table<StoredRecord, string>,
  where: Filter | undefined,
  now: Date,
): Promise<number> {
  if (!where) return table.count();
  return queryInMemory(await table.toArray(), { where }, now).records.length;
}
