/**
 * The memory adapter's indexes (issue 18): the ordered index agrees with a sorted array through inserts and deletes
 * across chunk splits, and indexed queries (filters an index serves, orders an index holds, cursors that seek) return
 * exactly what the reference `queryInMemory` returns, while reading about as many records as they return.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareValues, createMemoryStorage, queryInMemory, type Filter, type StoredRecord } from '@crmkit/core';
import { OrderedIndex } from '../src/storage/ordered-index.js';
import { PLANNER_KIT } from '../src/storage/memory.js';
import { install } from '../src/storage/planner-kit.js';

// The ordered index is part of the planner the memory adapter loads on demand, handing it core's functions.
install(PLANNER_KIT);

const keyArbitrary = fc.oneof(
  fc.constantFrom(null, true, false),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('a', 'b', 'c', '2026-01-01T00:00:00.000Z'),
);

const byEntry = (a: readonly [unknown, string], b: readonly [unknown, string]) =>
  compareValues(a[0], b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

test('the ordered index agrees with a sorted array through inserts, deletes and chunk splits', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), keyArbitrary, fc.integer({ min: 0, max: 3000 })), {
        minLength: 1500,
        maxLength: 3000,
      }),
      fc.array(keyArbitrary, { minLength: 1, maxLength: 8 }),
      (operations, probes) => {
        const index = new OrderedIndex();
        const model = new Map<string, readonly [unknown, string]>();
        for (const [insert, key, n] of operations) {
          const id = `r${n}`;
          const existing = model.get(id);
          if (existing) {
            index.remove(existing[0], id);
            model.delete(id);
          }
          if (insert) {
            index.insert(key, id);
            model.set(id, [key, id]);
          }
        }
        const sorted = [...model.values()].sort(byEntry);
        assert.equal(index.size, sorted.length);
        assert.deepEqual(
          [...index.ascend(index.start())],
          sorted.map(([key, id]) => [key, id]),
        );
        assert.deepEqual(
          [...index.descend()],
          [...sorted].reverse().map(([key, id]) => [key, id]),
        );
        for (const probe of probes) {
          const from = sorted.findIndex(([key]) => compareValues(key, probe) >= 0);
          const above = sorted.findIndex(([key]) => compareValues(key, probe) > 0);
          const first = from < 0 ? sorted.length : from;
          const stop = above < 0 ? sorted.length : above;
          assert.equal(index.distance(index.seek(probe), index.seekAbove(probe)), stop - first, 'run length');
          assert.deepEqual(
            [...index.ascend(index.seek(probe), index.seekAbove(probe))].map(([, id]) => id),
            sorted.slice(first, stop).map(([, id]) => id),
          );
        }
      },
    ),
    { numRuns: 25 },
  );
});

const COUNTRIES = ['CN', 'US', 'DE', 'JP', null, undefined];
const recordArbitrary = fc.record({
  n: fc.integer({ min: 0, max: 4000 }),
  country: fc.constantFrom(...COUNTRIES),
  score: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(undefined), fc.constant('high')),
  tags: fc.subarray(['vip', 'new', 'smb']),
  lastActivityAt: fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: 0, max: 400 }).map((day) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString()),
    // An instant written with an offset: its text sorts apart from its instant.
    fc.integer({ min: 0, max: 400 }).map((day) => {
      const at = new Date(Date.UTC(2026, 0, 1) + day * 86_400_000 + 8 * 3_600_000).toISOString();
      return `${at.slice(0, 19)}+08:00`;
    }),
  ),
});

const filterArbitrary: fc.Arbitrary<Filter | undefined> = fc.oneof(
  fc.constant(undefined),
  fc
    .constantFrom(...COUNTRIES.filter((c) => c !== undefined))
    .map((value) => ({ field: 'country', op: 'eq', value }) as Filter),
  fc.subarray(['CN', 'US', 'DE', null]).map((values) => ({ field: 'country', op: 'in', values }) as Filter),
  fc.integer({ min: 0, max: 100 }).map((value) => ({ field: 'score', op: 'gte', value }) as Filter),
  fc.constantFrom('vip', 'new').map((value) => ({ field: 'tags', op: 'hasAny', values: [value] }) as Filter),
  fc
    .constantFrom('2026-03-01T00:00:00Z', '2026-06-01T05:00:00+08:00')
    .map((value) => ({ field: 'lastActivityAt', op: 'lt', value }) as Filter),
  fc.constant({
    all: [
      { field: 'country', op: 'eq', value: 'CN' },
      { field: 'score', op: 'lt', value: 50 },
    ],
  } as Filter),
  fc.constant({
    any: [
      { field: 'country', op: 'eq', value: 'JP' },
      { field: 'tags', op: 'hasAny', values: ['smb'] },
    ],
  } as Filter),
);

const orderArbitrary = fc.constantFrom(
  [],
  [{ field: 'lastActivityAt', direction: 'desc' as const }],
  [{ field: 'lastActivityAt' }],
  [{ field: 'score', direction: 'desc' as const }],
  [{ field: 'country' }, { field: 'score' }],
);

test('indexed queries page through exactly what the reference returns', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(recordArbitrary, { minLength: 0, maxLength: 3000, size: 'max' }),
      filterArbitrary,
      orderArbitrary,
      fc.integer({ min: 1, max: 700 }),
      async (rows, where, orderBy, limit) => {
        const now = new Date(Date.UTC(2026, 5, 1));
        const storage = createMemoryStorage({ now: () => now });
        await storage.transaction(async (tx) => {
          const seen = new Set<number>();
          for (const { n, ...fields } of rows) {
            if (seen.has(n)) continue;
            seen.add(n);
            const record = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
            await tx.put('customers', { id: `c${n}`, ...record }, { expectedVersion: 0 });
          }
        });
        const all = (await storage.query('customers')).records as StoredRecord[];
        const options = { ...(where ? { where } : {}), orderBy, limit };
        const expected = queryInMemory(all, { ...(where ? { where } : {}), orderBy }, now).records.map((r) => r.id);
        const got: string[] = [];
        let after: string | undefined;
        do {
          const page = await storage.query('customers', { ...options, ...(after ? { after } : {}) });
          got.push(...page.records.map((record) => record.id));
          after = page.next;
        } while (after !== undefined && got.length <= all.length);
        assert.deepEqual(got, expected);
        assert.equal(await storage.count('customers', where), expected.length);
      },
    ),
    { numRuns: 40 },
  );
});

test('a page ordered by an indexed field reads about its limit, at any size', async () => {
  let read = 0;
  const storage = createMemoryStorage({ onRead: (records) => (read += records) });
  await storage.transaction(async (tx) => {
    for (let i = 0; i < 20_000; i++)
      await tx.put('customers', { id: `c${i}`, country: i % 10 === 0 ? 'DE' : 'CN' }, { expectedVersion: 0 });
  });
  read = 0;
  const page = await storage.query('customers', { orderBy: [{ field: 'updatedAt', direction: 'desc' }], limit: 50 });
  assert.equal(page.records.length, 50);
  assert.ok(read <= 51, `read ${read}`);
  const where = { field: 'country', op: 'eq', value: 'DE' } as const;
  const first = await storage.query('customers', { where, limit: 50 });
  read = 0;
  const second = await storage.query('customers', { where, limit: 50, after: first.next });
  assert.equal(second.records.length, 50);
  assert.ok(read <= 51, `read ${read} for an equality page in id order`);
  read = 0;
  assert.equal(await storage.count('customers', { field: 'country', op: 'eq', value: 'DE' }), 2_000);
  assert.equal(read, 0, 'an exact count reads nothing');
});
