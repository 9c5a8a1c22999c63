export { csvCell, toCsv, type CsvCell } from './csv.js';
export { granularities, periodsBetween, type Granularity, type Period } from './periods.js';
export {
  leadSourceAnalysis,
  salesPerformance,
  salesTrend,
  type Change,
  type CostEntry,
  type LeadSourceMetrics,
  type LeadSourceReport,
  type LeadSourceRow,
  type PerformanceReport,
  type PerformanceRow,
  type Quota,
  type ReportActivity,
  type ReportDeal,
  type ReportLead,
  type ReportMoney,
  type ReportRange,
  type SalesTrendPeriod,
  type SalesTrendReport,
} from './reports.js';
export { leadSourcesCsv, performanceCsv, salesTrendCsv } from './export.js';
