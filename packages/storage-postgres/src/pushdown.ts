/**
 * Filter pushdown: the part of a filter PostgreSQL evaluates, as a `WHERE` fragment whose field paths and values are
 * all bind parameters. What it selects is a superset of the matches; `exact` says when it is the matches themselves
 * (then a count needs no rows and a page can be limited in SQL). Rows are still re-checked with `compileFilter`.
 */
import { parseInstant, type Filter, type FilterOperator, type Scalar } from '@crmkit/core';

/** The filter operators translated to SQL (the others are evaluated in memory). */
export const PUSHED_OPERATORS: readonly FilterOperator[] = ['all', 'any', 'eq', 'in', 'hasAny'];

/** Collects bind parameters, handing out their `$n` placeholders. */
export class Params {
  readonly values: unknown[];

  constructor(initial: readonly unknown[]) {
    this.values = [...initial];
  }

  /** The placeholder of a new parameter holding `value`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A pushed condition: SQL text over bind parameters, and whether it selects exactly the matches. */
export interface Pushed {
  readonly sql: string;
  readonly exact: boolean;
}

// Paths pushed are dotted identifiers only. A numeric segment would mean an array index, which PostgreSQL also counts
// from the end (`-1`), and that is not how the evaluator reads it.
const SEGMENT = /^[A-Za-z_$][\w$]*$/;

/** The path's segments when it may be pushed, else `undefined`. */
export function pushablePath(field: string): string[] | undefined {
  const segments = field.split('.');
  return segments.every((segment) => SEGMENT.test(segment)) ? segments : undefined;
}

const isInstant = (value: Scalar) => typeof value === 'string' && parseInstant(value) === parseInstant(value);

/** `doc #> $n::text[]`: the jsonb value at a bound path. */
export const valueAt = (params: Params, segments: readonly string[]) => `(doc #> ${params.add(segments)}::text[])`;

/** Values compared as jsonb, bound as their JSON text. */
const jsonList = (params: Params, values: readonly Scalar[]) =>
  `${params.add(values.map((value) => JSON.stringify(value)))}::text[]::jsonb[]`;

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
  if (!('op' in filter)) return undefined;
  const segments = pushablePath(filter.field);
  if (!segments) return undefined;
  switch (filter.op) {
    case 'eq': {
      const value = filter.value;
      if (value === null) {
        const at = valueAt(params, segments);
        return { sql: `(${at} IS NULL OR ${at} = 'null'::jsonb)`, exact: true };
      }
      // An instant equals other spellings of itself, which SQL equality would miss.
      if (isInstant(value)) return undefined;
      return { sql: `${valueAt(params, segments)} = ${params.add(JSON.stringify(value))}::jsonb`, exact: true };
    }
    case 'in': {
      if (filter.values.some(isInstant)) return undefined;
      if (filter.values.length === 0) return { sql: 'FALSE', exact: true };
      const at = valueAt(params, segments);
      const nullish = filter.values.includes(null) ? ` OR ${at} IS NULL OR ${at} = 'null'::jsonb` : '';
      return { sql: `(${at} = ANY (${jsonList(params, filter.values)})${nullish})`, exact: true };
    }
    case 'hasAny': {
      if (filter.values.some(isInstant)) return undefined;
      if (filter.values.length === 0) return { sql: 'FALSE', exact: true };
      const at = valueAt(params, segments);
      return {
        sql:
          `(jsonb_typeof(${at}) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements(${at}) AS element ` +
          `WHERE element = ANY (${jsonList(params, filter.values)})))`,
        exact: true,
      };
    }
    default:
      return undefined;
  }
}
