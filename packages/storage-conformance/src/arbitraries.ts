/**
 * fast-check arbitraries for the property cases: records over a small, collision-prone value space (so filters
 * actually match and orders actually tie) and filters over the same fields, with every operator of the language.
 */
import fc from 'fast-check';
import type { Filter, Scalar } from '@crmkit/core';
import { T0 } from './harness.js';

const DAY = 86_400_000;

const names = fc.constantFrom('Ada', 'ada', 'Adam', 'Bob', 'Li Wei', '张伟', '', 'ZHANG');
const numbers = fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constantFrom(0.5, -0.25, 1000));
const instants = fc
  .integer({ min: -40, max: 40 })
  .map((days) => new Date(T0 + days * DAY + (days % 3) * 3_600_000).toISOString());
const tags = fc.constantFrom('vip', 'cn', 'us', 'new');
const statuses = fc.constantFrom('open', 'won', 'lost');
const regions = fc.constantFrom('north', 'south');

/** A record with an id and any subset of the fields; values are sometimes `null`. */
export const recordArbitrary = (id: string) =>
  fc.record(
    {
      id: fc.constant(id),
      name: fc.option(names, { freq: 6 }),
      n: fc.option(numbers, { freq: 6 }),
      flag: fc.boolean(),
      tags: fc.array(tags, { maxLength: 3 }),
      at: fc.option(instants, { freq: 6 }),
      status: statuses,
      nested: fc.record({ region: regions }, { requiredKeys: [] }),
    },
    { requiredKeys: ['id'] },
  );

/** 0 to `max` records with distinct ids. */
export const recordsArbitrary = (max = 25) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 999 }), { maxLength: max })
    .chain((ids) => fc.tuple(...ids.map((i) => recordArbitrary(`r${String(i).padStart(3, '0')}`))));

const fields = ['id', 'name', 'n', 'flag', 'tags', 'at', 'status', 'nested.region', 'missing'] as const;

/** Record ids as `recordsArbitrary` makes them, and strings just beside them. */
const ids = fc.oneof(
  fc.integer({ min: 0, max: 999 }).map((i) => `r${String(i).padStart(3, '0')}`),
  fc.constantFrom('r', 'r5', 'r999z', 's', 'R100'),
);

/** Operands of every type for every field, so mismatched types are exercised too. */
const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  { arbitrary: names, weight: 2 },
  { arbitrary: numbers, weight: 2 },
  { arbitrary: instants, weight: 2 },
  { arbitrary: tags, weight: 1 },
  { arbitrary: statuses, weight: 1 },
  { arbitrary: regions, weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: ids, weight: 1 },
);

const field = fc.constantFrom(...fields);
const text = fc.oneof(names, tags, statuses, fc.constantFrom('a', 'A', 'Li', 'v', ''));

const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field, op: fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte' as const), value: scalar }),
  fc.record({
    field,
    op: fc.constantFrom('in', 'nin', 'hasAny', 'hasAll' as const),
    values: fc.array(scalar, { maxLength: 4 }),
  }),
  fc.record({ field, op: fc.constant('between' as const), min: scalar, max: scalar }),
  fc.record(
    { field, op: fc.constantFrom('contains', 'startsWith' as const), value: text, caseSensitive: fc.boolean() },
    { requiredKeys: ['field', 'op', 'value'] },
  ),
  fc.record({ field, op: fc.constant('exists' as const), value: fc.boolean() }),
  fc.record({
    field,
    op: fc.constantFrom('withinLast', 'olderThan' as const),
    amount: fc.integer({ min: 0, max: 45 }),
    unit: fc.constantFrom('hours', 'days', 'weeks' as const),
  }),
) as fc.Arbitrary<Filter>;

/** Filters up to three levels of `all` / `any` / `not` deep. */
export const filterArbitrary: fc.Arbitrary<Filter> = fc.letrec<{ node: Filter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leaf, weight: 4 },
    { arbitrary: fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }), weight: 1 },
    { arbitrary: fc.record({ any: fc.array(tie('node'), { maxLength: 3 }) }), weight: 1 },
    { arbitrary: fc.record({ not: tie('node') }), weight: 1 },
  ),
})).node;

/** Sort keys over the same fields, with directions. */
export const orderByArbitrary = fc.array(
  fc.record(
    {
      field: fc.constantFrom('id', 'name', 'n', 'flag', 'at', 'status', 'nested.region'),
      direction: fc.constantFrom('asc', 'desc' as const),
    },
    { requiredKeys: ['field'] },
  ),
  { maxLength: 2 },
);
