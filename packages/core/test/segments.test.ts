import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CrmEvents, ValidationError, createMemoryStorage, type Filter } from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { createCustomerAggregates } from '../src/customers/aggregates.service.js';
import { createSegmentService } from '../src/segments/segment.service.js';
import {
  compileSegment,
  emptyStats,
  evaluateSegmentReference,
  explainSegment,
  segmentOverlaps,
  splitSegment,
  type CustomerStats,
} from '../src/segments/index.js';
import { filterTree } from './support/filter-tree.js';

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
const filterArb: fc.Arbitrary<Filter> = filterTree(leafArb);
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
    actor: { id: 'u1', role: 'admin' },
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

// ---- own properties only, on every specialised path of the segment compiler ---------------------------------------

/** A naive evaluation of the leaves below, reading own properties only: what compiled segments must agree with. */
function ownGet(record: unknown, path: string): unknown {
  let value = record;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function naive(filter: Filter, customer: unknown, stats: unknown): boolean {
  if ('all' in filter) return filter.all.every((child) => naive(child, customer, stats));
  if ('any' in filter) return filter.any.some((child) => naive(child, customer, stats));
  if ('not' in filter) return !naive(filter.not, customer, stats);
  const v = filter.field.startsWith('stats.') ? ownGet(stats, filter.field.slice(6)) : ownGet(customer, filter.field);
  switch (filter.op) {
    case 'eq':
      return v === filter.value;
    case 'ne':
      return v !== filter.value;
    case 'in':
      return filter.values.includes(v as never);
    case 'nin':
      return !filter.values.includes(v as never);
    case 'hasAny':
      return Array.isArray(v) && filter.values.some((x) => v.some((e: unknown) => e === x));
    case 'gt':
      return typeof v === 'number' && v > (filter.value as number);
    case 'gte':
      return typeof v === 'number' && v >= (filter.value as number);
    case 'lt':
      return typeof v === 'number' && v < (filter.value as number);
    case 'lte':
      return typeof v === 'number' && v <= (filter.value as number);
    default:
      throw new Error(`naive: unsupported ${filter.op}`);
  }
}

// Names that every plain object inherits from Object.prototype, and ordinary ones; one, two and three segments.
const OWN_FIELDS = ['country', 'tags', 'score', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];
const ownField = fc.oneof(
  fc.constantFrom(...OWN_FIELDS),
  fc.constantFrom(...OWN_FIELDS).map((key) => `nested.${key}`),
  fc.constantFrom('nested.deeper.country', 'nested.deeper.toString', 'tags.0'),
  fc.constantFrom(...OWN_FIELDS).map((key) => `stats.${key}`),
  fc.constantFrom('stats.nested.country', 'stats.nested.valueOf'),
);
const ownText = fc.constantFrom('CN', 'US', 'DE', 'vip', 'new');
const ownNumber = fc.constantFrom(-1, 0, 1, 2.5, 100);
const ownOperand = fc.oneof(ownText, ownNumber, fc.boolean());
const ownLeaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field: ownField, op: fc.constantFrom('eq', 'ne'), value: ownOperand }),
  // Zero to four values: the direct comparisons (one or two) and the loop.
  fc.record({ field: ownField, op: fc.constantFrom('in', 'nin'), values: fc.array(ownOperand, { maxLength: 4 }) }),
  fc.record({
    field: ownField,
    op: fc.constant('hasAny'),
    values: fc.array(ownOperand, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ field: ownField, op: fc.constantFrom('gt', 'gte', 'lt', 'lte'), value: ownNumber }),
) as fc.Arbitrary<Filter>;
const ownFilter: fc.Arbitrary<Filter> = filterTree(ownLeaf, 5);

/** Counts calls of the getters on the class prototype below: a compiled segment must never call one. */
let inheritedGetterCalls = 0;
class WithGetters {}
for (const key of [...OWN_FIELDS, 'nested', 'deeper']) {
  Object.defineProperty(WithGetters.prototype, key, {
    get() {
      inheritedGetterCalls++;
      return key === 'tags' ? ['vip'] : 'CN';
    },
  });
}

/** `target` with `fields` as own data properties (defined, not assigned: assignment would hit inherited setters). */
function withOwn(target: object, fields: Record<string, unknown>): object {
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return target;
}

const ownValue = fc.oneof(ownOperand, fc.array(ownOperand, { maxLength: 3 }), fc.constant(undefined));
/** Own values for some of the fields, then one of several prototypes that offer values (or getters) for all of them. */
const ownRecord = (depth: number): fc.Arbitrary<unknown> =>
  fc
    .tuple(
      fc.dictionary(fc.constantFrom(...OWN_FIELDS), ownValue, { maxKeys: 4 }),
      depth > 0 ? fc.option(ownRecord(depth - 1), { nil: undefined }) : fc.constant(undefined),
      fc.constantFrom('plain', 'null', 'inherits', 'getters', 'json'),
    )
    .map(([own, nested, proto]) => {
      const fields: Record<string, unknown> = { ...own };
      if (nested !== undefined) fields[depth === 2 ? 'nested' : 'deeper'] = nested;
      switch (proto) {
        case 'plain':
          return fields;
        case 'null':
          return withOwn(Object.create(null) as object, fields);
        case 'inherits':
          return withOwn(Object.create({ country: 'CN', tags: ['vip'], score: 1, toString: 'CN' }) as object, fields);
        case 'getters':
          return withOwn(Object.create(WithGetters.prototype) as object, fields);
        default:
          // A JSON `__proto__` key is an own data property, as is `constructor`.
          return JSON.parse(
            JSON.stringify({ ...fields, constructor: 'CN' }).replace(/^\{/, '{"__proto__":{"country":"CN"},'),
          ) as unknown;
      }
    });

test('property: compiled segments read own properties only, whatever the prototype', () => {
  inheritedGetterCalls = 0;
  fc.assert(
    fc.property(ownFilter, ownRecord(2), ownRecord(2), (filter, customer, stats) => {
      const member = compileSegment(filter, { now: NOW })(customer, stats as CustomerStats);
      assert.equal(member, naive(filter, customer, stats), JSON.stringify(filter));
    }),
    { numRuns: 2000 },
  );
  assert.equal(inheritedGetterCalls, 0, 'no getter up the prototype chain was called');
});

test('fixture: inherited names and prototypes on every specialised leaf', () => {
  const bare = Object.assign(Object.create(null) as object, { country: 'CN', toString: 'CN', tags: ['vip'], score: 5 });
  const inherits = Object.create({ country: 'CN', toString: 'CN', tags: ['vip'], score: 5 }) as object;
  const json = JSON.parse('{"__proto__": {"country": "CN"}, "constructor": "CN", "hasOwnProperty": "CN"}') as object;
  inheritedGetterCalls = 0;
  const getters = new WithGetters();
  const cases: [Filter, unknown, boolean][] = [
    [{ field: 'country', op: 'eq', value: 'CN' }, bare, true],
    [{ field: 'country', op: 'eq', value: 'CN' }, inherits, false],
    [{ field: 'country', op: 'in', values: ['CN'] }, inherits, false],
    [{ field: 'country', op: 'in', values: ['CN', 'US'] }, getters, false],
    [{ field: 'country', op: 'nin', values: ['CN', 'US', 'DE'] }, inherits, true],
    [{ field: 'country', op: 'in', values: [] }, bare, false],
    [{ field: 'country', op: 'nin', values: [] }, bare, true],
    [{ field: 'country', op: 'eq', value: 'CN' }, json, false],
    [{ field: 'toString', op: 'eq', value: 'CN' }, bare, true],
    [{ field: 'toString', op: 'eq', value: 'CN' }, inherits, false],
    [{ field: 'toString', op: 'ne', value: 'CN' }, {}, true],
    [{ field: 'hasOwnProperty', op: 'in', values: ['CN', 'US'] }, json, true],
    [{ field: 'valueOf', op: 'nin', values: ['CN'] }, {}, true],
    [{ field: 'tags', op: 'hasAny', values: ['vip'] }, bare, true],
    [{ field: 'tags', op: 'hasAny', values: ['vip'] }, inherits, false],
    [{ field: 'tags', op: 'hasAny', values: ['vip', 'new'] }, getters, false],
    [{ field: 'score', op: 'gte', value: 1 }, bare, true],
    [{ field: 'score', op: 'gte', value: 1 }, inherits, false],
    [{ field: 'score', op: 'lt', value: 10 }, getters, false],
    [{ field: 'nested.country', op: 'eq', value: 'CN' }, { nested: bare }, true],
    [{ field: 'nested.country', op: 'eq', value: 'CN' }, { nested: inherits }, false],
    [{ field: 'nested.country', op: 'eq', value: 'CN' }, Object.create({ nested: bare }), false],
    [{ field: 'nested.toString', op: 'in', values: ['CN', 'US'] }, { nested: {} }, false],
    [{ field: 'nested.deeper.country', op: 'eq', value: 'CN' }, { nested: { deeper: bare } }, true],
    [{ field: 'nested.deeper.country', op: 'eq', value: 'CN' }, { nested: { deeper: getters } }, false],
    // `stats.` fields read the aggregate record.
    [{ field: 'stats.toString', op: 'eq', value: 'CN' }, inherits, false],
    [{ field: 'stats.country', op: 'in', values: ['CN', 'US'] }, inherits, false],
    [{ field: 'stats.country', op: 'in', values: ['CN', 'US'] }, bare, true],
  ];
  for (const [filter, record, expected] of cases) {
    const member = compileSegment(filter, { now: NOW });
    const onStats = 'field' in filter && filter.field.startsWith('stats.');
    const matched = onStats ? member({}, record as CustomerStats) : member(record, undefined);
    assert.equal(matched, expected, JSON.stringify(filter));
  }
  assert.equal(inheritedGetterCalls, 0, 'no getter up the prototype chain was called');
});
