import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createCrm } from '@crmkit/core';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, sharedPglite } from './pglite.js';

after(async () => (await sharedPglite()).close());

test('createCrm runs on PostgreSQL: an admin creates a customer and a deal and lists them', async () => {
  const storage = await createPostgresStorage({ pglite: await sharedPglite(), tenant: freshTenant() });
  const crm = await createCrm({ storage, actor: { id: 'admin', role: 'admin' } });
  try {
    const customer = await crm.customers.create({ kind: 'organisation', name: 'Hangzhou Lighting Co.' });
    const deal = await crm.deals.create({
      customerId: customer.id,
      title: 'LED retrofit',
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor: 12_000_000, currency: 'CNY' },
    });
    await crm.settled();
    assert.deepEqual(
      (await crm.customers.list()).records.map((record) => record.id),
      [customer.id],
    );
    assert.deepEqual(
      (await crm.deals.list()).records.map((record) => [record.id, record.customerId]),
      [[deal.id, customer.id]],
    );
    assert.equal(await storage.count('deals'), 1);
  } finally {
    await crm.dispose();
    await storage.close();
  }
});

test('a viewer reads customers masked; with foreignData, a record another program wrote is parsed in full', async () => {
  const storage = await createPostgresStorage({
    pglite: await sharedPglite(),
    tenant: freshTenant(),
    foreignData: true,
  });
  assert.equal(storage.capabilities.foreignData, true);
  const admin = await createCrm({ storage, actor: { id: 'admin', role: 'admin' } });
  const viewer = await createCrm({ storage, actor: { id: 'viewer', role: 'viewer' } });
  try {
    const ann = await admin.customers.create({
      kind: 'person',
      name: 'Ann Lee',
      emails: ['ann.lee@example.com'],
      phones: ['+86 138 0013 8000'],
    });
    const [seen] = (await viewer.customers.list()).records;
    assert.equal(seen?.id, ann.id);
    assert.equal(seen?.emails[0], 'a***@example.com');
    assert.doesNotMatch(JSON.stringify(seen), /ann\.lee|0013/);
    assert.equal((await viewer.customers.get(ann.id)).name, 'Ann Lee');
    // Another program wrote a customer with a website crmkit would never accept: a full parse refuses it.
    await storage.put(
      'customers',
      { ...(await storage.get('customers', ann.id))!, website: 'javascript:alert(1)' },
      { expectedVersion: 1 },
    );
    await assert.rejects(viewer.customers.get(ann.id), { code: 'CRM_STORAGE' });
  } finally {
    await admin.dispose();
    await viewer.dispose();
    await storage.close();
  }
});

test('by default the CRM trusts the shape of what it wrote; a row that does not fit is still refused', async () => {
  const storage = await createPostgresStorage({ pglite: await sharedPglite(), tenant: freshTenant() });
  assert.equal(storage.capabilities.foreignData, false);
  const crm = await createCrm({ storage, actor: { id: 'admin', role: 'admin' } });
  try {
    const ann = await crm.customers.create({ kind: 'person', name: 'Ann Lee' });
    assert.equal((await crm.customers.get(ann.id)).name, 'Ann Lee');
    // A corrupt row: a name that is not a string fails the shape check and then the full parse.
    await storage.put('customers', { ...(await storage.get('customers', ann.id))!, name: 42 }, { expectedVersion: 1 });
    await assert.rejects(crm.customers.get(ann.id), { code: 'CRM_STORAGE' });
    await assert.rejects(crm.customers.list(), { code: 'CRM_STORAGE' });
  } finally {
    await crm.dispose();
    await storage.close();
  }
});
