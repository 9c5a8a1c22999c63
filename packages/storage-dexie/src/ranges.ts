/**
 * Key ranges for the filter language: which IndexedDB key ranges select a SUPERSET of the records a filter matches.
 * The planner (pushdown.ts) reads those ranges and runs the whole filter on what they select, so a range may
 * over-include but must never miss a match. See pushdown.ts for the mapping of each operator.
 */
import { parseInstant, type Filter } from '@crmkit/core';
import { Dexie, cmp, type Table } from 'dexie';
import type { StoredRecord } from '@crmkit/core';

export type Table_ = Table<StoredRecord, string>;
export type Key = string | number;
/** One key range: [lower, upper] with inclusiveness. */
export interface Range {
  readonly lower: unknown;
  readonly upper: unknown;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
}
/** A way to select candidates: key ranges on one index, or a union of such selections. */
export type Plan = { readonly index: string; readonly ranges: readonly Range[] } | { readonly union: readonly Plan[] };

/** Widening for instants: offsets reach ±14 hours; one hour of margin. */
const INSTANT_SLACK_MS = 15 * 3_600_000;
const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const;

export interface IndexInfo {
  readonly multi: boolean;
}

/** The table's single-field indexes by key path, the primary key `id` included. */
export function indexesOf(table: Table_): Map<string, IndexInfo> {
  const indexes = new Map<string, IndexInfo>([['id', { multi: false }]]);
  for (const index of table.schema.indexes) {
    if (typeof index.keyPath === 'string' && !index.compound) indexes.set(index.keyPath, { multi: !!index.multi });
  }
  return indexes;
}

export const isKey = (value: unknown): value is Key =>
  (typeof value === 'string' || (typeof value === 'number' && !Number.isNaN(value))) && !isInstant(value);
const isInstant = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(parseInstant(value));
const iso = (ms: number) => new Date(Math.max(-62_167_219_200_000, Math.min(253_402_300_799_999, ms))).toISOString();

export const exact = (key: Key): Range => ({ lower: key, upper: key, lowerOpen: false, upperOpen: false });

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
/** The range, unless it holds no key (`lt ''`, `gt` the largest number): IndexedDB refuses such a range. */
function nonEmpty(range: Range): Range[] {
  const order = cmp(range.lower, range.upper);
  return order > 0 || (order === 0 && (range.lowerOpen || range.upperOpen)) ? [] : [range];
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
export function leafRanges(
  leaf: Extract<Filter, { field: string }>,
  info: IndexInfo,
  now: number,
): Range[] | undefined {
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
      return nonEmpty(lowerSide ? above(value, open) : below(value, open));
    }
    case 'between': {
      const { min, max } = leaf;
      if (isInstant(min) && isInstant(max)) {
        const [from, to] = [parseInstant(min), parseInstant(max)];
        // An empty window: the slack would otherwise make a range whose bounds cross, which IndexedDB refuses.
        return from > to ? [] : [instantRange(from, to)];
      }
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

export function plan(filter: Filter, indexes: Map<string, IndexInfo>, now: number): Plan[] {
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

/** How many combinations of values a compound count may expand `in` into (one native count each). */
const MAX_COMPOUND_KEYS = 64;

/** The keys of one index whose count is a filter's count: an index (or a compound index's fields) and its ranges. */
export interface ExactPlan {
  readonly index: string | readonly string[];
  readonly ranges: readonly Range[];
}

/** The key values an `eq` or `in` on strings and numbers (not date-times, which are widened) selects; else none. */
function keysOf(leaf: Filter): Key[] | undefined {
  if (!('field' in leaf)) return undefined;
  const values = leaf.op === 'eq' ? [leaf.value] : leaf.op === 'in' ? [...new Set(leaf.values)] : undefined;
  return values?.every(isKey) ? (values as Key[]) : undefined;
}

/**
 * The exact plan of `filter`, whose index keys are its answer, or undefined when the records must decide:
 * - `eq` or `in` over an index that holds one key per record (a multi-entry index is never exact: it also holds the
 *   value of a record whose field is a scalar, which `hasAny` does not match);
 * - an `all` of those whose fields are a compound index's fields (`[ownerId+status]`): one key per combination of
 *   their values. A record missing one of the fields is in no compound key and matches no `eq` on it either; that is
 *   also why a shorter prefix of a longer compound index is never counted so (a record missing a later field is left
 *   out of that index, yet may match).
 */
export function exactPlan(filter: Filter, table: Table_, indexes: Map<string, IndexInfo>): ExactPlan | undefined {
  if ('field' in filter) {
    const keys = keysOf(filter);
    const info = indexes.get(filter.field);
    return keys && info && !info.multi ? { index: filter.field, ranges: keys.map(exact) } : undefined;
  }
  if (!('all' in filter) || filter.all.length < 2) return undefined;
  const fixed = new Map<string, Key[]>();
  for (const child of filter.all) {
    const keys = keysOf(child);
    if (!keys || fixed.has((child as { field: string }).field)) return undefined;
    fixed.set((child as { field: string }).field, keys);
  }
  for (const index of table.schema.indexes) {
    const keyPath = index.keyPath;
    if (!index.compound || !Array.isArray(keyPath) || keyPath.length !== fixed.size) continue;
    if (!keyPath.every((field) => fixed.has(field))) continue;
    let tuples: Key[][] = [[]];
    for (const field of keyPath) tuples = tuples.flatMap((head) => fixed.get(field)!.map((value) => [...head, value]));
    if (tuples.length > MAX_COMPOUND_KEYS) return undefined;
    return {
      index: keyPath,
      ranges: tuples.map((key) => ({ lower: key, upper: key, lowerOpen: false, upperOpen: false })),
    };
  }
  return undefined;
}
