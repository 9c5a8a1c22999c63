import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrmEvents, PermissionError, ValidationError, createMemoryStorage } from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { createSalesReportService } from '../src/reports/sales.service.js';

const clock = { now: '2026-04-01T00:00:00.000Z' };

function setup(role?: 'viewer') {
  const now = () => new Date(clock.now);
  const storage = createMemoryStorage({ now });
  let ids = 0;
  const context = createContext({
    storage,
    actor: { id: 'u-1', role: role ?? 'admin' },
    events: new CrmEvents(),
    clock: now,
    idGenerator: () => `id-${++ids}`,
    timeZone: 'Asia/Shanghai',
    currency: 'CNY',
  });
  return { storage, reports: createSalesReportService(context) };
}

async function seed(storage: ReturnType<typeof createMemoryStorage>) {
  /** Stores a record as if written at `createdAt` (the adapter stamps its metadata from the clock). */
  const put = async (collection: string, record: Record<string, unknown> & { id: string }) => {
    const createdAt = record['createdAt'];
    delete record['createdAt'];
    clock.now = typeof createdAt === 'string' ? createdAt : '2026-04-01T00:00:00.000Z';
    await storage.put(collection, record, { expectedVersion: 0 });
    clock.now = '2026-04-01T00:00:00.000Z';
  };
  await put('leads', {
    id: 'l1',
    name: 'A',
    status: 'converted',
    source: 'web',
    convertedDealId: 'd1',
    createdAt: '2026-03-01T00:00:00.000Z',
  });
  await put('leads', { id: 'l2', name: 'B', status: 'new', source: 'web', createdAt: '2026-02-28T16:30:00.000Z' });
  const deal = { customerId: 'c', pipelineId: 'p', stageId: 's', amount: { amountMinor: 9_000, currency: 'CNY' } };
  await put('deals', {
    id: 'd1',
    ...deal,
    title: 'x',
    status: 'won',
    ownerId: 'u-1',
    closedAt: '2026-03-10T00:00:00.000Z',
  });
  await put('deals', {
    id: 'd2',
    ...deal,
    title: 'y',
    status: 'lost',
    ownerId: 'u-1',
    closedAt: '2026-03-11T00:00:00.000Z',
  });
  await put('activities', {
    id: 'a1',
    type: 'call',
    direction: 'outbound',
    occurredAt: '2026-03-05T00:00:00.000Z',
    ownerId: 'u-1',
  });
}

test('reports read stored deals, leads, activities, costs and quotas in the CRM’s zone and currency', async () => {
  const { storage, reports } = setup();
  await seed(storage);
  await reports.addCost({
    source: 'web',
    from: '2026-03-01',
    to: '2026-03-31',
    amount: { amountMinor: 3_000, currency: 'CNY' },
  });
  await reports.setQuota({ userId: 'u-1', month: '2026-03', amount: { amountMinor: 10_000, currency: 'CNY' } });
  await reports.setQuota({ userId: 'u-1', month: '2026-03', amount: { amountMinor: 18_000, currency: 'CNY' } });
  assert.equal((await reports.listQuotas()).length, 1);

  const trend = await reports.salesTrend({ from: '2026-03-01', to: '2026-03-31', granularity: 'month' });
  assert.deepEqual(
    trend.periods.map((p) => [p.key, p.wonAmountMinor, p.dealsWon, p.leadsCreated]),
    [['2026-03', 9_000, 1, 2]], // l2 at 2026-02-28T16:30Z is 1 March 00:30 in Shanghai
  );
  const sources = await reports.leadSources({ from: '2026-03-01', to: '2026-03-31' });
  assert.deepEqual(
    sources.sources.map((s) => [
      s.source,
      s.leads,
      s.converted,
      s.wonAmountMinor,
      s.costMinor,
      s.costPerLeadMinor,
      s.roi,
    ]),
    [['web', 2, 1, 9_000, 3_000, 1_500, 2]],
  );
  const performance = await reports.performance({ from: '2026-03-01', to: '2026-03-31' });
  assert.deepEqual(
    performance.rows.map((r) => [
      r.userId,
      r.wonCount,
      r.lostCount,
      r.winRate,
      r.activitiesLogged,
      r.quotaMinor,
      r.quotaAttainment,
    ]),
    [['u-1', 1, 1, 0.5, 1, 18_000, 0.5]],
  );
  const [cost] = await reports.listCosts();
  await reports.removeCost(cost!.id, { expectedVersion: cost!.version });
  assert.equal((await reports.listCosts()).length, 0);
});

test('bad report options, cost entries and quotas are refused naming the field; viewers may not write', async () => {
  const { reports } = setup();
  const fields = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return error.fields;
    }
    assert.fail('expected a ValidationError');
  };
  assert.deepEqual(
    await fields(reports.salesTrend({ from: '2026-03-01', to: '2026-03-31', granularity: 'year' as 'day' })),
    ['granularity'],
  );
  assert.deepEqual(await fields(reports.performance({ from: '2026-03-01', to: '2026-02-01' })), ['to']);
  assert.deepEqual(await fields(reports.leadSources({ from: '2026-03-01', to: '2026-03-31', timeZone: 'Nope/Nope' })), [
    'timeZone',
  ]);
  assert.deepEqual(
    await fields(
      reports.addCost({
        source: 'web',
        from: '2026-03-02',
        to: '2026-03-01',
        amount: { amountMinor: 1, currency: 'CNY' },
      }),
    ),
    ['to'],
  );
  assert.deepEqual(
    await fields(reports.setQuota({ userId: 'u', month: '2026-13', amount: { amountMinor: -1, currency: 'CNY' } })),
    ['month', 'amount.amountMinor'],
  );
  await assert.rejects(
    setup('viewer').reports.setQuota({ userId: 'u', month: '2026-03', amount: { amountMinor: 1, currency: 'CNY' } }),
    PermissionError,
  );
});
