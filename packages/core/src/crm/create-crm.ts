import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { exchangeRateTableSchema, type ExchangeRateTable } from '../money/exchange.js';
import { currencyCodeSchema } from '../money/money.js';
import {
  countryCodeSchema,
  defaultIdGenerator,
  idSchema,
  objectOption,
  optionalFunction,
  type IdGenerator,
} from '../model/primitives.js';
import { userRoles } from '../model/user.js';
import type { Contact, ContactInput, ContactPatch } from '../model/customer.js';
import { isTimeZone, TIME_ZONE_MESSAGE } from '../model/activity.js';
import {
  teamInputSchema,
  teamPatchSchema,
  teamSchema,
  userInputSchema,
  userPatchSchema,
  userSchema,
  type Team,
  type TeamInput,
  type TeamPatch,
  type User,
  type UserInput,
  type UserPatch,
} from '../model/user.js';
import {
  CUSTOM_FIELDS_COLLECTION,
  customFieldDefinitionInputSchema,
  customFieldDefinitionPatchSchema,
  customFieldDefinitionSchema,
  type CustomFieldDefinition,
  type CustomFieldDefinitionInput,
  type CustomFieldDefinitionPatch,
} from '../model/custom-fields.js';
import { auditEntrySchema, type AuditEntry } from '../model/compliance.js';
import type { ChangeListener, QueryOptions, StoragePort } from '../storage/port.js';
import type { AccessPolicy } from '../access/policy.js';
import { createBackupService, type CrmBackup } from '../backup/backup.service.js';
import { guardedAggregates } from '../customers/guarded-aggregates.service.js';
import { configurationOnly } from '../access/configuration.js';
import {
  AUDIT_COLLECTION,
  CrmEvents,
  createContext,
  createEntityService,
  storedReader,
  type EntityPage,
  auditHead,
  verifyAuditLog,
  type AuditHead,
  type AuditVerification,
  type EntityDescriptor,
  type EntityService,
  readPolicy,
} from '../kernel/index.js';
import type { CrmActor } from '../kernel/context.js';
import type { BackgroundErrorHandler } from '../kernel/background.js';
import type { CrmEventMap, CrmEventName } from '../kernel/events.js';
import { createCustomerAggregates, type CustomerAggregates } from '../customers/aggregates.service.js';
import { createCustomerService, type CustomerService } from '../customers/customer.service.js';
import { createContactService } from '../customers/contact.service.js';
import { createDealService, type DealService } from '../funnel/deal.service.js';
import { createPipelineService, type PipelineService } from '../funnel/pipeline.service.js';
import { createReportService, type ReportService } from '../funnel/analytics.service.js';
import { DEFAULT_LOST_REASON_CODES, lostReasonsSchema } from '../funnel/pipeline.js';
import { createLeadService, type LeadService, type LeadServiceOptions } from '../leads/index.js';
import type { PhoneNormaliser } from '../leads/normalise.js';
import type { LifecycleConfig } from '../lifecycle/rules.js';
import { createSalesReportService, type SalesReportService } from '../reports/sales.service.js';
import { createSegmentService, type SegmentService } from '../segments/segment.service.js';
import {
  createReminderScheduler,
  type ReminderScheduler,
  type ReminderSchedulerOptions,
} from '../tasks/reminders.service.js';
import { createTaskService, type TaskService, type TaskServiceOptions } from '../tasks/task.service.js';
import { createActivityService, type ActivityService } from '../timeline/activity.service.js';

export interface CreateCrmOptions {
  /** Where the CRM keeps its data: any adapter implementing the storage port. */
  readonly storage: StoragePort;
  /** Who is acting; every write is attributed to them. */
  readonly actor: CrmActor;
  /** The clock for timestamps and relative rules; the system clock by default. */
  readonly clock?: () => Date;
  /** The IANA time zone reports bucket days in, e.g. `Asia/Shanghai`. Default `UTC`. */
  readonly timeZone?: string;
  /** The ISO 4217 currency amounts default to and reports total in. Default `CNY`. */
  readonly currency?: string;
  /**
   * Exchange rates into `currency`, dated: board column totals, the customer's value, RFM and reports convert amounts
   * in other currencies with them (each deal keeps its own amount). Without them, such amounts are shown apart and
   * reports ask for `rates`. E.g. `{ asOf: '2026-12-01', rates: { USD: 7.1 } }`.
   */
  readonly exchangeRates?: ExchangeRateTable;
  /** Makes record ids; `crypto.randomUUID()` by default. */
  readonly idGenerator?: IdGenerator;
  /**
   * The ISO 3166-1 alpha-2 region phone numbers written without `+` are read in when a record has no `country` of
   * its own, e.g. `CN` (for customers, contacts and leads; `leads.defaultRegion` overrides it for leads). Without one,
   * only international numbers (`+…`) are accepted. Phones are stored in E.164 and validated with libphonenumber-js's
   * full metadata, which is loaded on demand the first time a write carries a phone number.
   */
  readonly defaultRegion?: string;
  /** The host's own phone normaliser instead of libphonenumber-js (`leads.normalisePhone` overrides it for leads). */
  readonly normalisePhone?: PhoneNormaliser;
  /**
   * The lost-reason codes a deal moved to a lost stage may carry; `DEFAULT_LOST_REASON_CODES` by default (labels in
   * `DEFAULT_LOST_REASONS`). A host with its own codes labels them itself.
   */
  readonly lostReasons?: readonly string[];
  /**
   * Lead management: the default region for phone numbers written without `+` (e.g. `CN`), de-duplication policies,
   * the scoring model, the assignment strategy and the follow-up SLA. See the leads guide.
   */
  readonly leads?: LeadServiceOptions;
  /** Lifecycle stages (names in en and zh-CN) and the rules that move customers; the defaults when left out. */
  readonly lifecycle?: LifecycleConfig;
  /** Tasks: the time zone of tasks created without one (default: the CRM's). */
  readonly tasks?: TaskServiceOptions;
  /** Defaults of `crm.reminders()`: the notifier, the clock, whose tasks, the catch-up window. */
  readonly reminders?: CrmReminderOptions;
  /**
   * Receives failures of background work (customer aggregates, lead re-scoring) with `{ task }`; by default each
   * emits `background.error` (`{ task, code }`) and warns on the console. Never an unhandled rejection.
   */
  readonly onBackgroundError?: BackgroundErrorHandler;
  /**
   * Who may see and change what: roles, ownership, teams, capabilities (see the security guide). Core applies it to
   * every service call. `defaultAccessPolicy` when left out.
   */
  readonly policy?: AccessPolicy;
}

/** The audit log as an actor with the `audit` capability reads it. */
export interface CrmAudit {
  /** Entries, newest first unless `orderBy` says otherwise. */
  list(options?: QueryOptions): Promise<EntityPage<AuditEntry>>;
  /**
   * Walks the chain and reports the first broken link: an entry changed (`hash`), removed (`sequence`) or malformed
   * (`shape`); with a `head` kept earlier, also a log cut back or rewritten at its end (`truncated`).
   */
  verify(options?: { readonly head?: AuditHead }): Promise<AuditVerification>;
  /** The newest entry's sequence number and hash, to keep outside the CRM and pass to `verify` later. */
  head(): Promise<AuditHead | undefined>;
}

/** Reads by id through the policy: what the elements use to follow changes. */
export interface CrmRecords {
  /** The record, or `undefined` when there is none or the actor may not read it. */
  get(collection: string, id: string): Promise<Record<string, unknown> | undefined>;
  /** The records, in the same order; `undefined` where there is none or the actor may not read it. */
  getMany(collection: string, ids: readonly string[]): Promise<(Record<string, unknown> | undefined)[]>;
}

/** What `crm.reminders()` can be told; the storage and event bus are the CRM's own. */
export type CrmReminderOptions = Omit<ReminderSchedulerOptions, 'storage' | 'emit'>;

/** The CRM: one service per entity over one storage adapter, plus domain events and the audit log. */
export interface Crm {
  /** Customers with lifecycle stages and history, and `view360(id)`: the whole picture in a bounded number of reads. */
  readonly customers: CustomerService;
  /** Saved segments over attributes, behaviour and value: members, explanations, sizes and overlaps. */
  readonly segments: SegmentService;
  /** Per-customer aggregates (value, recent activity, RFM) kept up to date on events; segments read them. */
  readonly aggregates: CustomerAggregates;
  readonly contacts: EntityService<ContactInput, Contact, ContactPatch>;
  /** Leads: capture with normalisation, de-duplication, scoring and assignment; merge, qualify, convert, SLA. */
  readonly leads: LeadService;
  /** Deals, with stage history: `moveToStage` is the one way a deal changes stage. */
  readonly deals: DealService;
  /** Pipelines, the built-in one (`ensureDefault`) and stage edits that keep deals and history consistent. */
  readonly pipelines: PipelineService;
  /** Activities across channels; logging one updates the related records' `lastActivityAt`; the timeline. */
  readonly activities: ActivityService;
  /** Tasks with reminders and recurrence: complete (next occurrence), snooze, overdue and due-today lists. */
  readonly tasks: TaskService;
  readonly users: EntityService<UserInput, User, UserPatch>;
  readonly teams: EntityService<TeamInput, Team, TeamPatch>;
  /** Definitions of custom fields: a host adds fields to an entity without code, and every write enforces them. */
  readonly customFields: EntityService<CustomFieldDefinitionInput, CustomFieldDefinition, CustomFieldDefinitionPatch>;
  /** The funnel report and the weighted forecast over stored data. */
  /** Funnel and forecast, sales trend, lead sources with ROI, salesperson performance; costs and quotas. */
  readonly reports: ReportService & SalesReportService;
  /**
   * A reminder scheduler over this CRM's storage that emits `task.reminder` on the CRM's events and calls the
   * notifier. Not started automatically: call `start()` (and `stop()`) where reminders should be delivered.
   */
  reminders(overrides?: Partial<CrmReminderOptions>): ReminderScheduler;
  /** The lost-reason codes deals may carry. */
  readonly lostReasons: readonly string[];
  /** The audit log (capability `audit`): append-only and hash-chained (see the privacy guide). */
  readonly audit: CrmAudit;
  /** Reads by id, as the actor may see them (the policy's scope, personal data masked without `pii`). */
  readonly records: CrmRecords;
  /** Whole-CRM snapshots (capability `backup`): export, and restore after every record was validated; audited. */
  readonly backup: CrmBackup;
  /**
   * Calls `listener` after every committed change, with collection, id and version only (never contents): re-read
   * what matters through the services, which apply the policy. Returns the function that unsubscribes.
   */
  subscribe(listener: ChangeListener): () => void;
  /**
   * The same CRM acting as someone else (capability `actAs`, admins by default): a new `Crm` over the same storage
   * and options with its own frozen actor.
   */
  as(actor: CrmActor): Promise<Crm>;
  /** Who acts: a frozen copy of the `actor` option, role defaulted to `rep`. */
  readonly actor: Readonly<Required<CrmActor>>;
  readonly timeZone: string;
  readonly currency: string;
  /** The region phone numbers without `+` are read in (`defaultRegion`, else `leads.defaultRegion`), if any. */
  readonly defaultRegion?: string;
  /** The exchange rates the CRM was given (into `currency`), or `undefined`. */
  readonly exchangeRates: ExchangeRateTable | undefined;
  /**
   * Stops everything this CRM runs in the background (aggregate updates, lead re-scoring, caches) and drops every
   * event handler; call it when the host unmounts the CRM. No new background work starts once it is called; the
   * promise resolves when the work already under way has finished, so the host may then close the storage adapter
   * (which is the host's: close it separately) without cutting a write in half.
   */
  dispose(): Promise<void>;
  /**
   * Resolves when all background work this CRM started has finished: customer aggregate updates (and the lifecycle
   * moves they trigger) and lead re-scoring. Await it before reading what that work writes, e.g. in tests, after an
   * import, or before `storage.export()`. Replaces `crm.aggregates.settled()` and `crm.leads.whenIdle()`.
   */
  settled(): Promise<void>;
  /** Subscribes to a domain event after its change has committed; returns the function that unsubscribes. */
  on<N extends CrmEventName>(name: N, handler: (payload: CrmEventMap[N]) => void): () => void;
}

const verifyOptionsSchema = /* @__PURE__ */ z.strictObject({
  head: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.strictObject({
      seq: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive()),
      hash: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.regex(/^[0-9a-f]{64}$/)),
      id: idSchema,
    }),
  ),
});

const optionsSchema = /* @__PURE__ */ z.strictObject({
  actor: /* @__PURE__ */ z.strictObject({
    id: idSchema,
    role: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(userRoles)),
  }),
  timeZone: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.refine(isTimeZone, TIME_ZONE_MESSAGE)),
  ),
  currency: /* @__PURE__ */ z.optional(currencyCodeSchema),
  defaultRegion: /* @__PURE__ */ z.optional(countryCodeSchema),
  normalisePhone: /* @__PURE__ */ optionalFunction<PhoneNormaliser>(),
  exchangeRates: /* @__PURE__ */ z.optional(exchangeRateTableSchema),
  lostReasons: /* @__PURE__ */ z.optional(lostReasonsSchema),
  // Checked here for presence and kind only; each service parses its own options strictly.
  storage: /* @__PURE__ */ objectOption<StoragePort>('Expected a storage adapter'),
  clock: /* @__PURE__ */ optionalFunction<() => Date>(),
  idGenerator: /* @__PURE__ */ optionalFunction<IdGenerator>(),
  policy: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.custom<AccessPolicy>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as AccessPolicy).scope === 'function' &&
        typeof (value as AccessPolicy).allows === 'function',
      'Expected an access policy: { scope, allows }',
    ),
  ),
  leads: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  lifecycle: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  tasks: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  reminders: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  onBackgroundError: /* @__PURE__ */ optionalFunction<BackgroundErrorHandler>(),
});

/** Creates the CRM over a storage adapter. Async so later versions can prepare storage (migrations, defaults). */
export async function createCrm(options: CreateCrmOptions): Promise<Crm> {
  const checked = parseOrThrow(optionsSchema, options, 'createCrm options');
  const events = new CrmEvents();
  const context = createContext({
    storage: readPolicy(options.storage),
    actor: checked.actor,
    ...(options.policy ? { policy: options.policy } : {}),
    events,
    clock: options.clock ?? (() => new Date()),
    idGenerator: options.idGenerator ?? defaultIdGenerator,
    timeZone: checked.timeZone ?? 'UTC',
    currency: checked.currency ?? 'CNY',
    exchangeRates: checked.exchangeRates
      ? Object.freeze({ asOf: checked.exchangeRates.asOf, rates: Object.freeze({ ...checked.exchangeRates.rates }) })
      : undefined,
  });
  const lostReasons: readonly string[] = Object.freeze([...(checked.lostReasons ?? DEFAULT_LOST_REASON_CODES)]);
  // The aggregator subscribes to events before any service can write.
  // Aggregates are kept by the CRM itself, whoever's change triggered them: they read and write past the policy.
  const aggregates = createCustomerAggregates({ ...context, storage: context.system }, checked.onBackgroundError);
  const segments = createSegmentService(context, aggregates);
  // Phones: the CRM's region and normaliser, which the lead service's own options override for leads.
  const defaultRegion = checked.defaultRegion ?? regionOption(options.leads);
  const phones = {
    ...(defaultRegion === undefined ? {} : { defaultRegion }),
    ...(checked.normalisePhone === undefined ? {} : { normalisePhone: checked.normalisePhone }),
  };
  // Anything but an object is handed on as it is, for the lead service to refuse.
  const deals = createDealService(context, lostReasons);
  const leads = createLeadService(
    context,
    isPlainObject(options.leads) || options.leads === undefined ? { ...phones, ...options.leads } : options.leads,
    deals,
    checked.onBackgroundError,
  );
  const readAuditEntry = storedReader(auditEntrySchema, 'audit entry');
  /** An entity service of configuration: its writes need `configure`. */
  const configured = <I, E extends { id: string }, P>(name: string, descriptor: EntityDescriptor<I, E, P>) =>
    configurationOnly(context.guard, createEntityService(context, descriptor), name, ['create', 'update', 'remove']);
  /** Waits for every piece of background work (aggregate updates, lead re-scoring) until none is left. */
  const settled = async (): Promise<void> => {
    // Neither starts work for the other: aggregates follow deal and activity events (and run the lifecycle rules
    // inside their own queue), re-scoring follows activity and lead events. Each waits until its own queue is empty.
    await Promise.all([aggregates.settled(), leads.settled()]);
  };
  return {
    customers: createCustomerService(context, {
      aggregates,
      segments,
      ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
      ...phones,
    }),
    segments,
    aggregates: guardedAggregates(context, aggregates),
    contacts: createContactService(context, phones),
    leads,
    deals,
    pipelines: configurationOnly(context.guard, createPipelineService(context, lostReasons), 'pipeline', [
      'update',
      'remove',
      'rename',
      'addStage',
      'updateStage',
      'reorderStages',
      'removeStage',
    ]),
    activities: createActivityService(context),
    tasks: createTaskService(context, options.tasks),
    users: configured('user', {
      name: 'user',
      collection: 'users',
      schemas: { input: userInputSchema, record: userSchema, patch: userPatchSchema },
    }),
    teams: configured('team', {
      name: 'team',
      collection: 'teams',
      schemas: { input: teamInputSchema, record: teamSchema, patch: teamPatchSchema },
    }),
    customFields: configured('customFieldDefinition', {
      name: 'customFieldDefinition',
      collection: CUSTOM_FIELDS_COLLECTION,
      schemas: {
        input: customFieldDefinitionInputSchema,
        record: customFieldDefinitionSchema,
        patch: customFieldDefinitionPatchSchema,
      },
    }),
    reports: { ...createReportService(context), ...createSalesReportService(context) },
    reminders: (overrides) =>
      createReminderScheduler({
        storage: context.storage,
        ...options.reminders,
        ...overrides,
        emit: (name, payload) => events.emit(name, payload),
      }),
    lostReasons,
    audit: {
      async list(queryOptions) {
        await context.guard.require('audit', 'audit.list');
        const page = await context.system.query(AUDIT_COLLECTION, {
          orderBy: [{ field: 'at', direction: 'desc' }],
          ...queryOptions,
        });
        return {
          records: page.records.map(readAuditEntry),
          ...(page.next ? { next: page.next } : {}),
        };
      },
      async verify(verifyOptions) {
        await context.guard.require('audit', 'audit.verify');
        return verifyAuditLog(context.system, parseOrThrow(verifyOptionsSchema, verifyOptions ?? {}, 'verify options'));
      },
      async head() {
        await context.guard.require('audit', 'audit.head');
        return auditHead(context.system);
      },
    },
    records: {
      get: (collection, id) => context.storage.get(collection, id),
      getMany: (collection, ids) => context.storage.getMany(collection, ids),
    },
    backup: createBackupService(context),
    subscribe: (listener) => context.storage.subscribe(listener),
    async as(actor) {
      await context.guard.require('actAs', 'crm.as');
      return createCrm({ ...options, actor });
    },
    actor: context.actor,
    timeZone: context.timeZone,
    currency: context.currency,
    ...(defaultRegion === undefined ? {} : { defaultRegion }),
    exchangeRates: context.exchangeRates,
    on: (name, handler) => events.on(name, handler),
    settled,
    async dispose() {
      // Unsubscribed first, so nothing new is queued; then what is queued or running is let finish.
      aggregates.dispose();
      leads.dispose();
      context.dispose();
      events.clear();
      await Promise.allSettled([aggregates.settled(), leads.settled()]);
    },
  };
}

/** True for a non-null, non-array object. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The lead options' `defaultRegion` when it is a region code (the lead service reports it otherwise). */
function regionOption(leads: unknown): string | undefined {
  const region = isPlainObject(leads) ? leads['defaultRegion'] : undefined;
  const code = typeof region === 'string' ? region.trim().toUpperCase() : '';
  return /^[A-Z]{2}$/.test(code) ? code : undefined;
}
