export {
  createReminderScheduler,
  firedReminderId,
  systemSchedulerClock,
  FIRED_REMINDERS_COLLECTION,
  type ReminderScheduler,
  type ReminderSchedulerOptions,
  type ReminderNotifier,
  type SchedulerClock,
  type TaskReminderEvent,
} from './scheduler.js';
