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
 * - Compound indexes (`[a+b]`, `[a+b+c]`) serve an `all` whose children fix a prefix of their fields with `eq` or `in`
 *   on plain values, then, optionally, bound the next field with a range: one run or range per combination of the
 *   prefix's values. When the children are exactly that prefix the plan is exact (a count reads no record). With one
 *   combination and the range (or nothing) on the last field, the ids come in that field's order, so a page ordered by
 *   it walks them from its cursor.
 */
import type { Filter, Scalar } from '../filter/index.js';
import { kit } from './planner-kit.js';
import { OrderedIndex, type Position } from './ordered-index.js';
import type { StoredRecord } from './port.js';

const INSTANT_SLACK_MS = 15 * 3_600_000;
/** Candidate sets up to this size are read and sorted rather than walked in order. */
export const SORT_CANDIDATES = 2_000;
// FILTER_UNIT_MS's values, kept here: importing the table costs the storage adapters' bundles a cross-chunk binding.
const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const;

/** One index over one field. */
export interface FieldIndex {
  readonly field: string;
  readonly segments: readonly string[];
  readonly multiEntry: boolean;
  readonly tree: OrderedIndex;
}

/** One compound index: its key is the tuple of its fields' values. */
interface CompoundIndex {
  readonly fields: readonly string[];
  readonly segments: readonly (readonly string[])[];
  readonly tree: OrderedIndex;
}

/** Compares above every value: a tuple ending in it bounds every key that starts with the tuple's other elements. */
const TOP = Symbol('top');

/** Tuples element by element in the port's order of values; a tuple's proper prefix sorts before it. */
function compareTuples(a: unknown, b: unknown): number {
  const x = a as readonly unknown[];
  const y = b as readonly unknown[];
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) {
    if (x[i] === TOP || y[i] === TOP) {
      if (x[i] !== y[i]) return x[i] === TOP ? 1 : -1;
      continue;
    }
    const order = kit.compareValues(x[i], y[i]);
    if (order !== 0) return order;
  }
  return x.length - y.length;
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
  /**
   * The ids ascend by the value of `field`, ties by id (a compound index's last field under a fixed prefix): a page
   * ordered by it reads the ids from its cursor's entry on, found by a seek.
   */
  readonly orderedBy?: {
    readonly field: string;
    idsFrom(cursor: readonly [key: unknown, id: string] | undefined): Iterable<string>;
  };
}

/** A range of one field's keys: `hi` undefined is open above within strings (the lower bound is then a string). */
interface Bounds {
  readonly lo: unknown;
  readonly hi: unknown;
}

/** The keys `record` has in `index`: one for a single-field index (missing reads as null), each element for a multi-entry one. */
function keysOf(index: FieldIndex, record: StoredRecord): unknown[] {
  const value = kit.getPath(record, index.segments);
  if (!index.multiEntry) return [value === undefined ? null : value];
  const elements = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return [...new Set(elements.filter((element) => element !== null && typeof element !== 'object'))];
}

/** A compound index's key of `record`: its fields' values, missing read as null. */
function tupleOf(index: CompoundIndex, record: StoredRecord): unknown[] {
  return index.segments.map((segments) => {
    const value = kit.getPath(record, segments);
    return value === undefined ? null : value;
  });
}

/** Every index of one collection: the primary key (`id`), one per declared field, and the compound ones. */
export class CollectionIndexes {
  /** By id, carrying each record: a read of every record walks it in order, with no lookup by id. */
  readonly primary = new OrderedIndex(undefined, true);
  private readonly fields = new Map<string, FieldIndex[]>();
  private readonly compounds: CompoundIndex[] = [];

  constructor(specs: readonly string[]) {
    for (const spec of specs) {
      const parsed = kit.parseIndexSpec(spec);
      if (parsed.fields.length > 1) {
        this.compounds.push({
          fields: parsed.fields,
          segments: parsed.fields.map((field) => field.split('.')),
          tree: new OrderedIndex(compareTuples),
        });
        continue;
      }
      const field = parsed.fields[0] as string;
      if (field === 'id') continue;
      const list = this.fields.get(field) ?? [];
      if (list.some((index) => index.multiEntry === parsed.multiEntry)) continue;
      list.push({ field, segments: field.split('.'), multiEntry: parsed.multiEntry, tree: new OrderedIndex() });
      this.fields.set(field, list);
    }
  }

  add(record: StoredRecord): void {
    this.primary.insert(record.id, record.id, record);
    for (const list of this.fields.values())
      for (const index of list) for (const key of keysOf(index, record)) index.tree.insert(key, record.id);
    for (const index of this.compounds) index.tree.insert(tupleOf(index, record), record.id);
  }

  remove(record: StoredRecord): void {
    this.primary.remove(record.id, record.id);
    for (const list of this.fields.values())
      for (const index of list) for (const key of keysOf(index, record)) index.tree.remove(key, record.id);
    for (const index of this.compounds) index.tree.remove(tupleOf(index, record), record.id);
  }

  /** Rebuilds every index from these records, sorting once. */
  load(records: Iterable<StoredRecord>): void {
    const all = [...records];
    this.primary.load(all.map((record) => [record.id, record.id, record] as const));
    for (const list of this.fields.values())
      for (const index of list)
        index.tree.load(all.flatMap((record) => keysOf(index, record).map((key) => [key, record.id] as const)));
    for (const index of this.compounds)
      index.tree.load(all.map((record) => [tupleOf(index, record), record.id] as const));
  }

  /** The single-field (not multi-entry) index of `field`: it holds every record, so it can order them. */
  ordered(field: string): FieldIndex | undefined {
    return this.fields.get(field)?.find((index) => !index.multiEntry);
  }

  private multi(field: string): FieldIndex | undefined {
    return this.fields.get(field)?.find((index) => index.multiEntry);
  }

  /**
   * Candidates for `filter` at `nowMs`, or `undefined` when no index serves it. `orderField` is the field a page is
   * ordered by (ascending), if any: a compound index whose ids come in that order is then preferred.
   */
  plan(filter: Filter, nowMs: number, orderField?: string): Candidates | undefined {
    if ('all' in filter) {
      let best: Candidates | undefined;
      for (const child of filter.all) {
        const plan = this.plan(child, nowMs);
        if (plan && (!best || plan.size < best.size)) best = plan;
      }
      const window = this.planWindow(filter.all, nowMs);
      if (window && (!best || window.size < best.size)) best = window;
      // The child alone is exact only when it is the whole filter.
      if (best && filter.all.length > 1) best = inexact(best);
      for (const index of this.compounds) {
        const plan = this.planCompound(index, filter.all, nowMs, orderField);
        if (!plan) continue;
        // Ids already in the page's order win over a set too large to read and sort.
        const ordered = orderField !== undefined && plan.orderedBy?.field === orderField;
        if (
          !best ||
          plan.size < best.size ||
          (plan.size === best.size && (plan.exact || ordered)) ||
          (ordered && best.size > SORT_CANDIDATES)
        )
          best = plan;
      }
      return best;
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
        if (instantOf(filter.value) === undefined) return run(index, filter.value, true);
        const span = boundsOf(filter, nowMs);
        return span && range(index, span);
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
      case 'withinLast':
      case 'olderThan': {
        const index = this.ordered(filter.field);
        const span = index && boundsOf(filter, nowMs);
        return span && range(index, span);
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

  /**
   * The range between a lower and an upper bound that two children of an `all` set on one field (a report's window:
   * `gte` start and `lt` end), which each child alone leaves open on one side.
   */
  private planWindow(children: readonly Filter[], nowMs: number): Candidates | undefined {
    let best: Candidates | undefined;
    for (const lower of children) {
      if (!('op' in lower) || (lower.op !== 'gt' && lower.op !== 'gte')) continue;
      const index = this.ordered(lower.field);
      const from = index && boundsOf(lower, nowMs);
      if (!from) continue;
      for (const upper of children) {
        if (!('op' in upper) || (upper.op !== 'lt' && upper.op !== 'lte') || upper.field !== lower.field) continue;
        const to = boundsOf(upper, nowMs);
        if (!to || typeof to.hi !== typeof from.lo) continue;
        const lo = kit.compareValues(from.lo, to.lo) >= 0 ? from.lo : to.lo;
        const hi = from.hi !== undefined && kit.compareValues(from.hi, to.hi) < 0 ? from.hi : to.hi;
        const plan = kit.compareValues(lo, hi) > 0 ? EMPTY : range(index, { lo, hi });
        if (!best || plan.size < best.size) best = plan;
      }
    }
    return best;
  }

  /** Candidates from one compound index for the children of an `all` (see the module comment), or undefined. */
  private planCompound(
    index: CompoundIndex,
    children: readonly Filter[],
    nowMs: number,
    orderField: string | undefined,
  ): Candidates | undefined {
    const prefix: unknown[][] = [];
    let used = 0;
    for (const field of index.fields) {
      const values = children.map((child) => equalValues(child, field)).find((found) => found !== undefined);
      if (!values) break;
      prefix.push(values);
      used++;
    }
    const k = prefix.length;
    if (k === 0) return undefined;
    const next = index.fields[k];
    let span: Bounds | undefined;
    if (next !== undefined) {
      for (const child of children) {
        if ('field' in child && child.field === next && (span = boundsOf(child, nowMs))) break;
      }
      if (span) used++;
    }
    const orderedField = k === index.fields.length - 1 ? next : undefined;
    // A prefix of one field with nothing after it is what that field's own index answers.
    if (k < 2 && !span && !(orderedField !== undefined && orderedField === orderField)) return undefined;
    let combinations: unknown[][] = [[]];
    for (const values of prefix) {
      combinations = combinations.flatMap((head) => values.map((value) => [...head, value]));
      if (combinations.length > MAX_COMBINATIONS) return undefined;
    }
    const tree = index.tree;
    const parts = combinations.map((head) => {
      const from = tree.seek(span ? [...head, span.lo] : head);
      if (!span) return { head, from, to: tree.seek([...head, TOP]) };
      if (span.hi !== undefined) return { head, from, to: tree.seek([...head, span.hi, TOP]) };
      // Open above within strings: up to the first key whose element there is not a string (or another prefix).
      const to = tree.scan(
        from,
        (key) => typeof (key as unknown[])[k] === 'string' && compareTuples((key as unknown[]).slice(0, k), head) === 0,
      );
      return { head, from, to };
    });
    // Distinct combinations select disjoint entries; exact when the children are exactly the prefix's equalities.
    const exact = !span && used === children.length && children.every((child) => equalValues(child) !== undefined);
    const plan: Candidates = {
      size: parts.reduce((total, part) => total + tree.distance(part.from, part.to), 0),
      exact,
      ids: () => parts.flatMap((part) => tree.idsBetween(part.from, part.to)),
    };
    const only = parts.length === 1 ? parts[0] : undefined;
    if (!only) return plan;
    if (k === index.fields.length) {
      return {
        ...plan,
        *idsAfter(after) {
          for (const [, id] of tree.ascend(tree.seek(only.head, after ?? ''), only.to)) if (id !== after) yield id;
        },
      };
    }
    if (orderedField === undefined) return plan;
    return {
      ...plan,
      orderedBy: {
        field: orderedField,
        *idsFrom(cursor) {
          let from = only.from;
          if (cursor) {
            const at = tree.seek([...only.head, cursor[0]], cursor[1]);
            if (at.chunk > from.chunk || (at.chunk === from.chunk && at.offset > from.offset)) from = at;
          }
          for (const [key, id] of tree.ascend(from, only.to)) {
            // The seek lands on the cursor's own entry when it still exists: skip it.
            if (cursor && id === cursor[1] && kit.compareValues((key as unknown[])[k], cursor[0]) === 0) continue;
            yield id;
          }
        },
      },
    };
  }
}

/** Compound plans expand `in` into at most this many combinations of prefix values. */
const MAX_COMBINATIONS = 64;

/**
 * The plain values an `eq` or `in` child fixes (of `field`, when given), which a run of equal keys answers exactly;
 * undefined for any other child, and for instants, objects and empty lists.
 */
function equalValues(child: Filter, field?: string): unknown[] | undefined {
  if (!('field' in child) || (field !== undefined && child.field !== field)) return undefined;
  const values = child.op === 'eq' ? [child.value] : child.op === 'in' ? [...new Set(child.values)] : undefined;
  if (!values || values.length === 0) return undefined;
  return values.every(
    (value) => (value === null || typeof value !== 'object') && instantOf(value as Scalar) === undefined,
  )
    ? values
    : undefined;
}

/**
 * The key range a comparison selects on its field, or undefined when it selects none an index can bound: numbers and
 * booleans within their type; strings (open above when there is no upper bound); instants widened by the offsets a
 * stored date-time may carry.
 */
function boundsOf(filter: Filter, nowMs: number): Bounds | undefined {
  if (!('op' in filter)) return undefined;
  switch (filter.op) {
    case 'eq': {
      const instant = instantOf(filter.value);
      if (instant === undefined) return undefined;
      return { lo: stringBound(instant - INSTANT_SLACK_MS), hi: stringBound(instant + INSTANT_SLACK_MS) };
    }
    case 'withinLast':
    case 'olderThan': {
      const cutoff = nowMs - filter.amount * UNIT_MS[filter.unit];
      return filter.op === 'withinLast'
        ? { lo: stringBound(cutoff - INSTANT_SLACK_MS), hi: stringBound(nowMs + INSTANT_SLACK_MS) }
        : { lo: stringBound(-Infinity), hi: stringBound(cutoff + INSTANT_SLACK_MS) };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
    case 'between':
      break;
    default:
      return undefined;
  }
  const lo: Scalar | undefined =
    filter.op === 'between' ? filter.min : filter.op === 'gt' || filter.op === 'gte' ? filter.value : undefined;
  const hi: Scalar | undefined =
    filter.op === 'between' ? filter.max : filter.op === 'lt' || filter.op === 'lte' ? filter.value : undefined;
  if (lo === null || hi === null) return undefined;
  if (lo !== undefined && hi !== undefined && typeof lo !== typeof hi) return undefined;
  const type = typeof (lo ?? hi);
  if (type === 'number') return { lo: lo ?? -Infinity, hi: hi ?? Infinity };
  if (type === 'boolean') return { lo: lo ?? false, hi: hi ?? true };
  // Strings: an instant bound also matches stored instants written with another offset, and a stored string that
  // is no instant compares with it as text, so the range is the union of both.
  const loInstant = instantOf(lo);
  const hiInstant = instantOf(hi);
  return {
    lo: lo === undefined ? '' : loInstant === undefined ? lo : minText(stringBound(loInstant - INSTANT_SLACK_MS), lo),
    hi:
      hi === undefined
        ? undefined
        : hiInstant === undefined
          ? hi
          : maxText(stringBound(hiInstant + INSTANT_SLACK_MS), hi),
  };
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
function range(index: FieldIndex, { lo, hi }: Bounds): Candidates {
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
  return { size: index.tree.distance(from, to), exact, ids: () => index.tree.idsBetween(from, to) };
}

/** No candidates: bounds that cross. */
const EMPTY: Candidates = { size: 0, exact: false, ids: () => [] };

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
