/** Every service family round-trips through the handler over memory storage, as an admin. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCrm, createMemoryStorage } from '@crmkit/core';
import { ROUTES } from '@crmkit/client';
import { ADMIN, call, DEAL, memoryHandler, ok } from './harness.js';

type Row = Record<string, unknown> & { id: string; version: number };

test('health answers without credentials; session answers the actor and the CRM settings', async () => {
  const { handler } = memoryHandler();
  const health = await call(handler, 'GET', '/health', { actor: null });
  assert.equal(health.status, 200);
  assert.deepEqual(health.body, { status: 'ok' });
  const session = await ok(handler, 'GET', '/session');
  assert.deepEqual(session['actor'], { id: ADMIN.id, role: 'admin' });
  assert.equal(session['timeZone'], 'Asia/Shanghai');
  assert.equal(session['currency'], 'CNY');
  assert.ok(Array.isArray(session['lostReasons']));
  assert.ok(Array.isArray((session['lifecycle'] as { stages: unknown[] }).stages));
  await handler.close();
});

test('every route names a method the CRM serves', async () => {
  const crm = await createCrm({ storage: createMemoryStorage(), actor: ADMIN });
  for (const route of ROUTES) {
    const target = (route.service === '' ? crm : (crm as unknown as Record<string, unknown>)[route.service]) as
      Record<string, unknown> | undefined;
    assert.equal(typeof target?.[route.method], 'function', `${route.verb} ${route.path}`);
  }
  await crm.dispose();
});

test('customers and contacts: create, get, list, count, update, 360, lifecycle, remove', async () => {
  const { handler } = memoryHandler();
  const created = await call(handler, 'POST', '/customers', { body: { kind: 'organisation', name: 'Acme' } });
  assert.equal(created.status, 201);
  const customer = created.body as Row;
  assert.equal(created.headers.get('etag'), `"${customer.version}"`);
  const read = await call(handler, 'GET', `/customers/${customer.id}`);
  assert.equal((read.body as Row).name, 'Acme');
  assert.equal(read.headers.get('etag'), '"1"');
  const contact = await ok<Row>(handler, 'POST', '/contacts', { body: { customerId: customer.id, name: 'Ann Lee' } });
  const list = await ok<{ records: Row[] }>(handler, 'GET', '/customers', {
    query: { where: { field: 'name', op: 'eq', value: 'Acme' }, limit: 10 },
  });
  assert.deepEqual(
    list.records.map((record) => record.id),
    [customer.id],
  );
  assert.equal(
    await ok(handler, 'GET', '/customers/count', { query: { field: 'kind', op: 'eq', value: 'organisation' } }),
    1,
  );
  assert.equal(await ok(handler, 'GET', '/contacts/count'), 1);
  const updated = await ok<Row>(handler, 'PATCH', `/customers/${customer.id}`, {
    body: { name: 'Acme Ltd' },
    headers: { 'if-match': `"${customer.version}"` },
  });
  assert.equal(updated.name, 'Acme Ltd');
  const view = await ok(handler, 'GET', `/customers/${customer.id}/360`);
  assert.equal((view['customer'] as Row).id, customer.id);
  const staged = await ok<Row>(handler, 'POST', `/customers/${customer.id}/lifecycle`, {
    body: { stage: 'customer' },
    headers: { 'if-match': `"${updated.version}"` },
  });
  assert.equal(staged['lifecycleStage'], 'customer');
  const history = await ok<{ records: Row[] }>(handler, 'GET', `/customers/${customer.id}/lifecycle`, {
    query: { limit: 5 },
  });
  assert.equal(history.records.length, 1);
  assert.equal(typeof (await ok(handler, 'POST', '/customers/lifecycle/sweep')), 'number');
  const refused = await call(handler, 'DELETE', `/customers/${customer.id}`, { headers: { 'if-match': '*' } });
  assert.equal(refused.status, 409, 'the contact holds the customer back');
  assert.deepEqual((refused.body as { dependants: unknown }).dependants, { contacts: 1 });
  const removed = await call(handler, 'DELETE', `/customers/${customer.id}`, {
    headers: { 'if-match': '*' },
    query: { dependants: 'cascade' },
  });
  assert.equal(removed.status, 204);
  assert.equal(removed.body, '');
  assert.equal((await call(handler, 'GET', `/contacts/${contact.id}`)).status, 404);
  await handler.close();
});

test('leads: capture, duplicates, score, assign, qualify, convert, sla, overdue', async () => {
  const { handler } = memoryHandler();
  const captured = await call(handler, 'POST', '/leads/capture', {
    body: { input: { name: 'Li Na', company: 'Yunfan', email: 'li.na@yunfan.example' }, options: { source: 'web' } },
  });
  assert.equal(captured.status, 201);
  const lead = (captured.body as { lead: Row }).lead;
  const duplicates = await ok<unknown[]>(handler, 'POST', '/leads/duplicates', {
    body: { email: 'li.na@yunfan.example' },
  });
  assert.equal(duplicates.length, 1);
  assert.equal(typeof (await ok(handler, 'GET', `/leads/${lead.id}/score`))['score'], 'number');
  await ok(handler, 'POST', `/leads/${lead.id}/rescore`);
  await ok(handler, 'POST', '/settled');
  const current = await ok<Row>(handler, 'GET', `/leads/${lead.id}`);
  const qualified = await ok<Row>(handler, 'POST', `/leads/${lead.id}/qualify`, {
    headers: { 'if-match': `"${current.version}"` },
  });
  assert.equal(qualified['status'], 'qualified');
  const sla = await ok(handler, 'GET', `/leads/${lead.id}/sla`);
  assert.equal(sla['leadId'], lead.id);
  assert.ok(Array.isArray(await ok(handler, 'GET', '/leads/overdue', { query: { limit: 5 } })));
  const converted = await ok(handler, 'POST', `/leads/${lead.id}/convert`, {
    body: { deal: { title: 'First order' }, expectedVersion: qualified.version },
  });
  assert.equal((converted['deal'] as Row).title, 'First order');
  const rescored = await ok(handler, 'POST', '/leads/rescore', { body: {} });
  assert.equal(typeof rescored['rescored'], 'number');
  await handler.close();
});

test('deals and pipelines: create, move with If-Match, history, stage edits', async () => {
  const { handler } = memoryHandler();
  const customer = await ok<Row>(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Bea' } });
  const deal = await ok<Row>(handler, 'POST', '/deals', { body: { ...DEAL, customerId: customer.id } });
  const moved = await ok<Row>(handler, 'POST', `/deals/${deal.id}/move`, {
    body: { stageId: 'proposal' },
    headers: { 'if-match': `"${deal.version}"` },
  });
  assert.equal(moved['stageId'], 'proposal');
  const history = await ok<Row[]>(handler, 'GET', `/deals/${deal.id}/history`);
  assert.deepEqual(
    history.map((change) => change['toStageId']),
    ['opportunity', 'proposal'],
  );
  const pipeline = await ok<Row>(handler, 'POST', '/pipelines/default');
  const renamed = await ok<Row>(handler, 'POST', '/pipelines/default/rename', {
    body: { name: { en: 'New business', 'zh-CN': '新业务' } },
    headers: { 'if-match': `"${pipeline.version}"` },
  });
  const added = await ok<Row>(handler, 'POST', '/pipelines/default/stages', {
    body: {
      stage: { id: 'demo', name: { en: 'Demo', 'zh-CN': '演示' }, probability: 0.3, kind: 'open' },
      options: { expectedVersion: renamed.version },
    },
  });
  const edited = await ok<Row>(handler, 'PATCH', '/pipelines/default/stages/demo', {
    body: { probability: 0.35 },
    headers: { 'if-match': `"${added.version}"` },
  });
  const removal = await ok(handler, 'DELETE', '/pipelines/default/stages/demo', {
    headers: { 'if-match': `"${edited.version}"` },
    query: { moveDealsTo: 'proposal' },
  });
  assert.equal(removal['movedDeals'], 0);
  assert.equal(await ok(handler, 'GET', '/pipelines/count'), 1);
  await handler.close();
});

test('activities, timeline and tasks: log, complete, reopen, snooze, lists', async () => {
  const { handler } = memoryHandler();
  const customer = await ok<Row>(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Chen' } });
  const activity = await call(handler, 'POST', '/activities/log', {
    body: { type: 'call', direction: 'outbound', occurredAt: '2026-03-02T00:30:00Z', customerId: customer.id },
  });
  assert.equal(activity.status, 201);
  const timeline = await ok<{ items: unknown[] }>(handler, 'GET', `/timeline/customer/${customer.id}`, {
    query: { limit: 10 },
  });
  assert.equal(timeline.items.length, 1);
  const task = await ok<Row>(handler, 'POST', '/tasks', {
    body: {
      title: 'Call back',
      type: 'call',
      dueAt: '2026-03-02T02:00:00Z',
      related: { kind: 'customer', id: customer.id },
    },
  });
  assert.equal(task['assigneeId'], ADMIN.id);
  const snoozed = await ok<Row>(handler, 'POST', `/tasks/${task.id}/snooze`, {
    body: { until: '2099-01-01T00:00:00Z' },
    headers: { 'if-match': `"${task.version}"` },
  });
  assert.ok(Array.isArray((await ok<{ records: unknown[] }>(handler, 'GET', '/tasks/overdue')).records));
  assert.ok(Array.isArray((await ok<{ records: unknown[] }>(handler, 'GET', '/tasks/due-today')).records));
  const done = await ok<{ task: Row }>(handler, 'POST', `/tasks/${task.id}/complete`, {
    headers: { 'if-match': `"${snoozed.version}"` },
  });
  assert.equal(done.task['status'], 'done');
  const reopened = await ok<Row>(handler, 'POST', `/tasks/${task.id}/reopen`, {
    headers: { 'if-match': `"${done.task.version}"` },
  });
  assert.equal(reopened['status'], 'open');
  await handler.close();
});

test('segments, aggregates and records: members, size, explain, refresh, getMany', async () => {
  const { handler } = memoryHandler();
  const cn = await ok<Row>(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Wang', country: 'CN' } });
  await ok(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Smith', country: 'US' } });
  const filter = { field: 'country', op: 'eq', value: 'CN' };
  const segment = await ok<Row>(handler, 'POST', '/segments', { body: { name: 'China', filter } });
  assert.equal(await ok(handler, 'POST', '/segments/size', { body: { segment: segment.id } }), 1);
  assert.deepEqual(await ok(handler, 'POST', '/segments/member-ids', { body: { segment: { filter } } }), [cn.id]);
  const members = await ok<{ records: Row[] }>(handler, 'POST', '/segments/members', {
    body: { segment: segment.id, options: { limit: 5 } },
  });
  assert.equal(members.records.length, 1);
  const explained = await ok(handler, 'POST', '/segments/explain', {
    body: { segment: segment.id, customerId: cn.id },
  });
  assert.equal(explained['matched'], true);
  const overlaps = await ok(handler, 'POST', '/segments/overlaps', { body: { segments: [segment.id, { filter }] } });
  assert.ok(overlaps);
  const stats = await ok<Row>(handler, 'POST', `/aggregates/${cn.id}/refresh`);
  assert.equal(stats.id, cn.id);
  const aggregate = await call(handler, 'GET', `/aggregates/${cn.id}`);
  assert.equal(aggregate.headers.get('etag'), `"${(aggregate.body as Row).version}"`);
  assert.deepEqual(await ok(handler, 'POST', '/aggregates/many', { body: { ids: [cn.id, 'nobody'] } }), [
    await ok(handler, 'GET', `/aggregates/${cn.id}`),
    null,
  ]);
  assert.equal(typeof (await ok(handler, 'POST', '/aggregates/rfm', { body: {} })), 'number');
  assert.equal((await ok<Row>(handler, 'GET', `/records/customers/${cn.id}`)).id, cn.id);
  assert.equal(await ok(handler, 'GET', '/records/customers/nobody'), null, 'undefined travels as null');
  const many = await ok<(Row | null)[]>(handler, 'POST', '/records/customers/many', {
    body: { ids: ['nobody', cn.id] },
  });
  assert.deepEqual(
    many.map((record) => record?.id ?? null),
    [null, cn.id],
  );
  await handler.close();
});

test('users, teams and custom fields; reports with costs and quotas', async () => {
  const { handler } = memoryHandler();
  const user = await ok<Row>(handler, 'POST', '/users', {
    body: { name: 'Rep A', email: 'a@crm.example', role: 'rep' },
  });
  await ok(handler, 'POST', '/teams', { body: { name: 'East', managerId: ADMIN.id, memberIds: [user.id] } });
  const field = await ok<Row>(handler, 'POST', '/custom-fields', {
    body: { entity: 'customer', key: 'region', label: { en: 'Region', 'zh-CN': '大区' }, type: 'text' },
  });
  assert.equal((await ok<{ records: Row[] }>(handler, 'GET', '/custom-fields')).records[0]!.id, field.id);
  const cost = await call(handler, 'POST', '/reports/costs', {
    body: { source: 'web', from: '2026-03-01', to: '2026-03-31', amount: { amountMinor: 50_000, currency: 'CNY' } },
  });
  assert.equal(cost.status, 201);
  await ok(handler, 'POST', '/reports/quotas', {
    body: { userId: user.id, month: '2026-03', amount: { amountMinor: 10_000, currency: 'CNY' } },
  });
  assert.equal((await ok<Row[]>(handler, 'GET', '/reports/costs')).length, 1);
  assert.equal((await ok<Row[]>(handler, 'GET', '/reports/quotas')).length, 1);
  const range = { from: '2026-03-01', to: '2026-03-31' };
  assert.ok(await ok(handler, 'POST', '/reports/sales-trend', { body: { ...range, granularity: 'week' } }));
  assert.ok(await ok(handler, 'POST', '/reports/lead-sources', { body: range }));
  assert.ok(await ok(handler, 'POST', '/reports/performance', { body: range }));
  assert.ok(
    await ok(handler, 'POST', '/reports/funnel', {
      body: { pipelineId: 'default', period: { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' } },
    }),
  );
  assert.ok(await ok(handler, 'POST', '/reports/forecast', { body: {} }));
  const removed = await call(handler, 'DELETE', `/reports/costs/${(cost.body as Row).id}`, {
    headers: { 'if-match': `"${(cost.body as Row).version}"` },
  });
  assert.equal(removed.status, 204);
  await handler.close();
});

test('audit and backup: list, head, verify, export, restore, settled', async () => {
  const { handler } = memoryHandler();
  await ok(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Zhou' } });
  const audit = await ok<{ records: Row[] }>(handler, 'GET', '/audit', { query: { limit: 10 } });
  assert.ok(audit.records.length >= 1);
  const head = await ok(handler, 'GET', '/audit/head');
  assert.equal((await ok(handler, 'POST', '/audit/verify', { body: { head } }))['ok'], true);
  const settled = await call(handler, 'POST', '/settled');
  assert.equal(settled.status, 204);
  const snapshot = await ok(handler, 'GET', '/backup');
  assert.equal(snapshot['format'], 'crmkit.storage');
  await ok(handler, 'POST', '/customers', { body: { kind: 'person', name: 'After the backup' } });
  assert.equal((await call(handler, 'PUT', '/backup', { body: snapshot })).status, 204);
  const names = (await ok<{ records: Row[] }>(handler, 'GET', '/customers')).records.map((record) => record['name']);
  assert.deepEqual(names, ['Zhou']);
  await handler.close();
});
