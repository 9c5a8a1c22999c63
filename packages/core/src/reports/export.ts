/** CSV exports of the sales reports (see `csv.ts` for quoting and formula-injection safety). */
import { toCsv } from './csv.js';
import type { LeadSourceReport, PerformanceReport, SalesTrendReport } from './sales.js';

/** The sales trend as CSV: one line per period. */
export function salesTrendCsv(report: SalesTrendReport): string {
  return toCsv([
    [
      'period',
      'start',
      'end',
      'currency',
      'wonAmountMinor',
      'dealsWon',
      'leadsCreated',
      'wonAmountChange',
      'wonAmountChangeRatio',
      'dealsWonChange',
      'leadsCreatedChange',
    ],
    ...report.periods.map((p) => [
      p.key,
      p.start,
      p.end,
      report.currency,
      p.wonAmountMinor,
      p.dealsWon,
      p.leadsCreated,
      p.change.wonAmountMinor.delta,
      p.change.wonAmountMinor.ratio,
      p.change.dealsWon.delta,
      p.change.leadsCreated.delta,
    ]),
  ]);
}

/** Lead-source analysis as CSV: one line per source (campaign empty), then one per campaign of it. */
export function leadSourcesCsv(report: LeadSourceReport): string {
  const rows: (string | number | null)[][] = [
    [
      'source',
      'campaign',
      'currency',
      'leads',
      'qualified',
      'converted',
      'dealsWon',
      'wonAmountMinor',
      'costMinor',
      'costPerLeadMinor',
      'roi',
    ],
  ];
  for (const source of report.sources) {
    const line = (campaign: string | null, m: typeof source) => [
      source.source,
      campaign,
      report.currency,
      m.leads,
      m.qualified,
      m.converted,
      m.dealsWon,
      m.wonAmountMinor,
      m.costMinor,
      m.costPerLeadMinor,
      m.roi,
    ];
    rows.push(line(null, source));
    for (const campaign of source.campaigns) rows.push(line(campaign.campaign ?? '(none)', { ...source, ...campaign }));
  }
  return toCsv(rows);
}

/** Salesperson performance as CSV: one line per user. */
export function performanceCsv(report: PerformanceReport): string {
  return toCsv([
    [
      'userId',
      'currency',
      'wonCount',
      'wonAmountMinor',
      'lostCount',
      'winRate',
      'averageDealSizeMinor',
      'averageCycleDays',
      'activitiesLogged',
      'quotaMinor',
      'quotaAttainment',
    ],
    ...report.rows.map((r) => [
      r.userId,
      report.currency,
      r.wonCount,
      r.wonAmountMinor,
      r.lostCount,
      r.winRate,
      r.averageDealSizeMinor,
      r.averageCycleDays,
      r.activitiesLogged,
      r.quotaMinor,
      r.quotaAttainment,
    ]),
  ]);
}
