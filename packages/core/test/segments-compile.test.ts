import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Filter } from '@crmkit/core';
import { compileSegment, emptyStats, evaluateSegmentReference, type CustomerStats } from '../src/segments/index.js';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Canonical text, text of the canonical shape that names no date (Feb 30, hour 24, letters), and other spellings. */
const instantText: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }).map((ms) => new Date(ms).toISOString()),
  fc
    .tuple(
      fc.integer({ min: 2024, max: 2027 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 24 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 999 }),
    )
    .map(([y, mo, d, h, mi, ms]) => `${y}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:00.${pad(ms, 3)}Z`),
  fc
    .tuple(
      fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }),
      fc.nat(23),
      fc.constantFrom('a', ' ', '9'),
    )
    .map(([ms, at, ch]) => {
      const text = new Date(ms).toISOString();
      return text.slice(0, at) + ch + text.slice(at + 1);
    }),
  fc
    .tuple(
      fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }),
      fc.constantFrom('+08:00', '-05:30', '+00:00', 'z', ''),
    )
    .map(([ms, zone]) => new Date(ms).toISOString().slice(0, 19) + (zone === '' ? 'Z' : zone)),
  fc.constantFrom(
    '0000-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2026-03-01T00:00:00.000Z',
    '2025-03-01T00:00:00.000Z',
    '2025-02-29T00:00:00.000Z',
  ),
  fc.constantFrom(undefined, null, 0, 1_700_000_000_000, ''),
);

const nowArb = fc.oneof(
  fc.integer({ min: Date.UTC(2024, 6, 1), max: Date.UTC(2026, 6, 1) }),
  fc.constantFrom(Date.UTC(2026, 2, 1), Date.UTC(9999, 11, 31, 23), Date.UTC(10_000, 5, 1), Date.UTC(0, 0, 10)),
);

const timeLeaf = fc.record({
  field: fc.constantFrom('seenAt', 'nested.seenAt', 'stats.lastPurchaseAt', 'stats.nested.lastPurchaseAt'),
  op: fc.constantFrom('withinLast' as const, 'olderThan' as const),
  amount: fc.oneof(fc.integer({ min: 0, max: 800 }), fc.constantFrom(0.5, 1e9)),
  unit: fc.constantFrom('minutes' as const, 'hours' as const, 'days' as const, 'weeks' as const),
});

test('property: the instant fast path agrees with the reference on canonical, non-canonical and invalid text', () => {
  fc.assert(
    fc.property(timeLeaf, fc.boolean(), instantText, nowArb, (leaf, negate, value, nowMs) => {
      const filter: Filter = negate ? { not: leaf } : leaf;
      const now = new Date(nowMs);
      const customer = { seenAt: value, nested: { seenAt: value } };
      const stats: CustomerStats = { ...emptyStats('c'), lastPurchaseAt: value as string };
      const withNested = { ...stats, nested: { lastPurchaseAt: value } } as CustomerStats;
      for (const s of [stats, withNested, undefined]) {
        assert.equal(
          compileSegment(filter, { now })(customer, s),
          evaluateSegmentReference(filter, customer, s, now),
          `${JSON.stringify(filter)} on ${JSON.stringify(value)} at ${now.toISOString()}`,
        );
      }
    }),
    { numRuns: 3000 },
  );
});

test('fixture: the window bounds are inclusive, and dates that do not exist are no instants', () => {
  const now = new Date('2026-03-01T00:00:00.000Z');
  const within = compileSegment({ field: 'at', op: 'withinLast', amount: 365, unit: 'days' }, { now });
  const older = compileSegment({ field: 'stats.at', op: 'olderThan', amount: 1, unit: 'days' }, { now });
  const at = (value: string): { at: string } => ({ at: value });
  assert.equal(within(at('2025-03-01T00:00:00.000Z'), undefined), true);
  assert.equal(within(at('2026-03-01T00:00:00.000Z'), undefined), true);
  assert.equal(within(at('2026-03-01T00:00:00.001Z'), undefined), false);
  assert.equal(within(at('2025-02-28T23:59:59.999Z'), undefined), false);
  assert.equal(within(at('2026-02-30T00:00:00.000Z'), undefined), false);
  assert.equal(within(at('2026-02-28T24:00:00.000Z'), undefined), false);
  assert.equal(within(at('2026-02-28T08:00:00+08:00'), undefined), true);
  assert.equal(older({}, at('2026-02-27T23:59:59.999Z') as unknown as CustomerStats), true);
  assert.equal(older({}, at('2026-02-28T00:00:00.000Z') as unknown as CustomerStats), false);
  assert.equal(older({}, at('2025-02-29T00:00:00.000Z') as unknown as CustomerStats), false);
  assert.throws(() =>
    compileSegment({ field: 'at', op: 'withinLast', amount: 1, unit: 'days' }, { now: new Date(NaN) }),
  );
});
