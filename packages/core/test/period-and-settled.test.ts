/**
 * One way to say a period and to wait (issue 17): one `Period` (instants, half-open) every report takes, with
 * `periodOfDays` for calendar days in a zone; the old option shapes still work and give the same reports;
 * `crm.settled()` waits for all background work; the bottleneck names its steps for what they are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError, createCrm, createMemoryStorage, periodOfDays, salesTrend, type Period } from '@crmkit/core';
import { DEMO_NOW, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';

test('periodOfDays: the calendar days from..to in a zone, as instants with an exclusive end', () => {
  assert.deepEqual(periodOfDays('2026-01-01', '2026-03-31', 'Asia/Shanghai'), {
    from: '2025-12-31T16:00:00.000Z',
    to: '2026-03-31T16:00:00.000Z',
  });
  assert.deepEqual(periodOfDays('2026-03-08', '2026-03-08', 'America/New_York'), {
    from: '2026-03-08T05:00:00.000Z',
    to: '2026-03-09T04:00:00.000Z',
  });
  assert.throws(() => periodOfDays('2026-03-31', '2026-01-01', 'UTC'), ValidationError);
  assert.throws(() => periodOfDays('2026-02-30', '2026-03-01', 'UTC'), ValidationError);
});

async function demoCrm() {
  const data = generateDemoData({ seed: 7, scale: 0.2 });
  const storage = createMemoryStorage();
  await storage.importSnapshot(toStorageSnapshot(data));
  return createCrm({
    storage,
    actor: { id: 'admin', role: 'admin' },
    clock: () => new Date(DEMO_NOW),
    timeZone: 'Asia/Shanghai',
    exchangeRates: { asOf: '2026-06-01', rates: { USD: 7.1, EUR: 7.8 } },
  });
}

test('one period passed to the funnel and to every sales report gives what the old shapes gave', async () => {
  const crm = await demoCrm();
  const days = { from: '2026-01-01', to: '2026-03-31' } as const;
  const period: Period = periodOfDays(days.from, days.to, crm.timeZone);
  const pipelineId = (await crm.pipelines.list()).records[0]!.id;
  assert.deepEqual(await crm.reports.funnel({ pipelineId, period }), await crm.reports.funnel({ pipelineId, ...days }));
  assert.deepEqual(
    await crm.reports.salesTrend({ period, granularity: 'month' }),
    await crm.reports.salesTrend({ ...days, granularity: 'month' }),
  );
  assert.deepEqual(await crm.reports.leadSources({ period }), await crm.reports.leadSources(days));
  assert.deepEqual(await crm.reports.performance({ period }), await crm.reports.performance(days));
  const trend = salesTrend(
    { deals: [], leads: [] },
    { period, timeZone: crm.timeZone, currency: 'CNY', granularity: 'month' },
  );
  assert.deepEqual(
    trend.periods.map((bucket) => bucket.key),
    ['2026-01', '2026-02', '2026-03'],
  );
  await assert.rejects(crm.reports.performance({} as never), ValidationError);
  await crm.dispose();
});

test('crm.settled() waits for aggregate updates and lead re-scoring; the old waits still work', async () => {
  const storage = createMemoryStorage();
  const crm = await createCrm({ storage, actor: { id: 'rep-1' } });
  const customer = await crm.customers.create({ kind: 'person', name: 'Ada Lovelace' });
  const { lead } = await crm.leads.capture({ name: 'Grace Hopper' }, { source: 'web' });
  await crm.activities.log({
    type: 'meeting',
    direction: 'outbound',
    occurredAt: new Date().toISOString(),
    customerId: customer.id,
  });
  await crm.activities.log({
    type: 'call',
    direction: 'outbound',
    occurredAt: new Date().toISOString(),
    leadId: lead.id,
  });
  await crm.settled();
  assert.equal((await crm.aggregates.get(customer.id))?.activityCount, 1);
  assert.ok((await crm.leads.get(lead.id)).scoreHistory.length >= 1);
  await crm.aggregates.settled();
  await crm.leads.whenIdle();
  await crm.dispose();
});

test('the bottleneck names the step deals are stuck in and the one they fail to reach', async () => {
  const crm = await demoCrm();
  const pipelineId = (await crm.pipelines.list()).records[0]!.id;
  const report = await crm.reports.funnel({
    pipelineId,
    period: periodOfDays('2025-01-01', '2026-06-30', crm.timeZone),
    minSample: 1,
  });
  const bottleneck = report.bottleneck;
  assert.ok(bottleneck, 'the demo data has a bottleneck');
  assert.equal(bottleneck.stuckStepId, bottleneck.stepId);
  assert.equal(bottleneck.unreachedStepId, bottleneck.nextStepId);
  await crm.dispose();
});
