/**
 * A customer's aggregate (value, recent activity, RFM inputs) computed from its deals and activities: pure functions
 * the aggregate service runs on what it loads.
 */
import { convertTotals, type ExchangeRates } from '../money/exchange.js';
import { emptyStats, RECENT_ACTIVITY_CAP, type CustomerStats } from '../segments/compile.js';
import { averageOrderValue, lifetimeValue, type RfmInput, type RfmScore } from '../value/index.js';
import { ValidationError } from '../errors/errors.js';

/** What is stored: the aggregate plus the ids needed to find it again when a deal or activity is deleted. */
export interface StoredCustomerStats extends CustomerStats {
  /** The customer's deals, so a deleted deal finds its customer's aggregate (`*dealIds` index). */
  readonly dealIds: readonly string[];
  /** The activities in `recentActivity`, so a deleted recent activity finds its aggregate (`*recentActivityIds`). */
  readonly recentActivityIds: readonly string[];
}

/** A deal as the aggregate reads it. */
export interface DealFact {
  readonly id: string;
  readonly status: string;
  readonly stageId: string;
  readonly amount: { readonly amountMinor: number; readonly currency: string };
  readonly closedAt?: string;
  readonly updatedAt?: string;
}

/** An activity as the aggregate reads it. */
export interface ActivityFact {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
}

/**
 * Computes a customer's aggregate from its deals, its newest activities per type (newest first, any number — the
 * newest {@link RECENT_ACTIVITY_CAP} per type are kept) and its total activity count. Pure. `rfm` is carried over
 * from `previous`: it is a population score, refreshed by `refreshRfm`.
 */
export function computeCustomerStats(
  id: string,
  deals: readonly DealFact[],
  activities: readonly ActivityFact[],
  activityCount: number,
  previous?: CustomerStats,
): StoredCustomerStats {
  const won = deals.filter((deal) => deal.status === 'won');
  const open = deals.filter((deal) => deal.status === 'open');
  const wonFacts = won.map((deal) => ({
    amountMinor: deal.amount.amountMinor,
    currency: deal.amount.currency,
    ...((deal.closedAt ?? deal.updatedAt) ? { closedAt: (deal.closedAt ?? deal.updatedAt) as string } : {}),
  }));
  const purchaseTimes = wonFacts
    .map((fact) => fact.closedAt)
    .filter((at): at is string => at !== undefined)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  const byType = new Map<string, { at: number; id: string }[]>();
  for (const activity of activities) {
    const at = Date.parse(activity.occurredAt);
    if (!Number.isFinite(at)) continue;
    let list = byType.get(activity.type);
    if (!list) byType.set(activity.type, (list = []));
    list.push({ at, id: activity.id });
  }
  const recentActivity: Record<string, number[]> = {};
  const recentActivityIds: string[] = [];
  let lastActivity = Number.NEGATIVE_INFINITY;
  for (const [type, list] of [...byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    list.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1));
    const kept = list.slice(0, RECENT_ACTIVITY_CAP);
    recentActivity[type] = kept.map((entry) => entry.at);
    recentActivityIds.push(...kept.map((entry) => entry.id));
    if (kept.length > 0) lastActivity = Math.max(lastActivity, (kept[0] as { at: number }).at);
  }
  const firstPurchaseAt = purchaseTimes[0];
  const lastPurchaseAt = purchaseTimes[purchaseTimes.length - 1];
  return {
    ...emptyStats(id),
    wonDeals: won.length,
    openDeals: open.length,
    lostDeals: deals.filter((deal) => deal.status === 'lost').length,
    openDealStageIds: [...new Set(open.map((deal) => deal.stageId))].sort(),
    lifetimeValue: lifetimeValue(wonFacts),
    averageOrderValue: averageOrderValue(wonFacts),
    ...(firstPurchaseAt ? { firstPurchaseAt } : {}),
    ...(lastPurchaseAt ? { lastPurchaseAt } : {}),
    ...(Number.isFinite(lastActivity) ? { lastActivityAt: new Date(lastActivity).toISOString() } : {}),
    activityCount,
    recentActivity,
    ...(previous?.rfm ? { rfm: previous.rfm } : {}),
    dealIds: deals.map((deal) => deal.id).sort(),
    recentActivityIds: recentActivityIds.sort(),
  };
}

/**
 * A customer's RFM inputs from its aggregate, monetary in `currency`: revenue in other currencies is converted with
 * `rates`, and a currency without a rate is a `ValidationError` at `rates.<CODE>` rather than revenue left out. A
 * customer without an aggregate (no deal, no activity yet) never bought: no last purchase, frequency 0, monetary 0,
 * so it ranks lowest on all three.
 */
export function rfmInputOf(
  id: string,
  stats: CustomerStats | undefined,
  currency: string,
  rates?: ExchangeRates,
): RfmInput {
  let monetary = 0;
  if (stats) {
    const value = convertTotals(stats.lifetimeValue, currency, rates);
    const missing = value.unconverted[0];
    if (missing) {
      throw new ValidationError(
        [{ path: ['rates', missing.currency], message: `No exchange rate from ${missing.currency} to ${currency}` }],
        'RFM',
      );
    }
    monetary = value.total.amountMinor;
  }
  return {
    id,
    frequency: stats?.wonDeals ?? 0,
    monetary,
    ...(stats?.lastPurchaseAt ? { lastPurchaseAt: stats.lastPurchaseAt } : {}),
  };
}

/** True when two RFM scores agree on recency, frequency and monetary value. */
export function sameRfm(a: RfmScore | undefined, b: RfmScore): boolean {
  return a !== undefined && a.r === b.r && a.f === b.f && a.m === b.m;
}
