import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CrmEvents,
  ValidationError,
  activityInputSchema,
  activityTypes,
  createCrm,
  activityPatchSchema,
  activitySchema,
  createMemoryStorage,
  type CrmEventMap,
  type ActivityType,
  type CrmEventName,
  type StoragePort,
} from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { createEntityService } from '../src/kernel/entity-service.js';
import { createCustomerAggregates } from '../src/customers/aggregates.service.js';
import { createSegmentService } from '../src/segments/segment.service.js';
import { createCustomerService, VIEW360_MAX_QUERIES } from '../src/customers/customer.service.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-30T00:00:00.000Z');

/** Records every event emitted, to check that payloads carry ids only. */
class RecordingEvents extends CrmEvents {
  readonly log: [string, unknown][] = [];
  override emit<N extends CrmEventName>(name: N, payload: CrmEventMap[N]): void {
    this.log.push([name, payload]);
    super.emit(name, payload);
  }
}

/** Wraps a storage port and counts the calls of each method. */
function counting(storage: StoragePort): { port: StoragePort; calls: string[] } {
  const calls: string[] = [];
  const port = new Proxy(storage, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        if (['get', 'getMany', 'query', 'count', 'transaction'].includes(key)) calls.push(`${key}:${String(args[0])}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { port, calls };
}

function setup() {
  const clock = { now: T0 };
  const now = () => new Date(clock.now);
  const { port, calls } = counting(createMemoryStorage({ now }));
  let ids = 0;
  const events = new RecordingEvents();
  const context = createContext({
    storage: port,
    actor: { id: 'u1', role: 'admin' },
    events,
    clock: now,
    idGenerator: () => `id-${String(++ids).padStart(4, '0')}`,
    timeZone: 'UTC',
    currency: 'CNY',
  });
  const aggregates = createCustomerAggregates(context);
  const segments = createSegmentService(context, aggregates);
  const customers = createCustomerService(context, { aggregates, segments });
  const activities = createEntityService(context, {
    name: 'activity',
    collection: 'activities',
    schemas: { input: activityInputSchema, record: activitySchema, patch: activityPatchSchema },
    ownerField: 'ownerId',
  });
  /** Writes a deal as the deal service would, then emits its event. */
  const putDeal = async (id: string, customerId: string, status: 'open' | 'won' | 'lost', amountMinor: number) => {
    const existing = await port.get('deals', id);
    await port.put(
      'deals',
      {
        id,
        title: 'Deal',
        customerId,
        pipelineId: 'p1',
        stageId: status === 'open' ? 'proposal' : status,
        amount: { amountMinor, currency: 'CNY' },
        status,
        ...(status === 'open' ? {} : { closedAt: now().toISOString() }),
        customFields: {},
      },
      { expectedVersion: existing?.version ?? 0 },
    );
    const at = now().toISOString();
    if (existing) events.emit('deal.updated', { entity: 'deal', id, actorId: 'u1', at, changedFields: ['status'] });
    else events.emit('deal.created', { entity: 'deal', id, actorId: 'u1', at });
    await aggregates.settled();
  };
  return { clock, calls, port, events, context, aggregates, segments, customers, activities, putDeal };
}

test('lifecycle: stages are validated; rules move the customer on events and history records the rule', async () => {
  const { customers, putDeal, clock, aggregates, events } = setup();
  await assert.rejects(
    customers.create({ kind: 'person', name: 'X', lifecycleStage: 'acquire' }),
    (error: unknown) => error instanceof ValidationError && error.issues[0]?.path[0] === 'lifecycleStage',
  );
  const c = await customers.create({ kind: 'person', name: 'Wang Fang', lifecycleStage: 'sql' });
  assert.equal(c.lifecycleStage, 'sql');
  await assert.rejects(customers.update(c.id, { lifecycleStage: 'lead' }, { expectedVersion: 1 }), ValidationError);

  await putDeal('d1', c.id, 'open', 500_00);
  assert.equal((await customers.get(c.id)).lifecycleStage, 'opportunity');
  clock.now += 60_000;
  await putDeal('d1', c.id, 'won', 500_00);
  assert.equal((await customers.get(c.id)).lifecycleStage, 'customer');
  const stats = await aggregates.get(c.id);
  assert.deepEqual(stats?.lifetimeValue, { CNY: 500_00 });

  clock.now += 100 * DAY;
  assert.equal(await customers.sweepLifecycle(), 1);
  assert.equal((await customers.get(c.id)).lifecycleStage, 'at_risk');
  clock.now += 60_000;
  await putDeal('d2', c.id, 'won', 100_00);
  assert.equal((await customers.get(c.id)).lifecycleStage, 'customer');

  const history = await customers.lifecycleHistory(c.id);
  assert.deepEqual(
    history.records.map((change) => [change.from, change.to, change.ruleId]),
    [
      ['at_risk', 'customer', 'won-again'],
      ['customer', 'at_risk', 'at-risk'],
      ['opportunity', 'customer', 'first-won-deal'],
      ['sql', 'opportunity', 'open-deal'],
    ],
  );
  clock.now += 60_000;
  const manual = await customers.setLifecycleStage(c.id, 'evangelist', {
    expectedVersion: (await customers.get(c.id)).version,
  });
  assert.equal(manual.lifecycleStage, 'evangelist');
  assert.equal((await customers.lifecycleHistory(c.id, { limit: 1 })).records[0]?.ruleId, 'manual');
  await assert.rejects(customers.setLifecycleStage(c.id, 'gold', { expectedVersion: manual.version }), ValidationError);

  const changed = events.log.filter(([name]) => name === 'customer.lifecycleChanged');
  assert.equal(changed.length, 5);
  assert.ok(!JSON.stringify(events.log).includes('Wang'), 'events carry no personal data');
});

test('aggregates: activities feed time windows; a deleted activity or deal is taken out', async () => {
  const { customers, activities, aggregates, segments, clock } = setup();
  const c = await customers.create({ kind: 'person', name: 'Li Na' });
  const at = (days: number) => new Date(clock.now - days * DAY).toISOString();
  const made = [];
  for (const days of [1, 3, 20, 45]) {
    made.push(
      await activities.create({ type: 'meeting', direction: 'outbound', occurredAt: at(days), customerId: c.id }),
    );
  }
  await aggregates.settled();
  const engaged = { filter: { field: 'stats.activity.meeting.last30d', op: 'gte', value: 3 } } as const;
  assert.deepEqual(await segments.memberIds(engaged), [c.id]);
  const first = made[0] as { id: string; version: number };
  await activities.remove(first.id, { expectedVersion: first.version });
  await aggregates.settled();
  assert.deepEqual(await segments.memberIds(engaged), []);
  assert.equal((await aggregates.get(c.id))?.activityCount, 3);
});

test('view360: everything in one call, with a bounded number of storage queries whatever the history', async () => {
  const { customers, activities, aggregates, segments, port, calls, putDeal, clock } = setup();
  const measure = async (activityCount: number) => {
    const c = await customers.create({ kind: 'organisation', name: `Org ${activityCount}`, country: 'CN' });
    await port.put(
      'contacts',
      {
        id: `ct-${activityCount}`,
        customerId: c.id,
        name: 'Zhao Lei',
        emails: [],
        phones: [],
        primary: true,
        customFields: {},
      },
      { expectedVersion: 0 },
    );
    for (let i = 0; i < activityCount; i++) {
      await activities.create({
        type: i % 2 ? 'call' : 'email',
        channel: i % 2 ? 'phone' : 'gmail',
        direction: 'outbound',
        occurredAt: new Date(clock.now - i * 3_600_000).toISOString(),
        customerId: c.id,
      });
    }
    await putDeal(`won-${activityCount}`, c.id, 'won', 1_000_00);
    await putDeal(`open-${activityCount}`, c.id, 'open', 300_00);
    await port.put(
      'tasks',
      {
        id: `t1-${activityCount}`,
        title: 'Call back',
        type: 'call',
        dueAt: new Date(clock.now - DAY).toISOString(),
        reminders: [],
        status: 'open',
        related: { kind: 'customer', id: c.id },
        assigneeId: 'u1',
        customFields: {},
      },
      { expectedVersion: 0 },
    );
    await port.put(
      'tasks',
      {
        id: `t2-${activityCount}`,
        title: 'Send quote',
        type: 'email',
        dueAt: new Date(clock.now + DAY).toISOString(),
        reminders: [],
        status: 'open',
        related: { kind: 'customer', id: c.id },
        assigneeId: 'u1',
        customFields: {},
      },
      { expectedVersion: 0 },
    );
    await port.put(
      'consents',
      {
        id: `cs-${activityCount}`,
        subjectKind: 'customer',
        subjectId: c.id,
        purpose: 'marketing_email',
        legalBasis: 'consent',
        status: 'granted',
        at: new Date(clock.now).toISOString(),
      },
      { expectedVersion: 0 },
    );
    await aggregates.settled();
    calls.length = 0;
    const view = await customers.view360(c.id, { activityLimit: 20 });
    return { view, queries: calls.length, c };
  };
  await segments.create({
    name: 'Chinese customers',
    filter: {
      all: [
        { field: 'country', op: 'eq', value: 'CN' },
        { field: 'stats.wonDeals', op: 'gte', value: 1 },
      ],
    },
  });
  await segments.create({ name: 'Americans', filter: { field: 'country', op: 'eq', value: 'US' } });

  const small = await measure(3);
  const large = await measure(150);
  assert.equal(small.queries, large.queries, 'the number of storage calls does not grow with the history');
  assert.ok(large.queries <= VIEW360_MAX_QUERIES, `${large.queries} calls`);

  const { view } = large;
  assert.equal(view.customer.name, 'Org 150');
  assert.equal(view.contacts.length, 1);
  assert.equal(view.lifecycle.stage, 'customer');
  assert.ok(view.lifecycle.history.length >= 1);
  assert.deepEqual(
    view.segments.map((s) => s.name),
    ['Chinese customers'],
  );
  assert.deepEqual(view.value.lifetimeValue, { CNY: 1_000_00 });
  assert.equal(view.value.wonDeals, 1);
  assert.equal(view.value.purchaseFrequency, 1);
  assert.equal(view.deals.open.length, 1);
  assert.equal(view.deals.closed.length, 1);
  assert.equal(view.timeline.records.length, 20);
  assert.ok(view.timeline.next);
  const times = view.timeline.records.map((a) => a.occurredAt);
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
  assert.deepEqual(new Set(view.timeline.records.map((a) => a.channel)), new Set(['gmail', 'phone']));
  const second = await customers.view360(large.c.id, {
    activityLimit: 20,
    activitiesAfter: view.timeline.next as string,
  });
  assert.ok((second.timeline.records[0]?.occurredAt as string) < (times[19] as string));
  assert.equal(view.tasks.open.length, 2);
  assert.deepEqual(
    view.tasks.overdue.map((t) => t.title),
    ['Call back'],
  );
  assert.deepEqual(
    view.consents.map((consent) => [consent.purpose, consent.status]),
    [['marketing_email', 'granted']],
  );
  await assert.rejects(customers.view360(large.c.id, { activityLimit: 0 }), ValidationError);
});

/** A CRM over memory storage whose clock a test moves (tasks are completed "now"). */
async function timelineCrm() {
  const clock = { now: T0 };
  const crm = await createCrm({
    storage: createMemoryStorage({ now: () => new Date(clock.now) }),
    actor: { id: 'u1', role: 'admin' },
    clock: () => new Date(clock.now),
  });
  const customer = await crm.customers.create({ kind: 'person', name: 'Zhou Min' });
  /** Logs an activity `minutes` before T0. */
  const log = (minutes: number, type: ActivityType = 'note') =>
    crm.activities.log({
      type,
      direction: 'internal',
      occurredAt: new Date(T0 - minutes * 60_000).toISOString(),
      customerId: customer.id,
    });
  /** Creates a task about the customer and completes it `minutes` before T0. */
  const completeTask = async (minutes: number) => {
    const task = await crm.tasks.create({
      title: 'Done',
      type: 'todo',
      dueAt: new Date(T0).toISOString(),
      related: { kind: 'customer', id: customer.id },
    });
    clock.now = T0 - minutes * 60_000;
    await crm.tasks.complete(task.id, { expectedVersion: task.version });
    clock.now = T0;
  };
  /** view360's first page, then `crm.activities.timeline` pages from its `next`, as activity ids. */
  const pages = async (first: number, rest: number) => {
    const view = await crm.customers.view360(customer.id, { activityLimit: first });
    assert.ok(view.timeline.records.length <= first);
    const ids = view.timeline.records.map((activity) => activity.id);
    let after = view.timeline.next;
    for (let page = 0; after !== undefined; page++) {
      assert.ok(page < 1000, 'the pages end');
      const next = await crm.activities.timeline(
        { kind: 'customer', id: customer.id },
        { after, limit: rest, includeTasks: false },
      );
      assert.ok(next.items.length <= rest);
      for (const item of next.items) {
        assert.equal(item.kind, 'activity');
        if (item.kind === 'activity') ids.push(item.activity.id);
      }
      after = next.next;
    }
    return { view, ids };
  };
  /** Every activity of the customer, in the timeline's order (newest first, ties by id descending). */
  const expected = async () => {
    const page = await crm.activities.list({ where: { field: 'customerId', op: 'eq', value: customer.id } });
    return page.records
      .sort((a, b) =>
        a.occurredAt !== b.occurredAt ? (a.occurredAt < b.occurredAt ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0,
      )
      .map((activity) => activity.id);
  };
  return { crm, customer, log, completeTask, pages, expected };
}

test('view360: the timeline page continues with crm.activities.timeline, across activities sharing an instant', async () => {
  const { crm, customer, log, completeTask, pages, expected } = await timelineCrm();
  try {
    await log(10, 'call');
    for (const type of ['note', 'email', 'chat', 'meeting'] as const) await log(5, type); // four ties at one instant
    await log(1, 'sms');
    await completeTask(5); // a completed task at the tied instant: not part of view360's timeline
    const all = await expected();
    assert.equal(all.length, 6);

    // The first page ends inside the ties (newest, then two of the four): the rest follow, none twice or lost.
    const { view, ids } = await pages(3, 2);
    assert.deepEqual(
      view.timeline.records.map((activity) => activity.id),
      all.slice(0, 3),
    );
    assert.ok(view.timeline.next);
    assert.deepEqual(ids, all);

    // The cursor is the timeline's: the same next page through view360 and through crm.activities.timeline.
    const again = await crm.customers.view360(customer.id, { activityLimit: 2, activitiesAfter: view.timeline.next });
    assert.deepEqual(
      again.timeline.records.map((activity) => activity.id),
      all.slice(3, 5),
    );
    const timelineNext = await crm.activities.timeline(
      { kind: 'customer', id: customer.id },
      { after: view.timeline.next, limit: 2, includeTasks: false },
    );
    assert.equal(again.timeline.next, timelineNext.next);
    // A timeline cursor continues view360 too.
    const fromTimeline = await crm.customers.view360(customer.id, {
      activityLimit: 10,
      activitiesAfter: timelineNext.next,
    });
    assert.deepEqual(
      fromTimeline.timeline.records.map((activity) => activity.id),
      all.slice(5),
    );
    assert.equal(fromTimeline.timeline.next, undefined);

    // A page that holds everything has no next; a cursor that is not one is refused.
    const whole = await crm.customers.view360(customer.id, { activityLimit: 6 });
    assert.equal(whole.timeline.records.length, 6);
    assert.equal(whole.timeline.next, undefined);
    await assert.rejects(crm.customers.view360(customer.id, { activitiesAfter: 'garbage' }), ValidationError);
  } finally {
    await crm.dispose();
  }
});

test('view360: its first timeline page followed by crm.activities.timeline pages is the whole timeline (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      // Minutes before now from a small range, so many activities share an instant.
      fc.array(fc.record({ minutes: fc.integer({ min: 0, max: 6 }), type: fc.constantFrom(...activityTypes) }), {
        maxLength: 24,
      }),
      fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 8 }),
      async (activities, completedTasks, first, rest) => {
        const { crm, log, completeTask, pages, expected } = await timelineCrm();
        try {
          for (const { minutes, type } of activities) await log(minutes, type);
          for (const minutes of completedTasks) await completeTask(minutes);
          const { ids } = await pages(first, rest);
          assert.equal(new Set(ids).size, ids.length, 'no activity twice');
          assert.deepEqual(ids, await expected());
        } finally {
          await crm.dispose();
        }
      },
    ),
    { numRuns: 60 },
  );
});
