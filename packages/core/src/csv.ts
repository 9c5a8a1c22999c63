/**
 * `@crmkit/core/csv`: the reports written as RFC 4180 CSV (money as integer minor units plus currency, cells that a
 * spreadsheet would run as a formula escaped), and the generic writer behind them. An entry of its own, so pages that
 * only show reports do not download it.
 *
 * @module
 */
export { csvCell, toCsv, type CsvCell } from './reports/csv.js';
export { leadSourcesCsv, performanceCsv, salesTrendCsv } from './reports/export.js';
