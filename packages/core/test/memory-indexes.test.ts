/**
 * The memory adapter's indexes (issue 18): the ordered index agrees with a sorted array through inserts and deletes
 * across chunk splits, and indexed queries (filters an index serves, orders an index holds, cursors that seek) return
 * exactly what the reference `queryInMemory` returns, while reading about as many records as they return.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compareValues,
  createMemoryStorage,
  queryInMemory,
  type Filter,
  type QueryOptions,
  type StoredRecord,
} from '@crmkit/core';
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

/** Writes generated rows in one transaction, the first of each `n` only, leaving out fields generated undefined. */
async function writeRows(
  storage: ReturnType<typeof createMemoryStorage>,
  collection: string,
  rows: readonly ({ readonly n: number } & Record<string, unknown>)[],
  key: (n: number) => { id: string } & Record<string, unknown>,
): Promise<void> {
  await storage.transaction(async (tx) => {
    const seen = new Set<number>();
    for (const { n, ...fields } of rows) {
      if (seen.has(n)) continue;
      seen.add(n);
      const record = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
      await tx.put(collection, { ...key(n), ...record }, { expectedVersion: 0 });
    }
  });
}

/** The ids of every page of a query, following its cursor (stopping once more than `most` came back). */
async function pageThrough(
  storage: ReturnType<typeof createMemoryStorage>,
  collection: string,
  options: QueryOptions,
  most: number,
): Promise<string[]> {
  const got: string[] = [];
  let after: string | undefined;
  do {
    const page = await storage.query(collection, { ...options, ...(after ? { after } : {}) });
    got.push(...page.records.map((record) => record.id));
    after = page.next;
  } while (after !== undefined && got.length <= most);
  return got;
}

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
  // Windows: a lower and an upper bound on one field, the planner intersects them (bounds may cross).
  fc
    .tuple(
      fc.constantFrom('gt', 'gte'),
      fc.integer({ min: 0, max: 100 }),
      fc.constantFrom('lt', 'lte'),
      fc.integer({ min: 0, max: 100 }),
    )
    .map(([lowOp, low, highOp, high]) => ({
      all: [{ field: 'score', op: lowOp, value: low } as Filter, { field: 'score', op: highOp, value: high } as Filter],
    })),
  fc
    .tuple(
      fc.constantFrom('2026-02-01T00:00:00.000Z', '2026-04-10T12:00:00+08:00', '2026-03'),
      fc.constantFrom('2026-03-01T00:00:00Z', '2026-06-01T05:00:00+08:00', '2026-05'),
    )
    .map(([from, to]) => ({
      all: [
        { field: 'lastActivityAt', op: 'gte', value: from } as Filter,
        { field: 'lastActivityAt', op: 'lt', value: to } as Filter,
        { field: 'country', op: 'ne', value: 'DE' } as Filter,
      ],
    })),
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
        await writeRows(storage, 'customers', rows, (n) => ({ id: `c${n}` }));
        const all = (await storage.query('customers')).records as StoredRecord[];
        const options = { ...(where ? { where } : {}), orderBy, limit };
        const expected = queryInMemory(all, { ...(where ? { where } : {}), orderBy }, now).records.map((r) => r.id);
        assert.deepEqual(await pageThrough(storage, 'customers', options, all.length), expected);
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
  // An exact condition every record meets, read whole: every record, in id order, and a record that stops meeting
  // it is left out again.
  const every = { field: 'kind', op: 'eq', value: 'person' } as const;
  const people = createMemoryStorage();
  await people.transaction(async (tx) => {
    for (let i = 0; i < 50; i++) await tx.put('customers', { id: `p${i}`, kind: 'person' }, { expectedVersion: 0 });
  });
  const all = (await people.query('customers', { where: every })).records.map((record) => record.id);
  assert.deepEqual(all, [...all].sort());
  assert.equal(all.length, 50);
  await people.put('customers', { id: 'p7', kind: 'organisation' }, { expectedVersion: 1 });
  assert.equal((await people.query('customers', { where: every })).records.length, 49);
});

// ---- compound indexes ----------------------------------------------------------------------------------------------

const COMPOUND_DESIGN = { items: ['owner', 'status', 'due', '[owner+status]', '[status+due]', '[owner+status+due]'] };
const OWNERS = ['u1', 'u2', 'u3', null, undefined];
const STATUSES = ['open', 'done', 'snoozed', undefined];
const dueArbitrary = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 0, max: 60 }).map((day) => new Date(Date.UTC(2026, 4, 1) + day * 86_400_000).toISOString()),
  fc.integer({ min: 0, max: 60 }).map((day) => {
    const at = new Date(Date.UTC(2026, 4, 1) + day * 86_400_000 + 8 * 3_600_000).toISOString();
    return `${at.slice(0, 19)}+08:00`;
  }),
  fc.integer({ min: 0, max: 9 }),
);
const itemArbitrary = fc.record({
  n: fc.integer({ min: 0, max: 3000 }),
  owner: fc.constantFrom(...OWNERS),
  status: fc.constantFrom(...STATUSES),
  due: dueArbitrary,
});
const leaf = (field: string, op: string, extra: object) => ({ field, op, ...extra }) as Filter;
const compoundFilterArbitrary: fc.Arbitrary<Filter> = fc
  .tuple(
    fc.option(fc.constantFrom(...OWNERS.filter((o) => o !== undefined)), { nil: undefined }),
    fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('open', 'done').map((value) => leaf('status', 'eq', { value })),
      fc.subarray(['open', 'snoozed', 'done'], { minLength: 1 }).map((values) => leaf('status', 'in', { values })),
    ),
    fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('2026-05-20T00:00:00Z', '2026-06-01T05:00:00+08:00').map((value) => leaf('due', 'lt', { value })),
      fc.constantFrom('2026-05-10T00:00:00.000Z').map((value) => leaf('due', 'gte', { value })),
      fc.integer({ min: 0, max: 9 }).map((value) => leaf('due', 'lte', { value })),
      fc.constant(leaf('due', 'withinLast', { amount: 20, unit: 'days' })),
    ),
    fc.boolean(),
  )
  .map(([owner, status, due, extra]) => {
    const all: Filter[] = [];
    if (owner !== undefined) all.push(leaf('owner', 'eq', { value: owner }));
    if (status) all.push(status);
    if (due) all.push(due);
    // A condition no index serves: the plan must stay a superset, and not claim to be exact.
    if (extra) all.push(leaf('n', 'ne', { value: 7 }));
    return { all };
  });

test('compound indexes: pages and counts agree with the reference for prefixes, ranges and orders', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(itemArbitrary, { minLength: 0, maxLength: 2500, size: 'max' }),
      compoundFilterArbitrary,
      fc.constantFrom([], [{ field: 'due' }], [{ field: 'due', direction: 'desc' as const }], [{ field: 'status' }]),
      fc.integer({ min: 1, max: 300 }),
      async (rows, where, orderBy, limit) => {
        const now = new Date(Date.UTC(2026, 5, 1));
        const storage = createMemoryStorage({ now: () => now, indexes: COMPOUND_DESIGN });
        await writeRows(storage, 'items', rows, (n) => ({ id: `i${n}`, n }));
        // Some records change after the indexes exist: the compound keys follow the writes.
        await storage.query('items', { where, limit: 1 });
        const changed = ((await storage.query('items', { limit: 40 })).records as StoredRecord[]).filter(
          (_, i) => i % 3 === 0,
        );
        for (const record of changed) {
          const { version, createdAt: _c, updatedAt: _u, ...fields } = record;
          await storage.put('items', { ...fields, status: 'open', owner: 'u2' }, { expectedVersion: version });
        }
        const all = (await storage.query('items')).records as StoredRecord[];
        const expected = queryInMemory(all, { where, orderBy }, now).records.map((r) => r.id);
        assert.deepEqual(await pageThrough(storage, 'items', { where, orderBy, limit }, all.length), expected);
        assert.equal(await storage.count('items', where), expected.length);
      },
    ),
    { numRuns: 60 },
  );
});

test('a compound index counts a prefix without reading, and pages its last field from the cursor', async () => {
  let read = 0;
  const storage = createMemoryStorage({ onRead: (records) => (read += records), indexes: COMPOUND_DESIGN });
  await storage.transaction(async (tx) => {
    for (let i = 0; i < 20_000; i++) {
      const due = new Date(Date.UTC(2026, 0, 1) + (i % 300) * 86_400_000).toISOString();
      // Most past items are done: a walk of `due` alone would read them all before the open ones.
      const status = i % 20 === 0 ? 'open' : 'done';
      await tx.put('items', { id: `i${i}`, owner: `u${i % 8}`, status, due }, { expectedVersion: 0 });
    }
  });
  read = 0;
  const open = { all: [leaf('owner', 'eq', { value: 'u0' }), leaf('status', 'in', { values: ['open', 'snoozed'] })] };
  assert.equal(await storage.count('items', open), 20_000 / 40);
  assert.equal(read, 0, 'an owner and a set of statuses counted from [owner+status]');
  const overdue = {
    where: { all: [leaf('status', 'eq', { value: 'open' }), leaf('due', 'lt', { value: '2026-10-01T00:00:00Z' })] },
    orderBy: [{ field: 'due' }],
    limit: 50,
  };
  read = 0;
  const first = await storage.query('items', overdue);
  assert.equal(first.records.length, 50);
  assert.ok(read <= 51, `read ${read} for the first page in due order`);
  read = 0;
  const second = await storage.query('items', { ...overdue, after: first.next });
  assert.equal(second.records.length, 50);
  assert.ok(read <= 51, `read ${read} for the page after the cursor`);
  assert.ok(String(second.records[0]!['due']) >= String(first.records[49]!['due']));
});
