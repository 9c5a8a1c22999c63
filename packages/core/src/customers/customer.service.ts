import { ValidationError } from '../errors/errors.js';
import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { createEntityService, fromStorage, objectInput, type EntityPage, type EntityService } from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import { lifecycleChangeSchema, LIFECYCLE_CHANGES_COLLECTION, type LifecycleChange } from '../lifecycle/events.js';
import { createLifecycleService, type LifecycleOperations } from '../lifecycle/lifecycle.service.js';
import type { LifecycleConfig } from '../lifecycle/rules.js';
import type { PhoneNormaliser } from '../leads/normalise.js';
import { activitySchema, taskSchema, type Activity, type Task } from '../model/activity.js';
import { consentSchema, type Consent } from '../model/compliance.js';
import {
  contactSchema,
  customerInputSchema,
  customerPatchSchema,
  customerSchema,
  type Contact,
  type Customer,
  type CustomerInput,
  type CustomerPatch,
} from '../model/customer.js';
import { dealSchema, type Deal } from '../model/deal.js';
import { segmentSchema, type Segment } from '../model/segment.js';
import type { SegmentService } from '../segments/segment.service.js';
import { activityRemovalHooks, timelineActivitiesQuery } from '../timeline/activity.service.js';
import { decodeTimelineCursor, encodeTimelineCursor, timelineKey } from '../timeline/timeline.js';
import { purchaseFrequency } from '../value/index.js';
import type { CustomerAggregates } from './aggregates.service.js';
import { withMatchKeys } from '../leads/service/keyed-storage.js';
import { createPhoneReader, phonesIntake } from './phones.service.js';
import { contactsFollowOwner } from './contact-owners.service.js';
import type { StoredCustomerStats } from './stats.js';

/** Value metrics of one customer, from its aggregate. */
export interface CustomerValue {
  readonly lifetimeValue: Readonly<Record<string, number>>;
  readonly averageOrderValue: Readonly<Record<string, number>>;
  /** Won deals per year over the last 365 days. */
  readonly purchaseFrequency: number;
  readonly wonDeals: number;
  readonly lastPurchaseAt?: string;
  readonly rfm?: StoredCustomerStats['rfm'];
}

/** Everything about one customer in one call (客户360度视图). */
export interface Customer360 {
  readonly customer: Customer;
  readonly contacts: Contact[];
  readonly lifecycle: { readonly stage: string; readonly history: LifecycleChange[] };
  readonly segments: { readonly id: string; readonly name: string }[];
  readonly value: CustomerValue;
  readonly deals: { readonly open: Deal[]; readonly closed: Deal[] };
  /**
   * The first page of the customer's activity timeline across channels, at most `activityLimit` activities, in the
   * order of `crm.activities.timeline`: newest `occurredAt` first, activities of one instant by id, descending.
   *
   * Activities only: completed tasks, which `crm.activities.timeline` merges in by default, are not part of it (the
   * view lists open tasks under `tasks`, and this page stays `EntityPage<Activity>`). So continue with the same
   * filter, `includeTasks: false`:
   *
   * ```ts
   * crm.activities.timeline({ kind: 'customer', id }, { after: view.timeline.next, limit, includeTasks: false });
   * ```
   *
   * `next`, present when more activities follow, is a `crm.activities.timeline` cursor placed right after the last
   * record, so those pages continue exactly there: nothing skipped or repeated, also among activities that share
   * an instant across the page end. (Without `includeTasks: false` the next pages would merge in completed tasks
   * older than the cursor while this page left out the newer ones.) `view360(id, { activitiesAfter: next })` reads
   * the same next page.
   */
  readonly timeline: EntityPage<Activity>;
  /**
   * The customer's open tasks (earliest due first; `overdue` those due before now) and its most recently completed
   * ones (`completed`, newest `completedAt` first, at most 20). A completed task is its own trace: it stays on the
   * customer's timeline (`crm.activities.timeline` merges completed tasks in) until `crm.tasks.reopen` undoes it.
   */
  readonly tasks: { readonly open: Task[]; readonly overdue: Task[]; readonly completed: Task[] };
  /** The latest consent record per purpose. */
  readonly consents: Consent[];
}

/** Options of {@link CustomerService.view360}. */
export interface View360Options {
  /** Activities per timeline page, 1–200; default 50. */
  readonly activityLimit?: number;
  /**
   * Where the timeline page starts: the `timeline.next` of a previous call, or the `next` of a
   * `crm.activities.timeline` page of this customer.
   */
  readonly activitiesAfter?: string;
}

/**
 * Customers: CRUD with lifecycle stages validated against the configuration, lifecycle rules and history, 360° view.
 * `remove(id, { expectedVersion, dependants })` refuses a customer that contacts, deals, activities, tasks or consents
 * point at (`DependantsError`), or with `dependants: 'cascade'` deletes them with it; its lifecycle history and
 * aggregate go with it either way.
 */
export interface CustomerService extends EntityService<CustomerInput, Customer, CustomerPatch>, LifecycleOperations {
  /**
   * One call for the 360° view. Reads a bounded number of storage queries (at most {@link VIEW360_MAX_QUERIES})
   * whatever the customer's history: lists are capped (contacts 200, deals 500, open tasks 200, completed tasks 20, consents 200, lifecycle
   * history 100, segments 500) and the timeline is paginated.
   */
  view360(id: string, options?: View360Options): Promise<Customer360>;
}

/** The most storage calls `view360` makes. */
export const VIEW360_MAX_QUERIES = 10;

/** Options of {@link createCustomerService}. */
export interface CustomerServiceOptions {
  /** Lifecycle stages and rules; `DEFAULT_LIFECYCLE` by default. */
  readonly lifecycle?: LifecycleConfig;
  readonly aggregates: CustomerAggregates;
  readonly segments: SegmentService;
  /**
   * The ISO 3166-1 alpha-2 region phone numbers without `+` are read in when the customer has no `country`, e.g. `CN`.
   * Without one, only international numbers (`+…`) are accepted. Phones are stored in E.164.
   */
  readonly defaultRegion?: string;
  /** Phone normalisation; libphonenumber-js with its full metadata, loaded on demand, by default. */
  readonly normalisePhone?: PhoneNormaliser;
}

const CUSTOMERS = 'customers';
const view360OptionsSchema = /* @__PURE__ */ z.strictObject({
  activityLimit: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  activitiesAfter: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
});
/** How many recently completed tasks the 360° view lists. */
const COMPLETED_TASKS = 20;

/** Creates the customer service: the entity service plus lifecycle and the 360° view. */
export function createCustomerService(context: CrmContext, options: CustomerServiceOptions): CustomerService {
  // Every customer written carries its match keys, for duplicate detection.
  context = { ...context, storage: withMatchKeys(context.storage), system: withMatchKeys(context.system) };
  const { aggregates, segments } = options;
  const { checkStage, ...lifecycle } = createLifecycleService(context, { aggregates, config: options.lifecycle });
  const base = createEntityService(context, {
    name: 'customer',
    collection: CUSTOMERS,
    schemas: { input: customerInputSchema, record: customerSchema, patch: customerPatchSchema },
    ownerField: 'ownerId',
    customFields: 'customer',
    prepare: phonesIntake(createPhoneReader(options), context.storage, 'customer'),
    removalHooks: activityRemovalHooks(context),
    onWrite: contactsFollowOwner(context),
  });

  const capped = async <T>(
    collection: string,
    schema: z.ZodMiniType<T, unknown>,
    where: Parameters<typeof context.storage.query>[1],
  ): Promise<T[]> => {
    const page = await context.storage.query(collection, where);
    return page.records.map((record) => fromStorage(schema, record, collection));
  };

  return {
    ...base,
    ...lifecycle,
    async create(input) {
      checkStage(objectInput(input, 'customer')['lifecycleStage'], 'lifecycleStage');
      return base.create(input);
    },
    async update(id, patch, updateOptions) {
      if (objectInput(patch, 'customer update')['lifecycleStage'] !== undefined) {
        throw new ValidationError(
          [
            {
              path: ['lifecycleStage'],
              message: 'Change the lifecycle stage with setLifecycleStage, which records it',
            },
          ],
          'customer update',
        );
      }
      return base.update(id, patch, updateOptions);
    },
    async view360(id, viewOptions = {}) {
      // Keys here; the values below, with messages of their own.
      parseOrThrow(view360OptionsSchema, viewOptions, 'options');
      const activityLimit = viewOptions.activityLimit ?? 50;
      if (!Number.isInteger(activityLimit) || activityLimit < 1 || activityLimit > 200) {
        throw new ValidationError(
          [{ path: ['activityLimit'], message: 'Expected an integer from 1 to 200' }],
          'options',
        );
      }
      const position =
        viewOptions.activitiesAfter === undefined ? undefined : decodeTimelineCursor(viewOptions.activitiesAfter);
      if (viewOptions.activitiesAfter !== undefined && !position) {
        throw new ValidationError(
          [{ path: ['activitiesAfter'], message: 'Expected a timeline cursor from a previous page' }],
          'options',
        );
      }
      const now = context.now();
      const byCustomer = { field: 'customerId', op: 'eq', value: id } as const;
      const [customer, stats] = await Promise.all([base.get(id), aggregates.get(id)]);
      const [contacts, deals, timelinePage, tasks, completedTasks, consents, history, saved] = await Promise.all([
        capped('contacts', contactSchema, { where: byCustomer, limit: 200 }),
        capped('deals', dealSchema, {
          where: byCustomer,
          orderBy: [{ field: 'updatedAt', direction: 'desc' }],
          limit: 500,
        }),
        // The timeline's own query, one activity more than the page to know whether another follows.
        context.storage.query(
          'activities',
          timelineActivitiesQuery({ kind: 'customer', id }, { limit: activityLimit + 1, position }),
        ),
        capped('tasks', taskSchema, {
          where: {
            all: [
              { field: 'related.kind', op: 'eq', value: 'customer' },
              { field: 'related.id', op: 'eq', value: id },
              { field: 'status', op: 'eq', value: 'open' },
            ],
          },
          orderBy: [{ field: 'dueAt' }],
          limit: 200,
        }),
        // The most recently completed tasks: the trace a completed task leaves (see `tasks.completed`).
        capped('tasks', taskSchema, {
          where: {
            all: [
              { field: 'related.kind', op: 'eq', value: 'customer' },
              { field: 'related.id', op: 'eq', value: id },
              { field: 'status', op: 'eq', value: 'done' },
            ],
          },
          orderBy: [
            { field: 'completedAt', direction: 'desc' },
            { field: 'id', direction: 'desc' },
          ],
          limit: COMPLETED_TASKS,
        }),
        capped('consents', consentSchema, {
          where: {
            all: [
              { field: 'subjectKind', op: 'eq', value: 'customer' },
              { field: 'subjectId', op: 'eq', value: id },
            ],
          },
          orderBy: [{ field: 'at', direction: 'desc' }],
          limit: 200,
        }),
        capped(LIFECYCLE_CHANGES_COLLECTION, lifecycleChangeSchema, {
          where: byCustomer,
          orderBy: [{ field: 'at', direction: 'desc' }],
          limit: 100,
        }),
        capped('segments', segmentSchema, { where: { field: 'saved', op: 'eq', value: true }, limit: 500 }),
      ]);
      const latestConsent = new Map<string, Consent>();
      for (const consent of consents)
        if (!latestConsent.has(consent.purpose)) latestConsent.set(consent.purpose, consent);
      const won = deals.filter((deal) => deal.status === 'won');
      const nowMs = now.getTime();
      const activities = timelinePage.records
        .slice(0, activityLimit)
        .map((record) => fromStorage(activitySchema, record, 'activity'));
      const lastActivity = activities[activities.length - 1];
      return {
        customer,
        contacts,
        lifecycle: { stage: customer.lifecycleStage, history },
        segments: segments
          .segmentsOf(customer, stats, saved as Segment[])
          .map((segment) => ({ id: segment.id, name: segment.name })),
        value: {
          lifetimeValue: stats?.lifetimeValue ?? {},
          averageOrderValue: stats?.averageOrderValue ?? {},
          purchaseFrequency: purchaseFrequency(
            won.map((deal) => ({
              amountMinor: deal.amount.amountMinor,
              currency: deal.amount.currency,
              ...(deal.closedAt ? { closedAt: deal.closedAt } : {}),
            })),
            now,
          ),
          wonDeals: stats?.wonDeals ?? won.length,
          ...(stats?.lastPurchaseAt ? { lastPurchaseAt: stats.lastPurchaseAt } : {}),
          ...(stats?.rfm ? { rfm: stats.rfm } : {}),
        },
        deals: {
          open: deals.filter((deal) => deal.status === 'open'),
          closed: deals.filter((deal) => deal.status !== 'open'),
        },
        timeline: {
          records: activities,
          ...(timelinePage.records.length > activityLimit && lastActivity
            ? {
                next: encodeTimelineCursor({
                  at: lastActivity.occurredAt,
                  key: timelineKey({ kind: 'activity', at: lastActivity.occurredAt, activity: lastActivity }),
                }),
              }
            : {}),
        },
        tasks: {
          open: tasks,
          overdue: tasks.filter((task) => Date.parse(task.dueAt) < nowMs),
          completed: completedTasks,
        },
        consents: [...latestConsent.values()],
      };
    },
  };
}
