/**
 * The lead-management events, beyond the lifecycle events (`lead.created`, `lead.updated`, `lead.deleted`). Like all
 * crmkit events they carry ids, codes, counts and field names — never names, emails, phone numbers or free text.
 */
import type { AssignmentReasonCode, AssignmentStrategyUsed } from './assignment.js';
import type { DedupeRecordKind, DedupeRuleId } from './dedupe.js';
import type { ScoreTrigger } from './schema.js';

/** What every lead event says besides its own fields. */
export interface LeadEventBase {
  /** The lead. */
  readonly id: string;
  readonly actorId: string;
  /** When, as an ISO-8601 UTC instant from the CRM's clock. */
  readonly at: string;
}

/** A lead entered the CRM through `capture` (`via: 'capture'`) or `create` (`via: 'create'`). */
export interface LeadCapturedEvent extends LeadEventBase {
  readonly via: 'capture' | 'create';
  readonly ownerId?: string;
  readonly score: number;
  /** Alert-level duplicates the lead was stored despite: their kinds, ids and the rules that matched. */
  readonly duplicates: readonly {
    readonly kind: DedupeRecordKind;
    readonly id: string;
    readonly rules: readonly DedupeRuleId[];
  }[];
  /** The consent records written with it. */
  readonly consentIds: readonly string[];
}

/** A lead was given an owner (or assignment found nobody eligible: `ownerId` absent, code `no_eligible_rep`). */
export interface LeadAssignedEvent extends LeadEventBase {
  readonly ownerId?: string;
  readonly previousOwnerId?: string;
  readonly strategy: AssignmentStrategyUsed;
  readonly code: AssignmentReasonCode;
  readonly ruleId?: string;
}

/** A lead's score changed. */
export interface LeadScoredEvent extends LeadEventBase {
  readonly score: number;
  readonly previousScore: number;
  readonly trigger: ScoreTrigger;
}

/** A lead was qualified (合格线索). */
export type LeadQualifiedEvent = LeadEventBase;

/** A lead was disqualified; the reason (free text) stays out of the event. */
export type LeadDisqualifiedEvent = LeadEventBase;

/** A lead was converted: the customer (created or linked), the contact if any, and the deal opened. */
export interface LeadConvertedEvent extends LeadEventBase {
  readonly customerId: string;
  readonly contactId?: string;
  readonly dealId: string;
  readonly pipelineId: string;
  readonly customerCreated: boolean;
  readonly contactCreated: boolean;
}

/**
 * A lead was merged: into another lead (`into: 'lead'`, `id` is the surviving lead, `mergedId` the removed one) or
 * into a customer (`into: 'customer'`, `id` is the lead, now converted, `customerId` the customer).
 */
export interface LeadMergedEvent extends LeadEventBase {
  readonly into: 'lead' | 'customer';
  readonly mergedId?: string;
  readonly customerId?: string;
  readonly contactId?: string;
  /** Field names whose values came from the merged-in record. */
  readonly fieldsTaken: readonly string[];
  readonly movedActivities: number;
  readonly movedTasks: number;
  readonly movedConsents: number;
}

/** The lead-management events by name. To be merged into `CrmEventMap`. */
export interface LeadEventMap {
  readonly 'lead.captured': LeadCapturedEvent;
  readonly 'lead.assigned': LeadAssignedEvent;
  readonly 'lead.scored': LeadScoredEvent;
  readonly 'lead.qualified': LeadQualifiedEvent;
  readonly 'lead.disqualified': LeadDisqualifiedEvent;
  readonly 'lead.converted': LeadConvertedEvent;
  readonly 'lead.merged': LeadMergedEvent;
}
export type LeadEventName = keyof LeadEventMap;
