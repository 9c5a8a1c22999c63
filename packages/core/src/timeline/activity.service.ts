/**
 * `crm.activities`: the entity service for activities, where every write also keeps `lastActivityAt` of the related
 * customer, lead and deal — in the same storage transaction, so scoring, segments and rotting never read an activity
 * without its aggregate — plus the merged, paginated timeline of a record.
 */
import * as z from 'zod/mini';
import { underlying } from '../access/unguarded.js';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { Filter } from '../filter/index.js';
import {
  activityInputSchema,
  activityPatchSchema,
  activitySchema,
  activityTypes,
  taskSchema,
  type Activity,
  type ActivityInput,
  type ActivityPatch,
} from '../model/activity.js';
import { idSchema } from '../model/primitives.js';
import type { QueryOptions, StorageOperations } from '../storage/port.js';
import {
  compareTimeline,
  decodeTimelineCursor,
  encodeTimelineCursor,
  timelineKey,
  type TimelineItem,
  type TimelinePosition,
} from './timeline.js';
import {
  createEntityService,
  fromStorage,
  updateAudited,
  withoutMeta,
  type EntityService,
  type RemovalHook,
} from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import type { PendingEvent } from '../kernel/events.js';

const ACTIVITIES = 'activities';

/** The records whose `lastActivityAt` an activity moves: the activity's field, the collection, the entity. */
const RELATED = [
  { field: 'customerId', collection: 'customers', entity: 'customer' },
  { field: 'leadId', collection: 'leads', entity: 'lead' },
  { field: 'dealId', collection: 'deals', entity: 'deal' },
] as const;

/** Records a timeline can be asked for. */
export const timelineSubjects = ['customer', 'lead', 'deal'] as const;
export type TimelineSubject = (typeof timelineSubjects)[number];

/** Options of a timeline page. */
export interface TimelineOptions {
  /** Items per page, 1..500. Default 50. */
  readonly limit?: number;
  /** The `next` cursor of the previous page. */
  readonly after?: string;
  /** Only these activity types (channels); completed tasks are left out when given. */
  readonly types?: readonly (typeof activityTypes)[number][];
  /** Include completed tasks about the record. Default true. */
  readonly includeTasks?: boolean;
}

/** A page of a timeline, newest first. */
export interface TimelinePage {
  readonly items: TimelineItem[];
  readonly next?: string;
}

/** Activities, with `lastActivityAt` upkeep and the timeline. */
export interface ActivityService extends EntityService<ActivityInput, Activity, ActivityPatch> {
  /** Records an activity (alias of `create`). */
  log(input: ActivityInput): Promise<Activity>;
  /** The record's activities and completed tasks, newest first, one page at a time. */
  timeline(subject: { kind: TimelineSubject; id: string }, options?: TimelineOptions): Promise<TimelinePage>;
}

const timelineOptionsSchema = /* @__PURE__ */ z.strictObject({
  limit: /* @__PURE__ */ z._default(
    /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(500)),
    50,
  ),
  after: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string().check(/* @__PURE__ */ z.maxLength(400))),
  types: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.array(/* @__PURE__ */ z.enum(activityTypes)).check(/* @__PURE__ */ z.minLength(1)),
  ),
  includeTasks: /* @__PURE__ */ z._default(/* @__PURE__ */ z.boolean(), true),
});
const subjectSchema = /* @__PURE__ */ z.strictObject({ kind: /* @__PURE__ */ z.enum(timelineSubjects), id: idSchema });

/**
 * The filters that keep one timeline source's items strictly after a position: older, or as old with a smaller tie
 * key. `prefix` is the source's tie-key prefix: `a` for activities, `t` for completed tasks.
 */
function afterTimelinePosition(position: TimelinePosition | undefined, timeField: string, prefix: 'a' | 't'): Filter[] {
  if (!position) return [];
  const older: Filter = { field: timeField, op: 'lt', value: position.at };
  const [cursorPrefix] = position.key;
  if (cursorPrefix! < prefix) return [older]; // every tie of this source sorts before the cursor
  const ties: Filter =
    cursorPrefix === prefix
      ? {
          all: [
            { field: timeField, op: 'eq', value: position.at },
            { field: 'id', op: 'lt', value: position.key.slice(2) },
          ],
        }
      : { field: timeField, op: 'eq', value: position.at };
  return [{ any: [older, ties] }];
}

/**
 * The storage query for a record's activities in timeline order (`occurredAt`, then id, both descending) from a
 * position on. `crm.activities.timeline` reads its activities with it, and `crm.customers.view360` its first timeline
 * page, so that page's cursor continues with the timeline.
 */
export function timelineActivitiesQuery(
  subject: { readonly kind: TimelineSubject; readonly id: string },
  options: {
    readonly limit: number;
    readonly position?: TimelinePosition | undefined;
    readonly types?: readonly (typeof activityTypes)[number][] | undefined;
  },
): QueryOptions {
  const where: Filter[] = [
    { field: `${subject.kind}Id`, op: 'eq', value: subject.id },
    ...afterTimelinePosition(options.position, 'occurredAt', 'a'),
  ];
  if (options.types) where.push({ field: 'type', op: 'in', values: options.types });
  return {
    where: { all: where },
    orderBy: [
      { field: 'occurredAt', direction: 'desc' },
      { field: 'id', direction: 'desc' },
    ],
    limit: options.limit,
  };
}

/**
 * Sets each record related to the activities' `lastActivityAt` to its latest activity's `occurredAt` (or removes it),
 * inside the activity's write; resolves to the `*.updated` events of the records it changed. A related record being
 * deleted in the same transaction (a cascade) is left alone.
 */
async function refreshLastActivity(
  context: CrmContext,
  tx: StorageOperations,
  activities: readonly (Record<string, unknown> | undefined)[],
  at: string,
): Promise<PendingEvent[]> {
  const events: PendingEvent[] = [];
  const seen = new Set<string>();
  for (const activity of activities) {
    if (!activity) continue;
    for (const { field, collection, entity } of RELATED) {
      const id = activity[field];
      if (typeof id !== 'string' || seen.has(`${collection}/${id}`)) continue;
      seen.add(`${collection}/${id}`);
      // Kept by the CRM itself, like any aggregate: the latest activity of all, written whoever logged it (the
      // activity's own write, and its references, were the actor's).
      const all = underlying(tx);
      const stored = await all.get(collection, id);
      if (!stored) continue;
      const latest = await all.query(ACTIVITIES, {
        where: { field, op: 'eq', value: id },
        orderBy: [{ field: 'occurredAt', direction: 'desc' }],
        limit: 1,
      });
      const value = latest.records[0]?.['occurredAt'] as string | undefined;
      if (stored['lastActivityAt'] === value) continue;
      const next = withoutMeta(stored);
      if (value === undefined) delete next['lastActivityAt'];
      else next['lastActivityAt'] = value;
      const changedFields = ['lastActivityAt'];
      await updateAudited(context, all, collection, stored, next, at, { changedFields });
      events.push([`${entity}.updated`, { entity, id, actorId: context.actor.id, at, changedFields }]);
    }
  }
  return events;
}

/** What deleting activities in a cascade must also do: their related records get their `lastActivityAt` again. */
export function activityRemovalHooks(context: CrmContext): { readonly activities: RemovalHook } {
  return { activities: (tx, removed, at) => refreshLastActivity(context, tx, removed, at) };
}

/** Builds `crm.activities`. */
export function createActivityService(context: CrmContext): ActivityService {
  const refresh = (
    tx: StorageOperations,
    change: { readonly before?: Record<string, unknown>; readonly after?: Record<string, unknown> },
    at: string,
  ): Promise<PendingEvent[]> => refreshLastActivity(context, tx, [change.before, change.after], at);

  const base = createEntityService(context, {
    name: 'activity',
    collection: ACTIVITIES,
    schemas: { input: activityInputSchema, record: activitySchema, patch: activityPatchSchema },
    ownerField: 'ownerId',
    customFields: 'activity',
    onWrite: refresh,
  });
  const readActivity = (record: unknown) => fromStorage(activitySchema, record, 'activity');

  return {
    ...base,
    log: base.create,

    async timeline(rawSubject, rawOptions) {
      const subject = parseOrThrow(subjectSchema, rawSubject, 'timeline subject');
      const options = parseOrThrow(timelineOptionsSchema, rawOptions ?? {}, 'timeline options');
      const position = options.after === undefined ? undefined : decodeTimelineCursor(options.after);
      if (options.after !== undefined && !position) {
        throw new ValidationError(
          [{ path: ['after'], message: 'Expected a cursor from a previous page' }],
          'timeline options',
        );
      }
      const fetch = options.limit + 1;
      const activities = await context.storage.query(
        ACTIVITIES,
        timelineActivitiesQuery(subject, { limit: fetch, position, types: options.types }),
      );
      const items: TimelineItem[] = activities.records.map((record) => {
        const activity = readActivity(record);
        return { kind: 'activity', at: activity.occurredAt, activity };
      });
      if (options.includeTasks && !options.types) {
        const tasks = await context.storage.query('tasks', {
          where: {
            all: [
              { field: 'related.kind', op: 'eq', value: subject.kind },
              { field: 'related.id', op: 'eq', value: subject.id },
              { field: 'status', op: 'eq', value: 'done' },
              ...afterTimelinePosition(position, 'completedAt', 't'),
            ],
          },
          orderBy: [
            { field: 'completedAt', direction: 'desc' },
            { field: 'id', direction: 'desc' },
          ],
          limit: fetch,
        });
        for (const record of tasks.records) {
          const task = fromStorage(taskSchema, record, 'task');
          if (task.completedAt) items.push({ kind: 'task', at: task.completedAt, task });
        }
      }
      items.sort(compareTimeline);
      const page = items.slice(0, options.limit);
      const last = page[page.length - 1];
      return {
        items: page,
        ...(items.length > options.limit && last
          ? { next: encodeTimelineCursor({ at: last.at, key: timelineKey(last) }) }
          : {}),
      };
    },
  };
}
