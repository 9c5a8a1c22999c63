/**
 * How the memory adapter answers a query with its indexes, reading about as many records as the page holds:
 *
 * 1. Candidates an index selects for the filter, when no walk is possible or reading them costs less than a walk
 *    (at most {@link SORT_CANDIDATES}, or fewer than the records a walk would test for one page): read them, then
 *    filter, order and page them with `queryInMemory`, the reference, so results agree by construction.
 * 2. A limit and an order an index holds (by `id`, by one field with a single-field index, or by a compound index's
 *    last field under a prefix the filter fixes): walk that index from the cursor's key (skipping ids outside the
 *    candidates when they are at most a few pages), test each record, stop once the page is full.
 * 3. Otherwise, read the collection (`queryInMemory` over every record).
 *
 * Inside a transaction that has written to the collection, the staged records join the candidates (1) or the query
 * reads the collection (3), so a transaction always reads its own writes.
 */
import type { Filter } from '../filter/index.js';
import { kit } from './planner-kit.js';
import { SORT_CANDIDATES, type CollectionIndexes, type FieldIndex } from './memory-indexes.js';
import type { OrderedIndex } from './ordered-index.js';
import type { QueryOptions, QueryPage, StoredRecord } from './port.js';

/** What a query reads from: a collection's indexes and records, with a transaction's staged writes. */
export interface QuerySource {
  readonly indexes: CollectionIndexes;
  /** Ids the current transaction has written in this collection (created, replaced or deleted), if any. */
  readonly staged: Iterable<string> | undefined;
  /** The record as the reader sees it (staged writes included), or undefined. */
  read(id: string): StoredRecord | undefined;
  /** Every record the reader sees. */
  all(): Iterable<StoredRecord>;
  readonly onRead: (records: number) => void;
}

/** The records of `ids` that exist, each once (only a union can name one twice), counted as read. */
function readDistinct(source: QuerySource, ids: Iterable<string>, repeats = true): StoredRecord[] {
  const records: StoredRecord[] = [];
  if (repeats) {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const record = source.read(id);
      if (record) records.push(record);
    }
  } else if (Array.isArray(ids)) {
    // The common case, an index's ids copied out: a plain loop.
    const list = ids as readonly string[];
    for (let i = 0; i < list.length; i++) {
      const record = source.read(list[i] as string);
      if (record) records.push(record);
    }
  } else {
    for (const id of ids) {
      const record = source.read(id);
      if (record) records.push(record);
    }
  }
  source.onRead(records.length);
  return records;
}

/** Every record the reader sees; in id order when nothing is staged (walking the primary index spares a sort). */
function readAll(source: QuerySource): StoredRecord[] {
  if (!source.staged) {
    const primary = source.indexes.primary;
    const records = primary.valuesBetween(primary.start()) as StoredRecord[];
    source.onRead(records.length);
    return records;
  }
  const records = [...source.all()];
  source.onRead(records.length);
  return records;
}

/** The index a walk in `options.orderBy` order can use: the primary key, or one field's single-field index. */
function orderIndex(source: QuerySource, options: QueryOptions): OrderedIndex | FieldIndex | undefined {
  const orderBy = options.orderBy ?? [];
  if (orderBy.length === 0) return source.indexes.primary;
  if (orderBy.length !== 1) return undefined;
  const field = (orderBy[0] as { field: string }).field;
  return field === 'id' ? source.indexes.primary : source.indexes.ordered(field);
}

/** One page of a query (see the module comment for the three ways). */
export function queryIndexed(source: QuerySource, options: QueryOptions, now: Date): QueryPage {
  const where = options.where as Filter | undefined;
  const orderBy = options.orderBy ?? [];
  const ascendingBy = orderBy.length === 1 && orderBy[0]?.direction !== 'desc' ? orderBy[0]?.field : undefined;
  const plan = where ? source.indexes.plan(where, now.getTime(), ascendingBy) : undefined;
  const walkable = source.staged === undefined && options.limit !== undefined ? orderIndex(source, options) : undefined;
  if (plan?.idsAfter && walkable && orderBy.length === 0) {
    // One run of equal keys, in id order: the page's own order, read from the cursor on.
    const cursor = options.after === undefined ? undefined : (kit.decodeCursor(options.after, [])[0] as string);
    return walk(source, plan.idsAfter(cursor), options, now);
  }
  if (
    plan?.orderedBy &&
    plan.orderedBy.field === ascendingBy &&
    source.staged === undefined &&
    options.limit !== undefined
  ) {
    // Candidates already in the page's order (a compound index under a fixed prefix): read from the cursor on.
    const cursor = options.after === undefined ? undefined : kit.decodeCursor(options.after, orderBy);
    return walk(source, plan.orderedBy.idsFrom(cursor && [cursor[0], cursor[1] as string]), options, now);
  }
  // Reading and sorting the candidates costs about their number on every page; walking the order and testing each
  // record costs about limit / share of matches. The cheaper one is taken, so a page never costs the collection.
  const total = source.indexes.primary.size;
  const walkCost = walkable && plan ? (((options.limit as number) + 1) * total) / plan.size : 0;
  if (plan && !source.staged && options.limit === undefined && !options.orderBy?.length && plan.size * 4 > total) {
    // Most of the collection, all of it wanted in id order: one pass over the primary index beats sorting them.
    // Exact candidates that are every record (a funnel's one pipeline) are all matches: they are the answer as read,
    // in id order, unless a cursor cuts them.
    if (plan.exact && plan.size === total && options.after === undefined) return { records: readAll(source) };
    return kit.queryInMemory(readAll(source), options, now);
  }
  if (plan && (!walkable || plan.size <= SORT_CANDIDATES || plan.size <= walkCost)) {
    const ids = source.staged ? [...plan.ids(), ...source.staged] : plan.ids();
    const records = readDistinct(source, ids, plan.repeats || !!source.staged);
    // Exact candidates are the matches: the filter need not run again.
    const { where: _exact, ...unfiltered } = options;
    return kit.queryInMemory(records, plan.exact && !source.staged ? unfiltered : options, now);
  }
  if (walkable) {
    // A candidate set a few pages large costs little to build and spares reading the records it leaves out.
    const ids = indexOrder(walkable, options);
    const fewCandidates = plan && plan.size <= 4 * ((options.limit as number) + 1);
    return walk(source, fewCandidates ? only(ids, new Set(plan.ids())) : ids, options, now);
  }
  return kit.queryInMemory(readAll(source), options, now);
}

/** How many records match `options.where`. */
export function countIndexed(source: QuerySource, options: QueryOptions, now: Date): number {
  const where = options.where as Filter | undefined;
  if (!where) return source.staged ? readAll(source).length : source.indexes.primary.size;
  const plan = source.indexes.plan(where, now.getTime());
  if (plan?.exact && !source.staged) return plan.size;
  const matches = kit.compileFilter(where, { now });
  const records = plan
    ? readDistinct(
        source,
        source.staged ? [...plan.ids(), ...source.staged] : plan.ids(),
        plan.repeats || !!source.staged,
      )
    : readAll(source);
  let count = 0;
  for (const record of records) if (matches(record)) count++;
  return count;
}

function* only(ids: Iterable<string>, keep: ReadonlySet<string>): Generator<string> {
  for (const id of ids) if (keep.has(id)) yield id;
}

/** The ids of `index` in the query's order, after its cursor. */
function* indexOrder(index: OrderedIndex | FieldIndex, options: QueryOptions): Generator<string> {
  const orderBy = options.orderBy ?? [];
  const tree = 'tree' in index ? index.tree : index;
  const cursor = options.after === undefined ? undefined : kit.decodeCursor(options.after, orderBy);
  // The cursor is [key, id]: the primary index's key is the id itself, a field index's the field's value.
  const cursorKey = cursor?.[0];
  const cursorId = cursor === undefined ? undefined : (cursor[orderBy.length] as string);
  if (orderBy[0]?.direction === 'desc') {
    for (const [, id] of descendingEntries(tree, cursorKey, cursorId)) yield id;
    return;
  }
  for (const [key, id] of tree.ascend(cursor === undefined ? tree.start() : tree.seek(cursorKey, cursorId))) {
    // The seek lands on the cursor's own entry when it still exists: skip it.
    if (cursorId !== undefined && id === cursorId && kit.compareValues(key, cursorKey) === 0) continue;
    yield id;
  }
}

/** A page from ids already in the query's order and after its cursor: tests each record until the page is full. */
function walk(source: QuerySource, ids: Iterable<string>, options: QueryOptions, now: Date): QueryPage {
  const limit = options.limit as number;
  const matches = options.where ? kit.compileFilter(options.where as Filter, { now }) : undefined;
  const page: StoredRecord[] = [];
  let read = 0;
  let more = false;
  for (const id of ids) {
    const record = source.read(id);
    read++;
    if (!record || (matches && !matches(record))) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(record);
  }
  source.onRead(read);
  const last = page[page.length - 1];
  return { records: page, ...(more && last ? { next: kit.encodeCursor(last, options.orderBy ?? []) } : {}) };
}

/**
 * Entries in descending key order with ties in ascending id order (the port's order: `id` ascending is always the
 * last key), after the cursor's entry when there is one: the index is read backwards one run of equal keys at a time,
 * each run forwards.
 */
function* descendingEntries(
  tree: OrderedIndex,
  cursorKey: unknown,
  cursorId: string | undefined,
): Generator<[unknown, string]> {
  let runEnd = tree.end();
  if (cursorId !== undefined) {
    // The rest of the cursor's run: same key, later ids.
    const after = tree.seek(cursorKey, cursorId);
    const runStop = tree.seekAbove(cursorKey);
    for (const [key, id] of tree.ascend(after, runStop)) if (id !== cursorId) yield [key, id];
    runEnd = tree.seek(cursorKey, '');
  }
  for (;;) {
    const previous = tree.descend(runEnd).next();
    if (previous.done) return;
    const key = previous.value[0];
    const runStart = tree.seek(key, '');
    yield* tree.ascend(runStart, runEnd);
    runEnd = runStart;
  }
}
