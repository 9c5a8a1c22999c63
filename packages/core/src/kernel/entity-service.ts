import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { Filter } from '../filter/schema.js';
import type { CustomFieldEntity } from '../model/custom-fields.js';
import type { StorageOperations, QueryOptions } from '../storage/port.js';
import type { CrmContext } from './context.js';
import type { CrmEntityName, PendingEvent } from './events.js';
import {
  applyPatch,
  insertAudited,
  loadAt,
  schemaWithCustomFields,
  storedReader,
  updateAudited,
  withoutMeta,
  written,
} from './records.js';
import { checkId } from '../storage/snapshot.js';
import { checkReferences, removeWithDependants, type DependantsMode, type RemovalHook } from './references.js';

/** How one entity is stored and validated. */
export interface EntityDescriptor<Input, Entity, Patch> {
  readonly name: CrmEntityName;
  readonly collection: string;
  readonly schemas: {
    readonly input: z.ZodMiniType<unknown, Input>;
    readonly record: z.ZodMiniType<Entity, unknown>;
    readonly patch: z.ZodMiniType<unknown, Patch>;
  };
  /** The field set to the acting user on create when the input leaves it out (`ownerId`). */
  readonly ownerField?: string;
  /** The entity whose custom field definitions apply. */
  readonly customFields?: CustomFieldEntity;
  /**
   * Rewrites what a create or update carries before it is validated, e.g. phone numbers into E.164 (`id` is the
   * record's on update). It runs before the write's transaction opens, so it may load what it needs — an IndexedDB
   * transaction would end at an await that is not its own.
   */
  readonly prepare?: (input: Record<string, unknown>, id?: string) => Promise<Record<string, unknown>>;
  /**
   * Runs inside each write's transaction after the record was written (`before` absent on create, `after` absent on
   * delete), e.g. to keep records that aggregate this one up to date; resolves to the events to emit after commit.
   */
  readonly onWrite?: (
    tx: StorageOperations,
    change: {
      /** The record's id (on update). */
      readonly id?: string;
      readonly before?: Record<string, unknown>;
      readonly after?: Record<string, unknown>;
    },
    at: string,
  ) => Promise<readonly PendingEvent[]>;
  /** What deleting records of other collections must also do when a delete of this entity cascades to them. */
  readonly removalHooks?: Readonly<Partial<Record<string, RemovalHook>>>;
}

/** Options of a versioned write: the version the caller last read; a stale one gets `ConflictError`. */
export interface VersionedWrite {
  readonly expectedVersion: number;
}

/**
 * Options of a write that replaces or deletes what the caller saw: the version last read (`ConflictError` when the
 * stored one is another), or `force: true` to write whatever the stored version is. One of them is required, so a
 * stale write is never accepted by leaving the version out.
 */
export type GuardedWrite =
  | { readonly expectedVersion: number; readonly force?: true }
  | { readonly expectedVersion?: number; readonly force: true };

/** Options of a delete: guarded, and what to do with the records that point at the deleted one. */
export type RemoveOptions = GuardedWrite & {
  /**
   * `refuse` (default): `DependantsError` (code `CRM_HAS_DEPENDANTS`) when any record points at it, e.g. a customer's
   * contacts, deals, activities, tasks or consents; `cascade`: those are deleted too (and what points at them), each
   * audited, in the same transaction, with their `*.deleted` events after commit.
   */
  readonly dependants?: DependantsMode;
};

/** A page of entities. */
export interface EntityPage<Entity> {
  readonly records: Entity[];
  readonly next?: string;
}

/** Create, read, update, delete and list for one entity, validated at the boundary and audited. */
export interface EntityService<Input, Entity, Patch> {
  /** Validates and stores a new entity; its owner defaults to the acting user. */
  create(input: Input): Promise<Entity>;
  /** The entity; `NotFoundError` when there is none. */
  get(id: string): Promise<Entity>;
  /** The entity, or `undefined`. */
  find(id: string): Promise<Entity | undefined>;
  /**
   * Applies a partial change. Fields in `patch` replace the stored ones (custom fields key by key); the result is
   * validated as a whole. `ConflictError` when `expectedVersion` is not the stored version.
   */
  update(id: string, patch: Patch, options: VersionedWrite): Promise<Entity>;
  /**
   * Deletes the entity at `expectedVersion` (or with `force: true`); records pointing at it are refused or deleted
   * with it (`dependants`).
   */
  remove(id: string, options: RemoveOptions): Promise<void>;
  /** A page of entities matching `where`, in `orderBy` order. */
  list(options?: QueryOptions): Promise<EntityPage<Entity>>;
  /** How many entities match. */
  count(where?: Filter): Promise<number>;
}

/** `record` without the keys `schema` (an object schema) does not know. */
export function knownKeysOnly(record: Record<string, unknown>, schema: unknown): Record<string, unknown> {
  const shape = (schema as { _zod?: { def?: { shape?: Record<string, unknown> } } })._zod?.def?.shape;
  if (!shape) return record;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) if (Object.hasOwn(shape, key)) copy[key] = record[key];
  return copy;
}

/** Builds the service for one entity over the CRM's storage, clock, actor and event bus. */
export function createEntityService<Input, Entity extends { id: string }, Patch>(
  context: CrmContext,
  descriptor: EntityDescriptor<Input, Entity, Patch>,
): EntityService<Input, Entity, Patch> {
  const { collection, name } = descriptor;
  const fromStorage = storedReader(descriptor.schemas.record, name);
  const inputSchema = (ops: StorageOperations) =>
    schemaWithCustomFields(context, ops, descriptor.schemas.input, descriptor.customFields);

  /** The input as `descriptor.prepare` rewrites it; anything but a plain object is left for the schema to refuse. */
  const prepare = async (input: unknown, id?: string): Promise<unknown> =>
    descriptor.prepare && typeof input === 'object' && input !== null && !Array.isArray(input)
      ? descriptor.prepare(input as Record<string, unknown>, id)
      : input;
  const onWrite = async (
    tx: StorageOperations,
    change: { id?: string; before?: Record<string, unknown>; after?: Record<string, unknown> },
    at: string,
  ): Promise<readonly PendingEvent[]> => (descriptor.onWrite ? descriptor.onWrite(tx, change, at) : []);

  return {
    async create(input) {
      context.assertCanWrite(`${name}.create`);
      const prepared = await prepare(objectInput(input, name));
      const at = context.nowIso();
      const { stored, events } = await context.storage.transaction(async (tx) => {
        const raw = { ...(prepared as Record<string, unknown>) };
        if (descriptor.ownerField && raw[descriptor.ownerField] === undefined)
          raw[descriptor.ownerField] = context.actor.id;
        const entity = parseOrThrow(await inputSchema(tx), raw, name) as Record<string, unknown>;
        await checkReferences(tx, collection, entity);
        const record = await insertAudited(context, tx, collection, entity, at);
        return { stored: record, events: await onWrite(tx, { after: entity }, at) };
      });
      context.events.emit(`${name}.created`, { entity: name, id: stored.id, actorId: context.actor.id, at });
      context.events.emitAll(events);
      return written<Entity>(stored);
    },

    async get(id) {
      return fromStorage(await loadAt(context.storage, collection, id));
    },

    async find(id) {
      checkId(id); // a non-string id is a caller's bug, not a miss
      const record = await context.storage.get(collection, id);
      return record && fromStorage(record);
    },

    async update(id, patch, options) {
      context.assertCanWrite(`${name}.update`);
      objectInput(patch, `${name} update`);
      const changes = parseOrThrow(descriptor.schemas.patch, await prepare(patch, id), `${name} update`) as Record<
        string,
        unknown
      >;
      const { expectedVersion } = parseOrThrow(versionedWriteSchema, options, 'options');
      const at = context.nowIso();
      const { stored, changedFields, events } = await context.storage.transaction(async (tx) => {
        const current = await loadAt(tx, collection, id);
        // Only the keys the input knows: the patch was refused for unknown keys; a stored record's extras (an adapter's
        // or an older version's) are left behind as reading it would, not held against the caller.
        const before = knownKeysOnly(withoutMeta(current), descriptor.schemas.input);
        const entity = parseOrThrow(await inputSchema(tx), applyPatch(before, changes), name) as Record<
          string,
          unknown
        >;
        await checkReferences(tx, collection, entity, [], before);
        const write = await updateAudited(context, tx, collection, current, entity, at, { expectedVersion });
        return {
          stored: write.record,
          changedFields: write.changedFields,
          events: await onWrite(tx, { id, before, after: entity }, at),
        };
      });
      context.events.emit(`${name}.updated`, { entity: name, id, actorId: context.actor.id, at, changedFields });
      context.events.emitAll(events);
      return written<Entity>(stored);
    },

    async remove(id, options) {
      context.assertCanWrite(`${name}.delete`);
      const { expectedVersion, dependants } = parseOrThrow(removeOptionsSchema, options ?? {}, 'remove options');
      const at = context.nowIso();
      const events = await context.storage.transaction(async (tx) => {
        const removal = await removeWithDependants(context, tx, collection, id, at, {
          expectedVersion,
          dependants,
          hooks: descriptor.removalHooks,
        });
        const own = descriptor.onWrite ? await onWrite(tx, { before: withoutMeta(removal.before) }, at) : [];
        return [...removal.events, ...own];
      });
      context.events.emit(`${name}.deleted`, { entity: name, id, actorId: context.actor.id, at });
      context.events.emitAll(events);
    },

    async list(options) {
      parseOrThrow(listOptionsSchema, options ?? {}, 'list options');
      const page = await context.storage.query(collection, options);
      return { records: page.records.map(fromStorage), ...(page.next ? { next: page.next } : {}) };
    },

    count(where) {
      return context.storage.count(collection, where);
    },
  };
}

/** A version a caller read: a positive integer. */
const versionSchema = /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive());

/** Options of a versioned write, as every service checks them. */
export const versionedWriteSchema = /* @__PURE__ */ z.strictObject({ expectedVersion: versionSchema });

/** What a write without `expectedVersion` or `force: true` is told. */
export const GUARDED_WRITE_MESSAGE =
  'Pass the version you read as expectedVersion, or force: true to write over any version';

/**
 * The strict schema of a guarded write's options with `shape`'s options beside `expectedVersion` and `force`: one of
 * those two is required (`ValidationError` at `expectedVersion` otherwise), and unknown keys are refused by name.
 */
export function guardedWrite<S extends Record<string, z.core.SomeType>>(shape: S) {
  return z
    .strictObject({
      ...shape,
      expectedVersion: z.optional(versionSchema),
      force: z.optional(z.literal(true)),
    })
    .check(
      z.refine((options) => hasGuard(options as { expectedVersion?: number; force?: true }), {
        path: ['expectedVersion'],
        message: GUARDED_WRITE_MESSAGE,
      }),
    );
}

const hasGuard = (options: { expectedVersion?: number; force?: true }): boolean =>
  options.expectedVersion !== undefined || options.force === true;

/** Options of a guarded write (see {@link GuardedWrite}). */
export const guardedWriteSchema = /* @__PURE__ */ guardedWrite({});

/** Options of a delete (see {@link RemoveOptions}). */
export const removeOptionsSchema = /* @__PURE__ */ guardedWrite({
  dependants: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['refuse', 'cascade'])),
});

/** A list's options, their keys only: the adapter parses the values (the filter once, where it runs). */
const listOptionsSchema = /* @__PURE__ */ z.strictObject({
  where: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  orderBy: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  limit: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  after: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
});

/** `input` when it is a plain object; otherwise `ValidationError` at the root (`null`, an array, a number, a string). */
export function objectInput(input: unknown, context: string): Record<string, unknown> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input as Record<string, unknown>;
  throw new ValidationError([{ path: [], message: 'Expected an object' }], context);
}
