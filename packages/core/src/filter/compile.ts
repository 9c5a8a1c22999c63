import { ValidationError } from '../errors/errors.js';
import { hasCanonicalShape, parseInstant, toCanonical } from '../time/instant.js';
import { ownPathValue, ownValue, ownValue2 } from './path.js';
import { parseFilter, type Filter, type FilterTimeUnit, type Scalar } from './schema.js';

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

const UNIT_MS: Record<FilterTimeUnit, number> = {
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** Lists up to this long are scanned with `===`; longer ones go into a `Set`. */
const SMALL_LIST = 8;

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
      if (range === undefined) return constant(false);
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
      break;
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
      const cutoff = nowMs - node.amount * UNIT_MS[node.unit];
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

/** The own value at a path of two or more segments; two, the usual depth of a nested field, without a loop. */
function deepValue(record: unknown, segments: readonly string[]): unknown {
  return segments.length === 2
    ? ownValue2(record, segments[0] as string, segments[1] as string)
    : ownPathValue(record, segments);
}

function isNullish(v: unknown): boolean {
  return v === undefined || v === null;
}

// ---- equality --------------------------------------------------------------------------------------------------

/** `canonical` is the operand's canonical form, or '' when it has none. */
function equalsInstant(v: unknown, raw: string, ms: number, canonical: string): boolean {
  if (typeof v !== 'string') return false;
  if (v === raw) return true;
  // A canonical-shaped value equals the instant only as its one canonical spelling; no parse needed.
  if (hasCanonicalShape(v)) return v === canonical;
  return parseInstant(v) === ms;
}

/** A list operand with its instant, when it is one (`NaN` otherwise). */
interface Operand {
  readonly raw: Scalar;
  readonly ms: number;
}

function toOperand(raw: Scalar): Operand {
  return { raw, ms: typeof raw === 'string' ? parseInstant(raw) : NaN };
}

/** The operands of `in`, `nin` and `hasAny`, prepared for the fastest lookup that is still exact. */
interface Members {
  /** The list holds `null`, so a missing or null value is a member (`in` ≡ `any` of `eq`). */
  readonly nullish: boolean;
  /** Short lists, scanned with `===`. */
  readonly list: readonly Scalar[] | null;
  /** Long lists. */
  readonly set: Set<Scalar> | null;
  /** The instants among the operands, matched by value against a record's instants; `null` when there are none. */
  readonly instants: Set<number> | null;
}

function toMembers(values: readonly Scalar[]): Members {
  const plain: Scalar[] = [];
  const instants = new Set<number>();
  for (const value of values) {
    const ms = typeof value === 'string' ? parseInstant(value) : NaN;
    if (ms === ms) instants.add(ms);
    else plain.push(value);
  }
  const distinct = [...new Set(plain)];
  const small = distinct.length <= SMALL_LIST;
  return {
    nullish: distinct.includes(null),
    list: small ? distinct : null,
    set: small ? null : new Set(distinct),
    instants: instants.size > 0 ? instants : null,
  };
}

function inList(v: unknown, list: readonly Scalar[], nullish: boolean): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return nullish && v === undefined;
}

function inSet(v: unknown, set: Set<Scalar>, nullish: boolean): boolean {
  return set.has(v as Scalar) || (nullish && v === undefined);
}

function isMember(v: unknown, members: Members): boolean {
  if (v === undefined || v === null) return members.nullish;
  if (members.instants !== null && typeof v === 'string') {
    // An instant can only equal an instant operand; a plain string operand is never an instant.
    const ms = parseInstant(v);
    if (ms === ms) return members.instants.has(ms);
  }
  return members.list !== null ? members.list.includes(v as Scalar) : (members.set as Set<Scalar>).has(v as Scalar);
}

function arrayHasAnyOf(v: unknown, list: readonly Scalar[]): boolean {
  if (!Array.isArray(v)) return false;
  if (list.length === 1) {
    // One operand, the usual case (`tags hasAny [vip]`): one loop instead of two nested ones.
    const only = list[0];
    for (let i = 0; i < v.length; i++) if (v[i] === only) return true;
    return false;
  }
  for (let i = 0; i < v.length; i++) {
    const element: unknown = v[i];
    for (let j = 0; j < list.length; j++) if (list[j] === element) return true;
  }
  return false;
}

function hasAnyMember(v: unknown, members: Members): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const element: unknown = v[i];
    // Holes read as undefined; they are not a null element.
    if (element !== undefined && isMember(element, members)) return true;
  }
  return false;
}

function hasEvery(v: unknown, wanted: readonly Operand[]): boolean {
  if (!Array.isArray(v)) return false;
  outer: for (let w = 0; w < wanted.length; w++) {
    const { raw, ms } = wanted[w] as Operand;
    for (let i = 0; i < v.length; i++) {
      const element: unknown = v[i];
      if (element === raw || (ms === ms && typeof element === 'string' && parseInstant(element) === ms)) continue outer;
    }
    return false;
  }
  return true;
}

// ---- ordering --------------------------------------------------------------------------------------------------

/**
 * `gt`…`between` as one range. A missing bound is open; for numbers and booleans it is ±Infinity (inclusive, so
 * infinite record values still compare), for strings `undefined`. `loMs`/`hiMs` are the bounds as instants, or NaN.
 */
interface Range {
  readonly kind: 'number' | 'boolean' | 'string' | 'instant';
  readonly lo: number | string | undefined;
  readonly loInclusive: boolean;
  readonly hi: number | string | undefined;
  readonly hiInclusive: boolean;
  readonly loMs: number;
  readonly hiMs: number;
  /**
   * Every string bound is canonical (`toISOString` form) or no instant. A canonical-shaped value then compares with
   * the bounds exactly as a string, whether or not it is an instant, and needs no parse.
   */
  readonly canonical: boolean;
}

type OrderingLeaf =
  | { readonly op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; readonly value: Scalar }
  | { readonly op: 'between'; readonly min: Scalar; readonly max: Scalar };

/** The range of an ordering leaf, or `undefined` when nothing can match (a null bound or bounds of unlike types). */
function toRange(node: OrderingLeaf): Range | undefined {
  let lo: Scalar | undefined;
  let hi: Scalar | undefined;
  let loInclusive = true;
  let hiInclusive = true;
  if (node.op === 'between') {
    lo = node.min;
    hi = node.max;
  } else if (node.op === 'gt' || node.op === 'gte') {
    lo = node.value;
    loInclusive = node.op === 'gte';
  } else if (node.op === 'lt' || node.op === 'lte') {
    hi = node.value;
    hiInclusive = node.op === 'lte';
  } else {
    return undefined;
  }
  if (lo === null || hi === null) return undefined;
  const kinds = new Set([lo, hi].filter((bound) => bound !== undefined).map((bound) => typeof bound));
  if (kinds.size !== 1) return undefined;
  const kind = [...kinds][0] as 'number' | 'boolean' | 'string';
  if (kind === 'number' || kind === 'boolean') {
    return {
      kind,
      lo: lo === undefined ? -Infinity : Number(lo),
      loInclusive,
      hi: hi === undefined ? Infinity : Number(hi),
      hiInclusive,
      loMs: NaN,
      hiMs: NaN,
      canonical: false,
    };
  }
  const loMs = typeof lo === 'string' ? parseInstant(lo) : NaN;
  const hiMs = typeof hi === 'string' ? parseInstant(hi) : NaN;
  const canonicalBound = (bound: Scalar | undefined, ms: number): boolean => ms !== ms || bound === toCanonical(ms);
  return {
    kind: loMs === loMs || hiMs === hiMs ? 'instant' : 'string',
    lo: lo as string | undefined,
    loInclusive,
    hi: hi as string | undefined,
    hiInclusive,
    loMs,
    hiMs,
    canonical: canonicalBound(lo, loMs) && canonicalBound(hi, hiMs),
  };
}

function inNumberRange(v: unknown, range: Range): boolean {
  return typeof v === 'number' && numberInRange(v, range);
}

function inBooleanRange(v: unknown, range: Range): boolean {
  return typeof v === 'boolean' && numberInRange(v ? 1 : 0, range);
}

function numberInRange(n: number, range: Range): boolean {
  const lo = range.lo as number;
  const hi = range.hi as number;
  return (range.loInclusive ? n >= lo : n > lo) && (range.hiInclusive ? n <= hi : n < hi);
}

function inStringRange(v: unknown, range: Range): boolean {
  return typeof v === 'string' && stringInRange(v, range);
}

function stringInRange(v: string, range: Range): boolean {
  const { lo, hi } = range;
  return (
    (lo === undefined || (range.loInclusive ? v >= lo : v > lo)) &&
    (hi === undefined || (range.hiInclusive ? v <= hi : v < hi))
  );
}

/** Like {@link inStringRange}, but a bound that is an instant compares with a record instant by time. */
function inInstantRange(v: unknown, range: Range): boolean {
  if (typeof v !== 'string') return false;
  if (range.canonical && hasCanonicalShape(v)) return stringInRange(v, range);
  const ms = parseInstant(v);
  const { lo, hi, loMs, hiMs } = range;
  if (lo !== undefined) {
    const below =
      ms === ms && loMs === loMs ? (range.loInclusive ? ms < loMs : ms <= loMs) : range.loInclusive ? v < lo : v <= lo;
    if (below) return false;
  }
  if (hi !== undefined) {
    const above =
      ms === ms && hiMs === hiMs ? (range.hiInclusive ? ms > hiMs : ms >= hiMs) : range.hiInclusive ? v > hi : v >= hi;
    if (above) return false;
  }
  return true;
}

// ---- text ------------------------------------------------------------------------------------------------------

function containsExact(v: unknown, x: string): boolean {
  if (typeof v === 'string') return v.includes(x);
  return Array.isArray(v) && v.includes(x);
}

function containsFolded(v: unknown, lowered: string): boolean {
  if (typeof v === 'string') return v.toLowerCase().includes(lowered);
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const element: unknown = v[i];
    if (typeof element === 'string' && (element === lowered || element.toLowerCase() === lowered)) return true;
  }
  return false;
}

function startsWithExact(v: unknown, x: string): boolean {
  return typeof v === 'string' && v.startsWith(x);
}

function startsWithFolded(v: unknown, lowered: string): boolean {
  // The whole string is folded: toLowerCase can change a string's length, so a folded prefix is not enough.
  return typeof v === 'string' && v.toLowerCase().startsWith(lowered);
}

// ---- time ------------------------------------------------------------------------------------------------------

/** `fromIso`/`toIso`: canonical spellings at or outside the bounds, for a string pre-check before parsing. */
function isInstantBetween(v: unknown, from: number, to: number, fromIso: string, toIso: string): boolean {
  if (typeof v !== 'string') return false;
  // Out of range as a string means out of range as an instant, or no instant at all: false either way. In range
  // still needs the parse, which also rejects canonical-shaped strings that are no date.
  if (hasCanonicalShape(v) && (v < fromIso || v > toIso)) return false;
  const ms = parseInstant(v);
  return ms >= from && ms <= to;
}

function isInstantBefore(v: unknown, cutoff: number, cutoffIso: string): boolean {
  if (typeof v !== 'string') return false;
  if (hasCanonicalShape(v) && v >= cutoffIso) return false;
  return parseInstant(v) < cutoff;
}
