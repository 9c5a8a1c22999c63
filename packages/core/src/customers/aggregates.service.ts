import * as z from 'zod/mini';
import { ConflictError } from '../errors/errors.js';
import { fromStorage, loadAll, ratesFor } from '../kernel/index.js';
import {
  defaultBackgroundErrorHandler,
  reportBackgroundError,
  type BackgroundErrorHandler,
} from '../kernel/background.js';
import type { CrmContext } from '../kernel/context.js';
import type { LifecycleTrigger } from '../lifecycle/rules.js';
import { activityTypes } from '../model/activity.js';
import { RECENT_ACTIVITY_CAP } from '../segments/compile.js';
import type { StorageOperations } from '../storage/port.js';
import { rfmScores, type RfmInput, type RfmScore } from '../value/index.js';
import {
  computeCustomerStats,
  rfmInputOf,
  sameRfm,
  type ActivityFact,
  type DealFact,
  type StoredCustomerStats,
} from './stats.js';

export type { ActivityFact, DealFact, StoredCustomerStats } from './stats.js';

/**
 * The collection of customer aggregates: one record per customer, its id the customer's id.
 *
 * Decision: aggregates are updated **on events**, not inside the writing transaction. The deal and activity services
 * emit ids-only events after commit; the aggregator re-reads what changed and recomputes the customer's record from
 * the source of truth in a bounded number of queries (the customer's deals, a count of its activities, and the newest
 * {@link RECENT_ACTIVITY_CAP} activities per type). Recomputing rather than incrementing makes every update
 * idempotent, so a missed or repeated event is repaired by the next one, and `refresh` / `rebuild` repair anything.
 * Updates of one customer are serialised; `settled()` resolves when every pending update has been written.
 */
export const CUSTOMER_STATS_COLLECTION = 'customerStats';

const moneySchema = /* @__PURE__ */ z.record(/* @__PURE__ */ z.string(), /* @__PURE__ */ z.number());
const storedStatsSchema = /* @__PURE__ */ z.object({
  id: /* @__PURE__ */ z.string(),
  wonDeals: /* @__PURE__ */ z.number(),
  openDeals: /* @__PURE__ */ z.number(),
  lostDeals: /* @__PURE__ */ z.number(),
  openDealStageIds: /* @__PURE__ */ z.array(/* @__PURE__ */ z.string()),
  lifetimeValue: moneySchema,
  averageOrderValue: moneySchema,
  firstPurchaseAt: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  lastPurchaseAt: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  lastActivityAt: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  activityCount: /* @__PURE__ */ z.number(),
  recentActivity: /* @__PURE__ */ z.record(
    /* @__PURE__ */ z.string(),
    /* @__PURE__ */ z.array(/* @__PURE__ */ z.number()),
  ),
  rfm: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.object({
      r: /* @__PURE__ */ z.number(),
      f: /* @__PURE__ */ z.number(),
      m: /* @__PURE__ */ z.number(),
      score: /* @__PURE__ */ z.number(),
    }),
  ),
  dealIds: /* @__PURE__ */ z.array(/* @__PURE__ */ z.string()),
  recentActivityIds: /* @__PURE__ */ z.array(/* @__PURE__ */ z.string()),
});

/** Parses a stored aggregate; a malformed one is a `StorageError` (the adapter returned something else). */
export function parseStoredStats(record: unknown): StoredCustomerStats {
  return fromStorage(storedStatsSchema, record, 'customer aggregate');
}

/** Called after a customer's aggregate was rewritten, with the trigger that caused it. */
export type AggregateListener = (customerId: string, trigger: LifecycleTrigger | undefined) => Promise<void> | void;

/** The customer aggregates: reads, event-driven updates, repairs and the RFM refresh. */
export interface CustomerAggregates {
  /** A customer's aggregate, or `undefined` when none was computed yet. */
  get(customerId: string): Promise<StoredCustomerStats | undefined>;
  /** Aggregates of several customers, in order. */
  getMany(customerIds: readonly string[]): Promise<(StoredCustomerStats | undefined)[]>;
  /** Recomputes one customer's aggregate from its deals and activities. */
  refresh(customerId: string, trigger?: LifecycleTrigger): Promise<StoredCustomerStats>;
  /**
   * Recomputes RFM scores (quintiles) over every customer, in `currency` (default the CRM's; revenue in other
   * currencies converted with the CRM's exchange rates, a missing rate refused as a `ValidationError` naming it), and
   * writes them; returns how many aggregates changed. A customer with no deal or activity yet (no aggregate) is ranked too, as
   * never bought with no purchases and nothing spent, so it scores lowest and counts in everyone else's quintiles;
   * its aggregate is created with the score.
   */
  refreshRfm(currency?: string): Promise<number>;
  /**
   * Resolves when every event-driven update started so far has been written.
   *
   * @deprecated Use `crm.settled()`, which waits for all background work (lead re-scoring too); kept for one release.
   */
  settled(): Promise<void>;
  /** Runs `listener` after each rewrite (lifecycle rules use it); returns the unsubscribe function. */
  onRefreshed(listener: AggregateListener): () => void;
  /** Stops listening to events. */
  dispose(): void;
}

const ACTIVITIES = 'activities';
const CUSTOMERS = 'customers';
const DEALS = 'deals';
const PAGE = 500;

/** The `task` a failed event-driven update is reported with. */
const AGGREGATES_TASK = 'customerAggregates';

/**
 * Creates the aggregator over the CRM's storage and subscribes it to deal and activity events. A failed event-driven
 * update goes to `onBackgroundError` (by default: a `background.error` event and a console warning), never to an
 * unhandled rejection; the next event for that customer recomputes it.
 */
export function createCustomerAggregates(
  context: CrmContext,
  onBackgroundError: BackgroundErrorHandler = defaultBackgroundErrorHandler((name, payload) =>
    context.events.emit(name, payload),
  ),
): CustomerAggregates {
  const { storage, events } = context;
  const chains = new Map<string, Promise<unknown>>();
  const pending = new Set<Promise<unknown>>();
  const listeners = new Set<AggregateListener>();

  const readSources = async (ops: StorageOperations, customerId: string) => {
    const deals = await ops.query<DealFact & Record<string, unknown>>(DEALS, {
      where: { field: 'customerId', op: 'eq', value: customerId },
    });
    const activityCount = await ops.count(ACTIVITIES, { field: 'customerId', op: 'eq', value: customerId });
    const activities: ActivityFact[] = [];
    for (const type of activityTypes) {
      const page = await ops.query<ActivityFact & Record<string, unknown>>(ACTIVITIES, {
        where: {
          all: [
            { field: 'customerId', op: 'eq', value: customerId },
            { field: 'type', op: 'eq', value: type },
          ],
        },
        orderBy: [{ field: 'occurredAt', direction: 'desc' }],
        limit: RECENT_ACTIVITY_CAP,
      });
      activities.push(...page.records);
    }
    return { deals: deals.records, activities, activityCount };
  };

  const recompute = async (customerId: string): Promise<StoredCustomerStats> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await storage.transaction(async (tx) => {
          const stored = await tx.get(CUSTOMER_STATS_COLLECTION, customerId);
          const previous = stored ? parseStoredStats(stored) : undefined;
          const { deals, activities, activityCount } = await readSources(tx, customerId);
          const next = computeCustomerStats(customerId, deals, activities, activityCount, previous);
          await tx.put(CUSTOMER_STATS_COLLECTION, { ...next }, { expectedVersion: stored?.version ?? 0 });
          return next;
        });
      } catch (error) {
        // Another connection rewrote it meanwhile: recompute once more from the new state.
        if (!(error instanceof ConflictError) || attempt >= 2) throw error;
      }
    }
  };

  /** Serialises updates per customer and tracks them for `settled()`. */
  const enqueue = (customerId: string, trigger: LifecycleTrigger | undefined): Promise<StoredCustomerStats> => {
    const previous = chains.get(customerId) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        const stats = await recompute(customerId);
        for (const listener of listeners) await listener(customerId, trigger);
        return stats;
      });
    chains.set(customerId, run);
    pending.add(run);
    void run
      .catch(() => undefined)
      .finally(() => {
        pending.delete(run);
        if (chains.get(customerId) === run) chains.delete(customerId);
      });
    return run;
  };

  /** Visits every record of `collection`, read a page at a time. */
  const forEachPage = async (collection: string, visit: (record: { id: string }) => void): Promise<void> => {
    for (const record of await loadAll(storage, collection, undefined, { pageSize: PAGE })) visit(record);
  };

  const onDeal = (trigger: 'created' | 'changed') => (payload: { id?: string; dealId?: string }) => {
    const dealId = payload.dealId ?? payload.id;
    if (!dealId) return;
    track(() =>
      storage.get<DealFact & { customerId?: string }>(DEALS, dealId).then((deal) => {
        if (!deal?.customerId) return;
        const lifecycle: LifecycleTrigger =
          deal.status === 'won' ? 'deal.won' : deal.status === 'lost' ? 'deal.lost' : 'deal.created';
        return enqueue(deal.customerId, trigger === 'created' && deal.status === 'open' ? 'deal.created' : lifecycle);
      }),
    );
  };
  const onActivity = (payload: { id: string }) => {
    track(() =>
      storage.get<ActivityFact & { customerId?: string }>(ACTIVITIES, payload.id).then((activity) => {
        if (activity?.customerId) return enqueue(activity.customerId, 'activity.created');
      }),
    );
  };
  const onDeleted = (field: 'dealIds' | 'recentActivityIds') => (payload: { id: string }) => {
    track(() =>
      storage
        .query(CUSTOMER_STATS_COLLECTION, { where: { field, op: 'hasAny', values: [payload.id] } })
        .then((page) => Promise.all(page.records.map((record) => enqueue(record.id, undefined)))),
    );
  };
  /**
   * Starts an event-driven job and tracks it for `settled()`. Its failure, which no caller awaits, goes to the
   * handler, an adapter that throws instead of rejecting included: an event handler must not throw.
   */
  const track = (start: () => Promise<unknown>): void => {
    const job = (async () => start())();
    pending.add(job);
    void job
      .catch((error: unknown) => reportBackgroundError(onBackgroundError, error, AGGREGATES_TASK))
      .finally(() => pending.delete(job));
  };

  const unsubscribe = [
    events.on('deal.created', onDeal('created')),
    events.on('deal.updated', onDeal('changed')),
    events.on('deal.stageChanged', onDeal('changed')),
    events.on('deal.deleted', onDeleted('dealIds')),
    events.on('activity.created', onActivity),
    events.on('activity.updated', onActivity),
    events.on('activity.deleted', onDeleted('recentActivityIds')),
  ];

  return {
    async get(customerId) {
      const record = await storage.get(CUSTOMER_STATS_COLLECTION, customerId);
      return record && parseStoredStats(record);
    },
    async getMany(customerIds) {
      const records = await storage.getMany(CUSTOMER_STATS_COLLECTION, customerIds);
      return records.map((record) => record && parseStoredStats(record));
    },
    refresh(customerId, trigger) {
      return enqueue(customerId, trigger);
    },
    async refreshRfm(currency = context.currency) {
      // The population is every customer, not every aggregate: a customer without deals or activities has none yet
      // and still counts in everyone's quintiles, scoring lowest (never bought, no purchases, nothing spent).
      const customerIds: string[] = [];
      await forEachPage(CUSTOMERS, (record) => void customerIds.push(record.id));
      const statsById = new Map<string, StoredCustomerStats>();
      await forEachPage(CUSTOMER_STATS_COLLECTION, (record) => void statsById.set(record.id, parseStoredStats(record)));
      const rates = ratesFor(context, currency, undefined);
      const inputs: RfmInput[] = customerIds.map((id) => rfmInputOf(id, statsById.get(id), currency, rates));
      const scores = rfmScores(inputs, context.now());
      let changed = 0;
      for (let i = 0; i < customerIds.length; i += PAGE) {
        changed += await storage.transaction(async (tx) => {
          let count = 0;
          for (const id of customerIds.slice(i, i + PAGE)) {
            const rfm = scores.get(id) as RfmScore;
            const known = statsById.get(id);
            if (known && sameRfm(known.rfm, rfm)) continue;
            const stored = await tx.get(CUSTOMER_STATS_COLLECTION, id);
            // No aggregate yet: write the empty one (what recomputing a customer without history gives) with its score.
            const next = stored ? { ...stored, rfm } : { ...computeCustomerStats(id, [], [], 0), rfm };
            await tx.put(CUSTOMER_STATS_COLLECTION, next, { expectedVersion: stored?.version ?? 0 });
            count++;
          }
          return count;
        });
      }
      return changed;
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    onRefreshed(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    dispose() {
      for (const off of unsubscribe) off();
    },
  };
}
