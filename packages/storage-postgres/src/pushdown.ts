/**
 * Filter pushdown: the part of a filter PostgreSQL evaluates, as a `WHERE` fragment whose field paths and values are
 * all bind parameters. What it selects is a superset of the matches; `exact` says when it is the matches themselves
 * (then a count needs no rows and a page can be limited in SQL). Rows are still re-checked with `compileFilter`.
 *
 * Comparisons go through the schema's `sort_key` function, which maps a JSON value to text whose "C" order is core's
 * `compareValues` order (see schema.ts): equal keys are equal values, and a range of keys of one rank is a range of
 * values. The same expression is what the indexes hold, so these conditions use them.
 */
import {
  FILTER_OPERATORS,
  FILTER_UNIT_MS,
  parseInstant,
  toCanonical,
  toRange,
  type Filter,
  type FilterOperator,
  type Scalar,
} from '@crmkit/core';

/**
 * The filter operators translated to SQL: all of them, though some leaves are left to core (case-insensitive text
 * matching, instants compared for equality, paths with numeric segments) and some are pushed as supersets.
 */
export const PUSHED_OPERATORS: readonly FilterOperator[] = FILTER_OPERATORS;

/** Where a query reads its fields, when not all from `doc` (a joined query). */
export interface FieldReads {
  /** The jsonb value at a path. */
  valueAt(segments: readonly string[]): string;
  /**
   * A `float8` expression of the value at a path when it is a number (NULL otherwise), for fields no index serves:
   * comparing it costs far less per row than comparing sort keys. `undefined`: compare keys, which indexes hold.
   */
  numberAt(segments: readonly string[]): string | undefined;
}

/** Collects bind parameters, handing out their `$n` placeholders. */
export class Params {
  readonly values: unknown[];
  /** The quoted schema holding the key functions. */
  readonly schema: string;
  /** The instant `withinLast` and `olderThan` count back from, in epoch milliseconds. */
  readonly now: number;
  /** How fields are read; by default from `doc`, compared by key. */
  reads?: FieldReads;

  constructor(initial: readonly unknown[], schema: string, now: Date) {
    this.values = [...initial];
    this.schema = schema;
    this.now = now.getTime();
  }

  /** The placeholder of a new parameter holding `value`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** The jsonb value at a field's path (`doc #> '{"a","b"}'::text[]`). */
  valueAt(segments: readonly string[]): string {
    return this.reads?.valueAt(segments) ?? `(doc #> ${pathLiteral(segments)})`;
  }

  /** See {@link FieldReads.numberAt}. */
  numberAt(segments: readonly string[]): string | undefined {
    return this.reads?.numberAt(segments);
  }
}

/**
 * The number a jsonb value holds as JavaScript reads it (as `number_key` does: beyond a double's range is
 * ±Infinity, below its smallest magnitude 0), as `float8`; NULL for any other value. Expects `value` to be cheap.
 */
export const numberOf = (value: string) =>
  `(CASE WHEN jsonb_typeof(${value}) <> 'number' THEN NULL ` +
  `WHEN ${value}::numeric > 1.7976931348623157e308 THEN 'Infinity'::float8 ` +
  `WHEN ${value}::numeric < -1.7976931348623157e308 THEN '-Infinity'::float8 ` +
  `WHEN abs(${value}::numeric) < 2.5e-324 THEN 0::float8 ELSE ${value}::numeric::float8 END)`;

/** A pushed condition: SQL text over bind parameters, and whether it selects exactly the matches. */
export interface Pushed {
  readonly sql: string;
  readonly exact: boolean;
}

// Paths pushed are dotted identifiers only. A numeric segment would mean an array index, which PostgreSQL also counts
// from the end (`-1`), and that is not how the evaluator reads it.
const SEGMENT = /^[A-Za-z_$][\w$]*$/;
const identifiers = (segments: readonly string[]) => segments.every((segment) => SEGMENT.test(segment));

/**
 * A field's path as a `text[]` literal. Written into the statement, not bound: the indexes are on expressions of
 * literal paths, which a statement prepared once (driver.ts) matches only if its path is literal too; bound, its
 * generic plan would scan. Segments are identifiers (`pushablePath`), each quoted so that not even `NULL` is special.
 */
export function pathLiteral(segments: readonly string[]): string {
  if (!identifiers(segments)) throw new TypeError('Not a pushable path');
  return `'{${segments.map((segment) => `"${segment}"`).join(',')}}'::text[]`;
}

/** The path's segments when it may be pushed, else `undefined`. */
export function pushablePath(field: string): string[] | undefined {
  const segments = field.split('.');
  return identifiers(segments) ? segments : undefined;
}

const isInstant = (value: Scalar) => typeof value === 'string' && parseInstant(value) === parseInstant(value);
/** A value whose sort key is its own: instants equal other spellings of themselves, and JSON has no Infinity. */
const isPlain = (value: Scalar) => !isInstant(value) && (typeof value !== 'number' || Number.isFinite(value));

/** The sort key of the value at a bound path, in the "C" collation the indexes use. */
export const keyAt = (params: Params, segments: readonly string[]) =>
  `(${params.schema}.sort_key(${params.valueAt(segments)}) COLLATE "C")`;

/** The sort key of a bound value. */
export const keyOf = (params: Params, value: Scalar) =>
  `${params.schema}.sort_key(${params.add(JSON.stringify(value))}::jsonb)`;

/** The sort key of a record's id, which orders ids as core does (by UTF-16 code unit). */
export const idKey = (schema: string, column = 'id') => `(${schema}.text_key(${column}) COLLATE "C")`;

/** Keys of values of rank `rank` lie in [rank, rank + 1) (see `sort_key`). */
const RANK_OF = { boolean: '1', number: '2', string: '3' } as const;
const NEXT_RANK = { boolean: '2', number: '3', string: '4' } as const;

/**
 * Instants in a range, as a superset: strings of the canonical shape (24 characters ending in `Z`, how crmkit writes
 * every instant) compare as strings, so their keys are bounded; any other string may spell an instant in the range
 * and is left to core's check. `bounds` are conditions on the key.
 */
function instantsWhere(params: Params, segments: readonly string[], bounds: readonly string[]): Pushed {
  const at = params.valueAt(segments);
  const canonicalShape = `(length(${at} #>> '{}') = 24 AND right(${at} #>> '{}', 1) = 'Z')`;
  return {
    sql: `(jsonb_typeof(${at}) = 'string' AND (NOT ${canonicalShape} OR (${bounds.join(' AND ')})))`,
    exact: false,
  };
}

/** `true`, or `false` for a missing value too: a negation must not turn SQL's NULL into a match or a miss. */
const definitely = (sql: string) => `COALESCE(${sql}, FALSE)`;

/** The SQL for `filter`, or `undefined` when none of it can be pushed. */
export function pushFilter(filter: Filter, params: Params): Pushed | undefined {
  if ('all' in filter) {
    const parts = filter.all.map((child) => pushFilter(child, params));
    const pushed = parts.filter((part): part is Pushed => part !== undefined);
    if (filter.all.length === 0) return { sql: 'TRUE', exact: true };
    if (pushed.length === 0) return undefined;
    // Dropping a child of an AND widens the selection, which stays a superset.
    return {
      sql: `(${pushed.map((part) => part.sql).join(' AND ')})`,
      exact: pushed.length === parts.length && pushed.every((part) => part.exact),
    };
  }
  if ('any' in filter) {
    if (filter.any.length === 0) return { sql: 'FALSE', exact: true };
    const mark = params.values.length;
    const parts = filter.any.map((child) => pushFilter(child, params));
    // An OR is a superset only when every alternative is; otherwise the parameters its children bound are dropped.
    if (parts.some((part) => part === undefined)) {
      params.values.length = mark;
      return undefined;
    }
    const pushed = parts as Pushed[];
    return { sql: `(${pushed.map((part) => part.sql).join(' OR ')})`, exact: pushed.every((part) => part.exact) };
  }
  if ('not' in filter) {
    // The complement of a superset is not a superset of the complement: only an exact condition is negated.
    const mark = params.values.length;
    const inner = pushFilter(filter.not, params);
    if (!inner?.exact) {
      params.values.length = mark;
      return undefined;
    }
    return { sql: `(NOT ${definitely(inner.sql)})`, exact: true };
  }
  // A leaf left to core may have bound parameters before it knew; they are dropped with it.
  const mark = params.values.length;
  const pushed = pushLeaf(filter, params);
  if (!pushed) params.values.length = mark;
  return pushed;
}

/**
 * A comparison of the record's `id` with strings, on the id column (which is the document's `id`: the adapter writes
 * both), so the primary key and the id index serve it; `undefined` for any other.
 */
function pushIdLeaf(filter: Extract<Filter, { field: string }>, params: Params): Pushed | undefined {
  // Only where the row is the record alone: a joined query (`reads`) names its tables.
  if (filter.field !== 'id' || params.reads) return undefined;
  const id = idKey(params.schema);
  const key = (value: string) => `${params.schema}.text_key(${params.add(value)}::text)`;
  if (filter.op === 'eq' && typeof filter.value === 'string') {
    return { sql: `id = ${params.add(filter.value)}::text`, exact: true };
  }
  if (filter.op === 'in' && filter.values.every((value) => typeof value === 'string')) {
    return { sql: `id = ANY (${params.add(filter.values)}::text[])`, exact: true };
  }
  const ordering = ['gt', 'gte', 'lt', 'lte', 'between'].includes(filter.op);
  const range = ordering ? toRange(filter as Parameters<typeof toRange>[0]) : undefined;
  if (range?.kind !== 'string') return undefined;
  const bounds: string[] = [];
  if (typeof range.lo === 'string') bounds.push(`${id} ${range.loInclusive ? '>=' : '>'} ${key(range.lo)}`);
  if (typeof range.hi === 'string') bounds.push(`${id} ${range.hiInclusive ? '<=' : '<'} ${key(range.hi)}`);
  return { sql: `(${bounds.join(' AND ')})`, exact: true };
}

/** The SQL for one comparison, or `undefined` when core must evaluate it. */
function pushLeaf(filter: Extract<Filter, { field: string }>, params: Params): Pushed | undefined {
  const segments = pushablePath(filter.field);
  if (!segments) return undefined;
  const onId = pushIdLeaf(filter, params);
  if (onId) return onId;
  const exact = (sql: string): Pushed => ({ sql, exact: true });
  switch (filter.op) {
    case 'eq':
    case 'ne': {
      if (!isPlain(filter.value)) return undefined;
      const number = typeof filter.value === 'number' ? params.numberAt(segments) : undefined;
      const sql = number
        ? `${number} = ${params.add(filter.value)}::float8`
        : `${keyAt(params, segments)} = ${keyOf(params, filter.value)}`;
      return exact(filter.op === 'eq' ? sql : `(NOT ${definitely(sql)})`);
    }
    case 'in':
    case 'nin': {
      if (!filter.values.every(isPlain)) return undefined;
      const number = filter.values.every((value) => typeof value === 'number') ? params.numberAt(segments) : undefined;
      // Bound only when used: a parameter the statement does not use has no type, which PostgreSQL refuses.
      const keys = () =>
        `${params.schema}.sort_keys(${params.add(filter.values.map((value) => JSON.stringify(value)))}::text[])`;
      const sql = number
        ? `${number} = ANY (${params.add(filter.values)}::float8[])`
        : `${keyAt(params, segments)} = ANY (${keys()})`;
      return exact(filter.op === 'in' ? sql : `(NOT ${definitely(sql)})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
    case 'between': {
      const range = toRange(filter);
      // No value is in a range with a null bound or bounds of unlike types, nor in one with a NaN bound.
      if (!range || [range.lo, range.hi].some((bound) => bound !== bound)) return exact('FALSE');
      const number = range.kind === 'number' ? params.numberAt(segments) : undefined;
      if (number) {
        // A comparison with a bound is NULL, so no match, for a value that is not a number.
        const bounds: string[] = [];
        if (range.lo !== undefined && range.lo !== -Infinity) {
          bounds.push(`${number} ${range.loInclusive ? '>=' : '>'} ${params.add(range.lo)}::float8`);
        }
        if (range.hi !== undefined && range.hi !== Infinity) {
          bounds.push(`${number} ${range.hiInclusive ? '<=' : '<'} ${params.add(range.hi)}::float8`);
        }
        return exact(bounds.length === 0 ? `(${number} IS NOT NULL)` : `(${bounds.join(' AND ')})`);
      }
      const key = keyAt(params, segments);
      if (range.kind === 'instant') {
        // A bound spelled other than canonically compares by time, which key order need not follow.
        if (!range.canonical) return undefined;
        const bounds = [`${key} >= '3'`, `${key} < '4'`];
        if (range.lo !== undefined) bounds.push(`${key} ${range.loInclusive ? '>=' : '>'} ${keyOf(params, range.lo)}`);
        if (range.hi !== undefined) bounds.push(`${key} ${range.hiInclusive ? '<=' : '<'} ${keyOf(params, range.hi)}`);
        return instantsWhere(params, segments, bounds);
      }
      const kind = range.kind;
      // Keys of the range's kind lie in [rank, next rank); an open or infinite bound is that edge.
      const edge = (value: number | string | undefined) =>
        value === undefined || value === Infinity || value === -Infinity;
      const bound = (value: number | string) => keyOf(params, kind === 'boolean' ? value === 1 : value);
      const lo = edge(range.lo)
        ? `${key} >= '${RANK_OF[kind]}'`
        : `${key} ${range.loInclusive ? '>=' : '>'} ${bound(range.lo!)} AND ${key} >= '${RANK_OF[kind]}'`;
      const hi = edge(range.hi)
        ? `${key} < '${NEXT_RANK[kind]}'`
        : `${key} ${range.hiInclusive ? '<=' : '<'} ${bound(range.hi!)} AND ${key} < '${NEXT_RANK[kind]}'`;
      return exact(`(${lo} AND ${hi})`);
    }
    case 'exists':
      return exact(`${keyAt(params, segments)} ${filter.value ? '<>' : '='} '0'`);
    case 'startsWith':
    case 'contains': {
      // Case-insensitive matching folds case as JavaScript does, which SQL's lower() need not: left to core.
      if (filter.caseSensitive !== true) return undefined;
      const at = params.valueAt(segments);
      const text = params.add(filter.value);
      if (filter.op === 'startsWith') {
        return exact(`(jsonb_typeof(${at}) = 'string' AND starts_with(${at} #>> '{}', ${text}::text))`);
      }
      return exact(
        `((jsonb_typeof(${at}) = 'string' AND strpos(${at} #>> '{}', ${text}::text) > 0) OR ` +
          `(jsonb_typeof(${at}) = 'array' AND ${at} @> jsonb_build_array(${text}::text)))`,
      );
    }
    case 'hasAny':
    case 'hasAll': {
      if (!filter.values.every(isPlain)) return undefined;
      if (filter.values.length === 0 && filter.op === 'hasAny') return exact('FALSE');
      const at = params.valueAt(segments);
      // Containment of a one-element array is what the multi-entry (GIN) indexes serve.
      const contains =
        filter.op === 'hasAll'
          ? `${at} @> ${params.add(JSON.stringify(filter.values))}::jsonb`
          : `(${filter.values.map((value) => `${at} @> ${params.add(JSON.stringify([value]))}::jsonb`).join(' OR ')})`;
      return exact(`(jsonb_typeof(${at}) = 'array' AND ${contains})`);
    }
    case 'withinLast':
    case 'olderThan': {
      // The cutoff's canonical spelling, rounded outwards as core's own pre-check does.
      const cutoff = params.now - filter.amount * FILTER_UNIT_MS[filter.unit];
      const from = toCanonical(Math.ceil(cutoff));
      const to = toCanonical(Math.floor(params.now));
      const key = keyAt(params, segments);
      if (filter.op === 'olderThan') {
        return from === undefined ? undefined : instantsWhere(params, segments, [`${key} < ${keyOf(params, from)}`]);
      }
      if (from === undefined || to === undefined) return undefined;
      return instantsWhere(params, segments, [`${key} >= ${keyOf(params, from)}`, `${key} <= ${keyOf(params, to)}`]);
    }
    default:
      return undefined;
  }
}
