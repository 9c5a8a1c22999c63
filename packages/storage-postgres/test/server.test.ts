import { after, test } from 'node:test';
import pg from 'pg';
import { runStorageConformance } from '@crmkit/storage-conformance';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, postgresHarness } from './pglite.js';

// The whole suite again, on a real PostgreSQL server, when one is given through the `PG*` variables (or
// `DATABASE_URL`), as `.ci/run` does with a throwaway cluster. Without one this half does not run, and says so.
const connectionString = process.env['DATABASE_URL'];
if (!connectionString && !process.env['PGHOST']) {
  console.log('storage-postgres: no PostgreSQL server (set PGHOST or DATABASE_URL): the real-server suite did not run');
} else {
  const pool = new pg.Pool(connectionString ? { connectionString } : {});
  // A schema of this run's own, so runs never meet and nothing is left behind.
  const schema = `crmkit_test_${process.pid}`;
  runStorageConformance({
    test,
    createHarness: async ({ now }) => {
      const tenant = freshTenant('server');
      return postgresHarness({
        tenant,
        schema,
        query: (sql, params) => pool.query<{ doc: unknown }>(sql, params),
        open: (onRead) => createPostgresStorage({ pool, tenant, schema, now, onRead }),
        dispose: (storage) => storage.close(),
      });
    },
  });
  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });
}
