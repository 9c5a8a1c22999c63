import { CrmEvent } from '../internal/events.js';

export interface CrmTaskCompleteDetail {
  readonly taskId: string;
  readonly customerId: string;
  /** The task's version as shown; pass it as `expectedVersion` so a task changed meanwhile is not overwritten. */
  readonly expectedVersion: number;
}

/**
 * Fired by `<crm-customer-360>` when the user asks to complete a task, before anything is written. Cancelable:
 * `preventDefault()` leaves the task open. Without a CRM (presentational use) this is the whole action: the host
 * completes the task and hands the element new `data`.
 */
export class CrmTaskCompleteEvent extends CrmEvent<CrmTaskCompleteDetail> {
  static readonly eventType = 'crm-task-complete';
  constructor(detail: CrmTaskCompleteDetail) {
    super(CrmTaskCompleteEvent.eventType, detail, { cancelable: true });
  }
}

export interface CrmTaskCompletedDetail {
  readonly taskId: string;
  readonly customerId: string;
  /** The task's version after completion. */
  readonly version: number;
  /** The next occurrence storage created, when the task recurs. */
  readonly nextTaskId?: string;
}

/** Fired by `<crm-customer-360>` once storage has committed a task completed in it. */
export class CrmTaskCompletedEvent extends CrmEvent<CrmTaskCompletedDetail> {
  static readonly eventType = 'crm-task-completed';
  constructor(detail: CrmTaskCompletedDetail) {
    super(CrmTaskCompletedEvent.eventType, detail);
  }
}

export interface CrmTaskReopenedDetail {
  readonly taskId: string;
  readonly customerId: string;
  /** The task's version after it was reopened. */
  readonly version: number;
}

/**
 * Fired by `<crm-customer-360>` once storage has committed the "Undo" of a completion made on it: the task is open
 * again (`crm.tasks.reopen`), off the timeline and the completed list.
 */
export class CrmTaskReopenedEvent extends CrmEvent<CrmTaskReopenedDetail> {
  static readonly eventType = 'crm-task-reopened';
  constructor(detail: CrmTaskReopenedDetail) {
    super(CrmTaskReopenedEvent.eventType, detail);
  }
}

export interface CrmTimelineLoadMoreDetail {
  readonly customerId: string;
  /**
   * Where the next page starts: with a CRM, a cursor for `crm.activities.timeline({ kind: 'customer', id }, { after
   * })`; in presentational use, the `next` of the `data.timeline` shown.
   */
  readonly after: string;
  /** How many activities the timeline shows now. */
  readonly shown: number;
  /** How the user asked: the "Load more" button, or by scrolling to the end of the timeline. */
  readonly via: 'button' | 'scroll';
}

/**
 * Fired by `<crm-customer-360>` when the user asks for the next page of the timeline. Cancelable: `preventDefault()`
 * stops the element loading it. Without a CRM this is the whole action: the host appends the page to
 * `data.timeline.records`, sets the new `next`, and hands the element the new `data`.
 */
export class CrmTimelineLoadMoreEvent extends CrmEvent<CrmTimelineLoadMoreDetail> {
  static readonly eventType = 'crm-timeline-load-more';
  constructor(detail: CrmTimelineLoadMoreDetail) {
    super(CrmTimelineLoadMoreEvent.eventType, detail, { cancelable: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'crm-task-complete': CrmTaskCompleteEvent;
    'crm-task-completed': CrmTaskCompletedEvent;
    'crm-task-reopened': CrmTaskReopenedEvent;
    'crm-timeline-load-more': CrmTimelineLoadMoreEvent;
  }
}
