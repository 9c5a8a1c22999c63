/**
 * `crm.tasks`: tasks (任务) with the entity service's create/read/update/delete, plus completion (a recurring task
 * creates its next occurrence in the same transaction), snooze, and the "overdue" and "due today" lists.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { Filter } from '../filter/index.js';
import {
  taskInputSchema,
  taskPatchSchema,
  taskSchema,
  timeZoneSchema,
  type Task,
  type TaskInput,
  type TaskPatch,
} from '../model/activity.js';
import { idSchema, instantSchema } from '../model/primitives.js';
import type { StorageOperations, StoredRecord } from '../storage/port.js';
import {
  createEntityService,
  fromStorage,
  insertAudited,
  loadAt,
  objectInput,
  removeAudited,
  updateAudited,
  versionedWriteSchema,
  written,
  type EntityPage,
  type EntityService,
} from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import { nextOccurrence } from './recurrence.js';
import { localDayBounds } from './tasks.js';

/** Where tasks are stored. */
export const TASKS_COLLECTION = 'tasks';

/** Options of the task service. */
export interface TaskServiceOptions {
  /** The time zone of tasks created without one; the CRM's by default. */
  readonly defaultTimeZone?: string;
}

/** What completing a task did. */
export interface TaskCompletion {
  /** The completed task. */
  readonly task: Task;
  /** The next occurrence, created when the task recurs and its series has not ended. */
  readonly next?: Task;
}

/** Options of the task lists. */
export interface TaskListOptions {
  /** Only tasks assigned to this user. */
  readonly assigneeId?: string;
  /** The time zone whose calendar day "today" is; the CRM's by default. */
  readonly timeZone?: string;
  /** At most this many tasks. */
  readonly limit?: number;
  /** The `next` cursor of the previous page. */
  readonly after?: string;
}

/** What creating a task accepts: the assignee defaults to the acting user, the time zone to the CRM's. */
export type TaskCreateInput = Omit<TaskInput, 'assigneeId'> & { readonly assigneeId?: string };

/** Tasks: CRUD plus completion, snooze and the working lists. */
export interface TaskService extends Omit<EntityService<TaskInput, Task, TaskPatch>, 'create'> {
  /** Validates and stores a new task. */
  create(input: TaskCreateInput): Promise<Task>;
  /** Marks an open task done at the CRM clock's now; a recurring one gets its next occurrence. */
  complete(id: string, options: { expectedVersion: number }): Promise<TaskCompletion>;
  /**
   * Undoes `complete`: a done task becomes open again, without `completedAt`, so it leaves the record's timeline and
   * the completed list; when completing it created the next occurrence of a recurring task, that occurrence is
   * deleted too, as long as nobody has changed it since. All in one transaction, audited; a task changed since
   * (`expectedVersion`) or an occurrence already worked on refuses the undo and changes nothing.
   */
  reopen(id: string, options: { expectedVersion: number }): Promise<Task>;
  /** Holds back the task's reminders until `until` (an instant in the future). */
  snooze(id: string, until: string, options: { expectedVersion: number }): Promise<Task>;
  /** Open tasks due before now, most overdue first. */
  overdue(options?: TaskListOptions): Promise<EntityPage<Task>>;
  /** Open tasks due on today's local date (including earlier today), earliest first. */
  dueToday(options?: TaskListOptions): Promise<EntityPage<Task>>;
}

const versionSchema = versionedWriteSchema;
const listOptionsSchema = /* @__PURE__ */ z.strictObject({
  assigneeId: /* @__PURE__ */ z.optional(idSchema),
  timeZone: /* @__PURE__ */ z.optional(timeZoneSchema),
  limit: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(10_000)),
  ),
  after: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
});

const serviceOptionsSchema = /* @__PURE__ */ z.strictObject({
  defaultTimeZone: /* @__PURE__ */ z.optional(timeZoneSchema),
});

/** Builds `crm.tasks`. */
export function createTaskService(context: CrmContext, options: TaskServiceOptions = {}): TaskService {
  const defaultTimeZone =
    parseOrThrow(serviceOptionsSchema, options, 'task options').defaultTimeZone ?? context.timeZone;
  const base = createEntityService(context, {
    name: 'task',
    collection: TASKS_COLLECTION,
    schemas: { input: taskInputSchema, record: taskSchema, patch: taskPatchSchema },
    ownerField: 'assigneeId',
    customFields: 'task',
  });

  const list = async (where: Filter[], order: 'asc', raw: TaskListOptions | undefined) => {
    const checked = parseOrThrow(listOptionsSchema, raw ?? {}, 'task list options');
    const clauses: Filter[] = [{ field: 'status', op: 'eq', value: 'open' }, ...where];
    if (checked.assigneeId) clauses.push({ field: 'assigneeId', op: 'eq', value: checked.assigneeId });
    return base.list({
      where: { all: clauses },
      orderBy: [{ field: 'dueAt', direction: order }],
      ...(checked.limit ? { limit: checked.limit } : {}),
      ...(checked.after ? { after: checked.after } : {}),
    });
  };

  /** The stored task, read inside `tx`, which must have `status` (`ValidationError` at `status` otherwise). */
  const taskIn = async (tx: StorageOperations, id: string, status: Task['status'], refusal: string): Promise<Task> => {
    const current = fromStorage(taskSchema, await loadAt(tx, TASKS_COLLECTION, id), 'task');
    if (current.status !== status) throw new ValidationError([{ path: ['status'], message: refusal }], 'task');
    return current;
  };

  /**
   * After a completion or a reopening commits: the task's status changed, and the series' next occurrence was created
   * (completing a recurring task) or removed again (reopening it).
   */
  const statusChanged = (id: string, at: string, occurrence?: readonly ['task.created' | 'task.deleted', string]) => {
    const actorId = context.actor.id;
    context.events.emit('task.updated', { entity: 'task', id, actorId, at, changedFields: ['completedAt', 'status'] });
    if (occurrence) context.events.emit(occurrence[0], { entity: 'task', id: occurrence[1], actorId, at });
  };

  return {
    ...base,

    async create(input) {
      const raw = objectInput(input, 'task');
      return base.create({ ...raw, timeZone: raw['timeZone'] ?? defaultTimeZone } as TaskInput);
    },

    async complete(id, versioned) {
      context.assertCanWrite('task.complete');
      const { expectedVersion } = parseOrThrow(versionSchema, versioned, 'options');
      const at = context.nowIso();
      const result = await context.storage.transaction(async (tx) => {
        const current = await taskIn(tx, id, 'open', 'Only an open task can be completed');
        const { id: _id, version: _v, createdAt: _c, updatedAt: _u, snoozedUntil: _s, ...fields } = current;
        const { record: done } = await updateAudited(
          context,
          tx,
          TASKS_COLLECTION,
          current as unknown as StoredRecord,
          { ...fields, status: 'done', completedAt: at },
          at,
          {
            expectedVersion,
            changedFields: ['completedAt', 'status', ...(current.snoozedUntil ? ['snoozedUntil'] : [])],
          },
        );
        let next: StoredRecord | undefined;
        if (current.recurrence) {
          const occurrence = current.occurrence ?? 1;
          const dueAt = nextOccurrence(current.recurrence, current.dueAt, current.timeZone ?? 'UTC', occurrence);
          if (dueAt !== undefined) {
            const { completedAt: _done, ...template } = fields;
            const nextTask = parseOrThrow(
              taskInputSchema,
              { ...template, dueAt, status: 'open', seriesId: current.seriesId ?? id, occurrence: occurrence + 1 },
              'task',
            );
            next = await insertAudited(context, tx, TASKS_COLLECTION, nextTask, at);
          }
        }
        return { done, next };
      });
      statusChanged(id, at, result.next && ['task.created', result.next.id]);
      return {
        task: written<Task>(result.done),
        ...(result.next ? { next: written<Task>(result.next) } : {}),
      };
    },

    async reopen(id, versioned) {
      context.assertCanWrite('task.reopen');
      const { expectedVersion } = parseOrThrow(versionSchema, versioned, 'options');
      const at = context.nowIso();
      const result = await context.storage.transaction(async (tx) => {
        const current = await taskIn(tx, id, 'done', 'Only a done task can be reopened');
        // The occurrence completing this task created: same series, next position, untouched since (version 1).
        let removed: string | undefined;
        if (current.recurrence) {
          const seriesId = current.seriesId ?? id;
          const occurrence = (current.occurrence ?? 1) + 1;
          const found = await tx.query(TASKS_COLLECTION, {
            where: {
              all: [
                { field: 'seriesId', op: 'eq', value: seriesId },
                { field: 'occurrence', op: 'eq', value: occurrence },
              ],
            },
            limit: 1,
          });
          const next = found.records[0];
          if (next) {
            if (next['status'] !== 'open' || next.version !== 1) {
              throw new ValidationError(
                [{ path: ['status'], message: 'The next occurrence has been changed since; reopen it instead' }],
                'task',
              );
            }
            await removeAudited(context, tx, TASKS_COLLECTION, next.id, at, next.version);
            removed = next.id;
          }
        }
        const { id: _id, version: _v, createdAt: _c, updatedAt: _u, completedAt: _done, ...fields } = current;
        const { record: reopened } = await updateAudited(
          context,
          tx,
          TASKS_COLLECTION,
          current as unknown as StoredRecord,
          { ...fields, status: 'open' },
          at,
          { expectedVersion, changedFields: ['completedAt', 'status'] },
        );
        return { reopened, removed };
      });
      statusChanged(id, at, result.removed === undefined ? undefined : ['task.deleted', result.removed]);
      return written<Task>(result.reopened);
    },

    async snooze(id, until, versioned) {
      const instant = parseOrThrow(instantSchema, until, 'snooze until');
      if (Date.parse(instant) <= context.now().getTime()) {
        throw new ValidationError([{ path: ['until'], message: 'Snooze until an instant in the future' }], 'snooze');
      }
      return base.update(id, { snoozedUntil: instant }, versioned);
    },

    async overdue(options) {
      return await list([{ field: 'dueAt', op: 'lt', value: context.nowIso() }], 'asc', options);
    },

    async dueToday(options) {
      const zone = options?.timeZone ?? context.timeZone;
      const [start, end] = localDayBounds(context.now(), parseOrThrow(timeZoneSchema, zone, 'timeZone'));
      return await list(
        [
          { field: 'dueAt', op: 'gte', value: new Date(start).toISOString() },
          { field: 'dueAt', op: 'lt', value: new Date(end).toISOString() },
        ],
        'asc',
        options,
      );
    },
  };
}
