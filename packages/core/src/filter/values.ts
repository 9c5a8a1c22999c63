/** How the compiled filter reads and compares one value: paths, instants, lists, ranges and text. */
import { hasCanonicalShape, parseInstant, toCanonical } from '../time/instant.js';
import { ownPathValue, ownValue2 } from './path.js';
import type { Scalar } from './schema.js';

/** Lists up to this long are scanned with `===`; longer ones go into a `Set`. */
const SMALL_LIST = 8;

/** The own value at a path of two or more segments; two, the usual depth of a nested field, without a loop. */
export function deepValue(record: unknown, segments: readonly string[]): unknown {
  return segments.length === 2
    ? ownValue2(record, segments[0] as string, segments[1] as string)
    : ownPathValue(record, segments);
}

export function isNullish(v: unknown): boolean {
  return v === undefined || v === null;
}

// ---- equality --------------------------------------------------------------------------------------------------

/** `canonical` is the operand's canonical form, or '' when it has none. */
export function equalsInstant(v: unknown, raw: string, ms: number, canonical: string): boolean {
  if (typeof v !== 'string') return false;
  if (v === raw) return true;
  // A canonical-shaped value equals the instant only as its one canonical spelling; no parse needed.
  if (hasCanonicalShape(v)) return v === canonical;
  return parseInstant(v) === ms;
}

/** A list operand with its instant, when it is one (`NaN` otherwise). */
export interface Operand {
  readonly raw: Scalar;
  readonly ms: number;
}

export function toOperand(raw: Scalar): Operand {
  return { raw, ms: typeof raw === 'string' ? parseInstant(raw) : NaN };
}

/** The operands of `in`, `nin` and `hasAny`, prepared for the fastest lookup that is still exact. */
export interface Members {
  /** The list holds `null`, so a missing or null value is a member (`in` ≡ `any` of `eq`). */
  readonly nullish: boolean;
  /** Short lists, scanned with `===`. */
  readonly list: readonly Scalar[] | null;
  /** Long lists. */
  readonly set: Set<Scalar> | null;
  /** The instants among the operands, matched by value against a record's instants; `null` when there are none. */
  readonly instants: Set<number> | null;
}

export function toMembers(values: readonly Scalar[]): Members {
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

export function inList(v: unknown, list: readonly Scalar[], nullish: boolean): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return nullish && v === undefined;
}

export function inSet(v: unknown, set: Set<Scalar>, nullish: boolean): boolean {
  return set.has(v as Scalar) || (nullish && v === undefined);
}

export function isMember(v: unknown, members: Members): boolean {
  if (v === undefined || v === null) return members.nullish;
  if (members.instants !== null && typeof v === 'string') {
    // An instant can only equal an instant operand; a plain string operand is never an instant.
    const ms = parseInstant(v);
    if (ms === ms) return members.instants.has(ms);
  }
  return members.list !== null ? members.list.includes(v as Scalar) : (members.set as Set<Scalar>).has(v as Scalar);
}

export function arrayHasAnyOf(v: unknown, list: readonly Scalar[]): boolean {
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

export function hasAnyMember(v: unknown, members: Members): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const element: unknown = v[i];
    // Holes read as undefined; they are not a null element.
    if (element !== undefined && isMember(element, members)) return true;
  }
  return false;
}

export function hasEvery(v: unknown, wanted: readonly Operand[]): boolean {
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
export interface Range {
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

/** A filter leaf that compares a field with bounds: `gt`, `gte`, `lt`, `lte` or `between` (`eq`/`ne` have no range). */
export type OrderingLeaf =
  | { readonly op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; readonly value: Scalar }
  | { readonly op: 'between'; readonly min: Scalar; readonly max: Scalar };

/** The range of an ordering leaf, or `undefined` when nothing can match (a null bound or bounds of unlike types). */
export function toRange(node: OrderingLeaf): Range | undefined {
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

export function inNumberRange(v: unknown, range: Range): boolean {
  return typeof v === 'number' && numberInRange(v, range);
}

export function inBooleanRange(v: unknown, range: Range): boolean {
  return typeof v === 'boolean' && numberInRange(v ? 1 : 0, range);
}

export function numberInRange(n: number, range: Range): boolean {
  const lo = range.lo as number;
  const hi = range.hi as number;
  return (range.loInclusive ? n >= lo : n > lo) && (range.hiInclusive ? n <= hi : n < hi);
}

export function inStringRange(v: unknown, range: Range): boolean {
  return typeof v === 'string' && stringInRange(v, range);
}

export function stringInRange(v: string, range: Range): boolean {
  const { lo, hi } = range;
  return (
    (lo === undefined || (range.loInclusive ? v >= lo : v > lo)) &&
    (hi === undefined || (range.hiInclusive ? v <= hi : v < hi))
  );
}

/** Like {@link inStringRange}, but a bound that is an instant compares with a record instant by time. */
export function inInstantRange(v: unknown, range: Range): boolean {
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

export function containsExact(v: unknown, x: string): boolean {
  if (typeof v === 'string') return v.includes(x);
  return Array.isArray(v) && v.includes(x);
}

export function containsFolded(v: unknown, lowered: string): boolean {
  if (typeof v === 'string') return v.toLowerCase().includes(lowered);
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const element: unknown = v[i];
    if (typeof element === 'string' && (element === lowered || element.toLowerCase() === lowered)) return true;
  }
  return false;
}

export function startsWithExact(v: unknown, x: string): boolean {
  return typeof v === 'string' && v.startsWith(x);
}

export function startsWithFolded(v: unknown, lowered: string): boolean {
  // The whole string is folded: toLowerCase can change a string's length, so a folded prefix is not enough.
  return typeof v === 'string' && v.toLowerCase().startsWith(lowered);
}

// ---- time ------------------------------------------------------------------------------------------------------

/** `fromIso`/`toIso`: canonical spellings at or outside the bounds, for a string pre-check before parsing. */
export function isInstantBetween(v: unknown, from: number, to: number, fromIso: string, toIso: string): boolean {
  if (typeof v !== 'string') return false;
  // Out of range as a string means out of range as an instant, or no instant at all: false either way. In range
  // still needs the parse, which also rejects canonical-shaped strings that are no date.
  if (hasCanonicalShape(v) && (v < fromIso || v > toIso)) return false;
  const ms = parseInstant(v);
  return ms >= from && ms <= to;
}

export function isInstantBefore(v: unknown, cutoff: number, cutoffIso: string): boolean {
  if (typeof v !== 'string') return false;
  if (hasCanonicalShape(v) && v >= cutoffIso) return false;
  return parseInstant(v) < cutoff;
}
