/**
 * Query helpers shared by every adapter, so they agree on validation, ordering and cursors: the memory adapter runs
 * whole queries with them, and engines that push part of a filter down use them for the rest.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { compileFilter, getPath, parseFilter, type Filter } from '../filter/index.js';
import { fieldPathSchema } from '../model/primitives.js';
import type { OrderBy, QueryOptions, QueryPage, StoredRecord } from './port.js';

const orderBySchema = /* @__PURE__ */ z.strictObject({
  field: fieldPathSchema,
  direction: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['asc', 'desc'])),
});

const queryOptionsSchema = /* @__PURE__ */ z.strictObject({
  where: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  orderBy: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(orderBySchema).check(/* @__PURE__ */ z.maxLength(8))),
  limit: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
  after: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string().check(/* @__PURE__ */ z.maxLength(4096))),
});

const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/** A collection name: a letter then letters, digits or `_`, as safe in SQL identifiers as in IndexedDB store names. */
export const collectionNameSchema = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.regex(COLLECTION_NAME, 'Expected a collection name: a letter, then letters, digits or _'));

/** A record id: 1 to 128 characters. */
export const recordIdSchema = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(128));

/**
 * Validates a collection name, throwing `ValidationError` naming `collection`. Adapters call it on every operation, so
 * a good name costs one regular-expression test; only a bad one goes through the schema, for its message.
 */
export function checkCollection(collection: unknown): string {
  if (typeof collection === 'string' && COLLECTION_NAME.test(collection)) return collection;
  return parseOrThrow(z.strictObject({ collection: collectionNameSchema }), { collection }, 'collection').collection;
}

/** Validates query options; throws `ValidationError` naming the offending option. */
export function parseQueryOptions(options: unknown): QueryOptions {
  const parsed = parseOrThrow(queryOptionsSchema, options ?? {}, 'query');
  // parseFilter also bounds nesting depth, so a hostile filter cannot exhaust the stack.
  return { ...parsed, where: parsed.where === undefined ? undefined : parseFilterAt(parsed.where) } as QueryOptions;
}

function parseFilterAt(where: unknown): Filter {
  try {
    return parseFilter(where);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(
        error.issues.map((issue) => ({ ...issue, path: ['where', ...issue.path] })),
        'query',
      );
    }
    throw error;
  }
}

/**
 * Sort rank of a value's type: missing and null first (0), then booleans (1), numbers (2), strings (3), then anything
 * else (4). Adapters that order in their engine use it to place a cursor's value the way core orders it.
 */
export function sortRank(value: unknown): number {
  switch (typeof value) {
    case 'undefined':
      return 0;
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
    default:
      return value === null ? 0 : 4;
  }
}

/**
 * The total order of field values used by `orderBy`: missing = null < booleans < numbers < strings (by UTF-16 code
 * unit, locale-independent, so every adapter sorts alike) < other values (by their JSON).
 */
export function compareValues(a: unknown, b: unknown): number {
  const ra = sortRank(a);
  const rb = sortRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 4) {
    const ja = JSON.stringify(a);
    const jb = JSON.stringify(b);
    return ja < jb ? -1 : ja > jb ? 1 : 0;
  }
  const x = a as number | string | boolean;
  const y = b as number | string | boolean;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The sort key of a record: its values at each `orderBy` field, then its id. */
function sortKey(record: unknown, orderBy: readonly OrderBy[]): unknown[] {
  const key = orderBy.map((order) => normaliseKeyValue(getPath(record, order.field)));
  key.push((record as { id: string }).id);
  return key;
}

/** Missing and null sort alike, and a cursor stores them alike. */
function normaliseKeyValue(value: unknown): unknown {
  return value === undefined ? null : value;
}

function compareKeys(a: readonly unknown[], b: readonly unknown[], orderBy: readonly OrderBy[]): number {
  for (let i = 0; i < orderBy.length; i++) {
    const order = compareValues(a[i], b[i]);
    if (order !== 0) return orderBy[i]?.direction === 'desc' ? -order : order;
  }
  const idA = a[orderBy.length] as string;
  const idB = b[orderBy.length] as string;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** A comparator ordering records by `orderBy`, then by id. */
export function compareRecords(orderBy: readonly OrderBy[] = []): (a: unknown, b: unknown) => number {
  return (a, b) => compareKeys(sortKey(a, orderBy), sortKey(b, orderBy), orderBy);
}

/** The opaque cursor continuing after `record` in `orderBy` order. */
export function encodeCursor(record: unknown, orderBy: readonly OrderBy[] = []): string {
  return JSON.stringify(sortKey(record, orderBy));
}

/** The sort key a cursor holds; `ValidationError` naming `after` when it does not fit `orderBy`. */
export function decodeCursor(cursor: string, orderBy: readonly OrderBy[] = []): unknown[] {
  let key: unknown;
  try {
    key = JSON.parse(cursor);
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== orderBy.length + 1 || typeof key[orderBy.length] !== 'string') {
    throw new ValidationError([{ path: ['after'], message: 'Not a cursor of this query' }], 'query');
  }
  return key;
}

/** True when `record` sorts strictly after the cursor's position. */
export function isAfterCursor(
  record: unknown,
  cursorKey: readonly unknown[],
  orderBy: readonly OrderBy[] = [],
): boolean {
  return compareKeys(sortKey(record, orderBy), cursorKey, orderBy) > 0;
}

/**
 * Runs a whole query over records in memory: filter, order, seek past the cursor, limit. The memory adapter uses it
 * directly; it is also the reference every adapter's results must equal.
 */
export function queryInMemory<T extends object>(
  records: Iterable<StoredRecord<T>>,
  options: QueryOptions = {},
  now: Date = new Date(),
): QueryPage<T> {
  const orderBy = options.orderBy ?? [];
  const matches = options.where ? compileFilter(options.where as Filter, { now }) : undefined;
  const cursorKey = options.after === undefined ? undefined : decodeCursor(options.after, orderBy);
  if (orderBy.length === 0) {
    // By id alone (the default order): no sort key per record, which whole-collection reads would pay in garbage.
    const after = cursorKey?.[0] as string | undefined;
    const kept: StoredRecord<T>[] = [];
    let sorted = true;
    for (const record of records) {
      if ((matches && !matches(record)) || (after !== undefined && record.id <= after)) continue;
      if (sorted && kept.length > 0 && kept[kept.length - 1]!.id > record.id) sorted = false;
      kept.push(record);
    }
    // Records read in id order (an index run, the primary index) need no sort.
    if (!sorted) kept.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const limit = options.limit ?? kept.length;
    const last = kept[limit - 1];
    return {
      records: kept.length > limit ? kept.slice(0, limit) : kept,
      ...(kept.length > limit && last ? { next: JSON.stringify([last.id]) } : {}),
    };
  }
  const selected: { key: unknown[]; record: StoredRecord<T> }[] = [];
  for (const record of records) {
    if (matches && !matches(record)) continue;
    const key = sortKey(record, orderBy);
    if (cursorKey && compareKeys(key, cursorKey, orderBy) <= 0) continue;
    selected.push({ key, record });
  }
  selected.sort((a, b) => compareKeys(a.key, b.key, orderBy));
  const limit = options.limit ?? selected.length;
  const page = selected.slice(0, limit);
  const last = page[page.length - 1];
  return {
    records: page.map((entry) => entry.record),
    ...(selected.length > limit && last ? { next: JSON.stringify(last.key) } : {}),
  };
}
