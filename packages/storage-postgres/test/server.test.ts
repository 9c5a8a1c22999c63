import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { createCrm, type ChangeEvent } from '@crmkit/core';
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

  /** Resolves once `condition` holds, polling; fails after five seconds. */
  const eventually = async (condition: () => boolean, what: string) => {
    for (let waited = 0; !condition(); waited += 10) {
      if (waited > 5000) assert.fail(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const ids = (batches: readonly (readonly ChangeEvent[])[]) => batches.flat().map((event) => event.id);

  test('a transaction that began earlier and commits later is delivered, not skipped, and first', async () => {
    const tenant = freshTenant('server-feed');
    const [early, late, reader] = await Promise.all([
      createPostgresStorage({ pool, tenant, schema }),
      createPostgresStorage({ pool, tenant, schema }),
      createPostgresStorage({ pool, tenant, schema }),
    ]);
    const remote: (readonly ChangeEvent[])[] = [];
    reader.subscribe((events) => remote.push(events));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    // The early transaction takes its transaction id first and commits last.
    const slow = early.transaction(async (tx) => {
      await tx.put('customers', { id: 'early' }, { expectedVersion: 0 });
      written();
      await held;
    });
    await wrote;
    await late.put('customers', { id: 'late' }, { expectedVersion: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(ids(remote), [], 'nothing past a running older transaction is delivered yet');
    release();
    await slow;
    await eventually(() => remote.length === 2, 'both transactions');
    assert.deepEqual(ids(remote), ['early', 'late']);
    await Promise.all([early.close(), late.close(), reader.close()]);
  });

  test('a storage whose listening backend is terminated listens again and catches up', async () => {
    const tenant = freshTenant('server-relisten');
    const reader = await createPostgresStorage({ pool, tenant, schema });
    const writer = await createPostgresStorage({ pool, tenant, schema });
    const remote: (readonly ChangeEvent[])[] = [];
    reader.subscribe((events) => remote.push(events));
    const channel = `crmkit_${schema}`;
    const { rows } = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
      [`LISTEN ${channel}`],
    );
    assert.ok(rows.length > 0, 'the listening backend is found');
    await pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::integer[]) AS pid', [rows.map((r) => r.pid)]);
    await writer.put('customers', { id: 'while-lost' }, { expectedVersion: 0 });
    await eventually(() => ids(remote).includes('while-lost'), 'the change made while the listener was gone');
    await writer.put('customers', { id: 'after' }, { expectedVersion: 0 });
    await eventually(() => ids(remote).includes('after'), 'a change after listening again');
    await Promise.all([writer.close(), reader.close()]);
  });

  test('two processes writing one tenant at once: every write lands and the audit chain stays whole', async () => {
    const tenant = freshTenant('server-busy');
    // Two pools stand for two server processes: their transactions meet only in the database.
    const other = new pg.Pool(connectionString ? { connectionString } : {});
    const storages = await Promise.all([pool, other].map((p) => createPostgresStorage({ pool: p, tenant, schema })));
    const crms = await Promise.all(
      storages.map((storage) => createCrm({ storage, actor: { id: 'admin', role: 'admin' } })),
    );
    try {
      // Each write appends to the tenant's audit chain in its transaction: without one-at-a-time transactions, writes
      // racing for the next entry abort each other (40001) beyond the retries.
      const created = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          crms[i % 2]!.customers.create({ kind: 'organisation', name: `Busy ${String(i).padStart(2, '0')}` }),
        ),
      );
      assert.equal(new Set(created.map((customer) => customer.id)).size, 40);
      await Promise.all(crms.map((crm) => crm.settled()));
      assert.equal(await storages[0]!.count('customers'), 40);
      const verified = await crms[0]!.audit.verify();
      assert.equal(verified.ok, true);
      assert.ok(verified.entries >= 40, `${verified.entries} chained entries`);
    } finally {
      await Promise.all(crms.map((crm) => crm.dispose()));
      await Promise.all(storages.map((storage) => storage.close()));
      await other.end();
    }
  });

  test("serial 'appends' reads and writes while the tenant lock is held, waiting only at serialize()", async () => {
    const tenant = freshTenant('server-concurrent');
    const other = new pg.Pool(connectionString ? { connectionString } : {});
    const [holder, runner] = await Promise.all(
      [pool, other].map((p) => createPostgresStorage({ pool: p, tenant, schema, changeFeed: { mode: 'off' } })),
    );
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    try {
      await holder!.put('customers', { id: 'read' }, { expectedVersion: 0 });
      // A serial transaction holds the tenant's lock until it is released.
      const serial = holder!.transaction(async (tx) => {
        await tx.put('customers', { id: 'held' }, { expectedVersion: 0 });
        entered();
        await held;
      });
      await inside;
      // Without serialize() there is no turn to take (it would wait for the release below, which comes later).
      await Promise.race([
        runner!.transaction((tx) => tx.put('customerStats', { id: 'alongside' }, { expectedVersion: 0 }), {
          serial: 'appends',
        }),
        new Promise((_, reject) => setTimeout(() => reject(new Error('waited for the tenant lock')), 3000)),
      ]);
      let wrote = false;
      let committed = false;
      const appends = runner!
        .transaction(
          async (tx) => {
            await tx.get('customers', 'read');
            await tx.put('customers', { id: 'after' }, { expectedVersion: 0 });
            wrote = true;
            await tx.serialize!();
            // Read after its turn came: the holder's commit is seen.
            assert.ok(await tx.get('customers', 'held'), 'reads after serialize() see what committed before');
          },
          { serial: 'appends' },
        )
        .then(() => (committed = true));
      await eventually(() => wrote, 'the write while the lock is held');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(committed, false, 'serialize() waits for the lock');
      release();
      await Promise.all([serial, appends]);
      assert.equal(await runner!.count('customers'), 3);
      assert.equal((await runner!.get('customerStats', 'alongside'))?.version, 1);
    } finally {
      release();
      await Promise.all([holder!.close(), runner!.close()]);
      await other.end();
    }
  });

  test('a write refused in a transaction serial in its appends reruns it, then serially: only a stale caller is refused', async () => {
    const tenant = freshTenant('server-rerun');
    const other = new pg.Pool(connectionString ? { connectionString } : {});
    const third = new pg.Pool(connectionString ? { connectionString } : {});
    const [writer, runner, holder] = await Promise.all(
      [pool, other, third].map((p) => createPostgresStorage({ pool: p, tenant, schema, changeFeed: { mode: 'off' } })),
    );
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    try {
      await writer!.put('customers', { id: 'c1', name: 'First' }, { expectedVersion: 0 });
      // A serial transaction holds the tenant's lock meanwhile: the rerun does not wait for it.
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const serial = holder!.transaction(async () => {
        entered();
        await held;
      });
      await inside;
      // Another writer commits between the body's read and its write: the read version is stale on the first run.
      let runs = 0;
      const ran = await Promise.race([
        runner!.transaction(
          async (tx) => {
            runs++;
            const current = (await tx.get<{ name: string }>('customers', 'c1'))!;
            if (runs === 1) await writer!.put('customers', { ...current, name: 'Theirs' }, { expectedVersion: 1 });
            await tx.put('customers', { ...current, name: 'Mine' }, { expectedVersion: current.version });
            await tx.put('deals', { id: `d${runs}` }, { expectedVersion: 0 });
            return runs;
          },
          { serial: 'appends' },
        ),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('waited for the tenant lock')), 3000)),
      ]);
      release();
      await serial;
      assert.equal(ran, 2, 'ran again, as before');
      const stored = await runner!.get<{ name: string }>('customers', 'c1');
      assert.deepEqual([stored?.name, stored?.version], ['Mine', 3]);
      assert.deepEqual(
        (await runner!.query('deals')).records.map((deal) => deal.id),
        ['d2'],
        'the first run left nothing',
      );
      // A version the caller holds is checked on every run, the last one serial: stale, it is refused.
      runs = 0;
      await assert.rejects(
        runner!.transaction(
          async (tx) => {
            runs++;
            await tx.put('customers', { id: 'c1', name: 'Late' }, { expectedVersion: 1 });
          },
          { serial: 'appends' },
        ),
        { code: 'CRM_CONFLICT' },
      );
      assert.equal(runs, 3);
      // A body that swallows a refusal does not commit the rest.
      await assert.rejects(
        runner!.transaction(
          async (tx) => {
            await tx.put('deals', { id: 'kept' }, { expectedVersion: 0 });
            await tx.put('customers', { id: 'c1' }, { expectedVersion: 1 }).catch(() => undefined);
          },
          { serial: 'appends' },
        ),
        { code: 'CRM_CONFLICT' },
      );
      assert.equal(await runner!.get('deals', 'kept'), undefined);
    } finally {
      release();
      await Promise.all([writer!.close(), runner!.close(), holder!.close()]);
      await Promise.all([other.end(), third.end()]);
    }
  });

  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });
}
