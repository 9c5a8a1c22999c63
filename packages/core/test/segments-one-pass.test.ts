/**
 * Segments in one pass (issue 18): members, sizes and overlaps stream through the customers once, reading each
 * customer and each aggregate at most once, and agree with the reference evaluation over plain arrays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CrmEvents,
  createMemoryStorage,
  type Filter,
  type MemoryData,
  type QueryOptions,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { createCustomerAggregates } from '../src/customers/aggregates.service.js';
import { createSegmentService } from '../src/segments/segment.service.js';
import { emptyStats, evaluateSegmentReference, segmentOverlaps, type CustomerStats } from '../src/segments/index.js';
import { filterTree } from './support/filter-tree.js';
import { customerRecord as storedCustomer, statsRecord as storedStats } from './support/segment-records.js';

const customerRecord = (id: string, fields: Record<string, unknown>) => storedCustomer(id, fields, AT);
const statsRecord = (stats: CustomerStats) => storedStats(stats, AT);

const NOW = new Date('2026-06-30T00:00:00.000Z');
const AT = NOW.toISOString();
const DAY = 86_400_000;
const COUNTRIES = ['CN', 'US', 'DE'];

/**
 * A segment service over `data`, with every record its storage hands out counted per collection and id (through the
 * port) and every record the adapter looks at counted (`onRead`).
 */
function setup(data: MemoryData) {
  let looked = 0;
  const storage = createMemoryStorage({ data, now: () => NOW, onRead: (records) => (looked += records) });
  const served = new Map<string, Map<string, number>>();
  const count = (collection: string, records: readonly ({ readonly id: string } | undefined)[]) => {
    const ids = served.get(collection) ?? new Map<string, number>();
    served.set(collection, ids);
    for (const record of records) if (record) ids.set(record.id, (ids.get(record.id) ?? 0) + 1);
  };
  const counted: StoragePort = {
    ...storage,
    async query<T extends object>(collection: string, options?: QueryOptions) {
      const page = await storage.query<T>(collection, options);
      count(collection, page.records);
      return page;
    },
    async getMany<T extends object>(collection: string, ids: readonly string[]) {
      const records = await storage.getMany<T>(collection, ids);
      count(collection, records);
      return records;
    },
  };
  const context = createContext({
    storage: counted,
    actor: { id: 'u1', role: 'admin' },
    events: new CrmEvents(),
    clock: () => NOW,
    idGenerator: () => 'unused',
    timeZone: 'UTC',
    currency: 'CNY',
  });
  const segments = createSegmentService(context, createCustomerAggregates(context));
  return {
    segments,
    served,
    looked: () => looked,
    reset: () => {
      looked = 0;
      served.clear();
    },
  };
}

/** `size` customers (every one with an aggregate), as plain arrays and as stored data. */
function population(size: number) {
  const customers: StoredRecord[] = [];
  const stats: CustomerStats[] = [];
  for (let i = 0; i < size; i++) {
    const id = `c${String(i).padStart(6, '0')}`;
    customers.push(customerRecord(id, { country: COUNTRIES[i % 3], tags: i % 4 === 0 ? ['vip'] : [] }));
    stats.push({
      ...emptyStats(id),
      wonDeals: i % 5,
      lifetimeValue: i % 5 ? { CNY: (i % 7) * 100_000 } : {},
      recentActivity: { meeting: Array.from({ length: i % 4 }, (_, k) => NOW.getTime() - (k + 1) * 5 * DAY) },
    });
  }
  const data: MemoryData = new Map([
    ['customers', new Map(customers.map((record) => [record.id, record]))],
    ['customerStats', new Map(stats.map((record) => [record.id, statsRecord(record)]))],
  ]);
  return { customers, stats, data };
}

const engaged: Filter = {
  all: [
    { field: 'country', op: 'in', values: ['CN', 'US'] },
    { field: 'stats.lifetimeValue.CNY', op: 'gte', value: 200_000 },
    { field: 'stats.activity.meeting.last30d', op: 'gte', value: 2 },
  ],
};
const vip: Filter = { field: 'tags', op: 'hasAny', values: ['vip'] };
const buyers: Filter = { field: 'stats.wonDeals', op: 'gte', value: 3 };

function reference(
  filter: Filter,
  customers: readonly StoredRecord[],
  stats: readonly (CustomerStats | undefined)[],
): string[] {
  return customers
    .filter((customer, i) => evaluateSegmentReference(filter, customer, stats[i], NOW))
    .map((customer) => customer.id);
}

function assertEachAtMostOnce(served: Map<string, Map<string, number>>, collection: string, most: number): void {
  const ids = served.get(collection) ?? new Map<string, number>();
  const repeated = [...ids.values()].filter((times) => times > 1).length;
  assert.equal(repeated, 0, `${repeated} ${collection} records were read more than once`);
  assert.ok(ids.size <= most, `${ids.size} ${collection} records read, at most ${most} expected`);
}

const SIZE = 12_000;
/** Each page looks at one record past its end, to know whether another follows. */
const PAGE_ENDS = 10;

test('a member listing reads each customer and each aggregate at most once', async () => {
  const { customers, stats, data } = population(SIZE);
  const env = setup(data);
  const ids = await env.segments.memberIds({ filter: engaged });
  assert.deepEqual(ids, reference(engaged, customers, stats));
  assert.ok(ids.length > 0);
  // The pushed-down country clause selects two thirds; the aggregates are read for those only.
  const candidates = customers.filter((customer) => customer['country'] !== 'DE').length;
  assertEachAtMostOnce(env.served, 'customers', candidates);
  assertEachAtMostOnce(env.served, 'customerStats', candidates);
  assert.ok(env.looked() <= 2 * candidates + PAGE_ENDS, `the adapter looked at ${env.looked()} records`);
  assert.equal(env.served.get('activities'), undefined, 'behaviour comes from the aggregates, never activities');

  env.reset();
  assert.equal(await env.segments.size({ filter: engaged }), ids.length);
  assertEachAtMostOnce(env.served, 'customers', candidates);
  assertEachAtMostOnce(env.served, 'customerStats', candidates);

  // A segment without a pushed-down part still reads each customer once.
  env.reset();
  assert.deepEqual(await env.segments.memberIds({ filter: buyers }), reference(buyers, customers, stats));
  assertEachAtMostOnce(env.served, 'customers', SIZE);
  assertEachAtMostOnce(env.served, 'customerStats', SIZE);
  assert.ok(env.looked() <= 2 * SIZE + PAGE_ENDS);
});

test('overlaps of several segments take one pass, not one per segment', async () => {
  const { customers, stats, data } = population(SIZE);
  const env = setup(data);
  const refs = [{ filter: engaged }, { filter: vip }, { filter: buyers }];
  const result = await env.segments.overlaps(refs);
  const expected = segmentOverlaps(
    new Map(refs.map((ref, i) => [`#${i}`, new Set(reference(ref.filter, customers, stats))])),
  );
  assert.deepEqual(result, expected);
  assertEachAtMostOnce(env.served, 'customers', SIZE);
  assertEachAtMostOnce(env.served, 'customerStats', SIZE);
  assert.ok(env.looked() <= 2 * SIZE + PAGE_ENDS, `the adapter looked at ${env.looked()} records`);
});

// Property: the one-pass results equal the pure reference over arrays.
const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field: fc.constant('country'), op: fc.constantFrom('eq', 'ne'), value: fc.constantFrom('CN', 'US') }),
  fc.record({ field: fc.constant('country'), op: fc.constant('in'), values: fc.subarray(COUNTRIES) }),
  fc.record({
    field: fc.constant('tags'),
    op: fc.constantFrom('hasAny', 'hasAll'),
    values: fc.subarray(['vip', 'new']),
  }),
  fc.record({
    field: fc.constantFrom('stats.wonDeals', 'stats.lifetimeValue.CNY', 'stats.rfm.score'),
    op: fc.constantFrom('gt', 'gte', 'lt', 'lte', 'eq', 'ne'),
    value: fc.integer({ min: 0, max: 600 }),
  }),
  fc.record({
    field: fc.constantFrom('stats.lastPurchaseAt', 'lastActivityAt'),
    op: fc.constantFrom('withinLast', 'olderThan'),
    amount: fc.integer({ min: 0, max: 400 }),
    unit: fc.constant('days'),
  }),
  fc.record({
    field: fc.constantFrom('stats.activity.meeting.last30d', 'stats.activity.any.last90d'),
    op: fc.constantFrom('gte', 'lt', 'eq'),
    value: fc.integer({ min: 0, max: 4 }),
  }),
) as fc.Arbitrary<Filter>;
const filterArb: fc.Arbitrary<Filter> = filterTree(leafArb);
const isoArb = fc.integer({ min: 0, max: 500 }).map((days) => new Date(NOW.getTime() - days * DAY).toISOString());
const rowArb = fc.record({
  customer: fc.record(
    { country: fc.constantFrom(...COUNTRIES), tags: fc.subarray(['vip', 'new']), lastActivityAt: isoArb },
    { requiredKeys: ['tags'] },
  ),
  stats: fc.option(
    fc.record({
      wonDeals: fc.integer({ min: 0, max: 4 }),
      lifetimeValue: fc.option(fc.record({ CNY: fc.integer({ min: 0, max: 600 }) }), { nil: undefined }),
      lastPurchaseAt: fc.option(isoArb, { nil: undefined }),
      rfm: fc.option(
        fc.record({
          r: fc.constant(1),
          f: fc.constant(1),
          m: fc.constant(1),
          score: fc.integer({ min: 111, max: 555 }),
        }),
        { nil: undefined },
      ),
      meetings: fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 6 }),
    }),
    { nil: undefined },
  ),
});

test('property: members, sizes and overlaps in one pass equal the reference over arrays', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(rowArb, { maxLength: 25 }),
      fc.array(filterArb, { minLength: 1, maxLength: 3 }),
      async (rows, filters) => {
        const customers = rows.map((row, i) => customerRecord(`c${String(i).padStart(3, '0')}`, row.customer));
        const stats = rows.map((row, i): CustomerStats | undefined => {
          if (!row.stats) return undefined;
          const { meetings, lifetimeValue, lastPurchaseAt, rfm, wonDeals } = row.stats;
          return {
            ...emptyStats(customers[i]!.id),
            wonDeals,
            lifetimeValue: lifetimeValue ?? {},
            ...(lastPurchaseAt === undefined ? {} : { lastPurchaseAt }),
            ...(rfm === undefined ? {} : { rfm }),
            recentActivity: { meeting: meetings.map((days) => NOW.getTime() - days * DAY).sort((a, b) => b - a) },
          };
        });
        const data: MemoryData = new Map([
          ['customers', new Map(customers.map((record) => [record.id, record]))],
          ['customerStats', new Map(stats.flatMap((s) => (s ? [[s.id, statsRecord(s)] as const] : [])))],
        ]);
        const { segments } = setup(data);
        const expected = filters.map((filter) => reference(filter, customers, stats));
        for (const [i, filter] of filters.entries()) {
          assert.deepEqual(await segments.memberIds({ filter }), expected[i]);
          assert.equal(await segments.size({ filter }), expected[i]!.length);
        }
        assert.deepEqual(
          await segments.overlaps(filters.map((filter) => ({ filter }))),
          segmentOverlaps(new Map(expected.map((ids, i) => [`#${i}`, new Set(ids)]))),
        );
      },
    ),
    { numRuns: 150 },
  );
});
