/**
 * What the parts of the lead service share: its options resolved once, and the reads, writes, scoring, assignment and
 * events every operation uses, over the CRM's write kernel.
 */
import type * as z from 'zod/mini';
import { ValidationError } from '../../errors/errors.js';
import { parseOrThrow } from '../../errors/parse.js';
import type { Filter } from '../../filter/schema.js';
import {
  fromStorage,
  insertAudited,
  loadAll,
  loadAt,
  schemaWithCustomFields,
  updateAudited,
  withoutMeta,
  type CrmContext,
  type PendingEvent,
} from '../../kernel/index.js';
import { activitySchema, type Activity } from '../../model/activity.js';
import type { CustomFieldEntity } from '../../model/custom-fields.js';
import { userSchema } from '../../model/user.js';
import type { StorageOperations, StoredRecord } from '../../storage/port.js';
import { createPhoneReader } from '../../customers/phones.service.js';
import {
  DEFAULT_STATE_KEY,
  decideAssignment,
  parseAssignmentConfig,
  ruleStateKey,
  type AssignmentCandidate,
  type AssignmentConfig,
  type AssignmentDecision,
  type RotationState,
} from '../assignment.js';
import { resolveDedupeRules, toDedupeRecord, type DedupeRecord, type DedupeRulesInput } from '../dedupe.js';
import type { LeadEventMap } from '../events.js';
import type { NormaliseOptions, PhoneNormaliser } from '../normalise.js';
import { extendedLeadInputSchema, extendedLeadSchema, type ExtendedLead } from '../schema.js';
import { DEFAULT_SCORING_MODEL, parseScoringModel, scoreLead, scoringFields, type LeadScore } from '../scoring.js';
import { resolveSlaPolicy } from '../sla.js';
import { dedupeSource, eq, openLeadsFilter, optionsSchema, storedStateSchema, stringField } from './schemas.js';
import { ASSIGNMENT_STATE_COLLECTION, type LeadServiceOptions } from './types.js';

/** The lead service's shared tools; see {@link createLeadTools}. */
export type LeadTools = ReturnType<typeof createLeadTools>;

/** Resolves the lead service's options (`ValidationError` naming the option) and builds its shared tools. */
export function createLeadTools(context: CrmContext, options: LeadServiceOptions) {
  const opts = parseOrThrow(optionsSchema, options, 'lead service options');
  const dedupeRules = resolveDedupeRules(opts.dedupe as DedupeRulesInput | undefined);
  const scoringModel = opts.scoring === undefined ? DEFAULT_SCORING_MODEL : parseScoringModel(opts.scoring);
  const assignmentConfig: AssignmentConfig | false =
    opts.assignment === false ? false : parseAssignmentConfig(opts.assignment);
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

  // Pending events are kept as [name, payload] pairs; `emit` is bound because CrmEvents uses a private field.
  const emit = <N extends keyof LeadEventMap>(name: N, payload: LeadEventMap[N]) =>
    context.events.emit(name, payload as never);
  const flush = (events: readonly PendingEvent[]) => context.events.emitAll(events);

  const schemaFor = <S extends z.ZodMiniType>(
    tx: StorageOperations,
    schema: S,
    entity: CustomFieldEntity,
  ): Promise<S> => schemaWithCustomFields(context, tx, schema, entity);
  const leadSchemaFor = (tx: StorageOperations) => schemaFor(tx, extendedLeadInputSchema, 'lead');
  const toLead = (record: unknown) => fromStorage(extendedLeadSchema, record, 'lead');

  /** The stored lead; `NotFoundError` when there is none, `ConflictError` when it is not at `expectedVersion`. */
  const loadLead = (ops: StorageOperations, id: string, expectedVersion?: number): Promise<StoredRecord> =>
    loadAt(ops, 'leads', id, expectedVersion);

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

  /** Validates and writes the lead's next state over `stored`, audited; returns the record and changed fields. */
  const writeLead = async (
    tx: StorageOperations,
    stored: StoredRecord,
    next: Record<string, unknown>,
    at: string,
    expectedVersion?: number,
  ) => {
    const defined = Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined));
    const entity = parseOrThrow(await leadSchemaFor(tx), defined, 'lead') as Record<string, unknown>;
    return updateAudited(context, tx, 'leads', stored, entity, at, { expectedVersion });
  };

  const updatedEvent = (id: string, at: string, changedFields: readonly string[]): PendingEvent => [
    'lead.updated',
    { entity: 'lead', id, actorId: context.actor.id, at, changedFields },
  ];

  /** Capture and create: normalise, validate, de-duplicate, assign, score, write with consents. */

  /** Validates a new record with its entity's custom fields, then stores and audits it under a new id. */
  const createRecord = async (
    tx: StorageOperations,
    collection: 'customers' | 'contacts' | 'deals' | 'activities',
    schema: z.ZodMiniType,
    entity: CustomFieldEntity,
    raw: Record<string, unknown>,
    at: string,
  ): Promise<StoredRecord> => {
    const parsed = parseOrThrow(await schemaFor(tx, schema, entity), raw, entity) as Record<string, unknown>;
    return insertAudited(context, tx, collection, parsed, at);
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

  return {
    context,
    opts,
    dedupeRules,
    scoringModel,
    assignmentConfig,
    slaPolicy,
    stateCollection,
    phones,
    normaliseOptions,
    normaliserFor,
    scoredFields,
    emit,
    flush,
    schemaFor,
    leadSchemaFor,
    toLead,
    loadLead,
    loadActivities,
    computeScore,
    dedupeRecords,
    decide,
    assignmentRecord,
    writeLead,
    updatedEvent,
    createRecord,
    transition,
    statusError,
  };
}
