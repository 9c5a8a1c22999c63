import type { CustomerLifecycleChangedEvent } from './customers.js';
import type { TaskReminderEvent } from '../reminders/index.js';
import type { LeadEventMap } from '../leads/events.js';
/**
 * Domain events. Payloads carry ids and field names only, never record values: events travel to analytics, logs and
 * other tabs, where personal data must not follow.
 */

/** The entities the CRM services manage, by event prefix. */
export type CrmEntityName =
  | 'customer'
  | 'contact'
  | 'lead'
  | 'deal'
  | 'pipeline'
  | 'activity'
  | 'task'
  | 'user'
  | 'team'
  | 'customFieldDefinition'
  | 'segment';

/** What every domain event says. */
export interface CrmEventBase {
  readonly entity: CrmEntityName;
  readonly id: string;
  /** Who did it. */
  readonly actorId: string;
  /** When, as an ISO-8601 UTC instant from the CRM's clock. */
  readonly at: string;
}

/** An update's event also names the fields that changed. */
export interface CrmUpdatedEvent extends CrmEventBase {
  readonly changedFields: readonly string[];
}

type LifecycleEvents<E extends CrmEntityName> = {
  [K in `${E}.created` | `${E}.deleted`]: CrmEventBase;
} & { [K in `${E}.updated`]: CrmUpdatedEvent };

/**
 * A deal entered another stage (`crm.deals.moveToStage`, or a stage removal that moved it). Ids only: the deal's
 * values, amount and lost reason stay out of the event.
 */
export interface DealStageChangedEvent {
  readonly dealId: string;
  readonly pipelineId: string;
  readonly fromStageId: string;
  readonly toStageId: string;
  /** The stage change record written with the move. */
  readonly stageChangeId: string;
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

/** Every event name and its payload; `crm.on(name, handler)` type-checks against it. */
/** Events of the reminder scheduler and of customer lifecycles. */
export interface ReminderEventMap {
  readonly 'task.reminder': TaskReminderEvent;
  readonly 'customer.lifecycleChanged': CustomerLifecycleChangedEvent;
}

export type CrmEventMap = LifecycleEvents<CrmEntityName> & FunnelEventMap & LeadEventMap & ReminderEventMap;
export type CrmEventName = keyof CrmEventMap;

/** A minimal typed emitter: handlers run after the change has committed; one failing handler does not stop others. */
export class CrmEvents {
  readonly #handlers = new Map<string, Set<(payload: never) => void>>();

  on<N extends CrmEventName>(name: N, handler: (payload: CrmEventMap[N]) => void): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => void set.delete(handler as (payload: never) => void);
  }

  /** Drops every handler. */
  clear(): void {
    this.#handlers.clear();
  }

  emit<N extends CrmEventName>(name: N, payload: CrmEventMap[N]): void {
    for (const handler of this.#handlers.get(name) ?? []) {
      try {
        (handler as (payload: CrmEventMap[N]) => void)(payload);
      } catch (error) {
        // The write is already committed; report the handler's bug without undoing it or starving the others.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
