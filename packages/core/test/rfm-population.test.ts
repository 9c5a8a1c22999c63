import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCrm, createMemoryStorage, quintiles, rfmScores, type Crm, type RfmInput } from '@crmkit/core';

// refreshRfm ranks every customer: one with no deal or activity has no aggregate yet, and still gets a score (the
// lowest: never bought, nothing spent) and counts in everyone else's quintiles.

const NOW = new Date('2026-06-30T00:00:00.000Z');
const DAY = 86_400_000;

async function newCrm(): Promise<Crm> {
  const storage = createMemoryStorage({ now: () => NOW });
  return createCrm({ storage, actor: { id: 'admin-1', role: 'admin' }, currency: 'CNY', clock: () => NOW });
}

/** Creates a customer with the given won deals (amount in minor units, days before NOW); none means no history. */
async function customerWith(crm: Crm, name: string, won: readonly { amount: number; daysAgo: number }[]) {
  const customer = await crm.customers.create({ kind: 'person', name });
  for (const deal of won) {
    await crm.deals.create({
      title: `${name} order`,
      customerId: customer.id,
      pipelineId: 'default',
      stageId: 'won',
      status: 'won',
      amount: { amountMinor: deal.amount, currency: 'CNY' },
      closedAt: new Date(NOW.getTime() - deal.daysAgo * DAY).toISOString(),
    });
  }
  return customer.id;
}

test('refreshRfm scores customers without any history lowest, and they count in the others’ quintiles', async () => {
  const crm = await newCrm();
  const withHistory = await customerWith(crm, 'Buyer', [{ amount: 100_000, daysAgo: 3 }]);
  const quiet = [];
  for (let i = 0; i < 4; i++) quiet.push(await customerWith(crm, `Quiet ${i}`, []));
  await crm.aggregates.settled();
  // Before ranking, the quiet customers have no aggregate at all.
  assert.deepEqual(await crm.aggregates.getMany(quiet), [undefined, undefined, undefined, undefined]);

  assert.equal(await crm.aggregates.refreshRfm('CNY'), 5);

  // Five customers: the buyer is the best fifth; the four without history tie at the lowest rank.
  assert.deepEqual((await crm.aggregates.get(withHistory))?.rfm, { r: 5, f: 5, m: 5, score: 555 });
  for (const id of quiet) {
    const stats = await crm.aggregates.get(id);
    assert.deepEqual(stats?.rfm, { r: 1, f: 1, m: 1, score: 111 });
    assert.equal(stats?.wonDeals, 0);
    assert.equal(stats?.activityCount, 0);
  }
  // Nothing changed, nothing is rewritten.
  assert.equal(await crm.aggregates.refreshRfm('CNY'), 0);
  await crm.dispose();
});

test('a customer who later buys keeps the score until the next refresh, then is ranked on its history', async () => {
  const crm = await newCrm();
  const a = await customerWith(crm, 'A', []);
  const b = await customerWith(crm, 'B', []);
  await crm.aggregates.refreshRfm('CNY');
  assert.equal((await crm.aggregates.get(a))?.rfm?.score, 111);
  await crm.deals.create({
    title: 'First order',
    customerId: a,
    pipelineId: 'default',
    stageId: 'won',
    status: 'won',
    amount: { amountMinor: 5_000, currency: 'CNY' },
    closedAt: NOW.toISOString(),
  });
  await crm.aggregates.settled();
  assert.equal((await crm.aggregates.get(a))?.wonDeals, 1);
  await crm.aggregates.refreshRfm('CNY');
  // Two customers: ranks 0 and 1 of 2 fall in quintiles 1 and 3.
  assert.deepEqual((await crm.aggregates.get(a))?.rfm, { r: 3, f: 3, m: 3, score: 333 });
  assert.deepEqual((await crm.aggregates.get(b))?.rfm, { r: 1, f: 1, m: 1, score: 111 });
  await crm.dispose();
});

const population = fc.array(
  fc.array(fc.record({ amount: fc.integer({ min: 1, max: 1_000_000 }), daysAgo: fc.integer({ min: 0, max: 900 }) }), {
    maxLength: 3,
  }),
  { minLength: 1, maxLength: 12 },
);

test('property: every customer gets exactly one score, ranked over the whole population', async () => {
  await fc.assert(
    fc.asyncProperty(population, async (histories) => {
      const crm = await newCrm();
      const ids: string[] = [];
      for (const [i, won] of histories.entries()) ids.push(await customerWith(crm, `C${i}`, won));
      await crm.aggregates.settled();
      await crm.aggregates.refreshRfm('CNY');

      const all = await crm.aggregates.getMany(ids);
      // Exactly one aggregate, hence one score, per customer.
      assert.ok(all.every((stats) => stats?.rfm !== undefined));
      // The scores are the population's: every customer's inputs, those without history as never bought.
      const inputs: RfmInput[] = histories.map((won, i) => {
        const last = Math.min(...won.map((deal) => deal.daysAgo));
        return {
          id: ids[i]!,
          frequency: won.length,
          monetary: won.reduce((sum, deal) => sum + deal.amount, 0),
          ...(won.length > 0 ? { lastPurchaseAt: new Date(NOW.getTime() - last * DAY).toISOString() } : {}),
        };
      });
      const expected = rfmScores(inputs, NOW);
      ids.forEach((id, i) => assert.deepEqual(all[i]?.rfm, expected.get(id)));
      // Quintile sizes follow the population: frequency quintiles are those of all n customers' won-deal counts.
      assert.deepEqual(
        all.map((stats) => stats?.rfm?.f),
        quintiles(histories.map((won) => won.length)),
      );
      await crm.dispose();
    }),
    { numRuns: 40 },
  );
});

test('property: with distinct values, each quintile holds a fifth of the population (rounded by rank)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 200 }), (values) => {
      const q = quintiles(values);
      const n = values.length;
      for (let k = 1; k <= 5; k++) {
        // Ranks r with floor(5r / n) + 1 = k.
        let expected = 0;
        for (let rank = 0; rank < n; rank++) if (Math.floor((rank * 5) / n) + 1 === k) expected++;
        assert.equal(q.filter((value) => value === k).length, expected);
      }
    }),
  );
});
