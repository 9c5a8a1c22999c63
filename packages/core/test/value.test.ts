import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  averageOrderValue,
  lifetimeValue,
  purchaseFrequency,
  quintiles,
  rfmScores,
  type WonDealFact,
} from '../src/value/index.js';

const NOW = new Date('2026-06-30T00:00:00.000Z');
const deals: WonDealFact[] = [
  { amountMinor: 100_00, currency: 'CNY', closedAt: '2026-06-01T00:00:00Z' },
  { amountMinor: 300_00, currency: 'CNY', closedAt: '2025-12-01T00:00:00Z' },
  { amountMinor: 50_00, currency: 'USD', closedAt: '2024-01-01T00:00:00Z' },
];

test('lifetime value sums won deals per currency, never across currencies', () => {
  assert.deepEqual(lifetimeValue(deals), { CNY: 400_00, USD: 50_00 });
  assert.deepEqual(lifetimeValue([]), {});
});

test('average order value per currency, rounded to minor units', () => {
  assert.deepEqual(averageOrderValue(deals), { CNY: 200_00, USD: 50_00 });
  assert.deepEqual(
    averageOrderValue([
      { amountMinor: 1, currency: 'CNY' },
      { amountMinor: 2, currency: 'CNY' },
    ]),
    {
      CNY: 2,
    },
  );
});

test('purchase frequency counts won deals in the window, per year', () => {
  assert.equal(purchaseFrequency(deals, NOW), 2);
  assert.equal(purchaseFrequency(deals, NOW, 73), 5); // one deal in 73 days ≙ 5 a year
  assert.equal(purchaseFrequency([{ amountMinor: 1, currency: 'CNY' }], NOW), 0);
  assert.throws(() => purchaseFrequency(deals, NOW, 0), RangeError);
});

test('quintiles: equal values share a quintile; ranks spread 1…5', () => {
  assert.deepEqual(quintiles([10, 20, 30, 40, 50]), [1, 2, 3, 4, 5]);
  assert.deepEqual(quintiles([5, 5, 5, 5, 5]), [1, 1, 1, 1, 1]);
  assert.deepEqual(quintiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  assert.deepEqual(quintiles([]), []);
});

test('property: quintiles are in 1…5, monotone in the value, and order-independent', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 60 }), (values) => {
      const q = quintiles(values);
      for (let i = 0; i < values.length; i++) {
        assert.ok((q[i] as number) >= 1 && (q[i] as number) <= 5);
        for (let j = 0; j < values.length; j++) {
          if ((values[i] as number) < (values[j] as number)) assert.ok((q[i] as number) <= (q[j] as number));
          if (values[i] === values[j]) assert.equal(q[i], q[j]);
        }
      }
      const reversed = quintiles([...values].reverse()).reverse();
      assert.deepEqual(reversed, q);
    }),
  );
});

test('RFM: recent, frequent, big spenders score 555; never bought scores lowest recency', () => {
  const scores = rfmScores(
    [
      { id: 'a', lastPurchaseAt: '2026-06-29T00:00:00Z', frequency: 10, monetary: 10_000 },
      { id: 'b', lastPurchaseAt: '2026-05-01T00:00:00Z', frequency: 5, monetary: 5_000 },
      { id: 'c', lastPurchaseAt: '2026-01-01T00:00:00Z', frequency: 3, monetary: 3_000 },
      { id: 'd', lastPurchaseAt: '2025-01-01T00:00:00Z', frequency: 2, monetary: 1_000 },
      { id: 'e', frequency: 0, monetary: 0 },
    ],
    NOW,
  );
  assert.deepEqual(scores.get('a'), { r: 5, f: 5, m: 5, score: 555 });
  assert.deepEqual(scores.get('c'), { r: 3, f: 3, m: 3, score: 333 });
  assert.deepEqual(scores.get('e'), { r: 1, f: 1, m: 1, score: 111 });
});
