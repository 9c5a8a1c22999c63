/**
 * The funnel report: per-step counts and amounts, cohort and snapshot conversion, time in stage, win rates, lost
 * reasons, velocity, the bottleneck and rotting deals, computed in one pass over deals and their stage history.
 * docs/guides/funnel.md writes every formula down.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { stageSchema, type Stage } from '../model/deal.js';
import { idSchema, instantSchema } from '../model/primitives.js';
import type { Period } from '../time/periods.js';
import { findBottleneck } from './bottleneck.js';
import { monthKey, zonedCalendar } from '../time/calendar.js';
import {
  conversionFactors,
  currencyConversionSchema,
  moneyTotals,
  type CurrencyConversion,
} from '../money/exchange.js';
import { boundMs, instantInputSchema, recordMs, windowBoundSchema } from '../time/bounds.js';
import { DEFAULT_LEAD_STEPS } from './pipeline.js';
import type {
  CohortMonth,
  FunnelCounts,
  FunnelInput,
  FunnelReport,
  FunnelStepReport,
  LostReasonCount,
  SalesVelocity,
  WinRate,
} from './types.js';
import type { View } from './analytics-views.js';
import { KIND_LOST, KIND_OPEN, KIND_WON, compareReasons, dwellStats, outcomes, rate } from './analytics-views.js';
import type { StageShape, Window } from './analytics-passes.js';
import { groupHistory, newTallies, readDeals, tallyDeals, tallyLeads } from './analytics-passes.js';

const DAY = 86_400_000;

/** Options of {@link funnelReport}. */
export interface FunnelOptions {
  /**
   * The window: instants, half-open `[from, to)` (`periodOfDays(from, to, timeZone)` for calendar days). Give it, or
   * the deprecated `from` and `to`.
   */
  readonly period?: Period;
  /**
   * @deprecated Pass `period`; kept for one release. The window's start, inclusive: an instant, or a `YYYY-MM-DD` day
   * in `timeZone` (from its first instant).
   */
  readonly from?: Date | string;
  /**
   * @deprecated Pass `period`; kept for one release. The window's end: an instant (exclusive), or a `YYYY-MM-DD` day
   * in `timeZone` (the whole day included).
   */
  readonly to?: Date | string;
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

const optionsSchema = /* @__PURE__ */ z.strictObject({
  period: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.strictObject({ from: instantSchema, to: instantSchema })),
  from: /* @__PURE__ */ z.optional(windowBoundSchema),
  to: /* @__PURE__ */ z.optional(windowBoundSchema),
  asOf: instantInputSchema,
  timeZone: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  conversion: /* @__PURE__ */ z.optional(currencyConversionSchema),
  minSample: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
  rottingLimit: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative())),
});

const pipelineSchema = /* @__PURE__ */ z.object({
  id: idSchema,
  stages: /* @__PURE__ */ z.array(stageSchema).check(/* @__PURE__ */ z.minLength(1)),
});

export function funnelReport(input: FunnelInput, options: FunnelOptions): FunnelReport {
  const opts = parseOrThrow(optionsSchema, options, 'funnel options');
  const pipeline = parseOrThrow(pipelineSchema, input.pipeline, 'pipeline');
  const timeZone = opts.timeZone ?? 'UTC';
  const calendar = zonedCalendar(timeZone);
  const from = opts.period?.from ?? opts.from;
  const to = opts.period?.to ?? opts.to;
  if (from === undefined || to === undefined) {
    throw new ValidationError([{ path: ['period'], message: 'Expected a period' }], 'funnel options');
  }
  const fromMs = boundMs(from, calendar, false);
  const toMs = boundMs(to, calendar, true);
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
