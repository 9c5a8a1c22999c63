import type { CrmErrorCode } from '@crmkit/core';
import { CrmEvent } from '../internal/events.js';

export interface CrmLeadConvertedDetail {
  /** The converted lead. */
  readonly leadId: string;
  /** The customer the lead became (created, or linked). */
  readonly customerId: string;
  /** The contact created for an organisation customer. */
  readonly contactId?: string;
  /** The deal the conversion opened. */
  readonly dealId: string;
  readonly pipelineId: string;
  /** The stage the deal starts in. */
  readonly stageId: string;
  /** The user who owns the new deal. */
  readonly ownerId: string;
  /** Whether the conversion created the customer (else it linked an existing one). */
  readonly customerCreated: boolean;
  readonly contactCreated: boolean;
}

/**
 * Fired by `<crm-lead-convert>` once `crm.leads.convert` has turned the lead into a customer and a deal. Ids and
 * flags only: no name, title or amount travels in this event.
 */
export class CrmLeadConvertedEvent extends CrmEvent<CrmLeadConvertedDetail> {
  static readonly eventType = 'crm-lead-converted';
  constructor(detail: CrmLeadConvertedDetail) {
    super(CrmLeadConvertedEvent.eventType, detail);
  }
}

export interface CrmLeadConvertFailedDetail {
  readonly leadId: string;
  /**
   * The `code` of the error `crm.leads.convert` threw — `CRM_VALIDATION`, `CRM_CONFLICT`, `CRM_STAGE_GATE`,
   * `CRM_PERMISSION`, `CRM_NOT_FOUND` … — or `CRM_UNKNOWN` for anything that is not a crmkit error.
   */
  readonly code: CrmErrorCode | 'CRM_UNKNOWN';
}

/** Fired by `<crm-lead-convert>` when `crm.leads.convert` refused or failed; the form keeps what was typed. */
export class CrmLeadConvertFailedEvent extends CrmEvent<CrmLeadConvertFailedDetail> {
  static readonly eventType = 'crm-lead-convert-failed';
  constructor(detail: CrmLeadConvertFailedDetail) {
    super(CrmLeadConvertFailedEvent.eventType, detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'crm-lead-converted': CrmLeadConvertedEvent;
    'crm-lead-convert-failed': CrmLeadConvertFailedEvent;
  }
}
