import { after, test } from 'node:test';
import { runStorageConformance } from '@crmkit/storage-conformance';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, postgresHarness, sharedPglite } from './pglite.js';

// The whole suite on one PGlite, each case in a tenant of its own: a case sees only its own rows, which also shows
// the tenant scoping holds for every operation the suite makes.
runStorageConformance({
  test,
  createHarness: async ({ now }) => {
    const db = await sharedPglite();
    const tenant = freshTenant();
    return postgresHarness({
      tenant,
      query: (sql, params) => db.query<{ doc: unknown }>(sql, params),
      open: (onRead) => createPostgresStorage({ pglite: db, tenant, now, onRead }),
      dispose: async () => {
        await db.query('DELETE FROM crmkit.records WHERE tenant_id = $1', [tenant]);
      },
    });
  },
});

after(async () => {
  await (await sharedPglite()).close();
});
