/**
 * The memory adapter's indexes of one collection, and the planner that picks candidates for a filter from them.
 *
 * A plan only has to select a SUPERSET of the matching records: the compiled filter then runs on the candidates, so
 * results equal `queryInMemory` (the reference) by construction, and the index only decides how few records are read.
 * What each operator uses:
 * - `eq`, `in` (a single-field index), `hasAny` and the first value of `hasAll` (a multi-entry index): runs of equal
 *   keys. An `eq` on a plain value, or a `hasAny` of one value, is exact: its run holds exactly the matches, so a
 *   count reads no record.
 * - `gt`…`between` on numbers, strings or booleans: a key range bounded to the operand's type.
 * - Instants (`eq` or ranges with an ISO date-time operand, `withinLast`, `olderThan`): a stored date-time may carry an
 *   offset of up to ±14 hours and its text sorts by local time, so the string range is widened by 15 hours each way.
 * - `startsWith` with `caseSensitive`: the prefix's range.
 * - `all`: its child with the fewest candidates; `any`: the union, when every child has a plan.
 * - Anything else (`ne`, `nin`, `not`, `exists`, `contains`, case-insensitive prefixes): no plan.
 *
 * Compound specs (`[a+b]`) are served by the index of their first field, which the CRM's design always declares too.
 */
import type { Filter, Scalar } from '../filter/index.js';
import { kit } from './planner-kit.js';
import { OrderedIndex, type Position } from './ordered-index.js';
import type { StoredRecord } from './port.js';

const INSTANT_SLACK_MS = 15 * 3_600_000;
const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const;

/** One index over one field. */
export interface FieldIndex {
  readonly field: string;
  readonly segments: readonly string[];
  readonly multiEntry: boolean;
  readonly tree: OrderedIndex;
}

/** Candidate ids for a filter: a superset of its matches. */
export interface Candidates {
  /** May repeat an id (a union, a multi-entry index). */
  ids(): Iterable<string>;
  /** How many ids `ids()` yields. */
  readonly size: number;
  /** The ids are exactly the matches: no record needs reading to count them. */
  readonly exact: boolean;
  /** `ids()` may name a record more than once (a union). */
  readonly repeats?: boolean;
  /**
   * For one run of equal keys, whose ids the index keeps in ascending order: the ids after `id` (all of them without
   * one), in that order, found by a seek. A page in id order then reads from its cursor on.
   */
  readonly idsAfter?: (id: string | undefined) => Iterable<string>;
}

/** The keys `record` has in `index`: one for a single-field index (missing reads as null), each element for a multi-entry one. */
function keysOf(index: FieldIndex, record: StoredRecord): unknown[] {
  const value = kit.getPath(record, index.segments);
  if (!index.multiEntry) return [value === undefined ? null : value];
  const elements = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return [...new Set(elements.filter((element) => element !== null && typeof element !== 'object'))];
}

/** Every index of one collection: the primary key (`id`) and one per declared field. */
export class CollectionIndexes {
  readonly primary = new OrderedIndex();
  private readonly fields = new Map<string, FieldIndex[]>();

  constructor(specs: readonly string[]) {
    for (const spec of specs) {
      const parsed = kit.parseIndexSpec(spec);
      if (parsed.fields.length !== 1) continue;
      const field = parsed.fields[0] as string;
      if (field === 'id') continue;
      const list = this.fields.get(field) ?? [];
      if (list.some((index) => index.multiEntry === parsed.multiEntry)) continue;
      list.push({ field, segments: field.split('.'), multiEntry: parsed.multiEntry, tree: new OrderedIndex() });
      this.fields.set(field, list);
    }
  }

  add(record: StoredRecord): void {
    this.primary.insert(record.id, record.id);
    for (const list of this.fields.values())
      for (const index of list) for (const key of keysOf(index, record)) index.tree.insert(key, record.id);
  }

  remove(record: StoredRecord): void {
    this.primary.remove(record.id, record.id);
    for (const list of this.fields.values())
      for (const index of list) for (const key of keysOf(index, record)) index.tree.remove(key, record.id);
  }

  /** Rebuilds every index from these records, sorting once. */
  load(records: Iterable<StoredRecord>): void {
    const all = [...records];
    this.primary.load(all.map((record) => [record.id, record.id] as const));
    for (const list of this.fields.values())
      for (const index of list)
        index.tree.load(all.flatMap((record) => keysOf(index, record).map((key) => [key, record.id] as const)));
  }

  /** The single-field (not multi-entry) index of `field`: it holds every record, so it can order them. */
  ordered(field: string): FieldIndex | undefined {
    return this.fields.get(field)?.find((index) => !index.multiEntry);
  }

  private multi(field: string): FieldIndex | undefined {
    return this.fields.get(field)?.find((index) => index.multiEntry);
  }

  /** Candidates for `filter` at `nowMs`, or `undefined` when no index serves it. */
  plan(filter: Filter, nowMs: number): Candidates | undefined {
    if ('all' in filter) {
      let best: Candidates | undefined;
      for (const child of filter.all) {
        const plan = this.plan(child, nowMs);
        if (plan && (!best || plan.size < best.size)) best = plan;
      }
      // The child alone is exact only when it is the whole filter.
      return best && filter.all.length > 1 ? { ...inexact(best) } : best;
    }
    if ('any' in filter) {
      const plans = filter.any.map((child) => this.plan(child, nowMs));
      if (plans.length === 0 || plans.some((plan) => plan === undefined)) return undefined;
      return union(plans as Candidates[]);
    }
    if ('not' in filter) return undefined;
    switch (filter.op) {
      case 'eq': {
        const index = this.ordered(filter.field);
        if (!index) return undefined;
        const instant = instantOf(filter.value);
        return instant === undefined
          ? run(index, filter.value, true)
          : range(index, stringBound(instant - INSTANT_SLACK_MS), stringBound(instant + INSTANT_SLACK_MS));
      }
      case 'in': {
        const index = this.ordered(filter.field);
        if (!index) return undefined;
        const values = [...new Set(filter.values)];
        const plans = values.map((value) => this.plan({ field: filter.field, op: 'eq', value }, nowMs)!);
        // Distinct keys of one single-field index select disjoint runs: exact when every run is.
        return { ...union(plans), exact: plans.every((plan) => plan.exact) };
      }
      case 'hasAny':
      case 'hasAll': {
        const index = this.multi(filter.field);
        const values = filter.op === 'hasAll' ? filter.values.slice(0, 1) : filter.values;
        if (!index || values.length === 0 || values.some((value) => value === null || instantOf(value) !== undefined))
          return undefined;
        const plans = values.map((value) => run(index, value, filter.op === 'hasAny'));
        return plans.length === 1 ? plans[0] : inexact(union(plans));
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
      case 'between':
        return this.planRange(filter);
      case 'withinLast':
      case 'olderThan': {
        const index = this.ordered(filter.field);
        if (!index) return undefined;
        const cutoff = nowMs - filter.amount * UNIT_MS[filter.unit];
        return filter.op === 'withinLast'
          ? range(index, stringBound(cutoff - INSTANT_SLACK_MS), stringBound(nowMs + INSTANT_SLACK_MS))
          : range(index, stringBound(-Infinity), stringBound(cutoff + INSTANT_SLACK_MS));
      }
      case 'startsWith': {
        const index = this.ordered(filter.field);
        if (!index || filter.caseSensitive !== true) return undefined;
        const prefix = filter.value;
        const from = index.tree.seek(prefix);
        const to = index.tree.scan(from, (key) => typeof key === 'string' && key.startsWith(prefix));
        return positions(index, from, to, false);
      }
      default:
        return undefined;
    }
  }

  private planRange(
    filter:
      | { readonly field: string; readonly op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; readonly value: Scalar }
      | { readonly field: string; readonly op: 'between'; readonly min: Scalar; readonly max: Scalar },
  ): Candidates | undefined {
    const index = this.ordered(filter.field);
    if (!index) return undefined;
    const lo: Scalar | undefined =
      filter.op === 'between' ? filter.min : filter.op === 'gt' || filter.op === 'gte' ? filter.value : undefined;
    const hi: Scalar | undefined =
      filter.op === 'between' ? filter.max : filter.op === 'lt' || filter.op === 'lte' ? filter.value : undefined;
    if (lo === null || hi === null) return undefined;
    if (lo !== undefined && hi !== undefined && typeof lo !== typeof hi) return undefined;
    const type = typeof (lo ?? hi);
    if (type === 'number') return range(index, lo ?? -Infinity, hi ?? Infinity);
    if (type === 'boolean') return range(index, lo ?? false, hi ?? true);
    // Strings: an instant bound also matches stored instants written with another offset, and a stored string that
    // is no instant compares with it as text, so the range is the union of both.
    const loInstant = instantOf(lo);
    const hiInstant = instantOf(hi);
    const lower =
      lo === undefined ? '' : loInstant === undefined ? lo : minText(stringBound(loInstant - INSTANT_SLACK_MS), lo);
    const upper =
      hi === undefined
        ? undefined
        : hiInstant === undefined
          ? hi
          : maxText(stringBound(hiInstant + INSTANT_SLACK_MS), hi);
    return range(index, lower, upper);
  }
}

function instantOf(value: Scalar | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = kit.parseInstant(value);
  return ms === ms ? ms : undefined;
}

const minText = (a: string, b: unknown): string => (typeof b === 'string' && b < a ? b : a);
const maxText = (a: string, b: unknown): string => (typeof b === 'string' && b > a ? b : a);

/** The ISO text of an instant, clamped to the years ISO strings can spell. */
function stringBound(ms: number): string {
  return new Date(Math.max(-62_167_219_200_000, Math.min(253_402_300_799_999, ms))).toISOString();
}

/** The run of entries whose key is `key`. */
function run(index: FieldIndex, key: unknown, exact: boolean): Candidates {
  const to = index.tree.seekAbove(key);
  return {
    ...positions(index, index.tree.seek(key), to, exact),
    *idsAfter(after) {
      for (const [, id] of index.tree.ascend(index.tree.seek(key, after ?? ''), to)) if (id !== after) yield id;
    },
  };
}

/** Entries from `lo` to `hi` (both inclusive; `hi` undefined: to the end of `lo`'s type, strings only). */
function range(index: FieldIndex, lo: unknown, hi: unknown): Candidates {
  const from = index.tree.seek(lo);
  if (hi !== undefined) return positions(index, from, index.tree.seekAbove(hi), false);
  // Open above a string: up to the first key that is not a string.
  return positions(
    index,
    from,
    index.tree.scan(from, (key) => typeof key === 'string'),
    false,
  );
}

function positions(index: FieldIndex, from: Position, to: Position, exact: boolean): Candidates {
  return {
    size: index.tree.distance(from, to),
    exact,
    *ids() {
      for (const [, id] of index.tree.ascend(from, to)) yield id;
    },
  };
}

function inexact(plan: Candidates): Candidates {
  return { ...plan, exact: false };
}

function union(plans: readonly Candidates[]): Candidates {
  return {
    size: plans.reduce((total, plan) => total + plan.size, 0),
    // The parts may share ids (two indexes, or two elements of one array).
    exact: false,
    repeats: true,
    *ids() {
      for (const plan of plans) yield* plan.ids();
    },
  };
}
