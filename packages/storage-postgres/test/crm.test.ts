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
