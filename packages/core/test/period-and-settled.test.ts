/**
 * One way to say a period and to wait (issue 17): one `Period` (instants, half-open) every report takes, with
 * `periodOfDays` for calendar days in a zone; the old option shapes still work and give the same reports;
 * `crm.settled()` waits for all background work; the bottleneck names its steps for what they are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ValidationError,
  createCrm,
  createMemoryStorage,
  findBottleneck,
  funnelReport,
  periodOfDays,
  salesTrend,
  type Period,
} from '@crmkit/core';
import { deals, leads, pipeline, stageChanges, window } from './funnel-fixtures.js';

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

const UTC_PERIOD = periodOfDays(window.from, window.to, 'UTC');

test('funnelReport takes a period and gives what the old from/to gave', () => {
  const input = { pipeline, deals, stageChanges, leads };
  assert.deepEqual(
    funnelReport(input, { period: UTC_PERIOD, asOf: window.asOf, minSample: 1 }),
    funnelReport(input, { ...window, minSample: 1 }),
  );
  assert.throws(() => funnelReport(input, { asOf: window.asOf }), ValidationError);
});

test('the bottleneck names the step deals are stuck in and the one they fail to reach', () => {
  const report = funnelReport({ pipeline, deals, stageChanges, leads }, { period: UTC_PERIOD, asOf: window.asOf });
  const conversion = findBottleneck(
    report.steps.map((step) => ({ ...step, timeInStage: null })),
    { minSample: 1 },
  );
  assert.ok(conversion);
  assert.equal(conversion.kind, 'conversion');
  assert.equal(conversion.stuckStepId, conversion.stepId);
  assert.equal(conversion.unreachedStepId, conversion.nextStepId);
  assert.ok(conversion.unreachedStepId);
});

/** A CRM in Shanghai with a few deals moved through the funnel, won and lost, and leads, over the first quarter. */
async function quarterCrm() {
  let now = Date.parse('2026-01-05T02:00:00Z');
  const crm = await createCrm({
    storage: createMemoryStorage(),
    actor: { id: 'admin', role: 'admin' },
    clock: () => new Date((now += 3_600_000)),
    timeZone: 'Asia/Shanghai',
  });
  const customer = await crm.customers.create({ kind: 'organisation', name: 'Acme' });
  for (let i = 0; i < 6; i++) {
    const deal = await crm.deals.create({
      title: `Deal ${i}`,
      customerId: customer.id,
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor: 1000 * (i + 1), currency: 'CNY' },
      expectedCloseDate: '2026-03-31',
    });
    now += 10 * 86_400_000;
    const at = { expectedVersion: deal.version };
    if (i % 3 === 0) await crm.deals.moveToStage(deal.id, 'won', at);
    else if (i % 3 === 1) await crm.deals.moveToStage(deal.id, 'lost', { ...at, lostReason: 'price' });
    else await crm.deals.moveToStage(deal.id, 'proposal', at);
    await crm.leads.capture({ name: `Lead ${i}`, company: `Firm ${i}` }, { source: i % 2 ? 'web' : 'referral' });
  }
  await crm.settled();
  return crm;
}

test('one period passed to the funnel and to every sales report gives what the old shapes gave', async () => {
  const crm = await quarterCrm();
  const days = { from: '2026-01-01', to: '2026-03-31' } as const;
  const period: Period = periodOfDays(days.from, days.to, crm.timeZone);
  const asOf = '2026-04-01T00:00:00Z';
  assert.deepEqual(
    await crm.reports.funnel({ pipelineId: 'default', period, asOf }),
    await crm.reports.funnel({ pipelineId: 'default', ...days, asOf }),
  );
  const trend = await crm.reports.salesTrend({ period, granularity: 'month' });
  assert.deepEqual(trend, await crm.reports.salesTrend({ ...days, granularity: 'month' }));
  assert.ok(trend.periods.some((bucket) => bucket.dealsWon > 0));
  assert.deepEqual(await crm.reports.leadSources({ period }), await crm.reports.leadSources(days));
  assert.deepEqual(await crm.reports.performance({ period }), await crm.reports.performance(days));
  const pure = salesTrend(
    { deals: [], leads: [] },
    { period, timeZone: crm.timeZone, currency: 'CNY', granularity: 'month' },
  );
  assert.deepEqual(
    pure.periods.map((bucket) => bucket.key),
    ['2026-01', '2026-02', '2026-03'],
  );
  await assert.rejects(crm.reports.performance({} as never), ValidationError);
  await crm.dispose();
});

test('crm.settled() waits for aggregate updates and lead re-scoring; the old waits still work', async () => {
  const storage = createMemoryStorage();
  const crm = await createCrm({ storage, actor: { id: 'rep-1', role: 'admin' } });
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
