import * as z from 'zod/mini';
import { customFieldsProperty } from './custom-fields.js';
import { entityInput, entityPatch, entityRecord } from './entity.js';
import { idSchema, instantSchema, longTextSchema, nameSchema, trimmedString } from './primitives.js';

/** True for an IANA time zone `Intl` knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The message for a string {@link isTimeZone} refuses. */
export const TIME_ZONE_MESSAGE = 'Expected an IANA time zone such as Asia/Shanghai';

/** An IANA time zone `Intl` knows, e.g. `America/New_York`. */
export const timeZoneSchema = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.maxLength(64), /* @__PURE__ */ z.refine(isTimeZone, TIME_ZONE_MESSAGE));

/** Kinds of interaction recorded on the customer timeline. */
export const activityTypes = ['email', 'call', 'meeting', 'note', 'chat', 'web_visit', 'sms'] as const;
export type ActivityType = (typeof activityTypes)[number];

/** Who started the interaction: the customer, us, or nobody outside (a note). */
export const activityDirections = ['inbound', 'outbound', 'internal'] as const;
export type ActivityDirection = (typeof activityDirections)[number];

const activityShape = {
  type: /* @__PURE__ */ z.enum(activityTypes),
  /** The concrete channel, e.g. `wechat`, `gmail`, `zoom`. */
  channel: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(100)),
  direction: /* @__PURE__ */ z.enum(activityDirections),
  subject: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(1000)),
  body: /* @__PURE__ */ z.optional(longTextSchema),
  occurredAt: instantSchema,
  durationMinutes: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative())),
  customerId: /* @__PURE__ */ z.optional(idSchema),
  contactId: /* @__PURE__ */ z.optional(idSchema),
  leadId: /* @__PURE__ */ z.optional(idSchema),
  dealId: /* @__PURE__ */ z.optional(idSchema),
  /** The user who had the interaction; absent for captured ones such as web visits. */
  ownerId: /* @__PURE__ */ z.optional(idSchema),
  customFields: customFieldsProperty,
};

/** What recording an activity accepts. */
export const activityInputSchema = /* @__PURE__ */ entityInput(activityShape);
/** A stored activity. */
export const activitySchema = /* @__PURE__ */ entityRecord(activityShape);
/** An update to an activity. */
export const activityPatchSchema = /* @__PURE__ */ entityPatch(activityShape);
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
export const reminderSchema = /* @__PURE__ */ z.union([
  /* @__PURE__ */ z.strictObject({ at: instantSchema }),
  /* @__PURE__ */ z.strictObject({
    minutesBefore: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative(), /* @__PURE__ */ z.lte(525_600)),
  }),
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
export const recurrenceSchema = /* @__PURE__ */ z
  .object({
    every: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(365)),
    unit: /* @__PURE__ */ z.enum(['day', 'week', 'month']),
    byDay: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z
        .array(/* @__PURE__ */ z.enum(weekdays))
        .check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(7)),
    ),
    count: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(10_000)),
    ),
    until: /* @__PURE__ */ z.optional(instantSchema),
  })
  .check(
    /* @__PURE__ */ z.superRefine((rule, ctx) => {
      if (rule.byDay && rule.unit === 'month') {
        ctx.addIssue({ code: 'custom', path: ['byDay'], message: 'byDay applies to daily and weekly rules only' });
      }
      if (rule.count !== undefined && rule.until !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['until'], message: 'Give count or until, not both' });
      }
    }),
  );
export type Recurrence = z.infer<typeof recurrenceSchema>;

const taskShape = {
  title: nameSchema,
  type: /* @__PURE__ */ z.enum(taskTypes),
  dueAt: instantSchema,
  reminders: /* @__PURE__ */ z._default(
    /* @__PURE__ */ z.array(reminderSchema).check(/* @__PURE__ */ z.maxLength(20)),
    () => [],
  ),
  recurrence: /* @__PURE__ */ z.optional(recurrenceSchema),
  /** The IANA time zone of the due date's wall-clock time (the assignee's); recurrence keeps that time. Default UTC. */
  timeZone: /* @__PURE__ */ z.optional(timeZoneSchema),
  /** Reminders due before this instant wait until it (snooze); cleared when the task is completed. */
  snoozedUntil: /* @__PURE__ */ z.optional(instantSchema),
  /** The first task of a recurring series; absent on the first one itself. */
  seriesId: /* @__PURE__ */ z.optional(idSchema),
  /** This task's position in its recurring series, 1 for the first. */
  occurrence: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
  status: /* @__PURE__ */ z._default(/* @__PURE__ */ z.enum(taskStatuses), 'open'),
  completedAt: /* @__PURE__ */ z.optional(instantSchema),
  /** The record the task is about; absent for a personal to-do. */
  related: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.strictObject({ kind: /* @__PURE__ */ z.enum(taskRelatedKinds), id: idSchema }),
  ),
  assigneeId: idSchema,
  customFields: customFieldsProperty,
};

/** What creating a task accepts. */
export const taskInputSchema = /* @__PURE__ */ entityInput(taskShape);
/** A stored task. */
export const taskSchema = /* @__PURE__ */ entityRecord(taskShape);
/** An update to a task. */
export const taskPatchSchema = /* @__PURE__ */ entityPatch(taskShape);
export type TaskInput = z.input<typeof taskInputSchema>;
export type Task = z.infer<typeof taskSchema>;
export type TaskPatch = z.input<typeof taskPatchSchema>;
