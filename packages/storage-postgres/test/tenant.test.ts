import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, recordingDriver, sharedPglite, type Statement } from './pglite.js';

after(async () => (await sharedPglite()).close());

const CONTROL = /^(BEGIN|COMMIT|ROLLBACK|SET TRANSACTION)\b/;

test('every statement the port sends is scoped to its tenant, bound as $1', async () => {
  const db = await sharedPglite();
  const tenant = freshTenant();
  await createPostgresStorage({ pglite: db, tenant }); // migrations are not tenant statements: run them first
  const log: Statement[] = [];
  const storage = await createPostgresStorage({ driver: recordingDriver(db, log), tenant });
  const sinceOpen = log.length;

  const a = await storage.put(
    'customers',
    { id: 'a', name: 'Ada', country: 'CN', tags: ['vip'] },
    { expectedVersion: 0 },
  );
  await storage.put('customers', { id: 'b', name: 'Bob', country: 'US', tags: [] }, { expectedVersion: 0 });
  await storage.put('customers', { ...a, name: 'Ada L.' }, { expectedVersion: 1 });
  await assert.rejects(storage.put('customers', { id: 'a' }, { expectedVersion: 0 }), { code: 'CRM_CONFLICT' });
  await assert.rejects(storage.put('customers', { id: 'a' }, { expectedVersion: 7 }), { code: 'CRM_CONFLICT' });
  await storage.get('customers', 'a');
  await storage.getMany('customers', ['a', 'b', 'zz']);
  await storage.query('customers', { where: { field: 'country', op: 'eq', value: 'CN' }, limit: 1 });
  const page = await storage.query('customers', { orderBy: [{ field: 'name', direction: 'desc' }], limit: 1 });
  await storage.query('customers', { orderBy: [{ field: 'name' }], limit: 1, after: page.next! });
  await storage.query('customers', { limit: 1, after: '["a"]' });
  await storage.query('customers', { where: { field: 'tags', op: 'hasAny', values: ['vip'] } });
  await storage.query('customers', { where: { field: 'name', op: 'contains', value: 'a' } });
  await storage.count('customers', { field: 'country', op: 'in', values: ['CN', 'US'] });
  await storage.count('customers', { not: { field: 'country', op: 'eq', value: 'CN' } });
  await storage.count('customers');
  await storage.matchIds!('customers', {
    where: {
      all: [
        { field: 's.n', op: 'gte', value: 1 },
        { field: 'calls', op: 'gte', value: 1 },
      ],
    },
    join: { collection: 'customerStats', as: 's', missing: {} },
    counts: { calls: { path: 's.calls', from: 0, to: 1 } },
  });
  await storage.transaction(async (tx) => {
    await tx.put('deals', { id: 'd1', customerId: 'a' }, { expectedVersion: 0 });
    await tx.delete('customers', 'b');
  });
  await assert.rejects(storage.delete('customers', 'b'), { code: 'CRM_NOT_FOUND' });
  await assert.rejects(storage.delete('customers', 'a', { expectedVersion: 1 }), { code: 'CRM_CONFLICT' });
  const snapshot = await storage.exportSnapshot();
  await storage.importSnapshot(snapshot);

  const statements = log.slice(sinceOpen).filter((statement) => !CONTROL.test(statement.sql));
  assert.ok(statements.length > 20, `statements recorded: ${statements.length}`);
  for (const { sql, params } of statements) {
    assert.equal(params[0], tenant, `the tenant is bound as $1: ${sql}`);
    assert.ok(!sql.includes(tenant), `the tenant is never SQL text: ${sql}`);
    // Reads, updates and deletes filter on the tenant; inserts write it, from $1.
    const reads = (sql.match(/\b(FROM|UPDATE)\s+"crmkit"\.(records|changes)\b(?!\s*\()/g) ?? []).length;
    const filtered = (sql.match(/tenant_id = \$1\b/g) ?? []).length;
    assert.ok(filtered >= reads, `every table read or update carries tenant_id = $1: ${sql}`);
    if (/INSERT INTO/.test(sql)) assert.match(sql, /(VALUES \(\$1,|SELECT \$1,)/, `inserts write tenant $1: ${sql}`);
  }
});

test('tenants sharing the tables never see each other', async () => {
  const db = await sharedPglite();
  const [one, two] = await Promise.all([
    createPostgresStorage({ pglite: db, tenant: freshTenant('one') }),
    createPostgresStorage({ pglite: db, tenant: freshTenant('two') }),
  ]);
  await one.put('customers', { id: 'same', name: 'One' }, { expectedVersion: 0 });
  await two.put('customers', { id: 'same', name: 'Two' }, { expectedVersion: 0 });
  assert.equal((await one.get('customers', 'same'))?.['name'], 'One');
  assert.equal((await two.get('customers', 'same'))?.['name'], 'Two');
  assert.equal(await one.count('customers'), 1);
  await two.importSnapshot({ format: 'crmkit.storage', formatVersion: 1, collections: {} });
  assert.equal(await two.count('customers'), 0);
  assert.deepEqual(Object.keys((await one.exportSnapshot()).collections), ['customers']);
  await one.delete('customers', 'same');
  assert.equal(await one.count('customers'), 0);
});
