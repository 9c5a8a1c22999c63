/** The sales-funnel events (ids only: a deal's values, amount and lost reason stay out of them). */
import type { DealStatus } from '../model/deal.js';

/**
 * A deal entered another stage (`crm.deals.moveToStage`, or a stage removal that moved it). Ids and the status
 * only: the deal's values, amount and lost reason stay out of the event.
 */
export interface DealStageChangedEvent {
  readonly dealId: string;
  readonly pipelineId: string;
  readonly fromStageId: string;
  readonly toStageId: string;
  /** The stage change record written with the move. */
  readonly stageChangeId: string;
  /** The deal's status in the stage entered (its kind). */
  readonly status: DealStatus;
  /** The deal's customer; `undefined` when it has none. */
  readonly customerId: string | undefined;
  readonly actorId: string;
  /** When, as an ISO-8601 UTC instant from the CRM's clock. */
  readonly at: string;
}

/** A stage was removed from a pipeline, and the deals in it were moved to `movedToStageId`. */
export interface PipelineStageRemovedEvent {
  readonly pipelineId: string;
  readonly stageId: string;
  /** Where the stage's deals went; absent when it held none. */
  readonly movedToStageId?: string;
  /** How many deals were moved. */
  readonly movedDeals: number;
  readonly actorId: string;
  readonly at: string;
}

/** The sales-funnel events, beyond the lifecycle events every entity has. */
export interface FunnelEventMap {
  readonly 'deal.stageChanged': DealStageChangedEvent;
  readonly 'pipeline.stageRemoved': PipelineStageRemovedEvent;
}
