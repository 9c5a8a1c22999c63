import * as z from 'zod/mini';
import { ValidationError, type ValidationIssue } from '../errors/errors.js';
import { parseOwnMessages } from '../errors/parse.js';

/** A value a filter compares against. */
export type Scalar = string | number | boolean | null;

/** The units of `withinLast` and `olderThan`; a day is exactly 24 hours, a week 7 days. */
export type FilterTimeUnit = 'minutes' | 'hours' | 'days' | 'weeks';

/**
 * The one filter language of crmkit, shared by storage queries, segments and automation conditions: a small JSON AST.
 *
 * `field` is a dotted path into the record (`customFields.region`, `value.amountMinor`); each segment is looked up as
 * an own property, never through the prototype chain.
 *
 * Semantics (the reference evaluator is {@link compileFilter}; adapters that push a filter down must agree with it):
 * - A missing field or a `null` value fails every comparison (`eq`, `gt`…`lte`, `between`, `in`, `contains`,
 *   `startsWith`, `hasAny`, `hasAll`, `withinLast`, `olderThan`), except that `eq null` matches a missing or `null`
 *   value and `in` matches one when its list holds `null` (`in` ≡ `any` of `eq`). `ne` ≡ `not eq` and `nin` ≡ `not in`,
 *   so both are true on a missing field.
 * - `eq` compares with `===` (plus the instant rule below): an array or object value equals nothing.
 * - `exists: true` means present and not `null`; `exists: false` means missing or `null`.
 * - Ordering (`gt`, `gte`, `lt`, `lte`, `between`, inclusive at both ends) compares like with like only: number with
 *   number, string with string (by UTF-16 code units), boolean with boolean (`false < true`); any other pair is false.
 * - Instants: when the operand and the record's value are both ISO-8601 date-times with `Z` or an `±HH:MM` offset
 *   (`2026-01-01T08:00:00+08:00`; seconds and fraction optional; the calendar date must exist), `eq`, `ne`, the
 *   ordering operators, `in`, `nin`, `hasAny` and `hasAll` compare them as instants, so that string equals
 *   `2026-01-01T00:00:00Z`. Otherwise strings compare as strings.
 * - `contains` on a string is a substring test; on an array it means an element equals `value`. `startsWith` applies
 *   to strings only. Both ignore case unless `caseSensitive: true` (`toLowerCase`, locale-independent).
 * - `hasAny` / `hasAll` are false on anything but an array; `hasAll: []` is true on any array, `hasAny: []` false.
 * - `withinLast` is true for an instant in [now − amount·unit, now]; `olderThan` for one strictly before
 *   now − amount·unit. Values that are not instants are false for both.
 * - `all: []` is true, `any: []` is false.
 */
export type Filter =
  | { readonly all: readonly Filter[] }
  | { readonly any: readonly Filter[] }
  | { readonly not: Filter }
  | { readonly field: string; readonly op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; readonly value: Scalar }
  | { readonly field: string; readonly op: 'in' | 'nin'; readonly values: readonly Scalar[] }
  | { readonly field: string; readonly op: 'between'; readonly min: Scalar; readonly max: Scalar }
  | {
      readonly field: string;
      readonly op: 'contains' | 'startsWith';
      readonly value: string;
      readonly caseSensitive?: boolean;
    }
  | { readonly field: string; readonly op: 'exists'; readonly value: boolean }
  | { readonly field: string; readonly op: 'hasAny' | 'hasAll'; readonly values: readonly Scalar[] }
  | {
      readonly field: string;
      readonly op: 'withinLast' | 'olderThan';
      readonly amount: number;
      readonly unit: FilterTimeUnit;
    };

/**
 * Every operator of the language, the logical ones included. Adapters declare the subset they push down; core
 * evaluates the rest in memory.
 */
export const FILTER_OPERATORS = [
  'all',
  'any',
  'not',
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'nin',
  'between',
  'contains',
  'startsWith',
  'exists',
  'hasAny',
  'hasAll',
  'withinLast',
  'olderThan',
] as const;

/** The name of one operator of the filter language. */
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

// Limits on what one filter may cost to parse, store and evaluate (docs/guides/core.md, "Input limits"): 32 levels,
// 1 000 nodes, field paths of 200 characters, lists of 1 000 values, strings of 10 000 characters, all checked by one
// walk before the recursive schema runs (`overLimit`), so a hostile body cannot exhaust the stack.
const DEPTH_MESSAGE = 'Filters nest at most 32 deep';

const forbiddenSegments = new Set(['__proto__', 'prototype', 'constructor']);

/** True when every segment of the dotted `path` is non-empty and none can reach an object's prototype. */
export function isSafeFieldPath(path: string): boolean {
  for (const segment of path.split('.')) {
    if (segment === '' || forbiddenSegments.has(segment)) return false;
  }
  return true;
}

const fieldSchema = /* @__PURE__ */ z
  .string('Expected a field path')
  .check(
    /* @__PURE__ */ z.refine(
      isSafeFieldPath,
      'Expected a dotted path of non-empty segments, none of __proto__, prototype, constructor',
    ),
  );
const scalarSchema = /* @__PURE__ */ z.union(
  [/* @__PURE__ */ z.string(), /* @__PURE__ */ z.number(), /* @__PURE__ */ z.boolean(), /* @__PURE__ */ z.null()],
  {
    error: 'Expected a string, a finite number, a boolean or null',
  },
);
const scalarsSchema = /* @__PURE__ */ z.array(scalarSchema, 'Expected an array of scalars');

/** Names unknown keys (clipped: they come from the input) so a misspelt operand is easy to spot. */
const strict = {
  error: (issue: z.core.$ZodRawIssue): string =>
    issue.code === 'unrecognized_keys'
      ? `Unexpected key(s) ${issue.keys.map((key) => key.slice(0, 40)).join(', ')}`
      : 'Expected a filter object',
};

// Recursion goes through z.lazy so the leaf schemas can be declared before the node schema that contains them.
const childSchema = /* @__PURE__ */ z.lazy((): z.ZodMiniType => nodeSchema);

// Leaf nodes are told apart by `op`; logical nodes have none and are told apart by their single key. One
// discriminated union over `op` (absent → logical) keeps zod's issue paths precise, e.g. `all.0.value`, where a plain
// union would only report "no option matched" at `all.0`.
const logicalSchema = /* @__PURE__ */ z
  .strictObject(
    {
      op: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.literal(undefined)),
      all: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(childSchema, 'Expected an array of filters')),
      any: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(childSchema, 'Expected an array of filters')),
      not: /* @__PURE__ */ z.optional(childSchema),
    },
    strict,
  )
  .check(
    /* @__PURE__ */ z.refine(
      (node) => Number(node.all !== undefined) + Number(node.any !== undefined) + Number(node.not !== undefined) === 1,
      'Expected exactly one of all, any, not, or a field condition with an op',
    ),
  );

const nodeSchema = /* @__PURE__ */ z.discriminatedUnion(
  'op',
  [
    logicalSchema,
    /* @__PURE__ */ z.strictObject(
      {
        field: fieldSchema,
        op: /* @__PURE__ */ z.literal(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']),
        value: scalarSchema,
      },
      strict,
    ),
    /* @__PURE__ */ z.strictObject(
      { field: fieldSchema, op: /* @__PURE__ */ z.literal(['in', 'nin', 'hasAny', 'hasAll']), values: scalarsSchema },
      strict,
    ),
    /* @__PURE__ */ z.strictObject(
      { field: fieldSchema, op: /* @__PURE__ */ z.literal('between'), min: scalarSchema, max: scalarSchema },
      strict,
    ),
    /* @__PURE__ */ z.strictObject(
      {
        field: fieldSchema,
        op: /* @__PURE__ */ z.literal(['contains', 'startsWith']),
        value: /* @__PURE__ */ z.string('Expected a string'),
        caseSensitive: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean('Expected a boolean')),
      },
      strict,
    ),
    /* @__PURE__ */ z.strictObject(
      {
        field: fieldSchema,
        op: /* @__PURE__ */ z.literal('exists'),
        value: /* @__PURE__ */ z.boolean('Expected a boolean'),
      },
      strict,
    ),
    /* @__PURE__ */ z.strictObject(
      {
        field: fieldSchema,
        op: /* @__PURE__ */ z.literal(['withinLast', 'olderThan']),
        amount: /* @__PURE__ */ z
          .number('Expected a finite number')
          .check(/* @__PURE__ */ z.refine((amount) => amount >= 0, 'Expected a non-negative amount')),
        unit: /* @__PURE__ */ z.literal(
          ['minutes', 'hours', 'days', 'weeks'],
          'Expected one of minutes, hours, days, weeks',
        ),
      },
      strict,
    ),
  ],
  {
    error: `Expected a filter object with a known op (${/* @__PURE__ */ FILTER_OPERATORS.slice(3).join(', ')}) or all, any, not`,
  },
);

/**
 * The first node nested deeper than 32 levels, or the first `check` refuses. The walk stops there, so it never
 * recurses deeper than the limit.
 */
function overLimit(
  input: unknown,
  check?: (node: Record<string, unknown>, path: (string | number)[]) => ValidationIssue | undefined,
): ValidationIssue | undefined {
  const visit = (node: unknown, path: (string | number)[], depth: number): ValidationIssue | undefined => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    if (depth >= 32) return { path, message: DEPTH_MESSAGE };
    const record = node as Record<string, unknown>;
    const refused = check?.(record, path);
    if (refused) return refused;
    for (const key of ['all', 'any'] as const) {
      const children = Object.hasOwn(record, key) ? record[key] : undefined;
      if (!Array.isArray(children)) continue;
      for (let i = 0; i < children.length; i++) {
        const found = visit(children[i], [...path, key, i], depth + 1);
        if (found) return found;
      }
    }
    return Object.hasOwn(record, 'not') ? visit(record['not'], [...path, 'not'], depth + 1) : undefined;
  };
  return visit(input, [], 0);
}

/**
 * The first node past the 1 000th, field path over 200 characters (checked before it is split, so a 10 MB path costs
 * nothing), list over 1 000 values or string operand over 10 000 characters: `overLimit`'s check for filters that
 * enter the CRM.
 */
function inputOverLimit(input: unknown): ValidationIssue | undefined {
  let nodes = 0;
  return overLimit(input, (record, path) =>
    ++nodes > 1000 ? { path, message: 'Filters hold at most 1000 nodes' } : operandOverLimit(record, path),
  );
}

function operandOverLimit(record: Record<string, unknown>, path: (string | number)[]): ValidationIssue | undefined {
  for (const [key, most] of [
    ['field', 200],
    ['value', 1e4],
    ['min', 1e4],
    ['max', 1e4],
    ['values', 1000],
  ] as const) {
    const operand = record[key];
    if ((typeof operand === 'string' || Array.isArray(operand)) && operand.length > most) {
      return {
        path: [...path, key],
        message: `Expected at most ${most} ${key === 'values' ? 'values' : 'characters'}`,
      };
    }
  }
  const values = record['values'];
  const long = Array.isArray(values)
    ? values.findIndex((value) => typeof value === 'string' && value.length > 1e4)
    : -1;
  return long >= 0 ? { path: [...path, 'values', long], message: 'Expected at most 10000 characters' } : undefined;
}

/**
 * Refuses a filter over the limits of what enters the CRM (docs/guides/core.md, "Input limits") with a
 * `ValidationError` naming the path. Every service query and count checks its `where` with it, and `filterSchema`
 * (saved segments, gates, rules) carries it; `parseFilter` checks nesting only, for the stack's sake.
 */
export function checkFilterLimits(input: unknown, at: readonly (string | number)[] = []): void {
  const issue = inputOverLimit(input);
  if (issue) throw new ValidationError([{ ...issue, path: [...at, ...issue.path] }], 'filter');
}

// Runs before the recursive schema (a pipe stops at the first stage's issues), so every user of filterSchema —
// saved segments, gates, HTTP bodies — gets a ValidationError rather than a stack overflow.
const depthGuard = /* @__PURE__ */ z.unknown().check(
  /* @__PURE__ */ z.superRefine((input, ctx) => {
    const issue = inputOverLimit(input);
    if (issue) ctx.addIssue({ code: 'custom', input, ...issue, path: [...issue.path] });
  }),
);

/**
 * The zod/mini schema of {@link Filter}. Unknown keys are rejected rather than stripped: a misspelt operand would
 * otherwise silently widen a segment. Limits: 32 levels of nesting, 1 000 nodes, field paths of 200 characters,
 * lists of 1 000 values, strings of 10 000 characters.
 */
export const filterSchema: z.ZodMiniType<Filter> = /* @__PURE__ */ z.pipe(
  depthGuard,
  nodeSchema,
) as unknown as z.ZodMiniType<Filter>;

/**
 * Validates untrusted input (an HTTP body, a saved segment) as a {@link Filter}.
 *
 * @throws ValidationError naming the path of each bad node, e.g. `all.0.value` or `any.1.field`.
 */
export function parseFilter(input: unknown): Filter {
  // The depth check of filterSchema, done here without its pipe: a light compileFilter does not bundle zod's pipe and
  // custom-issue code for it.
  const issue = overLimit(input);
  if (issue) throw new ValidationError([issue], 'filter');
  // Every node names unknown keys itself, so parseOrThrow's key suggestions would never apply.
  return parseOwnMessages(nodeSchema, input, 'filter') as Filter;
}

/** The distinct field paths a filter reads, in order of first use. Expects a valid filter; it does not validate. */
export function filterFields(filter: Filter): string[] {
  const fields = new Set<string>();
  const visit = (node: Filter): void => {
    if ('all' in node) node.all.forEach(visit);
    else if ('any' in node) node.any.forEach(visit);
    else if ('not' in node) visit(node.not);
    else fields.add(node.field);
  };
  visit(filter);
  return [...fields];
}
