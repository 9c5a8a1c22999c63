import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ChangeEvent } from '@crmkit/core';
import { ChangeLogGapError, createPostgresStorage, pgliteDriver, type SqlDriver } from '@crmkit/storage-postgres';
import { freshTenant, recordingDriver, sharedPglite, type Statement } from './pglite.js';

after(async () => (await sharedPglite()).close());

/** Resolves once `condition` holds, polling; fails after a second. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 1000) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('committed changes reach the other storages of the tenant as remote batches, after commit', async () => {
  const db = await sharedPglite();
  const tenant = freshTenant();
  const [writer, reader, stranger] = await Promise.all([
    createPostgresStorage({ pglite: db, tenant }),
    createPostgresStorage({ pglite: db, tenant }),
    createPostgresStorage({ pglite: db, tenant: freshTenant() }),
  ]);
  assert.equal(reader.capabilities.changeFeed, 'remote');
  const own: (readonly ChangeEvent[])[] = [];
  const remote: (readonly ChangeEvent[])[] = [];
  const strangers: (readonly ChangeEvent[])[] = [];
  writer.subscribe((events) => own.push(events));
  reader.subscribe((events) => remote.push(events));
  stranger.subscribe((events) => strangers.push(events));

  await writer.put('customers', { id: 'c1' }, { expectedVersion: 0 });
  await writer.transaction(async (tx) => {
    await tx.put('customers', { id: 'c1' }, { expectedVersion: 1 });
    await tx.put('deals', { id: 'd1' }, { expectedVersion: 0 });
  });
  await assert.rejects(
    writer.transaction(async (tx) => {
      await tx.put('customers', { id: 'c2' }, { expectedVersion: 0 });
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  await writer.delete('customers', 'c1');
  await eventually(() => remote.length === 3, 'three remote batches');
  assert.deepEqual(remote, [
    [{ collection: 'customers', id: 'c1', type: 'put', version: 1, remote: true }],
    [
      { collection: 'customers', id: 'c1', type: 'put', version: 2, remote: true },
      { collection: 'deals', id: 'd1', type: 'put', version: 1, remote: true },
    ],
    [{ collection: 'customers', id: 'c1', type: 'delete', remote: true }],
  ]);
  assert.equal(own.length, 3, 'the writer hears its own changes once, not again from the database');
  assert.ok(own.flat().every((event) => event.remote === undefined));
  assert.deepEqual(strangers, [], 'another tenant hears nothing');

  await writer.importSnapshot({
    format: 'crmkit.storage',
    formatVersion: 1,
    collections: {
      tasks: [{ id: 't1', version: 4, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' }],
    },
  });
  await eventually(() => remote.length === 4, 'the import as one remote batch');
  assert.deepEqual(remote[3], [
    { collection: 'deals', id: 'd1', type: 'delete', remote: true },
    { collection: 'tasks', id: 't1', type: 'put', version: 4, remote: true },
  ]);

  await reader.close();
  await writer.put('customers', { id: 'c3' }, { expectedVersion: 0 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(remote.length, 4, 'a closed storage stops listening');
});

/** The events of some batches, without the `remote` flag, as `type collection/id@version` strings. */
const flat = (batches: readonly (readonly ChangeEvent[])[]) =>
  batches
    .flat()
    .map((event) => `${event.type} ${event.collection}/${event.id}${event.version ? `@${event.version}` : ''}`);

test('poll mode reads the change log on a timer, and its writes send no notification', async () => {
  const db = await sharedPglite();
  const tenant = freshTenant();
  const log: Statement[] = [];
  const writer = await createPostgresStorage({
    driver: recordingDriver(db, log),
    tenant,
    changeFeed: { mode: 'poll', interval: 20 },
  });
  const reader = await createPostgresStorage({ pglite: db, tenant, changeFeed: { mode: 'poll', interval: 20 } });
  assert.equal(reader.capabilities.changeFeed, 'remote');
  const remote: (readonly ChangeEvent[])[] = [];
  reader.subscribe((events) => remote.push(events));
  await writer.put('customers', { id: 'c1' }, { expectedVersion: 0 });
  await writer.transaction(async (tx) => {
    await tx.put('customers', { id: 'c1' }, { expectedVersion: 1 });
    await tx.put('deals', { id: 'd1' }, { expectedVersion: 0 });
  });
  await eventually(() => remote.length === 2, 'two polled batches');
  assert.deepEqual(flat(remote), ['put customers/c1@1', 'put customers/c1@2', 'put deals/d1@1']);
  assert.equal(remote[1]!.length, 2, "one transaction's changes arrive as one batch");
  assert.ok(!log.some((statement) => statement.sql.includes('pg_notify')), 'no notification is sent');
  await Promise.all([writer.close(), reader.close()]);
});

test('a storage resumes from a change-log position, receiving exactly what was committed since', async () => {
  const db = await sharedPglite();
  const tenant = freshTenant();
  const writer = await createPostgresStorage({ pglite: db, tenant });
  const first = await createPostgresStorage({ pglite: db, tenant });
  const seen: (readonly ChangeEvent[])[] = [];
  first.subscribe((events) => seen.push(events));
  await writer.put('customers', { id: 'c1' }, { expectedVersion: 0 });
  await eventually(() => seen.length === 1, 'the first change');
  const position = first.changePosition();
  assert.match(position ?? '', /^\d+:\d+$/);
  await first.close();

  await writer.put('customers', { id: 'c2' }, { expectedVersion: 0 });
  await writer.transaction(async (tx) => {
    await tx.put('customers', { id: 'c2' }, { expectedVersion: 1 });
    await tx.delete('customers', 'c1');
  });
  const resumed = await createPostgresStorage({ pglite: db, tenant, changeFeed: { resumeFrom: position! } });
  const missed: (readonly ChangeEvent[])[] = [];
  resumed.subscribe((events) => missed.push(events));
  await eventually(() => missed.length === 2, 'the two missed batches');
  assert.deepEqual(flat(missed), ['put customers/c2@1', 'put customers/c2@2', 'delete customers/c1']);
  assert.ok(missed.flat().every((event) => event.remote === true));
  assert.notEqual(resumed.changePosition(), position, 'the position moves on');

  // A position is a point in the log: resuming from it again delivers the same changes again, nothing else.
  const again = await createPostgresStorage({ pglite: db, tenant, changeFeed: { resumeFrom: position! } });
  const replayed: (readonly ChangeEvent[])[] = [];
  again.subscribe((events) => replayed.push(events));
  await eventually(() => replayed.length === 2, 'the replay');
  assert.deepEqual(flat(replayed), flat(missed));
  await Promise.all([writer.close(), resumed.close(), again.close()]);
});

test('pruning the change log refuses a resume from before it with ChangeLogGapError', async () => {
  const db = await sharedPglite();
  const tenant = freshTenant();
  const other = freshTenant();
  const writer = await createPostgresStorage({ pglite: db, tenant });
  const bystander = await createPostgresStorage({ pglite: db, tenant: other });
  await bystander.put('customers', { id: 'kept' }, { expectedVersion: 0 });
  const reader = await createPostgresStorage({ pglite: db, tenant });
  const old = reader.changePosition()!;
  await reader.close();
  await writer.put('customers', { id: 'c1' }, { expectedVersion: 0 });
  await writer.put('customers', { id: 'c2' }, { expectedVersion: 0 });
  assert.equal(await writer.pruneChanges(new Date(Date.now() - 3_600_000)), 0, 'nothing is an hour old');
  assert.equal(await writer.pruneChanges(new Date(Date.now() + 60_000)), 2);
  await assert.rejects(
    createPostgresStorage({ pglite: db, tenant, changeFeed: { resumeFrom: old } }),
    (error: unknown) => {
      assert.ok(error instanceof ChangeLogGapError);
      assert.equal(error.code, 'CRM_CHANGE_LOG_GAP');
      assert.equal(error.position, old);
      return true;
    },
  );
  // Another tenant's log is untouched, and a fresh position after the pruning resumes.
  const { rows } = await db.query('SELECT count(*)::integer AS n FROM crmkit.changes WHERE tenant_id = $1', [other]);
  assert.deepEqual(rows, [{ n: 1 }]);
  const fresh = await createPostgresStorage({ pglite: db, tenant });
  const position = fresh.changePosition()!;
  await fresh.close();
  const resumed = await createPostgresStorage({ pglite: db, tenant, changeFeed: { resumeFrom: position } });
  await assert.rejects(writer.pruneChanges(new Date(Number.NaN)), { code: 'CRM_VALIDATION' });
  await Promise.all([writer.close(), bystander.close(), resumed.close()]);
});

test('a storage whose listening connection is lost listens again and reads what it missed', async () => {
  const db = await sharedPglite();
  const tenant = freshTenant();
  const inner = pgliteDriver(db);
  let lose: (() => Promise<void>) | undefined;
  let listens = 0;
  // A driver whose listening connection the test can break: it stops listening, then says the connection was lost.
  const fragile: SqlDriver = {
    query: inner.query,
    transaction: inner.transaction,
    async listen(channel, onNotify, onLost) {
      listens++;
      const stop = await inner.listen!(channel, onNotify);
      lose = async () => {
        await stop();
        onLost?.(new Error('connection lost'));
      };
      return stop;
    },
  };
  const reader = await createPostgresStorage({ driver: fragile, tenant });
  const writer = await createPostgresStorage({ pglite: db, tenant });
  const remote: (readonly ChangeEvent[])[] = [];
  reader.subscribe((events) => remote.push(events));
  await lose!();
  await writer.put('customers', { id: 'while-lost' }, { expectedVersion: 0 });
  await eventually(() => remote.length === 1, 'the change made while the connection was lost');
  assert.deepEqual(flat(remote), ['put customers/while-lost@1']);
  assert.equal(listens, 2);
  await writer.put('customers', { id: 'after' }, { expectedVersion: 0 });
  await eventually(() => remote.length === 2, 'a change after listening again');
  await Promise.all([writer.close(), reader.close()]);
});

test('the change-feed options are checked strictly', async () => {
  const db = await sharedPglite();
  const inner = pgliteDriver(db);
  const bad: unknown[] = [
    { pglite: db, tenant: 't', changeFeed: { mode: 'push' } },
    { pglite: db, tenant: 't', changeFeed: { interval: 1 } },
    { pglite: db, tenant: 't', changeFeed: { resumeFrom: 'latest' } },
    { pglite: db, tenant: 't', changeFeed: { resumeFrom: '1:2', extra: true } },
    // A driver that cannot listen cannot be asked to.
    { driver: { query: inner.query, transaction: inner.transaction }, tenant: 't', changeFeed: { mode: 'notify' } },
  ];
  for (const options of bad) {
    await assert.rejects(
      createPostgresStorage(options as never),
      { code: 'CRM_VALIDATION' },
      JSON.stringify((options as { changeFeed: unknown }).changeFeed),
    );
  }
  const quiet = await createPostgresStorage({ pglite: db, tenant: freshTenant(), changeFeed: { mode: 'off' } });
  assert.equal(quiet.capabilities.changeFeed, 'connection');
  assert.equal(quiet.changePosition(), undefined);
  await quiet.close();
});
