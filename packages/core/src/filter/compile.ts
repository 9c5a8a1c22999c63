import { ValidationError } from '../errors/errors.js';
import { parseInstant, toCanonical } from '../time/instant.js';
import { ownValue } from './path.js';
import { parseFilter, type Filter, type Scalar } from './schema.js';
import { FILTER_UNIT_MS } from './units.js';
import {
  arrayHasAnyOf,
  containsExact,
  containsFolded,
  deepValue,
  equalsInstant,
  hasAnyMember,
  hasEvery,
  inBooleanRange,
  inInstantRange,
  inList,
  inNumberRange,
  inSet,
  inStringRange,
  isInstantBefore,
  isInstantBetween,
  isMember,
  isNullish,
  startsWithExact,
  startsWithFolded,
  toMembers,
  toOperand,
  toRange,
  type Range,
} from './values.js';

/** A compiled filter: true when the record matches. */
export type FilterPredicate = (record: unknown) => boolean;

/** Options of {@link compileFilter}. */
export interface CompileFilterOptions {
  /**
   * The instant `withinLast` and `olderThan` count back from; defaults to the time of compiling. A predicate keeps
   * it for its whole life: compile again to move it.
   */
  readonly now?: Date;
}

/**
 * Validates `filter` and turns it into a predicate over records. This is the reference evaluator of the filter
 * language ({@link Filter} documents the semantics); storage adapters that push filters down must agree with it.
 *
 * The predicate is built from closures only — no `eval`, no `new Function` — so it runs under a strict CSP. It is
 * built for speed: paths are split once, each operator and path depth gets its own closure, operands are lower-cased
 * and instants parsed at compile time, `not` is pushed down to the leaves, and a call allocates nothing (except
 * `toLowerCase` of record strings for case-insensitive text operators).
 *
 * @throws ValidationError when `filter` is not a valid {@link Filter} (naming the bad node's path), or `now` is not a
 * valid date.
 */
export function compileFilter(filter: Filter, options: CompileFilterOptions = {}): FilterPredicate {
  const node = parseFilter(filter);
  const { now } = options;
  const nowMs = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : NaN;
  if (!Number.isFinite(nowMs)) {
    throw new ValidationError([{ path: ['now'], message: 'Expected a valid Date' }], 'filter options');
  }
  return compileNode(node, false, nowMs);
}

const alwaysTrue: FilterPredicate = () => true;
const alwaysFalse: FilterPredicate = () => false;

/** Compiles `node`, or its negation when `negate` is set: `not` costs nothing at run time. */
function compileNode(node: Filter, negate: boolean, nowMs: number): FilterPredicate {
  if ('all' in node) {
    const children = node.all.map((child) => compileNode(child, negate, nowMs));
    // not(all[a, b]) ≡ any[not a, not b]
    return negate ? anyOf(children) : allOf(children);
  }
  if ('any' in node) {
    const children = node.any.map((child) => compileNode(child, negate, nowMs));
    return negate ? allOf(children) : anyOf(children);
  }
  if ('not' in node) return compileNode(node.not, !negate, nowMs);
  return compileLeaf(node, negate, nowMs);
}

/** The test of `field` against `range` (or its negation). */
function rangeLeaf(field: string, range: Range, negate: boolean): FilterPredicate {
  const segments = field.split('.');
  const key = segments[0] as string;
  const deep = segments.length > 1;
  switch (range.kind) {
    case 'number':
      return deep
        ? (r) => inNumberRange(deepValue(r, segments), range) !== negate
        : (r) => inNumberRange(ownValue(r, key), range) !== negate;
    case 'boolean':
      return deep
        ? (r) => inBooleanRange(deepValue(r, segments), range) !== negate
        : (r) => inBooleanRange(ownValue(r, key), range) !== negate;
    case 'string':
      return deep
        ? (r) => inStringRange(deepValue(r, segments), range) !== negate
        : (r) => inStringRange(ownValue(r, key), range) !== negate;
    case 'instant':
      return deep
        ? (r) => inInstantRange(deepValue(r, segments), range) !== negate
        : (r) => inInstantRange(ownValue(r, key), range) !== negate;
  }
}

// Unrolled for the common small arities so the hot path has no loop and no array access.
function allOf(predicates: FilterPredicate[]): FilterPredicate {
  const [a, b, c, d] = predicates;
  switch (predicates.length) {
    case 0:
      return alwaysTrue;
    case 1:
      return a as FilterPredicate;
    case 2:
      return allOf2(a as FilterPredicate, b as FilterPredicate);
    case 3:
      return allOf3(a as FilterPredicate, b as FilterPredicate, c as FilterPredicate);
    case 4:
      return allOf4(a as FilterPredicate, b as FilterPredicate, c as FilterPredicate, d as FilterPredicate);
    default:
      return (record) => {
        for (let i = 0; i < predicates.length; i++) if (!(predicates[i] as FilterPredicate)(record)) return false;
        return true;
      };
  }
}

const allOf2 =
  (a: FilterPredicate, b: FilterPredicate): FilterPredicate =>
  (r) =>
    a(r) && b(r);
const allOf3 =
  (a: FilterPredicate, b: FilterPredicate, c: FilterPredicate): FilterPredicate =>
  (r) =>
    a(r) && b(r) && c(r);
const allOf4 =
  (a: FilterPredicate, b: FilterPredicate, c: FilterPredicate, d: FilterPredicate): FilterPredicate =>
  (r) =>
    a(r) && b(r) && c(r) && d(r);

function anyOf(predicates: FilterPredicate[]): FilterPredicate {
  const [a, b, c, d] = predicates;
  switch (predicates.length) {
    case 0:
      return alwaysFalse;
    case 1:
      return a as FilterPredicate;
    case 2:
      return anyOf2(a as FilterPredicate, b as FilterPredicate);
    case 3:
      return anyOf3(a as FilterPredicate, b as FilterPredicate, c as FilterPredicate);
    case 4:
      return anyOf4(a as FilterPredicate, b as FilterPredicate, c as FilterPredicate, d as FilterPredicate);
    default:
      return (record) => {
        for (let i = 0; i < predicates.length; i++) if ((predicates[i] as FilterPredicate)(record)) return true;
        return false;
      };
  }
}

const anyOf2 =
  (a: FilterPredicate, b: FilterPredicate): FilterPredicate =>
  (r) =>
    a(r) || b(r);
const anyOf3 =
  (a: FilterPredicate, b: FilterPredicate, c: FilterPredicate): FilterPredicate =>
  (r) =>
    a(r) || b(r) || c(r);
const anyOf4 =
  (a: FilterPredicate, b: FilterPredicate, c: FilterPredicate, d: FilterPredicate): FilterPredicate =>
  (r) =>
    a(r) || b(r) || c(r) || d(r);

type Leaf = Exclude<Filter, { all: unknown } | { any: unknown } | { not: unknown }>;

/*
 * Each leaf below returns one of two closures: one for a single-segment path (the common case, read with one own
 * property lookup) and one for a nested path (two segments read without a loop). Both call small module-level test
 * functions, which V8 inlines because every call site has a single target. `!== negate` applies a pushed-down `not`.
 *
 * What remains is the price of safety and of having no code generation: an own-property check per property read
 * (`hasOwn` in path.ts), and keyed property loads that all leaves share, so they are megamorphic. Together they are
 * most of what a leaf costs over a hand-written read. Reading first and checking own-ness only afterwards is not safe:
 * the read itself would run a getter inherited from a class prototype, and telling a plain record from such an object
 * (`Object.getPrototypeOf`) costs V8 as much as the check.
 */
function compileLeaf(node: Leaf, negate: boolean, nowMs: number): FilterPredicate {
  const segments = node.field.split('.');
  const key = segments[0] as string;
  const deep = segments.length > 1;
  const constant = (value: boolean): FilterPredicate => (value !== negate ? alwaysTrue : alwaysFalse);

  switch (node.op) {
    case 'eq':
    case 'ne': {
      const neg = negate !== (node.op === 'ne');
      const x = node.value;
      if (x === null) {
        return deep ? (r) => isNullish(deepValue(r, segments)) !== neg : (r) => isNullish(ownValue(r, key)) !== neg;
      }
      const ms = typeof x === 'string' ? parseInstant(x) : NaN;
      if (typeof x === 'string' && ms === ms) {
        const canonical = toCanonical(ms) ?? '';
        return deep
          ? (r) => equalsInstant(deepValue(r, segments), x, ms, canonical) !== neg
          : (r) => equalsInstant(ownValue(r, key), x, ms, canonical) !== neg;
      }
      return deep ? (r) => (deepValue(r, segments) === x) !== neg : (r) => (ownValue(r, key) === x) !== neg;
    }

    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
    case 'between': {
      const range = toRange(node);
      return range === undefined ? constant(false) : rangeLeaf(node.field, range, negate);
    }

    case 'in':
    case 'nin': {
      const neg = negate !== (node.op === 'nin');
      const members = toMembers(node.values);
      if (members.instants !== null) {
        return deep
          ? (r) => isMember(deepValue(r, segments), members) !== neg
          : (r) => isMember(ownValue(r, key), members) !== neg;
      }
      const nullish = members.nullish;
      if (members.list !== null) {
        const list = members.list;
        return deep
          ? (r) => inList(deepValue(r, segments), list, nullish) !== neg
          : (r) => inList(ownValue(r, key), list, nullish) !== neg;
      }
      const set = members.set as Set<Scalar>;
      return deep
        ? (r) => inSet(deepValue(r, segments), set, nullish) !== neg
        : (r) => inSet(ownValue(r, key), set, nullish) !== neg;
    }

    case 'contains':
    case 'startsWith': {
      const exact = node.caseSensitive === true;
      const x = exact ? node.value : node.value.toLowerCase();
      if (node.op === 'startsWith') {
        if (exact) {
          return deep
            ? (r) => startsWithExact(deepValue(r, segments), x) !== negate
            : (r) => startsWithExact(ownValue(r, key), x) !== negate;
        }
        return deep
          ? (r) => startsWithFolded(deepValue(r, segments), x) !== negate
          : (r) => startsWithFolded(ownValue(r, key), x) !== negate;
      }
      if (exact) {
        return deep
          ? (r) => containsExact(deepValue(r, segments), x) !== negate
          : (r) => containsExact(ownValue(r, key), x) !== negate;
      }
      return deep
        ? (r) => containsFolded(deepValue(r, segments), x) !== negate
        : (r) => containsFolded(ownValue(r, key), x) !== negate;
    }

    case 'exists': {
      // exists:false is the negation of exists:true.
      const neg = negate !== !node.value;
      return deep ? (r) => !isNullish(deepValue(r, segments)) !== neg : (r) => !isNullish(ownValue(r, key)) !== neg;
    }

    case 'hasAny': {
      if (node.values.length === 0) return constant(false);
      const members = toMembers(node.values);
      if (members.instants === null && members.list !== null) {
        const list = members.list;
        return deep
          ? (r) => arrayHasAnyOf(deepValue(r, segments), list) !== negate
          : (r) => arrayHasAnyOf(ownValue(r, key), list) !== negate;
      }
      return deep
        ? (r) => hasAnyMember(deepValue(r, segments), members) !== negate
        : (r) => hasAnyMember(ownValue(r, key), members) !== negate;
    }

    case 'hasAll': {
      const wanted = node.values.map(toOperand);
      return deep
        ? (r) => hasEvery(deepValue(r, segments), wanted) !== negate
        : (r) => hasEvery(ownValue(r, key), wanted) !== negate;
    }

    case 'withinLast':
    case 'olderThan': {
      const cutoff = nowMs - node.amount * FILTER_UNIT_MS[node.unit];
      // Canonical spellings of the bounds, rounded outwards so that the string pre-check never rules out a match;
      // '' and '\uffff' disable the pre-check where a bound has no canonical form.
      if (node.op === 'olderThan') {
        const before = toCanonical(Math.ceil(cutoff)) ?? '\uffff';
        return deep
          ? (r) => isInstantBefore(deepValue(r, segments), cutoff, before) !== negate
          : (r) => isInstantBefore(ownValue(r, key), cutoff, before) !== negate;
      }
      const from = toCanonical(Math.ceil(cutoff)) ?? '';
      const to = toCanonical(Math.floor(nowMs)) ?? '\uffff';
      return deep
        ? (r) => isInstantBetween(deepValue(r, segments), cutoff, nowMs, from, to) !== negate
        : (r) => isInstantBetween(ownValue(r, key), cutoff, nowMs, from, to) !== negate;
    }
  }
  // Unreachable for a parsed filter; keeps the switch exhaustive for the compiler.
  throw new ValidationError([{ path: ['op'], message: 'Unknown operator' }], 'filter');
}
