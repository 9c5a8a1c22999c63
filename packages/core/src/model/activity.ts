import * as z from 'zod/mini';
import { customFieldsProperty } from './custom-fields.js';
import { defineEntity } from './entity.js';
import { idSchema, instantSchema, longTextSchema, nameSchema, trimmedString } from './primitives.js';

/** Kinds of interaction recorded on the customer timeline. */
export const activityTypes = ['email', 'call', 'meeting', 'note', 'chat', 'web_visit', 'sms'] as const;
export type ActivityType = (typeof activityTypes)[number];

/** Who started the interaction: the customer, us, or nobody outside (a note). */
export const activityDirections = ['inbound', 'outbound', 'internal'] as const;
export type ActivityDirection = (typeof activityDirections)[number];

const activity = defineEntity({
  type: z.enum(activityTypes),
  /** The concrete channel, e.g. `wechat`, `gmail`, `zoom`. */
  channel: z.optional(trimmedString(100)),
  direction: z.enum(activityDirections),
  subject: z.optional(trimmedString(1000)),
  body: z.optional(longTextSchema),
  occurredAt: instantSchema,
  durationMinutes: z.optional(z.int().check(z.nonnegative())),
  customerId: z.optional(idSchema),
  contactId: z.optional(idSchema),
  leadId: z.optional(idSchema),
  dealId: z.optional(idSchema),
  /** The user who had the interaction; absent for captured ones such as web visits. */
  ownerId: z.optional(idSchema),
  customFields: customFieldsProperty,
});

/** What recording an activity accepts. */
export const activityInputSchema = activity.input;
/** A stored activity. */
export const activitySchema = activity.record;
/** An update to an activity. */
export const activityPatchSchema = activity.patch;
export type ActivityInput = z.input<typeof activityInputSchema>;
export type Activity = z.infer<typeof activitySchema>;
export type ActivityPatch = z.input<typeof activityPatchSchema>;

/** Kinds of sales task (任务). */
export const taskTypes = ['call', 'email', 'meeting', 'follow_up', 'todo'] as const;
export type TaskType = (typeof taskTypes)[number];

/** A task's state; `completedAt` is set when it becomes `done`. */
export const taskStatuses = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** Records a task can be about. */
export const taskRelatedKinds = ['customer', 'lead', 'deal', 'contact'] as const;
export type TaskRelatedKind = (typeof taskRelatedKinds)[number];

/** A reminder (提醒): at a fixed instant, or a number of minutes before the task is due (at most a year). */
export const reminderSchema = z.union([
  z.object({ at: instantSchema }),
  z.object({ minutesBefore: z.int().check(z.nonnegative(), z.lte(525_600)) }),
]);
export type Reminder = z.infer<typeof reminderSchema>;

/** A simple repeat rule: every `every` days, weeks or months after the due date. */
export const recurrenceSchema = z.object({
  every: z.int().check(z.positive(), z.lte(365)),
  unit: z.enum(['day', 'week', 'month']),
});
export type Recurrence = z.infer<typeof recurrenceSchema>;

const task = defineEntity({
  title: nameSchema,
  type: z.enum(taskTypes),
  dueAt: instantSchema,
  reminders: z._default(z.array(reminderSchema).check(z.maxLength(20)), () => []),
  recurrence: z.optional(recurrenceSchema),
  status: z._default(z.enum(taskStatuses), 'open'),
  completedAt: z.optional(instantSchema),
  /** The record the task is about; absent for a personal to-do. */
  related: z.optional(z.object({ kind: z.enum(taskRelatedKinds), id: idSchema })),
  assigneeId: idSchema,
  customFields: customFieldsProperty,
});

/** What creating a task accepts. */
export const taskInputSchema = task.input;
/** A stored task. */
export const taskSchema = task.record;
/** An update to a task. */
export const taskPatchSchema = task.patch;
export type TaskInput = z.input<typeof taskInputSchema>;
export type Task = z.infer<typeof taskSchema>;
export type TaskPatch = z.input<typeof taskPatchSchema>;
