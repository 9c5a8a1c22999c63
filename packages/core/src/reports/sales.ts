/**
 * Sales reports (数据分析与报告) as pure functions over plain arrays: the sales trend, lead-source analysis with cost
 * and ROI, and salesperson performance. Money is integer minor units in one report currency: other currencies are
 * converted with the given rates (a missing rate is a `ValidationError` naming it), never added as they are.
 */
import { ValidationError } from '../errors/errors.js';
import { conversionFactors, type ExchangeRates } from '../money/exchange.js';
import {
  dateRange,
  dayNumber,
  periodIndex,
  periodsBetween,
  type Granularity,
  daysOfPeriod,
  type Period,
  type ReportPeriod,
} from '../time/periods.js';

/** Money as stored: integer minor units and an ISO 4217 code. */
export interface ReportMoney {
  readonly amountMinor: number;
  readonly currency: string;
}

/** What the reports read of a deal. */
export interface ReportDeal {
  readonly id: string;
  readonly status: 'open' | 'won' | 'lost';
  readonly amount: ReportMoney;
  readonly ownerId?: string | undefined;
  readonly createdAt: string;
  readonly closedAt?: string | undefined;
}

/** What the reports read of a lead. */
export interface ReportLead {
  readonly id: string;
  readonly createdAt: string;
  readonly status: string;
  readonly source?: string | undefined;
  readonly campaign?: string | undefined;
  readonly convertedDealId?: string | undefined;
}

/** What the reports read of an activity. */
export interface ReportActivity {
  readonly occurredAt: string;
  readonly ownerId?: string | undefined;
}

/** Money spent on a lead source (and optionally one campaign) over local dates `from`..`to` inclusive. */
export interface CostEntry {
  readonly source: string;
  readonly campaign?: string | undefined;
  readonly from: string;
  readonly to: string;
  readonly amount: ReportMoney;
}

/** A salesperson's quota (target won amount) for a month `YYYY-MM`. */
export interface Quota {
  readonly userId: string;
  readonly month: string;
  readonly amount: ReportMoney;
}

/** Options every report takes: the period, and the zone and currency to read it in. */
export interface ReportRange {
  /**
   * The period reported on: instants, half-open (`periodOfDays(from, to, timeZone)` for calendar days), read as the
   * local days it touches in `timeZone`. Give it, or the deprecated `from` and `to`.
   */
  readonly period?: Period;
  /** @deprecated First local date, `YYYY-MM-DD`: pass `period` instead; kept for one release. */
  readonly from?: string;
  /** @deprecated Last local date, inclusive: pass `period` instead; kept for one release. */
  readonly to?: string;
  /** The IANA time zone dates are read in. */
  readonly timeZone: string;
  /** The report currency. */
  readonly currency: string;
  /** Rates of other currencies into `currency` (major units), as in the funnel report. */
  readonly rates?: ExchangeRates;
}

/** A change from the previous period: the difference, and the ratio to the previous value (`null` from zero). */
export interface Change {
  readonly delta: number;
  readonly ratio: number | null;
}

/** One period of the sales trend. */
export interface SalesTrendPeriod extends ReportPeriod {
  readonly wonAmountMinor: number;
  readonly dealsWon: number;
  readonly leadsCreated: number;
  /** Against the period before (for the first one, the period before the range). */
  readonly change: { readonly wonAmountMinor: Change; readonly dealsWon: Change; readonly leadsCreated: Change };
}

/** The sales trend (销售趋势). */
export interface SalesTrendReport {
  readonly granularity: Granularity;
  readonly timeZone: string;
  readonly currency: string;
  readonly periods: SalesTrendPeriod[];
  readonly totals: { readonly wonAmountMinor: number; readonly dealsWon: number; readonly leadsCreated: number };
}

/** The range with its local days: from `period`, else the deprecated `from` and `to` as given. */
function withDays<R extends ReportRange>(options: R): R & { readonly from: string; readonly to: string } {
  if (options.period) return { ...options, ...daysOfPeriod(options.period, options.timeZone) };
  if (options.from === undefined || options.to === undefined) {
    throw new ValidationError([{ path: ['period'], message: 'Expected a period' }], 'report options');
  }
  return options as R & { readonly from: string; readonly to: string };
}

const change = (current: number, previous: number): Change => ({
  delta: current - previous,
  ratio: previous === 0 ? null : (current - previous) / previous,
});

const converter = (range: ReportRange) => {
  const factor = conversionFactors({ currency: range.currency, ...(range.rates ? { rates: range.rates } : {}) });
  return (money: ReportMoney) => money.amountMinor * factor(money.currency);
};

/**
 * Won amount, deals won (by `closedAt`) and leads created (by `createdAt`) per day, Monday-based week or month of
 * `timeZone`, over `from`..`to` widened to whole periods, with the change from the period before. Pass the records
 * of the period before the range too, or the first period's change compares with zero.
 */
export function salesTrend(
  input: { readonly deals: readonly ReportDeal[]; readonly leads: readonly ReportLead[] },
  rawOptions: ReportRange & { readonly granularity: Granularity },
): SalesTrendReport {
  const options = withDays(rawOptions);
  const periods = periodsBetween(options.from, options.to, options.granularity, options.timeZone);
  const convert = converter(options);
  const won = new Array<number>(periods.length).fill(0);
  const count = new Array<number>(periods.length).fill(0);
  const leads = new Array<number>(periods.length).fill(0);
  for (const deal of input.deals) {
    if (deal.status !== 'won') continue;
    const index = periodIndex(periods, deal.closedAt);
    if (index < 0) continue;
    won[index]! += convert(deal.amount);
    count[index]!++;
  }
  for (const lead of input.leads) {
    const index = periodIndex(periods, lead.createdAt);
    if (index >= 0) leads[index]!++;
  }
  const rounded = won.map(Math.round);
  const rows: SalesTrendPeriod[] = periods.slice(1).map((period, i) => ({
    ...period,
    wonAmountMinor: rounded[i + 1]!,
    dealsWon: count[i + 1]!,
    leadsCreated: leads[i + 1]!,
    change: {
      wonAmountMinor: change(rounded[i + 1]!, rounded[i]!),
      dealsWon: change(count[i + 1]!, count[i]!),
      leadsCreated: change(leads[i + 1]!, leads[i]!),
    },
  }));
  const sum = (key: 'wonAmountMinor' | 'dealsWon' | 'leadsCreated') => rows.reduce((total, row) => total + row[key], 0);
  return {
    granularity: options.granularity,
    timeZone: options.timeZone,
    currency: options.currency,
    periods: rows,
    totals: { wonAmountMinor: sum('wonAmountMinor'), dealsWon: sum('dealsWon'), leadsCreated: sum('leadsCreated') },
  };
}

/** The measures of one lead source or campaign. */
export interface LeadSourceMetrics {
  readonly leads: number;
  /** Leads that reached qualified (qualified or converted). */
  readonly qualified: number;
  readonly converted: number;
  /** Deals won from the converted leads. */
  readonly dealsWon: number;
  readonly wonAmountMinor: number;
  /** Cost attributed to the range: entries prorated by the days they overlap it. */
  readonly costMinor: number;
  /** `null` without leads. */
  readonly costPerLeadMinor: number | null;
  /** (won amount − cost) / cost; `null` without cost. */
  readonly roi: number | null;
}

/** One source (with its campaigns). `null` source or campaign: leads that named none. */
export interface LeadSourceRow extends LeadSourceMetrics {
  readonly source: string | null;
  readonly campaigns: (LeadSourceMetrics & { readonly campaign: string | null })[];
}

/** Lead-source analysis (线索来源分析) with ROI per channel. */
export interface LeadSourceReport {
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly sources: LeadSourceRow[];
}

interface Accumulator {
  leads: number;
  qualified: number;
  converted: number;
  dealsWon: number;
  won: number;
  cost: number;
}

const emptyAccumulator = (): Accumulator => ({ leads: 0, qualified: 0, converted: 0, dealsWon: 0, won: 0, cost: 0 });

function metrics(acc: Accumulator): LeadSourceMetrics {
  const wonAmountMinor = Math.round(acc.won);
  const costMinor = Math.round(acc.cost);
  return {
    leads: acc.leads,
    qualified: acc.qualified,
    converted: acc.converted,
    dealsWon: acc.dealsWon,
    wonAmountMinor,
    costMinor,
    costPerLeadMinor: acc.leads === 0 ? null : Math.round(costMinor / acc.leads),
    roi: costMinor === 0 ? null : (wonAmountMinor - costMinor) / costMinor,
  };
}

/**
 * Leads created over `from`..`to` per source and campaign: how many qualified and converted, what their deals won
 * (whenever won), what the source cost over the range, cost per lead and ROI. Sources sort by won amount, then name.
 */
export function leadSourceAnalysis(
  input: {
    readonly leads: readonly ReportLead[];
    readonly deals: readonly ReportDeal[];
    readonly costs: readonly CostEntry[];
  },
  rawOptions: ReportRange,
): LeadSourceReport {
  const options = withDays(rawOptions);
  const { start, end } = dateRange(options.from, options.to, options.timeZone);
  const convert = converter(options);
  const dealsById = new Map(input.deals.map((deal) => [deal.id, deal]));
  const sources = new Map<string | null, { total: Accumulator; campaigns: Map<string | null, Accumulator> }>();
  const slot = (source: string | null, campaign: string | null | undefined) => {
    let entry = sources.get(source);
    if (!entry) sources.set(source, (entry = { total: emptyAccumulator(), campaigns: new Map() }));
    let campaignAcc: Accumulator | undefined;
    if (campaign !== undefined) {
      campaignAcc = entry.campaigns.get(campaign);
      if (!campaignAcc) entry.campaigns.set(campaign, (campaignAcc = emptyAccumulator()));
    }
    return [entry.total, campaignAcc].filter((acc): acc is Accumulator => acc !== undefined);
  };
  for (const lead of input.leads) {
    const ms = Date.parse(lead.createdAt);
    if (ms < Date.parse(start) || ms >= Date.parse(end)) continue;
    const deal = lead.convertedDealId === undefined ? undefined : dealsById.get(lead.convertedDealId);
    for (const acc of slot(lead.source ?? null, lead.campaign ?? null)) {
      acc.leads++;
      if (lead.status === 'qualified' || lead.status === 'converted') acc.qualified++;
      if (lead.status === 'converted') acc.converted++;
      if (deal?.status === 'won') {
        acc.dealsWon++;
        acc.won += convert(deal.amount);
      }
    }
  }
  const first = dayNumber(options.from, 'from');
  const last = dayNumber(options.to, 'to');
  for (const [index, cost] of input.costs.entries()) {
    const costFrom = dayNumber(cost.from, `costs.${index}.from`);
    const costTo = dayNumber(cost.to, `costs.${index}.to`);
    const overlap = Math.min(last, costTo) - Math.max(first, costFrom) + 1;
    if (overlap <= 0 || costTo < costFrom) continue;
    const share = (convert(cost.amount) * overlap) / (costTo - costFrom + 1);
    // A cost without a campaign belongs to the source as a whole, not to any one campaign.
    for (const acc of slot(cost.source, cost.campaign)) acc.cost += share;
  }
  const rows: LeadSourceRow[] = [...sources.entries()].map(([source, entry]) => ({
    source,
    ...metrics(entry.total),
    campaigns: [...entry.campaigns.entries()]
      .map(([campaign, acc]) => ({ campaign, ...metrics(acc) }))
      .sort((a, b) => b.wonAmountMinor - a.wonAmountMinor || compareNullable(a.campaign, b.campaign)),
  }));
  rows.sort((a, b) => b.wonAmountMinor - a.wonAmountMinor || compareNullable(a.source, b.source));
  return { from: options.from, to: options.to, timeZone: options.timeZone, currency: options.currency, sources: rows };
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** One salesperson's results. */
export interface PerformanceRow {
  readonly userId: string;
  readonly wonCount: number;
  readonly wonAmountMinor: number;
  readonly lostCount: number;
  /** won / (won + lost) of deals closed in the range; `null` when none closed. */
  readonly winRate: number | null;
  readonly averageDealSizeMinor: number | null;
  /** Mean days from creation to winning, of deals won in the range; `null` when none. */
  readonly averageCycleDays: number | null;
  readonly activitiesLogged: number;
  /** The sum of the user's quotas for the months of the range; `null` when none is set. */
  readonly quotaMinor: number | null;
  /** won amount / quota; `null` without a quota. */
  readonly quotaAttainment: number | null;
}

/** Salesperson performance (销售人员绩效). */
export interface PerformanceReport {
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly rows: PerformanceRow[];
}

/**
 * Per owner: deals won and lost (closed in `from`..`to`), won amount, win rate, average deal size and cycle length,
 * activities logged in the range, and quota attainment against the quotas of the months the range touches. Rows
 * sort by won amount, then user id; deals and activities without an owner are left out.
 */
export function salesPerformance(
  input: {
    readonly deals: readonly ReportDeal[];
    readonly activities: readonly ReportActivity[];
    readonly quotas?: readonly Quota[];
  },
  rawOptions: ReportRange,
): PerformanceReport {
  const options = withDays(rawOptions);
  const { start, end } = dateRange(options.from, options.to, options.timeZone);
  const [startMs, endMs] = [Date.parse(start), Date.parse(end)];
  const inRange = (instant: string | undefined) => {
    if (instant === undefined) return false;
    const ms = Date.parse(instant);
    return ms >= startMs && ms < endMs;
  };
  const convert = converter(options);
  const users = new Map<
    string,
    { won: number; amount: number; lost: number; cycle: number; activities: number; quota: number | null }
  >();
  const user = (id: string) => {
    let entry = users.get(id);
    if (!entry) users.set(id, (entry = { won: 0, amount: 0, lost: 0, cycle: 0, activities: 0, quota: null }));
    return entry;
  };
  for (const deal of input.deals) {
    if (!deal.ownerId || deal.status === 'open' || !inRange(deal.closedAt)) continue;
    const entry = user(deal.ownerId);
    if (deal.status === 'lost') {
      entry.lost++;
      continue;
    }
    entry.won++;
    entry.amount += convert(deal.amount);
    entry.cycle += (Date.parse(deal.closedAt!) - Date.parse(deal.createdAt)) / 86_400_000;
  }
  for (const activity of input.activities) {
    if (activity.ownerId && inRange(activity.occurredAt)) user(activity.ownerId).activities++;
  }
  const firstMonth = options.from.slice(0, 7);
  const lastMonth = options.to.slice(0, 7);
  for (const quota of input.quotas ?? []) {
    if (quota.month < firstMonth || quota.month > lastMonth) continue;
    const entry = user(quota.userId);
    entry.quota = (entry.quota ?? 0) + convert(quota.amount);
  }
  const rows: PerformanceRow[] = [...users.entries()].map(([userId, entry]) => {
    const wonAmountMinor = Math.round(entry.amount);
    const quotaMinor = entry.quota === null ? null : Math.round(entry.quota);
    return {
      userId,
      wonCount: entry.won,
      wonAmountMinor,
      lostCount: entry.lost,
      winRate: entry.won + entry.lost === 0 ? null : entry.won / (entry.won + entry.lost),
      averageDealSizeMinor: entry.won === 0 ? null : Math.round(wonAmountMinor / entry.won),
      averageCycleDays: entry.won === 0 ? null : entry.cycle / entry.won,
      activitiesLogged: entry.activities,
      quotaMinor,
      quotaAttainment: quotaMinor === null || quotaMinor === 0 ? null : wonAmountMinor / quotaMinor,
    };
  });
  rows.sort((a, b) => b.wonAmountMinor - a.wonAmountMinor || (a.userId < b.userId ? -1 : 1));
  return { from: options.from, to: options.to, timeZone: options.timeZone, currency: options.currency, rows };
}
