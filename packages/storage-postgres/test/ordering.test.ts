import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { queryInMemory, type OrderBy, type StoragePort, type StoredRecord } from '@crmkit/core';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, sharedPglite } from './pglite.js';

after(async () => (await sharedPglite()).close());

/** Every page of a query, following `next`, as ids. */
async function allPages(storage: StoragePort, orderBy: readonly OrderBy[], limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await storage.query('customers', { orderBy, limit, ...(after ? { after } : {}) });
    ids.push(...page.records.map((record) => record.id));
    after = page.next;
  } while (after);
  return ids;
}

const VALUES: unknown[] = [
  null,
  undefined,
  true,
  false,
  0,
  -1.5,
  1000,
  0.25,
  '',
  'a',
  'B',
  'b',
  '张伟',
  ['x'],
  { k: 1 },
  'a\u{1F600}',
  'a\uFFFD',
  'a\uE000',
];

async function seeded(values: readonly unknown[], ids: (i: number) => string) {
  const storage = await createPostgresStorage({ pglite: await sharedPglite(), tenant: freshTenant() });
  const records: StoredRecord[] = [];
  for (const [i, value] of values.entries()) {
    const record: Record<string, unknown> & { id: string } =
      value === undefined ? { id: ids(i) } : { id: ids(i), v: value, n: i % 3 };
    records.push(await storage.put('customers', record, { expectedVersion: 0 }));
  }
  return { storage, records };
}

test('pages in SQL order exactly as core does: mixed types, and characters SQL sorts differently', async () => {
  const { storage, records } = await seeded(VALUES, (i) => `r${String(i % 7).padStart(2, '0')}-${i}`);
  for (const orderBy of [[], [{ field: 'v' }], [{ field: 'v', direction: 'desc' }], [{ field: 'n' }]] as OrderBy[][]) {
    for (const limit of [1, 3, 50]) {
      assert.deepEqual(
        await allPages(storage, orderBy, limit),
        queryInMemory(records, { orderBy }).records.map((record) => record.id),
        `${JSON.stringify(orderBy)} by ${limit}`,
      );
    }
  }
});

test('ids SQL sorts differently from JavaScript still page in JavaScript order', async () => {
  const ids = ['a\u{1F600}', 'a\uFFFD', 'a\uE000', 'a\uD7FF', 'ab', 'a'];
  const { storage, records } = await seeded(
    ids.map((_, i) => i),
    (i) => ids[i]!,
  );
  for (const limit of [1, 2, 10]) {
    assert.deepEqual(
      await allPages(storage, [], limit),
      queryInMemory(records).records.map((record) => record.id),
    );
    assert.deepEqual(
      await allPages(storage, [{ field: 'v', direction: 'desc' }], limit),
      queryInMemory(records, { orderBy: [{ field: 'v', direction: 'desc' }] }).records.map((record) => record.id),
    );
  }
});

test('a page ordered in SQL reads about its limit', async () => {
  let read = 0;
  const storage = await createPostgresStorage({
    pglite: await sharedPglite(),
    tenant: freshTenant(),
    onRead: (records) => (read += records),
  });
  await storage.transaction(async (tx) => {
    for (let i = 0; i < 200; i++) {
      await tx.put(
        'customers',
        { id: `c${String(i).padStart(3, '0')}`, score: (i * 37) % 101 },
        { expectedVersion: 0 },
      );
    }
  });
  read = 0;
  const page = await storage.query('customers', { orderBy: [{ field: 'score', direction: 'desc' }], limit: 10 });
  assert.equal(page.records.length, 10);
  assert.ok(read <= 11, `read ${read}`);
  read = 0;
  await storage.query('customers', { orderBy: [{ field: 'score', direction: 'desc' }], limit: 10, after: page.next! });
  assert.ok(read <= 11, `read ${read} after a cursor`);
});
