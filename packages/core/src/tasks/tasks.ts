/** Pure task rules: when reminders fire, and what counts as overdue or due today. */
import type { Task } from '../model/activity.js';
import { zonedCalendar } from '../time/calendar.js';

/** One reminder's firing: a stable key (unique per task and due date) and its instant. */
export interface ReminderTime {
  /** `<dueAt>/<minutesBefore>m`, `<dueAt>/at:<instant>` or `<dueAt>/snooze:<instant>`. */
  readonly key: string;
  /** When it fires, as an ISO-8601 UTC instant. */
  readonly at: string;
}

/** When each of a task's reminders fires, ignoring snooze, earliest first (duplicates removed). */
export function reminderTimes(task: Pick<Task, 'dueAt' | 'reminders'>): ReminderTime[] {
  const due = Date.parse(task.dueAt);
  const byKey = new Map<string, ReminderTime>();
  for (const reminder of task.reminders) {
    const time =
      'minutesBefore' in reminder
        ? { key: `${task.dueAt}/${reminder.minutesBefore}m`, at: new Date(due - reminder.minutesBefore * 60_000) }
        : { key: `${task.dueAt}/at:${reminder.at}`, at: new Date(Date.parse(reminder.at)) };
    byKey.set(time.key, { key: time.key, at: time.at.toISOString() });
  }
  return [...byKey.values()].sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
}

/**
 * When a task's reminders fire with its snooze applied: every reminder due before `snoozedUntil` is replaced by one
 * reminder at `snoozedUntil`. None for a task that is not open.
 */
export function effectiveReminderTimes(
  task: Pick<Task, 'dueAt' | 'reminders' | 'snoozedUntil' | 'status'>,
): ReminderTime[] {
  if (task.status !== 'open') return [];
  const times = reminderTimes(task);
  const snoozed = task.snoozedUntil;
  if (snoozed === undefined) return times;
  const kept = times.filter((time) => time.at >= snoozed);
  if (kept.length < times.length || times.length === 0) {
    kept.unshift({ key: `${task.dueAt}/snooze:${snoozed}`, at: snoozed });
  }
  return kept;
}

/** True when an open task's due instant has passed at `now`. */
export function isOverdue(task: Pick<Task, 'dueAt' | 'status'>, now: Date): boolean {
  return task.status === 'open' && Date.parse(task.dueAt) < now.getTime();
}

/** The first and past-the-last instants (epoch ms) of the local day containing `now` in `timeZone`. */
export function localDayBounds(now: Date, timeZone: string): [number, number] {
  const calendar = zonedCalendar(timeZone);
  const day = calendar.dayOf(now.getTime());
  return [calendar.startOfDay(day), calendar.startOfDay(day + 1)];
}

/** True when an open task is due on the local day of `now` in `timeZone` (earlier today included). */
export function isDueToday(task: Pick<Task, 'dueAt' | 'status'>, now: Date, timeZone: string): boolean {
  if (task.status !== 'open') return false;
  const [start, end] = localDayBounds(now, timeZone);
  const due = Date.parse(task.dueAt);
  return due >= start && due < end;
}
