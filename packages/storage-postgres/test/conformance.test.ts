import { after, test } from 'node:test';
import { runStorageConformance } from '@crmkit/storage-conformance';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, sharedPglite } from './pglite.js';

// The whole suite on one PGlite, each case in a tenant of its own: a case sees only its own rows, which also shows
// the tenant scoping holds for every operation the suite makes.
runStorageConformance({
  test,
  createHarness: async ({ now }) => {
    const db = await sharedPglite();
    const tenant = freshTenant();
    let read = 0;
    const open = () => createPostgresStorage({ pglite: db, tenant, now, onRead: (records) => (read += records) });
    const rawRows = async (collection: string, id?: string) =>
      (
        await db.query<{ doc: unknown }>(
          'SELECT doc FROM crmkit.records WHERE tenant_id = $1 AND collection = $2 AND ($3::text IS NULL OR id = $3)',
          [tenant, collection, id ?? null],
        )
      ).rows.map((row) => row.doc);
    return {
      storage: await open(),
      openAnother: open,
      recordsRead: () => read,
      raw: {
        get: async (collection, id) => (await rawRows(collection, id))[0],
        list: (collection) => rawRows(collection),
      },
      dispose: async () => {
        await db.query('DELETE FROM crmkit.records WHERE tenant_id = $1', [tenant]);
      },
    };
  },
});

after(async () => {
  await (await sharedPglite()).close();
});
