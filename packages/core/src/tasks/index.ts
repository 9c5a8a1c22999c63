/**
 * Tasks and reminders (任务与提醒): recurrence, reminder times, overdue and due-today rules (pure), the task service
 * over the port, and the reminder scheduler.
 *
 * @module
 */
export { occurrences, nextOccurrence, parseRRule, formatRRule } from './recurrence.js';
export {
  reminderTimes,
  effectiveReminderTimes,
  isOverdue,
  isDueToday,
  localDayBounds,
  type ReminderTime,
} from './tasks.js';
export type { TaskReminderEvent } from './events.js';
export {
  createTaskService,
  TASKS_COLLECTION,
  type TaskService,
  type TaskServiceOptions,
  type TaskCreateInput,
  type TaskCompletion,
  type TaskListOptions,
} from './task.service.js';
export {
  createReminderScheduler,
  firedReminderId,
  systemSchedulerClock,
  FIRED_REMINDERS_COLLECTION,
  type ReminderScheduler,
  type ReminderSchedulerOptions,
  type ReminderNotifier,
  type SchedulerClock,
} from './reminders.service.js';
