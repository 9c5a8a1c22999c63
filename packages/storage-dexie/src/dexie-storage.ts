import { Dexie, type Table, type Transaction } from 'dexie';
import {
  CRM_COLLECTIONS,
  ConflictError,
  NotFoundError,
  SchemaVersionError,
  StorageError,
  ValidationError,
  checkCollection,
  createChangeFeed,
  parseOrThrow,
  parseQueryOptions,
  parseIndexSpec,
  parseSnapshot,
  recordIdSchema,
  stampWrite,
  type ChangeEvent,
  type StorageOperations,
  type StorageOptions,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';
import { guard } from './errors.js';
import { OpenAttempt, probeDatabase, resolveFactory } from './open.js';
import { createIndexCoverage } from './coverage.js';
import { PUSHDOWN_OPERATORS, runCount, runQuery, type TableContext } from './pushdown.js';
import {
  DEXIE_SCHEMA_VERSION,
  declareSchema,
  declaredIndexes,
  dexieLayout,
  portSpecs,
  schemaVersionOf,
} from './schema.js';
import {
  readStatus,
  requestPersistence,
  resolveStorageManager,
  type DexieStorageStatus,
  type StorageManagerLike,
} from './status.js';

/** How long opening may wait for another tab to let an upgrade through, unless `blockedTimeoutMs` says otherwise. */
export const DEFAULT_BLOCKED_TIMEOUT_MS = 5000;

/**
 * The host's index layouts in Dexie's syntax, checked: a layout in the port's syntax (a list of specs) gets the
 * primary key `id` in front; a Dexie layout must keep `id` as its primary key (IndexedDB cannot change a store's key
 * in an upgrade); every index must be one the port can declare (`parseIndexSpec`; Dexie's unique marker `&` allowed).
 */
function checkIndexes(indexes: Readonly<Record<string, string | readonly string[]>>): Readonly<Record<string, string>> {
  const layouts: Record<string, string> = {};
  const issues: { path: string[]; message: string }[] = [];
  for (const [name, design] of Object.entries(indexes)) {
    const dexie = Array.isArray(design) ? dexieLayout(design as readonly string[]) : design;
    if (typeof dexie !== 'string' || !/^\s*id\s*(,|$)/.test(dexie)) {
      issues.push({ path: [name], message: 'Expected an index design whose primary key is id, e.g. "id, region"' });
      continue;
    }
    try {
      for (const spec of portSpecs(dexie)) parseIndexSpec(spec);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push({ path: [name], message: error.issues[0]?.message ?? 'Not an index spec' });
      continue;
    }
    layouts[name] = dexie;
  }
  if (issues.length > 0) throw new ValidationError(issues, 'indexes');
  return layouts;
}

export interface DexieStorageOptions extends StorageOptions {
  /** The IndexedDB database name; one database per CRM. */
  readonly name: string;
  /**
   * The collections to create, one object store each. Default: core's `CRM_COLLECTIONS`. Names without an index
   * design in `CRM_INDEXES` get a store keyed by `id` only. Stores already in the database are always kept, even
   * when not listed here.
   */
  readonly collections?: readonly string[];
  /**
   * Index designs for collections, replacing the design of a CRM collection (core's `CRM_INDEXES`) or giving a host's
   * own collection indexes: in the port's syntax (`['region', '*labels', '[region+status]']`, as in
   * `capabilities.indexes`) or in Dexie's (`'id, region, *labels, [region+status]'`, whose primary key must stay
   * `id`). Queries on these fields are then answered from the indexes; `capabilities.indexes` reports them.
   */
  readonly indexes?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * An IndexedDB implementation other than the global one (a test double, or a worker's); `null` for none (then
   * every operation rejects with `StorageUnavailableError`).
   */
  readonly indexedDB?: IDBFactory | null;
  /** The matching key-range constructor for `indexedDB`. */
  readonly IDBKeyRange?: typeof IDBKeyRange;
  /**
   * How long (ms) opening may wait when an upgrade is blocked by another open connection (another tab still on the
   * old version) before it rejects with `UpgradeBlockedError`. Default 5000.
   */
  readonly blockedTimeoutMs?: number;
  /**
   * Called with each Dexie instance the adapter creates, before it opens: add Dexie middleware (`db.use(…)`) or
   * addons here. Do not declare versions: the schema is the adapter's. The query planner reads through Dexie's
   * DBCore, so a `dbcore` middleware sees every request it makes (the tests count records read this way).
   */
  readonly configure?: (db: Dexie) => void;
  /** The Storage API for `status()` and `persist()`; default `navigator.storage`; `null` for none. */
  readonly storageManager?: StorageManagerLike | null;
}

/** Told to `onVersionChange` listeners when another connection changes the database under this one. */
export interface DexieVersionChange {
  /** The schema version the other connection is moving the database to; `null` when it is deleting it. */
  readonly newSchemaVersion: number | null;
}

/** The Dexie adapter: the storage port plus what only a browser database has. */
export interface DexieStorage extends StoragePort {
  /**
   * Opens (and, when it is older, migrates) the database now rather than on first use, so a host can choose a
   * fallback at start-up. Rejects with `StorageUnavailableError`, `SchemaVersionError` or `UpgradeBlockedError`.
   */
  open(): Promise<void>;
  /** Whether the data is persistent, how much space is used and allowed, and the schema version. */
  status(): Promise<DexieStorageStatus>;
  /** Asks the browser to keep the data persistently; resolves to whether it now is. */
  persist(): Promise<boolean>;
  /**
   * Calls `listener` when another tab upgrades the database to a newer schema (or deletes it). This connection has
   * then already closed itself so the other tab can proceed; the page should offer to reload. Later operations
   * reject with `SchemaVersionError` until it does. Returns the function that removes the listener.
   */
  onVersionChange(listener: (change: DexieVersionChange) => void): () => void;
}

/**
 * Creates a storage adapter on IndexedDB through Dexie. The database is opened on first use (or by `open()`):
 * migrated when older than this code, refused with `SchemaVersionError` when newer, refused with
 * `UpgradeBlockedError` when another tab blocks the upgrade for longer than `blockedTimeoutMs`, and
 * `StorageUnavailableError` when IndexedDB cannot be used here.
 *
 * Every write runs its version check and its write in one readwrite transaction, so two tabs cannot both win a race
 * on the same record; `transaction()` spans every store, so it is all or nothing across collections. Committed
 * changes reach this connection's subscribers and, through a `BroadcastChannel`, the other connections and tabs of
 * the same origin (their events carry `remote: true`).
 */
export function createDexieStorage(options: DexieStorageOptions): DexieStorage {
  const now = options.now ?? (() => new Date());
  const collections = [...new Set((options.collections ?? CRM_COLLECTIONS).map((name) => checkCollection(name)))];
  const indexes = checkIndexes(options.indexes ?? {});
  const blockedTimeoutMs = options.blockedTimeoutMs ?? DEFAULT_BLOCKED_TIMEOUT_MS;
  const storageManager = () => resolveStorageManager(options.storageManager);

  let closed = false;
  let current: Dexie | undefined;
  let opening: Promise<Dexie> | undefined;
  const versionListeners = new Set<(change: DexieVersionChange) => void>();

  const feed = createChangeFeed();
  // What the query planner knows about index coverage lasts until the collection changes, here or in another tab.
  const coverage = createIndexCoverage();
  feed.subscribe((events) => {
    for (const event of events) coverage.forget(event.collection);
  });
  const channel = openChannel(`crmkit:${options.name}`);
  if (channel) {
    channel.onmessage = (message: MessageEvent<unknown>) => {
      if (!Array.isArray(message.data)) return;
      feed.emit((message.data as ChangeEvent[]).map((event) => ({ ...event, remote: true })));
    };
  }
  const publish = (events: readonly ChangeEvent[]) => {
    if (events.length === 0) return;
    feed.emit(events);
    channel?.postMessage(events);
  };

  /** Another connection wants a newer version (or to delete the database): step aside and tell the host. */
  const onVersionChange = (db: Dexie, event: IDBVersionChangeEvent): false => {
    db.close();
    if (current === db) current = undefined;
    const newSchemaVersion = event.newVersion === null ? null : schemaVersionOf(event.newVersion);
    // A same-version change is Dexie adding a store another connection needs: reopen quietly on next use.
    if (newSchemaVersion === null || newSchemaVersion > DEXIE_SCHEMA_VERSION) {
      for (const listener of [...versionListeners]) {
        try {
          listener({ newSchemaVersion });
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    // Returning false keeps Dexie's default handler from running: it would close with auto-reopen.
    return false;
  };

  const openDatabase = async (): Promise<Dexie> => {
    const factory = resolveFactory(options.indexedDB);
    const stored = await probeDatabase(factory, options.name, blockedTimeoutMs);
    if (stored && schemaVersionOf(stored.nativeVersion) > DEXIE_SCHEMA_VERSION) {
      throw new SchemaVersionError(schemaVersionOf(stored.nativeVersion), DEXIE_SCHEMA_VERSION);
    }
    const attempt = new OpenAttempt(options.name, blockedTimeoutMs);
    const keyRange = options.IDBKeyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange;
    const db = new Dexie(options.name, {
      autoOpen: false,
      indexedDB: attempt.factory(factory),
      ...(keyRange ? { IDBKeyRange: keyRange } : {}),
    });
    // Stores the database already has stay declared, so no upgrade ever deletes a collection it was not told about.
    declareSchema(db, [...new Set([...collections, ...(stored?.storeNames ?? [])])], indexes);
    db.on('versionchange', (event: IDBVersionChangeEvent) => onVersionChange(db, event));
    // A blocked upgrade is reported as UpgradeBlockedError; returning false silences Dexie's console warning.
    db.on('blocked', () => false);
    options.configure?.(db);
    await attempt.run(db);
    return db;
  };

  /** The open database, opening it first when needed; a failed open is retried on the next call. */
  const connect = (): Promise<Dexie> => {
    if (closed) return Promise.reject(new StorageError('This storage has been closed'));
    if (current) return Promise.resolve(current);
    if (!opening) {
      const attempt: Promise<Dexie> = openDatabase().then(
        (db) => {
          if (opening === attempt) opening = undefined;
          if (closed) {
            db.close();
            throw new StorageError('This storage has been closed');
          }
          // Closed by another tab's upgrade between opening and now: look again (it may now be too new).
          if (!db.isOpen()) return connect();
          current = db;
          return db;
        },
        (error: unknown) => {
          if (opening === attempt) opening = undefined;
          throw error;
        },
      );
      opening = attempt;
    }
    return opening;
  };

  /** Checks a collection name before anything opens: a bad name is a `ValidationError`, an unknown one a `StorageError`. */
  const known = (collection: string): string => {
    checkCollection(collection);
    if (!collections.includes(collection)) throw new StorageError(`Unknown collection ${collection}`);
    return collection;
  };
  const table = (db: Dexie, collection: string): Table<StoredRecord, string> => db.table(known(collection));
  const allTables = (db: Dexie) => collections.map((name) => db.table(name));
  /** A table of the transaction, so operations on it run in that transaction whatever the caller awaited before. */
  const bound = (tx: Transaction, collection: string): Table<StoredRecord, string> =>
    tx.table(known(collection)) as Table<StoredRecord, string>;

  /** What the planner needs to read one collection in the transaction. */
  const context = (tx: Transaction, collection: string): TableContext => ({
    table: bound(tx, collection),
    tx,
    now: now(),
    coverage,
  });

  /**
   * Operations on the given Dexie transaction, recording what they change. Its tables are bound to it explicitly
   * (`tx.table`), not found through Dexie's ambient zone: a service's body may await its own native promises (an
   * `async` helper, a validation step) before its first operation, and the zone does not survive that, so an
   * implicitly found table would start a transaction of its own and the outer one would commit early, empty.
   */
  const operations = (tx: Transaction, events: ChangeEvent[]): StorageOperations => ({
    get: (collection, id) => bound(tx, collection).get(id) as never,
    getMany: (collection, ids) => bound(tx, collection).bulkGet([...ids]) as never,
    async put(collection, record, { expectedVersion }) {
      const rows = bound(tx, collection);
      parseOrThrow(recordIdSchema, record.id, 'record id');
      const stored = stampWrite(collection, record, await rows.get(record.id), expectedVersion, now());
      await rows.put(stored as StoredRecord);
      coverage.forget(collection);
      events.push({ collection, id: record.id, type: 'put', version: stored.version });
      return stored;
    },
    async delete(collection, id, deleteOptions) {
      const rows = bound(tx, collection);
      const current = await rows.get(id);
      if (!current) throw new NotFoundError(collection, id);
      const expected = deleteOptions?.expectedVersion;
      if (expected !== undefined && expected !== current.version) {
        throw new ConflictError(collection, id, expected, current.version);
      }
      await rows.delete(id);
      coverage.forget(collection);
      events.push({ collection, id, type: 'delete' });
    },
    query: (collection, queryOptions) => runQuery(context(tx, collection), parseQueryOptions(queryOptions)),
    count: (collection, where) => runCount(context(tx, collection), parseQueryOptions({ where }).where),
  });

  /** A read of one collection in one read-only transaction. */
  const read = <T>(operation: string, collection: string, body: (ops: StorageOperations) => Promise<T>): Promise<T> =>
    guard(operation, async () => {
      known(collection);
      const db = await connect();
      return db.transaction('r', table(db, collection), (tx) => body(operations(tx, [])));
    });

  /** A write of one collection: version check and write in one readwrite transaction, then published. */
  const write = <T>(operation: string, collection: string, body: (ops: StorageOperations) => Promise<T>): Promise<T> =>
    guard(operation, async (capture) => {
      known(collection);
      const db = await connect();
      const events: ChangeEvent[] = [];
      const result = await db.transaction('rw', table(db, collection), (tx) => {
        capture(tx);
        return body(operations(tx, events));
      });
      publish(events);
      return result;
    });

  return {
    capabilities: {
      pushdown: PUSHDOWN_OPERATORS,
      changeFeed: channel ? 'browser' : 'connection',
      indexes: declaredIndexes(collections, indexes),
    },
    get: (collection, id) => read('read', collection, (ops) => ops.get(collection, id)),
    getMany: (collection, ids) => read('read', collection, (ops) => ops.getMany(collection, ids)),
    query: (collection, queryOptions) => read('query', collection, (ops) => ops.query(collection, queryOptions)),
    count: (collection, where) => read('count', collection, (ops) => ops.count(collection, where)),
    put: (collection, record, putOptions) =>
      write('write', collection, (ops) => ops.put(collection, record, putOptions)),
    delete: (collection, id, deleteOptions) =>
      write('delete', collection, (ops) => ops.delete(collection, id, deleteOptions)),

    transaction: (body) =>
      guard('transaction', async (capture) => {
        const db = await connect();
        const events: ChangeEvent[] = [];
        try {
          const result = await db.transaction('rw', allTables(db), (tx) => {
            capture(tx);
            return body(operations(tx, events));
          });
          publish(events);
          return result;
        } catch (error) {
          // Coverage counted inside the rolled-back transaction saw writes that never happened.
          for (const collection of collections) coverage.forget(collection);
          throw error;
        }
      }),

    subscribe: feed.subscribe,

    exportSnapshot: () =>
      guard('export', async () => {
        const db = await connect();
        return db.transaction('r', allTables(db), async () => {
          const out: Record<string, StoredRecord[]> = {};
          for (const name of [...collections].sort()) {
            const rows = await db.table<StoredRecord, string>(name).orderBy(':id').toArray();
            if (rows.length > 0) out[name] = rows;
          }
          return { format: 'crmkit.storage' as const, formatVersion: 1 as const, collections: out };
        });
      }),

    importSnapshot: (snapshot) =>
      guard('import', async (capture) => {
        const parsed = parseSnapshot(snapshot);
        const unknown = Object.keys(parsed.collections).filter((name) => !collections.includes(name));
        if (unknown.length > 0) {
          throw new ValidationError(
            unknown.map((name) => ({ path: ['collections', name], message: 'Unknown collection' })),
            'snapshot',
          );
        }
        const db = await connect();
        const events: ChangeEvent[] = [];
        await db.transaction('rw', allTables(db), async (tx) => {
          capture(tx);
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

    open: () =>
      guard('open', async () => {
        await connect();
      }),

    status: () => readStatus(storageManager()),
    persist: () => requestPersistence(storageManager()),

    onVersionChange(listener) {
      versionListeners.add(listener);
      return () => void versionListeners.delete(listener);
    },

    async close() {
      if (closed) return;
      closed = true;
      feed.clear();
      versionListeners.clear();
      channel?.close();
      current?.close();
      current = undefined;
      const pending = opening;
      opening = undefined;
      // An open in progress closes its database itself when it sees `closed`.
      await pending?.catch(() => undefined);
    },
  };
}

function openChannel(name: string): BroadcastChannel | undefined {
  if (typeof BroadcastChannel !== 'function') return undefined;
  try {
    return new BroadcastChannel(name);
  } catch {
    // Opaque origins (sandboxed frames) may refuse channels: the feed then reaches this connection only.
    return undefined;
  }
}
