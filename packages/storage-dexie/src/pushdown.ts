/**
 * Query planning: pushes the filter language down onto IndexedDB indexes.
 *
 * An index range only has to select a SUPERSET of the matching records: the full filter then runs on those candidates
 * with core's reference evaluator, so results equal `compileFilter` by construction, and the index only decides how
 * few records are read. Each operator below maps to a range that can over-include but never miss a match:
 *
 * - `eq`, `in`, `hasAny` (and the first value of `hasAll`) on strings and numbers: exact keys. Multi-entry indexes
 *   hold each element of an array, which is what `hasAny`/`hasAll` need.
 * - `gt`, `gte`, `lt`, `lte`, `between` on numbers or strings: key ranges bounded to the operand's type.
 * - Instants (`eq` or ranges with an ISO date-time operand, `withinLast`, `olderThan`): a stored date-time may carry
 *   any offset up to ±14 hours, and its text sorts by local time, so the range is widened by 15 hours each way.
 * - `startsWith`: case-sensitive, the prefix range; ignoring case, one prefix range per character whose lower case
 *   begins like the prefix's (so `İstanbul` is found for `i`, as the reference finds it).
 * - `all`: the child whose range holds the fewest keys (IndexedDB counts index keys without reading records).
 * - `any`: the union of its children's ranges, when every child has one.
 * - `ne`, `nin`, `not`, `exists`, `contains`, booleans and `null`: no range (they match records an index omits).
 *
 * Without a usable range, a query ordered by one indexed field with a limit walks that index in order and stops once
 * the page is full; anything else scans the table.
 */
import {
  compileFilter,
  decodeCursor,
  isAfterCursor,
  parseInstant,
  queryInMemory,
  type Filter,
  type FilterOperator,
  type QueryOptions,
  type QueryPage,
  type StoredRecord,
} from '@crmkit/core';
import { Dexie, type Collection, type Table } from 'dexie';

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

type Table_ = Table<StoredRecord, string>;
type Key = string | number;
/** One key range: [lower, upper] with inclusiveness. */
interface Range {
  readonly lower: unknown;
  readonly upper: unknown;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
}
/** A way to select candidates: key ranges on one index, or a union of such selections. */
type Plan = { readonly index: string; readonly ranges: readonly Range[] } | { readonly union: readonly Plan[] };

const MAX_STRING = '\uffff';
/** Widening for instants: offsets reach ±14 hours; one hour of margin. */
const INSTANT_SLACK_MS = 15 * 3_600_000;
const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const;

interface IndexInfo {
  readonly multi: boolean;
}

/** The table's single-field indexes by key path, the primary key `id` included. */
function indexesOf(table: Table_): Map<string, IndexInfo> {
  const indexes = new Map<string, IndexInfo>([['id', { multi: false }]]);
  for (const index of table.schema.indexes) {
    if (typeof index.keyPath === 'string' && !index.compound) indexes.set(index.keyPath, { multi: !!index.multi });
  }
  return indexes;
}

const isKey = (value: unknown): value is Key =>
  (typeof value === 'string' || (typeof value === 'number' && !Number.isNaN(value))) && !isInstant(value);
const isInstant = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(parseInstant(value));
const iso = (ms: number) => new Date(Math.max(-62_167_219_200_000, Math.min(253_402_300_799_999, ms))).toISOString();

const exact = (key: Key): Range => ({ lower: key, upper: key, lowerOpen: false, upperOpen: false });

/** The range of all keys of `value`'s type beyond it (or before it). */
function above(value: Key, open: boolean): Range {
  return typeof value === 'number'
    ? { lower: value, upper: Infinity, lowerOpen: open, upperOpen: false }
    : { lower: value, upper: Dexie.maxKey, lowerOpen: open, upperOpen: true };
}
function below(value: Key, open: boolean): Range {
  return typeof value === 'number'
    ? { lower: -Infinity, upper: value, lowerOpen: false, upperOpen: open }
    : { lower: '', upper: value, lowerOpen: false, upperOpen: open };
}
/** Stored date-times whose instant lies in [from, to] (either end optional), widened for offsets. */
function instantRange(from: number | undefined, to: number | undefined): Range {
  return {
    lower: from === undefined ? '' : iso(from - INSTANT_SLACK_MS),
    upper: to === undefined ? Dexie.maxKey : iso(to + INSTANT_SLACK_MS),
    lowerOpen: false,
    upperOpen: to === undefined,
  };
}

let caseVariants: Map<string, string[]> | undefined;
/** Every BMP character whose lower case starts with the code unit `lower`, built once on first use. */
function charactersLoweringTo(lower: string): string[] {
  if (!caseVariants) {
    caseVariants = new Map();
    for (let code = 0; code < 0xd800; code++) {
      const char = String.fromCharCode(code);
      const first = char.toLowerCase()[0]!;
      let list = caseVariants.get(first);
      if (!list) caseVariants.set(first, (list = []));
      list.push(char);
    }
    for (let code = 0xe000; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      const first = char.toLowerCase()[0]!;
      let list = caseVariants.get(first);
      if (!list) caseVariants.set(first, (list = []));
      list.push(char);
    }
  }
  return caseVariants.get(lower) ?? [];
}

/** Key ranges selecting a superset of the records `leaf` matches, or undefined when no index range can. */
function leafRanges(leaf: Extract<Filter, { field: string }>, info: IndexInfo, now: number): Range[] | undefined {
  switch (leaf.op) {
    case 'eq':
      if (isKey(leaf.value)) return [exact(leaf.value)];
      if (isInstant(leaf.value)) {
        const at = parseInstant(leaf.value);
        return [instantRange(at, at)];
      }
      return undefined;
    case 'in':
      if (leaf.values.length === 0) return [];
      if (!leaf.values.every(isKey)) return undefined;
      return [...new Set(leaf.values as Key[])].map(exact);
    case 'hasAny':
      if (!info.multi) return undefined;
      if (leaf.values.length === 0) return [];
      return leaf.values.every(isKey) ? [...new Set(leaf.values as Key[])].map(exact) : undefined;
    case 'hasAll': {
      if (!info.multi) return undefined;
      const first = leaf.values.find(isKey);
      return first === undefined ? undefined : [exact(first)];
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const value = leaf.value;
      const lowerSide = leaf.op === 'gt' || leaf.op === 'gte';
      const open = leaf.op === 'gt' || leaf.op === 'lt';
      if (isInstant(value)) {
        const at = parseInstant(value);
        return [lowerSide ? instantRange(at, undefined) : instantRange(undefined, at)];
      }
      if (!isKey(value)) return undefined;
      return [lowerSide ? above(value, open) : below(value, open)];
    }
    case 'between': {
      const { min, max } = leaf;
      if (isInstant(min) && isInstant(max)) return [instantRange(parseInstant(min), parseInstant(max))];
      if (!isKey(min) || !isKey(max) || typeof min !== typeof max) return undefined;
      if (min > max) return [];
      return [{ lower: min, upper: max, lowerOpen: false, upperOpen: false }];
    }
    case 'withinLast':
      return [instantRange(now - leaf.amount * UNIT_MS[leaf.unit], now)];
    case 'olderThan':
      return [instantRange(undefined, now - leaf.amount * UNIT_MS[leaf.unit])];
    case 'startsWith': {
      const prefix = leaf.value;
      if (prefix === '') return [{ lower: '', upper: Dexie.maxKey, lowerOpen: false, upperOpen: true }];
      if (leaf.caseSensitive)
        return [{ lower: prefix, upper: prefix + MAX_STRING, lowerOpen: false, upperOpen: false }];
      const first = prefix.toLowerCase()[0]!;
      if (first >= '\ud800' && first <= '\udfff') return undefined;
      return charactersLoweringTo(first).map((char) => ({
        lower: char,
        upper: char + MAX_STRING,
        lowerOpen: false,
        upperOpen: false,
      }));
    }
    default:
      return undefined;
  }
}

function plan(filter: Filter, indexes: Map<string, IndexInfo>, now: number): Plan[] {
  if ('all' in filter) return filter.all.flatMap((child) => plan(child, indexes, now));
  if ('any' in filter) {
    const branches = filter.any.map((child) => plan(child, indexes, now));
    if (branches.length === 0 || branches.some((options) => options.length === 0)) return [];
    // Any option of a branch selects a superset of that branch; take the first.
    return [{ union: branches.map((options) => options[0]!) }];
  }
  if ('not' in filter) return [];
  const info = indexes.get(filter.field);
  if (!info) return [];
  const ranges = leafRanges(filter, info, now);
  return ranges ? [{ index: filter.field, ranges }] : [];
}

function collectionOf(
  table: Table_,
  target: { index: string; ranges: readonly Range[] },
): Collection<StoredRecord, string> {
  const where = table.where(target.index === 'id' ? ':id' : target.index);
  if (target.ranges.length === 1) {
    const range = target.ranges[0]!;
    return where.between(range.lower as Key, range.upper as Key, !range.lowerOpen, !range.upperOpen);
  }
  // Ranges of one selection share their inclusiveness except exact keys, which are closed on both ends.
  const closed = target.ranges.every((range) => !range.lowerOpen && !range.upperOpen);
  if (closed)
    return where.inAnyRange(
      target.ranges.map((range) => [range.lower, range.upper]),
      { includeLowers: true, includeUppers: true },
    );
  return where.inAnyRange(
    target.ranges.map((range) => [range.lower, range.upper]),
    { includeLowers: !target.ranges[0]!.lowerOpen, includeUppers: !target.ranges[0]!.upperOpen },
  );
}

/** How many index keys a plan selects: the cost the planner minimises. */
async function cost(table: Table_, candidate: Plan): Promise<number> {
  if ('union' in candidate) {
    let total = 0;
    for (const part of candidate.union) total += await cost(table, part);
    return total;
  }
  return candidate.ranges.length === 0 ? 0 : collectionOf(table, candidate).count();
}

/** The records a plan selects, each once. */
async function candidates(table: Table_, selected: Plan): Promise<StoredRecord[]> {
  if ('union' in selected) {
    const byId = new Map<string, StoredRecord>();
    for (const part of selected.union) for (const record of await candidates(table, part)) byId.set(record.id, record);
    return [...byId.values()];
  }
  if (selected.ranges.length === 0) return [];
  const records = await collectionOf(table, selected).toArray();
  // A multi-entry index yields a record once per matching element.
  if (selected.ranges.length === 1 && indexesOf(table).get(selected.index)?.multi !== true) return records;
  const byId = new Map(records.map((record) => [record.id, record]));
  return [...byId.values()];
}

/** The cheapest of several plans, by counting the index keys each selects. */
async function cheapest(table: Table_, options: readonly Plan[]): Promise<Plan> {
  let best: Plan = options[0]!;
  let bestCost = Infinity;
  for (const option of options) {
    const optionCost = await cost(table, option);
    if (optionCost < bestCost) [best, bestCost] = [option, optionCost];
  }
  return best;
}

/**
 * Top-N by an index: walks the index of the one `orderBy` field in order and stops once the page is full. Only
 * valid when every record has an indexable value there (missing, null and booleans are not IndexedDB keys, and they
 * sort first), which IndexedDB tells by counting the index's keys; otherwise the table is scanned.
 */
function canWalk(table: Table_, options: QueryOptions): boolean {
  const only = options.orderBy?.[0];
  if (options.limit === undefined || options.orderBy?.length !== 1 || !only || only.field === 'id') return false;
  const info = indexesOf(table).get(only.field);
  return !!info && !info.multi;
}

async function walkIndex<T extends object>(table: Table_, options: QueryOptions, now: Date): Promise<QueryPage<T>> {
  const orderBy = options.orderBy!;
  const limit = options.limit!;
  const only = orderBy[0]!;
  const indexed = await table.orderBy(only.field).count();
  const total = await table.count();
  if (indexed !== total) return scan<T>(table, options, now);

  const descending = only.direction === 'desc';
  const matches = options.where ? compileFilter(options.where, { now }) : undefined;
  const cursorKey = options.after === undefined ? undefined : decodeCursor(options.after, orderBy);
  let collection: Collection<StoredRecord, string> =
    cursorKey && cursorKey[0] !== null
      ? descending
        ? table.where(only.field).belowOrEqual(cursorKey[0] as Key)
        : table.where(only.field).aboveOrEqual(cursorKey[0] as Key)
      : table.orderBy(only.field);
  if (descending) collection = collection.reverse();

  const picked: StoredRecord[] = [];
  let boundary: unknown;
  let done = false;
  await collection
    .until(() => done)
    .each((record, cursor) => {
      // Past the page: keep reading only while the key ties with the last record (ties are ordered by id later).
      if (picked.length > limit && cursor.key !== boundary) {
        done = true;
        return;
      }
      if (matches && !matches(record)) return;
      if (cursorKey && !isAfterCursor(record, cursorKey, orderBy)) return;
      picked.push(record);
      if (picked.length === limit + 1) boundary = cursor.key;
    });
  // The walk read every record that can be on this page; the reference orders them and cuts the page.
  return queryInMemory(picked as StoredRecord<T>[], { orderBy, limit }, now);
}

async function scan<T extends object>(table: Table_, options: QueryOptions, now: Date): Promise<QueryPage<T>> {
  return queryInMemory((await table.toArray()) as StoredRecord<T>[], options, now);
}

/**
 * The records a filter's best plan selects, or every record. Inside a Dexie transaction the first thing awaited must
 * be an IndexedDB request: awaiting a promise that settles without one loses Dexie's transaction zone, and the next
 * request would run outside the transaction. So every decision is made synchronously before the first await.
 */
async function select(table: Table_, where: Filter, now: Date): Promise<StoredRecord[]> {
  const options = plan(where, indexesOf(table), now.getTime());
  if (options.length === 0) return table.toArray();
  return candidates(table, options.length === 1 ? options[0]! : await cheapest(table, options));
}

/** Runs a validated query on one table. */
export function runQuery<T extends object>(table: Table_, options: QueryOptions, now: Date): Promise<QueryPage<T>> {
  if (options.where && plan(options.where, indexesOf(table), now.getTime()).length > 0) {
    return select(table, options.where, now).then((records) =>
      queryInMemory(records as StoredRecord<T>[], options, now),
    );
  }
  return canWalk(table, options) ? walkIndex<T>(table, options, now) : scan<T>(table, options, now);
}

/** Counts the records matching a validated filter on one table. */
export function runCount(table: Table_, where: Filter | undefined, now: Date): Promise<number> {
  if (!where) return table.count();
  const matches = compileFilter(where, { now });
  return select(table, where, now).then((records) => records.reduce((n, r) => (matches(r) ? n + 1 : n), 0));
}
