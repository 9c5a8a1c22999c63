// Edges of the reference filter evaluator that filter.test.ts does not pin: exact and exclusive bounds, null bounds,
// instant bounds in other spellings, long operand lists, array holes, and `now` at the ends of the canonical range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError, compileFilter, type Filter } from '@crmkit/core';

const now = new Date('2026-03-01T12:00:00.000Z');
const matches = (filter: Filter, record: unknown, at: Date = now): boolean =>
  compileFilter(filter, { now: at })(record);

test('a string equal to an exclusive upper or lower bound is outside; equal to an inclusive one, inside', () => {
  assert.equal(matches({ field: 's', op: 'lt', value: 'm' }, { s: 'm' }), false);
  assert.equal(matches({ field: 's', op: 'lte', value: 'm' }, { s: 'm' }), true);
  assert.equal(matches({ field: 's', op: 'gt', value: 'm' }, { s: 'm' }), false);
  assert.equal(matches({ field: 's', op: 'gte', value: 'm' }, { s: 'm' }), true);
  assert.equal(matches({ field: 's', op: 'between', min: 'b', max: 'm' }, { s: 'm' }), true);
  assert.equal(matches({ field: 's', op: 'lt', value: 'm' }, { s: 'l~' }), true);
});

test('a null bound matches nothing, not even strings that compare with null as numbers', () => {
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    for (const s of ['1', '0', '-1', 1, 0]) {
      assert.equal(matches({ field: 's', op, value: null }, { s }), false, `${op} null on ${JSON.stringify(s)}`);
    }
  }
  assert.equal(matches({ field: 's', op: 'between', min: null, max: '5' }, { s: '1' }), false);
  assert.equal(matches({ field: 's', op: 'between', min: '0', max: null }, { s: '1' }), false);
  assert.equal(matches({ not: { field: 's', op: 'gt', value: null } }, { s: '1' }), true);
});

test('an instant bound in another spelling compares by time with canonical record instants', () => {
  // 08:00 in Shanghai is midnight UTC; as strings, '2026-01-01T05…' sorts before '2026-01-01T08…'.
  const shanghai = '2026-01-01T08:00:00+08:00';
  const record = { at: '2026-01-01T05:00:00.000Z' };
  assert.equal(matches({ field: 'at', op: 'gt', value: shanghai }, record), true);
  assert.equal(matches({ field: 'at', op: 'lt', value: shanghai }, record), false);
  assert.equal(matches({ field: 'at', op: 'between', min: '2026-01-01T00:00:00.000Z', max: shanghai }, record), false);
  assert.equal(matches({ field: 'at', op: 'between', min: shanghai, max: '2026-01-02T00:00:00.000Z' }, record), true);
  assert.equal(matches({ field: 'at', op: 'gte', value: shanghai }, { at: '2026-01-01T00:00:00.000Z' }), true);
});

test('between a plain-string lower bound and an instant: a value equal to the plain bound is inside', () => {
  const filter: Filter = { field: 'v', op: 'between', min: '2000 Q1', max: '2026-01-01T00:00:00.000Z' };
  assert.equal(matches(filter, { v: '2000 Q1' }), true);
  assert.equal(matches(filter, { v: '1999 Q4' }), false);
});

test('hasAny: one operand, a long list (kept in a set), instants among long lists, and holes', () => {
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: ['vip'] }, { tags: ['new', 'vip'] }), true);
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: ['vip'] }, { tags: ['new'] }), false);
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: ['vip'] }, { tags: [] }), false);
  const many = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: many }, { tags: ['x', 'i'] }), true);
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: many }, { tags: ['x', 'y'] }), false);
  assert.equal(
    matches({ field: 'tags', op: 'hasAny', values: many }, { tags: ['2026-01-01T00:00:00.000Z', 'a'] }),
    true,
    'an instant element among plain operands is simply not one of them',
  );
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: many }, { tags: ['2026-01-01T00:00:00.000Z'] }), false);
  // Holes (and undefined elements) are neither an operand nor a null element.
  // eslint-disable-next-line no-sparse-arrays
  const holey = [, 'x'];
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: ['a', 'b'] }, { tags: holey }), false);
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: ['a', 'b'] }, { tags: [undefined] }), false);
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: [null, ...many] }, { tags: holey }), false);
  assert.equal(matches({ field: 'tags', op: 'hasAny', values: [null, ...many] }, { tags: [null] }), true);
  assert.equal(
    matches({ field: 'tags', op: 'hasAny', values: [null, '2026-01-01T00:00:00Z'] }, { tags: [undefined] }),
    false,
  );
});

test('hasAll with an instant operand: another instant or a plain string is not it', () => {
  const filter: Filter = { field: 'days', op: 'hasAll', values: ['2026-01-01T00:00:00Z'] };
  assert.equal(matches(filter, { days: ['2026-01-01T08:00:00+08:00'] }), true);
  assert.equal(matches(filter, { days: ['2026-01-02T00:00:00.000Z'] }), false);
  assert.equal(matches(filter, { days: ['holiday'] }), false);
  assert.equal(matches(filter, { days: [] }), false);
});

test('withinLast: an instant exactly at the cutoff or at now is inside; later, in any spelling, is not', () => {
  const day: Filter = { field: 'at', op: 'withinLast', amount: 1, unit: 'days' };
  assert.equal(matches(day, { at: '2026-02-28T12:00:00.000Z' }), true, 'exactly one day before now');
  assert.equal(matches(day, { at: '2026-02-28T11:59:59.999Z' }), false);
  assert.equal(matches(day, { at: '2026-03-01T12:00:00.000Z' }), true, 'exactly now');
  assert.equal(matches(day, { at: '2026-03-01T12:00:00.001Z' }), false);
  assert.equal(matches(day, { at: '2026-03-01T20:00:01+08:00' }), false, 'after now, not in canonical form');
  assert.equal(matches(day, { at: '2026-03-01T20:00:00+08:00' }), true, 'now, not in canonical form');
  const older: Filter = { field: 'at', op: 'olderThan', amount: 1, unit: 'days' };
  assert.equal(matches(older, { at: '2026-02-28T12:00:00.000Z' }), false, 'exactly at the cutoff is not older');
  assert.equal(matches(older, { at: '2026-02-28T11:59:59.999Z' }), true);
});

test('withinLast when now or the cutoff has no canonical spelling (beyond year 9999 or before year 0)', () => {
  const far = new Date('+010000-01-01T00:00:00.000Z');
  const recent: Filter = { field: 'at', op: 'withinLast', amount: 1, unit: 'weeks' };
  assert.equal(matches(recent, { at: '9999-12-31T00:00:00.000Z' }, far), true);
  const ages: Filter = { field: 'at', op: 'withinLast', amount: 200_000, unit: 'weeks' };
  assert.equal(matches(ages, { at: '2000-01-01T00:00:00.000Z' }, new Date('2026-01-01T00:00:00.000Z')), true);
  const ancient: Filter = { field: 'at', op: 'olderThan', amount: 200_000, unit: 'weeks' };
  assert.equal(matches(ancient, { at: '0001-01-01T00:00:00.000Z' }, new Date('2026-01-01T00:00:00.000Z')), false);
});

test('an invalid now is refused, naming the option', () => {
  assert.throws(
    () => compileFilter({ field: 'a', op: 'exists', value: true }, { now: new Date(Number.NaN) }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields, ['now']);
      assert.match(error.message, /filter options/);
      assert.match(error.message, /Expected a valid Date/);
      return true;
    },
  );
});
