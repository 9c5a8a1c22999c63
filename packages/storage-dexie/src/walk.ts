/**
 * Pages by walking an order: which index can hand out a query's order, and how a page is read from such a walk.
 */
import {
  isAfterCursor,
  queryInMemory,
  type FilterPredicate,
  type OrderBy,
  type QueryPage,
  type StoredRecord,
} from '@crmkit/core';
import { cmp } from 'dexie';
import { recordsById, type Engine, type Entry } from './engine.js';
import type { IndexInfo, Key } from './ranges.js';
import type { KeyStream, WalkSpec, WalkStart } from './streams.js';

/** How a query's order maps onto one index. */
export interface WalkOrder {
  /** The indexed field whose order leads (`id`: the primary key). */
  readonly field: string;
  readonly desc: boolean;
  /** Equal keys by id descending. */
  readonly tiesDesc: boolean;
  /**
   * The order has further keys after the field (not `id`): equal keys are ordered by records' values, so a page
   * reads the whole run of its last key, and a cursor starts at the first entry of its key.
   */
  readonly grouped: boolean;
}

/**
 * The walk that yields `orderBy`'s order, when its leading field has an index with one key per record: `[]` and
 * `[id]` walk the primary key, `[f]` and `[f, id]` walk `f` exactly, `[f, g, …]` walks `f` and sorts each run of equal
 * `f` in memory. Whether every record is in that index is for the caller to check.
 */
export function walkOrder(orderBy: readonly OrderBy[], indexes: ReadonlyMap<string, IndexInfo>): WalkOrder | undefined {
  const [first, second] = orderBy;
  if (!first) return { field: 'id', desc: false, tiesDesc: false, grouped: false };
  const desc = first.direction === 'desc';
  if (first.field === 'id') return { field: 'id', desc, tiesDesc: desc, grouped: false };
  const info = indexes.get(first.field);
  if (!info || info.multi) return undefined;
  if (!second) return { field: first.field, desc, tiesDesc: false, grouped: false };
  if (second.field === 'id') return { field: first.field, desc, tiesDesc: second.direction === 'desc', grouped: false };
  return { field: first.field, desc, tiesDesc: desc, grouped: true };
}

/**
 * Where the walk starts for a cursor of `orderBy` (its sort key: the order's values, then the id); `null` when the
 * cursor's leading value is no index key (a missing or odd value: no walk can start there).
 */
export function walkStart(order: WalkOrder, cursorKey: readonly unknown[] | undefined): WalkStart | undefined | null {
  if (!cursorKey) return undefined;
  const id = cursorKey[cursorKey.length - 1] as string;
  if (order.field === 'id') return { key: id, id };
  const key = cursorKey[0];
  // Any index key will do, an instant included: the walk orders by the index's keys, as the page before it did.
  if (!(typeof key === 'string' || (typeof key === 'number' && !Number.isNaN(key)))) return null;
  return order.grouped ? { key } : { key, id };
}

/** The walk of `order` from `start`, optionally within one key range. */
export function walkSpec(order: WalkOrder, start: WalkStart | undefined, range?: WalkSpec['range']): WalkSpec {
  return {
    field: order.field,
    desc: order.desc,
    tiesDesc: order.tiesDesc,
    ...(range ? { range } : {}),
    ...(start ? { start } : {}),
  };
}

/** What a page read from a walk keeps. */
export interface PageFilter {
  readonly orderBy: readonly OrderBy[];
  readonly limit: number;
  readonly grouped: boolean;
  /** The query's filter, when it has one. */
  readonly matches?: FilterPredicate;
  /** Only these ids may match (the selection of an index range on another field). */
  readonly candidates?: ReadonlySet<string>;
  /** The cursor's sort key. */
  readonly cursorKey?: readonly unknown[];
}

/** At least this share of the entries walked is assumed to match when sizing the next batch. */
const MIN_MATCH_RATE = 1 / 64;
/** The most ids read in one request. */
const MAX_BATCH = 2000;
/** A grouped walk reads the run of its last key in batches of this many. */
const RUN_BATCH = 32;

/**
 * Reads a page from a walk: takes ids in order a batch at a time, reads those records, keeps the matches after the
 * cursor, and stops once it has one more than the page (so it knows whether another page follows). Batches grow with
 * the share of records that do not match, so a selective filter costs few requests and a page whose records all
 * match reads `limit + 1` records.
 */
export async function readPage<T extends object>(
  engine: Engine,
  stream: KeyStream,
  filter: PageFilter,
  now: Date,
): Promise<QueryPage<T>> {
  const { orderBy, limit, grouped, matches, candidates, cursorKey } = filter;
  const wanted = limit + 1;
  const picked: StoredRecord[] = [];
  let walked = 0;
  /** A grouped walk, once full: the key whose run it still reads. */
  let last: Key | undefined;
  const keep = async (entries: readonly Entry[]): Promise<void> => {
    const ids = candidates ? entries.filter((entry) => candidates.has(entry.id)) : entries;
    const records = await recordsById(
      engine,
      ids.map((entry) => entry.id),
    );
    records.forEach((record, i) => {
      if (!record || (matches && !matches(record))) return;
      if (cursorKey && !isAfterCursor(record, cursorKey, orderBy)) return;
      picked.push(record);
      if (grouped && picked.length === wanted) last = ids[i]!.key;
    });
  };
  try {
    while (picked.length < wanted) {
      const rate = walked === 0 ? 1 : Math.max(picked.length / walked, MIN_MATCH_RATE);
      const entries = await stream.take(Math.min(MAX_BATCH, Math.ceil((wanted - picked.length) / rate)));
      if (entries.length === 0) break;
      walked += entries.length;
      await keep(entries);
    }
    // Ordered by more than the walk's key: every record of the last key's run may still sort into the page.
    while (last !== undefined) {
      const entries = await stream.take(RUN_BATCH);
      const run = entries.filter((entry) => cmp(entry.key, last) === 0);
      if (run.length > 0) await keep(run);
      if (run.length < RUN_BATCH) break;
    }
  } finally {
    stream.close();
  }
  // What was kept is every record that can be on this page: the reference orders it and cuts the page.
  return queryInMemory(picked as StoredRecord<T>[], { orderBy: [...orderBy], limit }, now);
}
