/**
 * `matchIds`: segments over a customer and its aggregate answered by one statement returning ids. The answers are held
 * to core's reference evaluation of segments on generated data, through `crm.segments` as users call it, for an admin
 * and for a rep whose read scope is ANDed in.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import {
  createCrm,
  emptyStats,
  evaluateSegmentReference,
  type CustomerStats,
  type Filter,
  type MatchQuery,
  type StoredRecord,
} from '@crmkit/core';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { filterTree } from '../../core/test/support/filter-tree.js';
import {
  customerRecord as storedCustomer,
  statsRecord as storedStats,
} from '../../core/test/support/segment-records.js';
import { freshTenant, sharedPglite } from './pglite.js';

after(async () => (await sharedPglite()).close());

const NOW = new Date('2026-06-30T00:00:00.000Z');
const AT = NOW.toISOString();
const DAY = 86_400_000;
const COUNTRIES = ['CN', 'US', 'DE'];
const OWNERS = ['rep-1', 'rep-2'];

const customerRecord = (id: string, fields: Record<string, unknown>) => storedCustomer(id, fields, AT);
const statsRecord = (stats: CustomerStats) => storedStats(stats, AT);

const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field: fc.constant('country'), op: fc.constantFrom('eq', 'ne'), value: fc.constantFrom('CN', 'US') }),
  fc.record({ field: fc.constant('country'), op: fc.constantFrom('in', 'nin'), values: fc.subarray(COUNTRIES) }),
  fc.record({
    field: fc.constant('tags'),
    op: fc.constantFrom('hasAny', 'hasAll'),
    values: fc.subarray(['vip', 'new']),
  }),
  fc.record({
    field: fc.constantFrom('stats.wonDeals', 'stats.lifetimeValue.CNY', 'stats.rfm.score', 'stats.id'),
    op: fc.constantFrom('gt', 'gte', 'lt', 'lte', 'eq', 'ne'),
    value: fc.integer({ min: 0, max: 600 }),
  }),
  fc.record({
    field: fc.constantFrom('stats.rfm', 'stats.lifetimeValue.CNY'),
    op: fc.constant('exists'),
    value: fc.boolean(),
  }),
  fc.record({
    field: fc.constantFrom(
      'stats.activity.meeting.last30d',
      'stats.activity.call.last7d',
      'stats.activity.any.last90d',
    ),
    op: fc.constantFrom('gte', 'gt', 'lt', 'lte', 'eq', 'ne'),
    value: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({
    field: fc.constant('stats.activity.any.last90d'),
    op: fc.constantFrom('in', 'nin'),
    values: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  }),
) as fc.Arbitrary<Filter>;

// How long ago, including each window's edges to the millisecond (and times after now, which no window counts).
const agoArb = fc.oneof(
  fc.integer({ min: -2, max: 120 }).map((days) => days * DAY),
  fc.tuple(fc.constantFrom(0, 7, 30, 90), fc.constantFrom(-1, 0, 1)).map(([days, ms]) => days * DAY + ms),
);
const timesArb = fc
  .array(agoArb, { maxLength: 5 })
  .map((agos) => agos.map((ago) => NOW.getTime() - ago).sort((a, b) => b - a));
const rowArb = fc.record({
  customer: fc.record({
    country: fc.constantFrom(...COUNTRIES),
    tags: fc.subarray(['vip', 'new']),
    ownerId: fc.constantFrom(...OWNERS),
  }),
  stats: fc.option(
    fc.record({
      wonDeals: fc.integer({ min: 0, max: 4 }),
      lifetimeValue: fc.option(fc.record({ CNY: fc.integer({ min: 0, max: 600 }) }), { nil: undefined }),
      rfm: fc.option(
        fc.record({
          r: fc.constant(1),
          f: fc.constant(1),
          m: fc.constant(1),
          score: fc.integer({ min: 111, max: 555 }),
        }),
        {
          nil: undefined,
        },
      ),
      meeting: timesArb,
      call: timesArb,
    }),
    { nil: undefined },
  ),
});

type Row = typeof rowArb extends fc.Arbitrary<infer R> ? R : never;

function population(rows: readonly Row[]) {
  const customers = rows.map((row, i) => customerRecord(`c${String(i).padStart(3, '0')}`, row.customer));
  const stats = rows.map((row, i): CustomerStats | undefined => {
    if (!row.stats) return undefined;
    const { meeting, call, lifetimeValue, rfm, wonDeals } = row.stats;
    return {
      ...emptyStats(customers[i]!.id),
      wonDeals,
      lifetimeValue: lifetimeValue ?? {},
      ...(rfm === undefined ? {} : { rfm }),
      recentActivity: { meeting, ...(call.length > 0 ? { call } : {}) },
    };
  });
  return { customers, stats };
}

const reference = (filter: Filter, customers: readonly StoredRecord[], stats: readonly (CustomerStats | undefined)[]) =>
  customers.filter((customer, i) => evaluateSegmentReference(filter, customer, stats[i], NOW)).map((c) => c.id);

test('property: segment members and sizes from matchIds equal the reference, for an admin and for a rep', async () => {
  const db = await sharedPglite();
  const storage = await createPostgresStorage({ pglite: db, tenant: freshTenant('match'), now: () => NOW });
  const users = OWNERS.map((id) => ({ id, name: id, email: `${id}@example.com`, role: 'rep' }));
  const engine = storage.matchIds!.bind(storage);
  let answered = 0;
  let declined = 0;
  storage.matchIds = async (collection, query) => {
    const ids = await engine(collection, query);
    if (ids) answered++;
    else declined++;
    return ids;
  };
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 20 }), filterTree(leafArb), async (rows, filter) => {
        const { customers, stats } = population(rows);
        await storage.importSnapshot({
          format: 'crmkit.storage',
          formatVersion: 1,
          collections: {
            customers,
            customerStats: stats.flatMap((s) => (s ? [statsRecord(s)] : [])),
            users: users.map((user) => ({ ...user, version: 1, createdAt: AT, updatedAt: AT }) as StoredRecord),
          },
        });
        const admin = await createCrm({ storage, actor: { id: 'admin', role: 'admin' }, clock: () => NOW });
        const rep = await createCrm({ storage, actor: { id: 'rep-1', role: 'rep' }, clock: () => NOW });
        try {
          const expected = reference(filter, customers, stats);
          assert.deepEqual(await admin.segments.memberIds({ filter }), expected);
          assert.equal(await admin.segments.size({ filter }), expected.length);
          const mine = new Set(customers.filter((c) => c['ownerId'] === 'rep-1').map((c) => c.id));
          assert.deepEqual(
            await rep.segments.memberIds({ filter }),
            expected.filter((id) => mine.has(id)),
          );
        } finally {
          await admin.dispose();
          await rep.dispose();
        }
      }),
      { numRuns: 60 },
    );
    // Every generated filter is exact in SQL, so the engine answered every member listing, not core's own pass.
    assert.equal(declined, 0);
    assert.ok(answered >= 60 * 2, `matchIds answered ${answered} calls`);
  } finally {
    await storage.close();
  }
});

test('matchIds declines what it cannot answer exactly, and refuses malformed queries', async () => {
  const storage = await createPostgresStorage({ pglite: await sharedPglite(), tenant: freshTenant('match') });
  try {
    await storage.put('customers', { id: 'a', name: 'Ann' }, { expectedVersion: 0 });
    // Case-insensitive matching is left to core: no answer rather than a wrong one.
    assert.equal(
      await storage.matchIds!('customers', { where: { field: 'name', op: 'contains', value: 'ann' } }),
      undefined,
    );
    assert.deepEqual(
      await storage.matchIds!('customers', {
        where: { field: 'name', op: 'contains', value: 'An', caseSensitive: true },
      }),
      ['a'],
    );
    const bad = [
      { where: { field: 'name', op: 'eq', value: 'Ann' }, extra: true },
      { where: { field: 'name', op: 'nope', value: 1 } },
      { where: { all: [] }, join: { collection: 'customerStats', as: "x'; DROP TABLE records; --", missing: {} } },
      { where: { all: [] }, counts: { n: { path: 'a', from: 0, to: 1, more: 1 } } },
    ];
    for (const query of bad) {
      await assert.rejects(storage.matchIds!('customers', query as unknown as MatchQuery), { code: 'CRM_VALIDATION' });
    }
    await assert.rejects(storage.matchIds!('bad name!', { where: { all: [] } }), { code: 'CRM_VALIDATION' });
  } finally {
    await storage.close();
  }
});

test('matchIds binds paths, names and values: injection strings are data', async () => {
  const storage = await createPostgresStorage({ pglite: await sharedPglite(), tenant: freshTenant('match') });
  const evil = `x'); DROP TABLE crmkit.records; --`;
  try {
    await storage.put('customers', { id: 'a', name: evil }, { expectedVersion: 0 });
    await storage.put('customerStats', { id: 'a', [evil]: 1, list: [1, 2] }, { expectedVersion: 0 });
    const query: MatchQuery = {
      where: {
        all: [
          { field: 'name', op: 'eq', value: evil },
          { field: `s.${evil.replace(/[^\w]/g, '_')}`, op: 'exists', value: false },
          { field: 'n', op: 'eq', value: 2 },
        ],
      },
      join: { collection: 'customerStats', as: 's', missing: { [evil]: evil } },
      counts: { n: { path: 's.list', from: 0, to: 5 } },
    };
    assert.deepEqual(await storage.matchIds!('customers', query), ['a']);
    assert.equal(await storage.count('customers'), 1);
  } finally {
    await storage.close();
  }
});
