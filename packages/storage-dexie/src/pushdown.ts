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
 *   counts a range by walking it, so a broad alternative is not counted whole).
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
 * a filter made of `eq` and `in` on single-valued indexes counts index keys and reads no record. Only a query that no
 * index serves (no range, no usable order) reads the table.
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
import { cmp, type Transaction } from 'dexie';
import type { IndexCoverage } from './coverage.js';
import {
  allRecords,
  coreIndex,
  coreRange,
  countKeys,
  engineOf,
  idsIn,
  recordsIn,
  type Engine,
  type Entry,
} from './engine.js';
import {
  compoundExact,
  exactPlan,
  indexesOf,
  isKey,
  leafRanges,
  plan,
  type ExactPlan,
  type IndexInfo,
  type Key,
  type Plan,
  type Range,
  type Table_,
} from './ranges.js';
import { arrayStream, IndexStream, intersect, type KeyStream } from './streams.js';
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

/** How many index keys a plan selects: one native count per range, since IndexedDB counts keys without reading. */
async function cost(engine: Engine, selected: Plan): Promise<number> {
  const counts = partsOf(selected).flatMap((part) => part.ranges.map((range) => countKeys(engine, part.index, range)));
  return (await Promise.all(counts)).reduce((sum, n) => sum + n, 0);
}

/**
 * How many keys a range is probed for when plans are compared. Chromium counts a key range by walking it, so counting
 * a broad alternative (`status = open`, half the tasks) would cost what reading its keys costs; a probe reads at most
 * this many keys and stops.
 */
const PROBE_KEYS = 256;

/** How many keys a plan selects, up to {@link PROBE_KEYS} per range; `more` when some range holds more. */
async function probe(engine: Engine, selected: Plan): Promise<{ size: number; more: boolean }> {
  const sizes = await Promise.all(
    partsOf(selected).flatMap((part) =>
      part.ranges.map(async (range) => {
        const { result } = await engine.core.query({
          trans: engine.trans,
          values: false,
          limit: PROBE_KEYS + 1,
          query: { index: coreIndex(engine.core, part.index), range: coreRange(range) },
        });
        return result.length;
      }),
    ),
  );
  return { size: sizes.reduce((sum, n) => sum + n, 0), more: sizes.some((n) => n > PROBE_KEYS) };
}

/**
 * The plan selecting the fewest keys, and how many. Alternatives are compared by probing (a few hundred keys at
 * most each, so a broad alternative costs little to rule out); the chosen plan is counted exactly only when even it
 * holds more than a probe reads, since what follows decides by its size.
 */
async function cheapest(engine: Engine, options: readonly Plan[]): Promise<{ chosen: Plan; size: number }> {
  if (options.length === 1) return { chosen: options[0]!, size: await cost(engine, options[0]!) };
  const probes = await Promise.all(options.map((option) => probe(engine, option)));
  let best = 0;
  probes.forEach((value, i) => {
    if (value.size < probes[best]!.size) best = i;
  });
  const chosen = options[best]!;
  return { chosen, size: probes[best]!.more ? await cost(engine, chosen) : probes[best]!.size };
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

/** A walk of a compound index that hands out a page's order (see {@link compoundOrder}). */
interface CompoundWalk {
  readonly keyPath: readonly string[];
  /** The values the filter fixes, for the fields before the last. */
  readonly prefix: readonly Key[];
  /** The range of whole compound keys: the prefix, then the last field's range; null when the bounds cross. */
  readonly range: Range | null;
}

/**
 * The compound index that holds a page's matches in its order, when the page is ordered by one field ascending, the
 * filter is an `all` fixing every other field of a compound index ending in that field with `eq`, and bounds that
 * field with a range (so a record missing it, which the index leaves out, cannot match). Under the fixed prefix the
 * index's entries run by that field, ties by id: the query's own order (`tasks.overdue` on `[status+dueAt]`).
 */
function compoundOrder(
  where: Filter,
  orderBy: readonly OrderBy[],
  table: Table_,
  now: number,
): CompoundWalk | undefined {
  const [first, second] = orderBy;
  if (!first || first.direction === 'desc' || (second && (second.field !== 'id' || second.direction === 'desc')))
    return;
  if (orderBy.length > 2 || !('all' in where)) return undefined;
  const fixed = new Map<string, Key>();
  let span: Range | null | undefined;
  for (const child of where.all) {
    if (!('field' in child)) continue;
    if (child.op === 'eq' && isKey(child.value) && child.field !== first.field) fixed.set(child.field, child.value);
    if (child.field !== first.field) continue;
    const ranges = leafRanges(child, { multi: false }, now);
    if (!ranges || ranges.length !== 1 || child.op === 'in') continue;
    span = span === undefined ? ranges[0]! : span && intersect(span, ranges[0]!);
  }
  if (span === undefined) return undefined;
  let best: CompoundWalk | undefined;
  for (const index of table.schema.indexes) {
    const keyPath = index.keyPath;
    if (!index.compound || !Array.isArray(keyPath) || keyPath[keyPath.length - 1] !== first.field) continue;
    const head = keyPath.slice(0, -1);
    if (!head.every((field) => fixed.has(field)) || (best && best.keyPath.length >= keyPath.length)) continue;
    const prefix = head.map((field) => fixed.get(field)!);
    const range = span && { ...span, lower: [...prefix, span.lower], upper: [...prefix, span.upper] };
    best = { keyPath, prefix, range };
  }
  return best;
}

/** Runs a validated query on one table. */
export async function runQuery<T extends object>(context: TableContext, options: QueryOptions): Promise<QueryPage<T>> {
  const { table, tx, now, coverage } = context;
  const engine = engineOf(table.core, tx);
  const walk =
    options.where && options.limit !== undefined
      ? compoundOrder(options.where, options.orderBy ?? [], table, now.getTime())
      : undefined;
  const cursorValue = options.after === undefined ? undefined : decodeCursor(options.after, options.orderBy)[0];
  // A cursor on a value that is no key (a record missing the field) cannot come from such a page: the usual path.
  if (walk && (cursorValue === undefined || isKey(cursorValue) || typeof cursorValue === 'string')) {
    return compoundPage<T>(engine, walk, options, now);
  }
  const indexes = indexesOf(table);
  const plans = options.where ? plan(options.where, indexes, now.getTime()) : [];
  const limit = options.limit;
  const selection = plans.length === 0 ? undefined : await cheapest(engine, plans);
  if (limit === undefined) return inMemory<T>(engine, options, now, selection?.chosen, indexes);

  const order = await usableOrder(context, engine, options);
  const orderBy = options.orderBy ?? [];
  const cursorKey = options.after === undefined ? undefined : decodeCursor(options.after, orderBy);
  const start = order ? walkStart(order, cursorKey) : null;
  // No walk, or a selection no larger than a page: read what is selected (or everything) and sort it.
  if (!order || start === null || (selection && selection.size <= limit + 1)) {
    return inMemory<T>(engine, options, now, selection?.chosen, indexes);
  }
  const matches = options.where ? compileFilter(options.where, { now }) : undefined;
  const page = {
    orderBy,
    limit,
    grouped: order.grouped,
    ...(matches ? { matches } : {}),
    ...(cursorKey ? { cursorKey } : {}),
  };
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

/** A page read from a compound index's walk, from after the cursor on (see {@link compoundOrder}). */
async function compoundPage<T extends object>(
  engine: Engine,
  walk: CompoundWalk,
  options: QueryOptions,
  now: Date,
): Promise<QueryPage<T>> {
  const orderBy = options.orderBy ?? [];
  const cursorKey = options.after === undefined ? undefined : decodeCursor(options.after, orderBy);
  const cursorValue = cursorKey?.[0];
  const range = walk.range;
  const order = range && cmp(range.lower, range.upper);
  // Bounds that cross, or meet where one is open, select nothing (and IndexedDB refuses such a range).
  if (!range || order! > 0 || (order === 0 && (range.lowerOpen || range.upperOpen))) return { records: [] };
  const spec = {
    field: walk.keyPath,
    desc: false,
    tiesDesc: false,
    range,
    ...(cursorKey
      ? { start: { key: [...walk.prefix, cursorValue as Key], id: cursorKey[cursorKey.length - 1] as string } }
      : {}),
  };
  const page = {
    orderBy,
    limit: options.limit as number,
    grouped: false,
    matches: compileFilter(options.where!, { now }),
    ...(cursorKey ? { cursorKey } : {}),
  };
  return readPage<T>(engine, new IndexStream(engine, spec), page, now);
}

/** The ids, in the walk's order, after `startId`. */
function idStream(ids: string[], order: WalkOrder, startId: string | undefined): KeyStream {
  const sorted = ids.sort();
  if (order.desc) sorted.reverse();
  const after = startId === undefined ? sorted : sorted.filter((id) => (order.desc ? id < startId : id > startId));
  return arrayStream(after.map((id): Entry => ({ key: id, id })));
}

/** The ids an exact plan answers (no record is read). */
async function exactIds(engine: Engine, exact: ExactPlan): Promise<Set<string>> {
  if ('index' in exact) {
    const lists = await Promise.all(exact.ranges.map((range) => idsIn(engine, exact.index, range)));
    return new Set(lists.flat());
  }
  const sets = await Promise.all(('all' in exact ? exact.all : exact.any).map((child) => exactIds(engine, child)));
  if ('any' in exact) return new Set(sets.flatMap((set) => [...set]));
  sets.sort((a, b) => a.size - b.size);
  const [smallest = new Set<string>(), ...others] = sets;
  return new Set([...smallest].filter((id) => others.every((set) => set.has(id))));
}

/**
 * Counts the records matching a validated filter on one table: from index keys alone when the filter is exact (one
 * count per key for a single `eq` or `in`), otherwise by reading the selection (or the table) and filtering.
 */
export async function runCount(context: TableContext, where: Filter | undefined): Promise<number> {
  const { table, tx, now } = context;
  const engine = engineOf(table.core, tx);
  const { trans } = engine;
  // Counted now, not taken from what the planner remembers: another tab's write may not be announced yet.
  if (!where) return engine.core.count({ trans, query: { index: engine.core.schema.primaryKey, range: coreRange() } });
  const compound = compoundExact(where, table);
  if (compound) {
    const counts = await Promise.all(compound.ranges.map((range) => countKeys(engine, compound.keyPath, range)));
    return counts.reduce((sum, n) => sum + n, 0);
  }
  const indexes = indexesOf(table);
  const exact = exactPlan(where, indexes);
  if (exact && 'index' in exact) {
    const counts = await Promise.all(exact.ranges.map((range) => countKeys(engine, exact.index, range)));
    return counts.reduce((sum, n) => sum + n, 0);
  }
  if (exact) return (await exactIds(engine, exact)).size;
  const matches = compileFilter(where, { now });
  const plans = plan(where, indexes, now.getTime());
  const selected = plans.length === 0 ? undefined : (await cheapest(engine, plans)).chosen;
  const records = selected ? await selectedRecords(engine, selected, indexes) : await allRecords(engine);
  return records.reduce((n, record) => (matches(record) ? n + 1 : n), 0);
}
