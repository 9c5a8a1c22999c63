/**
 * The lead service (线索管理): capture → normalise → de-duplicate → score → assign → qualify/disqualify → convert to
 * customer, contact and deal, plus merging and the follow-up SLA. It composes the generic entity service for CRUD and
 * runs the pure functions of `leads/` on data loaded through the storage port. Every operation that writes more than
 * one record writes them in one transaction, with their audit entries: all or nothing.
 */
import * as z from 'zod/mini';
import {
  ConflictError,
  NotFoundError,
  StageGateError,
  ValidationError,
  type ValidationIssue,
} from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { Filter } from '../filter/index.js';
import { checkStageGate } from '../funnel/gate.js';
import { DEFAULT_PIPELINE_ID } from '../funnel/pipeline.js';
import { activityInputSchema, activitySchema, taskInputSchema, type Activity } from '../model/activity.js';
import { consentInputSchema, legalBases, consentStatuses } from '../model/compliance.js';
import { withCustomFields, type CustomFieldEntity } from '../model/custom-fields.js';
import {
  contactInputSchema,
  contactPatchSchema,
  contactSchema,
  customerInputSchema,
  customerPatchSchema,
  customerSchema,
  type Contact,
  type Customer,
} from '../model/customer.js';
import { dealInputSchema, dealPatchSchema, dealSchema, type Deal } from '../model/deal.js';
import {
  countryCodeSchema,
  emailSchema,
  idSchema,
  instantSchema,
  longTextSchema,
  nameSchema,
  phoneSchema,
  sourceSchema,
  trimmedString,
} from '../model/primitives.js';
import { userSchema } from '../model/user.js';
import type { StorageOperations, StoredRecord } from '../storage/port.js';
import { collectionNameSchema } from '../storage/query.js';
import {
  DEFAULT_STATE_KEY,
  decideAssignment,
  explicitAssignment,
  parseAssignmentConfig,
  rotationStateSchema,
  ruleStateKey,
  type AssignmentCandidate,
  type AssignmentConfig,
  type AssignmentDecision,
  type RotationState,
} from '../leads/assignment.js';
import {
  findDuplicateMatches,
  partitionMatches,
  resolveDedupeRules,
  toDedupeRecord,
  type DedupeRecord,
  type DedupeRulesInput,
  type DedupeSource,
  type DedupeSubject,
  type DuplicateMatch,
} from '../leads/dedupe.js';
import { DuplicateError } from '../leads/errors.js';
import type { LeadEventMap } from '../leads/events.js';
import {
  mergeLeadFields,
  mergeLeadIntoCustomerFields,
  unionContactPoints,
  type CustomerMergeChoices,
  type LeadMergeChoices,
} from '../leads/merge.js';
import { normaliseLeadFields, type NormaliseOptions, type PhoneNormaliser } from '../leads/normalise.js';
import {
  FREELY_SET_STATUSES,
  LEAD_MANAGED_FIELDS,
  OPEN_LEAD_STATUSES,
  SCORE_HISTORY_MAX,
  extendedLeadInputSchema,
  extendedLeadPatchSchema,
  extendedLeadSchema,
  type ExtendedLead,
  type ExtendedLeadInput,
  type ExtendedLeadPatch,
  type ScoreHistoryEntry,
  type ScoreTrigger,
} from '../leads/schema.js';
import {
  DEFAULT_SCORING_MODEL,
  parseScoringModel,
  scoreLead,
  scoringFields,
  type LeadScore,
  type ScoringModel,
} from '../leads/scoring.js';
import { leadSla, overdueLeads, resolveSlaPolicy, type LeadSla, type SlaPolicy } from '../leads/sla.js';
import { changedFieldNames } from './audit.js';
import type { CrmContext } from './context.js';
import { createEntityService, type EntityService } from './entity-service.js';
import { countryField, createPhoneReader, hasPhoneStrings, normalisePhoneList } from './phones.js';
import { fromStorage, loadAll, pipelineForWrite, recordStageChange, withoutMeta } from './stage-moves.js';

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
   * is eligible the owner is unchanged and the decision says so.
   */
  assign(
    leadId: string,
    options?: { readonly ownerId?: string; readonly expectedVersion?: number },
  ): Promise<AssignResult>;
  /** Marks the lead qualified (合格线索): from `new`, `working` or `disqualified`. Emits `lead.qualified`. */
  qualify(leadId: string, options?: { readonly expectedVersion?: number }): Promise<ExtendedLead>;
  /** Marks the lead disqualified with a reason: from `new`, `working` or `qualified`. Emits `lead.disqualified`. */
  disqualify(
    leadId: string,
    options: { readonly reason: string; readonly expectedVersion?: number },
  ): Promise<ExtendedLead>;
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
  /** Resolves when background re-scoring queued so far has finished. */
  whenIdle(): Promise<void>;
  /** Stops listening for events (background re-scoring). */
  dispose(): void;
}

const optionsSchema = z.strictObject({
  defaultRegion: z.optional(countryCodeSchema),
  dedupe: z.optional(z.unknown()),
  scoring: z.optional(z.unknown()),
  assignment: z.optional(z.unknown()),
  sla: z.optional(z.unknown()),
  assignmentStateCollection: z.optional(collectionNameSchema),
  autoRescore: z.optional(z.boolean()),
  normalisePhone: z.optional(z.custom<PhoneNormaliser>((value) => typeof value === 'function', 'Expected a function')),
  onBackgroundError: z.optional(
    z.custom<(error: unknown) => void>((value) => typeof value === 'function', 'Expected a function'),
  ),
});

const consentGrantSchema = z.strictObject({
  purpose: trimmedString(100),
  legalBasis: z.optional(z.enum(legalBases)),
  textVersion: z.optional(trimmedString(100)),
  at: z.optional(instantSchema),
  status: z.optional(z.enum(consentStatuses)),
  source: z.optional(trimmedString(200)),
});

const captureOptionsSchema = z.strictObject({
  source: sourceSchema,
  campaign: z.optional(nameSchema),
  consent: z.optional(z.union([consentGrantSchema, z.array(consentGrantSchema).check(z.maxLength(20))])),
  note: z.optional(longTextSchema),
});

const versionSchema = z.optional(z.int().check(z.positive()));

const mergeOptionsSchema = z.strictObject({
  fields: z.optional(z.unknown()),
  expectedVersions: z.optional(z.strictObject({ survivor: versionSchema, other: versionSchema })),
});

const mergeIntoCustomerOptionsSchema = z.strictObject({
  fields: z.optional(z.unknown()),
  contactId: z.optional(idSchema),
  expectedVersion: versionSchema,
});

const CONVERT_DEAL_FIELDS = [
  'title',
  'amount',
  'stageId',
  'expectedCloseDate',
  'ownerId',
  'source',
  'customFields',
] as const;

const convertOptionsSchema = z.strictObject({
  pipelineId: z.optional(idSchema),
  deal: z.optional(dealPatchSchema),
  customerId: z.optional(idSchema),
  contactId: z.optional(idSchema),
  customer: z.optional(customerPatchSchema),
  contact: z.optional(contactPatchSchema),
  expectedVersion: versionSchema,
});

const duplicateQuerySchema = z.strictObject({
  name: z.optional(nameSchema),
  company: z.optional(nameSchema),
  email: z.optional(emailSchema),
  phone: z.optional(phoneSchema),
  country: z.optional(countryCodeSchema),
});

const assignOptionsSchema = z.strictObject({ ownerId: z.optional(idSchema), expectedVersion: versionSchema });
const qualifyOptionsSchema = z.strictObject({ expectedVersion: versionSchema });
const disqualifyOptionsSchema = z.strictObject({ reason: trimmedString(2000), expectedVersion: versionSchema });

const storedStateSchema = z.object({ ...rotationStateSchema.shape, scope: z.literal('leads'), key: z.string() });

const eq = (field: string, value: string): Filter => ({ field, op: 'eq', value });
const openLeadsFilter: Filter = { field: 'status', op: 'in', values: [...OPEN_LEAD_STATUSES] };

/** True for a non-null, non-array object. */
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own string property, or `undefined`. */
const stringField = (record: Record<string, unknown>, key: string): string | undefined => {
  const value = Object.hasOwn(record, key) ? record[key] : undefined;
  return typeof value === 'string' ? value : undefined;
};

/** Own string-array property (non-strings dropped). */
const stringsField = (record: Record<string, unknown>, key: string): string[] => {
  const value = Object.hasOwn(record, key) ? record[key] : undefined;
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
};

/** A stored record as de-duplication reads it; only string fields are read, so a malformed record cannot break it. */
function dedupeSource(record: Record<string, unknown>, company?: string): DedupeSource {
  const pick = (key: string) => stringField(record, key);
  const companyName = company ?? pick('company');
  return {
    id: String(record['id']),
    ...(pick('name') === undefined ? {} : { name: pick('name')! }),
    ...(companyName === undefined ? {} : { company: companyName }),
    ...(pick('email') === undefined ? {} : { email: pick('email')! }),
    ...(pick('phone') === undefined ? {} : { phone: pick('phone')! }),
    ...(pick('country') === undefined ? {} : { country: pick('country')! }),
    emails: stringsField(record, 'emails'),
    phones: stringsField(record, 'phones'),
  };
}

/** Refuses managed fields and statuses set by their own operations; ValidationError naming each. */
function refuseManagedFields(input: unknown, context: string): void {
  if (!isObject(input)) return;
  const issues: ValidationIssue[] = LEAD_MANAGED_FIELDS.filter(
    (key) => Object.hasOwn(input, key) && input[key] !== undefined,
  ).map((key) => ({ path: [key], message: 'Set by the lead service, not by input' }));
  const status = Object.hasOwn(input, 'status') ? input['status'] : undefined;
  if (status !== undefined && !(FREELY_SET_STATUSES as readonly unknown[]).includes(status)) {
    issues.push({ path: ['status'], message: 'Expected new or working: use qualify, disqualify or convert' });
  }
  if (issues.length > 0) throw new ValidationError(issues, context);
}

/** A lead's de-duplication subject: its name, company, email and phone. */
function subjectOf(lead: Record<string, unknown>): DedupeSubject {
  const email = stringField(lead, 'email');
  const phone = stringField(lead, 'phone');
  return {
    ...(stringField(lead, 'name') === undefined ? {} : { name: stringField(lead, 'name')! }),
    ...(stringField(lead, 'company') === undefined ? {} : { company: stringField(lead, 'company')! }),
    emails: email === undefined ? [] : [email],
    phones: phone === undefined ? [] : [phone],
  };
}

/** The history entry of a score. */
function historyEntry(score: LeadScore, trigger: ScoreTrigger, at: string): ScoreHistoryEntry {
  return {
    at,
    score: score.score,
    trigger,
    rules: score.contributions
      .filter((contribution) => contribution.points !== 0)
      .map((contribution) => ({ ruleId: contribution.ruleId, points: contribution.points })),
  };
}

/** `lead` with `score` applied: the score set and, when it changed, a history entry appended (oldest dropped). */
function withScore(
  lead: Record<string, unknown>,
  score: LeadScore,
  trigger: ScoreTrigger,
  at: string,
): { next: Record<string, unknown>; changed: boolean } {
  const history = (Array.isArray(lead['scoreHistory']) ? lead['scoreHistory'] : []) as ScoreHistoryEntry[];
  const entry = historyEntry(score, trigger, at);
  const last = history[history.length - 1];
  const sameRules = last !== undefined && JSON.stringify(last.rules) === JSON.stringify(entry.rules);
  const changed = lead['score'] !== score.score || last === undefined || !sameRules;
  if (!changed) return { next: lead, changed };
  return {
    next: { ...lead, score: score.score, scoreHistory: [...history, entry].slice(-SCORE_HISTORY_MAX) },
    changed,
  };
}

/** Events to emit after a commit, in order. */
type PendingEvent = readonly [name: string, payload: unknown];

/** Builds the lead service over the CRM's context. Options are validated here (`ValidationError` naming the option). */
export function createLeadService(context: CrmContext, options: LeadServiceOptions = {}): LeadService {
  const opts = parseOrThrow(optionsSchema, options, 'lead service options');
  const dedupeRules = resolveDedupeRules(opts.dedupe as DedupeRulesInput | undefined);
  const scoringModel = opts.scoring === undefined ? DEFAULT_SCORING_MODEL : parseScoringModel(opts.scoring);
  const assignmentConfig = opts.assignment === false ? false : parseAssignmentConfig(opts.assignment);
  const slaPolicy = resolveSlaPolicy(opts.sla);
  const stateCollection = opts.assignmentStateCollection ?? ASSIGNMENT_STATE_COLLECTION;
  const phones = createPhoneReader(opts);
  /** Normalisation options, with `normalisePhone` (loaded before any transaction opens) when a phone is read. */
  const normaliseOptions = (normalisePhone: PhoneNormaliser | undefined, region = opts.defaultRegion) =>
    ({
      ...(normalisePhone === undefined ? {} : { normalisePhone }),
      ...(region === undefined ? {} : { defaultRegion: region }),
    }) satisfies NormaliseOptions;
  /** The phone normaliser when `record` carries a phone number as a string, else `undefined` (nothing is loaded). */
  const normaliserFor = async (record: Record<string, unknown>): Promise<PhoneNormaliser | undefined> =>
    typeof record['phone'] === 'string' ? phones.normaliser() : undefined;
  const scoredFields = new Set(scoringFields(scoringModel));

  const base = createEntityService(context, {
    name: 'lead',
    collection: 'leads',
    schemas: { input: extendedLeadInputSchema, record: extendedLeadSchema, patch: extendedLeadPatchSchema },
    ownerField: 'ownerId',
    customFields: 'lead',
  });

  // Pending events are kept as [name, payload] pairs; `emit` is bound because CrmEvents uses a private field.
  const emitAny = (context.events.emit as unknown as (name: string, payload: unknown) => void).bind(context.events);
  const emit = <N extends keyof LeadEventMap>(name: N, payload: LeadEventMap[N]) => emitAny(name, payload);
  const flush = (events: readonly PendingEvent[]) => {
    for (const [name, payload] of events) emitAny(name, payload);
  };

  const schemaFor = async <S extends z.ZodMiniObject<{ customFields: z.core.$ZodType }, z.core.$strip>>(
    tx: StorageOperations,
    schema: S,
    entity: CustomFieldEntity,
  ): Promise<S> => withCustomFields(schema, await context.customFieldDefinitions(tx, entity));
  const leadSchemaFor = (tx: StorageOperations) => schemaFor(tx, extendedLeadInputSchema, 'lead');
  const toLead = (record: unknown) => fromStorage(extendedLeadSchema, record, 'lead');

  /** The stored lead; `NotFoundError` when there is none, `ConflictError` when it is not at `expectedVersion`. */
  const loadLead = async (ops: StorageOperations, id: string, expectedVersion?: number): Promise<StoredRecord> => {
    const record = await ops.get('leads', id);
    if (!record) throw new NotFoundError('leads', id);
    if (expectedVersion !== undefined && record.version !== expectedVersion) {
      throw new ConflictError('leads', id, expectedVersion, record.version);
    }
    return record;
  };

  const loadActivities = async (ops: StorageOperations, leadId: string): Promise<Activity[]> =>
    (await loadAll(ops, 'activities', eq('leadId', leadId))).map((record) =>
      fromStorage(activitySchema, record, 'activity'),
    );

  const computeScore = (lead: object, activities: readonly Activity[]): LeadScore =>
    scoreLead(lead, activities, scoringModel, context.now());

  /**
   * Every record a lead is compared with: leads (not converted), customers, and contacts with their company. Their
   * phones are read with `normalisePhone` when the subject has a phone to compare (the caller loads it before any
   * transaction opens); without it they are compared as stored (E.164), which matters to no rule then.
   */
  const dedupeRecords = async (
    tx: StorageOperations,
    normalisePhone: PhoneNormaliser | undefined,
  ): Promise<DedupeRecord[]> => {
    const phoneOptions = normaliseOptions(normalisePhone);
    const records: DedupeRecord[] = [];
    for (const lead of await loadAll(tx, 'leads', { field: 'status', op: 'ne', value: 'converted' })) {
      records.push(toDedupeRecord('lead', dedupeSource(lead), phoneOptions));
    }
    const customerNames = new Map<string, string>();
    for (const customer of await loadAll(tx, 'customers', undefined)) {
      const organisation = customer['kind'] === 'organisation';
      const name = stringField(customer, 'name');
      if (organisation && name !== undefined) customerNames.set(customer.id, name);
      // An organisation is not a person: it matches by email and phone only (no name), with its name as company.
      const source = dedupeSource(customer, organisation ? name : undefined);
      const { name: _name, ...withoutName } = source;
      records.push(toDedupeRecord('customer', organisation ? withoutName : source, phoneOptions));
    }
    for (const contact of await loadAll(tx, 'contacts', undefined)) {
      const company = customerNames.get(String(contact['customerId']));
      records.push(toDedupeRecord('contact', dedupeSource(contact, company), phoneOptions));
    }
    return records;
  };

  // ---- assignment -------------------------------------------------------------------------------------------------

  const stateId = (key: string) => `leads:${key}`;

  /** Decides an owner inside `tx`: loads reps, their open leads (not counting `excludeLeadId`) and rotation states. */
  const decide = async (tx: StorageOperations, lead: object, config: AssignmentConfig, excludeLeadId?: string) => {
    const users = new Map<string, StoredRecord>();
    const reps: string[] = [];
    if (config.repIds === undefined) {
      for (const user of await loadAll(tx, 'users', eq('role', 'rep'))) {
        users.set(user.id, user);
        reps.push(user.id);
      }
    }
    const named = [...new Set([...(config.repIds ?? []), ...(config.rules ?? []).flatMap((rule) => rule.repIds)])];
    const missing = named.filter((id) => !users.has(id));
    for (const user of await tx.getMany('users', missing)) if (user) users.set(user.id, user);
    const candidates: AssignmentCandidate[] = [];
    for (const record of users.values()) {
      const user = fromStorage(userSchema, record, 'user');
      const conditions: Filter[] = [eq('ownerId', user.id), openLeadsFilter];
      if (excludeLeadId !== undefined) conditions.push({ field: 'id', op: 'ne', value: excludeLeadId });
      candidates.push({
        id: user.id,
        active: user.active,
        ...(user.capacity === undefined ? {} : { capacity: user.capacity }),
        openLeads: await tx.count('leads', { all: conditions }),
      });
    }
    const keys = [DEFAULT_STATE_KEY, ...(config.rules ?? []).map((rule) => ruleStateKey(rule.id))];
    const stored = await tx.getMany(stateCollection, keys.map(stateId));
    const states: Record<string, RotationState> = {};
    const versions = new Map<string, number>();
    keys.forEach((key, index) => {
      const record = stored[index];
      if (!record) return;
      const state = fromStorage(storedStateSchema, record, 'assignment state');
      states[key] = { passes: state.passes, globalPass: state.globalPass };
      versions.set(key, record.version);
    });
    // Without a configured pool, the default pool is every user with role `rep`, in id order.
    const effective: AssignmentConfig = { ...config, repIds: config.repIds ?? reps.sort() };
    const outcome = decideAssignment({ lead, candidates, config: effective, states, now: context.now() });
    for (const [key, state] of Object.entries(outcome.states)) {
      await tx.put(
        stateCollection,
        { id: stateId(key), scope: 'leads', key, passes: state.passes, globalPass: state.globalPass },
        { expectedVersion: versions.get(key) ?? 0 },
      );
    }
    return outcome.decision;
  };

  const assignmentRecord = (decision: AssignmentDecision, at: string) => ({
    strategy: decision.strategy,
    code: decision.code,
    ...(decision.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
    at,
  });

  // ---- moving related records -------------------------------------------------------------------------------------

  type MoveTarget =
    | { readonly kind: 'lead'; readonly id: string }
    | { readonly kind: 'customer'; readonly customerId: string; readonly contactId?: string };

  /** Re-points the lead's activities, tasks and consents at `target`, audited; returns the events to emit. */
  const moveRelated = async (tx: StorageOperations, leadId: string, target: MoveTarget, at: string) => {
    const events: PendingEvent[] = [];
    const write = async (
      collection: string,
      record: StoredRecord,
      change: Record<string, unknown>,
      schema: z.ZodMiniType,
    ) => {
      const before = withoutMeta(record);
      const next = parseOrThrow(schema, { ...before, ...change }, collection) as Record<string, unknown>;
      const changedFields = changedFieldNames(before, next);
      await tx.put<Record<string, unknown>>(
        collection,
        { ...next, id: record.id },
        { expectedVersion: record.version },
      );
      await context.audit(tx, { action: 'update', entity: collection, entityId: record.id, at, changedFields });
      return changedFields;
    };
    const activities = await loadAll(tx, 'activities', eq('leadId', leadId));
    for (const activity of activities) {
      const change: Record<string, unknown> =
        target.kind === 'lead'
          ? { leadId: target.id }
          : {
              customerId: target.customerId,
              ...(target.contactId !== undefined && activity['contactId'] === undefined
                ? { contactId: target.contactId }
                : {}),
            };
      const changedFields = await write('activities', activity, change, activityInputSchema);
      const payload = { entity: 'activity', id: activity.id, actorId: context.actor.id, at, changedFields };
      events.push(['activity.updated', payload]);
    }
    const tasks = await loadAll(tx, 'tasks', { all: [eq('related.kind', 'lead'), eq('related.id', leadId)] });
    for (const task of tasks) {
      const related =
        target.kind === 'lead' ? { kind: 'lead', id: target.id } : { kind: 'customer', id: target.customerId };
      const changedFields = await write('tasks', task, { related }, taskInputSchema);
      events.push(['task.updated', { entity: 'task', id: task.id, actorId: context.actor.id, at, changedFields }]);
    }
    const consents = await loadAll(tx, 'consents', { all: [eq('subjectKind', 'lead'), eq('subjectId', leadId)] });
    for (const consent of consents) {
      const subject =
        target.kind === 'lead'
          ? { subjectId: target.id }
          : target.contactId !== undefined
            ? { subjectKind: 'contact', subjectId: target.contactId }
            : { subjectKind: 'customer', subjectId: target.customerId };
      await write('consents', consent, subject, consentInputSchema);
    }
    return { events, activities: activities.length, tasks: tasks.length, consents: consents.length };
  };

  // ---- writing leads ----------------------------------------------------------------------------------------------

  /** Validates and writes the lead's next state over `stored`, audited; returns the record and changed fields. */
  const writeLead = async (
    tx: StorageOperations,
    stored: StoredRecord,
    next: Record<string, unknown>,
    at: string,
    expectedVersion?: number,
  ) => {
    const before = withoutMeta(stored);
    const defined = Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined));
    const entity = parseOrThrow(await leadSchemaFor(tx), defined, 'lead') as Record<string, unknown>;
    const changedFields = changedFieldNames(before, entity);
    const record = await tx.put(
      'leads',
      { ...entity, id: stored.id },
      { expectedVersion: expectedVersion ?? stored.version },
    );
    await context.audit(tx, { action: 'update', entity: 'leads', entityId: stored.id, at, changedFields });
    return { record, changedFields };
  };

  const updatedEvent = (id: string, at: string, changedFields: readonly string[]): PendingEvent => [
    'lead.updated',
    { entity: 'lead', id, actorId: context.actor.id, at, changedFields },
  ];

  /** Capture and create: normalise, validate, de-duplicate, assign, score, write with consents. */
  /** Stores a new, already validated record under `id` and audits its creation, in the caller's transaction. */
  const insertAudited = async (
    tx: StorageOperations,
    collection: string,
    id: string,
    parsed: Record<string, unknown>,
    at: string,
  ): Promise<StoredRecord> => {
    const record = await tx.put<Record<string, unknown>>(collection, { ...parsed, id }, { expectedVersion: 0 });
    await context.audit(tx, {
      action: 'create',
      entity: collection,
      entityId: id,
      at,
      changedFields: Object.keys(parsed).sort(),
    });
    return record;
  };

  /** Validates a new record with its entity's custom fields, then stores and audits it under a new id. */
  const createRecord = async (
    tx: StorageOperations,
    collection: 'customers' | 'contacts' | 'deals' | 'activities',
    schema: z.ZodMiniObject<{ customFields: z.core.$ZodType }, z.core.$strip>,
    entity: CustomFieldEntity,
    raw: Record<string, unknown>,
    at: string,
  ): Promise<StoredRecord> => {
    const parsed = parseOrThrow(await schemaFor(tx, schema, entity), raw, entity) as Record<string, unknown>;
    return insertAudited(tx, collection, context.newId(), parsed, at);
  };

  const insert = async (
    input: unknown,
    mode: {
      via: 'capture' | 'create';
      source?: string;
      campaign?: string;
      consents: readonly z.infer<typeof consentGrantSchema>[];
      note?: string;
    },
  ): Promise<CaptureResult> => {
    if (!isObject(input)) throw new ValidationError([{ path: [], message: 'Expected an object' }], 'lead');
    refuseManagedFields(input, 'lead');
    // Loaded before the transaction: an IndexedDB transaction ends at an await that is not its own.
    const normalisePhone = await normaliserFor(input);
    const raw = normaliseLeadFields(
      {
        ...input,
        ...(mode.source === undefined ? {} : { source: mode.source }),
        ...(mode.campaign === undefined ? {} : { campaign: mode.campaign }),
      },
      normaliseOptions(normalisePhone),
    );
    const at = context.nowIso();
    const outcome = await context.storage.transaction(async (tx) => {
      const schema = await leadSchemaFor(tx);
      const entity = parseOrThrow(schema, raw, 'lead') as Record<string, unknown>;
      const matches = findDuplicateMatches(subjectOf(entity), await dedupeRecords(tx, normalisePhone), dedupeRules);
      const { block, alert } = partitionMatches(matches);
      if (block.length > 0) throw new DuplicateError(block);
      const id = context.newId();
      let decision: AssignmentDecision | undefined;
      if (typeof entity['ownerId'] === 'string') decision = explicitAssignment(entity['ownerId']);
      else if (mode.via === 'create') entity['ownerId'] = context.actor.id;
      else if (assignmentConfig !== false) decision = await decide(tx, { ...entity, id }, assignmentConfig);
      const owned = {
        ...entity,
        ...(decision?.ownerId === undefined ? {} : { ownerId: decision.ownerId }),
        ...(decision === undefined ? {} : { assignment: assignmentRecord(decision, at) }),
      };
      // Scored as it will be stored, metadata included, so rules may read `createdAt`.
      const score = computeScore({ ...owned, id, createdAt: at, updatedAt: at }, []);
      const lead = parseOrThrow(
        schema,
        {
          ...owned,
          score: score.score,
          scoreHistory: [historyEntry(score, 'capture', at)],
          ...(mode.note === undefined ? {} : { lastActivityAt: at }),
        },
        'lead',
      ) as Record<string, unknown>;
      const record = await insertAudited(tx, 'leads', id, lead, at);
      const consentIds: string[] = [];
      for (const grant of mode.consents) {
        const consent = parseOrThrow(
          consentInputSchema,
          {
            subjectKind: 'lead',
            subjectId: id,
            purpose: grant.purpose,
            legalBasis: grant.legalBasis ?? 'consent',
            status: grant.status ?? 'granted',
            at: grant.at ?? at,
            ...((grant.source ?? mode.source) ? { source: grant.source ?? mode.source } : {}),
            ...(grant.textVersion === undefined ? {} : { textVersion: grant.textVersion }),
          },
          'consent',
        ) as Record<string, unknown>;
        consentIds.push((await insertAudited(tx, 'consents', context.newId(), consent, at)).id);
      }
      // Validated like any activity, the CRM's activity custom fields included.
      const note =
        mode.note === undefined
          ? undefined
          : await createRecord(
              tx,
              'activities',
              activityInputSchema,
              'activity',
              {
                type: 'note',
                direction: 'inbound',
                body: mode.note,
                occurredAt: at,
                leadId: id,
                ...(mode.source === undefined ? {} : { channel: mode.source }),
              },
              at,
            );
      return { record, alert, decision, score, consentIds, noteId: note?.id };
    });
    const lead = toLead(outcome.record);
    emitAny('lead.created', { entity: 'lead', id: lead.id, actorId: context.actor.id, at });
    if (outcome.noteId !== undefined) {
      emitAny('activity.created', { entity: 'activity', id: outcome.noteId, actorId: context.actor.id, at });
    }
    emit('lead.captured', {
      id: lead.id,
      actorId: context.actor.id,
      at,
      via: mode.via,
      ...(lead.ownerId === undefined ? {} : { ownerId: lead.ownerId }),
      score: lead.score,
      duplicates: outcome.alert.map((match) => ({
        kind: match.kind,
        id: match.id,
        rules: match.rules.map((r) => r.rule),
      })),
      consentIds: outcome.consentIds,
    });
    if (outcome.decision) {
      emit('lead.assigned', {
        id: lead.id,
        actorId: context.actor.id,
        at,
        ...(outcome.decision.ownerId === undefined ? {} : { ownerId: outcome.decision.ownerId }),
        strategy: outcome.decision.strategy,
        code: outcome.decision.code,
        ...(outcome.decision.ruleId === undefined ? {} : { ruleId: outcome.decision.ruleId }),
      });
    }
    return {
      lead,
      duplicates: outcome.alert,
      ...(outcome.decision === undefined ? {} : { assignment: outcome.decision }),
      score: outcome.score,
      consentIds: outcome.consentIds,
      ...(outcome.noteId === undefined ? {} : { noteId: outcome.noteId }),
    };
  };

  /** Re-scores inside a transaction; writes only when the score or its explanation changed. */
  const rescoreIn = async (tx: StorageOperations, stored: StoredRecord, trigger: ScoreTrigger, at: string) => {
    const current = withoutMeta(stored);
    const score = computeScore(stored, await loadActivities(tx, stored.id));
    const { next, changed } = withScore(current, score, trigger, at);
    if (!changed) return { record: stored, score, changed, changedFields: [] as string[] };
    const { record, changedFields } = await writeLead(tx, stored, next, at);
    return { record, score, changed, changedFields };
  };

  const rescoreNow = async (leadId: string, trigger: ScoreTrigger, onlyOpen: boolean): Promise<RescoreResult> => {
    const at = context.nowIso();
    const result = await context.storage.transaction(async (tx) => {
      const stored = await loadLead(tx, leadId);
      const previousScore = stored['score'] as number;
      if (onlyOpen && !(OPEN_LEAD_STATUSES as readonly unknown[]).includes(stored['status'])) {
        const score = computeScore(stored, await loadActivities(tx, leadId));
        return { record: stored, score, changed: false, changedFields: [] as string[], previousScore };
      }
      return { ...(await rescoreIn(tx, stored, trigger, at)), previousScore };
    });
    const lead = toLead(result.record);
    if (result.changed) {
      flush([updatedEvent(leadId, at, result.changedFields)]);
      if (lead.score !== result.previousScore) {
        emit('lead.scored', {
          id: leadId,
          actorId: context.actor.id,
          at,
          score: lead.score,
          previousScore: result.previousScore,
          trigger,
        });
      }
    }
    return { lead, score: result.score, changed: result.changed };
  };

  // ---- background re-scoring --------------------------------------------------------------------------------------

  let queue: Promise<void> = Promise.resolve();
  const report = (error: unknown) => {
    if (error instanceof NotFoundError) return; // the lead or activity was deleted meanwhile
    if (opts.onBackgroundError) opts.onBackgroundError(error);
    else
      queueMicrotask(() => {
        throw error;
      });
  };
  const enqueue = (job: () => Promise<void>) => {
    const run = async () => {
      try {
        await job();
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        await job(); // someone wrote the lead meanwhile: read it again once
      }
    };
    queue = queue.then(run).catch(report);
  };
  const rescoreActivityLead = (activityId: string) =>
    enqueue(async () => {
      const activity = await context.storage.get('activities', activityId);
      const leadId = activity && stringField(activity, 'leadId');
      if (leadId !== undefined && (await context.storage.get('leads', leadId))) {
        await rescoreNow(leadId, 'activity', true);
      }
    });
  const unsubscribers: (() => void)[] = [];
  if (opts.autoRescore !== false) {
    unsubscribers.push(
      context.events.on('activity.created', ({ id }) => rescoreActivityLead(id)),
      context.events.on('activity.updated', ({ id }) => rescoreActivityLead(id)),
      context.events.on('lead.updated', ({ id, changedFields }) => {
        if (changedFields.some((field) => scoredFields.has(field) && field !== 'score' && field !== 'scoreHistory')) {
          enqueue(async () => void (await rescoreNow(id, 'update', true)));
        }
      }),
    );
  }

  // ---- customers, contacts and deals for conversion ---------------------------------------------------------------

  /** Creates a record of `collection` from `raw`, validated with its schema and custom fields, audited. */

  /** Updates a customer or contact to `next` when it differs, audited; returns the record and changed fields. */
  const updateRecord = async (
    tx: StorageOperations,
    collection: 'customers' | 'contacts',
    schema: z.ZodMiniObject<{ customFields: z.core.$ZodType }, z.core.$strip>,
    entity: CustomFieldEntity,
    stored: StoredRecord,
    next: Record<string, unknown>,
    at: string,
  ) => {
    const before = withoutMeta(stored);
    const parsed = parseOrThrow(await schemaFor(tx, schema, entity), next, entity) as Record<string, unknown>;
    const changedFields = changedFieldNames(before, parsed);
    if (changedFields.length === 0) return { record: stored, changedFields };
    const record = await tx.put<Record<string, unknown>>(
      collection,
      { ...parsed, id: stored.id },
      { expectedVersion: stored.version },
    );
    await context.audit(tx, { action: 'update', entity: collection, entityId: stored.id, at, changedFields });
    return { record, changedFields };
  };

  /**
   * Attaches the lead's person to an organisation customer: to `contactId` (its emails and phones gain the lead's) or
   * to a new contact. Returns the contact and the events to emit.
   */
  const attachContact = async (
    tx: StorageOperations,
    lead: ExtendedLead,
    customerId: string,
    contactId: string | undefined,
    values: Record<string, unknown> | undefined,
    at: string,
  ): Promise<{ contact: StoredRecord; created: boolean; events: PendingEvent[] }> => {
    const actorId = context.actor.id;
    if (contactId !== undefined) {
      const stored = await tx.get('contacts', contactId);
      if (!stored || stored['customerId'] !== customerId) {
        throw new ValidationError([{ path: ['contactId'], message: 'No such contact of the customer' }], 'lead');
      }
      const current = withoutMeta(stored);
      const next = {
        ...current,
        emails: unionContactPoints(stringsField(current, 'emails'), [lead.email]),
        phones: unionContactPoints(stringsField(current, 'phones'), [lead.phone]),
      };
      const { record, changedFields } = await updateRecord(
        tx,
        'contacts',
        contactInputSchema,
        'contact',
        stored,
        next,
        at,
      );
      const events: PendingEvent[] =
        changedFields.length > 0
          ? [['contact.updated', { entity: 'contact', id: contactId, actorId, at, changedFields }]]
          : [];
      return { contact: record, created: false, events };
    }
    const existing = await tx.count('contacts', eq('customerId', customerId));
    const record = await createRecord(
      tx,
      'contacts',
      contactInputSchema,
      'contact',
      {
        customerId,
        name: lead.name,
        emails: lead.email === undefined ? [] : [lead.email],
        phones: lead.phone === undefined ? [] : [lead.phone],
        primary: existing === 0,
        ...values,
      },
      at,
    );
    return {
      contact: record,
      created: true,
      events: [['contact.created', { entity: 'contact', id: record.id, actorId, at }]],
    };
  };

  /** The pipeline a conversion opens its deal in: the named one, the one marked default, or the built-in one. */
  const conversionPipelineId = async (tx: StorageOperations, pipelineId: string | undefined): Promise<string> => {
    if (pipelineId !== undefined) return pipelineId;
    const page = await tx.query('pipelines', {
      where: { field: 'isDefault', op: 'eq', value: true },
      orderBy: [{ field: 'id' }],
      limit: 1,
    });
    return page.records[0]?.id ?? DEFAULT_PIPELINE_ID;
  };

  /** Moves a lead to a new status through `change`, audited; emits `lead.updated` and `event`. */
  const transition = async (
    leadId: string,
    action: string,
    expectedVersion: number | undefined,
    change: (lead: ExtendedLead, at: string) => Record<string, unknown>,
    event: 'lead.qualified' | 'lead.disqualified',
  ): Promise<ExtendedLead> => {
    context.assertCanWrite(action);
    const at = context.nowIso();
    const { record, changedFields } = await context.storage.transaction(async (tx) => {
      const stored = await loadLead(tx, leadId, expectedVersion);
      const lead = toLead(stored);
      return writeLead(tx, stored, { ...withoutMeta(stored), ...change(lead, at) }, at, expectedVersion);
    });
    flush([updatedEvent(leadId, at, changedFields)]);
    emit(event, { id: leadId, actorId: context.actor.id, at });
    return toLead(record);
  };

  const statusError = (message: string) => new ValidationError([{ path: ['status'], message }], 'lead');

  /**
   * Convert options with the phones of the customer and contact they describe in E.164, read in the customer's
   * `country`, else the lead's (or the linked customer's), else the default region. Runs before the transaction.
   */
  const withConvertPhones = async (leadId: unknown, options: unknown): Promise<unknown> => {
    if (!isObject(options)) return options;
    const customer = isObject(options['customer']) ? options['customer'] : undefined;
    const contact = isObject(options['contact']) ? options['contact'] : undefined;
    if (!hasPhoneStrings(customer?.['phones']) && !hasPhoneStrings(contact?.['phones'])) return options;
    const normalise = await phones.normaliser();
    const linkedId = options['customerId'];
    const linked =
      typeof linkedId === 'string' && linkedId !== '' ? await context.storage.get('customers', linkedId) : undefined;
    const lead = typeof leadId === 'string' && leadId !== '' ? await context.storage.get('leads', leadId) : undefined;
    const region = countryField(customer) ?? countryField(linked) ?? countryField(lead) ?? opts.defaultRegion;
    const read = (values: Record<string, unknown> | undefined, key: 'customer' | 'contact') =>
      values && hasPhoneStrings(values['phones'])
        ? {
            [key]: {
              ...values,
              phones: normalisePhoneList(values['phones'], normalise, region, [key, 'phones'], 'convert options'),
            },
          }
        : {};
    return { ...options, ...read(customer, 'customer'), ...read(contact, 'contact') };
  };

  return {
    ...base,

    async capture(input, options) {
      context.assertCanWrite('lead.capture');
      const captureOptions = parseOrThrow(captureOptionsSchema, options, 'capture options');
      const consents = captureOptions.consent === undefined ? [] : [captureOptions.consent].flat();
      return insert(input, {
        via: 'capture',
        source: captureOptions.source,
        ...(captureOptions.campaign === undefined ? {} : { campaign: captureOptions.campaign }),
        consents,
        ...(captureOptions.note?.trim() ? { note: captureOptions.note.trim() } : {}),
      });
    },

    async create(input) {
      context.assertCanWrite('lead.create');
      return (await insert(input, { via: 'create', consents: [] })).lead;
    },

    async update(id, patch, options) {
      context.assertCanWrite('lead.update');
      refuseManagedFields(patch, 'lead update');
      if (!isObject(patch)) return base.update(id, patch, options);
      let region = stringField(patch, 'country');
      if (region === undefined && typeof patch['phone'] === 'string') {
        const current = await context.storage.get('leads', id);
        region = current && stringField(current, 'country');
      }
      const normalised = normaliseLeadFields(
        patch,
        normaliseOptions(await normaliserFor(patch), region ?? opts.defaultRegion),
      );
      return base.update(id, normalised, options);
    },

    async findDuplicates(leadIdOrData) {
      if (typeof leadIdOrData === 'string') {
        const lead = toLead(await loadLead(context.storage, leadIdOrData));
        const records = await dedupeRecords(context.storage, await normaliserFor(lead));
        return findDuplicateMatches(subjectOf(lead), records, dedupeRules, { exclude: { kind: 'lead', id: lead.id } });
      }
      if (!isObject(leadIdOrData))
        throw new ValidationError([{ path: [], message: 'Expected a lead id or an object' }], 'duplicate query');
      const normalisePhone = await normaliserFor(leadIdOrData);
      const query = parseOrThrow(
        duplicateQuerySchema,
        normaliseLeadFields(leadIdOrData, normaliseOptions(normalisePhone)),
        'duplicate query',
      ) as Record<string, unknown>;
      return findDuplicateMatches(subjectOf(query), await dedupeRecords(context.storage, normalisePhone), dedupeRules);
    },

    async merge(survivorId, otherId, options = {}) {
      context.assertCanWrite('lead.merge');
      const mergeOptions = parseOrThrow(mergeOptionsSchema, options, 'merge options');
      const ids = parseOrThrow(
        z.strictObject({ survivorId: idSchema, otherId: idSchema }),
        { survivorId, otherId },
        'merge',
      );
      if (ids.survivorId === ids.otherId) {
        throw new ValidationError([{ path: ['otherId'], message: 'A lead cannot be merged into itself' }], 'merge');
      }
      const at = context.nowIso();
      const outcome = await context.storage.transaction(async (tx) => {
        const survivor = await loadLead(tx, ids.survivorId, mergeOptions.expectedVersions?.survivor);
        const other = await loadLead(tx, ids.otherId, mergeOptions.expectedVersions?.other);
        const { fields, takenFromOther } = mergeLeadFields(
          withoutMeta(survivor),
          withoutMeta(other),
          (mergeOptions.fields ?? {}) as LeadMergeChoices,
        );
        const moved = await moveRelated(tx, ids.otherId, { kind: 'lead', id: ids.survivorId }, at);
        const score = computeScore(
          { ...fields, id: ids.survivorId, createdAt: survivor.createdAt, updatedAt: at },
          await loadActivities(tx, ids.survivorId),
        );
        const { next } = withScore(fields, score, 'merge', at);
        const written = await writeLead(tx, survivor, next, at, mergeOptions.expectedVersions?.survivor);
        await tx.delete('leads', ids.otherId, {
          expectedVersion: mergeOptions.expectedVersions?.other ?? other.version,
        });
        await context.audit(tx, { action: 'delete', entity: 'leads', entityId: ids.otherId, at, changedFields: [] });
        return { ...written, takenFromOther, moved, previousScore: survivor['score'] as number };
      });
      const lead = toLead(outcome.record);
      flush([
        updatedEvent(lead.id, at, outcome.changedFields),
        ['lead.deleted', { entity: 'lead', id: ids.otherId, actorId: context.actor.id, at }],
        ...outcome.moved.events,
      ]);
      emit('lead.merged', {
        id: lead.id,
        actorId: context.actor.id,
        at,
        into: 'lead',
        mergedId: ids.otherId,
        fieldsTaken: outcome.takenFromOther,
        movedActivities: outcome.moved.activities,
        movedTasks: outcome.moved.tasks,
        movedConsents: outcome.moved.consents,
      });
      if (lead.score !== outcome.previousScore) {
        emit('lead.scored', {
          id: lead.id,
          actorId: context.actor.id,
          at,
          score: lead.score,
          previousScore: outcome.previousScore,
          trigger: 'merge',
        });
      }
      return {
        lead,
        mergedId: ids.otherId,
        fieldsTaken: outcome.takenFromOther,
        movedActivities: outcome.moved.activities,
        movedTasks: outcome.moved.tasks,
        movedConsents: outcome.moved.consents,
      };
    },

    async mergeIntoCustomer(leadId, customerId, options = {}) {
      context.assertCanWrite('lead.merge');
      const mergeOptions = parseOrThrow(mergeIntoCustomerOptionsSchema, options, 'merge options');
      const ids = parseOrThrow(
        z.strictObject({ leadId: idSchema, customerId: idSchema }),
        { leadId, customerId },
        'merge',
      );
      const at = context.nowIso();
      const actorId = context.actor.id;
      const outcome = await context.storage.transaction(async (tx) => {
        const storedLead = await loadLead(tx, ids.leadId, mergeOptions.expectedVersion);
        const lead = toLead(storedLead);
        if (lead.status === 'converted') throw statusError('The lead is converted already');
        const storedCustomer = await tx.get('customers', ids.customerId);
        if (!storedCustomer) throw new NotFoundError('customers', ids.customerId);
        const { fields, takenFromOther } = mergeLeadIntoCustomerFields(
          withoutMeta(storedCustomer),
          withoutMeta(storedLead),
          (mergeOptions.fields ?? {}) as CustomerMergeChoices,
        );
        const customerWrite = await updateRecord(
          tx,
          'customers',
          customerInputSchema,
          'customer',
          storedCustomer,
          fields,
          at,
        );
        const events: PendingEvent[] =
          customerWrite.changedFields.length > 0
            ? [
                [
                  'customer.updated',
                  { entity: 'customer', id: ids.customerId, actorId, at, changedFields: customerWrite.changedFields },
                ],
              ]
            : [];
        let contact: { contact: StoredRecord; created: boolean; events: PendingEvent[] } | undefined;
        if (storedCustomer['kind'] === 'organisation') {
          contact = await attachContact(tx, lead, ids.customerId, mergeOptions.contactId, undefined, at);
          events.push(...contact.events);
        } else if (mergeOptions.contactId !== undefined) {
          throw new ValidationError(
            [{ path: ['contactId'], message: 'Only an organisation has contacts' }],
            'merge options',
          );
        }
        const moved = await moveRelated(
          tx,
          ids.leadId,
          { kind: 'customer', customerId: ids.customerId, ...(contact ? { contactId: contact.contact.id } : {}) },
          at,
        );
        const leadWrite = await writeLead(
          tx,
          storedLead,
          { ...withoutMeta(storedLead), status: 'converted', convertedCustomerId: ids.customerId, convertedAt: at },
          at,
          mergeOptions.expectedVersion,
        );
        events.push(updatedEvent(ids.leadId, at, leadWrite.changedFields), ...moved.events);
        return {
          lead: leadWrite.record,
          customer: customerWrite.record,
          contact: contact?.contact,
          takenFromOther,
          moved,
          events,
        };
      });
      flush(outcome.events);
      emit('lead.merged', {
        id: ids.leadId,
        actorId,
        at,
        into: 'customer',
        customerId: ids.customerId,
        ...(outcome.contact ? { contactId: outcome.contact.id } : {}),
        fieldsTaken: outcome.takenFromOther,
        movedActivities: outcome.moved.activities,
        movedTasks: outcome.moved.tasks,
        movedConsents: outcome.moved.consents,
      });
      return {
        lead: toLead(outcome.lead),
        customer: fromStorage(customerSchema, outcome.customer, 'customer'),
        ...(outcome.contact ? { contact: fromStorage(contactSchema, outcome.contact, 'contact') } : {}),
        fieldsTaken: outcome.takenFromOther,
        movedActivities: outcome.moved.activities,
        movedTasks: outcome.moved.tasks,
        movedConsents: outcome.moved.consents,
      };
    },

    async score(leadId) {
      const lead = toLead(await loadLead(context.storage, leadId));
      return computeScore(lead, await loadActivities(context.storage, leadId));
    },

    async rescore(leadId) {
      context.assertCanWrite('lead.rescore');
      return rescoreNow(leadId, 'rescore', false);
    },

    async rescoreAll(options = {}) {
      context.assertCanWrite('lead.rescore');
      const where = options.where ?? openLeadsFilter;
      let rescored = 0;
      let changed = 0;
      for (const record of await loadAll(context.storage, 'leads', where)) {
        const result = await rescoreNow(record.id, 'rescore', false);
        rescored++;
        if (result.changed) changed++;
      }
      return { rescored, changed };
    },

    async assign(leadId, options = {}) {
      context.assertCanWrite('lead.assign');
      const assignOptions = parseOrThrow(assignOptionsSchema, options, 'assign options');
      const at = context.nowIso();
      const outcome = await context.storage.transaction(async (tx) => {
        const stored = await loadLead(tx, leadId, assignOptions.expectedVersion);
        const lead = toLead(stored);
        if (lead.status === 'converted' || lead.status === 'disqualified') {
          throw statusError('Only an open lead is assigned');
        }
        let decision: AssignmentDecision;
        if (assignOptions.ownerId !== undefined) {
          const user = await tx.get('users', assignOptions.ownerId);
          if (user && user['active'] === false) {
            throw new ValidationError(
              [{ path: ['ownerId'], message: 'An inactive user receives no new leads' }],
              'assign',
            );
          }
          decision = explicitAssignment(assignOptions.ownerId);
        } else {
          decision = await decide(tx, lead, assignmentConfig === false ? {} : assignmentConfig, leadId);
        }
        const next = {
          ...withoutMeta(stored),
          ...(decision.ownerId === undefined ? {} : { ownerId: decision.ownerId }),
          assignment: assignmentRecord(decision, at),
        };
        const written = await writeLead(tx, stored, next, at, assignOptions.expectedVersion);
        return { ...written, decision, previousOwnerId: lead.ownerId };
      });
      flush([updatedEvent(leadId, at, outcome.changedFields)]);
      emit('lead.assigned', {
        id: leadId,
        actorId: context.actor.id,
        at,
        ...(outcome.decision.ownerId === undefined ? {} : { ownerId: outcome.decision.ownerId }),
        ...(outcome.previousOwnerId === undefined ? {} : { previousOwnerId: outcome.previousOwnerId }),
        strategy: outcome.decision.strategy,
        code: outcome.decision.code,
        ...(outcome.decision.ruleId === undefined ? {} : { ruleId: outcome.decision.ruleId }),
      });
      return { lead: toLead(outcome.record), decision: outcome.decision };
    },

    async qualify(leadId, options = {}) {
      const { expectedVersion } = parseOrThrow(qualifyOptionsSchema, options, 'qualify options');
      return transition(
        leadId,
        'lead.qualify',
        expectedVersion,
        (lead, at) => {
          if (lead.status === 'qualified') throw statusError('The lead is qualified already');
          if (lead.status === 'converted') throw statusError('A converted lead is not qualified again');
          return { status: 'qualified', qualifiedAt: at, disqualifyReason: undefined, disqualifiedAt: undefined };
        },
        'lead.qualified',
      );
    },

    async disqualify(leadId, options) {
      const { reason, expectedVersion } = parseOrThrow(disqualifyOptionsSchema, options, 'disqualify options');
      return transition(
        leadId,
        'lead.disqualify',
        expectedVersion,
        (lead, at) => {
          if (lead.status === 'disqualified') throw statusError('The lead is disqualified already');
          if (lead.status === 'converted') throw statusError('A converted lead cannot be disqualified');
          return { status: 'disqualified', disqualifyReason: reason, disqualifiedAt: at };
        },
        'lead.disqualified',
      );
    },

    async convert(leadId, options = {}) {
      context.assertCanWrite('lead.convert');
      const convertOptions = parseOrThrow(
        convertOptionsSchema,
        await withConvertPhones(leadId, options),
        'convert options',
      );
      const dealValues = (convertOptions.deal ?? {}) as Record<string, unknown>;
      const refused = Object.keys(dealValues).filter(
        (key) => dealValues[key] !== undefined && !(CONVERT_DEAL_FIELDS as readonly string[]).includes(key),
      );
      if (refused.length > 0) {
        throw new ValidationError(
          refused.map((key) => ({ path: ['deal', key], message: 'Set by the conversion' })),
          'convert options',
        );
      }
      if (isObject(convertOptions.contact) && convertOptions.contact['customerId'] !== undefined) {
        throw new ValidationError(
          [{ path: ['contact', 'customerId'], message: 'Set by the conversion' }],
          'convert options',
        );
      }
      const at = context.nowIso();
      const actorId = context.actor.id;
      const outcome = await context.storage.transaction(async (tx) => {
        const storedLead = await loadLead(tx, leadId, convertOptions.expectedVersion);
        const lead = toLead(storedLead);
        if (lead.status === 'converted') throw statusError('The lead is converted already');
        if (lead.status === 'disqualified') throw statusError('Qualify a disqualified lead before converting it');
        const ownerId = lead.ownerId ?? actorId;
        const events: PendingEvent[] = [];

        // 1. The customer: linked, or created from the lead.
        let customer: StoredRecord;
        let customerCreated = false;
        if (convertOptions.customerId !== undefined) {
          const stored = await tx.get('customers', convertOptions.customerId);
          if (!stored) throw new ValidationError([{ path: ['customerId'], message: 'No such customer' }], 'convert');
          const { fields } = mergeLeadIntoCustomerFields(withoutMeta(stored), withoutMeta(storedLead));
          const write = await updateRecord(tx, 'customers', customerInputSchema, 'customer', stored, fields, at);
          customer = write.record;
          if (write.changedFields.length > 0) {
            events.push([
              'customer.updated',
              { entity: 'customer', id: stored.id, actorId, at, changedFields: write.changedFields },
            ]);
          }
        } else {
          const organisation = lead.company !== undefined;
          const raw: Record<string, unknown> = {
            kind: organisation ? 'organisation' : 'person',
            name: organisation ? lead.company : lead.name,
            ...(organisation ? {} : { emails: lead.email ? [lead.email] : [], phones: lead.phone ? [lead.phone] : [] }),
            ...(lead.source === undefined ? {} : { source: lead.source }),
            ...(lead.country === undefined ? {} : { country: lead.country }),
            ownerId,
            ...(convertOptions.customer as Record<string, unknown> | undefined),
          };
          customer = await createRecord(tx, 'customers', customerInputSchema, 'customer', raw, at);
          customerCreated = true;
          events.push(['customer.created', { entity: 'customer', id: customer.id, actorId, at }]);
        }

        // 2. The contact, for an organisation.
        let contact: { contact: StoredRecord; created: boolean } | undefined;
        if (customer['kind'] === 'organisation') {
          const attached = await attachContact(
            tx,
            lead,
            customer.id,
            convertOptions.contactId,
            convertOptions.contact as Record<string, unknown> | undefined,
            at,
          );
          contact = attached;
          events.push(...attached.events);
        } else if (convertOptions.contactId !== undefined) {
          throw new ValidationError([{ path: ['contactId'], message: 'Only an organisation has contacts' }], 'convert');
        }

        // 3. The deal, in the pipeline's first open stage (or the one named), with its first stage change.
        const pipelineId = await conversionPipelineId(tx, convertOptions.pipelineId);
        const { pipeline, installed } = await pipelineForWrite(context, tx, pipelineId, ['pipelineId']);
        if (installed) events.unshift(['pipeline.created', { entity: 'pipeline', id: installed, actorId, at }]);
        const stageId =
          (dealValues['stageId'] as string | undefined) ?? pipeline.stages.find((s) => s.kind === 'open')?.id;
        const stage = pipeline.stages.find((candidate) => candidate.id === stageId);
        if (!stage || stage.kind !== 'open') {
          throw new ValidationError(
            [{ path: ['deal', 'stageId'], message: 'Expected an open stage of the pipeline' }],
            'convert',
          );
        }
        const dealRaw: Record<string, unknown> = {
          title: lead.company ?? lead.name,
          amount: { amountMinor: 0, currency: context.currency },
          ownerId,
          ...(lead.source === undefined ? {} : { source: lead.source }),
          ...Object.fromEntries(Object.entries(dealValues).filter(([, value]) => value !== undefined)),
          customerId: customer.id,
          pipelineId: pipeline.id,
          stageId: stage.id,
          status: 'open',
          stageEnteredAt: at,
        };
        const dealSchemaWithFields = await schemaFor(tx, dealInputSchema, 'deal');
        // Paths start at `deal`, as in the options: `deal.customFields.x` is the deal's, not the customer's.
        const dealEntity = parseOrThrow(dealSchemaWithFields, dealRaw, 'deal', ['deal']) as Record<string, unknown>;
        const dealId = context.newId();
        const gate = checkStageGate(dealEntity, stage, { now: context.now() });
        if (!gate.passed) throw new StageGateError(dealId, stage.id, gate.missingFields, gate.failedConditions);
        const deal = await tx.put<Record<string, unknown>>(
          'deals',
          { ...dealEntity, id: dealId },
          { expectedVersion: 0 },
        );
        await recordStageChange(context, tx, {
          dealId,
          pipelineId: pipeline.id,
          fromStageId: null,
          toStageId: stage.id,
          at,
        });
        await context.audit(tx, {
          action: 'create',
          entity: 'deals',
          entityId: dealId,
          at,
          changedFields: Object.keys(dealEntity).sort(),
        });
        events.push(['deal.created', { entity: 'deal', id: dealId, actorId, at }]);

        // 4. The lead's history moves to the customer; the lead is converted.
        const moved = await moveRelated(
          tx,
          leadId,
          { kind: 'customer', customerId: customer.id, ...(contact ? { contactId: contact.contact.id } : {}) },
          at,
        );
        const leadWrite = await writeLead(
          tx,
          storedLead,
          {
            ...withoutMeta(storedLead),
            status: 'converted',
            convertedCustomerId: customer.id,
            convertedDealId: dealId,
            convertedAt: at,
          },
          at,
          convertOptions.expectedVersion,
        );
        events.push(updatedEvent(leadId, at, leadWrite.changedFields), ...moved.events);
        return { lead: leadWrite.record, customer, customerCreated, contact, deal, pipelineId: pipeline.id, events };
      });
      flush(outcome.events);
      emit('lead.converted', {
        id: leadId,
        actorId,
        at,
        customerId: outcome.customer.id,
        ...(outcome.contact ? { contactId: outcome.contact.contact.id } : {}),
        dealId: outcome.deal.id,
        pipelineId: outcome.pipelineId,
        customerCreated: outcome.customerCreated,
        contactCreated: outcome.contact?.created ?? false,
      });
      return {
        lead: toLead(outcome.lead),
        customer: fromStorage(customerSchema, outcome.customer, 'customer'),
        ...(outcome.contact ? { contact: fromStorage(contactSchema, outcome.contact.contact, 'contact') } : {}),
        deal: fromStorage(dealSchema, outcome.deal, 'deal'),
        customerCreated: outcome.customerCreated,
        contactCreated: outcome.contact?.created ?? false,
      };
    },

    async sla(leadId) {
      const lead = toLead(await loadLead(context.storage, leadId));
      return leadSla(lead, await loadActivities(context.storage, leadId), slaPolicy, context.now());
    },

    async overdue(options = {}) {
      const { limit } = parseOrThrow(
        z.strictObject({ limit: z.optional(z.int().check(z.positive())) }),
        options,
        'options',
      );
      const now = context.now();
      const dueBefore = new Date(now.getTime() - slaPolicy.firstActivityWithinMinutes * 60_000).toISOString();
      const leads = (
        await loadAll(context.storage, 'leads', {
          all: [
            { field: 'status', op: 'in', values: [...slaPolicy.openStatuses] },
            { field: 'createdAt', op: 'lt', value: dueBefore },
          ],
        })
      ).map(toLead);
      const activities: Activity[] = [];
      for (let i = 0; i < leads.length; i += 500) {
        const ids = leads.slice(i, i + 500).map((lead) => lead.id);
        const page = await loadAll(context.storage, 'activities', { field: 'leadId', op: 'in', values: ids });
        for (const record of page) activities.push(fromStorage(activitySchema, record, 'activity'));
      }
      const overdue = overdueLeads(leads, activities, slaPolicy, now);
      return limit === undefined ? overdue : overdue.slice(0, limit);
    },

    async whenIdle() {
      let seen: Promise<void> | undefined;
      while (seen !== queue) {
        seen = queue;
        await seen;
      }
    },

    dispose() {
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    },
  };
}
