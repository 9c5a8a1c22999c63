import * as z from 'zod/mini';
import { NotFoundError, StorageError, ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { Filter } from '../filter/index.js';
import { withCustomFields, type CustomFieldEntity } from '../model/custom-fields.js';
import type { StorageOperations, StoredRecord, QueryOptions } from '../storage/port.js';
import { changedFieldNames } from './audit.js';
import type { CrmContext } from './context.js';
import type { CrmEntityName } from './events.js';

type AnyObjectSchema = z.ZodMiniObject<z.core.$ZodShape, z.core.$strip>;

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
}

/** Options of a versioned write: the version the caller last read; a stale one gets `ConflictError`. */
export interface VersionedWrite {
  readonly expectedVersion: number;
}

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
  /** Deletes the entity, at `expectedVersion` when given. */
  remove(id: string, options?: Partial<VersionedWrite>): Promise<void>;
  /** A page of entities matching `where`, in `orderBy` order. */
  list(options?: QueryOptions): Promise<EntityPage<Entity>>;
  /** How many entities match. */
  count(where?: Filter): Promise<number>;
}

const META_KEYS = ['id', 'version', 'createdAt', 'updatedAt'] as const;

function withoutMeta(record: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...record };
  for (const key of META_KEYS) delete copy[key];
  return copy;
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

  /** The input schema with this CRM's custom field definitions for the entity applied. */
  const inputSchema = async (ops: StorageOperations): Promise<AnyObjectSchema> => {
    const base = descriptor.schemas.input as unknown as AnyObjectSchema;
    if (!descriptor.customFields) return base;
    const definitions = await context.customFieldDefinitions(ops, descriptor.customFields);
    return withCustomFields(base as never, definitions) as AnyObjectSchema;
  };

  /** Parses what the adapter returned: data from storage is input like any other. */
  const fromStorage = (record: StoredRecord): Entity => {
    const result = z.safeParse(descriptor.schemas.record, record);
    if (result.success) return result.data;
    throw new StorageError(`A stored ${name} record does not match its schema`, {
      cause: new ValidationError(
        result.error.issues.map((issue) => ({ path: issue.path as (string | number)[], message: issue.message })),
        `stored ${name}`,
      ),
    });
  };

  /** The input as `descriptor.prepare` rewrites it; anything but a plain object is left for the schema to refuse. */
  const prepare = async (input: unknown, id?: string): Promise<unknown> =>
    descriptor.prepare && typeof input === 'object' && input !== null && !Array.isArray(input)
      ? descriptor.prepare(input as Record<string, unknown>, id)
      : input;

  const loadOrThrow = async (ops: StorageOperations, id: string): Promise<StoredRecord> => {
    const record = await ops.get(collection, id);
    if (!record) throw new NotFoundError(collection, id);
    return record;
  };

  return {
    async create(input) {
      context.assertCanWrite(`${name}.create`);
      const prepared = await prepare(input);
      const at = context.nowIso();
      const stored = await context.storage.transaction(async (tx) => {
        const raw = { ...(prepared as Record<string, unknown>) };
        if (descriptor.ownerField && raw[descriptor.ownerField] === undefined)
          raw[descriptor.ownerField] = context.actor.id;
        const entity = parseOrThrow(await inputSchema(tx), raw, name) as Record<string, unknown>;
        const id = context.newId();
        const record = await tx.put<Record<string, unknown>>(collection, { ...entity, id }, { expectedVersion: 0 });
        await context.audit(tx, {
          action: 'create',
          entity: collection,
          entityId: id,
          at,
          changedFields: Object.keys(entity).sort(),
        });
        return record;
      });
      context.events.emit(`${name}.created`, { entity: name, id: stored.id, actorId: context.actor.id, at });
      return fromStorage(stored);
    },

    async get(id) {
      return fromStorage(await loadOrThrow(context.storage, id));
    },

    async find(id) {
      const record = await context.storage.get(collection, id);
      return record && fromStorage(record);
    },

    async update(id, patch, options) {
      context.assertCanWrite(`${name}.update`);
      const changes = parseOrThrow(descriptor.schemas.patch, await prepare(patch, id), `${name} update`) as Record<
        string,
        unknown
      >;
      const { expectedVersion } = parseOrThrow(
        z.strictObject({ expectedVersion: z.int().check(z.positive()) }),
        options,
        'options',
      );
      const at = context.nowIso();
      const { stored, changedFields } = await context.storage.transaction(async (tx) => {
        const current = await loadOrThrow(tx, id);
        // Only the keys the input knows: the patch was refused for unknown keys; a stored record's extras (an adapter's
        // or an older version's) are left behind as reading it would, not held against the caller.
        const before = knownKeysOnly(withoutMeta(current), descriptor.schemas.input);
        const merged: Record<string, unknown> = { ...before, ...changes };
        if (changes['customFields'] !== undefined) {
          merged['customFields'] = { ...(before['customFields'] as object), ...(changes['customFields'] as object) };
        }
        const entity = parseOrThrow(await inputSchema(tx), merged, name) as Record<string, unknown>;
        const changedFields = changedFieldNames(before, entity);
        const record = await tx.put<Record<string, unknown>>(collection, { ...entity, id }, { expectedVersion });
        await context.audit(tx, { action: 'update', entity: collection, entityId: id, at, changedFields });
        return { stored: record, changedFields };
      });
      context.events.emit(`${name}.updated`, { entity: name, id, actorId: context.actor.id, at, changedFields });
      return fromStorage(stored);
    },

    async remove(id, options) {
      context.assertCanWrite(`${name}.delete`);
      const at = context.nowIso();
      await context.storage.transaction(async (tx) => {
        await tx.delete(
          collection,
          id,
          options?.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion },
        );
        await context.audit(tx, { action: 'delete', entity: collection, entityId: id, at, changedFields: [] });
      });
      context.events.emit(`${name}.deleted`, { entity: name, id, actorId: context.actor.id, at });
    },

    async list(options) {
      const page = await context.storage.query(collection, options);
      return { records: page.records.map(fromStorage), ...(page.next ? { next: page.next } : {}) };
    },

    count(where) {
      return context.storage.count(collection, where);
    },
  };
}
