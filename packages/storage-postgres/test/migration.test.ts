import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SchemaVersionError } from '@crmkit/core';
import { POSTGRES_SCHEMA_VERSION, createPostgresStorage } from '@crmkit/storage-postgres';
import { freshSchema, freshTenant, recordingDriver, sharedPglite, type Statement } from './pglite.js';

after(async () => (await sharedPglite()).close());

const ddl = (log: readonly Statement[]) => log.filter((statement) => /^\s*CREATE\b/.test(statement.sql));

test('migrations run once: a second open sends no DDL', async () => {
  const db = await sharedPglite();
  const schema = freshSchema();
  const first: Statement[] = [];
  await createPostgresStorage({ driver: recordingDriver(db, first), tenant: freshTenant(), schema });
  assert.ok(ddl(first).some((statement) => statement.sql.includes(`"${schema}".records`)));
  assert.ok(
    first.some((statement) => statement.sql.includes('pg_advisory_xact_lock')),
    'under the advisory lock',
  );
  const second: Statement[] = [];
  await createPostgresStorage({ driver: recordingDriver(db, second), tenant: freshTenant(), schema });
  assert.deepEqual(ddl(second), []);
  const { rows } = await db.query<{ version: number }>(`SELECT version FROM "${schema}".schema_version`);
  assert.deepEqual(rows, [{ version: POSTGRES_SCHEMA_VERSION }]);
});

test('concurrent opens of a fresh schema migrate it once, the others waiting on the lock', async () => {
  const db = await sharedPglite();
  const schema = freshSchema();
  const log: Statement[] = [];
  const opened = await Promise.all(
    Array.from({ length: 4 }, () =>
      createPostgresStorage({ driver: recordingDriver(db, log), tenant: freshTenant(), schema }),
    ),
  );
  assert.equal(opened.length, 4);
  assert.equal(ddl(log).filter((statement) => /CREATE TABLE "[a-z_0-9]+"\.records/.test(statement.sql)).length, 1);
  await opened[0]!.put('customers', { id: 'c1' }, { expectedVersion: 0 });
  assert.equal(await opened[0]!.count('customers'), 1);
});

test('a database at a newer schema version is refused with SchemaVersionError', async () => {
  const db = await sharedPglite();
  const schema = freshSchema();
  await createPostgresStorage({ pglite: db, tenant: freshTenant(), schema });
  await db.query(`UPDATE "${schema}".schema_version SET version = $1`, [POSTGRES_SCHEMA_VERSION + 1]);
  await assert.rejects(createPostgresStorage({ pglite: db, tenant: freshTenant(), schema }), (error: unknown) => {
    assert.ok(error instanceof SchemaVersionError);
    assert.equal(error.storedVersion, POSTGRES_SCHEMA_VERSION + 1);
    assert.equal(error.supportedVersion, POSTGRES_SCHEMA_VERSION);
    return true;
  });
});

test('everything lives in the chosen schema', async () => {
  const db = await sharedPglite();
  const schema = freshSchema('custom');
  const storage = await createPostgresStorage({ pglite: db, tenant: freshTenant(), schema });
  await storage.put('customers', { id: 'c1' }, { expectedVersion: 0 });
  const { rows } = await db.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [schema],
  );
  assert.deepEqual(
    rows.map((row) => row.table_name),
    ['change_pruning', 'changes', 'records', 'schema_version'],
  );
  const logged = await db.query(`SELECT collection, id, type, version FROM "${schema}".changes`);
  // (origin, tx and seq are the log's positions, checked in feed.test.ts)
  assert.deepEqual(logged.rows, [{ collection: 'customers', id: 'c1', type: 'put', version: 1 }]);
});

test('the options are checked strictly', async () => {
  const db = await sharedPglite();
  const bad: unknown[] = [
    { tenant: 't' },
    { pglite: db, tenant: '' },
    { pglite: db, tenant: 't', schema: 'Upper' },
    { pglite: db, driver: { query() {}, transaction() {} }, tenant: 't' },
    { pglite: db, tenant: 't', extra: true },
    { pglite: {}, tenant: 't' },
  ];
  for (const options of bad) {
    await assert.rejects(
      createPostgresStorage(options as never),
      { code: 'CRM_VALIDATION' },
      JSON.stringify(Object.keys(options as object)),
    );
  }
});
