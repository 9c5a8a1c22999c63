export { occurrences, nextOccurrence, parseRRule, formatRRule } from './recurrence.js';
export {
  reminderTimes,
  effectiveReminderTimes,
  isOverdue,
  isDueToday,
  localDayBounds,
  type ReminderTime,
} from './tasks.js';
export { toLocal, fromLocal, offsetAt, type LocalDateTime } from './zoned.js';
