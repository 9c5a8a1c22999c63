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
/**
 * Every BMP character whose lower case starts with the code unit `lower` (built once, on first use). `toLowerCase`
 * maps each character alone except Greek capital sigma, which becomes final sigma at the end of a word: it is listed
 * under both.
 */
function charactersLoweringTo(lower: string): readonly string[] {
  if (!caseVariants) {
    const table = new Map<string, string[]>();
    const add = (first: string, char: string) => {
      let list = table.get(first);
      if (!list) table.set(first, (list = []));
      list.push(char);
    };
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const char = String.fromCharCode(code);
      add(char.toLowerCase()[0]!, char);
    }
    add('\u03c2', '\u03a3');
    caseVariants = table;
  }
  return caseVariants.get(lower) ?? [];
}

/** How many ranges a case-insensitive prefix may become: each character multiplies them by its case variants. */
const MAX_PREFIX_RANGES = 64;

/**
 * Prefixes whose ranges together hold every string whose lower case starts with `lowered`: the case variants of its
 * characters, as many as fit in {@link MAX_PREFIX_RANGES} (a variant whose lower case is longer, like `İ` → `i̇`, ends its branch, which only widens).
 */
function caseInsensitivePrefixes(lowered: string): string[] | undefined {
  let prefixes: { built: string; rest: string }[] = [{ built: '', rest: lowered }];
  const done: string[] = [];
  for (let depth = 0; prefixes.length > 0; depth++) {
    const next: { built: string; rest: string }[] = [];
    for (const { built, rest } of prefixes) {
      const first = rest[0]!;
      if (first >= '\ud800' && first <= '\udfff') {
        if (built === '') return undefined;
        done.push(built);
        continue;
      }
      for (const char of charactersLoweringTo(first)) {
        const low = char === '\u03a3' && first === '\u03c2' ? first : char.toLowerCase();
        if (rest.startsWith(low)) {
          const remaining = rest.slice(low.length);
          if (remaining === '') done.push(built + char);
          else next.push({ built: built + char, rest: remaining });
        } else if (low.startsWith(rest)) {
          done.push(built + char);
        }
      }
    }
    // Too many combinations: stop at the shorter prefixes of this level (a wider selection, still complete).
    if (done.length + next.length > MAX_PREFIX_RANGES)
      return depth === 0 ? undefined : [...done, ...prefixes.map((p) => p.built)];
    prefixes = next;
  }
  return [...done, ...prefixes.map((p) => p.built)];
}

/** Every string starting with `prefix`: from it up to (excluding) the next string of its length that does not. */
function prefixRange(prefix: string): Range {
  let end = prefix;
  while (end !== '' && end.charCodeAt(end.length - 1) === 0xffff) end = end.slice(0, -1);
  if (end === '') return { lower: prefix, upper: Dexie.maxKey, lowerOpen: false, upperOpen: true };
  const upper = end.slice(0, -1) + String.fromCharCode(end.charCodeAt(end.length - 1) + 1);
  return { lower: prefix, upper, lowerOpen: false, upperOpen: true };
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
      if (leaf.caseSensitive) return [prefixRange(prefix)];
      return caseInsensitivePrefixes(prefix.toLowerCase())?.map(prefixRange);
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

/** The single-index selections a plan is made of. */
function partsOf(selected: Plan): { index: string; ranges: readonly Range[] }[] {
  return 'union' in selected ? selected.union.flatMap(partsOf) : [selected];
}

/*
 * Everything below that runs inside a transaction chains Dexie's own promises (`Dexie.Promise.all`, `.then`) rather
 * than awaiting native ones between requests: Dexie keeps its transaction zone across its own promises, and a request
 * issued after a native await could run outside the transaction (which Dexie reports as PrematureCommitError).
 */

/** How many index keys a plan selects: the cost the planner minimises. One native count per range, since IndexedDB
 * counts keys without reading records (a multi-range collection would iterate them). */
function cost(table: Table_, selected: Plan): Promise<number> {
  const counts = partsOf(selected).flatMap((part) =>
    part.ranges.map((range) => collectionOf(table, { index: part.index, ranges: [range] }).count()),
  );
  return Dexie.Promise.all(counts).then((all) => all.reduce((sum, n) => sum + n, 0));
}

/** The records a plan selects, each once. */
function candidates(table: Table_, selected: Plan): Promise<StoredRecord[]> {
  const parts = partsOf(selected).filter((part) => part.ranges.length > 0);
  const indexes = indexesOf(table);
  return Dexie.Promise.all(parts.map((part) => collectionOf(table, part).toArray())).then((lists) => {
    const only = parts[0];
    // One range on a single-valued index yields each record once; unions and multi-entry indexes may repeat one.
    if (lists.length === 1 && only && only.ranges.length === 1 && !indexes.get(only.index)?.multi) return lists[0]!;
    const byId = new Map<string, StoredRecord>();
    for (const list of lists) for (const record of list) byId.set(record.id, record);
    return [...byId.values()];
  });
}

/** The cheapest of several plans, by counting the index keys each selects. */
function cheapest(table: Table_, options: readonly Plan[]): Promise<Plan> {
  return Dexie.Promise.all(options.map((option) => cost(table, option))).then((costs) => {
    let best = 0;
    costs.forEach((value, i) => {
      if (value < costs[best]!) best = i;
    });
    return options[best]!;
  });
}

/**
 * Top-N by an index: walks the index of the one `orderBy` field in order and stops once the page is full. Only
 * valid when every record has an indexable value there (missing, null and booleans are not IndexedDB keys, and they
 * sort first), which IndexedDB tells by counting the index's keys; otherwise the table is scanned.
 */
/**
 * Which indexes hold every record of their collection, as last counted. Counting an index costs about as much as
 * reading a page, so the answer is kept until the collection changes: the adapter forgets a collection on each write
 * (its own, inside transactions too, and those other tabs announce).
 */
export interface IndexCoverage {
  /** Forget what is known about one collection's indexes. */
  forget(collection: string): void;
}

interface CoverageState extends IndexCoverage {
  readonly complete: Map<string, boolean>;
}

export function createIndexCoverage(): IndexCoverage {
  const complete = new Map<string, boolean>();
  const state: CoverageState = {
    complete,
    forget(collection) {
      for (const key of complete.keys()) if (key.startsWith(`${collection}/`)) complete.delete(key);
    },
  };
  return state;
}

function canWalk(table: Table_, options: QueryOptions): boolean {
  const only = options.orderBy?.[0];
  if (options.limit === undefined || options.orderBy?.length !== 1 || !only || only.field === 'id') return false;
  const info = indexesOf(table).get(only.field);
  return !!info && !info.multi;
}

async function walkIndex<T extends object>(
  table: Table_,
  options: QueryOptions,
  now: Date,
  coverage: IndexCoverage | undefined,
): Promise<QueryPage<T>> {
  const orderBy = options.orderBy!;
  const limit = options.limit!;
  const only = orderBy[0]!;
  const known = (coverage as CoverageState | undefined)?.complete;
  const key = `${table.name}/${only.field}`;
  let complete = known?.get(key);
  if (complete === undefined) {
    const indexed = await table.orderBy(only.field).count();
    complete = indexed === (await table.count());
    known?.set(key, complete);
  }
  if (!complete) return scan<T>(table, options, now);

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
 * The records the cheapest of a filter's plans selects, or every record when there is none. Inside a Dexie transaction the first thing awaited must
 * be an IndexedDB request: awaiting a promise that settles without one loses Dexie's transaction zone, and the next
 * request would run outside the transaction. So every decision is made synchronously before the first await.
 */
function select(table: Table_, options: readonly Plan[]): Promise<StoredRecord[]> {
  if (options.length === 0) return table.toArray();
  if (options.length === 1) return candidates(table, options[0]!);
  return cheapest(table, options).then((chosen) => candidates(table, chosen));
}

/** Runs a validated query on one table. */
export function runQuery<T extends object>(
  table: Table_,
  options: QueryOptions,
  now: Date,
  coverage?: IndexCoverage,
): Promise<QueryPage<T>> {
  const plans = options.where ? plan(options.where, indexesOf(table), now.getTime()) : [];
  if (plans.length > 0) {
    return select(table, plans).then((records) => queryInMemory(records as StoredRecord<T>[], options, now));
  }
  return canWalk(table, options) ? walkIndex<T>(table, options, now, coverage) : scan<T>(table, options, now);
}

/** Counts the records matching a validated filter on one table. */
export function runCount(table: Table_, where: Filter | undefined, now: Date): Promise<number> {
  if (!where) return table.count();
  const matches = compileFilter(where, { now });
  return select(table, plan(where, indexesOf(table), now.getTime())).then((records) =>
    records.reduce((n, r) => (matches(r) ? n + 1 : n), 0),
  );
}
