/** The `task.reminder` event: ids and instants only, never the task's title or the related record's data. */
export interface TaskReminderEvent {
  readonly taskId: string;
  readonly assigneeId: string;
  /** Identifies the reminder within the task: `<dueAt>/<minutes>m`, `<dueAt>/at:<instant>`, `<dueAt>/snooze:<instant>`. */
  readonly reminderKey: string;
  /** When the reminder was due. */
  readonly remindAt: string;
  /** When the task is due. */
  readonly dueAt: string;
  /** When it actually fired. */
  readonly at: string;
  /** True when it fired more than a minute after it was due (the app was not running then). */
  readonly late: boolean;
}
