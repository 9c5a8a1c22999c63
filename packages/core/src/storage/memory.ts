import { ConflictError, NotFoundError, StorageError } from '../errors/errors.js';
import { FILTER_OPERATORS } from '../filter/index.js';
import type {
  ChangeEvent,
  DeleteOptions,
  QueryOptions,
  RecordInput,
  StorageOperations,
  StorageOptions,
  StoragePort,
  StoredRecord,
} from './port.js';
import { checkCollection, parseQueryOptions, queryInMemory, recordIdSchema } from './query.js';
import { parseSnapshot } from './snapshot.js';
import { stampWrite } from './stamp.js';
import { createChangeFeed } from './change-feed.js';
import { parseOrThrow } from '../errors/parse.js';

/** The backing data of a memory storage: collection name → id → record. */
export type MemoryData = Map<string, Map<string, StoredRecord>>;

export interface MemoryStorageOptions extends StorageOptions {
  /** Backing maps to use, e.g. to inspect them in tests; a new empty one by default. */
  readonly data?: MemoryData;
}

const DELETED = /* @__PURE__ */ Symbol('deleted');
type Staged = StoredRecord | typeof DELETED;

/**
 * The reference adapter: plain maps in memory, transactional, versioned, with a change feed.
 *
 * Writes (single ones too) run one at a time, each as a transaction staging its changes in an overlay that is
 * applied in one synchronous step on commit, so readers never see half a transaction and a stale write can never
 * slip between a check and its write. Records are cloned on the way in and out: a caller mutating an object it got
 * back cannot change what is stored.
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): StoragePort {
  const data: MemoryData = options.data ?? new Map();
  const now = options.now ?? (() => new Date());
  const feed = createChangeFeed();
  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();

  const assertOpen = () => {
    if (closed) throw new StorageError('Storage is closed');
  };

  const committed = (collection: string): Map<string, StoredRecord> | undefined =>
    data.get(checkCollection(collection));

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
        const row = current(collection, id);
        return row && (structuredClone(row) as StoredRecord<T>);
      },
      async getMany<T extends object>(collection: string, ids: readonly string[]) {
        assertOpen();
        checkCollection(collection);
        return ids.map((id) => {
          const row = current(collection, id);
          return row && (structuredClone(row) as StoredRecord<T>);
        });
      },
      async put<T extends object>(
        collection: string,
        record: RecordInput<T>,
        { expectedVersion }: { expectedVersion: number },
      ) {
        assertOpen();
        checkCollection(collection);
        parseOrThrow(recordIdSchema, record.id, 'record id');
        const stored = stampWrite(
          collection,
          structuredClone(record),
          current(collection, record.id),
          expectedVersion,
          now(),
        );
        stage(collection, record.id, stored as StoredRecord);
        return structuredClone(stored);
      },
      async delete(collection: string, id: string, deleteOptions?: DeleteOptions) {
        assertOpen();
        checkCollection(collection);
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
        const page = queryInMemory(
          visible(collection) as Iterable<StoredRecord<T>>,
          parseQueryOptions(queryOptions),
          now(),
        );
        return { ...page, records: page.records.map((record) => structuredClone(record)) };
      },
      async count(collection, where) {
        assertOpen();
        checkCollection(collection);
        return queryInMemory(visible(collection), parseQueryOptions({ where }), now()).records.length;
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
          if (value === DELETED) {
            target.delete(id);
            events.push({ collection, id, type: 'delete' });
          } else {
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
    capabilities: { pushdown: FILTER_OPERATORS, changeFeed: 'connection' },
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
      const parsed = structuredClone(parseSnapshot(snapshot));
      return exclusive(async () => {
        const events: ChangeEvent[] = [];
        for (const [collection, rows] of data) {
          for (const id of rows.keys()) events.push({ collection, id, type: 'delete' });
        }
        data.clear();
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
