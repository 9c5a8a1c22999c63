import { Dexie, type Table } from 'dexie';
import {
  ConflictError,
  isCrmError,
  type CrmError,
  NotFoundError,
  StorageError,
  stampWrite,
  type StorageOptions,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';

export interface DexieStorageOptions extends StorageOptions {
  /** The IndexedDB database name; one database per CRM. */
  readonly name: string;
  /** The collections to create, one object store each. */
  readonly collections: readonly string[];
  /** An IndexedDB implementation other than the global one (a test double, or a worker's). */
  readonly indexedDB?: IDBFactory;
  /** The matching key-range constructor for `indexedDB`. */
  readonly IDBKeyRange?: typeof IDBKeyRange;
}

/** The current schema version of the database layout. */
export const DEXIE_SCHEMA_VERSION = 1;

/**
 * Creates a storage adapter on IndexedDB through Dexie. Every write runs its version check and its write in one
 * readwrite transaction, so two tabs cannot both win a race on the same record.
 */
export function createDexieStorage(options: DexieStorageOptions): StoragePort {
  const now = options.now ?? (() => new Date());
  const db = new Dexie(options.name, {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
  });
  db.version(DEXIE_SCHEMA_VERSION).stores(Object.fromEntries(options.collections.map((name) => [name, 'id'])));

  const table = (collection: string): Table<StoredRecord, string> => {
    if (!options.collections.includes(collection)) {
      throw new StorageError(`Unknown collection ${collection}`);
    }
    return db.table(collection);
  };

  return {
    get: (collection, id) => guard('read', async () => table(collection).get(id)) as never,

    put: (collection, record, { expectedVersion }) =>
      guard('write', () => {
        const rows = table(collection);
        return db.transaction('rw', rows, async () => {
          const stored = stampWrite(collection, record, await rows.get(record.id), expectedVersion, now());
          await rows.put(stored as StoredRecord);
          return stored;
        });
      }),

    delete: (collection, id, deleteOptions) =>
      guard('delete', () => {
        const rows = table(collection);
        return db.transaction('rw', rows, async () => {
          const current = await rows.get(id);
          if (!current) throw new NotFoundError(collection, id);
          const expected = deleteOptions?.expectedVersion;
          if (expected !== undefined && expected !== current.version) {
            throw new ConflictError(collection, id, expected, current.version);
          }
          await rows.delete(id);
        });
      }),

    query: (collection, queryOptions = {}) =>
      guard('query', async () => {
        const ordered = table(collection).orderBy('id');
        return (queryOptions.limit === undefined ? ordered : ordered.limit(queryOptions.limit)).toArray();
      }) as never,

    close: async () => db.close(),
  };
}

/**
 * Passes crmkit's own errors through and wraps everything the engine throws in `StorageError`. Dexie re-wraps errors
 * thrown inside a transaction whose name matches one of its own (our `NotFoundError` becomes Dexie's, with ours as
 * `inner`), so the chain is searched for the original.
 */
async function guard<T>(operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const own = findCrmError(error);
    if (own) throw own;
    const name = error instanceof Error ? error.name : 'Error';
    throw new StorageError(`IndexedDB ${operation} failed (${name})`, { cause: error });
  }
}

function findCrmError(error: unknown): CrmError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (isCrmError(current)) return current;
    const next = current as { inner?: unknown; cause?: unknown };
    current = next.inner ?? next.cause;
  }
  return undefined;
}
