/**
 * Counts, and the candidates of a filter the database cannot answer exactly (core finishes them): what `count`,
 * `countEach` and the in-memory query fallback read.
 */
import { compileFilter, parseQueryOptions, type Filter, type StoredRecord } from '@crmkit/core';
import type { SqlExecutor } from './driver.js';
import type { PageContext } from './paging.js';
import { Params, pushFilter } from './pushdown.js';
import { collectionIs } from './schema.js';

/** The candidates of a filter: every record of the collection that its pushed part selects. */
export async function candidates(
  { tenant, records, schema, run, docs }: PageContext,
  executor: SqlExecutor,
  collection: string,
  where: Filter | undefined,
  at: Date,
): Promise<StoredRecord[]> {
  const params = new Params([tenant], schema, at);
  const pushed = where ? pushFilter(where, params) : undefined;
  const rows = await run(
    executor,
    `SELECT doc FROM ${records} WHERE tenant_id = $1 AND ${collectionIs(collection)}${pushed ? ` AND ${pushed.sql}` : ''}`,
    params.values.slice(1),
  );
  return docs(rows);
}

/**
 * How many records of `collection` match each filter (`undefined`: every record), in order: one statement when every
 * filter is pushed exactly, otherwise one count (or one read of candidates, checked by core) each. The collection is
 * checked by the caller.
 */
export async function countEach(
  context: PageContext,
  executor: SqlExecutor,
  collection: string,
  filters: readonly (Filter | undefined)[],
  at: Date,
): Promise<number[]> {
  const { tenant, records, schema, run } = context;
  if (filters.length === 0) return [];
  const wheres = filters.map((where) => parseQueryOptions({ where }).where);
  const params = new Params([tenant], schema, at);
  const pushed = wheres.map((where) => (where ? pushFilter(where, params) : { sql: 'TRUE', exact: true }));
  if (pushed.every((part) => part?.exact)) {
    // A count of its own per filter, all in one statement: each walks the index that serves it. (One scan filtering
    // every row by all the filters at once evaluated each filter's keys per row: ten times slower for eight reps.)
    const count = (sql: string, column: string) =>
      `SELECT count(*)::integer AS ${column} FROM ${records} WHERE tenant_id = $1 AND ${collectionIs(collection)} AND ${sql}`;
    const rows = await run(
      executor,
      pushed.length === 1
        ? count(pushed[0]!.sql, 'n0')
        : `SELECT ${pushed.map((part, i) => `(${count(part!.sql, 'n')}) AS n${i}`).join(', ')}`,
      params.values.slice(1),
    );
    return pushed.map((_, i) => Number(rows[0]?.[`n${i}`] ?? 0));
  }
  const counts: number[] = [];
  for (const [i, where] of wheres.entries()) {
    // Exact ones are counted by the engine; the others read their candidates, which core checks.
    counts.push(
      pushed[i]?.exact
        ? (await countEach(context, executor, collection, [where], at))[0]!
        : (await candidates(context, executor, collection, where, at)).filter(compileFilter(where!, { now: at }))
            .length,
    );
  }
  return counts;
}
