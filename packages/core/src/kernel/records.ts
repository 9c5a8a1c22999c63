/**
 * Stored records: the one module every service reads and writes them through. One of each: read every page, read by
 * ids, load at a version, insert and update with their audit entries, remove with its entry, strip the metadata.
 *
 * One error policy: a stored record that does not fit its schema is a `StorageError` (the adapter returned something
 * else than the CRM wrote; the zod issues are its `cause`), input that does not fit is a `ValidationError` naming the
 * field (`parseOrThrow`, where input enters). Reads are trusted: a record with its schema's shape is not parsed again.
 */
import * as z from 'zod/mini';
import { ConflictError, NotFoundError, StorageError, ValidationError } from '../errors/errors.js';
import { toValidationIssues } from '../errors/parse.js';
import type { Filter } from '../filter/schema.js';
import type { AuditEntryInput } from '../model/compliance.js';
import { withCustomFields, type CustomFieldDefinition, type CustomFieldEntity } from '../model/custom-fields.js';
import type { OrderBy, StorageOperations, StoredRecord } from '../storage/port.js';
import { checkId } from '../storage/snapshot.js';
import { changedFieldNames } from './audit.js';
import { isTrustedShape } from './trusted.js';

/** What writing records needs of the CRM's context (`CrmContext` has it): ids, the audit log, custom fields. */
export interface RecordContext {
  newId(): string;
  audit(ops: StorageOperations, entry: Omit<AuditEntryInput, 'actorId'>): Promise<void>;
  customFieldDefinitions(ops: StorageOperations, entity: CustomFieldEntity): Promise<readonly CustomFieldDefinition[]>;
}

const META_KEYS = ['id', 'version', 'createdAt', 'updatedAt'] as const;

/** A record's entity fields, without the metadata the adapter keeps (`id`, `version`, `createdAt`, `updatedAt`). */
export function withoutMeta(record: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...record };
  for (const key of META_KEYS) delete copy[key];
  return copy;
}

/**
 * What an adapter returned, as its entity: the record itself when it has its schema's shape (a trusted read, see
 * `trusted.ts`), otherwise parsed in full; a record that does not fit its schema is a `StorageError`.
 */
export function fromStorage<T>(schema: z.ZodMiniType<T, unknown>, record: unknown, name: string): T {
  if (isTrustedShape(schema, record)) return record as T;
  const result = z.safeParse(schema, record);
  if (result.success) return result.data;
  throw new StorageError(`A stored ${name} record does not match its schema`, {
    cause: new ValidationError(toValidationIssues(result.error), `stored ${name}`),
  });
}

/** A reader of one entity's stored records: `fromStorage` with the schema and name bound. */
export function storedReader<T>(schema: z.ZodMiniType<T, unknown>, name: string): (record: unknown) => T {
  return (record) => fromStorage(schema, record, name);
}

/**
 * A record this service has just validated and written, as its entity type: the adapter added only the metadata, so
 * it is not parsed again.
 */
export function written<T>(record: object): T {
  return record as unknown as T;
}

/** Every record of a collection matching `where` (in `orderBy` order), following `next` until the last page. */
export async function loadAll<T extends object = Record<string, unknown>>(
  ops: StorageOperations,
  collection: string,
  where?: Filter,
  options: { readonly orderBy?: readonly OrderBy[]; readonly pageSize?: number } = {},
): Promise<StoredRecord<T>[]> {
  const records: StoredRecord<T>[] = [];
  let after: string | undefined;
  do {
    const page = await ops.query<T>(collection, {
      ...(where ? { where } : {}),
      ...(options.orderBy ? { orderBy: [...options.orderBy] } : {}),
      ...(options.pageSize === undefined ? {} : { limit: options.pageSize }),
      ...(after === undefined ? {} : { after }),
    });
    after = page.next;
    // One page is the whole answer (a query without a limit): its array is fresh, no copy needed.
    if (after === undefined && records.length === 0) return page.records as StoredRecord<T>[];
    for (const record of page.records) records.push(record);
  } while (after !== undefined);
  return records;
}

/** Values per `in` query: long enough to batch, short enough for any engine. */
const IN_BATCH = 500;

/** Every record whose `field` is one of `values`, in batches of `in` queries (an index on `field` serves each). */
export async function loadWhereIn<T extends object = Record<string, unknown>>(
  ops: StorageOperations,
  collection: string,
  field: string,
  values: readonly string[],
): Promise<StoredRecord<T>[]> {
  const records: StoredRecord<T>[] = [];
  for (let i = 0; i < values.length; i += IN_BATCH) {
    const batch = values.slice(i, i + IN_BATCH);
    for (const record of await loadAll<T>(ops, collection, { field, op: 'in', values: batch })) records.push(record);
  }
  return records;
}

/** The stored records of `ids` that exist, in the order of `ids`. */
export async function loadByIds<T extends object = Record<string, unknown>>(
  ops: StorageOperations,
  collection: string,
  ids: readonly string[],
): Promise<StoredRecord<T>[]> {
  if (ids.length === 0) return [];
  return (await ops.getMany<T>(collection, ids)).filter((record) => record !== undefined);
}

/**
 * The stored record; `ValidationError` naming `id` when `id` is not a string (every service's `get`, `update` and
 * `remove` load through here), `NotFoundError` when there is none, `ConflictError` when `expectedVersion` is given and
 * the record is at another version.
 */
export async function loadAt(
  ops: StorageOperations,
  collection: string,
  id: string,
  expectedVersion?: number,
): Promise<StoredRecord> {
  checkId(id);
  const record = await ops.get(collection, id);
  if (!record) throw new NotFoundError(collection, id);
  if (expectedVersion !== undefined && record.version !== expectedVersion) {
    throw new ConflictError(collection, id, expectedVersion, record.version);
  }
  return record;
}

/** An entity's input schema with this CRM's custom field definitions for it applied. */
export async function schemaWithCustomFields<S extends z.ZodMiniType>(
  context: RecordContext,
  ops: StorageOperations,
  schema: S,
  entity: CustomFieldEntity | undefined,
): Promise<S> {
  if (entity === undefined) return schema;
  return withCustomFields(schema as never, await context.customFieldDefinitions(ops, entity)) as unknown as S;
}

/**
 * `before` with a patch applied: the patch's fields replace the stored ones, custom fields key by key. Validate the
 * result as a whole.
 */
export function applyPatch(before: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...before, ...changes };
  if (changes['customFields'] !== undefined) {
    merged['customFields'] = { ...(before['customFields'] as object), ...(changes['customFields'] as object) };
  }
  return merged;
}

/**
 * Stores a new, already validated entity under `id` (a new one by default) and audits its creation, in the caller's
 * transaction.
 */
export async function insertAudited(
  context: RecordContext,
  tx: StorageOperations,
  collection: string,
  entity: Record<string, unknown>,
  at: string,
  id: string = context.newId(),
): Promise<StoredRecord> {
  const record = await tx.put<Record<string, unknown>>(collection, { ...entity, id }, { expectedVersion: 0 });
  await context.audit(tx, {
    action: 'create',
    entity: collection,
    entityId: id,
    at,
    changedFields: Object.keys(entity).sort(),
  });
  return record;
}

/** Options of {@link updateAudited}. */
export interface UpdateOptions {
  /** The version the write expects; the stored record's by default. */
  readonly expectedVersion?: number | undefined;
  /** Write nothing (and audit nothing) when no field changed. */
  readonly skipUnchanged?: boolean;
  /** The fields the audit entry names, when they are known without comparing (`changedFieldNames` otherwise). */
  readonly changedFields?: readonly string[];
}

/**
 * Writes the already validated `entity` over `stored` and audits the fields that changed, in the caller's
 * transaction; resolves to the record and the changed field names.
 */
export async function updateAudited(
  context: RecordContext,
  tx: StorageOperations,
  collection: string,
  stored: StoredRecord,
  entity: Record<string, unknown>,
  at: string,
  options: UpdateOptions = {},
): Promise<{ record: StoredRecord; changedFields: string[] }> {
  const changedFields = options.changedFields
    ? [...options.changedFields]
    : changedFieldNames(withoutMeta(stored), entity);
  if (options.skipUnchanged && changedFields.length === 0) return { record: stored, changedFields };
  const record = await tx.put<Record<string, unknown>>(
    collection,
    { ...entity, id: stored.id },
    { expectedVersion: options.expectedVersion ?? stored.version },
  );
  await context.audit(tx, { action: 'update', entity: collection, entityId: stored.id, at, changedFields });
  return { record, changedFields };
}

/** Deletes a record (at `expectedVersion` when given) and audits it, in the caller's transaction. */
export async function removeAudited(
  context: RecordContext,
  tx: StorageOperations,
  collection: string,
  id: string,
  at: string,
  expectedVersion?: number,
): Promise<void> {
  checkId(id);
  await tx.delete(collection, id, expectedVersion === undefined ? {} : { expectedVersion });
  await context.audit(tx, { action: 'delete', entity: collection, entityId: id, at, changedFields: [] });
}
