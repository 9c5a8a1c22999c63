// A completed task leaves a trace: it shows on the customer's timeline and in the 360° view's completed list, and
// `crm.tasks.reopen` (the card's "Undo") takes that trace back, all or nothing, with audit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermissionError, ValidationError, createCrm, createMemoryStorage, type MemoryData } from '@crmkit/core';

const T0 = Date.parse('2026-05-04T08:00:00.000Z');

async function setup() {
  const data: MemoryData = new Map();
  let tick = 0;
  let ids = 0;
  const clock = () => new Date(T0 + 60_000 * tick++);
  const storage = createMemoryStorage({ data, now: clock });
  const crm = await createCrm({
    storage,
    actor: { id: 'rep-1', role: 'admin' },
    clock,
    timeZone: 'Asia/Shanghai',
    currency: 'CNY',
    idGenerator: () => `id-${String(++ids).padStart(3, '0')}`,
  });
  const customer = await crm.customers.create({ kind: 'organisation', name: '华东物流' });
  return { crm, storage, data, customer };
}

const timelineKinds = async (crm: Awaited<ReturnType<typeof setup>>['crm'], id: string) =>
  (await crm.activities.timeline({ kind: 'customer', id })).items.map((item) =>
    item.kind === 'task' ? `task:${item.task.id}` : `activity:${item.activity.id}`,
  );

test('completing a task puts it on the customer timeline and the completed list; reopening takes both back', async () => {
  const { crm, customer } = await setup();
  const task = await crm.tasks.create({
    title: 'Send the quote',
    type: 'email',
    dueAt: '2026-05-05T02:00:00Z',
    related: { kind: 'customer', id: customer.id },
  });
  const { task: done } = await crm.tasks.complete(task.id, { expectedVersion: task.version });

  assert.deepEqual(await timelineKinds(crm, customer.id), [`task:${task.id}`]);
  const after = await crm.customers.view360(customer.id);
  assert.deepEqual(
    after.tasks.completed.map((t) => [t.id, t.status, t.completedAt]),
    [[task.id, 'done', done.completedAt]],
  );
  assert.deepEqual(after.tasks.open, []);

  const reopened = await crm.tasks.reopen(task.id, { expectedVersion: done.version });
  assert.equal(reopened.status, 'open');
  assert.equal(reopened.completedAt, undefined);
  assert.deepEqual(await timelineKinds(crm, customer.id), []);
  const undone = await crm.customers.view360(customer.id);
  assert.deepEqual(undone.tasks.completed, []);
  assert.deepEqual(
    undone.tasks.open.map((t) => t.id),
    [task.id],
  );

  const audit = await crm.audit.list({
    where: { field: 'entityId', op: 'eq', value: task.id },
    orderBy: [{ field: 'at' }],
  });
  assert.deepEqual(
    audit.records.map((entry) => [entry['action'], entry['changedFields']]),
    [
      ['create', audit.records[0]!['changedFields']],
      ['update', ['completedAt', 'status']],
      ['update', ['completedAt', 'status']],
    ],
  );
});

test('reopening a recurring task removes the occurrence its completion created, in the same transaction', async () => {
  const { crm, customer } = await setup();
  const task = await crm.tasks.create({
    title: 'Weekly check-in',
    type: 'call',
    dueAt: '2026-05-05T02:00:00Z',
    recurrence: { every: 1, unit: 'week' },
    related: { kind: 'customer', id: customer.id },
  });
  const { task: done, next } = await crm.tasks.complete(task.id, { expectedVersion: 1 });
  assert.ok(next);
  await crm.tasks.reopen(task.id, { expectedVersion: done.version });
  assert.equal(await crm.tasks.get(next.id).catch(() => undefined), undefined);
  const view = await crm.customers.view360(customer.id);
  assert.deepEqual(
    view.tasks.open.map((t) => t.id),
    [task.id],
  );
  const audit = await crm.audit.list({
    where: { field: 'entityId', op: 'eq', value: next.id },
    orderBy: [{ field: 'at' }],
  });
  assert.deepEqual(
    audit.records.map((entry) => entry['action']),
    ['create', 'delete'],
  );
});

test('a refused reopen changes nothing: stale version, an open task, a next occurrence already worked on', async () => {
  const { crm, customer, data } = await setup();
  const task = await crm.tasks.create({
    title: 'Weekly check-in',
    type: 'call',
    dueAt: '2026-05-05T02:00:00Z',
    recurrence: { every: 1, unit: 'week' },
    related: { kind: 'customer', id: customer.id },
  });
  await assert.rejects(crm.tasks.reopen(task.id, { expectedVersion: 1 }), ValidationError);
  const { task: done, next } = await crm.tasks.complete(task.id, { expectedVersion: 1 });
  assert.ok(next);
  const snapshot = JSON.stringify([...data]);
  await assert.rejects(crm.tasks.reopen(task.id, { expectedVersion: done.version + 1 }), { code: 'CRM_CONFLICT' });
  assert.equal(JSON.stringify([...data]), snapshot);

  await crm.tasks.complete(next.id, { expectedVersion: next.version });
  const before = JSON.stringify([...data]);
  await assert.rejects(crm.tasks.reopen(task.id, { expectedVersion: done.version }), ValidationError);
  assert.equal(JSON.stringify([...data]), before);
});

test('a viewer may not reopen a task', async () => {
  const { crm, storage, customer, data } = await setup();
  const task = await crm.tasks.create({
    title: 'Send the quote',
    type: 'email',
    dueAt: '2026-05-05T02:00:00Z',
    related: { kind: 'customer', id: customer.id },
  });
  const { task: done } = await crm.tasks.complete(task.id, { expectedVersion: 1 });
  const viewer = await createCrm({ storage, actor: { id: 'viewer-1', role: 'viewer' } });
  const before = JSON.stringify([...data]);
  await assert.rejects(viewer.tasks.reopen(task.id, { expectedVersion: done.version }), PermissionError);
  assert.equal(JSON.stringify([...data]), before);
  viewer.dispose();
});
