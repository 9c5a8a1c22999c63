import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrmEvents, createMemoryStorage, type MemoryData } from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { createTaskService } from '../src/tasks/task.service.js';
import {
  FIRED_REMINDERS_COLLECTION,
  createReminderScheduler,
  type SchedulerClock,
  type TaskReminderEvent,
} from '../src/tasks/index.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const MINUTE = 60_000;

/** A fake clock: time moves only through `advance`, which runs due timers in order. */
class FakeClock implements SchedulerClock {
  time = T0;
  timers = new Map<number, { at: number; callback: () => void }>();
  #next = 1;
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown): void => void this.timers.delete(handle as number);
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
    }
    this.time = end;
    await settle();
  }
  /** Runs every pending timer now, without moving time: a timer that fires early. */
  async fireEarly(): Promise<void> {
    const all = [...this.timers.values()];
    this.timers.clear();
    for (const timer of all) timer.callback();
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setup(data: MemoryData = new Map(), clock = new FakeClock()) {
  const storage = createMemoryStorage({ data, now: () => new Date(clock.time) });
  let ids = 0;
  const context = createContext({
    storage,
    actor: { id: 'u-1' },
    events: new CrmEvents(),
    clock: () => new Date(clock.time),
    idGenerator: () => `t-${++ids}-${data.size}`,
    timeZone: 'UTC',
    currency: 'USD',
  });
  const fired: TaskReminderEvent[] = [];
  const emitted: TaskReminderEvent[] = [];
  const scheduler = createReminderScheduler({
    storage,
    clock,
    notifier: (reminder) => void fired.push(reminder),
    emit: (_name, payload) => void emitted.push(payload),
  });
  return { clock, data, storage, tasks: createTaskService(context), scheduler, fired, emitted };
}

test('a reminder fires exactly at its time, never early and never twice', async () => {
  const { clock, tasks, scheduler, fired, emitted } = setup();
  const task = await tasks.create({
    title: 'Secret customer call',
    type: 'call',
    dueAt: new Date(T0 + 60 * MINUTE).toISOString(),
    reminders: [{ minutesBefore: 15 }],
  });
  await scheduler.start();
  await clock.advance(45 * MINUTE - 1);
  assert.equal(fired.length, 0);
  await clock.advance(1);
  assert.equal(fired.length, 1);
  assert.deepEqual(fired[0], {
    taskId: task.id,
    assigneeId: 'u-1',
    reminderKey: '2026-03-02T09:00:00.000Z/15m',
    remindAt: '2026-03-02T08:45:00.000Z',
    dueAt: '2026-03-02T09:00:00.000Z',
    at: '2026-03-02T08:45:00.000Z',
    late: false,
  });
  assert.deepEqual(emitted, fired);
  assert.ok(!JSON.stringify(fired).includes('Secret'));
  await scheduler.refresh();
  await clock.advance(120 * MINUTE);
  assert.equal(fired.length, 1);
  scheduler.stop();
});

test('a timer that fires early does not fire the reminder; it re-arms', async () => {
  const { clock, tasks, scheduler, fired } = setup();
  await tasks.create({
    title: 'x',
    type: 'todo',
    dueAt: new Date(T0 + 30 * MINUTE).toISOString(),
    reminders: [{ minutesBefore: 10 }],
  });
  await scheduler.start();
  await clock.fireEarly();
  assert.equal(fired.length, 0);
  assert.equal(clock.timers.size, 1);
  await clock.advance(20 * MINUTE);
  assert.equal(fired.length, 1);
  scheduler.stop();
});

test('fired reminders survive a reload; ones missed while closed fire late, within the catch-up window', async () => {
  const first = setup();
  const due = new Date(T0 + 60 * MINUTE).toISOString();
  await first.tasks.create({
    title: 'a',
    type: 'todo',
    dueAt: due,
    reminders: [{ minutesBefore: 30 }, { minutesBefore: 5 }],
  });
  await first.tasks.create({
    title: 'old',
    type: 'todo',
    dueAt: new Date(T0 - 3 * 86_400_000).toISOString(),
    reminders: [{ minutesBefore: 0 }],
  });
  await first.scheduler.start();
  await first.clock.advance(30 * MINUTE);
  assert.deepEqual(
    first.fired.map((r) => r.remindAt),
    ['2026-03-02T08:30:00.000Z'],
  );
  first.scheduler.stop(); // the page closes at 08:30

  // Reopened at 09:10 over the same data: the 08:30 reminder is not repeated; the 08:55 one fires, late.
  const clock = new FakeClock();
  clock.time = T0 + 70 * MINUTE;
  const second = setup(first.data, clock);
  await second.scheduler.start();
  await settle();
  assert.deepEqual(
    second.fired.map((r) => [r.remindAt, r.late]),
    [['2026-03-02T08:55:00.000Z', true]],
  );
  assert.equal(await second.storage.count(FIRED_REMINDERS_COLLECTION), 2);
  second.scheduler.stop();
});

test('two schedulers over one store (two tabs) notify once', async () => {
  const a = setup();
  await a.tasks.create({
    title: 'x',
    type: 'todo',
    dueAt: new Date(T0 + 10 * MINUTE).toISOString(),
    reminders: [{ minutesBefore: 5 }],
  });
  const b = createReminderScheduler({
    storage: a.storage,
    clock: a.clock,
    notifier: (reminder) => void a.fired.push(reminder),
  });
  await Promise.all([a.scheduler.start(), b.start()]);
  await a.clock.advance(5 * MINUTE);
  assert.equal(a.fired.length, 1);
  a.scheduler.stop();
  b.stop();
});

test('snooze postpones, completion cancels, and new tasks are picked up while running', async () => {
  const { clock, tasks, scheduler, fired } = setup();
  await scheduler.start();
  const due = new Date(T0 + 60 * MINUTE).toISOString();
  const snoozy = await tasks.create({ title: 's', type: 'todo', dueAt: due, reminders: [{ minutesBefore: 30 }] });
  const doneEarly = await tasks.create({ title: 'd', type: 'todo', dueAt: due, reminders: [{ minutesBefore: 20 }] });
  await settle();
  await tasks.snooze(snoozy.id, new Date(T0 + 50 * MINUTE).toISOString(), { expectedVersion: 1 });
  await tasks.complete(doneEarly.id, { expectedVersion: 1 });
  await clock.advance(49 * MINUTE);
  assert.equal(fired.length, 0);
  await clock.advance(MINUTE);
  assert.deepEqual(
    fired.map((r) => [r.taskId, r.reminderKey]),
    [[snoozy.id, '2026-03-02T09:00:00.000Z/snooze:2026-03-02T08:50:00.000Z']],
  );
  scheduler.stop();
  await clock.advance(60 * MINUTE);
  assert.equal(fired.length, 1);
});

test('a failing notifier is reported and the reminder is not retried', async () => {
  const clock = new FakeClock();
  const data: MemoryData = new Map();
  const base = setup(data, clock);
  const errors: unknown[] = [];
  let calls = 0;
  const scheduler = createReminderScheduler({
    storage: base.storage,
    clock,
    notifier: () => {
      calls++;
      throw new Error('push service down');
    },
    onError: (error) => errors.push(error),
  });
  await base.tasks.create({
    title: 'x',
    type: 'todo',
    dueAt: new Date(T0 + 10 * MINUTE).toISOString(),
    reminders: [{ minutesBefore: 10 }],
  });
  await scheduler.start();
  await clock.advance(MINUTE);
  await scheduler.refresh();
  assert.equal(calls, 1);
  assert.equal(errors.length, 1);
  scheduler.stop();
});
