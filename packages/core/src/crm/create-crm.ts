import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { currencyCodeSchema } from '../money/money.js';
import { defaultIdGenerator, idSchema, type IdGenerator } from '../model/primitives.js';
import { userRoles } from '../model/user.js';
import {
  customerInputSchema,
  customerPatchSchema,
  customerSchema,
  contactInputSchema,
  contactPatchSchema,
  contactSchema,
  type Customer,
  type CustomerInput,
  type CustomerPatch,
  type Contact,
  type ContactInput,
  type ContactPatch,
} from '../model/customer.js';
import {
  activityInputSchema,
  activityPatchSchema,
  activitySchema,
  taskInputSchema,
  taskPatchSchema,
  taskSchema,
  type Activity,
  type ActivityInput,
  type ActivityPatch,
  type Task,
  type TaskInput,
  type TaskPatch,
} from '../model/activity.js';
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
import type { StoragePort, QueryOptions } from '../storage/port.js';
import { AUDIT_COLLECTION } from './collections.js';
import { createContext, type CrmActor } from './context.js';
import { createEntityService, type EntityPage, type EntityService } from './entity-service.js';
import { CrmEvents, type CrmEventMap, type CrmEventName } from './events.js';
import { DEFAULT_LOST_REASON_CODES, lostReasonsSchema } from '../funnel/pipeline.js';
import { createDealService, type DealService } from './deals.js';
import { createPipelineService, type PipelineService } from './pipelines.js';
import { createReportService, type ReportService } from './reports.js';
import { createLeadService, type LeadService, type LeadServiceOptions } from './leads.js';

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
  /** Makes record ids; `crypto.randomUUID()` by default. */
  readonly idGenerator?: IdGenerator;
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
}

/** The CRM: one service per entity over one storage adapter, plus domain events and the audit log. */
export interface Crm {
  readonly customers: EntityService<CustomerInput, Customer, CustomerPatch>;
  readonly contacts: EntityService<ContactInput, Contact, ContactPatch>;
  /** Leads: capture with normalisation, de-duplication, scoring and assignment; merge, qualify, convert, SLA. */
  readonly leads: LeadService;
  /** Deals, with stage history: `moveToStage` is the one way a deal changes stage. */
  readonly deals: DealService;
  /** Pipelines, the built-in one (`ensureDefault`) and stage edits that keep deals and history consistent. */
  readonly pipelines: PipelineService;
  readonly activities: EntityService<ActivityInput, Activity, ActivityPatch>;
  readonly tasks: EntityService<TaskInput, Task, TaskPatch>;
  readonly users: EntityService<UserInput, User, UserPatch>;
  readonly teams: EntityService<TeamInput, Team, TeamPatch>;
  /** Definitions of custom fields: a host adds fields to an entity without code, and every write enforces them. */
  readonly customFields: EntityService<CustomFieldDefinitionInput, CustomFieldDefinition, CustomFieldDefinitionPatch>;
  /** The funnel report and the weighted forecast over stored data. */
  readonly reports: ReportService;
  /** The lost-reason codes deals may carry. */
  readonly lostReasons: readonly string[];
  /** The audit log, newest first unless `orderBy` says otherwise. */
  readonly audit: { list(options?: QueryOptions): Promise<EntityPage<AuditEntry>> };
  readonly storage: StoragePort;
  readonly actor: CrmActor;
  readonly timeZone: string;
  readonly currency: string;
  /** Subscribes to a domain event after its change has committed; returns the function that unsubscribes. */
  on<N extends CrmEventName>(name: N, handler: (payload: CrmEventMap[N]) => void): () => void;
}

const optionsSchema = z.object({
  actor: z.object({ id: idSchema, role: z.optional(z.enum(userRoles)) }),
  timeZone: z.optional(
    z.string().check(
      z.refine((zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'Expected an IANA time zone such as Asia/Shanghai'),
    ),
  ),
  currency: z.optional(currencyCodeSchema),
  lostReasons: z.optional(lostReasonsSchema),
});

/** Creates the CRM over a storage adapter. Async so later versions can prepare storage (migrations, defaults). */
export async function createCrm(options: CreateCrmOptions): Promise<Crm> {
  const checked = parseOrThrow(optionsSchema, options, 'createCrm options');
  const events = new CrmEvents();
  const context = createContext({
    storage: options.storage,
    actor: checked.actor,
    events,
    clock: options.clock ?? (() => new Date()),
    idGenerator: options.idGenerator ?? defaultIdGenerator,
    timeZone: checked.timeZone ?? 'UTC',
    currency: checked.currency ?? 'CNY',
  });
  const lostReasons: readonly string[] = Object.freeze([...(checked.lostReasons ?? DEFAULT_LOST_REASON_CODES)]);
  return {
    customers: createEntityService(context, {
      name: 'customer',
      collection: 'customers',
      schemas: { input: customerInputSchema, record: customerSchema, patch: customerPatchSchema },
      ownerField: 'ownerId',
      customFields: 'customer',
    }),
    contacts: createEntityService(context, {
      name: 'contact',
      collection: 'contacts',
      schemas: { input: contactInputSchema, record: contactSchema, patch: contactPatchSchema },
      customFields: 'contact',
    }),
    leads: createLeadService(context, options.leads),
    deals: createDealService(context, lostReasons),
    pipelines: createPipelineService(context, lostReasons),
    activities: createEntityService(context, {
      name: 'activity',
      collection: 'activities',
      schemas: { input: activityInputSchema, record: activitySchema, patch: activityPatchSchema },
      ownerField: 'ownerId',
      customFields: 'activity',
    }),
    tasks: createEntityService(context, {
      name: 'task',
      collection: 'tasks',
      schemas: { input: taskInputSchema, record: taskSchema, patch: taskPatchSchema },
      ownerField: 'assigneeId',
      customFields: 'task',
    }),
    users: createEntityService(context, {
      name: 'user',
      collection: 'users',
      schemas: { input: userInputSchema, record: userSchema, patch: userPatchSchema },
    }),
    teams: createEntityService(context, {
      name: 'team',
      collection: 'teams',
      schemas: { input: teamInputSchema, record: teamSchema, patch: teamPatchSchema },
    }),
    customFields: createEntityService(context, {
      name: 'customFieldDefinition',
      collection: CUSTOM_FIELDS_COLLECTION,
      schemas: {
        input: customFieldDefinitionInputSchema,
        record: customFieldDefinitionSchema,
        patch: customFieldDefinitionPatchSchema,
      },
    }),
    reports: createReportService(context),
    lostReasons,
    audit: {
      async list(queryOptions) {
        const page = await context.storage.query(AUDIT_COLLECTION, {
          orderBy: [{ field: 'at', direction: 'desc' }],
          ...queryOptions,
        });
        return {
          records: page.records.map((record) => parseOrThrow(auditEntrySchema, record, 'stored audit entry')),
          ...(page.next ? { next: page.next } : {}),
        };
      },
    },
    storage: options.storage,
    actor: checked.actor,
    timeZone: context.timeZone,
    currency: context.currency,
    on: (name, handler) => events.on(name, handler),
  };
}
