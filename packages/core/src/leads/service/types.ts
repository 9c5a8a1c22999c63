/** The lead service's public types: its options, what each operation takes and returns, and the service itself. */
import type { EntityService, GuardedWrite } from '../../kernel/index.js';
import type { consentStatuses, legalBases } from '../../model/compliance.js';
import type { Contact, Customer } from '../../model/customer.js';
import type { Deal } from '../../model/deal.js';
import type { Filter } from '../../filter/schema.js';
import type { AssignmentConfig, AssignmentDecision } from '../assignment.js';
import type { DedupeRulesInput, DuplicateMatch } from '../dedupe.js';
import type { CustomerMergeChoices, LeadMergeChoices } from '../merge.js';
import type { PhoneNormaliser } from '../normalise.js';
import type { ExtendedLead, ExtendedLeadInput, ExtendedLeadPatch, LEAD_MANAGED_FIELDS } from '../schema.js';
import type { LeadScore, ScoringModel } from '../scoring.js';
import type { LeadSla, SlaPolicy } from '../sla.js';

/** The collection rotation states are kept in unless the options name another. */
export const ASSIGNMENT_STATE_COLLECTION = 'assignmentState';

/** Options of {@link createLeadService}. */
export interface LeadServiceOptions {
  /**
   * The ISO 3166-1 alpha-2 region phone numbers without `+` are read in when the lead has no `country`, e.g. `CN`.
   * Without one, only international numbers (`+…`) are accepted.
   */
  readonly defaultRegion?: string;
  /** De-duplication policies per rule; defaults in `DEFAULT_DEDUPE_RULES`. */
  readonly dedupe?: DedupeRulesInput;
  /** The scoring model; `DEFAULT_SCORING_MODEL` by default. */
  readonly scoring?: ScoringModel;
  /** How `capture` and `assign` pick owners; round-robin over every user with role `rep` by default; `false`: never. */
  readonly assignment?: AssignmentConfig | false;
  /** The follow-up SLA; `DEFAULT_SLA_POLICY` (an outbound activity within 24 hours) by default. */
  readonly sla?: SlaPolicy;
  /** Where rotation states are stored; `assignmentState` by default. */
  readonly assignmentStateCollection?: string;
  /** Re-score leads when their activities or scored fields change (after commit, in the background). Default true. */
  readonly autoRescore?: boolean;
  /**
   * Phone normalisation. By default libphonenumber-js with its full metadata, loaded on demand (a separate chunk,
   * `loadPhoneNormaliser()`) the first time a write or a duplicate check carries a phone number.
   */
  readonly normalisePhone?: PhoneNormaliser;
  /** Receives background re-scoring failures; by default they are rethrown asynchronously, like event handler errors. */
  readonly onBackgroundError?: (error: unknown) => void;
}

/** One consent to record with a captured lead. */
export interface ConsentGrant {
  /** The processing purpose, e.g. `marketing_email`. */
  readonly purpose: string;
  /** Default `consent`. */
  readonly legalBasis?: (typeof legalBases)[number];
  /** The version of the wording the person saw. */
  readonly textVersion?: string;
  /** When it was given; the CRM's clock by default. */
  readonly at?: string;
  /** Default `granted`. */
  readonly status?: (typeof consentStatuses)[number];
  /** Where it was given; the capture's `source` by default. */
  readonly source?: string;
}

/** Options of {@link LeadService.capture}. */
export interface CaptureOptions {
  /** The channel, e.g. `web`, `referral`, `trade_show`. */
  readonly source: string;
  readonly campaign?: string;
  readonly consent?: ConsentGrant | readonly ConsentGrant[];
  /**
   * What the lead wrote (a contact form's message): stored as an inbound `note` activity on the lead, in the same
   * transaction as the lead, so a lead is never stored without it or it without the lead.
   */
  readonly note?: string;
}

/** What `capture` and `create` accept: a lead without the fields the service manages. */
export type LeadCaptureInput = Omit<ExtendedLeadInput, (typeof LEAD_MANAGED_FIELDS)[number]>;

/** What {@link LeadService.capture} returns. */
export interface CaptureResult {
  readonly lead: ExtendedLead;
  /** Alert-level duplicates the lead was stored despite, strongest first. */
  readonly duplicates: readonly DuplicateMatch[];
  /** How the owner was chosen; absent when assignment is off and no owner was named. */
  readonly assignment?: AssignmentDecision;
  /** The score and the rules behind it. */
  readonly score: LeadScore;
  readonly consentIds: readonly string[];
  /** The note activity holding `note`, when one was given. */
  readonly noteId?: string;
}

/** Options of {@link LeadService.merge}. */
export interface MergeOptions {
  /** Which lead each field's value comes from; by default the survivor's, or the other's where the survivor has none. */
  readonly fields?: LeadMergeChoices;
  /** The versions last read; a stale one gets `ConflictError` and nothing is written. */
  readonly expectedVersions?: { readonly survivor?: number; readonly other?: number };
}

/** What {@link LeadService.merge} returns. */
export interface MergeResult {
  readonly lead: ExtendedLead;
  readonly mergedId: string;
  readonly fieldsTaken: readonly string[];
  readonly movedActivities: number;
  readonly movedTasks: number;
  readonly movedConsents: number;
}

/** Options of {@link LeadService.mergeIntoCustomer}. */
export interface MergeIntoCustomerOptions {
  /** Which customer fields take the lead's value; by default the customer keeps its own. */
  readonly fields?: CustomerMergeChoices;
  /** For an organisation: the contact the lead is (its emails and phones gain the lead's); else one is created. */
  readonly contactId?: string;
  readonly expectedVersion?: number;
}

/** What {@link LeadService.mergeIntoCustomer} returns. */
export interface MergeIntoCustomerResult {
  readonly lead: ExtendedLead;
  readonly customer: Customer;
  readonly contact?: Contact;
  readonly fieldsTaken: readonly string[];
  readonly movedActivities: number;
  readonly movedTasks: number;
  readonly movedConsents: number;
}

/** Deal values {@link LeadService.convert} accepts; the customer, pipeline and status are its own. */
export interface ConvertDealValues {
  readonly title?: string;
  readonly amount?: { readonly amountMinor: number; readonly currency: string };
  /** An open stage of the pipeline; its first open stage by default. */
  readonly stageId?: string;
  readonly expectedCloseDate?: string;
  readonly ownerId?: string;
  readonly source?: string;
  readonly customFields?: Readonly<Record<string, unknown>>;
}

/** Options of {@link LeadService.convert}. */
export interface ConvertOptions {
  /** The pipeline of the deal; the pipeline marked `isDefault`, else the built-in one. */
  readonly pipelineId?: string;
  readonly deal?: ConvertDealValues;
  /** Link this existing customer instead of creating one. */
  readonly customerId?: string;
  /** For an organisation customer: link this existing contact instead of creating one. */
  readonly contactId?: string;
  /** Values for a customer created by the conversion (e.g. required custom fields). */
  readonly customer?: Readonly<Record<string, unknown>>;
  /** Values for a contact created by the conversion. */
  readonly contact?: Readonly<Record<string, unknown>>;
  readonly expectedVersion?: number;
}

/** What {@link LeadService.convert} returns. */
export interface ConvertResult {
  readonly lead: ExtendedLead;
  readonly customer: Customer;
  readonly contact?: Contact;
  readonly deal: Deal;
  readonly customerCreated: boolean;
  readonly contactCreated: boolean;
}

/** What {@link LeadService.assign} returns. */
export interface AssignResult {
  readonly lead: ExtendedLead;
  readonly decision: AssignmentDecision;
}

/** What {@link LeadService.rescore} returns. */
export interface RescoreResult {
  readonly lead: ExtendedLead;
  readonly score: LeadScore;
  /** False when the score was already current (nothing was written). */
  readonly changed: boolean;
}

/** Input of {@link LeadService.findDuplicates}: contact data to check, not yet stored. */
export interface DuplicateQuery {
  readonly name?: string;
  readonly company?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly country?: string;
}

/** Leads: CRUD, plus capture, de-duplication, merging, scoring, assignment, qualification, conversion and the SLA. */
export interface LeadService extends EntityService<ExtendedLeadInput, ExtendedLead, ExtendedLeadPatch> {
  /**
   * Captures a lead: validates, normalises (names trimmed, email lower-cased, phone in E.164), checks duplicates
   * (`DuplicateError` for `block` matches; `alert` matches are returned), scores, assigns (unless the input names an
   * owner), records the consents, and emits `lead.created`, `lead.captured` and `lead.assigned` — all written in one
   * transaction.
   *
   * @throws ValidationError naming the field (also for fields the service manages, e.g. `score`); DuplicateError;
   * PermissionError for a viewer.
   */
  capture(input: LeadCaptureInput, options: CaptureOptions): Promise<CaptureResult>;
  /**
   * Like `capture` without intake options: normalised, de-duplicated (`block` throws; `alert` matches go into the
   * `lead.captured` event) and scored; the owner defaults to the acting user, as for any entity.
   */
  create(input: LeadCaptureInput): Promise<ExtendedLead>;
  /**
   * As for any entity, with `name`, `email` and `phone` normalised. Managed fields (`score`, `convertedDealId`, …) and
   * the statuses `qualified`, `disqualified`, `converted` are refused: use the operations that set them. Duplicates
   * are not re-checked on update: call `findDuplicates(id)` after changing contact data.
   */
  update(id: string, patch: ExtendedLeadPatch, options: { readonly expectedVersion: number }): Promise<ExtendedLead>;
  /** The records (leads, customers, contacts) a stored lead, or contact data, duplicates, under every rule not `allow`. */
  findDuplicates(leadIdOrData: string | DuplicateQuery): Promise<DuplicateMatch[]>;
  /**
   * Merges `otherId` into `survivorId`: fields as chosen, every activity, task and consent moved to the survivor, the
   * survivor re-scored, the other lead deleted — in one transaction, audited. Converted leads cannot be merged.
   */
  merge(survivorId: string, otherId: string, options?: MergeOptions): Promise<MergeResult>;
  /**
   * Merges a lead into an existing customer: chosen fields, the lead's email and phone added (to the customer, or for
   * an organisation to the contact, created when not named), activities, tasks and consents moved; the lead becomes
   * `converted` with `convertedCustomerId`. One transaction, audited.
   */
  mergeIntoCustomer(
    leadId: string,
    customerId: string,
    options?: MergeIntoCustomerOptions,
  ): Promise<MergeIntoCustomerResult>;
  /** The lead's score and its explanation now, without writing. */
  score(leadId: string): Promise<LeadScore>;
  /** Re-computes and stores the lead's score, appending to its history when it changed; emits `lead.scored`. */
  rescore(leadId: string): Promise<RescoreResult>;
  /** Re-scores every lead matching `where` (open leads by default), e.g. daily so recency decay shows. */
  rescoreAll(options?: { readonly where?: Filter }): Promise<{ readonly rescored: number; readonly changed: number }>;
  /**
   * Assigns the lead: to `ownerId` when given (an inactive user is refused), else by the configured strategy. The
   * decision and its reason are returned, kept on the lead (`assignment`) and emitted as `lead.assigned`. When nobody
   * is eligible the owner is unchanged and the decision says so. At the lead's version last read (`expectedVersion`)
   * or with `force: true`.
   */
  assign(leadId: string, options: GuardedWrite & { readonly ownerId?: string }): Promise<AssignResult>;
  /**
   * Marks the lead qualified (合格线索): from `new`, `working` or `disqualified`. Emits `lead.qualified`. At the lead's
   * version last read (`expectedVersion`) or with `force: true`.
   */
  qualify(leadId: string, options: GuardedWrite): Promise<ExtendedLead>;
  /**
   * Marks the lead disqualified with a reason: from `new`, `working` or `qualified`. Emits `lead.disqualified`. At the
   * lead's version last read (`expectedVersion`) or with `force: true`.
   */
  disqualify(leadId: string, options: GuardedWrite & { readonly reason: string }): Promise<ExtendedLead>;
  /**
   * Converts the lead: creates (or links) the customer — an organisation named after the company with the person as
   * its contact, or a person — and opens a deal in the pipeline's first open stage; moves the lead's activities,
   * tasks and consents to the customer; marks the lead `converted`. One transaction: if any step fails (validation,
   * a stage gate, storage), nothing is created.
   */
  convert(leadId: string, options?: ConvertOptions): Promise<ConvertResult>;
  /** The lead's follow-up SLA: due time, first follow-up, state. */
  sla(leadId: string): Promise<LeadSla>;
  /** Open leads past their follow-up due time without a follow-up, most overdue first. */
  overdue(options?: { readonly limit?: number }): Promise<LeadSla[]>;
  /** Resolves when background re-scoring queued so far has finished (`crm.settled()` waits for it too). */
  settled(): Promise<void>;
  /** @deprecated Use `settled()` (or `crm.settled()`, which waits for all background work); kept for one release. */
  whenIdle(): Promise<void>;
  /** Stops listening for events (background re-scoring). */
  dispose(): void;
}
