/**
 * The funnel report: per-step counts and amounts, cohort and snapshot conversion, time in stage, win rates, lost
 * reasons, velocity, the bottleneck and rotting deals, computed in one pass over deals and their stage history.
 * docs/guides/funnel.md writes every formula down.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { stageSchema, type Stage } from '../model/deal.js';
import { idSchema } from '../model/primitives.js';
import { findBottleneck } from './bottleneck.js';
import { monthKey, zonedCalendar, type ZonedCalendar } from '../time/calendar.js';
import {
  conversionFactors,
  currencyConversionSchema,
  moneyTotals,
  type CurrencyConversion,
} from '../money/exchange.js';
import { boundMs, instantInputSchema, recordMs, windowBoundSchema } from '../time/bounds.js';
import { instantMs } from '../time/instant.js';
import { DEFAULT_LEAD_STEPS } from './pipeline.js';
import type {
  CohortMonth,
  DwellStats,
  FunnelCounts,
  FunnelInput,
  FunnelOutcomes,
  FunnelReport,
  FunnelStepReport,
  LeadOutcomes,
  LostReasonCount,
  SalesVelocity,
  WinRate,
} from './types.js';

const DAY = 86_400_000;

/** Options of {@link funnelReport}. */
export interface FunnelOptions {
  /** The window's start, inclusive: an instant, or a `YYYY-MM-DD` day in `timeZone` (from its first instant). */
  readonly from: Date | string;
  /** The window's end: an instant (exclusive), or a `YYYY-MM-DD` day in `timeZone` (the whole day included). */
  readonly to: Date | string;
  /** The instant the report is made at: history after it is ignored; cohorts are followed up to it. */
  readonly asOf: Date | string;
  /** The IANA time zone of calendar days and months (window days, cohort months). Default `UTC`. */
  readonly timeZone?: string;
  /** Totals in one currency; a currency without a rate is a `ValidationError` naming it. */
  readonly conversion?: CurrencyConversion;
  /** The fewest deals or visits a step needs to be judged a bottleneck. Default 5. */
  readonly minSample?: number;
  /** At most this many rotting deals are listed. Default 100. */
  readonly rottingLimit?: number;
}

const optionsSchema = z.strictObject({
  from: windowBoundSchema,
  to: windowBoundSchema,
  asOf: instantInputSchema,
  timeZone: z.optional(z.string()),
  conversion: z.optional(currencyConversionSchema),
  minSample: z.optional(z.int().check(z.positive())),
  rottingLimit: z.optional(z.int().check(z.nonnegative())),
});

const pipelineSchema = z.object({
  id: idSchema,
  stages: z.array(stageSchema).check(z.minLength(1)),
});

const KIND_OPEN = 0;
const KIND_WON = 1;
const KIND_LOST = 2;

/** Accumulators of one view (cohort or snapshot). */
interface View {
  deals: number;
  open: number;
  won: number;
  lost: number;
  removed: number;
  /** Deals by furthest position + 1 (0: reached no funnel stage). */
  readonly furthest: Int32Array;
  /** Amounts by furthest position + 1 and currency. */
  readonly furthestAmount: Float64Array;
  /** Distinct deals that entered each stage. */
  readonly entered: Int32Array;
  /** Their amounts, by stage and currency. */
  readonly enteredAmount: Float64Array;
  /** Deals in each stage at the end. */
  readonly current: Int32Array;
  /** Amounts by stage and currency at the end. */
  readonly currentAmount: Float64Array;
  /** Per stage, the last deal (index + 1) counted in `entered`. */
  readonly seen: Int32Array;
  readonly leads: {
    leads: number;
    open: number;
    qualified: number;
    disqualified: number;
    converted: number;
    toPipeline: number;
  };
}

function newView(stageCount: number, positions: number, currencies: number): View {
  return {
    deals: 0,
    open: 0,
    won: 0,
    lost: 0,
    removed: 0,
    furthest: new Int32Array(positions + 1),
    furthestAmount: new Float64Array((positions + 1) * currencies),
    entered: new Int32Array(stageCount),
    enteredAmount: new Float64Array(stageCount * currencies),
    current: new Int32Array(stageCount),
    currentAmount: new Float64Array(stageCount * currencies),
    seen: new Int32Array(stageCount),
    leads: { leads: 0, open: 0, qualified: 0, disqualified: 0, converted: 0, toPipeline: 0 },
  };
}

const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

function dwellStats(samples: number[] | undefined): DwellStats {
  if (!samples || samples.length === 0) return { samples: 0, averageDays: null, medianDays: null };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { samples: sorted.length, averageDays: sum / sorted.length / DAY, medianDays: median / DAY };
}

/**
 * The funnel report of one pipeline over a window: see {@link FunnelReport} for what it holds and
 * docs/guides/funnel.md for every formula. Pure: reads only its arguments (no clock, no storage).
 *
 * - The **cohort** is the deals that entered the pipeline (their first stage change) within `[from, to)`, and the
 *   leads created within it, followed up to `asOf`.
 * - The **snapshot** is every deal in the pipeline at `to` (or `asOf`, when earlier), whenever it entered, as it
 *   stood then.
 * - A deal that skipped a stage counts as having passed through it; a deal that was reopened counts once, with every
 *   stage it ever reached; its visits each count in time in stage.
 * - A deal without history counts as having entered its stage at `stageEnteredAt` (else `createdAt`); a deal whose
 *   history does not end in its stage counts as having entered it at `stageEnteredAt` (else `updatedAt`).
 *
 * @throws ValidationError for bad options (naming the option), a record timestamp that is not an ISO-8601 date-time
 * (naming `deals.<i>.<field>`, `stageChanges.<i>.at` or `leads.<i>.createdAt`), a duplicate deal id, or a currency
 * without a rate when `conversion` is given.
 */
export function funnelReport(input: FunnelInput, options: FunnelOptions): FunnelReport {
  const opts = parseOrThrow(optionsSchema, options, 'funnel options');
  const pipeline = parseOrThrow(pipelineSchema, input.pipeline, 'pipeline');
  const timeZone = opts.timeZone ?? 'UTC';
  const calendar = zonedCalendar(timeZone);
  const fromMs = boundMs(opts.from, calendar, false);
  const toMs = boundMs(opts.to, calendar, true);
  const asOfMs = opts.asOf instanceof Date ? opts.asOf.getTime() : recordMs(opts.asOf, 'asOf');
  if (!(fromMs < toMs)) {
    throw new ValidationError(
      [{ path: ['to'], message: 'Expected the end of the window after its start' }],
      'funnel options',
    );
  }
  const factor = opts.conversion ? conversionFactors(opts.conversion) : undefined;
  const target = opts.conversion?.currency;
  // History at or before asOf counts; the snapshot is taken just before `to` (or at asOf when that is earlier).
  const cutNow = asOfMs + 1;
  const cutSnap = Math.min(toMs, cutNow);

  // Stages: kind, position on the funnel's path (open stages in order, then every won stage at one final position).
  const stages: readonly Stage[] = pipeline.stages;
  const stageCount = stages.length;
  const kind = new Int8Array(stageCount);
  const position = new Int32Array(stageCount);
  const stageIndex = new Map<string, number>();
  let openCount = 0;
  stages.forEach((stage, s) => {
    stageIndex.set(stage.id, s);
    kind[s] = stage.kind === 'open' ? KIND_OPEN : stage.kind === 'won' ? KIND_WON : KIND_LOST;
    if (stage.kind === 'open') position[s] = openCount++;
  });
  const wonPosition = openCount;
  stages.forEach((stage, s) => {
    if (stage.kind === 'won') position[s] = wonPosition;
    else if (stage.kind === 'lost') position[s] = -1;
  });
  const positions = wonPosition + 1;

  const leads = input.leads;
  const rotAfter = new Float64Array(stageCount);
  stages.forEach((stage, s) => {
    if (stage.kind === 'open' && stage.rottingDays !== undefined) rotAfter[s] = stage.rottingDays * DAY;
  });
  const shape: StageShape = { kind, position, stageIndex, rotAfter, positions };
  const window: Window = { fromMs, toMs, asOfMs, cutNow, cutSnap };

  // The hot passes live in module-level functions that capture nothing: optimised code that embeds one call's
  // closures is thrown away by the next garbage collection, and every report after it would run unoptimised.
  const dealSet = readDeals(input.deals, pipeline.id, leads);
  const { members, currencies, currencyCount } = dealSet;
  const history = groupHistory(input.stageChanges, dealSet, stageIndex);
  const tallies = newTallies(stageCount, positions, currencyCount, stages, opts.rottingLimit ?? 100);
  tallyDeals(dealSet, history, shape, window, calendar, tallies);
  if (leads) tallyLeads(leads, window, dealSet.convertedInPipeline, tallies);
  const { cohort, snapshot, dwell, period, lostReasons, months, rotting } = tallies;

  // Steps.
  const totals = (sums: ArrayLike<number>, offset: number) => moneyTotals(currencies, sums, offset, factor, target);
  const none = totals([], 0);
  const reachedAt = (view: View, p: number): number => {
    let sum = 0;
    for (let f = p + 1; f <= positions; f++) sum += view.furthest[f]!;
    return sum;
  };
  const reachedAmountAt = (view: View, p: number) => {
    const sums = new Float64Array(currencyCount);
    for (let f = p + 1; f <= positions; f++) {
      for (let c = 0; c < currencyCount; c++) sums[c]! += view.furthestAmount[f * currencyCount + c]!;
    }
    return totals(sums, 0);
  };
  const pathStages = [...stages.keys()]
    .filter((s) => kind[s] === KIND_OPEN)
    .concat([...stages.keys()].filter((s) => kind[s] === KIND_WON));
  const stageCounts = (view: View, s: number, pathIndex: number): FunnelCounts => {
    const p = position[s]!;
    const isLost = kind[s] === KIND_LOST;
    const isWon = kind[s] === KIND_WON;
    const reached = isLost || isWon ? view.entered[s]! : reachedAt(view, p);
    let conversionToNext: number | null = null;
    if (!isLost && !isWon && pathIndex + 1 < pathStages.length)
      conversionToNext = rate(reachedAt(view, p + 1), reached);
    return {
      reached,
      entered: view.entered[s]!,
      current: view.current[s]!,
      reachedAmount: isLost || isWon ? totals(view.enteredAmount, s * currencyCount) : reachedAmountAt(view, p),
      currentAmount: totals(view.currentAmount, s * currencyCount),
      conversionToNext,
    };
  };

  const leadSteps: FunnelStepReport[] = [];
  if (leads) {
    const [prospect, qualified] = DEFAULT_LEAD_STEPS as readonly [
      (typeof DEFAULT_LEAD_STEPS)[number],
      (typeof DEFAULT_LEAD_STEPS)[number],
    ];
    const leadCounts = (view: View, step: 'prospect' | 'qualified'): FunnelCounts => {
      const counts = view.leads;
      const qualifiedOrBeyond = counts.qualified + counts.converted;
      return step === 'prospect'
        ? {
            reached: counts.leads,
            entered: counts.leads,
            current: counts.open,
            reachedAmount: none,
            currentAmount: none,
            conversionToNext: rate(qualifiedOrBeyond, counts.leads),
          }
        : {
            reached: qualifiedOrBeyond,
            entered: qualifiedOrBeyond,
            current: counts.qualified,
            reachedAmount: none,
            currentAmount: none,
            conversionToNext: pathStages.length > 0 ? rate(counts.toPipeline, qualifiedOrBeyond) : null,
          };
    };
    for (const step of [prospect, qualified]) {
      leadSteps.push({
        id: step.id,
        name: step.name,
        kind: 'lead',
        probability: null,
        cohort: leadCounts(cohort, step.id),
        snapshot: leadCounts(snapshot, step.id),
        timeInStage: null,
      });
    }
  }
  const stageStep = (s: number, pathIndex: number): FunnelStepReport => {
    const stage = stages[s]!;
    return {
      id: stage.id,
      name: stage.name,
      kind: stage.kind,
      probability: stage.probability,
      cohort: stageCounts(cohort, s, pathIndex),
      snapshot: stageCounts(snapshot, s, pathIndex),
      timeInStage: stage.kind === 'open' ? dwellStats(dwell[s]) : null,
    };
  };
  const steps = [...leadSteps, ...pathStages.map((s, pathIndex) => stageStep(s, pathIndex))];
  const lostStages = [...stages.keys()].filter((s) => kind[s] === KIND_LOST).map((s) => stageStep(s, -1));

  // Overall conversion, win rates, lost reasons, velocity.
  const overall = (view: View) =>
    pathStages.length > 0 ? rate(reachedAt(view, wonPosition), reachedAt(view, 0)) : null;
  // prospect→qualified × qualified→opportunity × opportunity→won = convertedToPipeline / leads × the deals' rate.
  const fromLeads = (view: View, deals: number | null) =>
    leads && deals !== null && view.leads.leads > 0 ? (view.leads.toPipeline / view.leads.leads) * deals : null;
  const cohortOverall = overall(cohort);
  const snapshotOverall = overall(snapshot);
  const win = (won: number, lost: number): WinRate => ({ won, lost, rate: rate(won, won + lost) });

  const lost: LostReasonCount[] = [...lostReasons]
    .map(([reason, group]) => ({
      reason,
      count: group.count,
      share: group.count / period.lost,
      amount: totals(group.amount, 0),
    }))
    .sort((a, b) => b.count - a.count || compareReasons(a.reason, b.reason));

  const wonTotals = totals(period.wonAmount, 0);
  const winRate = rate(period.won, period.won + period.lost);
  const averageCycleDays = period.won > 0 ? period.cycle / period.won / DAY : null;
  const dealsPerDay =
    winRate !== null && averageCycleDays !== null && averageCycleDays > 0
      ? (snapshot.open * winRate) / averageCycleDays
      : null;
  const averageWon = wonTotals.total && period.won > 0 ? wonTotals.total.amountMinor / period.won : null;
  const velocity: SalesVelocity = {
    openDeals: snapshot.open,
    wonDeals: period.won,
    lostDeals: period.lost,
    winRate,
    averageCycleDays,
    averageWonAmount:
      averageWon !== null && wonTotals.total
        ? { amountMinor: Math.round(averageWon), currency: wonTotals.total.currency }
        : null,
    dealsPerDay,
    valuePerDay:
      averageWon !== null && dealsPerDay !== null && wonTotals.total
        ? { amountMinor: Math.round(dealsPerDay * averageWon), currency: wonTotals.total.currency }
        : null,
  };

  const cohortMonths: CohortMonth[] = [...months]
    .sort(([a], [b]) => a - b)
    .map(([number, bucket]) => {
      const reached: number[] = [];
      for (const s of pathStages) {
        const p = position[s]!;
        let sum = 0;
        for (let f = p + 1; f <= positions; f++) sum += bucket.furthest[f]!;
        reached.push(sum);
      }
      return {
        month: monthKey(number),
        deals: bucket.deals,
        open: bucket.open,
        won: bucket.won,
        lost: bucket.lost,
        reached,
      };
    });

  return {
    pipelineId: pipeline.id,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    asOf: new Date(asOfMs).toISOString(),
    timeZone,
    steps,
    lostStages,
    conversion: {
      cohort: cohortOverall,
      snapshot: snapshotOverall,
      cohortFromLeads: fromLeads(cohort, cohortOverall),
      snapshotFromLeads: fromLeads(snapshot, snapshotOverall),
    },
    cohort: outcomes(cohort, leads !== undefined),
    snapshot: outcomes(snapshot, leads !== undefined),
    cohortMonths,
    winRate: { cohort: win(cohort.won, cohort.lost), period: win(period.won, period.lost) },
    lostReasons: lost,
    velocity,
    bottleneck: findBottleneck(steps, opts.minSample === undefined ? {} : { minSample: opts.minSample }),
    rotting: {
      count: rotting.count,
      deals: rotting.sorted().map(({ index, idle, stage }) => {
        const deal = members[index]!;
        return {
          dealId: deal.id,
          stageId: stages[stage]!.id,
          ...(deal.ownerId === undefined ? {} : { ownerId: deal.ownerId }),
          idleDays: idle / DAY,
          rottingDays: stages[stage]!.rottingDays!,
        };
      }),
    },
  };
}

/** Counts a deal into a view: its stage and kind at the end, and how far it got. */
function tally(
  view: View,
  stage: number,
  kindAtEnd: number,
  furthest: number,
  currency: number,
  amount: number,
  currencyCount: number,
): void {
  view.deals++;
  if (stage < 0) view.removed++;
  else {
    view.current[stage]!++;
    view.currentAmount[stage * currencyCount + currency]! += amount;
    if (kindAtEnd === KIND_OPEN) view.open++;
    else if (kindAtEnd === KIND_WON) view.won++;
    else view.lost++;
  }
  view.furthest[furthest + 1]!++;
  view.furthestAmount[(furthest + 1) * currencyCount + currency]! += amount;
}

function countLead(counts: View['leads'], status: string, toPipeline: boolean): void {
  counts.leads++;
  if (status === 'new' || status === 'working') counts.open++;
  else if (status === 'qualified') counts.qualified++;
  else if (status === 'disqualified') counts.disqualified++;
  else if (status === 'converted') {
    counts.converted++;
    if (toPipeline) counts.toPipeline++;
  }
}

function outcomes(view: View, withLeads: boolean): FunnelOutcomes {
  const leads: LeadOutcomes | null = withLeads
    ? {
        leads: view.leads.leads,
        open: view.leads.open,
        qualified: view.leads.qualified,
        disqualified: view.leads.disqualified,
        converted: view.leads.converted,
        convertedToPipeline: view.leads.toPipeline,
      }
    : null;
  return { deals: view.deals, open: view.open, won: view.won, lost: view.lost, inRemovedStage: view.removed, leads };
}

/** Reasons by code unit order, `null` (no reason) last. */
function compareReasons(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** The input index of the second deal of the pipeline with this id. */
function secondOccurrence(
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

function duplicate(index: number): ValidationError {
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
interface StageShape {
  readonly kind: Int8Array;
  readonly position: Int32Array;
  readonly stageIndex: ReadonlyMap<string, number>;
  /** Rotting limit per stage in milliseconds; 0 never rots. */
  readonly rotAfter: Float64Array;
  /** Open stages plus one (the won position). */
  readonly positions: number;
}

/** The window and cut-offs, in epoch milliseconds. */
interface Window {
  readonly fromMs: number;
  readonly toMs: number;
  readonly asOfMs: number;
  /** History before it counts: `asOf + 1`. */
  readonly cutNow: number;
  /** The snapshot's instant: `min(to, asOf + 1)`. */
  readonly cutSnap: number;
}

/** The pipeline's deals, their currencies, and how to find a deal by id. */
interface DealSet {
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
function readDeals(allDeals: FunnelInput['deals'], pipelineId: string, leads: FunnelInput['leads']): DealSet {
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
function indexDeals(set: DealSet): Map<string, number> {
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
interface History {
  readonly visitStage: Int32Array;
  readonly visitAt: Float64Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
}

/**
 * Groups the history by deal. History sorted by deal id against sorted deals (what storage returns for
 * `orderBy: dealId`) is read in one merging pass; any other order by a counting sort over a map of ids.
 */
function groupHistory(
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
interface MonthTally {
  deals: number;
  open: number;
  won: number;
  lost: number;
  readonly furthest: Int32Array;
}

/** Everything the passes count. */
interface Tallies {
  readonly cohort: View;
  readonly snapshot: View;
  /** Time-in-stage samples (ms) per open stage. */
  readonly dwell: (number[] | undefined)[];
  readonly period: { won: number; lost: number; cycle: number; readonly wonAmount: Float64Array };
  readonly lostReasons: Map<string | null, { count: number; readonly amount: Float64Array }>;
  readonly months: Map<number, MonthTally>;
  readonly rotting: TopRotting;
}

function newTallies(
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
function dealMs(set: DealSet, i: number, field: 'stageEnteredAt' | 'updatedAt' | 'createdAt'): number {
  const deal = set.members[i]!;
  const value = deal[field];
  const ms = typeof value === 'string' ? instantMs(value) : NaN;
  if (!Number.isNaN(ms)) return ms;
  return recordMs(value, 'deals', set.members === set.allDeals ? i : set.allDeals.indexOf(deal), field);
}

/** The pass over the deals: replays each deal's visits and counts it into the cohort, the snapshot and the period. */
function tallyDeals(
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
function tallyLeads(
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
