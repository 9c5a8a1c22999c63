import type { FunnelEventMap } from '../funnel/events.js';
import type { LeadEventMap } from '../leads/events.js';
import type { CustomerLifecycleChangedEvent } from '../lifecycle/events.js';
import type { TaskReminderEvent } from '../tasks/events.js';
import type { BackgroundErrorEvent } from './background.js';
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

/** Events of the reminder scheduler, of customer lifecycles and of failed background work. */
export interface ReminderEventMap {
  readonly 'task.reminder': TaskReminderEvent;
  readonly 'customer.lifecycleChanged': CustomerLifecycleChangedEvent;
  readonly 'background.error': BackgroundErrorEvent;
}

/** Every event name and its payload; `crm.on(name, handler)` type-checks against it. */
export type CrmEventMap = LifecycleEvents<CrmEntityName> & FunnelEventMap & LeadEventMap & ReminderEventMap;
export type CrmEventName = keyof CrmEventMap;

/** An event to emit after a transaction commits: its name and payload. */
export type PendingEvent = readonly [name: string, payload: unknown];

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

  /** Emits events collected during a transaction, in order, after it committed. */
  emitAll(events: readonly PendingEvent[]): void {
    for (const [name, payload] of events) this.emit(name as CrmEventName, payload as never);
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
