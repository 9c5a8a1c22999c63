import { NotFoundError, ConflictError } from '../errors/errors.js';
import type { StorageOptions, StoragePort, StoredRecord } from './port.js';
import { stampWrite } from './stamp.js';

/** The backing data of a memory storage: collection name → id → record. */
export type MemoryData = Map<string, Map<string, StoredRecord>>;

export interface MemoryStorageOptions extends StorageOptions {
  /** Backing maps to use, e.g. to inspect them in tests; a new empty one by default. */
  readonly data?: MemoryData;
}

/**
 * The reference adapter: plain maps in memory. Records are cloned on the way in and out, so a caller mutating an
 * object it got back cannot change what is stored.
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): StoragePort {
  const data: MemoryData = options.data ?? new Map();
  const now = options.now ?? (() => new Date());
  let closed = false;

  const table = (collection: string): Map<string, StoredRecord> => {
    if (closed) throw new Error('Storage is closed');
    let rows = data.get(collection);
    if (!rows) {
      rows = new Map();
      data.set(collection, rows);
    }
    return rows;
  };

  return {
    async get<T extends object>(collection: string, id: string) {
      const row = table(collection).get(id);
      return row && (structuredClone(row) as StoredRecord<T>);
    },

    async put(collection, record, { expectedVersion }) {
      const rows = table(collection);
      const stored = stampWrite(collection, structuredClone(record), rows.get(record.id), expectedVersion, now());
      rows.set(record.id, stored as StoredRecord);
      return structuredClone(stored);
    },

    async delete(collection, id, deleteOptions) {
      const rows = table(collection);
      const current = rows.get(id);
      if (!current) throw new NotFoundError(collection, id);
      const expected = deleteOptions?.expectedVersion;
      if (expected !== undefined && expected !== current.version) {
        throw new ConflictError(collection, id, expected, current.version);
      }
      rows.delete(id);
    },

    async query<T extends object>(collection: string, queryOptions: { limit?: number } = {}) {
      const ids = [...table(collection).keys()].sort();
      const limited = queryOptions.limit === undefined ? ids : ids.slice(0, queryOptions.limit);
      return limited.map((id) => structuredClone(table(collection).get(id)) as StoredRecord<T>);
    },

    async close() {
      closed = true;
    },
  };
}
