import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError, rottingDeals, type FunnelDeal } from '@crmkit/core';
import { pipeline } from './funnel-fixtures.js';

const DAY = 86_400_000;
const AS_OF = Date.parse('2026-03-01T00:00:00.000Z');
const ago = (days: number) => new Date(AS_OF - days * DAY).toISOString();

const deal = (id: string, stageId: string, extra: Partial<FunnelDeal> = {}): FunnelDeal => ({
  id,
  pipelineId: 'p1',
  stageId,
  amount: { amountMinor: 1, currency: 'CNY' },
  createdAt: ago(100),
  ...extra,
});

test('idle time counts from stageEnteredAt, else updatedAt, else createdAt; exactly the limit is not rotting', () => {
  const found = rottingDeals(
    [
      deal('a', 'opp', { stageEnteredAt: ago(11), updatedAt: ago(1) }),
      deal('b', 'opp', { updatedAt: ago(12) }),
      deal('c', 'opp', { createdAt: ago(13) }),
      deal('d', 'opp', { stageEnteredAt: ago(10) }),
      deal('e', 'prop', { stageEnteredAt: new Date(AS_OF - 5 * DAY - 1).toISOString(), ownerId: 'u1' }),
    ],
    pipeline,
    { asOf: new Date(AS_OF) },
  );
  assert.deepEqual(found, {
    count: 4,
    deals: [
      { dealId: 'c', stageId: 'opp', idleDays: 13, rottingDays: 10 },
      { dealId: 'b', stageId: 'opp', idleDays: 12, rottingDays: 10 },
      { dealId: 'a', stageId: 'opp', idleDays: 11, rottingDays: 10 },
      { dealId: 'e', stageId: 'prop', ownerId: 'u1', idleDays: 5 + 1 / DAY, rottingDays: 5 },
    ],
  });
});

test('only open stages with rotting days, of this pipeline; ties by id; the limit keeps the longest idle', () => {
  const deals = [
    deal('z', 'opp', { stageEnteredAt: ago(20) }),
    deal('y', 'opp', { stageEnteredAt: ago(20) }),
    deal('x', 'opp', { stageEnteredAt: ago(30), pipelineId: 'p2' }),
    deal('w', 'won', { stageEnteredAt: ago(90) }),
    deal('v', 'gone', { stageEnteredAt: ago(90) }),
    deal('u', 'opp', { stageEnteredAt: ago(25) }),
  ];
  const all = rottingDeals(deals, pipeline, { asOf: '2026-03-01T00:00:00.000Z' });
  assert.deepEqual(
    all.deals.map((d) => d.dealId),
    ['u', 'y', 'z'],
  );
  assert.deepEqual(rottingDeals(deals, pipeline, { asOf: new Date(AS_OF), limit: 2 }), {
    count: 3,
    deals: all.deals.slice(0, 2),
  });
  assert.deepEqual(rottingDeals(deals, pipeline, { asOf: new Date(AS_OF), limit: 0 }), { count: 3, deals: [] });
  const many = Array.from({ length: 101 }, (_, i) => deal(`d${String(i).padStart(3, '0')}`, 'opp'));
  const capped = rottingDeals(many, pipeline, { asOf: new Date(AS_OF) });
  assert.equal(capped.count, 101);
  assert.equal(capped.deals.length, 100, 'at most 100 by default');
  assert.equal(capped.deals.at(-1)?.dealId, 'd099');
  const noRot = { id: 'p1', stages: pipeline.stages.map(({ rottingDays: _unused, ...stage }) => stage) };
  assert.deepEqual(rottingDeals(deals, noRot, { asOf: new Date(AS_OF) }), { count: 0, deals: [] });
});

test('bad options and timestamps are named', () => {
  const fields = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      return `${error.fields.join()} | ${error.message}`;
    }
    assert.fail('expected a ValidationError');
  };
  assert.match(
    fields(() => rottingDeals([], pipeline, { asOf: new Date(AS_OF), limit: -1 })),
    /^limit \| .*rotting options/,
  );
  assert.match(
    fields(() =>
      rottingDeals([deal('a', 'opp'), deal('b', 'opp', { updatedAt: 'never' })], pipeline, { asOf: ago(0) }),
    ),
    /^deals\.1\.updatedAt \| /,
  );
});
