import * as z from 'zod/mini';
import { customFieldsProperty } from './custom-fields.js';
import { defineEntity } from './entity.js';
import { idSchema, instantSchema, longTextSchema, nameSchema, trimmedString } from './primitives.js';

/** An IANA time zone `Intl` knows, e.g. `America/New_York`. */
export const timeZoneSchema = z.string().check(
  z.maxLength(64),
  z.refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'Expected an IANA time zone such as Asia/Shanghai'),
);

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
  z.strictObject({ at: instantSchema }),
  z.strictObject({ minutesBefore: z.int().check(z.nonnegative(), z.lte(525_600)) }),
]);
export type Reminder = z.infer<typeof reminderSchema>;

/** Days of the week as RFC 5545 spells them (`BYDAY`). */
export const weekdays = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof weekdays)[number];

/**
 * A repeat rule, a subset of RFC 5545 `RRULE`: `unit` is `FREQ` (`day`, `week`, `month`), `every` is `INTERVAL`,
 * `byDay` is `BYDAY` (daily and weekly rules only), `count` is `COUNT` (occurrences in the whole series, the first
 * included) and `until` is `UNTIL` (the last instant an occurrence may be due). Occurrences keep the wall-clock time
 * of the first due date in the task's `timeZone`; a monthly rule on the 31st skips months without one (RFC 5545).
 */
export const recurrenceSchema = z
  .object({
    every: z.int().check(z.positive(), z.lte(365)),
    unit: z.enum(['day', 'week', 'month']),
    byDay: z.optional(z.array(z.enum(weekdays)).check(z.minLength(1), z.maxLength(7))),
    count: z.optional(z.int().check(z.positive(), z.lte(10_000))),
    until: z.optional(instantSchema),
  })
  .check(
    z.superRefine((rule, ctx) => {
      if (rule.byDay && rule.unit === 'month') {
        ctx.addIssue({ code: 'custom', path: ['byDay'], message: 'byDay applies to daily and weekly rules only' });
      }
      if (rule.count !== undefined && rule.until !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['until'], message: 'Give count or until, not both' });
      }
    }),
  );
export type Recurrence = z.infer<typeof recurrenceSchema>;

const task = defineEntity({
  title: nameSchema,
  type: z.enum(taskTypes),
  dueAt: instantSchema,
  reminders: z._default(z.array(reminderSchema).check(z.maxLength(20)), () => []),
  recurrence: z.optional(recurrenceSchema),
  /** The IANA time zone of the due date's wall-clock time (the assignee's); recurrence keeps that time. Default UTC. */
  timeZone: z.optional(timeZoneSchema),
  /** Reminders due before this instant wait until it (snooze); cleared when the task is completed. */
  snoozedUntil: z.optional(instantSchema),
  /** The first task of a recurring series; absent on the first one itself. */
  seriesId: z.optional(idSchema),
  /** This task's position in its recurring series, 1 for the first. */
  occurrence: z.optional(z.int().check(z.positive())),
  status: z._default(z.enum(taskStatuses), 'open'),
  completedAt: z.optional(instantSchema),
  /** The record the task is about; absent for a personal to-do. */
  related: z.optional(z.strictObject({ kind: z.enum(taskRelatedKinds), id: idSchema })),
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
