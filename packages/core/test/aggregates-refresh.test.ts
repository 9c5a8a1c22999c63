import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CrmEvents,
  DEFAULT_PIPELINE_ID,
  activityTypes,
  createCrm,
  createMemoryStorage,
  type StorageOperations,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { createCustomerAggregates, CUSTOMER_STATS_COLLECTION } from '../src/customers/aggregates.service.js';
import { computeCustomerStats, type ActivityFact, type DealFact } from '../src/customers/stats.js';
import { RECENT_ACTIVITY_CAP } from '../src/segments/compile.js';
import type { LifecycleTrigger } from '../src/lifecycle/rules.js';

const T0 = Date.parse('2026-06-30T00:00:00.000Z');
const MINUTE = 60_000;

/** What went through the port: each call as `method:collection`, and each transaction's calls on their own. */
interface PortLog {
  /** Calls made on the port itself, outside any transaction. */
  readonly direct: string[];
  /** One entry per transaction: the calls its body made on `tx`. */
  readonly transactions: string[][];
}

/**
 * Wraps a storage port to log its calls. A recompute starts with its read of the stored aggregate, made on the port
 * (`started` counts them); `hold`, when set, delays the answer to its read of the activities (made at once, so what
 * it read is fixed; `held` counts them) until it resolves: the recompute then stays running while a test queues more
 * behind it.
 */
function instrumented(storage: StoragePort) {
  const log: PortLog = { direct: [], transactions: [] };
  const control: { hold?: Promise<void>; started: number; held: number } = { started: 0, held: 0 };
  const logged = <T extends object>(target: T, calls: string[], direct: boolean): T =>
    new Proxy(target, {
      get(inner, key, receiver) {
        const value = Reflect.get(inner, key, receiver) as unknown;
        if (typeof value !== 'function' || typeof key !== 'string') return value;
        return async (...args: unknown[]) => {
          const call = `${key}:${String(args[0])}`;
          if (['get', 'getMany', 'query', 'count', 'put', 'delete'].includes(key)) calls.push(call);
          if (direct && call === `get:${CUSTOMER_STATS_COLLECTION}`) control.started++;
          const result = await (value as (...a: unknown[]) => unknown).apply(inner, args);
          if (direct && call === 'query:activities' && control.hold) {
            control.held++;
            await control.hold;
          }
          return result;
        };
      },
    });
  const direct = logged(storage, log.direct, true);
  const port = new Proxy(direct, {
    get(inner, key, receiver) {
      if (key !== 'transaction') return Reflect.get(inner, key, receiver) as unknown;
      return async <T>(body: (tx: StorageOperations) => Promise<T>): Promise<T> => {
        const calls: string[] = [];
        log.transactions.push(calls);
        return storage.transaction((tx) => body(logged(tx, calls, false)));
      };
    },
  });
  const reset = () => {
    log.direct.length = 0;
    log.transactions.length = 0;
  };
  return { port, log, control, reset };
}

/** What a recompute calls on the port, after its read of the stored aggregate. */
const RECOMPUTE_CALLS = new Set([
  'query:deals',
  'query:activities',
  'count:activities',
  `put:${CUSTOMER_STATS_COLLECTION}`,
]);

/** The recomputes on the port, each its calls from the read of the stored aggregate on (one customer at a time). */
const recomputes = (log: PortLog) => {
  const runs: string[][] = [];
  for (const call of log.direct) {
    if (call === `get:${CUSTOMER_STATS_COLLECTION}`) runs.push([call]);
    else if (RECOMPUTE_CALLS.has(call)) runs[runs.length - 1]?.push(call);
  }
  return runs;
};
const statsPuts = (log: PortLog) =>
  [...log.direct, ...log.transactions.flat()].filter((call) => call === `put:${CUSTOMER_STATS_COLLECTION}`).length;

/** A CRM over an instrumented memory storage, with one customer and one open deal, its aggregate settled. */
async function crmWithDeal() {
  let tick = 0;
  let ids = 0;
  const clock = () => new Date(T0 + MINUTE * tick++);
  const instruments = instrumented(createMemoryStorage({ now: clock }));
  const crm = await createCrm({
    storage: instruments.port,
    actor: { id: 'rep-1', role: 'admin' },
    clock,
    timeZone: 'UTC',
    currency: 'CNY',
    idGenerator: () => `id-${String(++ids).padStart(4, '0')}`,
  });
  const customer = await crm.customers.create({ kind: 'person', name: 'Wang Fang' });
  const deal = await crm.deals.create({
    title: 'ERP pilot',
    customerId: customer.id,
    pipelineId: DEFAULT_PIPELINE_ID,
    stageId: 'opportunity',
    amount: { amountMinor: 1_280_000, currency: 'CNY' },
  });
  await crm.settled();
  return { crm, customer, deal, ...instruments };
}

/** The aggregator alone over an instrumented memory storage, as the CRM wires it (past the access policy). */
function aggregatorOver(storage: StoragePort = createMemoryStorage({ now: () => new Date(T0) })) {
  const instruments = instrumented(storage);
  let ids = 0;
  const events = new CrmEvents();
  const context = createContext({
    storage: instruments.port,
    actor: { id: 'u1', role: 'admin' },
    events,
    clock: () => new Date(T0),
    idGenerator: () => `id-${++ids}`,
    timeZone: 'UTC',
    currency: 'CNY',
  });
  const aggregates = createCustomerAggregates({ ...context, storage: context.system });
  return { aggregates, events, storage, ...instruments };
}

/** A stored record's own fields, without the adapter's metadata. */
const fieldsOf = (record: StoredRecord | undefined) => {
  if (!record) return undefined;
  const { version: _v, createdAt: _c, updatedAt: _u, ...fields } = record;
  return fields;
};

const activity = (id: string, customerId: string, type: string, occurredAt: string) => ({
  id,
  customerId,
  type,
  direction: 'outbound',
  occurredAt,
});

test('aggregates: one deal move recomputes its customer once, in four statements and no transaction', async () => {
  const { crm, customer, deal, log, reset } = await crmWithDeal();
  assert.deepEqual((await crm.aggregates.get(customer.id))?.openDealStageIds, ['opportunity']);
  reset();
  await crm.deals.moveToStage(deal.id, 'proposal', {
    values: { expectedCloseDate: '2026-08-31' },
    expectedVersion: deal.version,
  });
  await crm.settled();
  // `deal.updated` and `deal.stageChanged` share one read of the deal and one recompute; before, each had its own.
  assert.equal(log.direct.filter((call) => call === 'get:deals').length, 0);
  assert.deepEqual(recomputes(log), [
    [`get:${CUSTOMER_STATS_COLLECTION}`, 'query:deals', 'query:activities', `put:${CUSTOMER_STATS_COLLECTION}`],
  ]);
  assert.equal(statsPuts(log), 1);
  // The lifecycle rules evaluate the aggregate the recompute hands them, not one read again.
  assert.equal(
    log.direct.filter((call) => call === `get:${CUSTOMER_STATS_COLLECTION}`).length,
    1,
    'no read of the aggregate outside the recompute',
  );
  assert.equal(log.transactions.length, 1, 'the move alone is a transaction');
  assert.deepEqual((await crm.aggregates.get(customer.id))?.openDealStageIds, ['proposal']);
});

test('aggregates: a refresh that changes nothing writes nothing, yet returns the aggregate and calls listeners', async () => {
  const { crm, customer, port, log, reset } = await crmWithDeal();
  const heard: (string | undefined)[] = [];
  crm.aggregates.onRefreshed((_id, trigger) => void heard.push(trigger));
  const stored = await port.get(CUSTOMER_STATS_COLLECTION, customer.id);
  assert.ok(stored);
  reset();
  const again = await crm.aggregates.refresh(customer.id, 'deal.created');
  const second = await crm.aggregates.refresh(customer.id);
  assert.deepEqual(heard, ['deal.created', undefined]);
  assert.equal(recomputes(log).length, 2);
  assert.equal(statsPuts(log), 0);
  assert.deepEqual(await port.get(CUSTOMER_STATS_COLLECTION, customer.id), stored, 'version and updatedAt unchanged');
  assert.deepEqual(again, fieldsOf(stored));
  assert.deepEqual(second, fieldsOf(stored));

  // A change is still written.
  reset();
  await crm.activities.create({
    type: 'call',
    direction: 'outbound',
    occurredAt: new Date(T0).toISOString(),
    customerId: customer.id,
  });
  await crm.settled();
  assert.equal(statsPuts(log), 1);
  const changed = await port.get<{ activityCount: number }>(CUSTOMER_STATS_COLLECTION, customer.id);
  assert.equal(changed?.version, stored.version + 1);
  assert.equal(changed?.activityCount, 1);
});

test('aggregates: events for a customer whose recompute waits its turn join it; listeners hear each trigger once', async () => {
  const { aggregates, events, storage, control, log, reset } = aggregatorOver();
  await storage.put('customers', { id: 'c1', kind: 'person', name: 'A' }, { expectedVersion: 0 });
  await storage.put(
    'deals',
    {
      id: 'd1',
      customerId: 'c1',
      status: 'won',
      stageId: 'won',
      amount: { amountMinor: 100, currency: 'CNY' },
      closedAt: new Date(T0).toISOString(),
    },
    { expectedVersion: 0 },
  );
  const heard: [string, LifecycleTrigger | undefined][] = [];
  aggregates.onRefreshed((id, trigger) => void heard.push([id, trigger]));
  let release!: () => void;
  control.hold = new Promise<void>((resolve) => (release = resolve));

  // The first recompute runs (and is held before it settles); what follows queues behind it.
  const first = aggregates.refresh('c1', 'deal.created');
  while (control.held === 0) await new Promise((resolve) => setImmediate(resolve));
  await storage.put('activities', activity('a1', 'c1', 'call', new Date(T0).toISOString()), { expectedVersion: 0 });
  const won = aggregates.refresh('c1', 'deal.won');
  events.emit('activity.created', { entity: 'activity', id: 'a1', actorId: 'u1', at: new Date(T0).toISOString() });
  // Both events of one move: the stage change says whose deal it is and its status, so the deal is not read.
  events.emit('deal.updated', {
    entity: 'deal',
    id: 'd1',
    actorId: 'u1',
    at: new Date(T0).toISOString(),
    changedFields: ['stageId'],
  });
  events.emit('deal.stageChanged', {
    dealId: 'd1',
    pipelineId: DEFAULT_PIPELINE_ID,
    fromStageId: 'proposal',
    toStageId: 'won',
    stageChangeId: 's1',
    status: 'won',
    customerId: 'c1',
    actorId: 'u1',
    at: new Date(T0).toISOString(),
  });
  await new Promise((resolve) => setImmediate(resolve));
  // Written after the first callers joined, before the queued recompute started: it reads this too.
  await storage.put('activities', activity('a2', 'c1', 'note', new Date(T0).toISOString()), { expectedVersion: 0 });
  const untriggered = aggregates.refresh('c1');
  const wonAgain = aggregates.refresh('c1', 'deal.won');
  assert.equal(control.started, 1);
  release();
  control.hold = undefined;
  const results = await Promise.all([first, won, untriggered, wonAgain]);
  await aggregates.settled();

  assert.deepEqual(
    results.map((stats) => stats.activityCount),
    [0, 2, 2, 2],
  );
  assert.equal(results[1], results[3], 'callers of one trigger share its result');
  assert.equal(recomputes(log).length, 2);
  assert.equal(log.direct.filter((call) => call === 'get:deals').length, 0);
  assert.deepEqual(heard, [
    ['c1', 'deal.created'],
    ['c1', 'deal.won'],
    ['c1', 'activity.created'],
    ['c1', undefined],
  ]);

  // Once started, a recompute is joined no more: a later call gets its own, which reads the later state.
  reset();
  heard.length = 0;
  const later = aggregates.refresh('c1', 'deal.won');
  await storage.put('activities', activity('a3', 'c1', 'sms', new Date(T0).toISOString()), { expectedVersion: 0 });
  while (control.started < 3) await new Promise((resolve) => setImmediate(resolve));
  const latest = aggregates.refresh('c1', 'deal.won');
  assert.equal((await latest).activityCount, 3);
  assert.ok((await later).activityCount >= 2);
  assert.deepEqual(heard, [
    ['c1', 'deal.won'],
    ['c1', 'deal.won'],
  ]);
});

test('aggregates: a listener failing for one joined trigger fails only that trigger’s callers', async () => {
  const { aggregates, storage, control } = aggregatorOver();
  await storage.put('customers', { id: 'c1', kind: 'person', name: 'A' }, { expectedVersion: 0 });
  aggregates.onRefreshed((_id, trigger) => {
    if (trigger === 'deal.lost') throw new Error('listener failed');
  });
  let release!: () => void;
  control.hold = new Promise<void>((resolve) => (release = resolve));
  const first = aggregates.refresh('c1');
  while (control.held === 0) await new Promise((resolve) => setImmediate(resolve));
  const lost = aggregates.refresh('c1', 'deal.lost');
  const won = aggregates.refresh('c1', 'deal.won');
  release();
  control.hold = undefined;
  await first;
  await assert.rejects(lost, /listener failed/);
  assert.equal((await won).id, 'c1');
  await aggregates.settled();
});

/** A small deterministic generator, so fast-check shrinks counts and spreads rather than thousands of timestamps. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** Newest first, ties by id ascending: the port's documented order for `orderBy occurredAt desc`. */
const storageOrder = (a: ActivityFact, b: ActivityFact) =>
  a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * The reference: every activity of the customer read, each type's newest RECENT_ACTIVITY_CAP kept (ties as the
 * storage orders them), counted in full; computed with the pure function.
 */
async function referenceStats(storage: StoragePort, customerId: string) {
  const ofCustomer = { field: 'customerId', op: 'eq', value: customerId } as const;
  const deals = (await storage.query<DealFact & Record<string, unknown>>('deals', { where: ofCustomer })).records;
  const all = (await storage.query<ActivityFact & Record<string, unknown>>('activities', { where: ofCustomer }))
    .records;
  const activities = activityTypes.flatMap((type) =>
    all
      .filter((entry) => entry.type === type)
      .sort(storageOrder)
      .slice(0, RECENT_ACTIVITY_CAP),
  );
  return computeCustomerStats(customerId, deals, activities, all.length);
}

/** The old reads, statement for statement: a count, then each type's newest RECENT_ACTIVITY_CAP by query. */
async function oldAlgorithmStats(storage: StoragePort, customerId: string) {
  const ofCustomer = { field: 'customerId', op: 'eq', value: customerId } as const;
  const deals = await storage.query<DealFact & Record<string, unknown>>('deals', { where: ofCustomer });
  const activityCount = await storage.count('activities', ofCustomer);
  const activities: ActivityFact[] = [];
  for (const type of activityTypes) {
    const page = await storage.query<ActivityFact & Record<string, unknown>>('activities', {
      where: { all: [ofCustomer, { field: 'type', op: 'eq', value: type }] },
      orderBy: [{ field: 'occurredAt', direction: 'desc' }],
      limit: RECENT_ACTIVITY_CAP,
    });
    activities.push(...page.records);
  }
  return computeCustomerStats(customerId, deals.records, activities, activityCount);
}

test('aggregates: the one-query read and its fallback give what the per-type reads gave (property)', async () => {
  const paths = { single: 0, fallback: 0 };
  const typeArb = fc.record({
    // Few, around the cap, or many: the first page is the whole set or not, a type fills its cap in it or not.
    count: fc.oneof(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 95, max: 105 }),
      fc.integer({ min: 0, max: 260 }),
    ),
    // Minutes the timestamps spread over: small spreads make many equal `occurredAt`, across types too.
    spread: fc.integer({ min: 1, max: 40 }),
    unparseable: fc.integer({ min: 0, max: 2 }),
  });
  const dealArb = fc.record({
    status: fc.constantFrom('open', 'won', 'lost'),
    stageId: fc.constantFrom('opportunity', 'proposal', 'won', 'lost'),
    amountMinor: fc.integer({ min: 0, max: 1_000_000 }),
    currency: fc.constantFrom('CNY', 'USD'),
    closedMinutesAgo: fc.option(fc.integer({ min: 0, max: 100_000 })),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(typeArb, { minLength: activityTypes.length, maxLength: activityTypes.length }),
      fc.array(dealArb, { maxLength: 8 }),
      fc.integer({ min: 0, max: 12 }),
      fc.integer(),
      async (types, deals, foreign, seed) => {
        const random = prng(seed);
        const storage = createMemoryStorage({ now: () => new Date(T0) });
        const { aggregates, log, reset } = aggregatorOver(storage);
        const at = (spread: number) => new Date(T0 - Math.floor(random() * spread) * MINUTE).toISOString();
        let n = 0;
        // Ids in an order unrelated to insertion or time, so ties are cut by id as the storage does.
        const nextId = () => `a${String(Math.floor(random() * 1e6)).padStart(6, '0')}-${n++}`;
        await storage.transaction(async (tx) => {
          for (const [index, type] of activityTypes.entries()) {
            const shape = types[index] as { count: number; spread: number; unparseable: number };
            for (let i = 0; i < shape.count; i++) {
              await tx.put('activities', activity(nextId(), 'c1', type, at(shape.spread)), { expectedVersion: 0 });
            }
            // Sorted among the others as strings, skipped by the computation: it must take the same slot as before.
            for (let i = 0; i < shape.unparseable && shape.count > 0; i++) {
              await tx.put('activities', activity(nextId(), 'c1', type, 'unknown'), { expectedVersion: 0 });
            }
          }
          // Another customer's activities, and one of a type the aggregate keeps no list of (counted all the same).
          for (let i = 0; i < foreign; i++) {
            await tx.put('activities', activity(nextId(), 'c2', 'call', at(5)), { expectedVersion: 0 });
          }
          if (foreign % 2 === 1) {
            await tx.put('activities', activity(nextId(), 'c1', 'fax', at(5)), { expectedVersion: 0 });
          }
          for (const [index, deal] of deals.entries()) {
            await tx.put(
              'deals',
              {
                id: `d${index}`,
                customerId: index % 5 === 4 ? 'c2' : 'c1',
                status: deal.status,
                stageId: deal.stageId,
                amount: { amountMinor: deal.amountMinor, currency: deal.currency },
                ...(deal.closedMinutesAgo === null
                  ? {}
                  : { closedAt: new Date(T0 - deal.closedMinutesAgo * MINUTE).toISOString() }),
              },
              { expectedVersion: 0 },
            );
          }
        });
        const expected = await referenceStats(storage, 'c1');
        assert.deepEqual(await oldAlgorithmStats(storage, 'c1'), expected);

        reset();
        const computed = await aggregates.refresh('c1');
        assert.deepEqual(computed, expected);
        assert.deepEqual(fieldsOf(await storage.get(CUSTOMER_STATS_COLLECTION, 'c1')), expected);
        const [calls] = recomputes(log);
        if (calls?.includes('count:activities')) paths.fallback++;
        else paths.single++;

        // Nothing changed: recomputing again writes nothing.
        const version = (await storage.get(CUSTOMER_STATS_COLLECTION, 'c1'))?.version;
        reset();
        assert.deepEqual(await aggregates.refresh('c1'), expected);
        assert.equal(statsPuts(log), 0);
        assert.equal((await storage.get(CUSTOMER_STATS_COLLECTION, 'c1'))?.version, version);

        // Removing the newest of the customer's activities moves the per-type boundaries: still the same.
        const newest = await storage.query('activities', {
          where: { field: 'customerId', op: 'eq', value: 'c1' },
          orderBy: [{ field: 'occurredAt', direction: 'desc' }],
          limit: 1 + Math.floor(random() * 150),
        });
        await storage.transaction(async (tx) => {
          for (const record of newest.records) await tx.delete('activities', record.id);
        });
        assert.deepEqual(await aggregates.refresh('c1'), await referenceStats(storage, 'c1'));
        await aggregates.settled();
        aggregates.dispose();
      },
    ),
    { numRuns: 60 },
  );
  assert.ok(paths.single > 0 && paths.fallback > 0, `both reads exercised: ${JSON.stringify(paths)}`);
});
