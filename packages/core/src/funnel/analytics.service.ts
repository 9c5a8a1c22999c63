/**
 * Reports over the storage port: load what a report needs, with its filters pushed down to the adapter, and run the
 * same pure functions npm consumers call on their own arrays.
 */
import * as z from 'zod/mini';
import { NotFoundError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { Filter } from '../filter/index.js';
import { zonedCalendar } from '../time/calendar.js';
import { exchangeRatesSchema, type CurrencyConversion, type ExchangeRates } from '../money/exchange.js';
import { boundMs, instantInputSchema, windowBoundSchema } from '../time/bounds.js';
import { currencyCodeSchema } from '../money/money.js';
import { dealSchema, pipelineSchema, stageChangeSchema, type Deal, type Pipeline } from '../model/deal.js';
import { leadSchema, type Lead } from '../model/lead.js';
import { idSchema, instantSchema, sourceSchema } from '../model/primitives.js';
import type { Period } from '../time/periods.js';
import type { StorageOperations } from '../storage/port.js';
import { fromStorage, loadAll, loadWhereIn, ratesFor } from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import { weightedForecast, type Forecast } from './forecast.js';
import { DEFAULT_PIPELINE_ID, uninstalledDefaultPipeline } from './pipeline.js';
import { funnelReport } from './analytics.js';
import type { FunnelReport } from './types.js';

/** What `crm.reports.funnel` takes. */
export interface FunnelReportRequest {
  readonly pipelineId: string;
  /**
   * The window: instants, half-open (`periodOfDays(from, to, crm.timeZone)` for calendar days), the same `period`
   * every report takes. Give it, or the deprecated `from` and `to`.
   */
  readonly period?: Period;
  /** @deprecated Pass `period`; kept for one release. An instant, or a `YYYY-MM-DD` day in the CRM's time zone. */
  readonly from?: Date | string;
  /**
   * @deprecated Pass `period`; kept for one release. An instant (exclusive), or a `YYYY-MM-DD` day in the CRM's time
   * zone (included).
   */
  readonly to?: Date | string;
  /** Only deals (and leads) owned by this user. */
  readonly ownerId?: string;
  /** Only deals (and leads) from this source. */
  readonly source?: string;
  /** Count leads as the funnel's first two steps. Default: when the pipeline is the default one (`isDefault`). */
  readonly includeLeads?: boolean;
  /** Total money in this currency (default: the CRM's) using `rates`; without rates, totals stay per currency. */
  readonly currency?: string;
  readonly rates?: ExchangeRates;
  /** The report's instant; the CRM's clock by default. */
  readonly asOf?: Date | string;
  readonly minSample?: number;
  readonly rottingLimit?: number;
}

/** What `crm.reports.forecast` takes. */
export interface ForecastRequest {
  /** One pipeline; all of them when left out. */
  readonly pipelineId?: string;
  /** The first month listed, `YYYY-MM`. */
  readonly from?: string;
  /** The last month listed, `YYYY-MM`. */
  readonly to?: string;
  readonly ownerId?: string;
  readonly source?: string;
  /** The forecast's currency; the CRM's by default. */
  readonly currency?: string;
  /** Rates of the deals' other currencies into it; a missing one is a `ValidationError` naming the currency. */
  readonly rates?: ExchangeRates;
}

/** Reports computed from stored data. */
export interface ReportService {
  /**
   * The funnel report of a pipeline (see `funnelReport`), over deals and their stage history (and leads) loaded
   * through the port with `pipelineId`, `ownerId` and `source` pushed down, bucketed in the CRM's time zone.
   */
  funnel(request: FunnelReportRequest): Promise<FunnelReport>;
  /**
   * The weighted forecast (see `weightedForecast`) of open and won deals loaded through the port, with the pipeline,
   * owner, source and status pushed down, in the CRM's time zone.
   */
  forecast(request?: ForecastRequest): Promise<Forecast>;
}

const funnelRequestSchema = /* @__PURE__ */ z.strictObject({
  pipelineId: idSchema,
  period: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.strictObject({ from: instantSchema, to: instantSchema })),
  from: /* @__PURE__ */ z.optional(windowBoundSchema),
  to: /* @__PURE__ */ z.optional(windowBoundSchema),
  ownerId: /* @__PURE__ */ z.optional(idSchema),
  source: /* @__PURE__ */ z.optional(sourceSchema),
  includeLeads: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
  currency: /* @__PURE__ */ z.optional(currencyCodeSchema),
  rates: /* @__PURE__ */ z.optional(exchangeRatesSchema),
  asOf: /* @__PURE__ */ z.optional(instantInputSchema),
  minSample: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
  rottingLimit: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative())),
});

const forecastRequestSchema = /* @__PURE__ */ z.strictObject({
  pipelineId: /* @__PURE__ */ z.optional(idSchema),
  from: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  to: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  ownerId: /* @__PURE__ */ z.optional(idSchema),
  source: /* @__PURE__ */ z.optional(sourceSchema),
  currency: /* @__PURE__ */ z.optional(currencyCodeSchema),
  rates: /* @__PURE__ */ z.optional(exchangeRatesSchema),
});

const eq = (field: string, value: string): Filter => ({ field, op: 'eq', value });
const allOf = (filters: Filter[]): Filter => (filters.length === 1 ? (filters[0] as Filter) : { all: filters });

/** Builds the report service over the CRM's context. */
export function createReportService(context: CrmContext): ReportService {
  // The caller's rates, else the CRM's: as `{ conversion: { currency, rates } }` for the funnel, `{ rates }` for the
  // forecast; nothing when there are none (then totals stay per currency, or a missing rate is refused).
  function withRates(
    key: 'conversion',
    currency: string,
    requested?: ExchangeRates,
  ): { conversion?: CurrencyConversion };
  function withRates(key: 'rates', currency: string, requested?: ExchangeRates): { rates?: ExchangeRates };
  function withRates(key: 'conversion' | 'rates', currency: string, requested?: ExchangeRates) {
    const rates = ratesFor(context, currency, requested);
    if (!rates) return {};
    return key === 'rates' ? { rates } : { conversion: { currency, rates } };
  }
  const pipeline = async (ops: StorageOperations, id: string): Promise<Pipeline> => {
    const stored = await ops.get('pipelines', id);
    if (stored) return fromStorage(pipelineSchema, stored, 'pipeline');
    if (id === DEFAULT_PIPELINE_ID) return uninstalledDefaultPipeline();
    throw new NotFoundError('pipelines', id);
  };

  return {
    async funnel(request) {
      const req = parseOrThrow(funnelRequestSchema, request, 'funnel report');
      const storage = context.storage;
      const funnelPipeline = await pipeline(storage, req.pipelineId);
      const owner = req.ownerId === undefined ? [] : [eq('ownerId', req.ownerId)];
      const source = req.source === undefined ? [] : [eq('source', req.source)];
      const narrowed = owner.length + source.length > 0;

      const deals = (
        await loadAll(storage, 'deals', allOf([eq('pipelineId', req.pipelineId), ...owner, ...source]))
      ).map((record) => fromStorage(dealSchema, record, 'deal'));
      // The whole pipeline's history in one query; for an owner's or a source's deals, only theirs, by deal id.
      const history = narrowed
        ? await loadWhereIn(
            storage,
            'stageChanges',
            'dealId',
            deals.map((deal) => deal.id),
          )
        : await loadAll(storage, 'stageChanges', eq('pipelineId', req.pipelineId));
      const stageChanges = history.map((record) => fromStorage(stageChangeSchema, record, 'stage change'));

      let leads: Lead[] | undefined;
      if (req.includeLeads ?? funnelPipeline.isDefault) {
        // Leads created after the window are in neither the cohort nor the snapshot.
        const to = req.period?.to ?? req.to;
        const end =
          to === undefined ? undefined : new Date(boundMs(to, zonedCalendar(context.timeZone), true)).toISOString();
        leads = (
          await loadAll(
            storage,
            'leads',
            allOf([
              ...(end === undefined ? [] : [{ field: 'createdAt', op: 'lt', value: end } as Filter]),
              ...owner,
              ...source,
            ]),
          )
        ).map((record) => fromStorage(leadSchema, record, 'lead'));
      }

      return funnelReport(
        { pipeline: funnelPipeline, deals, stageChanges, ...(leads ? { leads } : {}) },
        {
          ...(req.period === undefined ? {} : { period: req.period }),
          ...(req.from === undefined ? {} : { from: req.from }),
          ...(req.to === undefined ? {} : { to: req.to }),
          asOf: req.asOf ?? context.now(),
          timeZone: context.timeZone,
          ...withRates('conversion', req.currency ?? context.currency, req.rates),
          ...(req.minSample === undefined ? {} : { minSample: req.minSample }),
          ...(req.rottingLimit === undefined ? {} : { rottingLimit: req.rottingLimit }),
        },
      );
    },

    async forecast(request = {}) {
      const req = parseOrThrow(forecastRequestSchema, request, 'forecast');
      const storage = context.storage;
      const pipelines: Pipeline[] = req.pipelineId
        ? [await pipeline(storage, req.pipelineId)]
        : (await loadAll(storage, 'pipelines', undefined)).map((record) =>
            fromStorage(pipelineSchema, record, 'pipeline'),
          );
      if (!req.pipelineId && !pipelines.some((candidate) => candidate.id === DEFAULT_PIPELINE_ID)) {
        pipelines.push(await pipeline(storage, DEFAULT_PIPELINE_ID));
      }
      const where = allOf([
        { field: 'status', op: 'in', values: ['open', 'won'] },
        ...(req.pipelineId === undefined ? [] : [eq('pipelineId', req.pipelineId)]),
        ...(req.ownerId === undefined ? [] : [eq('ownerId', req.ownerId)]),
        ...(req.source === undefined ? [] : [eq('source', req.source)]),
      ]);
      const deals: Deal[] = (await loadAll(storage, 'deals', where)).map((record) =>
        fromStorage(dealSchema, record, 'deal'),
      );
      return weightedForecast(
        { pipelines, deals },
        {
          currency: req.currency ?? context.currency,
          ...withRates('rates', req.currency ?? context.currency, req.rates),
          timeZone: context.timeZone,
          ...(req.from === undefined ? {} : { from: req.from }),
          ...(req.to === undefined ? {} : { to: req.to }),
        },
      );
    },
  };
}
