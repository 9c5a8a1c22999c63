/**
 * The weighted forecast: open deals' amounts times their stage's win probability, by expected-close month, plus what
 * was won each month, all in one currency.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { Money } from '../money/money.js';
import { currencyCodeSchema } from '../money/money.js';
import type { DealStatus, Stage } from '../model/deal.js';
import { monthKey, monthNumberOf, zonedCalendar } from '../time/calendar.js';
import { conversionFactors, exchangeRatesSchema, type ExchangeRates } from '../money/exchange.js';
import { recordMs } from '../time/bounds.js';
import type { FunnelPipeline } from './types.js';

/** What the forecast reads of a deal. */
export interface ForecastDeal {
  readonly id: string;
  readonly pipelineId: string;
  readonly stageId: string;
  readonly amount: Money;
  readonly status?: DealStatus;
  readonly ownerId?: string;
  /** `YYYY-MM-DD`: its month is the month an open deal is forecast in. */
  readonly expectedCloseDate?: string;
  /** When a won deal was won: its month in the time zone is the month it counts as won in. */
  readonly closedAt?: string;
}

/** The data a forecast is computed from. */
export interface ForecastInput {
  /** The pipelines whose stages give the probabilities. Deals of other pipelines are skipped. */
  readonly pipelines: readonly FunnelPipeline[];
  readonly deals: readonly ForecastDeal[];
}

/** Options of {@link weightedForecast}. */
export interface ForecastOptions {
  /** The ISO 4217 currency of every amount in the forecast. */
  readonly currency: string;
  /** Rates of the deals' other currencies into `currency`; a missing one is a `ValidationError` naming it. */
  readonly rates?: ExchangeRates;
  /** The IANA time zone won deals' `closedAt` is bucketed in. Default `UTC`. */
  readonly timeZone?: string;
  /** The first month (`YYYY-MM`) listed, inclusive. */
  readonly from?: string;
  /** The last month (`YYYY-MM`) listed, inclusive. */
  readonly to?: string;
}

const monthSchema = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Expected a month YYYY-MM'));

const optionsSchema = /* @__PURE__ */ z.strictObject({
  currency: currencyCodeSchema,
  rates: /* @__PURE__ */ z.optional(exchangeRatesSchema),
  timeZone: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  from: /* @__PURE__ */ z.optional(monthSchema),
  to: /* @__PURE__ */ z.optional(monthSchema),
});

/** Sums of open deals. All amounts in minor units of the forecast's currency. */
export interface ForecastOpen {
  readonly openDeals: number;
  /** Σ amount, unweighted. */
  readonly pipeline: number;
  /** Σ round(amount × probability), each deal rounded to minor units so sums are exact and additive. */
  readonly weighted: number;
}

/** One month of the forecast. */
export interface ForecastMonth extends ForecastOpen {
  /** `YYYY-MM`. */
  readonly month: string;
  /** Deals won in the month (by `closedAt` in the time zone). */
  readonly wonDeals: number;
  /** Σ amount of the deals won in the month. */
  readonly won: number;
}

/** The weighted forecast. */
export interface Forecast {
  readonly currency: string;
  readonly timeZone: string;
  /** Every month from the first to the last (or `from` to `to`), in order; months without deals hold zeros. */
  readonly months: readonly ForecastMonth[];
  /** Open deals without an expected close date. */
  readonly unscheduled: ForecastOpen;
  /** The listed months plus the unscheduled deals. */
  readonly total: ForecastOpen & { readonly wonDeals: number; readonly won: number };
  /** Deals left out: another pipeline, a stage the pipeline does not have, or a won deal without `closedAt`. */
  readonly skipped: number;
}

interface MonthSums {
  openDeals: number;
  pipeline: number;
  weighted: number;
  wonDeals: number;
  won: number;
}

const emptySums = (): MonthSums => ({ openDeals: 0, pipeline: 0, weighted: 0, wonDeals: 0, won: 0 });

/**
 * The weighted forecast of open deals by expected-close month, and of won deals by the month they were won.
 * Each deal's converted amount is rounded to minor units before it is added, so the forecast of a set of deals is
 * exactly the sum of the forecasts of any partition of it (by owner, by team…). Lost deals are not counted. A deal's
 * status is the kind of its stage.
 *
 * @throws ValidationError for bad options, a deal in a currency without a rate (at `rates.<CODE>`), or a bad
 * `closedAt` or `expectedCloseDate` (at `deals.<i>.<field>`).
 */
export function weightedForecast(input: ForecastInput, options: ForecastOptions): Forecast {
  const opts = parseOrThrow(optionsSchema, options, 'forecast options');
  const timeZone = opts.timeZone ?? 'UTC';
  const calendar = zonedCalendar(timeZone);
  const factor = conversionFactors({ currency: opts.currency, ...(opts.rates ? { rates: opts.rates } : {}) });
  const first = opts.from === undefined ? -Infinity : monthNumberOf(opts.from);
  const last = opts.to === undefined ? Infinity : monthNumberOf(opts.to);
  if (first > last) {
    throw new ValidationError([{ path: ['to'], message: 'Expected a month after from' }], 'forecast options');
  }

  const stages = new Map<string, Map<string, Stage>>();
  for (const pipeline of input.pipelines) stages.set(pipeline.id, new Map(pipeline.stages.map((s) => [s.id, s])));

  const months = new Map<number, MonthSums>();
  const sums = (month: number): MonthSums => {
    let entry = months.get(month);
    if (!entry) months.set(month, (entry = emptySums()));
    return entry;
  };
  const unscheduled = { openDeals: 0, pipeline: 0, weighted: 0 };
  let skipped = 0;

  input.deals.forEach((deal, index) => {
    const stage = stages.get(deal.pipelineId)?.get(deal.stageId);
    if (!stage || stage.kind === 'lost') {
      if (!stage) skipped++;
      return;
    }
    const converted = deal.amount.amountMinor * factor(deal.amount.currency);
    if (stage.kind === 'won') {
      if (deal.closedAt === undefined) {
        skipped++;
        return;
      }
      const month = calendar.monthOf(recordMs(deal.closedAt, 'deals', index, 'closedAt'));
      if (month < first || month > last) return;
      const entry = sums(month);
      entry.wonDeals++;
      entry.won += Math.round(converted);
      return;
    }
    let target: { openDeals: number; pipeline: number; weighted: number } = unscheduled;
    if (deal.expectedCloseDate !== undefined) {
      const month = monthNumberOf(deal.expectedCloseDate);
      if (Number.isNaN(month)) {
        throw new ValidationError(
          [{ path: ['deals', index, 'expectedCloseDate'], message: 'Expected a calendar date YYYY-MM-DD' }],
          'forecast data',
        );
      }
      if (month < first || month > last) return;
      target = sums(month);
    }
    target.openDeals++;
    target.pipeline += Math.round(converted);
    target.weighted += Math.round(converted * stage.probability);
  });

  const present = [...months.keys()];
  const low = Number.isFinite(first) ? first : Math.min(...present);
  const high = Number.isFinite(last) ? last : Math.max(...present);
  const list: ForecastMonth[] = [];
  const total = { ...unscheduled, wonDeals: 0, won: 0 };
  if (present.length > 0 || (Number.isFinite(first) && Number.isFinite(last))) {
    for (let month = low; month <= high; month++) {
      const entry = months.get(month) ?? emptySums();
      list.push({ month: monthKey(month), ...entry });
      total.openDeals += entry.openDeals;
      total.pipeline += entry.pipeline;
      total.weighted += entry.weighted;
      total.wonDeals += entry.wonDeals;
      total.won += entry.won;
    }
  }
  return { currency: opts.currency, timeZone, months: list, unscheduled, total, skipped };
}
