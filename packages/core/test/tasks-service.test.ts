import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrmEvents, ValidationError, createMemoryStorage, type CrmEventMap, type CrmEventName } from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { createTaskService } from '../src/tasks/task.service.js';
import { isDueToday, isOverdue, effectiveReminderTimes } from '../src/tasks/tasks.js';

class RecordingEvents extends CrmEvents {
  readonly log: [string, unknown][] = [];
  override emit<N extends CrmEventName>(name: N, payload: CrmEventMap[N]): void {
    this.log.push([name, payload]);
    super.emit(name, payload);
  }
}

function setup(nowIso: string, timeZone = 'America/New_York') {
  const clock = { now: Date.parse(nowIso) };
  const now = () => new Date(clock.now);
  const storage = createMemoryStorage({ now });
  const events = new RecordingEvents();
  let ids = 0;
  const context = createContext({
    storage,
    actor: { id: 'u-1', role: 'admin' },
    events,
    clock: now,
    idGenerator: () => `t-${String(++ids).padStart(2, '0')}`,
    timeZone,
    currency: 'USD',
  });
  return { clock, storage, events, tasks: createTaskService(context) };
}

test('creating a task defaults the assignee to the actor and the time zone to the CRM’s', async () => {
  const { tasks } = setup('2026-03-01T12:00:00Z');
  const task = await tasks.create({ title: 'Call back', type: 'call', dueAt: '2026-03-02T09:00:00-05:00' });
  assert.equal(task.assigneeId, 'u-1');
  assert.equal(task.timeZone, 'America/New_York');
  assert.equal(task.dueAt, '2026-03-02T14:00:00.000Z');
  await assert.rejects(
    tasks.create({ title: 'x', type: 'todo', dueAt: '2026-03-02T09:00:00Z', timeZone: 'Mars/Olympus' }),
    (error: unknown) => error instanceof ValidationError && error.fields.includes('timeZone'),
  );
});

test('completing a recurring task creates the next occurrence in one transaction, until the count ends', async () => {
  const { tasks, storage, events } = setup('2026-03-01T12:00:00Z');
  // Monthly on the 31st at 09:00 New York time, 2 occurrences.
  const first = await tasks.create({
    title: 'Month-end review',
    type: 'todo',
    dueAt: '2026-01-31T14:00:00Z',
    reminders: [{ minutesBefore: 60 }],
    recurrence: { every: 1, unit: 'month', count: 2 },
  });
  const { task, next } = await tasks.complete(first.id, { expectedVersion: 1 });
  assert.equal(task.status, 'done');
  assert.equal(task.completedAt, '2026-03-01T12:00:00.000Z');
  assert.ok(next);
  // February has no 31st; 31 March 09:00 EDT = 13:00Z.
  assert.equal(next.dueAt, '2026-03-31T13:00:00.000Z');
  assert.equal(next.status, 'open');
  assert.equal(next.seriesId, first.id);
  assert.equal(next.occurrence, 2);
  assert.equal(next.completedAt, undefined);
  assert.deepEqual(next.reminders, [{ minutesBefore: 60 }]);
  const last = await tasks.complete(next.id, { expectedVersion: 1 });
  assert.equal(last.next, undefined);
  assert.equal(await storage.count('tasks'), 2);
  assert.deepEqual(
    events.log.map(([name]) => name),
    ['task.created', 'task.updated', 'task.created', 'task.updated'],
  );
  for (const [, payload] of events.log) assert.ok(!JSON.stringify(payload).includes('Month-end'));
  await assert.rejects(tasks.complete(next.id, { expectedVersion: 2 }), ValidationError);
});

test('a stale completion is refused and creates no next occurrence', async () => {
  const { tasks, storage } = setup('2026-03-01T12:00:00Z');
  const task = await tasks.create({
    title: 'Weekly',
    type: 'call',
    dueAt: '2026-03-02T14:00:00Z',
    recurrence: { every: 1, unit: 'week' },
  });
  await assert.rejects(tasks.complete(task.id, { expectedVersion: 7 }), { code: 'CRM_CONFLICT' });
  assert.equal(await storage.count('tasks'), 1);
  assert.equal((await tasks.get(task.id)).status, 'open');
});

test('snooze holds reminders back until the given instant; a past instant is refused', async () => {
  const { tasks } = setup('2026-03-02T13:00:00Z');
  const task = await tasks.create({
    title: 'Meet',
    type: 'meeting',
    dueAt: '2026-03-02T15:00:00Z',
    reminders: [{ minutesBefore: 60 }, { minutesBefore: 15 }],
  });
  await assert.rejects(tasks.snooze(task.id, '2026-03-02T12:00:00Z', { expectedVersion: 1 }), ValidationError);
  const snoozed = await tasks.snooze(task.id, '2026-03-02T14:30:00Z', { expectedVersion: 1 });
  assert.deepEqual(effectiveReminderTimes(snoozed), [
    { key: '2026-03-02T15:00:00.000Z/snooze:2026-03-02T14:30:00.000Z', at: '2026-03-02T14:30:00.000Z' },
    { key: '2026-03-02T15:00:00.000Z/15m', at: '2026-03-02T14:45:00.000Z' },
  ]);
  const { task: done } = await tasks.complete(task.id, { expectedVersion: 2 });
  assert.equal(done.snoozedUntil, undefined);
  assert.deepEqual(effectiveReminderTimes(done), []);
});

test('overdue and due-today lists follow the local calendar day on a DST day', async () => {
  // Now: 2026-03-08T04:30Z = Saturday 7 March 23:30 EST in New York; already Sunday 8 March in UTC.
  const { tasks, clock } = setup('2026-03-01T00:00:00Z');
  const make = (title: string, dueAt: string, assigneeId = 'u-1') =>
    tasks.create({ title, type: 'todo', dueAt, assigneeId });
  const c = await make('C', '2026-03-07T05:00:00Z'); // 00:00 EST on the 7th
  const a = await make('A', '2026-03-08T04:00:00Z'); // 23:00 EST on the 7th
  const b = await make('B', '2026-03-08T05:30:00Z'); // 00:30 EST on the 8th
  const other = await make('O', '2026-03-07T06:00:00Z', 'u-2');
  const done = await make('D', '2026-03-07T07:00:00Z');
  await tasks.complete(done.id, { expectedVersion: 1 });
  clock.now = Date.parse('2026-03-08T04:30:00Z');
  const ids = (page: { records: { id: string }[] }) => page.records.map((task) => task.id);
  assert.deepEqual(ids(await tasks.overdue()), [c.id, other.id, a.id]);
  assert.deepEqual(ids(await tasks.overdue({ assigneeId: 'u-1' })), [c.id, a.id]);
  assert.deepEqual(ids(await tasks.dueToday({ assigneeId: 'u-1' })), [c.id, a.id]);
  assert.deepEqual(ids(await tasks.dueToday({ timeZone: 'UTC' })), [a.id, b.id]);
  // Shanghai (+08:00): now is 12:30 on the 8th; the 8th runs 7 March 16:00Z .. 8 March 16:00Z.
  assert.deepEqual(ids(await tasks.dueToday({ timeZone: 'Asia/Shanghai' })), [a.id, b.id]);
  const page = await tasks.overdue({ limit: 2 });
  assert.deepEqual(ids(page), [c.id, other.id]);
  assert.deepEqual(ids(await tasks.overdue({ limit: 2, after: page.next! })), [a.id]);
  const now = new Date(clock.now);
  assert.equal(isOverdue(a, now), true);
  assert.equal(isOverdue(b, now), false);
  assert.equal(isDueToday(b, now, 'America/New_York'), false);
  assert.equal(isDueToday(c, now, 'America/New_York'), true);
  await assert.rejects(tasks.dueToday({ timeZone: 'Nowhere/Zone' }), ValidationError);
});
