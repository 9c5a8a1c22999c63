/**
 * Segmentation (客户细分): a segment is a rule in the shared filter language over a customer's attributes and its
 * aggregate record (behaviour and value), compiled to closures.
 *
 * Fields:
 * - a plain path (`country`, `tags`, `customFields.region`) reads the customer; these clauses can be pushed down to the
 *   storage query;
 * - `stats.<path>` reads the customer's aggregate record ({@link CustomerStats}), e.g. `stats.lifetimeValue.CNY`,
 *   `stats.wonDeals`, `stats.openDealStageIds`, `stats.rfm.score`, `stats.lastPurchaseAt`;
 * - `stats.activity.<type>.last<N>d` is a time window computed when the segment is compiled: the number of the
 *   customer's activities of `<type>` (`meeting`, `call`, … or `any`) in the last N days, e.g.
 *   `{ field: 'stats.activity.meeting.last30d', op: 'gte', value: 3 }`. It counts the recent timestamps kept per type
 *   (at most {@link RECENT_ACTIVITY_CAP}), so counts saturate at that cap.
 *
 * @module
 */
import { ValidationError } from '../errors/errors.js';
import { compileLeaf } from './fast.js';
import { compileFilter, filterFields, parseFilter, type Filter, type FilterPredicate } from '../filter/index.js';

/** How many recent activity timestamps the aggregate keeps per activity type. */
export const RECENT_ACTIVITY_CAP = 100;

/** A customer's aggregate record: behaviour and value facts kept up to date from deals and activities. */
export interface CustomerStats {
  /** The customer's id (also the record's id). */
  readonly id: string;
  readonly wonDeals: number;
  readonly openDeals: number;
  readonly lostDeals: number;
  /** Stage ids of the customer's open deals (distinct), for "has an open deal in stage X" (`hasAny`). */
  readonly openDealStageIds: readonly string[];
  /** Sum of won deals per currency, in minor units. */
  readonly lifetimeValue: Readonly<Record<string, number>>;
  /** Average won deal per currency, in minor units. */
  readonly averageOrderValue: Readonly<Record<string, number>>;
  readonly firstPurchaseAt?: string;
  readonly lastPurchaseAt?: string;
  readonly lastActivityAt?: string;
  /** Total activities recorded for the customer. */
  readonly activityCount: number;
  /** Per activity type, the newest timestamps (epoch ms, newest first, at most {@link RECENT_ACTIVITY_CAP}). */
  readonly recentActivity: Readonly<Record<string, readonly number[]>>;
  /** RFM scores, set by the last RFM refresh (a population-wide computation). */
  readonly rfm?: { readonly r: number; readonly f: number; readonly m: number; readonly score: number };
}

/** Statistics of a customer with no deals and no activities. */
export function emptyStats(id: string): CustomerStats {
  return {
    id,
    wonDeals: 0,
    openDeals: 0,
    lostDeals: 0,
    openDealStageIds: [],
    lifetimeValue: {},
    averageOrderValue: {},
    activityCount: 0,
    recentActivity: {},
  };
}

/** A compiled segment: true when the customer, with its aggregate record, is a member. */
export type SegmentPredicate = (customer: unknown, stats: CustomerStats | undefined) => boolean;

const STATS_PREFIX = 'stats.';
const WINDOW = /^stats\.activity\.([a-z_]+)\.last([1-9][0-9]{0,4})d$/;
const DAY_MS = 86_400_000;

type Side = 'customer' | 'stats' | 'window';

function sideOf(field: string): Side {
  if (WINDOW.test(field)) return 'window';
  if (field.startsWith(STATS_PREFIX) || field === 'stats') return 'stats';
  return 'customer';
}

/** Which record the filter reads. */
function sidesOf(filter: Filter): Set<Side> {
  return new Set(filterFields(filter).map(sideOf));
}

/** The count of activities of `type` (or every type for `any`) at or after `since`, no later than `nowMs`. */
export function countRecent(stats: CustomerStats | undefined, type: string, since: number, nowMs: number): number {
  if (!stats) return 0;
  const recent = stats.recentActivity;
  if (type === 'any') {
    let total = 0;
    for (const key in recent) if (Object.hasOwn(recent, key)) total += countList(recent[key], since, nowMs);
    return total;
  }
  return Object.hasOwn(recent, type) ? countList(recent[type], since, nowMs) : 0;
}

function countList(list: readonly number[] | undefined, since: number, nowMs: number): number {
  if (!list) return 0;
  let count = 0;
  // Newest first: stop at the first one older than the window.
  for (let i = 0; i < list.length; i++) {
    const at = list[i] as number;
    if (at < since) break;
    if (at <= nowMs) count++;
  }
  return count;
}

/** Options of {@link compileSegment}. */
export interface CompileSegmentOptions {
  /** The instant windows and `withinLast`/`olderThan` count back from; default the time of compiling. */
  readonly now?: Date;
}

/**
 * Validates a segment filter and compiles it to a predicate over `(customer, stats)`: one closure per clause, the
 * usual leaves specialised in `fast.ts` and the rest compiled by the reference evaluator; window fields become
 * counting closures that reuse the filter language's comparison of the leaf.
 *
 * @throws ValidationError naming the bad node's path.
 */
export function compileSegment(filter: Filter, options: CompileSegmentOptions = {}): SegmentPredicate {
  const node = parseFilter(filter);
  const now = options.now ?? new Date();
  return compileNode(node, now);
}

/**
 * Compiles a node to one closure per clause over `(customer, stats)`: a leaf reads its own record (no per-side
 * wrapper), and `all`/`any` call their children directly, cheapest first (customer clauses, then aggregate ones, then
 * windows and mixed subtrees; reordering is safe: predicates have no side effects).
 */
function compileNode(node: Filter, now: Date): SegmentPredicate {
  if ('all' in node || 'any' in node) {
    const all = 'all' in node;
    const children = all ? (node as { all: readonly Filter[] }).all : (node as { any: readonly Filter[] }).any;
    const rank = (child: Filter): number => {
      const sides = sidesOf(child);
      return sides.size === 1 && !sides.has('window') ? (sides.has('customer') ? 0 : 1) : 2;
    };
    const ordered = [...children].sort((a, b) => rank(a) - rank(b));
    return combine(
      ordered.map((child) => compileNode(child, now)),
      all,
    );
  }
  if ('not' in node) {
    const inner = compileNode(node.not, now);
    return (customer, stats) => !inner(customer, stats);
  }
  const side = sideOf(node.field);
  return side === 'window' ? compileWindow(node, now) : compileLeaf(node, side === 'stats', EMPTY_STATS, now);
}

export const EMPTY_STATS = /* @__PURE__ */ emptyStats('');

/** `all`/`any` over the children, unrolled in threes: no loop and no array access on the hot path. */
function combine(children: readonly SegmentPredicate[], all: boolean): SegmentPredicate {
  const [a, b, c] = children as [SegmentPredicate, SegmentPredicate, SegmentPredicate];
  switch (children.length) {
    case 0:
      return () => all;
    case 1:
      return a;
    case 2:
      return all ? (x, s) => a(x, s) && b(x, s) : (x, s) => a(x, s) || b(x, s);
    case 3:
      return all ? (x, s) => a(x, s) && b(x, s) && c(x, s) : (x, s) => a(x, s) || b(x, s) || c(x, s);
  }
  const d = combine(children.slice(3), all);
  return all ? (x, s) => a(x, s) && b(x, s) && c(x, s) && d(x, s) : (x, s) => a(x, s) || b(x, s) || c(x, s) || d(x, s);
}

function compileWindow(leaf: Filter & { field: string }, now: Date): SegmentPredicate {
  const match = WINDOW.exec(leaf.field) as RegExpExecArray;
  const type = match[1] as string;
  const nowMs = now.getTime();
  const since = nowMs - Number(match[2]) * DAY_MS;
  // Numeric comparisons, the usual case, compare the count directly; anything else goes through the reference
  // evaluator on a reused box, so every operator keeps the language's semantics.
  if ('value' in leaf && typeof leaf.value === 'number') {
    const value = leaf.value;
    const count = (stats: CustomerStats | undefined): number => countRecent(stats, type, since, nowMs);
    switch (leaf.op) {
      case 'gte':
        return (_customer, stats) => count(stats) >= value;
      case 'gt':
        return (_customer, stats) => count(stats) > value;
      case 'lte':
        return (_customer, stats) => count(stats) <= value;
      case 'lt':
        return (_customer, stats) => count(stats) < value;
      case 'eq':
        return (_customer, stats) => count(stats) === value;
      case 'ne':
        return (_customer, stats) => count(stats) !== value;
      default:
        break;
    }
  }
  const compare: FilterPredicate = compileFilter({ ...leaf, field: 'count' } as Filter, { now });
  const box = { count: 0 };
  return (_customer, stats) => {
    box.count = countRecent(stats, type, since, nowMs);
    return compare(box);
  };
}

/** The window fields a filter reads, as `[field, type, days]`. */
export function windowFields(filter: Filter): [string, string, number][] {
  return filterFields(filter).flatMap((field) => {
    const match = WINDOW.exec(field);
    return match ? [[field, match[1] as string, Number(match[2])] as [string, string, number]] : [];
  });
}

/**
 * The reference evaluation of a segment: materialises `{ ...customer, stats: { ...stats, activity: { <type>:
 * { last<N>d: count } } } }` and runs the reference filter evaluator over it. Slow and simple; compiled segments must
 * agree with it.
 */
export function evaluateSegmentReference(
  filter: Filter,
  customer: Record<string, unknown>,
  stats: CustomerStats | undefined,
  now: Date,
): boolean {
  const nowMs = now.getTime();
  const activity: Record<string, Record<string, number>> = {};
  for (const [, type, days] of windowFields(filter)) {
    (activity[type] ??= {})[`last${days}d`] = countRecent(stats, type, nowMs - days * DAY_MS, nowMs);
  }
  const record = { ...customer, stats: { ...(stats ?? EMPTY_STATS), activity } };
  return compileFilter(filter, { now })(record);
}

/**
 * Splits a segment filter into the part a storage query over customers can answer (`pushdown`, clauses on customer
 * fields only) and the residual evaluated in memory with the aggregate. `pushdown` is the conjunction of the
 * top-level `all` members that read only the customer (or the whole filter when it does); the residual is the whole
 * filter (re-checking pushed clauses in memory is cheap and keeps the result exact). `needsStats` is false when the
 * whole filter was pushed down.
 */
export function splitSegment(filter: Filter): { pushdown?: Filter; needsStats: boolean } {
  const node = parseFilter(filter);
  const onlyCustomer = (f: Filter): boolean => {
    const sides = sidesOf(f);
    return sides.size === 0 || (sides.size === 1 && sides.has('customer'));
  };
  if (onlyCustomer(node)) return { pushdown: node, needsStats: false };
  if ('all' in node) {
    const pushed = node.all.filter(onlyCustomer);
    if (pushed.length === 1) return { pushdown: pushed[0] as Filter, needsStats: true };
    if (pushed.length > 1) return { pushdown: { all: pushed }, needsStats: true };
  }
  return { needsStats: true };
}

/** One clause of a segment and whether it matched, for explaining membership. */
export interface ClauseExplanation {
  /** The clause's path in the filter, e.g. `all.1` or `all.2.any.0`; `''` for the root. */
  readonly path: string;
  /** `all`, `any`, `not`, or the leaf's operator. */
  readonly op: string;
  /** The leaf's field; absent for logical nodes. */
  readonly field?: string;
  readonly matched: boolean;
  readonly children?: readonly ClauseExplanation[];
}

/**
 * Explains a segment for one customer: every clause with whether it matched. The root's `matched` is membership.
 * The explanation names fields and operators only, never values, so it is safe to log.
 */
export function explainSegment(
  filter: Filter,
  customer: unknown,
  stats: CustomerStats | undefined,
  now: Date,
): ClauseExplanation {
  const node = parseFilter(filter);
  const visit = (f: Filter, path: string): ClauseExplanation => {
    const join = (key: string, i?: number): string =>
      [path, key, ...(i === undefined ? [] : [String(i)])].filter((s) => s !== '').join('.');
    if ('all' in f) {
      const children = f.all.map((child, i) => visit(child, join('all', i)));
      return { path, op: 'all', matched: children.every((c) => c.matched), children };
    }
    if ('any' in f) {
      const children = f.any.map((child, i) => visit(child, join('any', i)));
      return { path, op: 'any', matched: children.some((c) => c.matched), children };
    }
    if ('not' in f) {
      const child = visit(f.not, join('not'));
      return { path, op: 'not', matched: !child.matched, children: [child] };
    }
    return { path, op: f.op, field: f.field, matched: compileNode(f, now)(customer, stats) };
  };
  return visit(node, '');
}

/** Member ids of several segments. */
export type SegmentMembers = ReadonlyMap<string, ReadonlySet<string>>;

/** Sizes of segments and the pairwise overlaps (customers in both), keyed `a|b` with `a < b`. */
export interface SegmentOverlap {
  readonly sizes: Readonly<Record<string, number>>;
  readonly overlaps: readonly { readonly a: string; readonly b: string; readonly both: number }[];
}

/** Sizes and pairwise overlaps of segments from their member sets. */
export function segmentOverlaps(members: SegmentMembers): SegmentOverlap {
  const ids = [...members.keys()].sort();
  const sizes: Record<string, number> = {};
  for (const id of ids) sizes[id] = (members.get(id) as ReadonlySet<string>).size;
  const overlaps: { a: string; b: string; both: number }[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = members.get(ids[i] as string) as ReadonlySet<string>;
      const b = members.get(ids[j] as string) as ReadonlySet<string>;
      const [small, large] = a.size <= b.size ? [a, b] : [b, a];
      let both = 0;
      for (const id of small) if (large.has(id)) both++;
      overlaps.push({ a: ids[i] as string, b: ids[j] as string, both });
    }
  }
  return { sizes, overlaps };
}

/** Throws when a field names an unknown window type; used by the service to reject typos early. */
export function assertKnownWindows(filter: Filter, activityTypes: readonly string[]): void {
  for (const [field, type] of windowFields(filter)) {
    if (type !== 'any' && !activityTypes.includes(type)) {
      throw new ValidationError(
        [
          {
            path: ['filter'],
            message: `Unknown activity type in ${field}: expected ${activityTypes.join(', ')} or any`,
          },
        ],
        'segment',
      );
    }
  }
}
