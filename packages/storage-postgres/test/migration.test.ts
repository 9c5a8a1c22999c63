import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SchemaVersionError } from '@crmkit/core';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION, createPostgresStorage } from '@crmkit/storage-postgres';
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
  assert.equal(ddl(log).filter((statement) => /CREATE TABLE "[a-z_0-9]+"\.changes/.test(statement.sql)).length, 1);
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
  // `records` is partitioned by collection: the CRM's each in a partition of their own, any other in the default.
  const partitions = rows.map((row) => row.table_name).filter((name) => name.startsWith('records_p_'));
  assert.deepEqual(
    rows.map((row) => row.table_name).filter((name) => !partitions.includes(name)),
    ['change_pruning', 'changes', 'records', 'schema_version'],
  );
  assert.ok(partitions.includes('records_p_customers') && partitions.includes('records_p_default'), `${partitions}`);
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

/** A fresh schema as migration `version` left it (its statements run by hand, the version recorded). */
async function schemaAt(version: number, prefix: string) {
  const db = await sharedPglite();
  const schema = freshSchema(prefix);
  const quoted = `"${schema}"`;
  await db.query(`CREATE SCHEMA ${quoted}`);
  await db.query(`CREATE TABLE ${quoted}.schema_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL)`);
  await db.query(`INSERT INTO ${quoted}.schema_version (version) VALUES ($1)`, [version]);
  for (const migration of POSTGRES_MIGRATIONS.slice(0, version)) {
    for (const statement of migration.statements(quoted)) await db.query(statement);
  }
  return { db, schema, tenant: freshTenant(), quoted };
}

test('a database at version 1 is brought to the current version, its records kept and served in order', async () => {
  const { db, schema, tenant, quoted } = await schemaAt(1, 'upgrade');
  // Holding records written then.
  for (const [i, name] of ['Zhou', 'Ali', 'Mei'].entries()) {
    const at = `2026-0${i + 1}-01T00:00:00.000Z`;
    const doc = { id: `c${i}`, name, version: 1, createdAt: at, updatedAt: at };
    await db.query(`INSERT INTO ${quoted}.records VALUES ($1, 'customers', $2, 1, $3, $3, $4::jsonb)`, [
      tenant,
      doc.id,
      at,
      JSON.stringify(doc),
    ]);
    await db.query(
      `INSERT INTO ${quoted}.changes (tenant_id, collection, id, type, version) VALUES ($1, 'customers', $2, 'put', 1)`,
      [tenant, doc.id],
    );
  }

  const log: Statement[] = [];
  const storage = await createPostgresStorage({ driver: recordingDriver(db, log), tenant, schema });
  assert.ok(
    log.some((statement) => statement.sql.includes('ADD COLUMN origin')),
    'version 2 ran',
  );
  assert.ok(!log.some((statement) => /CREATE TABLE "[a-z_0-9]+"\.changes/.test(statement.sql)), 'version 1 did not');
  const { rows } = await db.query<{ version: number }>(`SELECT version FROM ${quoted}.schema_version`);
  assert.deepEqual(rows, [{ version: POSTGRES_SCHEMA_VERSION }]);
  const page = await storage.query('customers', { orderBy: [{ field: 'name' }], limit: 2 });
  assert.deepEqual(
    page.records.map((record) => record.id),
    ['c1', 'c2'],
  );
  const rest = await storage.query('customers', { orderBy: [{ field: 'name' }], limit: 2, after: page.next! });
  assert.deepEqual(
    rest.records.map((record) => record.id),
    ['c0'],
  );
  await storage.put('customers', { ...rest.records[0]!, name: 'Zhou Wei' }, { expectedVersion: 1 });
  assert.equal((await storage.get<{ name: string }>('customers', 'c0'))?.name, 'Zhou Wei');
  await storage.close();
});

test("version 3 partitions the records by collection, each with its own indexes; a host's are rebuilt", async () => {
  const { db, schema, tenant, quoted } = await schemaAt(2, 'partial');
  // Version 2 built its indexes over every collection, named after their fields, and a host's after its spec.
  await db.query(`CREATE INDEX records_ownerid ON ${quoted}.records (tenant_id, collection, (doc #> '{ownerId}'))`);
  await db.query(`CREATE INDEX records_tags ON ${quoted}.records USING gin ((doc #> '{tags}') jsonb_path_ops)`);
  await db.query(
    `CREATE INDEX records_h_labels_0badf00d ON ${quoted}.records USING gin ((doc #> '{labels}') jsonb_path_ops)`,
  );
  await db.query(`INSERT INTO ${quoted}.records VALUES ($1, 'deals', 'd1', 1, now(), now(), $2::jsonb)`, [
    tenant,
    JSON.stringify({ id: 'd1', ownerId: 'u1', version: 1, createdAt: '2026-01-01T00:00:00.000Z' }),
  ]);
  const indexDefinitions = async () =>
    (
      await db.query<{ indexname: string; tablename: string; indexdef: string }>(
        `SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE 'records%' ORDER BY 1`,
        [schema],
      )
    ).rows;
  assert.ok((await indexDefinitions()).some(({ indexname }) => indexname === 'records_ownerid'));

  const storage = await createPostgresStorage({ pglite: db, tenant, schema, indexes: { accounts: ['*labels'] } });
  const after = await indexDefinitions();
  const names = after.map(({ indexname }) => indexname);
  for (const gone of ['records_ownerid', 'records_tags', 'records_h_labels_0badf00d']) {
    assert.ok(!names.includes(gone), `${gone} is gone`);
  }
  const on = (name: string) => after.find(({ indexname }) => indexname === name)?.tablename;
  assert.equal(on('records_pkey'), 'records');
  assert.equal(on('records_id_key'), 'records');
  assert.equal(on('records_deals_ownerid'), 'records_p_deals', 'a collection’s index is on its partition');
  assert.equal(on('records_customers_tags'), 'records_p_customers');
  const host = after.find(({ indexname }) => indexname.startsWith('records_h_accounts_labels_'));
  assert.equal(host?.tablename, 'records_p_default', JSON.stringify(names));
  assert.match(host.indexdef, /WHERE \(collection = 'accounts'::text\)$/, 'partial to its collection there');
  assert.equal(
    (await storage.query('deals', { where: { field: 'ownerId', op: 'eq', value: 'u1' } })).records.length,
    1,
  );
  await storage.close();
});

test('version 4 keeps sort_key, now opaque to the planner (PL/pgSQL): the same keys, the indexes still used', async () => {
  const { db, schema, tenant, quoted } = await schemaAt(3, 'opaque');
  const values = ['null', 'true', 'false', '0', '-1.5', '1e300', '"a"', '"\uE000"', '"😀"', '[1]', '{"a":1}'];
  const keys = async () =>
    (
      await db.query<{ key: string | null }>(
        `SELECT ${quoted}.sort_key(v::jsonb) AS key FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i) ORDER BY i`,
        [values],
      )
    ).rows.map((row) => row.key);
  const language = async () =>
    (
      await db.query<{ lanname: string }>(
        `SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang JOIN pg_namespace n
         ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = 'sort_key'`,
        [schema],
      )
    ).rows[0]?.lanname;
  const before = await keys();
  assert.equal(await language(), 'sql');
  await db.query(`INSERT INTO ${quoted}.records VALUES ($1, 'deals', 'd1', 1, now(), now(), $2::jsonb)`, [
    tenant,
    JSON.stringify({ id: 'd1', ownerId: 'u1', version: 1, createdAt: '2026-01-01T00:00:00.000Z' }),
  ]);
  const storage = await createPostgresStorage({ pglite: db, tenant, schema });
  assert.equal(await language(), 'plpgsql');
  assert.deepEqual(await keys(), before);
  assert.equal(
    (await storage.query('deals', { where: { field: 'ownerId', op: 'eq', value: 'u1' } })).records.length,
    1,
    'compared through the same keys',
  );
  await storage.close();
});
