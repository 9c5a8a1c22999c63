import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCrm, createMemoryStorage, type SchedulerClock, type TaskReminderEvent } from '@crmkit/core';

// Every service reachable through createCrm, on one storage, with one clock.
test('tasks, activities, sales reports and reminders are wired into createCrm', async () => {
  let now = Date.parse('2026-03-02T01:00:00Z');
  const timers: { at: number; run: () => void }[] = [];
  const clock: SchedulerClock = {
    now: () => now,
    setTimeout: (run, ms) => timers.push({ at: now + ms, run }),
    clearTimeout: () => undefined,
  };
  const crm = await createCrm({
    storage: createMemoryStorage({ now: () => new Date(now) }),
    actor: { id: 'rep-1', role: 'admin' },
    clock: () => new Date(now),
    timeZone: 'Asia/Shanghai',
  });
  const customer = await crm.customers.create({ kind: 'organisation', name: '杭州云帆科技有限公司' });

  // Logging an activity stamps the related customer's last activity, in the same transaction.
  const call = await crm.activities.log({
    type: 'call',
    direction: 'outbound',
    occurredAt: '2026-03-02T00:30:00Z',
    customerId: customer.id,
  });
  assert.equal((await crm.customers.get(customer.id)).lastActivityAt, call.occurredAt);
  const timeline = await crm.activities.timeline({ kind: 'customer', id: customer.id });
  assert.equal(timeline.items.length, 1);

  // A task with a reminder 15 minutes before it is due; the scheduler fires it once, on time, through crm.on.
  const task = await crm.tasks.create({
    title: 'Follow up',
    type: 'call',
    dueAt: '2026-03-02T02:00:00Z',
    assigneeId: 'rep-1',
    reminders: [{ minutesBefore: 15 }],
    related: { kind: 'customer', id: customer.id },
  });
  const reminders: TaskReminderEvent[] = [];
  crm.on('task.reminder', (event) => reminders.push(event));
  const scheduler = crm.reminders({ clock });
  await scheduler.start();
  assert.equal(reminders.length, 0, 'not early');
  now = Date.parse('2026-03-02T01:45:00Z');
  for (const timer of timers.splice(0)) if (timer.at <= now) timer.run();
  await scheduler.refresh();
  assert.deepEqual(
    reminders.map((event) => event.taskId),
    [task.id],
  );
  await scheduler.refresh();
  assert.equal(reminders.length, 1, 'never twice');
  scheduler.stop();

  const trend = await crm.reports.salesTrend({ from: '2026-03-01', to: '2026-03-31', granularity: 'week' });
  assert.ok(trend.periods.length >= 4);
  assert.equal(typeof crm.reports.funnel, 'function');
});

test('dispose stops background work: no aggregate is written and no handler runs afterwards', async () => {
  const storage = createMemoryStorage();
  const crm = await createCrm({ storage, actor: { id: 'rep-1', role: 'admin' } });
  const seen: string[] = [];
  crm.on('deal.created', (event) => seen.push(event.id));
  const customer = await crm.customers.create({ kind: 'person', name: 'Ada' });
  crm.dispose();
  let changes = 0;
  storage.subscribe((events) => (changes += events.length));
  await crm.deals.create({
    title: 'After dispose',
    customerId: customer.id,
    pipelineId: 'default',
    stageId: 'opportunity',
    amount: { amountMinor: 100, currency: 'CNY' },
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(seen, []);
  // The deal, its first stage change, the pipeline installed on first use and their audit entries: no customerStats.
  assert.equal(await storage.count('customerStats'), 0);
  assert.ok(changes > 0);
});

test('dispose resolves once background work already under way has finished, so storage can close after it', async () => {
  const storage = createMemoryStorage();
  const crm = await createCrm({ storage, actor: { id: 'rep-1', role: 'admin' } });
  const customer = await crm.customers.create({ kind: 'person', name: 'Ada' });
  // Winning a deal queues the customer's aggregate update in the background.
  const deal = await crm.deals.create({
    title: 'Pilot',
    customerId: customer.id,
    pipelineId: 'default',
    stageId: 'opportunity',
    amount: { amountMinor: 100_000, currency: 'CNY' },
    expectedCloseDate: '2026-12-31',
  });
  await crm.deals.moveToStage(deal.id, 'won', { expectedVersion: deal.version });
  await crm.dispose();
  // Nothing still running: the aggregate was written before dispose resolved, and nothing writes after it.
  const stats = await storage.get('customerStats', customer.id);
  assert.equal((stats?.['lifetimeValue'] as Record<string, number> | undefined)?.['CNY'], 100_000);
  let changes = 0;
  storage.subscribe((events) => (changes += events.length));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(changes, 0);
});
