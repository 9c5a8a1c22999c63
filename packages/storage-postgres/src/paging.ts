/**
 * Pages the database answers alone: the filter pushed exactly, and the order, keyset cursor and `LIMIT` in SQL, over
 * the sort keys that reproduce core's `compareValues` (see schema.ts).
 */
import {
  compileFilter,
  decodeCursor,
  encodeCursor,
  getPath,
  sortRank,
  type Scalar,
  type OrderBy,
  type QueryOptions,
  type QueryPage,
  type StoredRecord,
} from '@crmkit/core';
import type { SqlExecutor } from './driver.js';
import { Params, idKey, keyAt, keyOf, pushFilter, pushablePath } from './pushdown.js';
import { collectionIs } from './schema.js';

/** What a page needs of the adapter: its tenant and table, and its way of running statements and counting reads. */
export interface PageContext {
  readonly tenant: string;
  /** The quoted records table. */
  readonly records: string;
  /** The quoted schema, holding the key functions. */
  readonly schema: string;
  /** Runs a statement with the tenant bound as `$1` ahead of `params`. */
  run(executor: SqlExecutor, sql: string, params: readonly unknown[]): Promise<readonly Record<string, unknown>[]>;
  /** The records of `doc` rows, counted as read. */
  docs(rows: readonly Record<string, unknown>[]): StoredRecord[];
}

/**
 * A page answered by the database alone, or `undefined` when the query does not qualify (a filter not pushed exactly,
 * a path that cannot be bound) or the page holds an object or array as a sort value, which core orders by its JSON
 * text and SQL cannot; the caller then pages in memory.
 *
 * Sort keys put objects and arrays after every other value, so a page that holds none of them is ordered exactly.
 */
export async function pushedPage(
  { tenant, records, schema, run, docs }: PageContext,
  executor: SqlExecutor,
  collection: string,
  query: QueryOptions,
  at: Date,
): Promise<QueryPage | undefined> {
  const orderBy: readonly OrderBy[] = query.orderBy ?? [];
  const paths = orderBy.map((order) => pushablePath(order.field));
  if (paths.some((path) => path === undefined)) return undefined;
  const cursor = query.after === undefined ? undefined : decodeCursor(query.after, orderBy);
  if (cursor?.slice(0, -1).some((value) => sortRank(value) === 4)) return undefined;

  const params = new Params([tenant], schema, at);
  const conditions = ['tenant_id = $1', collectionIs(collection)];
  if (query.where) {
    const pushed = pushFilter(query.where, params);
    if (!pushed?.exact) return undefined;
    conditions.push(pushed.sql);
  }
  const id = idKey(schema);
  // Ordered by the id alone (the audit log's newest entry): the id's own key, which the id index walks either way,
  // where the key of the document's copy of it would sort every record of the collection first.
  const idOrder = orderBy.length === 1 && orderBy[0]!.field === 'id' ? orderBy[0]!.direction : undefined;
  if (idOrder === 'desc') {
    if (cursor) conditions.push(`${id} < ${schema}.text_key(${params.add(cursor[cursor.length - 1])}::text)`);
    return finish(`${id} DESC`);
  }
  const keys = idOrder === undefined ? paths.map((path) => keyAt(params, path!)) : [];
  if (cursor && keys.length === 0) {
    conditions.push(`${id} > ${schema}.text_key(${params.add(cursor[cursor.length - 1])}::text)`);
  } else if (cursor) {
    // After the cursor in (keys…, id) order, each key in its direction and the id ascending.
    const values = cursor.slice(0, -1).map((value) => keyOf(params, value as Scalar));
    const cursorId = `${schema}.text_key(${params.add(cursor[cursor.length - 1])}::text)`;
    const beyond = (i: number) => (orderBy[i]!.direction === 'desc' ? '<' : '>');
    const alternatives = keys.map((key, i) =>
      [...keys.slice(0, i).map((earlier, j) => `${earlier} = ${values[j]}`), `${key} ${beyond(i)} ${values[i]}`].join(
        ' AND ',
      ),
    );
    alternatives.push([...keys.map((key, j) => `${key} = ${values[j]}`), `${id} > ${cursorId}`].join(' AND '));
    // The first key's own bound, which an index on it turns into where its scan starts.
    if (keys[0]) conditions.push(`${keys[0]} ${beyond(0)}= ${values[0]}`);
    conditions.push(`(${alternatives.map((alternative) => `(${alternative})`).join(' OR ')})`);
  }
  return finish([...keys.map((key, i) => `${key}${orderBy[i]!.direction === 'desc' ? ' DESC' : ''}`), id].join(', '));

  /** Runs the page's statement in `sorting` order and checks what it returned. */
  async function finish(sorting: string): Promise<QueryPage | undefined> {
    const limit = query.limit;
    const rows = docs(
      await run(
        executor,
        `SELECT doc FROM ${records} WHERE ${conditions.join(' AND ')} ORDER BY ${sorting}` +
          (limit === undefined ? '' : ` LIMIT ${params.add(limit + 1)}::integer`),
        params.values.slice(1),
      ),
    );
    const page = limit === undefined ? rows : rows.slice(0, limit);
    if (page.some((record) => orderBy.some((order) => sortRank(getPath(record, order.field)) === 4))) return undefined;
    // The pushed filter is exact; checking again costs little and keeps a planner slip from ever reaching a caller.
    const matches = query.where ? compileFilter(query.where, { now: at }) : undefined;
    if (matches && !page.every((record) => matches(record))) return undefined;
    const last = page[page.length - 1];
    return {
      records: page,
      ...(limit !== undefined && rows.length > limit && last ? { next: encodeCursor(last, orderBy) } : {}),
    };
  }
}
