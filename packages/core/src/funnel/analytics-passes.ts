/** The funnel report's passes over its input: reading deals, grouping history, tallying deals and leads. */
import { ValidationError } from '../errors/errors.js';
import { type Stage } from '../model/deal.js';
import { type ZonedCalendar } from '../time/calendar.js';
import { recordMs } from '../time/bounds.js';
import { instantMs } from '../time/instant.js';
import type { FunnelInput } from './types.js';
import type { View } from './analytics-views.js';
import { KIND_LOST, KIND_OPEN, KIND_WON, countLead, newView, tally } from './analytics-views.js';

/** The input index of the second deal of the pipeline with this id. */
export function secondOccurrence(
  deals: readonly { id: string; pipelineId: string }[],
  pipelineId: string,
  id: string,
): number {
  let seen = false;
  for (let d = 0; d < deals.length; d++) {
    if (deals[d]!.id !== id || deals[d]!.pipelineId !== pipelineId) continue;
    if (seen) return d;
    seen = true;
  }
  return -1;
}

export function duplicate(index: number): ValidationError {
  return new ValidationError([{ path: ['deals', index, 'id'], message: 'Duplicate deal id' }], 'funnel data');
}

/** The `limit` longest-idle rotting deals seen (ties by deal id), and how many were offered in all. */
class TopRotting {
  count = 0;
  readonly #limit: number;
  readonly #kept: { index: number; idle: number; id: string; stage: number }[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** True when `a` ranks before `b`: idle longer, or as long with the smaller id. */
  static #before(a: { idle: number; id: string }, b: { idle: number; id: string }): boolean {
    return a.idle > b.idle || (a.idle === b.idle && a.id < b.id);
  }

  offer(index: number, idle: number, id: string, stage: number): void {
    this.count++;
    const kept = this.#kept;
    const entry = { index, idle, id, stage };
    if (kept.length >= this.#limit) {
      if (this.#limit === 0 || !TopRotting.#before(entry, kept[kept.length - 1]!)) return;
      kept.pop();
    }
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (TopRotting.#before(kept[mid]!, entry)) low = mid + 1;
      else high = mid;
    }
    kept.splice(low, 0, entry);
  }

  sorted(): readonly { index: number; idle: number; stage: number }[] {
    return this.#kept;
  }
}

/** What the passes need to know of the stages. */
export interface StageShape {
  readonly kind: Int8Array;
  readonly position: Int32Array;
  readonly stageIndex: ReadonlyMap<string, number>;
  /** Rotting limit per stage in milliseconds; 0 never rots. */
  readonly rotAfter: Float64Array;
  /** Open stages plus one (the won position). */
  readonly positions: number;
}

/** The window and cut-offs, in epoch milliseconds. */
export interface Window {
  readonly fromMs: number;
  readonly toMs: number;
  readonly asOfMs: number;
  /** History before it counts: `asOf + 1`. */
  readonly cutNow: number;
  /** The snapshot's instant: `min(to, asOf + 1)`. */
  readonly cutSnap: number;
}

/** The pipeline's deals, their currencies, and how to find a deal by id. */
export interface DealSet {
  readonly allDeals: FunnelInput['deals'];
  /** The pipeline's deals, in input order; the input array itself when every deal is in the pipeline. */
  readonly members: FunnelInput['deals'];
  readonly currencies: readonly string[];
  readonly currencyCount: number;
  /** Currency index per member. */
  readonly dealCurrency: Int32Array;
  /** True when the members are in strictly increasing id order. */
  readonly sorted: boolean;
  /** Member index by id; built only when the members are not sorted (or history turns out not to be). */
  index: Map<string, number> | undefined;
  /** Ids of members some lead was converted into. */
  readonly convertedInPipeline: ReadonlySet<string>;
  readonly pipelineId: string;
}

/** Reads the pipeline's deals: currencies, id order, duplicates (`ValidationError`), lead conversions. */
export function readDeals(allDeals: FunnelInput['deals'], pipelineId: string, leads: FunnelInput['leads']): DealSet {
  const convertedIds = new Set<string>();
  if (leads) for (const lead of leads) if (lead.convertedDealId !== undefined) convertedIds.add(lead.convertedDealId);
  const convertedInPipeline = new Set<string>();
  let copied: FunnelInput['deals'][number][] | undefined;
  const currencyIndex = new Map<string, number>();
  const currencies: string[] = [];
  const dealCurrency = new Int32Array(allDeals.length);
  let sorted = true;
  let previousId: string | undefined;
  let count = 0;
  for (let d = 0; d < allDeals.length; d++) {
    const deal = allDeals[d]!;
    if (deal.pipelineId !== pipelineId) {
      copied ??= allDeals.slice(0, d);
      continue;
    }
    const id = deal.id;
    if (previousId !== undefined && !(previousId < id)) {
      if (previousId === id) throw duplicate(d);
      sorted = false;
    }
    previousId = id;
    if (copied) copied.push(deal);
    const currency = deal.amount.currency;
    let c = currencyIndex.get(currency);
    if (c === undefined) {
      currencyIndex.set(currency, (c = currencies.length));
      currencies.push(currency);
    }
    dealCurrency[count++] = c;
    if (convertedIds.size > 0 && convertedIds.has(id)) convertedInPipeline.add(id);
  }
  const set: DealSet = {
    allDeals,
    members: copied ?? allDeals,
    currencies,
    currencyCount: Math.max(1, currencies.length),
    dealCurrency,
    sorted,
    index: undefined,
    convertedInPipeline,
    pipelineId,
  };
  if (!sorted) indexDeals(set);
  return set;
}

/** The member index by id, built once; a duplicate id is a `ValidationError` naming the second one. */
export function indexDeals(set: DealSet): Map<string, number> {
  if (set.index) return set.index;
  const index = new Map<string, number>();
  const members = set.members;
  for (let i = 0; i < members.length; i++) {
    const size = index.size;
    index.set(members[i]!.id, i);
    if (index.size === size) throw duplicate(secondOccurrence(set.allDeals, set.pipelineId, members[i]!.id));
  }
  return (set.index = index);
}

/** Visits of deal i in `[start[i], end[i])`, each deal with one spare slot after them for a visit history lacks. */
export interface History {
  readonly visitStage: Int32Array;
  readonly visitAt: Float64Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
}

/**
 * Groups the history by deal. History sorted by deal id against sorted deals (what storage returns for
 * `orderBy: dealId`) is read in one merging pass; any other order by a counting sort over a map of ids.
 */
export function groupHistory(
  changes: FunnelInput['stageChanges'],
  set: DealSet,
  stageIndex: ReadonlyMap<string, number>,
): History {
  const members = set.members;
  const dealCount = members.length;
  const slots = changes.length + dealCount;
  const visitStage = new Int32Array(slots);
  const visitAt = new Float64Array(slots);
  const start = new Int32Array(dealCount);
  const end = new Int32Array(dealCount);
  let lastStageId: string | undefined;
  let lastStage = -1;
  let merged = set.sorted;
  if (merged) {
    // Open deals in id order as the history reaches them; write each change into its deal's slots.
    let cursor = 0; // the next deal to open
    let current = -1; // the deal the current run of changes belongs to, or -1
    let lastId: string | undefined;
    for (let c = 0; c < changes.length; c++) {
      const change = changes[c]!;
      const id = change.dealId;
      if (id !== lastId) {
        if (lastId !== undefined && id < lastId) {
          merged = false; // not sorted after all: start over with a map
          break;
        }
        lastId = id;
        current = -1;
        while (cursor < dealCount && members[cursor]!.id <= id) {
          start[cursor] = end[cursor] = cursor === 0 ? 0 : end[cursor - 1]! + 1;
          if (members[cursor]!.id === id) current = cursor;
          cursor++;
        }
      }
      if (current < 0) continue;
      const slot = end[current]!++;
      visitAt[slot] = recordMs(change.at, 'stageChanges', c, 'at');
      const stageId = change.toStageId;
      if (stageId !== lastStageId) {
        lastStageId = stageId;
        lastStage = stageIndex.get(stageId) ?? -1;
      }
      visitStage[slot] = lastStage;
    }
    for (; merged && cursor < dealCount; cursor++) {
      start[cursor] = end[cursor] = cursor === 0 ? 0 : end[cursor - 1]! + 1;
    }
  }
  if (!merged) {
    const index = indexDeals(set);
    const changeDeal = new Int32Array(changes.length);
    const counts = new Int32Array(dealCount + 1);
    let lastId: string | undefined;
    let lastIndex = -1;
    for (let c = 0; c < changes.length; c++) {
      const id = changes[c]!.dealId;
      if (id !== lastId) {
        lastId = id;
        lastIndex = index.get(id) ?? -1;
      }
      changeDeal[c] = lastIndex;
      if (lastIndex >= 0) counts[lastIndex + 1]!++;
    }
    let offset = 0;
    for (let i = 0; i < dealCount; i++) {
      start[i] = end[i] = offset;
      offset += counts[i + 1]! + 1;
    }
    for (let c = 0; c < changes.length; c++) {
      const i = changeDeal[c]!;
      if (i < 0) continue;
      const change = changes[c]!;
      const slot = end[i]!++;
      visitAt[slot] = recordMs(change.at, 'stageChanges', c, 'at');
      const stageId = change.toStageId;
      if (stageId !== lastStageId) {
        lastStageId = stageId;
        lastStage = stageIndex.get(stageId) ?? -1;
      }
      visitStage[slot] = lastStage;
    }
  }
  return { visitStage, visitAt, start, end };
}

/** A cohort month's counters. */
export interface MonthTally {
  deals: number;
  open: number;
  won: number;
  lost: number;
  readonly furthest: Int32Array;
}

/** Everything the passes count. */
export interface Tallies {
  readonly cohort: View;
  readonly snapshot: View;
  /** Time-in-stage samples (ms) per open stage. */
  readonly dwell: (number[] | undefined)[];
  readonly period: { won: number; lost: number; cycle: number; readonly wonAmount: Float64Array };
  readonly lostReasons: Map<string | null, { count: number; readonly amount: Float64Array }>;
  readonly months: Map<number, MonthTally>;
  readonly rotting: TopRotting;
}

export function newTallies(
  stageCount: number,
  positions: number,
  currencyCount: number,
  stages: readonly Stage[],
  rottingLimit: number,
): Tallies {
  return {
    cohort: newView(stageCount, positions, currencyCount),
    snapshot: newView(stageCount, positions, currencyCount),
    dwell: stages.map((stage) => (stage.kind === 'open' ? [] : undefined)),
    period: { won: 0, lost: 0, cycle: 0, wonAmount: new Float64Array(currencyCount) },
    lostReasons: new Map(),
    months: new Map(),
    rotting: new TopRotting(rottingLimit),
  };
}

/** A deal's own timestamp; on failure, the error names the deal's index in the input. */
export function dealMs(set: DealSet, i: number, field: 'stageEnteredAt' | 'updatedAt' | 'createdAt'): number {
  const deal = set.members[i]!;
  const value = deal[field];
  const ms = typeof value === 'string' ? instantMs(value) : NaN;
  if (!Number.isNaN(ms)) return ms;
  return recordMs(value, 'deals', set.members === set.allDeals ? i : set.allDeals.indexOf(deal), field);
}

/** The pass over the deals: replays each deal's visits and counts it into the cohort, the snapshot and the period. */
export function tallyDeals(
  set: DealSet,
  history: History,
  shape: StageShape,
  window: Window,
  calendar: ZonedCalendar,
  tallies: Tallies,
): void {
  const { members, dealCurrency, currencyCount } = set;
  const { visitStage, visitAt, start, end } = history;
  const { kind, position, stageIndex, rotAfter, positions } = shape;
  const { fromMs, toMs, asOfMs, cutNow, cutSnap } = window;
  const { cohort, snapshot, dwell, period, lostReasons, months, rotting } = tallies;
  let monthStart = Infinity;
  let monthEnd = -Infinity;
  let month: MonthTally | undefined;
  const dealCount = members.length;
  for (let i = 0; i < dealCount; i++) {
    const deal = members[i]!;
    const first = start[i]!;
    let last = end[i]!;
    // Order the deal's visits by time (stable; almost always already in order).
    for (let v = first + 1; v < last; v++) {
      const at = visitAt[v]!;
      if (at >= visitAt[v - 1]!) continue;
      const stage = visitStage[v]!;
      let w = v - 1;
      while (w >= first && visitAt[w]! > at) {
        visitAt[w + 1] = visitAt[w]!;
        visitStage[w + 1] = visitStage[w]!;
        w--;
      }
      visitAt[w + 1] = at;
      visitStage[w + 1] = stage;
    }
    // The deal's current stage closes its history when the history does not already end there.
    const currentStage = stageIndex.get(deal.stageId) ?? -1;
    if (last === first) {
      const field = deal.stageEnteredAt ? 'stageEnteredAt' : 'createdAt';
      visitAt[last] = dealMs(set, i, field);
      visitStage[last++] = currentStage;
    } else if (visitStage[last - 1] !== currentStage) {
      const field = deal.stageEnteredAt ? 'stageEnteredAt' : deal.updatedAt ? 'updatedAt' : 'createdAt';
      visitAt[last] = Math.max(visitAt[last - 1]!, dealMs(set, i, field));
      visitStage[last++] = currentStage;
    }

    const entry = visitAt[first]!;
    if (entry >= cutNow) continue; // not in the pipeline yet at asOf
    const currency = dealCurrency[i]!;
    const amount = deal.amount.amountMinor;
    const inCohort = entry >= fromMs && entry < toMs;
    const inSnapshot = entry < cutSnap;
    const mark = i + 1;
    let furthestNow = -1;
    let furthestSnap = -1;
    let stageNow = -1;
    let stageSnap = -1;
    let enteredNow = entry;
    for (let v = first; v < last; v++) {
      const at = visitAt[v]!;
      if (at >= cutNow) break;
      const s = visitStage[v]!;
      if (v > first && at >= fromMs && at < toMs) {
        // The previous visit ended inside the window: one time-in-stage sample.
        const previous = visitStage[v - 1]!;
        if (previous >= 0) dwell[previous]?.push(at - visitAt[v - 1]!);
      }
      if (s >= 0) {
        const p = position[s]!;
        if (p > furthestNow) furthestNow = p;
        if (inCohort && cohort.seen[s] !== mark) {
          cohort.seen[s] = mark;
          cohort.entered[s]!++;
          cohort.enteredAmount[s * currencyCount + currency]! += amount;
        }
        if (at < cutSnap) {
          if (p > furthestSnap) furthestSnap = p;
          if (snapshot.seen[s] !== mark) {
            snapshot.seen[s] = mark;
            snapshot.entered[s]!++;
            snapshot.enteredAmount[s * currencyCount + currency]! += amount;
          }
        }
      }
      if (at < cutSnap) stageSnap = s;
      stageNow = s;
      enteredNow = at;
    }

    const kindNow = stageNow >= 0 ? kind[stageNow]! : -1;
    if (kindNow === KIND_OPEN && rotAfter[stageNow]! > 0 && asOfMs - enteredNow > rotAfter[stageNow]!) {
      rotting.offer(i, asOfMs - enteredNow, deal.id, stageNow);
    }
    if (inCohort) {
      tally(cohort, stageNow, kindNow, furthestNow, currency, amount, currencyCount);
      if (entry < monthStart || entry >= monthEnd) {
        const number = calendar.monthOf(entry);
        monthStart = calendar.startOfMonth(number);
        monthEnd = calendar.startOfMonth(number + 1);
        month = months.get(number);
        if (!month) {
          month = { deals: 0, open: 0, won: 0, lost: 0, furthest: new Int32Array(positions + 1) };
          months.set(number, month);
        }
      }
      const bucket = month!;
      bucket.deals++;
      if (kindNow === KIND_OPEN) bucket.open++;
      else if (kindNow === KIND_WON) bucket.won++;
      else if (kindNow === KIND_LOST) bucket.lost++;
      bucket.furthest[furthestNow + 1]!++;
    }
    if (inSnapshot) {
      tally(snapshot, stageSnap, stageSnap >= 0 ? kind[stageSnap]! : -1, furthestSnap, currency, amount, currencyCount);
    }
    if ((kindNow === KIND_WON || kindNow === KIND_LOST) && enteredNow >= fromMs && enteredNow < toMs) {
      if (kindNow === KIND_WON) {
        period.won++;
        period.cycle += enteredNow - entry;
        period.wonAmount[currency]! += amount;
      } else {
        period.lost++;
        const reason = deal.lostReason ?? null;
        let group = lostReasons.get(reason);
        if (!group) lostReasons.set(reason, (group = { count: 0, amount: new Float64Array(currencyCount) }));
        group.count++;
        group.amount[currency]! += amount;
      }
    }
  }
}

/** The pass over the leads: the first two steps. Leads keep no history: their status is taken as it is. */
export function tallyLeads(
  leads: NonNullable<FunnelInput['leads']>,
  window: Window,
  convertedInPipeline: ReadonlySet<string>,
  tallies: Tallies,
): void {
  const { fromMs, toMs, cutNow, cutSnap } = window;
  for (let l = 0; l < leads.length; l++) {
    const lead = leads[l]!;
    const created = recordMs(lead.createdAt, 'leads', l, 'createdAt');
    if (created >= cutNow) continue;
    const toPipeline =
      lead.status === 'converted' &&
      lead.convertedDealId !== undefined &&
      convertedInPipeline.has(lead.convertedDealId);
    if (created >= fromMs && created < toMs) countLead(tallies.cohort.leads, lead.status, toPipeline);
    if (created < cutSnap) countLead(tallies.snapshot.leads, lead.status, toPipeline);
  }
}
