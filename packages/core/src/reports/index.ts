/**
 * Sales reports (数据分析与报告): sales trend, lead sources with ROI per channel, salesperson performance (pure), and
 * the service that loads what they need through the port and keeps cost entries and quotas. The funnel report and
 * the forecast live with the funnel; CSV writers are the `@crmkit/core/csv` entry.
 *
 * @module
 */
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
} from './sales.js';
export {
  createSalesReportService,
  costEntryInputSchema,
  quotaInputSchema,
  COST_ENTRIES_COLLECTION,
  QUOTAS_COLLECTION,
  type SalesReportService,
  type SalesReportOptions,
  type SalesTrendOptions,
  type CostEntryInput,
  type QuotaInput,
  type StoredCostEntry,
  type StoredQuota,
} from './sales.service.js';
