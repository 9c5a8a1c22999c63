import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  StorageError,
  createCrm,
  createMemoryStorage,
  type CreateCrmOptions,
  type CrmEventMap,
  type StorageOperations,
  type StoragePort,
} from '@crmkit/core';
import { defaultBackgroundErrorHandler } from '../src/kernel/background.js';

// Background work (customer aggregates after a deal or activity, lead re-scoring) runs after the call that caused it
// has returned; nobody awaits it. Its failures must reach a handler, never an unhandled rejection or an uncaught
// exception that stops a Node process, and what they report must carry no personal data.

/** What the failing storage says: personal data, as an engine's message about a record may quote. */
const SECRET = 'ada.lovelace@example.com';

type Fault = (op: 'get' | 'put', collection: string) => Error | undefined;

/** The memory adapter with `fault` consulted before every `get` and `put`, in transactions too. */
function faultyStorage(fault: Fault, { throwSync = false } = {}): StoragePort {
  const port = createMemoryStorage();
  const failing = (op: 'get' | 'put', collection: string): Promise<never> | undefined => {
    const error = fault(op, collection);
    if (!error) return undefined;
    // An adapter that throws instead of rejecting must be contained as well.
    if (throwSync) throw error;
    return Promise.reject(error);
  };
  const wrap = (ops: StorageOperations): StorageOperations => ({
    ...ops,
    get: ((collection: string, id: string) =>
      failing('get', collection) ?? ops.get(collection, id)) as StorageOperations['get'],
    put: ((collection: string, record: never, options: { expectedVersion: number }) =>
      failing('put', collection) ?? ops.put(collection, record, options)) as StorageOperations['put'],
  });
  return { ...port, ...wrap(port), transaction: (body) => port.transaction((tx) => body(wrap(tx))) };
}

/**
 * Collects unhandled rejections and uncaught exceptions while a test runs. `done()` lets queued microtasks and timers
 * run first, since a rethrown background error surfaces there.
 */
function watchProcess(t: TestContext) {
  const seen: unknown[] = [];
  const record = (error: unknown) => void seen.push(error);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  const stop = () => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  };
  t.after(stop);
  return {
    async done(): Promise<unknown[]> {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stop();
      return seen;
    },
  };
}

/** A CRM over `storage`, with `console.warn` captured (the default handler warns). */
async function setup(t: TestContext, storage: StoragePort, options: Partial<CreateCrmOptions> = {}) {
  const warnings = t.mock.method(console, 'warn', () => undefined);
  const crm = await createCrm({ storage, actor: { id: 'admin-1', role: 'admin' }, ...options });
  const failures: CrmEventMap['background.error'][] = [];
  crm.on('background.error', (payload) => failures.push(payload));
  t.after(() => crm.dispose());
  return { crm, failures, warnings: () => warnings.mock.calls.map((call) => String(call.arguments[0])) };
}

/** A deal of the customer in the built-in pipeline's first stage. */
function dealOf(crm: Awaited<ReturnType<typeof createCrm>>, customerId: string, title: string, amountMinor: number) {
  return crm.deals.create({
    title,
    customerId,
    pipelineId: 'default',
    stageId: 'opportunity',
    amount: { amountMinor, currency: 'CNY' },
  });
}

async function customerWithDeal(crm: Awaited<ReturnType<typeof createCrm>>) {
  const customer = await crm.customers.create({ kind: 'person', name: 'Ada Lovelace', emails: [SECRET] });
  await dealOf(crm, customer.id, 'Analytical engine', 100_000);
  return customer;
}

test('a storage error while updating aggregates after deals.create reaches the default handler, not the process', async (t) => {
  const watch = watchProcess(t);
  let failStats = true;
  const storage = faultyStorage((op, collection) =>
    failStats && op === 'put' && collection === 'customerStats'
      ? new StorageError(`disk full writing ${SECRET}`)
      : undefined,
  );
  const { crm, failures, warnings } = await setup(t, storage);
  const customer = await customerWithDeal(crm);
  await crm.settled(); // resolves although the job failed

  assert.deepEqual(failures, [{ task: 'customerAggregates', code: 'CRM_STORAGE' }]);
  assert.deepEqual(warnings(), ['crmkit: background task customerAggregates failed (CRM_STORAGE)']);
  assert.ok(!JSON.stringify([failures, warnings()]).includes(SECRET), 'no personal data in what is reported');
  assert.ok(!JSON.stringify([failures, warnings()]).includes('disk full'), 'nor the engine message');
  assert.deepEqual(await watch.done(), []);

  // Nothing is stuck: the next deal of the customer recomputes its aggregate from everything stored.
  failStats = false;
  await dealOf(crm, customer.id, 'Difference engine', 5_000);
  await crm.settled();
  assert.equal((await crm.aggregates.get(customer.id))?.openDeals, 2);
});

test('the onBackgroundError option receives the error and its task instead of the default handler', async (t) => {
  const watch = watchProcess(t);
  const engineError = new StorageError(`disk full writing ${SECRET}`);
  const storage = faultyStorage((op, collection) =>
    op === 'put' && collection === 'customerStats' ? engineError : undefined,
  );
  const received: [unknown, { readonly task: string }][] = [];
  const { crm, failures, warnings } = await setup(t, storage, {
    onBackgroundError: (error, context) => received.push([error, context]),
  });
  await customerWithDeal(crm);
  await crm.settled();
  assert.deepEqual(received, [[engineError, { task: 'customerAggregates' }]]);
  assert.deepEqual(failures, [], 'a host handler replaces the default one');
  assert.deepEqual(warnings(), []);
  assert.deepEqual(await watch.done(), []);
});

test('createCrm refuses an onBackgroundError that is not a function', async () => {
  await assert.rejects(
    createCrm({
      storage: createMemoryStorage(),
      actor: { id: 'admin-1', role: 'admin' },
      onBackgroundError: 'log' as never,
    }),
    (error: unknown) =>
      error instanceof Error && 'fields' in error && (error.fields as string[]).includes('onBackgroundError'),
  );
});

test('an error that is not a CrmError is reported with code unknown; an adapter that throws is contained', async (t) => {
  const watch = watchProcess(t);
  const storage = faultyStorage(
    (op, collection) => (op === 'get' && collection === 'deals' ? new TypeError(SECRET) : undefined),
    { throwSync: true },
  );
  const { crm, failures, warnings } = await setup(t, storage);
  const customer = await crm.customers.create({ kind: 'person', name: 'Ada Lovelace' });
  // The deal service reads deals inside its own transaction, which the wrapper leaves alone; the aggregator's read
  // of the new deal, outside any transaction, throws synchronously.
  await crm.deals.create({
    title: 'Analytical engine',
    customerId: customer.id,
    pipelineId: 'default',
    stageId: 'opportunity',
    amount: { amountMinor: 1, currency: 'CNY' },
  });
  await crm.settled();
  assert.deepEqual(failures, [{ task: 'customerAggregates', code: 'unknown' }]);
  assert.deepEqual(warnings(), ['crmkit: background task customerAggregates failed (unknown)']);
  assert.deepEqual(await watch.done(), []);
});

test('a failing lead re-scoring reaches the handler; the queue goes on with the next job', async (t) => {
  const watch = watchProcess(t);
  let failLeads = false;
  const storage = faultyStorage((op, collection) =>
    failLeads && op === 'get' && collection === 'leads' ? new StorageError(`unreadable ${SECRET}`) : undefined,
  );
  const { crm, failures, warnings } = await setup(t, storage, {
    leads: {
      scoring: {
        rules: [{ id: 'meetings', kind: 'activity', when: { field: 'type', op: 'eq', value: 'meeting' }, points: 16 }],
      },
    },
  });
  const { lead } = await crm.leads.capture({ name: 'Ada Lovelace', email: SECRET }, { source: 'web' });
  // Subscribed after the CRM's own handlers: the activity is committed, its re-scoring queued, and only then do
  // reads of leads start to fail.
  const off = crm.on('activity.created', () => (failLeads = true));
  const meeting = { type: 'meeting', direction: 'outbound', occurredAt: new Date().toISOString(), leadId: lead.id };
  await crm.activities.create(meeting as never);
  await crm.settled();
  assert.deepEqual(failures, [{ task: 'leadRescore', code: 'CRM_STORAGE' }]);
  assert.deepEqual(warnings(), ['crmkit: background task leadRescore failed (CRM_STORAGE)']);
  off();
  failLeads = false;
  assert.equal((await crm.leads.get(lead.id)).score, 0, 'not re-scored');

  await crm.activities.create(meeting as never);
  await crm.settled();
  assert.equal((await crm.leads.get(lead.id)).score, 32, 'the next job ran, counting both meetings');
  assert.equal(failures.length, 1);
  assert.deepEqual(await watch.done(), []);
});

test("the lead options' own onBackgroundError still receives re-scoring failures first", async (t) => {
  const watch = watchProcess(t);
  let failLeads = false;
  const storage = faultyStorage((op, collection) =>
    failLeads && op === 'get' && collection === 'leads' ? new StorageError('unreadable') : undefined,
  );
  const leadErrors: unknown[] = [];
  const crmErrors: unknown[] = [];
  const { crm, failures } = await setup(t, storage, {
    leads: { onBackgroundError: (error) => leadErrors.push(error) },
    onBackgroundError: (error) => crmErrors.push(error),
  });
  const { lead } = await crm.leads.capture({ name: 'Ada Lovelace' }, { source: 'web' });
  crm.on('activity.created', () => (failLeads = true));
  await crm.activities.create({
    type: 'meeting',
    direction: 'outbound',
    occurredAt: new Date().toISOString(),
    leadId: lead.id,
  } as never);
  await crm.settled();
  assert.equal(leadErrors.length, 1);
  assert.deepEqual(crmErrors, []);
  assert.deepEqual(failures, []);
  assert.deepEqual(await watch.done(), []);
});

test('a handler that throws does not escape, and neither queue stops', async (t) => {
  const watch = watchProcess(t);
  let fail = true;
  const storage = faultyStorage((op, collection) =>
    fail && op === 'put' && collection === 'customerStats' ? new StorageError('full') : undefined,
  );
  let calls = 0;
  const { crm, warnings } = await setup(t, storage, {
    onBackgroundError: () => {
      calls++;
      throw new Error('the host handler is broken');
    },
  });
  const customer = await customerWithDeal(crm);
  await crm.settled();
  assert.equal(calls, 1);
  assert.deepEqual(warnings(), ['crmkit: the background error handler failed on task customerAggregates']);
  fail = false;
  await dealOf(crm, customer.id, 'Difference engine', 5_000);
  await crm.settled();
  assert.equal((await crm.aggregates.get(customer.id))?.openDeals, 2);
  assert.deepEqual(await watch.done(), []);
});

test('defaultBackgroundErrorHandler emits { task, code } and warns, never the message', (t) => {
  const warn = t.mock.method(console, 'warn', () => undefined);
  const emitted: unknown[] = [];
  const handler = defaultBackgroundErrorHandler((name, payload) => emitted.push([name, payload]));
  handler(new StorageError(`quota ${SECRET}`, { code: 'CRM_STORAGE_QUOTA' }), { task: 'customerAggregates' });
  handler(new RangeError(SECRET), { task: 'leadRescore' });
  handler('a string', { task: 'leadRescore' });
  assert.deepEqual(emitted, [
    ['background.error', { task: 'customerAggregates', code: 'CRM_STORAGE_QUOTA' }],
    ['background.error', { task: 'leadRescore', code: 'unknown' }],
    ['background.error', { task: 'leadRescore', code: 'unknown' }],
  ]);
  const messages = warn.mock.calls.map((call) => call.arguments.join(' '));
  assert.deepEqual(messages, [
    'crmkit: background task customerAggregates failed (CRM_STORAGE_QUOTA)',
    'crmkit: background task leadRescore failed (unknown)',
    'crmkit: background task leadRescore failed (unknown)',
  ]);
});
