import { Dexie, type Table } from 'dexie';
import {
  ConflictError,
  NotFoundError,
  StorageError,
  ValidationError,
  checkCollection,
  createChangeFeed,
  isCrmError,
  parseOrThrow,
  parseQueryOptions,
  parseSnapshot,
  recordIdSchema,
  stampWrite,
  type ChangeEvent,
  type CrmError,
  type StorageOperations,
  type StorageOptions,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';
import { PUSHDOWN_OPERATORS, runCount, runQuery } from './pushdown.js';

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
 * readwrite transaction, so two tabs cannot both win a race on the same record; `transaction()` spans every store,
 * so it is all or nothing across collections. Committed changes reach this connection's subscribers and, through a
 * `BroadcastChannel`, the other tabs of the same origin.
 */
export function createDexieStorage(options: DexieStorageOptions): StoragePort {
  const now = options.now ?? (() => new Date());
  const collections = options.collections.map((name) => checkCollection(name));
  const db = new Dexie(options.name, {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
  });
  db.version(DEXIE_SCHEMA_VERSION).stores(Object.fromEntries(collections.map((name) => [name, 'id'])));

  const feed = createChangeFeed();
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`crmkit:${options.name}`) : undefined;
  if (channel) {
    channel.onmessage = (message: MessageEvent<ChangeEvent[]>) =>
      feed.emit(message.data.map((event) => ({ ...event, remote: true })));
  }
  const publish = (events: readonly ChangeEvent[]) => {
    if (events.length === 0) return;
    feed.emit(events);
    channel?.postMessage(events);
  };

  const table = (collection: string): Table<StoredRecord, string> => {
    checkCollection(collection);
    if (!collections.includes(collection)) throw new StorageError(`Unknown collection ${collection}`);
    return db.table(collection);
  };
  const allTables = () => collections.map((name) => db.table(name));

  /** Operations that join the caller's Dexie transaction, recording what they change. */
  const operations = (events: ChangeEvent[]): StorageOperations => ({
    get: (collection, id) => table(collection).get(id) as never,
    getMany: (collection, ids) => table(collection).bulkGet([...ids]) as never,
    async put(collection, record, { expectedVersion }) {
      const rows = table(collection);
      parseOrThrow(recordIdSchema, record.id, 'record id');
      const stored = stampWrite(collection, record, await rows.get(record.id), expectedVersion, now());
      await rows.put(stored as StoredRecord);
      events.push({ collection, id: record.id, type: 'put', version: stored.version });
      return stored;
    },
    async delete(collection, id, deleteOptions) {
      const rows = table(collection);
      const current = await rows.get(id);
      if (!current) throw new NotFoundError(collection, id);
      const expected = deleteOptions?.expectedVersion;
      if (expected !== undefined && expected !== current.version) {
        throw new ConflictError(collection, id, expected, current.version);
      }
      await rows.delete(id);
      events.push({ collection, id, type: 'delete' });
    },
    query: (collection, queryOptions) => runQuery(table(collection), parseQueryOptions(queryOptions), now()),
    count: (collection, where) => runCount(table(collection), parseQueryOptions({ where }).where, now()),
  });

  const transaction = <T>(body: (tx: StorageOperations) => Promise<T>): Promise<T> =>
    guard('transaction', async () => {
      const events: ChangeEvent[] = [];
      const result = await db.transaction('rw', allTables(), () => body(operations(events)));
      publish(events);
      return result;
    });

  const read = <T>(operation: string, body: (ops: StorageOperations) => Promise<T>): Promise<T> =>
    guard(operation, () => body(operations([])));

  return {
    capabilities: { pushdown: PUSHDOWN_OPERATORS, changeFeed: 'browser' },
    get: (collection, id) => read('read', (ops) => ops.get(collection, id)),
    getMany: (collection, ids) => read('read', (ops) => ops.getMany(collection, ids)),
    query: (collection, queryOptions) =>
      read('query', (ops) => db.transaction('r', table(collection), () => ops.query(collection, queryOptions))),
    count: (collection, where) => read('count', (ops) => ops.count(collection, where)),
    put: (collection, record, putOptions) =>
      guard('write', async () => {
        const events: ChangeEvent[] = [];
        const stored = await db.transaction('rw', table(collection), () =>
          operations(events).put(collection, record, putOptions),
        );
        publish(events);
        return stored;
      }),
    delete: (collection, id, deleteOptions) =>
      guard('delete', async () => {
        const events: ChangeEvent[] = [];
        await db.transaction('rw', table(collection), () => operations(events).delete(collection, id, deleteOptions));
        publish(events);
      }),
    transaction,

    subscribe: feed.subscribe,

    exportSnapshot: () =>
      guard('export', () =>
        db.transaction('r', allTables(), async () => {
          const out: Record<string, StoredRecord[]> = {};
          for (const name of [...collections].sort()) {
            const rows = await db.table<StoredRecord, string>(name).orderBy(':id').toArray();
            if (rows.length > 0) out[name] = rows;
          }
          return { format: 'crmkit.storage' as const, formatVersion: 1 as const, collections: out };
        }),
      ),

    importSnapshot: (snapshot) =>
      guard('import', async () => {
        const parsed = parseSnapshot(snapshot);
        const unknown = Object.keys(parsed.collections).filter((name) => !collections.includes(name));
        if (unknown.length > 0) {
          throw new ValidationError(
            unknown.map((name) => ({ path: ['collections', name], message: 'Unknown collection' })),
            'snapshot',
          );
        }
        const events: ChangeEvent[] = [];
        await db.transaction('rw', allTables(), async () => {
          for (const name of collections) {
            const rows = db.table<StoredRecord, string>(name);
            for (const id of await rows.toCollection().primaryKeys())
              events.push({ collection: name, id, type: 'delete' });
            await rows.clear();
            const records = parsed.collections[name] ?? [];
            await rows.bulkAdd(records as StoredRecord[]);
            for (const record of records)
              events.push({ collection: name, id: record.id, type: 'put', version: record.version });
          }
        });
        publish(events);
      }),

    async close() {
      feed.clear();
      channel?.close();
      db.close();
    },
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
    // The transaction body's own errors (not the engine's) reach the caller unchanged.
    if (!(error instanceof Dexie.DexieError) && !isDomException(error)) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    throw new StorageError(`IndexedDB ${operation} failed (${name})`, { cause: error });
  }
}

function isDomException(error: unknown): boolean {
  return typeof DOMException === 'function' && error instanceof DOMException;
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
