import * as z from 'zod/mini';
import { ConflictError } from '../errors/errors.js';
import { canonicalJson, fromStorage, loadAll, ratesFor } from '../kernel/index.js';
import {
  defaultBackgroundErrorHandler,
  reportBackgroundError,
  type BackgroundErrorHandler,
} from '../kernel/background.js';
import type { CrmContext } from '../kernel/context.js';
import type { LifecycleTrigger } from '../lifecycle/rules.js';
import { activityTypes } from '../model/activity.js';
import { RECENT_ACTIVITY_CAP } from '../segments/compile.js';
import type { StorageOperations, StoredRecord } from '../storage/port.js';
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
 * Updates of one customer are serialised, and events arriving while one waits for its turn join it (it reads the
 * newest state anyway); an aggregate that comes out unchanged is not rewritten. `settled()` resolves when every
 * pending update has been written.
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
export type AggregateListener = (
  customerId: string,
  trigger: LifecycleTrigger | undefined,
  /** The aggregate as the rewrite left it, so a listener need not read it again (absent over a remote CRM). */
  stats?: StoredCustomerStats,
) => Promise<void> | void;

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
/**
 * The first read of a customer's activities, newest first over every type: as many as the per-type reads could keep,
 * so a customer with no more than that needs no other activity query.
 */
const ACTIVITY_PAGE = RECENT_ACTIVITY_CAP * activityTypes.length;
/** The adapter's bookkeeping, left out when telling whether a recomputed aggregate differs from the stored one. */
const META_FIELDS: ReadonlySet<string> = new Set(['version', 'createdAt', 'updatedAt']);

/** True when `stored` holds exactly the fields of `next`: rewriting it would only bump its version. */
function sameAggregate(stored: StoredRecord, next: StoredCustomerStats): boolean {
  const fields = Object.fromEntries(Object.entries(stored).filter(([key]) => !META_FIELDS.has(key)));
  return canonicalJson(fields) === canonicalJson(next);
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A recompute waiting for its turn. Each distinct trigger that joined it, in order of first arrival, runs the
 * listeners once after it, and its callers' promise settles when they have.
 */
type QueuedRefresh = Map<LifecycleTrigger | undefined, Deferred<StoredCustomerStats>>;

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
  /** Per customer, the recompute queued behind the running one and not started yet: new events join it. */
  const queued = new Map<string, QueuedRefresh>();
  const pending = new Set<Promise<unknown>>();
  const listeners = new Set<AggregateListener>();

  /**
   * What the aggregate is computed from: the customer's deals, its newest {@link RECENT_ACTIVITY_CAP} activities of
   * each type (per type in the storage's order: newest first, ties by id) and its activity count. Usually one query
   * of the activities, newest first over all types: its first RECENT_ACTIVITY_CAP of a type are that type's newest,
   * the order being the same total one. Only when that page is not the whole set is the count read, and the types it
   * held fewer than RECENT_ACTIVITY_CAP of are read on their own.
   */
  const readSources = async (ops: StorageOperations, customerId: string) => {
    const ofCustomer = { field: 'customerId', op: 'eq', value: customerId } as const;
    const newestFirst = [{ field: 'occurredAt', direction: 'desc' }] as const;
    const deals = await ops.query<DealFact & Record<string, unknown>>(DEALS, { where: ofCustomer });
    const first = await ops.query<ActivityFact & Record<string, unknown>>(ACTIVITIES, {
      where: ofCustomer,
      orderBy: newestFirst,
      limit: ACTIVITY_PAGE,
    });
    const byType = new Map<string, ActivityFact[]>(activityTypes.map((type) => [type, []]));
    for (const activity of first.records) {
      // Types outside `activityTypes` are counted but, as before, kept in no recent list.
      const kept = byType.get(activity.type);
      if (kept && kept.length < RECENT_ACTIVITY_CAP) kept.push(activity);
    }
    let activityCount = first.records.length;
    if (first.next !== undefined) {
      activityCount = await ops.count(ACTIVITIES, ofCustomer);
      for (const type of activityTypes) {
        if ((byType.get(type) as ActivityFact[]).length >= RECENT_ACTIVITY_CAP) continue;
        const page = await ops.query<ActivityFact & Record<string, unknown>>(ACTIVITIES, {
          where: { all: [ofCustomer, { field: 'type', op: 'eq', value: type }] },
          orderBy: newestFirst,
          limit: RECENT_ACTIVITY_CAP,
        });
        byType.set(type, page.records);
      }
    }
    // Type by type, as the per-type reads gave them.
    const activities = activityTypes.flatMap((type) => byType.get(type) as ActivityFact[]);
    return { deals: deals.records, activities, activityCount };
  };

  const recompute = async (customerId: string): Promise<StoredCustomerStats> => {
    for (let attempt = 0; ; attempt++) {
      try {
        // No transaction: the aggregate is recomputed from its sources, so a source read a moment before another
        // write is repaired by that write's own event, and its one write refuses a concurrent rewrite (the version).
        const stored = await storage.get(CUSTOMER_STATS_COLLECTION, customerId);
        const previous = stored ? parseStoredStats(stored) : undefined;
        const { deals, activities, activityCount } = await readSources(storage, customerId);
        const next = computeCustomerStats(customerId, deals, activities, activityCount, previous);
        // Unchanged (a repeated event, a second event of one commit): a write would only bump the version.
        if (stored && sameAggregate(stored, next)) return next;
        await storage.put(CUSTOMER_STATS_COLLECTION, { ...next }, { expectedVersion: stored?.version ?? 0 });
        return next;
      } catch (error) {
        // Another connection rewrote it meanwhile: recompute once more from the new state.
        if (!(error instanceof ConflictError) || attempt >= 2) throw error;
      }
    }
  };

  /**
   * Serialises updates per customer and tracks them for `settled()`. A call while a recompute of the customer waits
   * for its turn joins it: it has not read anything yet, so it computes what this caller's change left.
   */
  const enqueue = (customerId: string, trigger: LifecycleTrigger | undefined): Promise<StoredCustomerStats> => {
    const waiting = queued.get(customerId);
    if (waiting) return joinRefresh(waiting, trigger);
    const job: QueuedRefresh = new Map();
    const result = joinRefresh(job, trigger);
    queued.set(customerId, job);
    const previous = chains.get(customerId) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        // Started: from now on it may have read too early for a new event, which queues the next recompute.
        if (queued.get(customerId) === job) queued.delete(customerId);
        let stats: StoredCustomerStats;
        try {
          stats = await recompute(customerId);
        } catch (error) {
          for (const waiter of job.values()) waiter.reject(error);
          throw error;
        }
        // As if each trigger had had its own recompute: a failing listener fails its trigger's callers only.
        for (const [joined, waiter] of job) {
          try {
            for (const listener of listeners) await listener(customerId, joined, stats);
            waiter.resolve(stats);
          } catch (error) {
            waiter.reject(error);
          }
        }
      });
    chains.set(customerId, run);
    pending.add(run);
    void run
      .catch(() => undefined)
      .finally(() => {
        pending.delete(run);
        if (chains.get(customerId) === run) chains.delete(customerId);
      });
    return result;
  };

  /** The promise of `trigger`'s callers in a queued recompute, the trigger added on its first arrival. */
  const joinRefresh = (job: QueuedRefresh, trigger: LifecycleTrigger | undefined): Promise<StoredCustomerStats> => {
    let waiter = job.get(trigger);
    if (!waiter) job.set(trigger, (waiter = deferred()));
    return waiter.promise;
  };

  /** Visits every record of `collection`, read a page at a time. */
  const forEachPage = async (collection: string, visit: (record: { id: string }) => void): Promise<void> => {
    for (const record of await loadAll(storage, collection, undefined, { pageSize: PAGE })) visit(record);
  };

  /** Recomputes a deal's customer's aggregate, for the lifecycle trigger its status and the event's kind give. */
  const forDeal = (trigger: 'created' | 'changed', deal: { customerId?: string; status?: unknown } | undefined) => {
    if (!deal?.customerId) return;
    const lifecycle: LifecycleTrigger =
      deal.status === 'won' ? 'deal.won' : deal.status === 'lost' ? 'deal.lost' : 'deal.created';
    return enqueue(deal.customerId, trigger === 'created' && deal.status === 'open' ? 'deal.created' : lifecycle);
  };
  const onDeal = (trigger: 'created' | 'changed') => (payload: { id: string; changedFields?: readonly string[] }) => {
    // A move is also a `deal.stageChanged`, which says whose deal it is and its status: no read for it here.
    if (payload.changedFields?.includes('stageId')) return;
    track(() =>
      storage.get<DealFact & { customerId?: string }>(DEALS, payload.id).then((deal) => forDeal(trigger, deal)),
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
    events.on('deal.stageChanged', (payload) => track(async () => forDeal('changed', payload))),
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
