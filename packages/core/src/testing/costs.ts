/** Marketing costs per lead source and month, giving each source a plausible ROI in the lead-source report. */
import type { DealBook } from './deals.js';
import type { LeadBook } from './leads.js';
import type { DemoCostEntry } from './model.js';
import type { SeededRandom } from './random.js';
import { idMaker, type Run } from './run.js';
import { dateOf, firstDayOf, monthOf } from './time.js';

/** The ROI of each lead source over the year, drawn from its range: referrals pay best, trade shows do not pay off. */
const SOURCE_ROI: Readonly<Record<string, readonly [number, number]>> = {
  referral: [2.5, 4.5],
  website: [1.2, 2.2],
  wechat: [0.8, 1.6],
  cold_call: [0.3, 0.8],
  ads: [0, 0.3],
  trade_show: [-0.25, -0.05],
};

/**
 * Marketing spend: a cost entry per lead source, currency and local month of the last 365 days, in whole yuan or
 * dollars. Each source costs what gives it its ROI over the year (drawn from {@link SOURCE_ROI}), in each currency
 * its converted leads won revenue in, so the ROI holds at any exchange rate; a month's share follows how many of the
 * source's leads came in then. A source whose leads won nothing costs ¥300 a lead, and shows it: −100 %.
 */
export function generateCosts(run: Run, random: SeededRandom, leadBook: LeadBook, dealBook: DealBook): DemoCostEntry[] {
  const { clock } = run;
  const months: (readonly [from: number, to: number])[] = [];
  for (let day = clock.today - 364; day <= clock.today;) {
    const next = firstDayOf(monthOf(day) + 1);
    months.push([day, Math.min(next - 1, clock.today)]);
    day = next;
  }
  const sources = new Map<string, { leads: number[]; won: Map<string, number> }>();
  leadBook.leads.forEach((lead, index) => {
    if (!lead.source) return;
    let source = sources.get(lead.source);
    if (!source) sources.set(lead.source, (source = { leads: months.map(() => 0.5), won: new Map() }));
    const day = clock.day(clock.index(leadBook.created[index]!));
    const month = months.findIndex(([from, to]) => day >= from && day <= to);
    if (month >= 0) source.leads[month]!++;
    const deal = dealBook.deals[leadBook.deal[index]!];
    if (deal?.status === 'won') {
      const { currency, amountMinor } = deal.amount;
      source.won.set(currency, (source.won.get(currency) ?? 0) + amountMinor);
    }
  });
  const spend = [...sources.keys()].sort().map((source) => {
    const { leads, won } = sources.get(source)!;
    const [low, high] = SOURCE_ROI[source] ?? [0.3, 1];
    const roi = random.between(low, high);
    const total = leads.reduce((sum, n) => sum + n, 0);
    const amounts =
      won.size > 0
        ? [...won].sort().map(([currency, amount]) => [currency, amount / (1 + roi)] as const)
        : ([['CNY', Math.round(total - months.length / 2) * 30_000]] as const);
    return { source, leads, total, amounts };
  });
  const entries: Omit<DemoCostEntry, 'id'>[] = [];
  months.forEach(([from, to], month) => {
    const at = run.iso(clock.at(Math.min(clock.startOf(from), run.last)));
    for (const { source, leads, total, amounts } of spend) {
      for (const [currency, amount] of amounts) {
        const amountMinor = Math.round((amount * leads[month]!) / total / 100) * 100;
        if (amountMinor === 0) continue;
        entries.push({
          source,
          from: dateOf(from),
          to: dateOf(to),
          amount: { amountMinor, currency },
          createdAt: at,
          updatedAt: at,
        });
      }
    }
  });
  const costId = idMaker('cst', entries.length);
  return entries.map((entry, index) => ({ id: costId(index), ...entry }));
}
