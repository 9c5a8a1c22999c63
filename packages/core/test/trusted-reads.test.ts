/**
 * Trusted reads (issue 18): the CRM does not parse its own records again when it reads them. A record with its
 * schema's shape is returned as stored; one that lacks a field with a default is parsed (and gains the default); one
 * that does not fit is a StorageError; an adapter that declares foreignData gets every record parsed in full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError, createCrm, createMemoryStorage, type MemoryData, type StoragePort } from '@crmkit/core';

const ada = { name: 'Ada Lovelace', kind: 'person' as const, emails: ['ada@example.com'] };

async function setup(wrap: (storage: StoragePort) => StoragePort = (storage) => storage) {
  const data: MemoryData = new Map();
  const crm = await createCrm({ storage: wrap(createMemoryStorage({ data })), actor: { id: 'u1', role: 'admin' } });
  return { crm, data };
}

test('a stored record with its schema shape is returned as stored, not parsed or copied', async () => {
  const { crm, data } = await setup();
  const created = await crm.customers.create(ada);
  const read = await crm.customers.get(created.id);
  assert.equal(read, data.get('customers')!.get(created.id), 'the very stored (frozen) object');
  assert.ok(Object.isFrozen(read));
  const page = await crm.customers.list({ limit: 10 });
  assert.equal(page.records[0], read);
});

test('a record written before a defaulted field existed is parsed and gains the default', async () => {
  const { crm, data } = await setup();
  const created = await crm.customers.create(ada);
  const rows = data.get('customers')!;
  const { lifecycleStage: _dropped, ...older } = rows.get(created.id)! as Record<string, unknown>;
  rows.set(created.id, older as never);
  const read = await crm.customers.get(created.id);
  assert.equal(read.lifecycleStage, created.lifecycleStage, 'the default is filled in');
  assert.notEqual(read, rows.get(created.id), 'a parsed copy');
});

test('a record of the wrong shape is a StorageError naming no value', async () => {
  const { crm, data } = await setup();
  const created = await crm.customers.create(ada);
  const rows = data.get('customers')!;
  for (const corrupt of [{ kind: 'robot' }, { name: 7 }, { emails: 'ada@example.com' }, { version: 'one' }]) {
    rows.set(created.id, { ...rows.get(created.id)!, ...corrupt } as never);
    await assert.rejects(crm.customers.get(created.id), (error: unknown) => {
      assert.ok(error instanceof StorageError);
      assert.doesNotMatch(error.message, /ada@example\.com|Ada/);
      return true;
    });
    rows.set(created.id, created as never);
  }
});

test('an adapter declaring foreignData gets every record parsed in full', async () => {
  const { crm, data } = await setup((storage) => ({
    ...storage,
    capabilities: { ...storage.capabilities, foreignData: true },
  }));
  const created = await crm.customers.create(ada);
  const rows = data.get('customers')!;
  // Something else wrote a key the CRM does not know: a full parse drops it.
  rows.set(created.id, { ...rows.get(created.id)!, writtenElsewhere: true } as never);
  const read = await crm.customers.get(created.id);
  assert.notEqual(read, rows.get(created.id), 'parsed, not returned as stored');
  assert.equal((read as unknown as Record<string, unknown>)['writtenElsewhere'], undefined);
  assert.equal(read.name, ada.name);
  rows.set(created.id, { ...rows.get(created.id)!, name: 7 } as never);
  await assert.rejects(crm.customers.get(created.id), StorageError);
});
