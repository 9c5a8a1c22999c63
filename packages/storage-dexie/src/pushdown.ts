/**
 * Query planning: pushes the filter language down onto IndexedDB indexes, and never reads a whole table for a query
 * an index can answer.
 *
 * An index range only has to select a SUPERSET of the matching records: the full filter then runs on those candidates
 * with core's reference evaluator, so results equal `compileFilter` by construction, and the index only decides how
 * few records are read. Each operator maps to a range that can over-include but never miss a match (ranges.ts):
 *
 * - `eq`, `in`, `hasAny` (and the first value of `hasAll`) on strings and numbers: exact keys. Multi-entry indexes
 *   hold each element of an array, which is what `hasAny`/`hasAll` need.
 * - `gt`, `gte`, `lt`, `lte`, `between` on numbers or strings: key ranges bounded to the operand's type.
 * - Instants (`eq` or ranges with an ISO date-time operand, `withinLast`, `olderThan`): a stored date-time may carry
 *   any offset up to ±14 hours, and its text sorts by local time, so the range is widened by 15 hours each way.
 * - `startsWith`: case-sensitive, the prefix range; ignoring case, one prefix range per character whose lower case
 *   begins like the prefix's (so `İstanbul` is found for `i`, as the reference finds it).
 * - `all`: the child whose range holds the fewest keys, found by probing each range for a few hundred keys (Chromium
 *   counts a range by walking it, so a broad alternative is not counted whole when a narrow one exists).
 * - `any`: the union of its children's ranges, when every child has one.
 * - `ne`, `nin`, `not`, `exists`, `contains`, booleans and `null`: no range (they match records an index omits).
 *
 * A page ordered by one field ascending whose filter fixes, with `eq`, every other field of a compound index ending in
 * that field, and bounds that field, walks that compound index under the fixed prefix (`tasks.overdue` on
 * `[status+dueAt]`): its entries are the page's order, so the page reads about `limit` records.
 *
 * A query with a `limit` whose order an index can hand out (by id: the primary key; by a field with an index that
 * holds every record) walks that order from the cursor on (streams.ts) and reads records in batches until the page
 * is full (walk.ts); the filter's selection, when it has one, decides which ids are read. A selection smaller than a
 * page, or too sparse in the order for a walk to find its page soon, is read whole and sorted in memory. `count` of
 * an exact filter (`eq`/`in` on a single-valued index, or on a compound index's whole key: see `exactPlan`) counts
 * index keys and reads no record. Only a query that no index serves (no range, no usable order) reads the table.
 */
import {
  compileFilter,
  decodeCursor,
  queryInMemory,
  type Filter,
  type FilterOperator,
  type OrderBy,
  type QueryOptions,
  type QueryPage,
  type StoredRecord,
} from '@crmkit/core';
import type { Transaction } from 'dexie';
import type { IndexCoverage } from './coverage.js';
import { allRecords, coreRange, countKeys, engineOf, idsIn, recordsIn, type Engine, type Entry } from './engine.js';
import {
  exactPlan,
  indexesOf,
  isKey,
  leafRanges,
  plan,
  type IndexInfo,
  type Key,
  type Plan,
  type Range,
  type Table_,
} from './ranges.js';
import { arrayStream, IndexStream, intersect, type KeyStream, type WalkSpec } from './streams.js';
import { readPage, walkOrder, walkSpec, walkStart, type WalkOrder } from './walk.js';

/** Filter operators this adapter evaluates with index ranges (the rest run in memory on the candidates). */
export const PUSHDOWN_OPERATORS: readonly FilterOperator[] = [
  'all',
  'any',
  'eq',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'startsWith',
  'hasAny',
  'hasAll',
  'withinLast',
  'olderThan',
];

/**
 * A walk through the order may step over this many index keys per record a selection would otherwise read whole
 * before the selection is read whole instead: keys cost far less than records, but not nothing.
 */
const KEYS_PER_RECORD = 4;

/** One table in one transaction. */
export interface TableContext {
  /** The table, bound to the transaction (its schema names the indexes). */
  readonly table: Table_;
  /** The Dexie transaction the table is bound to. */
  readonly tx: Transaction;
  readonly now: Date;
  readonly coverage: IndexCoverage;
}

/** The single-index selections a plan is made of. */
function partsOf(selected: Plan): Extract<Plan, { index: string }>[] {
  return 'union' in selected ? selected.union.flatMap(partsOf) : [selected];
}

/**
 * How many keys a plan selects: one native count per range, or, with `most`, at most `most + 1` keys read per range
 * (a probe: Chromium counts a key range by walking it, so counting a broad alternative such as "status is open"
 * just to rule it out would cost a walk over half the tasks).
 */
async function cost(engine: Engine, selected: Plan, most?: number): Promise<number> {
  const counts = partsOf(selected).flatMap((part) =>
    part.ranges.map(async (range) =>
      most === undefined
        ? countKeys(engine, part.index, range)
        : (await idsIn(engine, part.index, range, most + 1)).length,
    ),
  );
  return (await Promise.all(counts)).reduce((sum, n) => sum + n, 0);
}

/** Keys a probe reads per range when plans are compared. */
const PROBE_KEYS = 256;

/**
 * The plan selecting the fewest keys, and how many. Alternatives are first probed: one that holds at most
 * {@link PROBE_KEYS} keys is then known exactly, and the broad ones are never counted. When none is that small, each
 * is counted, since what follows decides by the chosen plan's size.
 */
async function cheapest(engine: Engine, options: readonly Plan[]): Promise<{ chosen: Plan; size: number }> {
  let sizes = options.length > 1 ? await Promise.all(options.map((option) => cost(engine, option, PROBE_KEYS))) : [];
  if (!sizes.some((size) => size <= PROBE_KEYS))
    sizes = await Promise.all(options.map((option) => cost(engine, option)));
  const best = sizes.indexOf(Math.min(...sizes));
  return { chosen: options[best]!, size: sizes[best]! };
}

/** Whether a plan may select one record more than once (several ranges, a union, a multi-entry index). */
function mayRepeat(selected: Plan, indexes: ReadonlyMap<string, IndexInfo>): boolean {
  const parts = partsOf(selected);
  return parts.length > 1 || parts.some((part) => part.ranges.length > 1 || !!indexes.get(part.index)?.multi);
}

/** The ids a plan selects, each once (no record is read). */
async function selectedIds(engine: Engine, selected: Plan): Promise<string[]> {
  const lists = await Promise.all(
    partsOf(selected).flatMap((part) => part.ranges.map((range) => idsIn(engine, part.index, range))),
  );
  return lists.length === 1 ? lists[0]! : [...new Set(lists.flat())];
}

/**
 * The records a plan selects, each once: every range read in one request (`getAll` over the index range), duplicates
 * dropped in memory. Reading a record twice (two ranges, a multi-entry index) costs far less than one `get` per id,
 * which is what reading by ids would take.
 */
async function selectedRecords(
  engine: Engine,
  selected: Plan,
  indexes: ReadonlyMap<string, IndexInfo>,
): Promise<StoredRecord[]> {
  const lists = await Promise.all(
    partsOf(selected).flatMap((part) => part.ranges.map((range) => recordsIn(engine, part.index, range))),
  );
  if (!mayRepeat(selected, indexes)) return lists[0] ?? [];
  const seen = new Set<string>();
  return lists.flat().filter((record) => !seen.has(record.id) && !!seen.add(record.id));
}

/** Reads every candidate of a plan (or the table without one) and answers the query in memory. */
async function inMemory<T extends object>(
  engine: Engine,
  options: QueryOptions,
  now: Date,
  selected: Plan | undefined,
  indexes: ReadonlyMap<string, IndexInfo>,
): Promise<QueryPage<T>> {
  const records = selected ? await selectedRecords(engine, selected, indexes) : await allRecords(engine);
  return queryInMemory(records as StoredRecord<T>[], options, now);
}

/** A walk of `order`, unless its index leaves records out (a missing or odd value sorts where no walk reaches). */
async function usableOrder(context: TableContext, engine: Engine, options: QueryOptions) {
  const order = walkOrder(options.orderBy ?? [], indexesOf(context.table));
  if (!order) return undefined;
  if (order.field !== 'id' && !(await context.coverage.complete(engine.core, engine.trans, order.field)))
    return undefined;
  return order;
}

/**
 * The walk of a compound index that hands out a page's matches in its order, when the page is ordered by one field
 * ascending (and nothing else), the filter is an `all` fixing every other field of a compound index ending in that field with `eq`, and
 * bounds that field with a range (so a record missing it, which the index leaves out, cannot match). Under the fixed
 * prefix the index's entries run by that field, ties by id: the query's own order (`tasks.overdue` on
 * `[status+dueAt]`). `null` when the bounds cross (nothing matches); undefined when no compound index serves.
 */
function compoundWalk(
  where: Filter,
  orderBy: readonly OrderBy[],
  cursorKey: readonly unknown[] | undefined,
  table: Table_,
  now: number,
): WalkSpec | null | undefined {
  const [first] = orderBy;
  const cursorValue = cursorKey?.[0];
  if (
    orderBy.length !== 1 ||
    first!.direction === 'desc' ||
    !('all' in where) ||
    // A cursor on a value that is no key (a record missing the field) cannot come from such a page.
    (cursorKey && typeof cursorValue !== 'string' && !isKey(cursorValue))
  )
    return undefined;
  const fixed = new Map<string, Key>();
  let span: Range | null | undefined;
  for (const child of where.all) {
    if (!('field' in child)) continue;
    if (child.field !== first!.field) {
      if (child.op === 'eq' && isKey(child.value)) fixed.set(child.field, child.value);
      continue;
    }
    const ranges = child.op === 'in' ? undefined : leafRanges(child, { multi: false }, now);
    if (ranges?.length === 1) span = span === undefined ? ranges[0]! : span && intersect(span, ranges[0]!);
  }
  let best: readonly string[] | undefined;
  for (const { compound, keyPath } of table.schema.indexes) {
    if (compound && Array.isArray(keyPath) && keyPath[keyPath.length - 1] === first!.field)
      if (keyPath.slice(0, -1).every((field) => fixed.has(field)) && keyPath.length > (best?.length ?? 0))
        best = keyPath;
  }
  if (!best || span === undefined) return undefined;
  if (!span) return null;
  // A span is never empty: each range is (leafRanges), and intersect returns null for bounds that cross.
  const prefix = best.slice(0, -1).map((field) => fixed.get(field)!);
  return {
    field: best,
    desc: false,
    tiesDesc: false,
    range: { ...span, lower: [...prefix, span.lower], upper: [...prefix, span.upper] },
    ...(cursorKey
      ? { start: { key: [...prefix, cursorValue as Key], id: cursorKey[cursorKey.length - 1] as string } }
      : {}),
  };
}

/** Runs a validated query on one table. */
export async function runQuery<T extends object>(context: TableContext, options: QueryOptions): Promise<QueryPage<T>> {
  const { table, tx, now, coverage } = context;
  const engine = engineOf(table.core, tx);
  const orderBy = options.orderBy ?? [];
  const cursorKey = options.after === undefined ? undefined : decodeCursor(options.after, orderBy);
  const limit = options.limit;
  // Compiled only for a page read here: an unlimited query is answered by `queryInMemory`, which compiles its own.
  const matches = options.where && limit !== undefined ? compileFilter(options.where, { now }) : undefined;
  const page = {
    orderBy,
    limit: limit!,
    grouped: false,
    ...(matches ? { matches } : {}),
    ...(cursorKey ? { cursorKey } : {}),
  };
  const compound =
    options.where && limit !== undefined
      ? compoundWalk(options.where, orderBy, cursorKey, table, now.getTime())
      : undefined;
  if (compound !== undefined) {
    return compound ? readPage<T>(engine, new IndexStream(engine, compound), page, now) : { records: [] };
  }
  const indexes = indexesOf(table);
  const plans = options.where ? plan(options.where, indexes, now.getTime()) : [];
  const selection = plans.length === 0 ? undefined : await cheapest(engine, plans);
  if (limit === undefined) return inMemory<T>(engine, options, now, selection?.chosen, indexes);

  const order = await usableOrder(context, engine, options);
  const start = order ? walkStart(order, cursorKey) : null;
  // No walk, or a selection no larger than a page: read what is selected (or everything) and sort it.
  if (!order || start === null || (selection && selection.size <= limit + 1)) {
    return inMemory<T>(engine, options, now, selection?.chosen, indexes);
  }
  page.grouped = order.grouped;
  if (!selection) return readPage<T>(engine, new IndexStream(engine, walkSpec(order, start)), page, now);

  const { chosen, size } = selection;
  // By id: the selection's ids, sorted, are the walk.
  if (order.field === 'id') {
    return readPage<T>(engine, idStream(await selectedIds(engine, chosen), order, start?.id), page, now);
  }
  // One range of the order's own index: walk just that range.
  const parts = partsOf(chosen);
  const only = parts[0]!;
  if (parts.length === 1 && only.index === order.field && only.ranges.length === 1) {
    return readPage<T>(engine, new IndexStream(engine, walkSpec(order, start, only.ranges[0])), page, now);
  }
  // Another index: walk the order and read only selected ids, unless the walk would pass too many keys per match.
  const total = await coverage.total(engine.core, engine.trans);
  if (((limit + 1) * total) / size > KEYS_PER_RECORD * size) {
    return inMemory<T>(engine, options, now, chosen, indexes);
  }
  const candidates = new Set(await selectedIds(engine, chosen));
  return readPage<T>(engine, new IndexStream(engine, walkSpec(order, start)), { ...page, candidates }, now);
}

/** The ids, in the walk's order, after `startId`. */
function idStream(ids: string[], order: WalkOrder, startId: string | undefined): KeyStream {
  const sorted = ids.sort();
  if (order.desc) sorted.reverse();
  const after = startId === undefined ? sorted : sorted.filter((id) => (order.desc ? id < startId : id > startId));
  return arrayStream(after.map((id): Entry => ({ key: id, id })));
}

/**
 * Counts the records matching a validated filter on one table: from index keys alone when the filter is exact (one
 * count per key, see `exactPlan`), otherwise by reading the selection (or the table) and filtering.
 */
export async function runCount(context: TableContext, where: Filter | undefined): Promise<number> {
  const { table, tx, now } = context;
  const engine = engineOf(table.core, tx);
  const { trans } = engine;
  // Counted now, not taken from what the planner remembers: another tab's write may not be announced yet.
  if (!where) return engine.core.count({ trans, query: { index: engine.core.schema.primaryKey, range: coreRange() } });
  const indexes = indexesOf(table);
  const exact = exactPlan(where, table, indexes);
  if (exact) {
    const counts = await Promise.all(exact.ranges.map((range) => countKeys(engine, exact.index, range)));
    return counts.reduce((sum, n) => sum + n, 0);
  }
  const matches = compileFilter(where, { now });
  const plans = plan(where, indexes, now.getTime());
  const selected = plans.length === 0 ? undefined : (await cheapest(engine, plans)).chosen;
  const records = selected ? await selectedRecords(engine, selected, indexes) : await allRecords(engine);
  return records.reduce((n, record) => (matches(record) ? n + 1 : n), 0);
}
