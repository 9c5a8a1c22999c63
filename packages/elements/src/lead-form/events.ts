import type { CaptureOptions, CrmErrorCode, LeadCaptureInput } from '@crmkit/core';
import { CrmEvent } from '../internal/events.js';

export interface CrmLeadCapturedDetail {
  /** The id of the lead `crm.leads.capture` stored. */
  readonly leadId: string;
  /** How many existing records the lead duplicates under an `alert` rule (it was stored anyway). */
  readonly duplicates: number;
  /** The ids of the consents recorded with the lead (none when no consent was given). */
  readonly consentIds: readonly string[];
  /** The id of the note activity holding the visitor's message, when the form has a `message` field and one was typed. */
  readonly activityId?: string;
}

/**
 * Fired by `<crm-lead-form>` once `crm.leads.capture` has stored a lead (and its message, if any). Ids and a count
 * only: no name, email or phone number ever travels in this event.
 */
export class CrmLeadCapturedEvent extends CrmEvent<CrmLeadCapturedDetail> {
  static readonly eventType = 'crm-lead-captured';
  constructor(detail: CrmLeadCapturedDetail) {
    super(CrmLeadCapturedEvent.eventType, { ...detail, consentIds: Object.freeze([...detail.consentIds]) });
  }
}

export interface CrmLeadCaptureFailedDetail {
  /**
   * The `code` of the error `crm.leads.capture` threw — a `CrmErrorCode` such as `CRM_DUPLICATE`, `CRM_VALIDATION` or
   * `CRM_PERMISSION` — or `CRM_UNKNOWN` for anything that is not a crmkit error.
   */
  readonly code: CrmErrorCode | 'CRM_UNKNOWN';
}

/** Fired by `<crm-lead-form>` when `crm.leads.capture` refused or failed; the form keeps what was typed. */
export class CrmLeadCaptureFailedEvent extends CrmEvent<CrmLeadCaptureFailedDetail> {
  static readonly eventType = 'crm-lead-capture-failed';
  constructor(detail: CrmLeadCaptureFailedDetail) {
    super(CrmLeadCaptureFailedEvent.eventType, detail);
  }
}

/**
 * What `<crm-lead-form>` would hand `crm.leads.capture(lead, options)`, plus the visitor's message: also the shape of
 * the element's form value (as JSON). `lead.phone` is in E.164 (`+8613800138000`).
 */
export interface CrmLeadSubmission {
  readonly lead: Readonly<LeadCaptureInput>;
  readonly options: Readonly<CaptureOptions>;
  /** What the visitor typed into the `message` field, when shown and filled; the form captures it as `options.note`. */
  readonly message?: string;
}

export type CrmLeadSubmitDetail = CrmLeadSubmission;

/**
 * Fired by `<crm-lead-form>` in presentational use (no CRM, or `presentational` set) when a valid form is submitted:
 * the host stores the lead itself. This is the one crmkit event that carries what the person typed — it is the data
 * the host asked the form to collect.
 *
 * - Cancelable: `preventDefault()` means the host did not take the lead; the form stays filled and says nothing.
 * - `respondWith(promise)`: the form shows "Sending…" until the promise settles, then announces success (and resets)
 *   when it resolves or shows a failure, keeping what was typed, when it rejects.
 * - Neither: the form treats the lead as sent at once.
 */
export class CrmLeadSubmitEvent extends CrmEvent<CrmLeadSubmitDetail> {
  static readonly eventType = 'crm-lead-submit';
  private pending?: Promise<unknown>;

  constructor(detail: CrmLeadSubmitDetail) {
    super(CrmLeadSubmitEvent.eventType, detail, { cancelable: true });
  }

  /** Tells the form the host is storing the lead; the form waits for `response` before saying how it went. */
  respondWith(response: Promise<unknown>): void {
    this.pending = response;
  }

  /** The promise handed to `respondWith`, if any. */
  get response(): Promise<unknown> | undefined {
    return this.pending;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'crm-lead-captured': CrmLeadCapturedEvent;
    'crm-lead-capture-failed': CrmLeadCaptureFailedEvent;
    'crm-lead-submit': CrmLeadSubmitEvent;
  }
}
