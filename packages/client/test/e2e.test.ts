import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictError,
  DEFAULT_LIFECYCLE,
  DEFAULT_PIPELINE_ID,
  DependantsError,
  NotFoundError,
  PermissionError,
  StageGateError,
  ValidationError,
  createMemoryStorage,
  type ChangeEvent,
  type CrmActor,
  type CustomerInput,
} from '@crmkit/core';
// @crmkit/server is a workspace package not yet among the root's devDependencies: until it is, the rule is silenced
// for this one import.
import { createCrmHandler } from '@crmkit/server';
import { ANY_RECORD, createRemoteCrm, isResetChange } from '@crmkit/client';
import { until } from './stub.js';

// The remote CRM against the real handler over core's memory storage: requests go through `fetch` straight into
// `handler(new Request(...))`, so routing, arguments, problems and the change stream are the server's own.

const USERS: Record<string, CrmActor> = {
  'token-ada': { id: 'u-ada', role: 'admin' },
  'token-bo': { id: 'u-bo', role: 'admin' },
  'token-viewer': { id: 'u-vi', role: 'viewer' },
};

/** The default lifecycle with the first stage renamed: a server's own configuration. */
const lifecycle = {
  ...DEFAULT_LIFECYCLE,
  stages: DEFAULT_LIFECYCLE.stages.map((stage, index) =>
    index === 0 ? { ...stage, name: { en: 'Newsletter', 'zh-CN': '订阅' } } : stage,
  ),
};

function setup() {
  const storage = createMemoryStorage();
  const handler = createCrmHandler({
    storage,
    basePath: '/api/crm',
    crm: { timeZone: 'Asia/Shanghai', currency: 'CNY', defaultRegion: 'CN', lifecycle },
    authenticate: async (request) => {
      const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      const actor = token === undefined ? undefined : USERS[token];
      return actor ? { actor } : undefined;
    },
    onError: (error) => assert.fail(`unexpected server failure: ${String(error)}`),
  });
  /** How many change streams the handler has answered (each follows the change log from then on). */
  const opened = { streams: 0 };
  const connect = (token: string) =>
    createRemoteCrm({
      url: 'http://crm.test/api/crm',
      fetch: async (input, init) => {
        const response = await handler(new Request(input, init));
        if (new URL(input).pathname.endsWith('/changes')) opened.streams++;
        return response;
      },
      getToken: () => token,
      reconnect: { minDelay: 1, maxDelay: 5 },
    });
  return { handler, connect, opened };
}

const ada: CustomerInput = {
  kind: 'organisation',
  name: '杭州云帆科技有限公司',
  emails: ['sales@yunfan.example'],
  country: 'CN',
};

test('the session: who acts and the CRM’s settings', async () => {
  const { handler, connect } = setup();
  const crm = await connect('token-ada');
  assert.deepEqual(crm.actor, { id: 'u-ada', role: 'admin' });
  assert.ok(Object.isFrozen(crm.actor));
  assert.equal(crm.timeZone, 'Asia/Shanghai');
  assert.equal(crm.currency, 'CNY');
  assert.equal(crm.defaultRegion, 'CN');
  assert.ok(crm.lostReasons.length > 0);
  assert.deepEqual(crm.customers.lifecycle.stages[0]?.name, { en: 'Newsletter', 'zh-CN': '订阅' });
  await assert.rejects(connect('token-nobody'), PermissionError);
  await crm.dispose();
  await handler.close();
});

test('create, read, list, count, update and remove a customer', async () => {
  const { handler, connect } = setup();
  const crm = await connect('token-ada');
  const created = await crm.customers.create(ada);
  assert.equal(created.name, ada.name);
  assert.equal(created.version, 1);
  assert.equal(created.ownerId, 'u-ada');
  assert.deepEqual(await crm.customers.get(created.id), created);
  assert.equal(await crm.customers.find('missing'), undefined);
  await assert.rejects(crm.customers.get('missing'), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.id, 'missing');
    return true;
  });
  const page = await crm.customers.list({ where: { field: 'country', op: 'eq', value: 'CN' }, limit: 10 });
  assert.deepEqual(
    page.records.map((customer) => customer.id),
    [created.id],
  );
  assert.equal(await crm.customers.count(), 1);
  // Ids the server would read as another route (`/customers/count`, `/tasks/overdue`) go through /records.
  assert.equal(await crm.customers.find('count'), undefined);
  await assert.rejects(crm.tasks.get('overdue'), NotFoundError);
  const updated = await crm.customers.update(created.id, { tags: ['vip'] }, { expectedVersion: 1 });
  assert.deepEqual(updated.tags, ['vip']);
  assert.equal(updated.version, 2);
  assert.deepEqual(await crm.records.getMany('customers', [created.id, 'missing']), [
    await crm.records.get('customers', created.id),
    undefined,
  ]);
  await crm.customers.remove(created.id, { expectedVersion: 2 });
  assert.equal(await crm.customers.find(created.id), undefined);
  assert.equal(await crm.customers.count(), 0);
  await crm.dispose();
  await handler.close();
});

test('a stale write surfaces as ConflictError with both versions', async () => {
  const { handler, connect } = setup();
  const crm = await connect('token-ada');
  const created = await crm.customers.create(ada);
  await crm.customers.update(created.id, { tags: ['a'] }, { expectedVersion: 1 });
  await assert.rejects(crm.customers.update(created.id, { tags: ['b'] }, { expectedVersion: 1 }), (error: unknown) => {
    assert.ok(error instanceof ConflictError);
    assert.equal(error.code, 'CRM_CONFLICT');
    assert.equal(error.collection, 'customers');
    assert.equal(error.id, created.id);
    assert.equal(error.expectedVersion, 1);
    assert.equal(error.actualVersion, 2);
    return true;
  });
  await crm.dispose();
  await handler.close();
});

test('invalid input surfaces as ValidationError with the issues’ paths', async () => {
  const { handler, connect } = setup();
  const crm = await connect('token-ada');
  await assert.rejects(
    crm.customers.create({ ...ada, name: '', emails: ['not an email'], colour: 'red' } as never),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.code, 'CRM_VALIDATION');
      const fields = error.fields;
      for (const field of ['name', 'emails.0', 'colour']) assert.ok(fields.includes(field), `${field} in ${fields}`);
      assert.doesNotMatch(error.message, /not an email/);
      return true;
    },
  );
  assert.equal(await crm.customers.count(), 0);
  await crm.dispose();
  await handler.close();
});

test('deals move through stages with the version as If-Match; a stage gate comes back typed', async () => {
  const { handler, connect } = setup();
  const crm = await connect('token-ada');
  const customer = await crm.customers.create(ada);
  const deal = await crm.deals.create({
    title: 'ERP pilot',
    customerId: customer.id,
    pipelineId: DEFAULT_PIPELINE_ID,
    stageId: 'opportunity',
    amount: { amountMinor: 1_280_000, currency: 'CNY' },
  });
  await assert.rejects(
    crm.deals.moveToStage(deal.id, 'proposal', { expectedVersion: deal.version }),
    (error: unknown) => {
      assert.ok(error instanceof StageGateError);
      assert.deepEqual(error.missingFields, ['expectedCloseDate']);
      return true;
    },
  );
  const moved = await crm.deals.moveToStage(deal.id, 'proposal', {
    expectedVersion: deal.version,
    values: { expectedCloseDate: '2026-12-31' },
  });
  assert.equal(moved.stageId, 'proposal');
  const lost = await crm.deals.moveToStage(deal.id, 'lost', { force: true, lostReason: crm.lostReasons[0]! });
  assert.equal(lost.status, 'lost');
  assert.deepEqual(
    (await crm.deals.history(deal.id)).map((change) => change.toStageId),
    ['opportunity', 'proposal', 'lost'],
  );
  const pipeline = await crm.pipelines.get(DEFAULT_PIPELINE_ID);
  assert.ok(pipeline.stages.some((stage) => stage.id === 'won'));
  await crm.settled();
  await crm.dispose();
  await handler.close();
});

test('what an actor may not do is refused with PermissionError', async () => {
  const { handler, connect } = setup();
  const viewer = await connect('token-viewer');
  assert.equal(viewer.actor.role, 'viewer');
  await assert.rejects(viewer.customers.create(ada), PermissionError);
  await assert.rejects(viewer.as({ id: 'u-ada', role: 'admin' }), PermissionError);
  await viewer.dispose();
  await handler.close();
});

test('the change stream delivers another actor’s change', async () => {
  const { handler, connect, opened } = setup();
  const watcher = await connect('token-ada');
  const writer = await connect('token-bo');
  const batches: (readonly ChangeEvent[])[] = [];
  const unsubscribe = watcher.subscribe((events) => batches.push(events));
  // Once the handler has answered the stream, it follows the change log: the write below cannot be missed.
  await until(() => opened.streams === 1, 'the change stream was answered');
  const customer = await writer.customers.create({ kind: 'person', name: 'Bo Li' });
  await until(
    () => batches.flat().some((event) => event.collection === 'customers' && event.id === customer.id),
    'the watcher heard of the new customer',
  );
  const heard = batches.flat().find((event) => event.collection === 'customers' && event.id === customer.id)!;
  assert.equal(heard.type, 'put');
  assert.equal(heard.version, 1);
  assert.equal(heard.remote, true);
  unsubscribe();
  await watcher.dispose();
  await writer.dispose();
  await handler.close();
});

test('a tour of the services: fields, options, queries, path objects and DELETE options all reach core', async () => {
  const { handler, connect } = setup();
  const crm = await connect('token-ada');
  const { lead } = await crm.leads.capture(
    { name: 'Wei Li', email: 'li.wei@example.com' },
    { source: 'website', note: 'Please call' },
  );
  assert.equal(lead.email, 'li.wei@example.com');
  await crm.settled(); // the note's activity re-scores the lead in the background
  const current = await crm.leads.get(lead.id);
  const qualified = await crm.leads.qualify(lead.id, { expectedVersion: current.version });
  assert.equal(qualified.status, 'qualified');
  const disqualified = await crm.leads.disqualify(lead.id, { force: true, reason: 'no budget' });
  assert.equal(disqualified.status, 'disqualified');

  const customer = await crm.customers.create(ada);
  const call = await crm.activities.log({
    type: 'call',
    direction: 'outbound',
    occurredAt: '2026-03-02T00:30:00Z',
    customerId: customer.id,
  });
  const timeline = await crm.activities.timeline({ kind: 'customer', id: customer.id }, { limit: 5 });
  assert.deepEqual(
    timeline.items.map((item) => (item.kind === 'activity' ? item.activity.id : item.task.id)),
    [call.id],
  );
  const task = await crm.tasks.create({
    title: 'Follow up',
    type: 'call',
    dueAt: '2026-03-02T02:00:00Z',
    related: { kind: 'customer', id: customer.id },
  });
  const overdue = await crm.tasks.overdue({ limit: 10 });
  assert.deepEqual(
    overdue.records.map((item) => item.id),
    [task.id],
  );
  const { task: done } = await crm.tasks.complete(task.id, { expectedVersion: task.version });
  assert.equal(done.status, 'done');

  const view = await crm.customers.view360(customer.id, { activityLimit: 10 });
  assert.equal(view.customer.id, customer.id);
  assert.equal(await crm.segments.size({ filter: { field: 'country', op: 'eq', value: 'CN' } }), 1);

  const pipeline = await crm.pipelines.ensureDefault();
  const added = await crm.pipelines.addStage(
    pipeline.id,
    { id: 'negotiation', name: { en: 'Negotiation', 'zh-CN': '谈判' }, probability: 0.8, kind: 'open' },
    { expectedVersion: pipeline.version },
  );
  assert.ok(added.stages.some((stage) => stage.id === 'negotiation'));
  const { pipeline: trimmed } = await crm.pipelines.removeStage(pipeline.id, 'negotiation', {
    expectedVersion: added.version,
    moveDealsTo: 'opportunity',
  });
  assert.ok(!trimmed.stages.some((stage) => stage.id === 'negotiation'));

  await crm.settled();
  assert.equal((await crm.aggregates.get('no-such-customer')) ?? 'none', 'none');
  await assert.rejects(crm.customers.remove(customer.id, { force: true }), (error: unknown) => {
    assert.ok(error instanceof DependantsError);
    assert.equal(error.dependants['activities'], 1);
    return true;
  });
  await crm.customers.remove(customer.id, { force: true, dependants: 'cascade' });
  assert.equal(await crm.tasks.find(task.id), undefined);
  assert.ok((await crm.audit.head()) !== undefined);
  assert.equal((await crm.backup.export()).format, 'crmkit.storage');
  await crm.dispose();
  await handler.close();
});

test('resuming at a position the server does not know delivers a reset batch', async () => {
  const storage = createMemoryStorage();
  const options = {
    storage,
    authenticate: async () => ({ actor: { id: 'u-ada', role: 'admin' as const } }),
    onError: (error: unknown) => assert.fail(`unexpected server failure: ${String(error)}`),
  };
  // Two server processes over one storage: the stream moves from the first to the second, which never handed out
  // the first one's positions.
  const first = createCrmHandler(options);
  const second = createCrmHandler(options);
  let target = first;
  let streams = 0;
  const crm = await createRemoteCrm({
    url: 'http://crm.test',
    fetch: async (input, init) => {
      const response = await target(new Request(input, init));
      if (new URL(input).pathname === '/changes' && response.ok) streams++;
      return response;
    },
    reconnect: { minDelay: 1, maxDelay: 5 },
  });
  const batches: (readonly ChangeEvent[])[] = [];
  crm.subscribe((events) => batches.push(events));
  await until(() => streams === 1, 'the first stream was answered');
  const customer = await crm.customers.create({ kind: 'person', name: 'Bo Li' });
  await until(() => batches.flat().some((event) => event.id === customer.id), 'the change was delivered');
  target = second;
  await first.close();
  await until(() => batches.some((batch) => batch.some(isResetChange)), 'a reset was delivered');
  const reset = batches.find((batch) => batch.some(isResetChange))!;
  assert.ok(reset.some((event) => event.collection === 'customers' && event.id === ANY_RECORD));
  // Live changes follow on the new stream.
  const next = await crm.customers.create({ kind: 'person', name: 'Wei Li' });
  await until(() => batches.flat().some((event) => event.id === next.id), 'the next change was delivered');
  await crm.dispose();
  await second.close();
});

test('a change committed after subscribe(), before the stream is open, reaches the listener as itself', async () => {
  const { handler, connect } = setup();
  const writer = await connect('token-bo');
  // The watcher's GET /changes waits at the gate: the server does not follow the change log for it yet.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const answered: Request[] = [];
  const watcher = await createRemoteCrm({
    url: 'http://crm.test/api/crm',
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (new URL(input).pathname.endsWith('/changes')) {
        await gate;
        const response = await handler(request);
        answered.push(request);
        return response;
      }
      return handler(request);
    },
    getToken: () => 'token-ada',
    reconnect: { minDelay: 1, maxDelay: 5 },
  });
  const batches: (readonly ChangeEvent[])[] = [];
  watcher.subscribe((events) => batches.push(events));
  // Subscribed, not yet streaming: another user writes (the element that subscribed would be loading now).
  const early = await writer.customers.create({ kind: 'person', name: 'Early Bird' });
  open();
  await until(() => answered.length === 1, 'the change stream was answered');
  // The stream is open now: a later change arrives whatever happens; the early one must have come before it.
  const later = await writer.customers.create({ kind: 'person', name: 'Late Comer' });
  await until(() => batches.flat().some((event) => event.id === later.id), 'the later change was delivered');
  const heard = batches.flat().find((event) => event.collection === 'customers' && event.id === early.id);
  assert.ok(heard, 'the change made between subscribe() and the stream opening was delivered');
  assert.equal(heard.version, 1);
  assert.ok(!batches.flat().some(isResetChange), 'as the change itself, not as a reset');
  // The first connection resumed from the position the session gave.
  assert.match(answered[0]!.headers.get('last-event-id') ?? '', /^[0-9a-z]+:\d+$/);
  await watcher.dispose();
  await writer.dispose();
  await handler.close();
});

test('a stream that stops delivering (not even heartbeats) is given up and opened again, resuming', async () => {
  const storage = createMemoryStorage();
  const handler = createCrmHandler({
    storage,
    basePath: '/api/crm',
    // The session tells the client this interval: it takes 2.5 of them without a byte as a dead connection.
    changes: { heartbeatMs: 20 },
    authenticate: async (request) => {
      const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      const actor = token === undefined ? undefined : USERS[token];
      return actor ? { actor } : undefined;
    },
    onError: (error) => assert.fail(`unexpected server failure: ${String(error)}`),
  });
  const streams: Request[] = [];
  const watcher = await createRemoteCrm({
    url: 'http://crm.test/api/crm',
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const response = await handler(request);
      if (!new URL(input).pathname.endsWith('/changes')) return response;
      streams.push(request);
      if (streams.length > 1 || !response.body) return response;
      // The first connection goes silent after its first chunk, as through a proxy that stopped forwarding: no
      // heartbeat, no event, and no end either.
      let chunks = 0;
      const silenced = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (chunks++ === 0) controller.enqueue(chunk);
          },
        }),
      );
      return new Response(silenced, { status: response.status, headers: response.headers });
    },
    getToken: () => 'token-ada',
    reconnect: { minDelay: 1, maxDelay: 5 },
  });
  const writer = await createRemoteCrm({
    url: 'http://crm.test/api/crm',
    fetch: (input, init) => handler(new Request(input, init)),
    getToken: () => 'token-bo',
  });
  const batches: (readonly ChangeEvent[])[] = [];
  watcher.subscribe((events) => batches.push(events));
  await until(() => streams.length === 1, 'the first stream was answered');
  // Sent on the silenced connection: it never arrives there.
  const customer = await writer.customers.create({ kind: 'person', name: 'Bo Li' });
  await until(() => batches.flat().some((event) => event.id === customer.id), 'the change arrived after all');
  assert.equal(streams[0]!.signal.aborted, true, 'the silent connection was aborted');
  assert.ok(streams.length >= 2);
  assert.match(streams[1]!.headers.get('last-event-id') ?? '', /^[0-9a-z]+:\d+$/, 'the next one resumed');
  assert.ok(!batches.flat().some(isResetChange), 'no reset: nothing was lost');
  await watcher.dispose();
  await writer.dispose();
  await handler.close();
});
