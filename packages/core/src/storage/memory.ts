import { ConflictError, NotFoundError, StorageError } from '../errors/errors.js';
import { FILTER_OPERATORS, compileFilter, getPath } from '../filter/index.js';
import { parseInstant } from '../time/instant.js';
import type {
  ChangeEvent,
  IndexDesign,
  DeleteOptions,
  QueryOptions,
  RecordInput,
  StorageOperations,
  StorageOptions,
  StoragePort,
  QueryPage,
  StoredRecord,
} from './port.js';
import type { CollectionIndexes } from './memory-indexes.js';
import type { QuerySource } from './memory-query.js';
import type { PlannerKit } from './planner-kit.js';
import type * as MemoryPlanner from './memory-planner.js';
import {
  checkCollection,
  compareValues,
  decodeCursor,
  encodeCursor,
  parseQueryOptions,
  queryInMemory,
  recordIdSchema,
} from './query.js';
import { CRM_INDEXES, parseIndexSpec } from './indexes.js';
import { checkId, checkSnapshotShape, parseSnapshot } from './snapshot.js';
import { stampWrite } from './stamp.js';
import { createChangeFeed } from './change-feed.js';
import { parseOrThrow } from '../errors/parse.js';

/** The backing data of a memory storage: collection name → id → record. */
export type MemoryData = Map<string, Map<string, StoredRecord>>;

export interface MemoryStorageOptions extends StorageOptions {
  /**
   * Backing maps to use, e.g. to inspect them in tests; a new empty one by default. Records in them are frozen; write
   * through the port, since the indexes follow only its writes.
   */
  readonly data?: MemoryData;
  /** The indexes to keep, by collection; the CRM's design ({@link CRM_INDEXES}) by default. */
  readonly indexes?: IndexDesign;
  /**
   * Called with the number of stored records each read looked at: a query served by an index reads about as many as
   * it returns. For tests and diagnostics.
   */
  readonly onRead?: (records: number) => void;
}

/** Freezes a record and everything in it, so a reader can be handed the stored object itself. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The core functions the lazily loaded planner uses (see `planner-kit.ts`). */
export const PLANNER_KIT: PlannerKit = {
  compareValues,
  compileFilter,
  decodeCursor,
  encodeCursor,
  getPath,
  parseIndexSpec,
  parseInstant,
  queryInMemory,
};

const DELETED = /* @__PURE__ */ Symbol('deleted');
type Staged = StoredRecord | typeof DELETED;

/**
 * The reference adapter: plain maps in memory with ordered indexes, transactional, versioned, with a change feed.
 *
 * Writes (single ones too) run one at a time, each as a transaction staging its changes in an overlay that is
 * applied in one synchronous step on commit, so readers never see half a transaction and a stale write can never
 * slip between a check and its write. A record is copied and deeply frozen on the way in, and readers get that frozen
 * record: reads cost no copy, and a caller cannot change what is stored through an object it got back.
 *
 * Queries use the indexes of `options.indexes` (see `memory-indexes.ts`): a filter an index serves reads its
 * candidates only, and a page ordered by an indexed field (or by id) walks that index from the cursor and stops when
 * the page is full.
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): StoragePort {
  const data: MemoryData = options.data ?? new Map();
  const now = options.now ?? (() => new Date());
  const design = options.indexes ?? CRM_INDEXES;
  const onRead = options.onRead ?? (() => undefined);
  const indexes = new Map<string, CollectionIndexes>();
  /** The planner, loaded on the first query (see `memory-planner.ts`) and handed the core functions it uses. */
  let planner: Promise<typeof MemoryPlanner> | undefined;
  const loadPlanner = () =>
    (planner ??= import('./memory-planner.js').then((module) => {
      module.install(PLANNER_KIT);
      return module;
    }));
  /**
   * A collection's indexes, built from its records on its first query and kept up to date by every commit after
   * that: a collection never queried has none to maintain.
   */
  const indexesOf = async (collection: string): Promise<CollectionIndexes> => {
    const { CollectionIndexes } = await loadPlanner();
    let found = indexes.get(collection);
    if (!found) {
      found = new CollectionIndexes(Object.hasOwn(design, collection) ? (design[collection] ?? []) : []);
      found.load(data.get(collection)?.values() ?? []);
      indexes.set(collection, found);
    }
    return found;
  };
  const feed = createChangeFeed();
  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();

  const assertOpen = () => {
    if (closed) throw new StorageError('Storage is closed');
  };

  /** The committed records of a collection whose name the operation has already checked. */
  const committed = (collection: string): Map<string, StoredRecord> | undefined => data.get(collection);

  /** Runs `body` after every earlier write has settled. */
  const exclusive = <T>(body: () => Promise<T>): Promise<T> => {
    const run = tail.then(body, body);
    tail = run.catch(() => undefined);
    return run;
  };

  /** Reads and writes over the committed data plus a transaction's overlay. */
  const operations = (overlay: Map<string, Map<string, Staged>> | undefined): StorageOperations => {
    const current = (collection: string, id: string): StoredRecord | undefined => {
      const staged = overlay?.get(collection)?.get(id);
      if (staged === DELETED) return undefined;
      return staged ?? committed(collection)?.get(id);
    };
    const visible = function* (collection: string): Iterable<StoredRecord> {
      const staged = overlay?.get(collection);
      for (const [id, record] of committed(collection) ?? []) if (!staged?.has(id)) yield record;
      for (const record of staged?.values() ?? []) if (record !== DELETED) yield record;
    };
    const source = async (collection: string): Promise<QuerySource> => {
      const staged = overlay?.get(collection);
      const rows = committed(collection);
      const unstaged = !staged || staged.size === 0;
      return {
        indexes: await indexesOf(collection),
        staged: unstaged ? undefined : staged.keys(),
        // Nothing staged here: a record is read straight from the committed rows.
        read: unstaged ? (id) => rows?.get(id) : (id) => current(collection, id),
        all: () => visible(collection),
        onRead,
      };
    };
    const stage = (collection: string, id: string, value: Staged) => {
      if (!overlay) throw new Error('Writes need a transaction');
      let rows = overlay.get(collection);
      if (!rows) overlay.set(collection, (rows = new Map()));
      rows.set(id, value);
    };

    return {
      async get<T extends object>(collection: string, id: string) {
        assertOpen();
        checkCollection(collection);
        checkId(id);
        const row = current(collection, id);
        onRead(row ? 1 : 0);
        return row as StoredRecord<T> | undefined;
      },
      async getMany<T extends object>(collection: string, ids: readonly string[]) {
        assertOpen();
        checkCollection(collection);
        const rows = ids.map((id) => {
          checkId(id);
          return current(collection, id) as StoredRecord<T> | undefined;
        });
        onRead(rows.filter((row) => row !== undefined).length);
        return rows;
      },
      async put<T extends object>(
        collection: string,
        record: RecordInput<T>,
        { expectedVersion }: { expectedVersion: number },
      ) {
        assertOpen();
        checkCollection(collection);
        parseOrThrow(recordIdSchema, record.id, 'record id');
        const stored = deepFreeze(
          stampWrite(collection, structuredClone(record), current(collection, record.id), expectedVersion, now()),
        );
        stage(collection, record.id, stored as StoredRecord);
        return stored;
      },
      async delete(collection: string, id: string, deleteOptions?: DeleteOptions) {
        assertOpen();
        checkCollection(collection);
        checkId(id);
        const row = current(collection, id);
        if (!row) throw new NotFoundError(collection, id);
        const expected = deleteOptions?.expectedVersion;
        if (expected !== undefined && expected !== row.version) {
          throw new ConflictError(collection, id, expected, row.version);
        }
        stage(collection, id, DELETED);
      },
      async query<T extends object>(collection: string, queryOptions?: QueryOptions) {
        assertOpen();
        checkCollection(collection);
        const parsed = parseQueryOptions(queryOptions);
        const { queryIndexed } = await loadPlanner();
        return queryIndexed(await source(collection), parsed, now()) as QueryPage<T>;
      },
      async count(collection, where) {
        assertOpen();
        checkCollection(collection);
        const parsed = parseQueryOptions({ where });
        const { countIndexed } = await loadPlanner();
        return countIndexed(await source(collection), parsed, now());
      },
    };
  };

  const transaction = <T>(body: (tx: StorageOperations) => Promise<T>): Promise<T> => {
    assertOpen();
    return exclusive(async () => {
      const overlay = new Map<string, Map<string, Staged>>();
      const result = await body(operations(overlay));
      assertOpen();
      // Commit: one synchronous step, so no reader sees part of it.
      const events: ChangeEvent[] = [];
      for (const [collection, rows] of overlay) {
        let target = data.get(collection);
        if (!target) data.set(collection, (target = new Map()));
        for (const [id, value] of rows) {
          const before = target.get(id);
          const index = indexes.get(collection);
          if (before) index?.remove(before);
          if (value === DELETED) {
            target.delete(id);
            events.push({ collection, id, type: 'delete' });
          } else {
            index?.add(value);
            target.set(id, value);
            events.push({ collection, id, type: 'put', version: value.version });
          }
        }
      }
      feed.emit(events);
      return result;
    });
  };

  const reads = operations(undefined);

  return {
    capabilities: { pushdown: FILTER_OPERATORS, changeFeed: 'connection', indexes: design },
    get: reads.get,
    getMany: reads.getMany,
    query: reads.query,
    count: reads.count,
    put: (collection, record, putOptions) => transaction((tx) => tx.put(collection, record, putOptions)),
    delete: (collection, id, deleteOptions) => transaction((tx) => tx.delete(collection, id, deleteOptions)),
    transaction,

    subscribe: feed.subscribe,

    async exportSnapshot() {
      assertOpen();
      const collections: Record<string, StoredRecord[]> = {};
      for (const name of [...data.keys()].sort()) {
        const rows = data.get(name)!;
        if (rows.size === 0) continue;
        collections[name] = [...rows.keys()].sort().map((id) => structuredClone(rows.get(id)!));
      }
      return { format: 'crmkit.storage', formatVersion: 1, collections };
    },

    async importSnapshot(snapshot) {
      assertOpen();
      checkSnapshotShape(snapshot);
      const parsed = deepFreeze(structuredClone(parseSnapshot(snapshot)));
      return exclusive(async () => {
        const events: ChangeEvent[] = [];
        for (const [collection, rows] of data) {
          for (const id of rows.keys()) events.push({ collection, id, type: 'delete' });
        }
        data.clear();
        indexes.clear();
        for (const [collection, records] of Object.entries(parsed.collections)) {
          data.set(collection, new Map(records.map((record) => [record.id, record])));
          for (const record of records)
            events.push({ collection, id: record.id, type: 'put', version: record.version });
        }
        feed.emit(events);
      });
    },

    async close() {
      closed = true;
      feed.clear();
    },
  };
}
