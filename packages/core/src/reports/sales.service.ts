/**
 * `crm.reports.salesTrend`, `.leadSources`, `.performance` over stored data, plus the cost entries and quotas those
 * reports read, stored through the port (`costEntries`, `quotas`).
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { Filter } from '../filter/index.js';
import { exchangeRatesSchema } from '../money/exchange.js';
import { timeZoneSchema } from '../model/activity.js';
import { dateOnlySchema, instantSchema, sourceSchema, nameSchema } from '../model/primitives.js';
import { currencyCodeSchema } from '../money/money.js';
import { dateRange, daysOfPeriod, granularities, periodsBetween } from '../time/periods.js';
import {
  leadSourceAnalysis,
  salesPerformance,
  salesTrend,
  type CostEntry,
  type LeadSourceReport,
  type PerformanceReport,
  type Quota,
  type ReportDeal,
  type ReportLead,
  type SalesTrendReport,
} from './sales.js';
import type { StoredRecord } from '../storage/port.js';
import {
  guardedWriteSchema,
  insertAudited,
  loadAll,
  ratesFor,
  removeAudited,
  written,
  type CrmContext,
  type GuardedWrite,
} from '../kernel/index.js';

/** Where cost entries are stored. */
export const COST_ENTRIES_COLLECTION = 'costEntries';
/** Where quotas are stored; a quota's id is `<userId>|<month>`, so setting one again replaces it. */
export const QUOTAS_COLLECTION = 'quotas';

const moneySchema = /* @__PURE__ */ z.strictObject({ amountMinor: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative()), currency: currencyCodeSchema });

/** A cost entry as `addCost` accepts it. */
export const costEntryInputSchema = /* @__PURE__ */ z
  .strictObject({
    source: sourceSchema,
    campaign: /* @__PURE__ */ z.optional(nameSchema),
    from: dateOnlySchema,
    to: dateOnlySchema,
    amount: moneySchema,
  })
  .check(/* @__PURE__ */ z.refine((entry) => entry.to >= entry.from, { path: ['to'], message: 'Expected a date on or after from' }));
export type CostEntryInput = z.input<typeof costEntryInputSchema>;

/** A quota as `setQuota` accepts it. */
export const quotaInputSchema = /* @__PURE__ */ z.strictObject({
  /** At most 120 characters, so the quota's id `<userId>|<month>` is a valid id. */
  userId: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(120)),
  month: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Expected a month YYYY-MM')),
  amount: moneySchema,
});
export type QuotaInput = z.input<typeof quotaInputSchema>;

/** A period as the reports take it: instants, `from` before `to`. */
const periodSchema = /* @__PURE__ */ z
  .strictObject({ from: instantSchema, to: instantSchema })
  .check(/* @__PURE__ */ z.refine((period) => Date.parse(period.to) > Date.parse(period.from), { path: ['to'], message: 'Expected an instant after from' }));

const rangeSchema = /* @__PURE__ */ z.strictObject({
  /** The period: instants, half-open. The deprecated `from` and `to` (local dates, both included) also work. */
  period: /* @__PURE__ */ z.optional(periodSchema),
  from: /* @__PURE__ */ z.optional(dateOnlySchema),
  to: /* @__PURE__ */ z.optional(dateOnlySchema),
  timeZone: /* @__PURE__ */ z.optional(timeZoneSchema),
  currency: /* @__PURE__ */ z.optional(currencyCodeSchema),
  rates: /* @__PURE__ */ z.optional(exchangeRatesSchema),
});
/**
 * Options of a report: the `period` (instants, half-open; or the deprecated local dates `from`..`to`, both included);
 * time zone and currency default to the CRM's.
 */
export type SalesReportOptions = z.input<typeof rangeSchema>;
const trendSchema = /* @__PURE__ */ z.extend(rangeSchema, { granularity: /* @__PURE__ */ z.enum(granularities) });
export type SalesTrendOptions = z.input<typeof trendSchema>;

/** A stored cost entry / quota. */
export type StoredCostEntry = StoredRecord<CostEntry>;
export type StoredQuota = StoredRecord<Quota>;

/** The sales reports over stored data. */
export interface SalesReportService {
  salesTrend(options: SalesTrendOptions): Promise<SalesTrendReport>;
  leadSources(options: SalesReportOptions): Promise<LeadSourceReport>;
  performance(options: SalesReportOptions): Promise<PerformanceReport>;
  /** Records money spent on a source (and campaign) over a date range. */
  addCost(input: CostEntryInput): Promise<StoredCostEntry>;
  /** Deletes a cost entry at the version last read (`expectedVersion`) or with `force: true`. */
  removeCost(id: string, options: GuardedWrite): Promise<void>;
  listCosts(): Promise<StoredCostEntry[]>;
  /** Sets (or replaces) a user's quota for a month. */
  setQuota(input: QuotaInput): Promise<StoredQuota>;
  listQuotas(): Promise<StoredQuota[]>;
}

/** Builds the sales report service. */
export function createSalesReportService(context: CrmContext): SalesReportService {
  const { storage } = context;
  // One query each: the report needs every matching record at once, and paging would only repeat the planning.
  const all = <T extends object>(collection: string, where?: Filter): Promise<StoredRecord<T>[]> =>
    loadAll<T>(storage, collection, where);
  const resolve = (raw: SalesReportOptions, schema: typeof rangeSchema | typeof trendSchema = rangeSchema) => {
    const checked = parseOrThrow(schema, raw, 'report options');
    const currency = checked.currency ?? context.currency;
    const rates = ratesFor(context, currency, checked.rates);
    const timeZone = checked.timeZone ?? context.timeZone;
    if (checked.period === undefined && (checked.from === undefined || checked.to === undefined)) {
      throw new ValidationError([{ path: ['period'], message: 'Expected a period' }], 'report options');
    }
    // One reading of the period for the queries and the pure report: the local days it touches.
    const days = checked.period
      ? daysOfPeriod(checked.period, timeZone)
      : { from: checked.from as string, to: checked.to as string };
    const { period: _period, ...rest } = checked;
    return { ...rest, ...days, timeZone, currency, ...(rates ? { rates } : {}) };
  };
  const between = (field: string, start: string, end: string): Filter => ({
    all: [
      { field, op: 'gte', value: start },
      { field, op: 'lt', value: end },
    ],
  });

  return {
    async salesTrend(raw) {
      const options = {
        ...resolve(raw, trendSchema),
        granularity: parseOrThrow(trendSchema, raw, 'report options').granularity,
      };
      const periods = periodsBetween(options.from, options.to, options.granularity, options.timeZone);
      const start = periods[0]!.start;
      const end = periods[periods.length - 1]!.end;
      const [deals, leads] = await Promise.all([
        all<ReportDeal>('deals', {
          all: [{ field: 'status', op: 'eq', value: 'won' }, between('closedAt', start, end)],
        }),
        all<ReportLead>('leads', between('createdAt', start, end)),
      ]);
      return salesTrend({ deals, leads }, options);
    },

    async leadSources(raw) {
      const options = resolve(raw);
      const { start, end } = dateRange(options.from, options.to, options.timeZone);
      const leads = await all<ReportLead>('leads', between('createdAt', start, end));
      const dealIds = [...new Set(leads.flatMap((lead) => (lead.convertedDealId ? [lead.convertedDealId] : [])))];
      const deals = (await storage.getMany<ReportDeal>('deals', dealIds)).filter((deal) => deal !== undefined);
      const costs = await all<CostEntry>(COST_ENTRIES_COLLECTION, {
        all: [
          { field: 'to', op: 'gte', value: options.from },
          { field: 'from', op: 'lte', value: options.to },
        ],
      });
      return leadSourceAnalysis({ leads, deals, costs }, options);
    },

    async performance(raw) {
      const options = resolve(raw);
      const { start, end } = dateRange(options.from, options.to, options.timeZone);
      const [deals, activities, quotas] = await Promise.all([
        all<ReportDeal>('deals', {
          all: [{ field: 'status', op: 'in', values: ['won', 'lost'] }, between('closedAt', start, end)],
        }),
        all<{ occurredAt: string; ownerId?: string }>('activities', between('occurredAt', start, end)),
        all<Quota>(QUOTAS_COLLECTION, {
          all: [
            { field: 'month', op: 'gte', value: options.from.slice(0, 7) },
            { field: 'month', op: 'lte', value: options.to.slice(0, 7) },
          ],
        }),
      ]);
      return salesPerformance({ deals, activities, quotas }, options);
    },

    async addCost(input) {
      context.assertCanWrite('costEntry.create');
      const entry = parseOrThrow(costEntryInputSchema, input, 'cost entry');
      const at = context.nowIso();
      return storage.transaction(
        async (tx) => written<StoredCostEntry>(await insertAudited(context, tx, COST_ENTRIES_COLLECTION, entry, at)),
      );
    },

    async removeCost(id, options) {
      context.assertCanWrite('costEntry.delete');
      const { expectedVersion } = parseOrThrow(guardedWriteSchema, options ?? {}, 'options');
      const at = context.nowIso();
      await storage.transaction((tx) => removeAudited(context, tx, COST_ENTRIES_COLLECTION, id, at, expectedVersion));
    },

    listCosts: () => all<CostEntry>(COST_ENTRIES_COLLECTION),

    async setQuota(input) {
      context.assertCanWrite('quota.set');
      const quota = parseOrThrow(quotaInputSchema, input, 'quota');
      const id = `${quota.userId}|${quota.month}`;
      const at = context.nowIso();
      return storage.transaction(async (tx) => {
        const current = await tx.get(QUOTAS_COLLECTION, id);
        const stored = await tx.put<Quota>(
          QUOTAS_COLLECTION,
          { ...quota, id },
          { expectedVersion: current?.version ?? 0 },
        );
        await context.audit(tx, {
          action: current ? 'update' : 'create',
          entity: QUOTAS_COLLECTION,
          entityId: id,
          at,
          changedFields: ['amount', 'month', 'userId'],
        });
        return stored;
      });
    },

    listQuotas: () => all<Quota>(QUOTAS_COLLECTION),
  };
}
