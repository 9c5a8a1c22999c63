import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictError,
  NotFoundError,
  PermissionError,
  StorageError,
  ValidationError,
  createCrm,
  createMemoryStorage,
  type Crm,
  type CrmEventMap,
  type CustomerInput,
  type MemoryData,
} from '@crmkit/core';

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);

async function setup(role?: 'admin' | 'rep' | 'viewer') {
  const data: MemoryData = new Map();
  let tick = 0;
  let ids = 0;
  const clock = () => new Date(T0 + 1000 * tick++);
  const storage = createMemoryStorage({ data, now: clock });
  const crm = await createCrm({
    storage,
    actor: { id: 'rep-1', role: role ?? 'admin' },
    clock,
    timeZone: 'Asia/Shanghai',
    currency: 'CNY',
    idGenerator: () => `id-${++ids}`,
  });
  return { crm, storage, data };
}

const ada: CustomerInput = {
  kind: 'person',
  name: 'Ada Lovelace',
  emails: ['ADA@Example.com'],
  phones: ['+44 20 7946 0000'],
};

test('create validates, sets id, owner and version, and returns the stored entity', async () => {
  const { crm } = await setup();
  const customer = await crm.customers.create(ada);
  assert.equal(customer.id, 'id-1');
  assert.equal(customer.ownerId, 'rep-1');
  assert.equal(customer.version, 1);
  assert.deepEqual(customer.emails, ['ada@example.com']);
  assert.equal(customer.lifecycleStage, 'subscriber');
  assert.deepEqual(await crm.customers.get(customer.id), customer);
});

test('an explicit owner is kept', async () => {
  const { crm } = await setup();
  assert.equal((await crm.customers.create({ ...ada, ownerId: 'rep-2' })).ownerId, 'rep-2');
});

test('bad input is refused with ValidationError naming the field, and nothing is written', async () => {
  const { crm, storage } = await setup();
  const before = await storage.exportSnapshot();
  await assert.rejects(crm.customers.create({ ...ada, emails: ['not an email'] }), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.fields, ['emails.0']);
    return true;
  });
  await assert.rejects(crm.customers.create({ ...ada, website: 'javascript:alert(1)' }), ValidationError);
  assert.deepEqual(await storage.exportSnapshot(), before);
});

test('update merges a patch, bumps the version and refuses a stale one', async () => {
  const { crm } = await setup();
  const created = await crm.customers.create(ada);
  const updated = await crm.customers.update(created.id, { tags: ['vip'] }, { expectedVersion: 1 });
  assert.equal(updated.version, 2);
  assert.deepEqual(updated.tags, ['vip']);
  assert.equal(updated.name, 'Ada Lovelace');
  await assert.rejects(crm.customers.update(created.id, { name: 'Stale' }, { expectedVersion: 1 }), ConflictError);
  assert.equal((await crm.customers.get(created.id)).name, 'Ada Lovelace');
  await assert.rejects(crm.customers.update('missing', { name: 'x' }, { expectedVersion: 1 }), NotFoundError);
  await assert.rejects(crm.customers.update(created.id, { name: '' }, { expectedVersion: 2 }), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.fields, ['name']);
    return true;
  });
});

test('remove deletes; get then throws NotFoundError and find returns undefined', async () => {
  const { crm } = await setup();
  const created = await crm.customers.create(ada);
  await assert.rejects(crm.customers.remove(created.id, { expectedVersion: 5 }), ConflictError);
  await crm.customers.remove(created.id, { expectedVersion: 1 });
  await assert.rejects(crm.customers.get(created.id), NotFoundError);
  assert.equal(await crm.customers.find(created.id), undefined);
});

test('list filters, orders and pages; count agrees', async () => {
  const { crm } = await setup();
  for (const [name, country] of [
    ['张伟', 'CN'],
    ['Bob', 'US'],
    ['李娜', 'CN'],
    ['Carla', 'BR'],
  ] as const) {
    await crm.customers.create({ kind: 'person', name, country });
  }
  const where = { field: 'country', op: 'in', values: ['CN', 'US'] } as const;
  const first = await crm.customers.list({ where, orderBy: [{ field: 'name' }], limit: 2 });
  assert.deepEqual(
    first.records.map((c) => c.name),
    ['Bob', '张伟'],
  );
  const second = await crm.customers.list({ where, orderBy: [{ field: 'name' }], limit: 2, after: first.next! });
  assert.deepEqual(
    second.records.map((c) => c.name),
    ['李娜'],
  );
  assert.equal(await crm.customers.count(where), 3);
});

test('every write is audited with actor, time and changed field names, and no values', async () => {
  const { crm } = await setup();
  const created = await crm.customers.create(ada);
  const updated = await crm.customers.update(
    created.id,
    { phones: ['+44 20 7946 1111'], tags: [] },
    { expectedVersion: 1 },
  );
  await crm.customers.remove(created.id, { expectedVersion: updated.version });
  const { records } = await crm.audit.list({ orderBy: [{ field: 'at' }] });
  assert.deepEqual(
    records.map((entry) => [entry.action, entry.entity, entry.entityId, entry.actorId]),
    [
      ['create', 'customers', created.id, 'rep-1'],
      ['update', 'customers', created.id, 'rep-1'],
      ['delete', 'customers', created.id, 'rep-1'],
    ],
  );
  assert.deepEqual(records[1]!.changedFields, ['phones']);
  const serialised = JSON.stringify(records);
  for (const secret of ['Ada', 'ada@example.com', '7946']) assert.ok(!serialised.includes(secret), secret);
});

test('domain events fire after commit with ids and field names only; unsubscribe stops them', async () => {
  const { crm } = await setup();
  const seen: [string, unknown][] = [];
  const off = crm.on('customer.created', (event) => seen.push(['created', event]));
  crm.on('customer.updated', (event: CrmEventMap['customer.updated']) => seen.push(['updated', event.changedFields]));
  const created = await crm.customers.create(ada);
  await crm.customers.update(created.id, { name: 'Ada King' }, { expectedVersion: 1 });
  off();
  await crm.customers.create({ kind: 'person', name: 'Second' });
  const [audited] = (await crm.audit.list({ orderBy: [{ field: 'at' }], limit: 1 })).records;
  assert.deepEqual(seen, [
    ['created', { entity: 'customer', id: created.id, actorId: 'rep-1', at: audited!.at }],
    ['updated', ['name']],
  ]);
  // A refused write emits nothing.
  await crm.customers.create({ ...ada, emails: ['bad'] }).catch(() => undefined);
  assert.equal(seen.length, 2);
});

test('custom fields defined through the port are enforced on every write', async () => {
  const { crm } = await setup();
  await crm.customFields.create({
    entity: 'customer',
    key: 'region',
    label: { en: 'Region', 'zh-CN': '大区' },
    type: 'select',
    options: [
      { value: 'north', label: { en: 'North', 'zh-CN': '华北' } },
      { value: 'south', label: { en: 'South', 'zh-CN': '华南' } },
    ],
    required: true,
  });
  await assert.rejects(crm.customers.create(ada), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.fields, ['customFields.region']);
    return true;
  });
  await assert.rejects(crm.customers.create({ ...ada, customFields: { region: 'west' } }), ValidationError);
  await assert.rejects(
    crm.customers.create({ ...ada, customFields: { region: 'north', shoeSize: 42 } }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields, ['customFields.shoeSize']);
      return true;
    },
  );
  const created = await crm.customers.create({ ...ada, customFields: { region: 'north' } });
  const updated = await crm.customers.update(created.id, { customFields: { region: 'south' } }, { expectedVersion: 1 });
  assert.deepEqual(updated.customFields, { region: 'south' });
  const [entry] = (await crm.audit.list({ limit: 1 })).records;
  assert.deepEqual(entry!.changedFields, ['customFields.region']);
  // Deals have no definitions: their custom fields stay free-form but typed.
  assert.ok(crm.deals);
});

test('a viewer may read but not write', async () => {
  const { crm } = await setup('viewer');
  await assert.rejects(crm.customers.create(ada), PermissionError);
  assert.deepEqual((await crm.customers.list()).records, []);
});

test('createCrm validates its options', async () => {
  const storage = createMemoryStorage();
  await assert.rejects(createCrm({ storage, actor: { id: 'u' }, timeZone: 'Mars/Olympus' }), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.fields, ['timeZone']);
    return true;
  });
  await assert.rejects(createCrm({ storage, actor: { id: '' } }), ValidationError);
  await assert.rejects(createCrm({ storage, actor: { id: 'u' }, currency: 'yuan' }), ValidationError);
  const crm: Crm = await createCrm({ storage, actor: { id: 'u' } });
  assert.equal(crm.timeZone, 'UTC');
  assert.equal(crm.currency, 'CNY');
});

test('a corrupt stored record surfaces as StorageError, not as bad data', async () => {
  const { crm, data } = await setup();
  const created = await crm.customers.create(ada);
  // Stored records are frozen: corrupt one by replacing it behind the adapter's back.
  const rows = data.get('customers')!;
  rows.set(created.id, { ...rows.get(created.id)!, kind: 'robot' });
  await assert.rejects(crm.customers.get(created.id), StorageError);
  rows.set(created.id, { ...rows.get(created.id)!, kind: 'company', name: 42 });
  await assert.rejects(crm.customers.get(created.id), StorageError);
});

test('ids come from crypto.randomUUID unless a generator is injected', async () => {
  const crm = await createCrm({ storage: createMemoryStorage(), actor: { id: 'u' } });
  const customer = await crm.customers.create(ada);
  assert.match(customer.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
