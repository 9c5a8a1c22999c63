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
import {
  resolveDedupeRules,
  toDedupeRecord,
  type DedupeRecord,
  type DedupeRulesInput,
  type DedupeSubject,
} from '../dedupe.js';
import { MATCH_KEYS_FIELD, matchKeysFrom } from '../match-keys.js';
import type { LeadEventMap } from '../events.js';
import { normaliseEmail, type NormaliseOptions, type PhoneNormaliser } from '../normalise.js';
import { extendedLeadInputSchema, extendedLeadSchema, type ExtendedLead } from '../schema.js';
import { DEFAULT_SCORING_MODEL, parseScoringModel, scoreLead, scoringFields, type LeadScore } from '../scoring.js';
import { resolveSlaPolicy } from '../sla.js';
import { dedupeSource, eq, openLeadsFilter, optionsSchema, storedStateSchema, stringField } from './schemas.js';
import { ASSIGNMENT_STATE_COLLECTION, type LeadServiceOptions } from './types.js';

/** The distinct non-empty strings of `values`, in first-seen order. */
const uniqueStrings = (values: readonly string[]): string[] => [...new Set(values.filter((value) => value !== ''))];

/**
 * Every task's value, in order, once all of them have settled: no statement is left in flight when the transaction
 * ends. Rejects with the first failure in order (an adapter runs a transaction's statements in turn).
 */
async function settleAll<T>(tasks: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** The reps an assignment picks from: each with its open leads, and the users with role `rep` (the default pool). */
interface AssignmentPool {
  readonly candidates: readonly AssignmentCandidate[];
  readonly reps: readonly string[];
}

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
   * The records `subject` may duplicate, found through indexes, never by reading a collection: leads (not
   * converted), customers and contacts (with their organisation's name as company) that share a key with it.
   *
   * - Records the services wrote carry `matchKeys` (see `match-keys.ts`): one `hasAny` lookup per collection finds
   *   every record with one of the subject's e-mail addresses or phone numbers, and, for the name + company rule,
   *   every person whose name folds to the same key (case, accents, punctuation and word order aside). The rule then
   *   compares names and companies as before, so a company spelled differently is still found; a name spelled
   *   differently (`Jon` for `John`) is not, since no index holds "similar" names.
   * - Records written before match keys existed are found through the indexed contact fields, with the forms the CRM
   *   stores: leads by `email` and `phone`, customers and contacts by `emails` and `phones` (e-mail addresses
   *   lower-cased, numbers in E.164), and all three by `name` spelled exactly as the subject's (normalised) name. A
   *   number stored in another format (`138 0013 8000`) or a name in another case or word order is not found there;
   *   such a record gains its keys, and is found, the next time a service writes it.
   *
   * A collection's lookups are one query (their `any`), and the three collections are read at the same time: inside a
   * capture they run under the tenant's write lock, where every statement costs.
   *
   * Phones are compared through `normalisePhone` when the subject has one (the caller loads it before any transaction
   * opens); without it they are compared as stored (E.164), which matters to no rule then.
   */
  const dedupeRecords = async (
    ops: StorageOperations,
    subject: DedupeSubject,
    normalisePhone: PhoneNormaliser | undefined,
  ): Promise<DedupeRecord[]> => {
    const emails = dedupeRules.email.policy === 'allow' ? [] : uniqueStrings(subject.emails.map(normaliseEmail));
    const phones = dedupeRules.phone.policy === 'allow' ? [] : uniqueStrings(subject.phones);
    const fuzzy = dedupeRules.nameCompany.policy !== 'allow' && subject.name !== undefined && !!subject.company;
    const name = fuzzy ? subject.name : undefined;
    const keys = matchKeysFrom({ emails, phones, name });
    if (keys.length === 0) return [];
    const byKeys: Filter = { field: MATCH_KEYS_FIELD, op: 'hasAny', values: keys };
    const legacy = (filter: Filter): Filter => ({
      all: [filter, { field: MATCH_KEYS_FIELD, op: 'exists', value: false }],
    });
    const find = async (collection: string, fields: { email: string; phone: string; multi: boolean }) => {
      const lookups: Filter[] = [byKeys];
      const op = fields.multi ? 'hasAny' : 'in';
      if (emails.length > 0) lookups.push(legacy({ field: fields.email, op, values: emails }));
      if (phones.length > 0) lookups.push(legacy({ field: fields.phone, op, values: phones }));
      if (name !== undefined) lookups.push(legacy({ field: 'name', op: 'eq', value: name }));
      // One statement for every lookup: each adapter serves `any` as the union of its children's index lookups, and a
      // query returns each record once. Sorted here as before, whatever order an engine's collation gives ids.
      const found = await loadAll(ops, collection, { any: lookups });
      return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    };
    // The three collections are read at once (they are independent), then processed in the order they always were.
    const [leads = [], customers = [], contacts = []] = await settleAll([
      find('leads', { email: 'email', phone: 'phone', multi: false }),
      find('customers', { email: 'emails', phone: 'phones', multi: true }),
      find('contacts', { email: 'emails', phone: 'phones', multi: true }),
    ]);
    const phoneOptions = normaliseOptions(normalisePhone);
    const records: DedupeRecord[] = [];
    for (const lead of leads) {
      if (lead['status'] === 'converted') continue;
      records.push(toDedupeRecord('lead', dedupeSource(lead), phoneOptions));
    }
    const organisations = new Map<string, string | undefined>();
    for (const customer of customers) {
      const organisation = customer['kind'] === 'organisation';
      const customerName = stringField(customer, 'name');
      if (organisation) organisations.set(customer.id, customerName);
      // An organisation is not a person: it matches by email and phone only (no name), with its name as company.
      const source = dedupeSource(customer, organisation ? customerName : undefined);
      const { name: _name, ...withoutName } = source;
      records.push(toDedupeRecord('customer', organisation ? withoutName : source, phoneOptions));
    }
    // A contact's company is its organisation's name, read only for the contacts found.
    const missing = uniqueStrings(contacts.map((contact) => String(contact['customerId']))).filter(
      (id) => !organisations.has(id),
    );
    for (const customer of missing.length === 0 ? [] : await ops.getMany('customers', missing)) {
      if (customer?.['kind'] === 'organisation') organisations.set(customer.id, stringField(customer, 'name'));
    }
    for (const contact of contacts) {
      const company = organisations.get(String(contact['customerId']));
      records.push(toDedupeRecord('contact', dedupeSource(contact, company), phoneOptions));
    }
    return records;
  };

  // ---- assignment -------------------------------------------------------------------------------------------------

  const stateId = (key: string) => `leads:${key}`;

  /**
   * The reps an assignment may pick, read inside `tx`: the users and their open leads where the count can matter (not
   * counting `reassigned`, the open lead being assigned again).
   */
  const candidatesFor = async (
    tx: StorageOperations,
    config: AssignmentConfig,
    reassigned?: { readonly ownerId?: string | undefined },
  ): Promise<AssignmentPool> => {
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
    const parsed = [...users.values()].map((record) => fromStorage(userSchema, record, 'user'));
    // `decideAssignment` reads a rep's open leads only when the rep is active (`ineligibility` stops at inactive), to
    // compare them with its capacity or to pick the least loaded; nothing it reports shows them. Anyone else is given
    // 0, which changes no decision, and the counts needed are made at once (one statement where the engine can).
    const leastLoaded = [config.strategy, ...(config.rules ?? []).map((rule) => rule.strategy)].some(
      (strategy) => strategy?.kind === 'leastLoaded',
    );
    const counted = parsed.filter((user) => user.active && (leastLoaded || user.capacity !== undefined));
    // Owner and status alone: the `[ownerId+status]` index counts them without reading a lead.
    const filters: Filter[] = counted.map((user) => ({ all: [eq('ownerId', user.id), openLeadsFilter] }));
    const counts = tx.countEach
      ? await tx.countEach('leads', filters)
      : await settleAll(filters.map((where) => tx.count('leads', where)));
    const open = new Map(
      counted.map((user, i) => [user.id, reassigned?.ownerId === user.id ? counts[i]! - 1 : counts[i]!]),
    );
    const candidates: AssignmentCandidate[] = parsed.map((user) => ({
      id: user.id,
      active: user.active,
      ...(user.capacity === undefined ? {} : { capacity: user.capacity }),
      openLeads: open.get(user.id) ?? 0,
    }));
    return { candidates, reps };
  };

  /**
   * Decides an owner inside `tx` from `pool` ({@link candidatesFor}) and the rotation states, which it reads and
   * writes: every assignment appends to them, so they are read after the transaction's turn (`serialize`).
   */
  const decideFrom = async (
    tx: StorageOperations,
    lead: object,
    config: AssignmentConfig,
    { candidates, reps }: AssignmentPool,
  ) => {
    await tx.serialize?.();
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
    const effective: AssignmentConfig = { ...config, repIds: config.repIds ?? [...reps].sort() };
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

  /** Decides an owner inside `tx` ({@link candidatesFor}, then {@link decideFrom}). */
  const decide = async (
    tx: StorageOperations,
    lead: object,
    config: AssignmentConfig,
    reassigned?: { readonly ownerId?: string | undefined },
  ) => decideFrom(tx, lead, config, await candidatesFor(tx, config, reassigned));

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
    candidatesFor,
    decideFrom,
    assignmentRecord,
    writeLead,
    updatedEvent,
    createRecord,
    transition,
    statusError,
  };
}
