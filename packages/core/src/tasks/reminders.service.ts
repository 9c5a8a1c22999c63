/**
 * The reminder scheduler: watches open tasks through the storage port and emits `task.reminder` when a reminder is
 * due — never early (a reminder fires only once the clock has reached it), never twice (each firing is recorded in
 * the `firedReminders` collection, created with `expectedVersion: 0` before anyone is notified, so two tabs or two
 * schedulers over one store cannot both fire it), and not lost across a reload (a reminder missed while nothing ran
 * fires on the next start, flagged `late`, if it is within the catch-up window).
 *
 * Runtime-agnostic: timers come from the injected {@link SchedulerClock}, so it runs in a browser, a worker and Node,
 * and tests drive it with a fake clock.
 */
import { isCrmError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { taskSchema, type Task } from '../model/activity.js';
import { objectOption, optionalFunction } from '../model/primitives.js';
import type { StorageOperations, StoragePort } from '../storage/port.js';
import type { TaskReminderEvent } from './events.js';
import { effectiveReminderTimes } from './tasks.js';
import * as z from 'zod/mini';

/** Where fired reminders are recorded. */
export const FIRED_REMINDERS_COLLECTION = 'firedReminders';

/** Time and timers, injected: `globalThis.setTimeout` in production, a fake in tests. */
export interface SchedulerClock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The system clock over the runtime's global timers (browser, worker or Node). */
export const systemSchedulerClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};

/** Delivers a reminder to a person: a browser notification, a push message, an email… */
export type ReminderNotifier = (reminder: TaskReminderEvent) => void | Promise<void>;

/** Options of {@link createReminderScheduler}. */
export interface ReminderSchedulerOptions {
  readonly storage: StoragePort;
  readonly clock?: SchedulerClock;
  /** Called for every reminder fired, after the firing is recorded. */
  readonly notifier?: ReminderNotifier;
  /** Receives `task.reminder` events, e.g. the CRM's event bus. */
  readonly emit?: (name: 'task.reminder', payload: TaskReminderEvent) => void;
  /** Only this user's tasks (one scheduler per signed-in user); every assignee's by default. */
  readonly assigneeId?: string;
  /** Missed reminders older than this are dropped rather than fired late. Default 24 hours. */
  readonly catchUpMs?: number;
  /** Receives failures of storage reads and of the notifier; the scheduler keeps running. */
  readonly onError?: (error: unknown) => void;
}

/** A running scheduler. */
export interface ReminderScheduler {
  /** Loads open tasks, fires what is due, and arms a timer for the next reminder; re-plans when tasks change. */
  start(): Promise<void>;
  /** Stops timers and change subscriptions. */
  stop(): void;
  /** Re-plans now (normally automatic). Resolves once due reminders have fired. */
  refresh(): Promise<void>;
}

/** The longest delay timers accept (2³¹ − 1 ms, about 24.8 days): longer waits re-plan when it elapses. */
const MAX_DELAY = 2_147_483_647;
const LATE_AFTER = 60_000;

const firedSchema = /* @__PURE__ */ z.object({
  taskId: /* @__PURE__ */ z.string(),
  reminderKey: /* @__PURE__ */ z.string(),
  firedAt: /* @__PURE__ */ z.string(),
});

/** The id of a fired-reminder record: task id and reminder key. */
export function firedReminderId(taskId: string, reminderKey: string): string {
  return `${taskId}|${reminderKey}`;
}

const schedulerOptionsSchema = /* @__PURE__ */ z.strictObject({
  storage: /* @__PURE__ */ objectOption('Expected a storage adapter'),
  clock: /* @__PURE__ */ z.optional(/* @__PURE__ */ objectOption('Expected a scheduler clock')),
  notifier: /* @__PURE__ */ optionalFunction(),
  emit: /* @__PURE__ */ optionalFunction(),
  assigneeId: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1))),
  catchUpMs: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative())),
  onError: /* @__PURE__ */ optionalFunction(),
});

/** Creates a reminder scheduler over the storage port. Call `start()`; call `stop()` when the user signs out. */
export function createReminderScheduler(options: ReminderSchedulerOptions): ReminderScheduler {
  parseOrThrow(schedulerOptionsSchema, options, 'reminder options');
  const { storage } = options;
  const clock = options.clock ?? systemSchedulerClock;
  const catchUp = options.catchUpMs ?? 86_400_000;
  const onError =
    options.onError ??
    ((error: unknown) =>
      queueMicrotask(() => {
        throw error;
      }));
  let timer: unknown;
  let unsubscribe: (() => void) | undefined;
  let running = false;
  let chain: Promise<void> = Promise.resolve();
  let pending = false;

  const loadOpenTasks = async (): Promise<Task[]> => {
    const where = options.assigneeId
      ? {
          all: [
            { field: 'status', op: 'eq' as const, value: 'open' },
            { field: 'assigneeId', op: 'eq' as const, value: options.assigneeId },
          ],
        }
      : { field: 'status', op: 'eq' as const, value: 'open' };
    const tasks: Task[] = [];
    let after: string | undefined;
    do {
      const page = await storage.query(TASKS, { where, limit: 500, ...(after ? { after } : {}) });
      for (const record of page.records) {
        const parsed = z.safeParse(taskSchema, record);
        if (parsed.success) tasks.push(parsed.data);
      }
      after = page.next;
    } while (after);
    return tasks;
  };

  /** Records the firing; false when it was already recorded (here or by another scheduler). */
  const record = async (task: Task, key: string, firedAt: string): Promise<boolean> => {
    const id = firedReminderId(task.id, key);
    try {
      return await storage.transaction(async (tx: StorageOperations) => {
        if (await tx.get(FIRED_REMINDERS_COLLECTION, id)) return false;
        await tx.put(
          FIRED_REMINDERS_COLLECTION,
          { id, taskId: task.id, reminderKey: key, firedAt },
          { expectedVersion: 0 },
        );
        return true;
      });
    } catch (error) {
      if (isCrmError(error, 'CRM_CONFLICT')) return false;
      throw error;
    }
  };

  const plan = async (): Promise<void> => {
    if (!running) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    const now = clock.now();
    const tasks = await loadOpenTasks();
    const due: { task: Task; key: string; at: string }[] = [];
    let nextAt = Infinity;
    for (const task of tasks) {
      for (const time of effectiveReminderTimes(task)) {
        const ms = Date.parse(time.at);
        if (ms > now) nextAt = Math.min(nextAt, ms);
        else if (now - ms <= catchUp) due.push({ task, key: time.key, at: time.at });
      }
    }
    if (due.length > 0) {
      const ids = due.map((item) => firedReminderId(item.task.id, item.key));
      const fired = await storage.getMany(FIRED_REMINDERS_COLLECTION, ids);
      due.sort((a, b) => a.at.localeCompare(b.at));
      for (const [index, item] of due.entries()) {
        if (fired[index] !== undefined && z.safeParse(firedSchema, fired[index]).success) continue;
        const firedAt = new Date(clock.now()).toISOString();
        if (!(await record(item.task, item.key, firedAt))) continue;
        const payload: TaskReminderEvent = {
          taskId: item.task.id,
          assigneeId: item.task.assigneeId,
          reminderKey: item.key,
          remindAt: item.at,
          dueAt: item.task.dueAt,
          at: firedAt,
          late: clock.now() - Date.parse(item.at) > LATE_AFTER,
        };
        options.emit?.('task.reminder', payload);
        try {
          await options.notifier?.(payload);
        } catch (error) {
          onError(error);
        }
      }
    }
    if (running && nextAt !== Infinity) {
      timer = clock.setTimeout(
        () => {
          timer = undefined;
          void schedule();
        },
        Math.min(Math.max(nextAt - clock.now(), 0), MAX_DELAY),
      );
    }
  };

  /** Runs one plan at a time; requests made while one runs coalesce into one more. */
  const schedule = (): Promise<void> => {
    if (pending) return chain;
    pending = true;
    chain = chain.then(async () => {
      pending = false;
      try {
        await plan();
      } catch (error) {
        onError(error);
      }
    });
    return chain;
  };

  return {
    async start() {
      if (running) return schedule();
      running = true;
      unsubscribe = storage.subscribe((changes) => {
        if (changes.some((change) => change.collection === TASKS)) void schedule();
      });
      return schedule();
    },
    stop() {
      running = false;
      unsubscribe?.();
      unsubscribe = undefined;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
    refresh: schedule,
  };
}

const TASKS = 'tasks';
