/**
 * Pages the database answers alone: the filter pushed exactly, at most one sort field, and the keyset cursor and
 * `LIMIT` in SQL, with sort keys that reproduce core's `compareValues`.
 */
import {
  compileFilter,
  decodeCursor,
  encodeCursor,
  sortRank,
  type OrderBy,
  type QueryOptions,
  type QueryPage,
  type StoredRecord,
} from '@crmkit/core';
import type { SqlExecutor } from './driver.js';
import { Params, pushFilter, pushablePath, valueAt } from './pushdown.js';

/** What a page needs of the adapter: its tenant and table, and its way of running statements and counting reads. */
export interface PageContext {
  readonly tenant: string;
  /** The quoted records table. */
  readonly records: string;
  /** Runs a statement with the tenant bound as `$1` ahead of `params`. */
  run(executor: SqlExecutor, sql: string, params: readonly unknown[]): Promise<readonly Record<string, unknown>[]>;
  /** The records of `doc` rows, counted as read. */
  docs(rows: readonly Record<string, unknown>[]): StoredRecord[];
}

/** Characters UTF-16 and PostgreSQL's "C" collation order differently (astral ones against U+E000–U+FFFF). */
const MISORDERED = '[\\uE000-\\U0010FFFF]';
const MISORDERED_JS = /[\uD800-\uDFFF\uE000-\uFFFF]/u;

/** The casts of a cursor value of rank 1 to 3 (boolean, number, string). */
const CASTS = ['::boolean', '::numeric', '::text COLLATE "C"'] as const;

/** SQL sort keys reproducing `compareValues` for null, booleans, numbers and strings of the value at a path. */
function sortKeys(at: string) {
  const type = `jsonb_typeof(${at})`;
  return {
    rank: `(CASE ${type} WHEN 'boolean' THEN 1 WHEN 'number' THEN 2 WHEN 'string' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 4 ELSE 0 END)`,
    typed: [
      `(CASE WHEN ${type} = 'boolean' THEN (${at})::boolean END)`,
      `(CASE WHEN ${type} = 'number' THEN (${at})::numeric END)`,
      `((CASE WHEN ${type} = 'string' THEN ${at} #>> '{}' END) COLLATE "C")`,
    ] as const,
  };
}

/**
 * A page answered by the database alone, or `undefined` when the query does not qualify or its data could sort
 * differently in SQL than in JavaScript (objects and arrays as sort values, characters from U+E000 up); the caller
 * then pages in memory.
 */
export async function pushedPage(
  { tenant, records, run, docs }: PageContext,
  executor: SqlExecutor,
  collection: string,
  query: QueryOptions,
  at: Date,
): Promise<QueryPage | undefined> {
  const orderBy: readonly OrderBy[] = query.orderBy ?? [];
  if (orderBy.length > 1) return undefined;
  if (query.where && !pushFilter(query.where, new Params([]))?.exact) return undefined;
  const order = orderBy[0];
  const segments = order ? pushablePath(order.field) : [];
  if (!segments) return undefined;
  const cursor = query.after === undefined ? undefined : decodeCursor(query.after, orderBy);
  if (cursor?.some((value) => sortRank(value) === 4 || (typeof value === 'string' && MISORDERED_JS.test(value)))) {
    return undefined;
  }
  /** The tenant, collection and pushed filter, over `params`. */
  const selection = (params: Params) => [
    'tenant_id = $1',
    'collection = $2',
    ...(query.where ? [pushFilter(query.where, params)!.sql] : []),
  ];

  // First, whether any selected record could sort differently here than in JavaScript.
  const check = new Params([tenant, collection]);
  const checked = selection(check);
  const pattern = check.add(MISORDERED);
  const hazards = [`id ~ ${pattern}`];
  if (order) {
    const value = valueAt(check, segments);
    hazards.push(`jsonb_typeof(${value}) IN ('object', 'array')`);
    hazards.push(`(jsonb_typeof(${value}) = 'string' AND ${value} #>> '{}' ~ ${pattern})`);
  }
  const [hazard] = await run(
    executor,
    `SELECT EXISTS (SELECT 1 FROM ${records} WHERE ${checked.join(' AND ')} AND (${hazards.join(' OR ')})) AS found`,
    check.values.slice(1),
  );
  if (hazard?.['found'] === true) return undefined;

  const params = new Params([tenant, collection]);
  const conditions = selection(params);
  const sorting: string[] = [];
  const id = 'id COLLATE "C"';
  if (order) {
    const keys = sortKeys(valueAt(params, segments));
    const desc = order.direction === 'desc';
    sorting.push(...[keys.rank, ...keys.typed].map((key) => `${key}${desc ? ' DESC' : ''}`));
    if (cursor) {
      const [cursorValue, cursorId] = cursor;
      const rank = sortRank(cursorValue);
      const idAfter = `${id} > ${params.add(cursorId)}::text`;
      const beyond = desc ? '<' : '>';
      if (rank === 0) {
        conditions.push(`(${keys.rank} ${beyond} 0 OR (${keys.rank} = 0 AND ${idAfter}))`);
      } else {
        const typed = keys.typed[rank - 1]!;
        const operand = `${params.add(rank === 2 ? String(cursorValue) : cursorValue)}${CASTS[rank - 1]!}`;
        const same = `${keys.rank} = ${rank}`;
        conditions.push(
          `(${keys.rank} ${beyond} ${rank} OR (${same} AND ${typed} ${beyond} ${operand}) OR ` +
            `(${same} AND ${typed} = ${operand} AND ${idAfter}))`,
        );
      }
    }
  } else if (cursor) {
    conditions.push(`${id} > ${params.add(cursor[0])}::text`);
  }
  sorting.push(id);
  const limit = query.limit;
  const rows = docs(
    await run(
      executor,
      `SELECT doc FROM ${records} WHERE ${conditions.join(' AND ')} ORDER BY ${sorting.join(', ')}` +
        (limit === undefined ? '' : ` LIMIT ${params.add(limit + 1)}::integer`),
      params.values.slice(1),
    ),
  );
  // The pushed filter is exact; checking again costs little and keeps a planner slip from ever reaching a caller.
  const matches = query.where ? compileFilter(query.where, { now: at }) : undefined;
  if (matches && !rows.every((record) => matches(record))) return undefined;
  const page = limit === undefined ? rows : rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    records: page,
    ...(limit !== undefined && rows.length > limit && last ? { next: encodeCursor(last, orderBy) } : {}),
  };
}
