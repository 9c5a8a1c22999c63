/**
 * Customer value (客户价值): lifetime value from won deals, average order value, purchase frequency and RFM scores by
 * quintiles. Pure functions over plain arrays; the CRM keeps the per-customer inputs up to date in its aggregates.
 *
 * @module
 */

/** A won deal as the value functions need it: money in integer minor units plus an ISO currency. */
export interface WonDealFact {
  readonly amountMinor: number;
  readonly currency: string;
  /** When the deal was won (ISO-8601 instant). */
  readonly closedAt?: string;
}

/** Money per currency, in integer minor units, e.g. `{ CNY: 1250000 }`. Currencies are never summed together. */
export type MoneyByCurrency = Readonly<Record<string, number>>;

/** The sum of won deals per currency. */
export function lifetimeValue(deals: readonly WonDealFact[]): MoneyByCurrency {
  const totals: Record<string, number> = {};
  for (const deal of deals) totals[deal.currency] = (totals[deal.currency] ?? 0) + deal.amountMinor;
  return totals;
}

/** The average won deal per currency, rounded to whole minor units; empty when there is none. */
export function averageOrderValue(deals: readonly WonDealFact[]): MoneyByCurrency {
  const totals = lifetimeValue(deals);
  const counts: Record<string, number> = {};
  for (const deal of deals) counts[deal.currency] = (counts[deal.currency] ?? 0) + 1;
  const result: Record<string, number> = {};
  for (const [currency, total] of Object.entries(totals))
    result[currency] = Math.round(total / (counts[currency] ?? 1));
  return result;
}

const DAY_MS = 86_400_000;

/**
 * Purchases per year: the won deals closed in the last `windowDays` days before `now` (default 365), scaled to 365
 * days. Deals without `closedAt` or closed after `now` are not counted.
 */
export function purchaseFrequency(deals: readonly WonDealFact[], now: Date, windowDays = 365): number {
  if (!(windowDays > 0)) throw new RangeError('windowDays must be positive');
  const end = now.getTime();
  const start = end - windowDays * DAY_MS;
  let count = 0;
  for (const deal of deals) {
    const at = deal.closedAt === undefined ? NaN : Date.parse(deal.closedAt);
    if (at >= start && at <= end) count++;
  }
  return (count * 365) / windowDays;
}

/** One customer's RFM inputs. */
export interface RfmInput {
  readonly id: string;
  /** The last purchase (ISO-8601 instant); absent when the customer never bought. */
  readonly lastPurchaseAt?: string;
  /** How many purchases. */
  readonly frequency: number;
  /** How much, in minor units of one currency. */
  readonly monetary: number;
}

/** RFM scores from 1 (worst fifth) to 5 (best fifth); `score` reads as the three digits, e.g. 545. */
export interface RfmScore {
  readonly r: number;
  readonly f: number;
  readonly m: number;
  /** `r * 100 + f * 10 + m`. */
  readonly score: number;
}

/**
 * Quintile of each value, 1 (lowest fifth) … 5 (highest fifth), by rank: equal values always get the same quintile
 * (the quintile of their first rank), so scores are stable under reordering of the input.
 */
export function quintiles(values: readonly number[]): number[] {
  const n = values.length;
  const order = values
    .map((_, i) => i)
    .sort((a, b) => {
      const x = values[a] as number;
      const y = values[b] as number;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  const result = new Array<number>(n);
  let firstRank = 0;
  for (let rank = 0; rank < n; rank++) {
    const index = order[rank] as number;
    if (rank > 0 && values[index] !== values[order[rank - 1] as number]) firstRank = rank;
    result[index] = Math.floor((firstRank * 5) / n) + 1;
  }
  return result;
}

/**
 * RFM scores by quintiles over a population. Recency scores higher the more recent the last purchase (never bought
 * is the oldest); frequency and monetary score higher the larger. Returns a map keyed by customer id.
 */
export function rfmScores(customers: readonly RfmInput[], now: Date): Map<string, RfmScore> {
  const nowMs = now.getTime();
  const recency = customers.map((c) => {
    const at = c.lastPurchaseAt === undefined ? NaN : Date.parse(c.lastPurchaseAt);
    // Negated age: larger is more recent. Never bought sorts below everything.
    return Number.isFinite(at) ? -(nowMs - at) : Number.NEGATIVE_INFINITY;
  });
  const r = quintiles(recency);
  const f = quintiles(customers.map((c) => c.frequency));
  const m = quintiles(customers.map((c) => c.monetary));
  const result = new Map<string, RfmScore>();
  customers.forEach((c, i) => {
    const ri = r[i] as number;
    const fi = f[i] as number;
    const mi = m[i] as number;
    result.set(c.id, { r: ri, f: fi, m: mi, score: ri * 100 + fi * 10 + mi });
  });
  return result;
}
