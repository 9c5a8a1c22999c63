/**
 * `crm.activities`: the entity service for activities, where every write also keeps `lastActivityAt` of the related
 * customer, lead and deal — in the same storage transaction, so scoring, segments and rotting never read an activity
 * without its aggregate — plus the merged, paginated timeline of a record.
 */
import * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '../errors/errors.js';
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
import { withCustomFields } from '../model/custom-fields.js';
import { idSchema } from '../model/primitives.js';
import type { QueryOptions, StorageOperations, StoredRecord } from '../storage/port.js';
import {
  compareTimeline,
  decodeTimelineCursor,
  encodeTimelineCursor,
  timelineKey,
  type TimelineItem,
  type TimelinePosition,
} from '../timeline/timeline.js';
import { changedFieldNames } from './audit.js';
import type { CrmContext } from './context.js';
import { createEntityService, type EntityService } from './entity-service.js';
import type { CrmEntityName } from './events.js';

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

const timelineOptionsSchema = z.strictObject({
  limit: z._default(z.int().check(z.positive(), z.lte(500)), 50),
  after: z.optional(z.string().check(z.maxLength(400))),
  types: z.optional(z.array(z.enum(activityTypes)).check(z.minLength(1))),
  includeTasks: z._default(z.boolean(), true),
});
const subjectSchema = z.strictObject({ kind: z.enum(timelineSubjects), id: idSchema });
const versionSchema = z.strictObject({ expectedVersion: z.int().check(z.positive()) });

const META = ['id', 'version', 'createdAt', 'updatedAt'];
function withoutMeta(record: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...record };
  for (const key of META) delete copy[key];
  return copy;
}

interface Touched {
  readonly entity: CrmEntityName;
  readonly id: string;
}

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

/** Builds `crm.activities`. */
export function createActivityService(context: CrmContext): ActivityService {
  const base = createEntityService(context, {
    name: 'activity',
    collection: ACTIVITIES,
    schemas: { input: activityInputSchema, record: activitySchema, patch: activityPatchSchema },
    ownerField: 'ownerId',
    customFields: 'activity',
  });

  const inputSchema = async (tx: StorageOperations) =>
    withCustomFields(activityInputSchema as never, await context.customFieldDefinitions(tx, 'activity')) as never;

  /** Sets each related record's `lastActivityAt` to its latest activity's `occurredAt` (or removes it). */
  const refresh = async (tx: StorageOperations, related: readonly Record<string, unknown>[], at: string) => {
    const touched: Touched[] = [];
    const seen = new Set<string>();
    for (const activity of related) {
      for (const { field, collection, entity } of RELATED) {
        const id = activity[field];
        if (typeof id !== 'string' || seen.has(`${collection}/${id}`)) continue;
        seen.add(`${collection}/${id}`);
        const stored = await tx.get(collection, id);
        if (!stored) throw new NotFoundError(collection, id);
        const latest = await tx.query(ACTIVITIES, {
          where: { field, op: 'eq', value: id },
          orderBy: [{ field: 'occurredAt', direction: 'desc' }],
          limit: 1,
        });
        const value = latest.records[0]?.['occurredAt'] as string | undefined;
        if (stored['lastActivityAt'] === value) continue;
        const next = withoutMeta(stored);
        if (value === undefined) delete next['lastActivityAt'];
        else next['lastActivityAt'] = value;
        await tx.put(collection, { ...next, id }, { expectedVersion: stored.version });
        await context.audit(tx, {
          action: 'update',
          entity: collection,
          entityId: id,
          at,
          changedFields: ['lastActivityAt'],
        });
        touched.push({ entity, id });
      }
    }
    return touched;
  };

  const emitTouched = (touched: readonly Touched[], at: string) => {
    for (const { entity, id } of touched) {
      context.events.emit(`${entity as 'lead'}.updated`, {
        entity,
        id,
        actorId: context.actor.id,
        at,
        changedFields: ['lastActivityAt'],
      });
    }
  };

  const fromStorage = (record: StoredRecord) => parseOrThrow(activitySchema, record, 'stored activity');

  const create = async (input: ActivityInput): Promise<Activity> => {
    context.assertCanWrite('activity.create');
    const at = context.nowIso();
    const { stored, touched } = await context.storage.transaction(async (tx) => {
      const raw = { ...(input as Record<string, unknown>) };
      if (raw['ownerId'] === undefined) raw['ownerId'] = context.actor.id;
      const entity = parseOrThrow(await inputSchema(tx), raw, 'activity') as Record<string, unknown>;
      const id = context.newId();
      const record = await tx.put<Record<string, unknown>>(ACTIVITIES, { ...entity, id }, { expectedVersion: 0 });
      await context.audit(tx, {
        action: 'create',
        entity: ACTIVITIES,
        entityId: id,
        at,
        changedFields: Object.keys(entity).sort(),
      });
      return { stored: record, touched: await refresh(tx, [entity], at) };
    });
    context.events.emit('activity.created', { entity: 'activity', id: stored.id, actorId: context.actor.id, at });
    emitTouched(touched, at);
    return fromStorage(stored);
  };

  return {
    ...base,
    create,
    log: create,

    async update(id, patch, options) {
      context.assertCanWrite('activity.update');
      const changes = parseOrThrow(activityPatchSchema, patch, 'activity update') as Record<string, unknown>;
      const { expectedVersion } = parseOrThrow(versionSchema, options, 'options');
      const at = context.nowIso();
      const result = await context.storage.transaction(async (tx) => {
        const current = await tx.get(ACTIVITIES, id);
        if (!current) throw new NotFoundError(ACTIVITIES, id);
        const before = withoutMeta(current);
        const merged: Record<string, unknown> = { ...before, ...changes };
        if (changes['customFields'] !== undefined) {
          merged['customFields'] = { ...(before['customFields'] as object), ...(changes['customFields'] as object) };
        }
        const entity = parseOrThrow(await inputSchema(tx), merged, 'activity') as Record<string, unknown>;
        const changedFields = changedFieldNames(before, entity);
        const record = await tx.put<Record<string, unknown>>(ACTIVITIES, { ...entity, id }, { expectedVersion });
        await context.audit(tx, { action: 'update', entity: ACTIVITIES, entityId: id, at, changedFields });
        return { record, changedFields, touched: await refresh(tx, [before, entity], at) };
      });
      context.events.emit('activity.updated', {
        entity: 'activity',
        id,
        actorId: context.actor.id,
        at,
        changedFields: result.changedFields,
      });
      emitTouched(result.touched, at);
      return fromStorage(result.record);
    },

    async remove(id, options) {
      context.assertCanWrite('activity.delete');
      const at = context.nowIso();
      const touched = await context.storage.transaction(async (tx) => {
        const current = await tx.get(ACTIVITIES, id);
        if (!current) throw new NotFoundError(ACTIVITIES, id);
        await tx.delete(
          ACTIVITIES,
          id,
          options?.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion },
        );
        await context.audit(tx, { action: 'delete', entity: ACTIVITIES, entityId: id, at, changedFields: [] });
        return refresh(tx, [current], at);
      });
      context.events.emit('activity.deleted', { entity: 'activity', id, actorId: context.actor.id, at });
      emitTouched(touched, at);
    },

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
        const activity = fromStorage(record);
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
          const task = parseOrThrow(taskSchema, record, 'stored task');
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
