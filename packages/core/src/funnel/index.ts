/**
 * The sales funnel (销售漏斗): the built-in funnel and lost reasons, pure pipeline editing helpers, stage gates, and
 * pure analytics over plain arrays of leads, deals and stage history — the funnel report (counts, amounts, cohort and
 * snapshot conversion, time in stage, velocity, win rates, lost reasons, the bottleneck, rotting deals) and the
 * weighted forecast — and the deal, pipeline and funnel-report services that run them on data loaded through the
 * storage port.
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
export { funnelReport } from './analytics.js';
export type { FunnelOptions } from './analytics.js';
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
export type { DealStageChangedEvent, PipelineStageRemovedEvent, FunnelEventMap } from './events.js';
export { DEAL_STAGE_FIELDS, createDealService } from './deal.service.js';
export type { DealService, DealWriter, MoveToStageOptions } from './deal.service.js';
export { createPipelineService } from './pipeline.service.js';
export type { PipelineService, PipelineEditOptions, RemoveStageOptions } from './pipeline.service.js';
export { createReportService } from './analytics.service.js';
export type { ReportService, FunnelReportRequest, ForecastRequest } from './analytics.service.js';
