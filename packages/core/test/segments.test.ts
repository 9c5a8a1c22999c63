import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CrmEvents, ValidationError, createMemoryStorage, type Filter } from '@crmkit/core';
import { createContext } from '../src/crm/context.js';
import { createCustomerAggregates } from '../src/crm/aggregates.js';
import { createSegmentService } from '../src/crm/segments.js';
import {
  compileSegment,
  emptyStats,
  evaluateSegmentReference,
  explainSegment,
  segmentOverlaps,
  splitSegment,
  type CustomerStats,
} from '../src/segments/index.js';

const NOW = new Date('2026-06-30T00:00:00.000Z');
const DAY = 86_400_000;

function stats(partial: Partial<CustomerStats>): CustomerStats {
  return { ...emptyStats('c'), ...partial };
}

const meetings = (...daysAgo: number[]): Record<string, number[]> => ({
  meeting: daysAgo.map((days) => NOW.getTime() - days * DAY).sort((a, b) => b - a),
});

test('fixture: ≥ 3 meetings in the last 30 days', () => {
  const filter: Filter = { field: 'stats.activity.meeting.last30d', op: 'gte', value: 3 };
  const member = compileSegment(filter, { now: NOW });
  assert.equal(member({}, stats({ recentActivity: meetings(1, 5, 29) })), true);
  assert.equal(member({}, stats({ recentActivity: meetings(1, 5, 31) })), false);
  assert.equal(member({}, undefined), false);
});

test('fixture: no activity for 90 days (any type), including never', () => {
  const filter: Filter = { field: 'stats.activity.any.last90d', op: 'eq', value: 0 };
  const member = compileSegment(filter, { now: NOW });
  assert.equal(member({}, stats({ recentActivity: { call: [NOW.getTime() - 100 * DAY] } })), true);
  assert.equal(member({}, stats({ recentActivity: { call: [NOW.getTime() - 10 * DAY] } })), false);
  assert.equal(member({}, undefined), true);
});

test('fixture: has an open deal in stage X, lifetime value and RFM', () => {
  const filter: Filter = {
    all: [
      { field: 'country', op: 'eq', value: 'CN' },
      { field: 'stats.openDealStageIds', op: 'hasAny', values: ['proposal'] },
      { field: 'stats.lifetimeValue.CNY', op: 'gte', value: 100_000 },
      { field: 'stats.rfm.score', op: 'gte', value: 400 },
    ],
  };
  const member = compileSegment(filter, { now: NOW });
  const good = stats({
    openDealStageIds: ['proposal'],
    lifetimeValue: { CNY: 200_000 },
    rfm: { r: 5, f: 4, m: 4, score: 544 },
  });
  assert.equal(member({ country: 'CN' }, good), true);
  assert.equal(member({ country: 'US' }, good), false);
  assert.equal(member({ country: 'CN' }, { ...good, openDealStageIds: ['qualified'] }), false);
  assert.equal(member({ country: 'CN' }, { ...good, lifetimeValue: { USD: 900_000 } }), false);
  const explained = explainSegment(filter, { country: 'CN' }, { ...good, lifetimeValue: {} }, NOW);
  assert.equal(explained.matched, false);
  assert.deepEqual(
    explained.children?.map((clause) => [clause.path, clause.field, clause.matched]),
    [
      ['all.0', 'country', true],
      ['all.1', 'stats.openDealStageIds', true],
      ['all.2', 'stats.lifetimeValue.CNY', false],
      ['all.3', 'stats.rfm.score', true],
    ],
  );
});

test('split: top-level customer clauses are pushed down; the rest needs the aggregate', () => {
  assert.deepEqual(splitSegment({ field: 'country', op: 'eq', value: 'CN' }), {
    pushdown: { field: 'country', op: 'eq', value: 'CN' },
    needsStats: false,
  });
  assert.deepEqual(
    splitSegment({
      all: [
        { field: 'country', op: 'eq', value: 'CN' },
        { field: 'tags', op: 'hasAny', values: ['vip'] },
        { field: 'stats.wonDeals', op: 'gte', value: 1 },
      ],
    }),
    {
      pushdown: {
        all: [
          { field: 'country', op: 'eq', value: 'CN' },
          { field: 'tags', op: 'hasAny', values: ['vip'] },
        ],
      },
      needsStats: true,
    },
  );
  assert.deepEqual(
    splitSegment({
      any: [
        { field: 'country', op: 'eq', value: 'CN' },
        { field: 'stats.wonDeals', op: 'gte', value: 1 },
      ],
    }),
    { needsStats: true },
  );
});

test('overlaps: sizes and pairwise intersections', () => {
  const result = segmentOverlaps(
    new Map([
      ['b', new Set(['1', '2', '3'])],
      ['a', new Set(['2', '3', '4', '5'])],
      ['c', new Set<string>()],
    ]),
  );
  assert.deepEqual(result.sizes, { a: 4, b: 3, c: 0 });
  assert.deepEqual(result.overlaps, [
    { a: 'a', b: 'b', both: 2 },
    { a: 'a', b: 'c', both: 0 },
    { a: 'b', b: 'c', both: 0 },
  ]);
});

// Property: the compiled segment equals the reference evaluation (materialised record + reference evaluator).
const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({
    field: fc.constant('country'),
    op: fc.constantFrom('eq', 'ne'),
    value: fc.constantFrom('CN', 'US', null),
  }),
  fc.record({
    field: fc.constant('tags'),
    op: fc.constantFrom('hasAny', 'hasAll'),
    values: fc.subarray(['vip', 'new', 'smb']),
  }),
  fc.record({
    field: fc.constantFrom('stats.wonDeals', 'stats.openDeals', 'stats.lifetimeValue.CNY', 'stats.rfm.score'),
    op: fc.constantFrom('gt', 'gte', 'lt', 'lte', 'eq', 'ne'),
    value: fc.integer({ min: 0, max: 600 }),
  }),
  fc.record({
    field: fc.constant('stats.openDealStageIds'),
    op: fc.constant('hasAny'),
    values: fc.subarray(['proposal', 'qualified']),
  }),
  fc.record({
    field: fc.constantFrom('stats.lastPurchaseAt', 'lastActivityAt'),
    op: fc.constantFrom('withinLast', 'olderThan'),
    amount: fc.integer({ min: 0, max: 400 }),
    unit: fc.constant('days'),
  }),
  fc.record({
    field: fc.constantFrom(
      'stats.activity.meeting.last30d',
      'stats.activity.any.last90d',
      'stats.activity.call.last7d',
    ),
    op: fc.constantFrom('gte', 'lt', 'eq'),
    value: fc.integer({ min: 0, max: 5 }),
  }),
) as fc.Arbitrary<Filter>;
const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ node: Filter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
})).node;
const isoArb = fc.integer({ min: 0, max: 500 }).map((days) => new Date(NOW.getTime() - days * DAY).toISOString());
const timesArb = fc
  .array(fc.integer({ min: 0, max: 120 }), { maxLength: 8 })
  .map((days) => days.map((d) => NOW.getTime() - d * DAY).sort((a, b) => b - a));
const customerArb = fc.record(
  { country: fc.constantFrom('CN', 'US'), tags: fc.subarray(['vip', 'new', 'smb']), lastActivityAt: isoArb },
  { requiredKeys: ['tags'] },
);
const statsArb = fc.option(
  fc.record({
    wonDeals: fc.integer({ min: 0, max: 4 }),
    openDeals: fc.integer({ min: 0, max: 4 }),
    lifetimeValue: fc.option(fc.record({ CNY: fc.integer({ min: 0, max: 600 }) }), { nil: undefined }),
    openDealStageIds: fc.subarray(['proposal', 'qualified']),
    lastPurchaseAt: fc.option(isoArb, { nil: undefined }),
    rfm: fc.option(
      fc.record({ r: fc.constant(1), f: fc.constant(1), m: fc.constant(1), score: fc.integer({ min: 111, max: 555 }) }),
      { nil: undefined },
    ),
    recentActivity: fc.record({ meeting: timesArb, call: timesArb }, { requiredKeys: [] }),
  }),
  { nil: undefined },
);

test('property: a compiled segment equals the reference evaluation', () => {
  fc.assert(
    fc.property(filterArb, customerArb, statsArb, (filter, customer, partial) => {
      const s =
        partial === undefined ? undefined : stats(JSON.parse(JSON.stringify(partial)) as Partial<CustomerStats>);
      const expected = evaluateSegmentReference(filter, customer, s, NOW);
      assert.equal(compileSegment(filter, { now: NOW })(customer, s), expected);
      assert.equal(explainSegment(filter, customer, s, NOW).matched, expected);
    }),
    { numRuns: 500 },
  );
});

test('bad segment filters are ValidationErrors naming the path', () => {
  assert.throws(
    () => compileSegment({ all: [{ field: 'stats.wonDeals', op: 'gte' }] } as unknown as Filter),
    (error: unknown) =>
      error instanceof ValidationError && error.issues.some((issue) => issue.path.join('.') === 'all.0.value'),
  );
});

function setup() {
  const storage = createMemoryStorage({ now: () => NOW });
  let n = 0;
  const context = createContext({
    storage,
    actor: { id: 'u1' },
    events: new CrmEvents(),
    clock: () => NOW,
    idGenerator: () => `id${String(++n).padStart(4, '0')}`,
    timeZone: 'UTC',
    currency: 'CNY',
  });
  const aggregates = createCustomerAggregates(context);
  const segments = createSegmentService(context, aggregates);
  return { storage, context, aggregates, segments };
}

test('service: saved segments — members push attributes down and read aggregates, never activities', async () => {
  const { storage, segments } = setup();
  for (let i = 0; i < 30; i++) {
    await storage.put(
      'customers',
      {
        id: `c${String(i).padStart(2, '0')}`,
        kind: 'person',
        name: `C ${i}`,
        country: i % 2 ? 'CN' : 'US',
        emails: [],
        phones: [],
        tags: i % 3 ? [] : ['vip'],
        lifecycleStage: 'lead',
        customFields: {},
      },
      { expectedVersion: 0 },
    );
    await storage.put(
      'customerStats',
      {
        ...emptyStats(`c${String(i).padStart(2, '0')}`),
        dealIds: [],
        recentActivityIds: [],
        wonDeals: i % 5,
        recentActivity: meetings(...Array.from({ length: i % 4 }, (_, k) => k + 1)),
      },
      { expectedVersion: 0 },
    );
  }
  const vip = await segments.create({
    name: 'Engaged Chinese VIPs',
    description: 'CN, vip, ≥ 3 meetings in 30 days',
    filter: {
      all: [
        { field: 'country', op: 'eq', value: 'CN' },
        { field: 'tags', op: 'hasAny', values: ['vip'] },
        { field: 'stats.activity.meeting.last30d', op: 'gte', value: 3 },
      ],
    },
  });
  const reference = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 === 0 && i % 4 >= 3);
  const calls: [string, string][] = [];
  const spied = new Proxy(storage, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' && typeof key === 'string'
        ? (...args: unknown[]) => {
            calls.push([key, String(args[0])]);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          }
        : value;
    },
  });
  const spiedSegments = createSegmentService(
    { ...setup().context, storage: spied },
    createCustomerAggregates({ ...setup().context, storage: spied }),
  );
  const ids = await spiedSegments.memberIds({ filter: vip.filter });
  assert.deepEqual(
    ids,
    reference.map((i) => `c${String(i).padStart(2, '0')}`),
  );
  assert.ok(
    calls.every(([, collection]) => collection !== 'activities'),
    'never reads activities',
  );
  assert.deepEqual(await segments.memberIds(vip.id), ids);
  assert.equal(await segments.size(vip.id), ids.length);
  assert.equal(await segments.size({ filter: { field: 'country', op: 'eq', value: 'CN' } }), 15);
  const page = await segments.members(vip.id, { limit: 2 });
  assert.ok(page.next && page.records.every((c) => ids.includes(c.id)));

  const explained = await segments.explain(vip.id, ids[0] as string);
  assert.equal(explained.matched, true);
  assert.ok(!JSON.stringify(explained).includes('CN'), 'explanations carry no values');

  const cn = await segments.create({ name: 'China', filter: { field: 'country', op: 'eq', value: 'CN' } });
  const overlap = await segments.overlaps([vip.id, cn.id]);
  assert.equal(overlap.sizes[cn.id], 15);
  assert.deepEqual(overlap.overlaps, [
    { a: [vip.id, cn.id].sort()[0], b: [vip.id, cn.id].sort()[1], both: ids.length },
  ]);

  await assert.rejects(
    segments.create({ name: 'typo', filter: { field: 'stats.activity.meetings.last30d', op: 'gte', value: 1 } }),
    ValidationError,
  );
  await assert.rejects(segments.create({ name: 'bad', filter: { field: 'x', op: 'gt' } as never }), ValidationError);
});
