import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ChangeEvent } from '@crmkit/core';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, sharedPglite } from './pglite.js';

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
