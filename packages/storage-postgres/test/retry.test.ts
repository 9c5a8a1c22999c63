import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { StorageError, StorageQuotaError, StorageUnavailableError } from '@crmkit/core';
import { TRANSACTION_ATTEMPTS, createPostgresStorage, pgliteDriver, type SqlDriver } from '@crmkit/storage-postgres';
import { freshTenant, sharedPglite } from './pglite.js';

after(async () => (await sharedPglite()).close());

/** A serialization failure as `pg` and PGlite report it. */
const serializationFailure = () => Object.assign(new Error('could not serialize access'), { code: '40001' });

/** A driver whose first `failures` transactions are aborted by the database after their body ran. */
function flakyDriver(inner: SqlDriver, failures: number): SqlDriver {
  let left = failures;
  return {
    query: inner.query,
    transaction: (body) =>
      inner.transaction(async (tx) => {
        const result = await body(tx);
        if (left-- > 0) throw serializationFailure();
        return result;
      }),
  };
}

test('a transaction aborted by a serialization failure runs again, and reports its changes once', async () => {
  const db = await sharedPglite();
  const tenant = freshTenant();
  await createPostgresStorage({ pglite: db, tenant }); // migrated first: only the port's transaction is flaky
  const storage = await createPostgresStorage({ driver: flakyDriver(pgliteDriver(db), 2), tenant });
  const batches: unknown[] = [];
  storage.subscribe((events) => batches.push(events));
  let runs = 0;
  const result = await storage.transaction(async (tx) => {
    runs++;
    await tx.put('customers', { id: 'c1' }, { expectedVersion: 0 });
    return 'done';
  });
  assert.equal(result, 'done');
  assert.equal(runs, 3);
  assert.equal((await storage.get('customers', 'c1'))?.version, 1);
  assert.deepEqual(batches, [[{ collection: 'customers', id: 'c1', type: 'put', version: 1 }]]);
});

test('after the last attempt the failure is a StorageError with the engine error as cause', async () => {
  const db = await sharedPglite();
  await createPostgresStorage({ pglite: db, tenant: freshTenant() });
  const storage = await createPostgresStorage({
    driver: flakyDriver(pgliteDriver(db), TRANSACTION_ATTEMPTS),
    tenant: freshTenant(),
  });
  let runs = 0;
  await assert.rejects(
    storage.transaction(async (tx) => {
      runs++;
      await tx.put('customers', { id: 'c1' }, { expectedVersion: 0 });
    }),
    (error: unknown) => error instanceof StorageError && (error.cause as { code?: string }).code === '40001',
  );
  assert.equal(runs, TRANSACTION_ATTEMPTS);
  assert.equal(await storage.get('customers', 'c1'), undefined);
});

test('engine failures map to the typed storage errors', async () => {
  const db = await sharedPglite();
  await createPostgresStorage({ pglite: db, tenant: freshTenant() });
  const failing = (code: string): SqlDriver => ({
    query: async () => {
      throw Object.assign(new Error('engine'), { code });
    },
    transaction: async () => {
      throw Object.assign(new Error('engine'), { code });
    },
  });
  const cases = [
    ['53100', StorageQuotaError],
    ['08006', StorageUnavailableError],
    ['57P01', StorageUnavailableError],
    ['42P01', StorageError],
  ] as const;
  for (const [code, type] of cases) {
    const storage = await createPostgresStorage({
      driver: {
        ...pgliteDriver(db),
        query: (sql, params) =>
          sql.includes('.records') ? failing(code).query(sql, params) : pgliteDriver(db).query(sql, params),
      },
      tenant: freshTenant(),
    });
    await assert.rejects(storage.get('customers', 'c1'), (error: unknown) => {
      assert.ok(error instanceof type, `${code} → ${type.name}`);
      assert.equal((error as Error).cause instanceof Error, true);
      return true;
    });
  }
});
