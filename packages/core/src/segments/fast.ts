import { hasCanonicalShape, instantMs, parseInstant, toCanonical } from '../time/instant.js';
import { hasOwn, ownPathValue } from '../filter/path.js';
import { FILTER_UNIT_MS, compileFilter, type Filter, type Scalar } from '../filter/index.js';

/** A compiled clause over a customer (`x`) and its aggregate record (`s`). */
export type PairPredicate = (x: unknown, s: unknown) => boolean;
type Leaf = Exclude<Filter, { all: unknown } | { any: unknown } | { not: unknown }>;
type Rec = Record<string, unknown>;

const OBJECT = Object.prototype;
/** Equal to no value a record can hold. */
const NONE = {};
const protoOf = Object.getPrototypeOf;

/** True when `value` can be compared with `===` under the filter language's rules (no instant semantics apply). */
function plain(value: Scalar): value is string | number | boolean {
  if (typeof value === 'string') return Number.isNaN(parseInstant(value));
  return typeof value === 'number' || typeof value === 'boolean';
}

function has(list: readonly unknown[], v: unknown): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return false;
}

/** Reads the path segments after the first (own properties only, as below); `undefined` when there are none. */
function restReader(rest: readonly string[]): ((r: unknown) => unknown) | undefined {
  if (rest.length === 0) return undefined;
  const key = rest[0] as string;
  if (rest.length > 1) return (r) => ownPathValue(r, rest);
  return (r) =>
    typeof r === 'object' && r !== null && key in r && ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
      ? (r as Rec)[key]
      : undefined;
}

/*
 * A leaf is a test of one value (`test`, no property reads) and a read of the leaf's first path segment written out
 * in each operator's own two closures, one per record read: closures from one spot in the source share V8's inline
 * caches, and a cache that saw two field names goes megamorphic, so a shared reader would be slow for every field.
 * The read is own-only without paying `hasOwn` on plain records: `key in r` and `protoOf(r)` are answered from the
 * record's shape once the `in` cache has seen it, and a record whose prototype is `Object.prototype` (without `key`)
 * owns `key` whenever `key in r`. Any other record pays `hasOwn`. Neither `in` nor `protoOf` runs a getter. The gain
 * is measured by bench/segment.
 */

/**
 * Compiles one leaf over the customer, or over the aggregate for a `stats.` field (`stats` missing reads `empty`):
 * `eq`/`ne`/`in`/`nin`/`hasAny` with operands that are not instants, `gt`/`gte`/`lt`/`lte` with a number, and
 * `withinLast`/`olderThan` are specialised; every other leaf goes to the reference evaluator. The property tests hold
 * the result to the reference evaluation. Expects a validated leaf.
 */
export function compileLeaf(node: Leaf, onStats: boolean, empty: object, now: Date): PairPredicate {
  const field = onStats ? node.field.slice('stats.'.length) : node.field;
  const segments = field.split('.');
  const key = segments[0] as string;
  const rest = restReader(segments.slice(1)) ?? ((v: unknown) => v);
  switch (node.op) {
    case 'eq':
    case 'ne': {
      if (!plain(node.value)) break;
      const x = node.value;
      const neg = node.op === 'ne';
      const test = (v: unknown): boolean => (v === x) !== neg;
      if (onStats) {
        return (_c, s) => {
          const r = s ?? empty;
          return test(
            rest(
              typeof r === 'object' &&
                r !== null &&
                key in r &&
                ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
                ? (r as Rec)[key]
                : undefined,
            ),
          );
        };
      }
      return (r) =>
        test(
          rest(
            typeof r === 'object' &&
              r !== null &&
              key in r &&
              ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
              ? (r as Rec)[key]
              : undefined,
          ),
        );
    }
    case 'in':
    case 'nin': {
      if (!node.values.every(plain)) break;
      const values = node.values;
      // One or two values, the usual case, are compared directly; `a` never equals a value when there are none.
      const [a = NONE, b = a] = values.length <= 2 ? values : [];
      const neg = node.op === 'nin';
      const test = (v: unknown): boolean => (v === a || v === b || (values.length > 2 && has(values, v))) !== neg;
      if (onStats) {
        return (_c, s) => {
          const r = s ?? empty;
          return test(
            rest(
              typeof r === 'object' &&
                r !== null &&
                key in r &&
                ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
                ? (r as Rec)[key]
                : undefined,
            ),
          );
        };
      }
      return (r) =>
        test(
          rest(
            typeof r === 'object' &&
              r !== null &&
              key in r &&
              ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
              ? (r as Rec)[key]
              : undefined,
          ),
        );
    }
    case 'hasAny': {
      if (!node.values.every(plain)) break;
      const values = node.values;
      const only = values.length === 1 ? values[0] : NONE;
      const test = (v: unknown): boolean => {
        if (!Array.isArray(v)) return false;
        // One value, the usual case: one loop over the array instead of two nested ones.
        for (let i = 0; i < v.length; i++) if (v[i] === only || (only === NONE && has(values, v[i]))) return true;
        return false;
      };
      if (onStats) {
        return (_c, s) => {
          const r = s ?? empty;
          return test(
            rest(
              typeof r === 'object' &&
                r !== null &&
                key in r &&
                ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
                ? (r as Rec)[key]
                : undefined,
            ),
          );
        };
      }
      return (r) =>
        test(
          rest(
            typeof r === 'object' &&
              r !== null &&
              key in r &&
              ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
              ? (r as Rec)[key]
              : undefined,
          ),
        );
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof node.value !== 'number') break;
      // One test for the four operators: a bound is open on the other side. Anything but a number, NaN included,
      // compares false.
      const value = node.value;
      const lo = node.op === 'gt' || node.op === 'gte' ? value : -Infinity;
      const hi = node.op === 'lt' || node.op === 'lte' ? value : Infinity;
      const loOpen = node.op === 'gt';
      const hiOpen = node.op === 'lt';
      const test = (v: unknown): boolean =>
        typeof v === 'number' && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
      if (onStats) {
        return (_c, s) => {
          const r = s ?? empty;
          return test(
            rest(
              typeof r === 'object' &&
                r !== null &&
                key in r &&
                ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
                ? (r as Rec)[key]
                : undefined,
            ),
          );
        };
      }
      return (r) =>
        test(
          rest(
            typeof r === 'object' &&
              r !== null &&
              key in r &&
              ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
              ? (r as Rec)[key]
              : undefined,
          ),
        );
    }
    case 'withinLast':
    case 'olderThan': {
      const nowMs = now.getTime();
      const cutoff = nowMs - node.amount * FILTER_UNIT_MS[node.unit];
      // An invalid `now` is the reference evaluator's error to raise.
      if (!Number.isFinite(cutoff)) break;
      // Canonical text (`toISOString`, how crmkit stores instants) sorts as time, so a canonical-shaped value outside
      // the bounds' canonical spellings is out of the window (or no instant): no parse. Any other value is parsed,
      // which also rejects canonical-shaped text that names no date (`2026-02-30T…`). A bound outside years
      // 0000–9999 has no spelling and disables the pre-check ('' or '\uffff').
      const within = node.op === 'withinLast';
      const from = within ? (toCanonical(Math.ceil(cutoff)) ?? '') : '';
      const to = within ? (toCanonical(Math.floor(nowMs)) ?? '\uffff') : (toCanonical(Math.ceil(cutoff)) ?? '\uffff');
      const test = (v: unknown): boolean => {
        if (typeof v !== 'string' || (hasCanonicalShape(v) && (v < from || (within ? v > to : v >= to)))) return false;
        const ms = instantMs(v);
        return within ? ms >= cutoff && ms <= nowMs : ms < cutoff;
      };
      if (onStats) {
        return (_c, s) => {
          const r = s ?? empty;
          return test(
            rest(
              typeof r === 'object' &&
                r !== null &&
                key in r &&
                ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
                ? (r as Rec)[key]
                : undefined,
            ),
          );
        };
      }
      return (r) =>
        test(
          rest(
            typeof r === 'object' &&
              r !== null &&
              key in r &&
              ((protoOf(r) === OBJECT && !(key in OBJECT)) || hasOwn(r, key))
              ? (r as Rec)[key]
              : undefined,
          ),
        );
    }
    default:
      break;
  }
  const predicate = compileFilter({ ...node, field } as Filter, { now });
  return onStats ? (_c, s) => predicate(s ?? empty) : predicate;
}
