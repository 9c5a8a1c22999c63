/**
 * The sales funnel (销售漏斗): the built-in funnel and lost reasons, pure pipeline editing helpers, stage gates, and
 * pure analytics over plain arrays of leads, deals and stage history — the funnel report (counts, amounts, cohort and
 * snapshot conversion, time in stage, velocity, win rates, lost reasons, the bottleneck, rotting deals) and the
 * weighted forecast. `crm.reports` runs the same functions on data loaded through the storage port.
 *
 * @module
 */
export {
  DEFAULT_PIPELINE_ID,
  DEFAULT_PIPELINE,
  DEFAULT_LEAD_STEPS,
  DEFAULT_LOST_REASONS,
  DEFAULT_LOST_REASON_CODES,
  lostReasonCodeSchema,
  lostReasonsSchema,
  stageUpdateSchema,
  addStage,
  removeStage,
  reorderStages,
  updateStage,
} from './pipeline.js';
export type { PipelineDefinition, LeadStep, LostReason, StageUpdate } from './pipeline.js';
export { checkStageGate, gatesAhead, stageGateFields } from './gate.js';
export type { GateAhead, StageGateResult } from './gate.js';
export { exchangeRatesSchema, currencyConversionSchema, conversionFactors } from '../money/exchange.js';
export type { ExchangeRates, CurrencyConversion, MoneyTotals } from '../money/exchange.js';
export { zonedCalendar } from './calendar.js';
export type { ZonedCalendar } from './calendar.js';
export { funnelReport } from './report.js';
export type { FunnelOptions } from './report.js';
export { findBottleneck } from './bottleneck.js';
export type { BottleneckOptions } from './bottleneck.js';
export { rottingDeals } from './rotting.js';
export type { RottingOptions } from './rotting.js';
export { weightedForecast } from './forecast.js';
export type {
  ForecastDeal,
  ForecastInput,
  ForecastOptions,
  ForecastOpen,
  ForecastMonth,
  Forecast,
} from './forecast.js';
export type {
  FunnelDeal,
  FunnelStageChange,
  FunnelLead,
  FunnelPipeline,
  FunnelInput,
  FunnelCounts,
  DwellStats,
  FunnelStepReport,
  FunnelOutcomes,
  LeadOutcomes,
  OverallConversion,
  WinRate,
  LostReasonCount,
  SalesVelocity,
  Bottleneck,
  RottingDeal,
  CohortMonth,
  FunnelReport,
} from './types.js';
