/** Match keys kept on every write: the port the lead, customer and contact services write through. */
import type { PutOptions, QueryOptions, RecordInput, StorageOperations, StoragePort } from '../../storage/port.js';
import { readPolicy } from '../../kernel/index.js';
import { wrapsOperations } from '../../access/unguarded.js';
import { isMatchKeyCollection, matchKeysOf, MATCH_KEYS_FIELD } from '../match-keys.js';

/** `record` with its match keys derived from its own fields; whatever `matchKeys` it carried is replaced. */
function keyed<T extends object>(collection: string, record: T): T {
  if (!isMatchKeyCollection(collection)) return record;
  const { [MATCH_KEYS_FIELD]: _given, ...rest } = record as Record<string, unknown>;
  const keys = matchKeysOf(collection, rest);
  return (keys.length === 0 ? rest : { ...rest, [MATCH_KEYS_FIELD]: keys }) as T;
}

/**
 * `record` without its match keys. A write reads what it writes back inside its transaction: without the keys, a
 * stored record merged with a change is never refused by a strict input schema, and an update never reports
 * `matchKeys` among its changed fields. A record without keys is returned as it is (no copy).
 */
function unkeyed<R>(collection: string, record: R): R {
  if (record === undefined || !isMatchKeyCollection(collection) || !Object.hasOwn(record as object, MATCH_KEYS_FIELD))
    return record;
  const { [MATCH_KEYS_FIELD]: _keys, ...rest } = record as Record<string, unknown>;
  return rest as R;
}

/**
 * The operations of `ops` (each bound, so an adapter written as a class keeps working) with keyed writes; with
 * `unkeyedReads` (inside a transaction) records read come back without their keys. Filters may still name
 * `matchKeys`: the adapter evaluates them. Reads outside a transaction return the stored record itself (trusted reads
 * copy nothing).
 */
function keyedOperations(ops: StorageOperations, unkeyedReads: boolean): StorageOperations {
  const one = <R>(collection: string, record: R): R => (unkeyedReads ? unkeyed(collection, record) : record);
  const many = <R>(collection: string, records: R[]): R[] =>
    unkeyedReads && isMatchKeyCollection(collection) ? records.map((record) => unkeyed(collection, record)) : records;
  return wrapsOperations(
    {
      get: async <T extends object>(collection: string, id: string) =>
        one(collection, await ops.get<T>(collection, id)),
      getMany: async <T extends object>(collection: string, ids: readonly string[]) =>
        many(collection, await ops.getMany<T>(collection, ids)),
      query: async <T extends object>(collection: string, options?: QueryOptions) => {
        const page = await ops.query<T>(collection, options);
        return unkeyedReads && isMatchKeyCollection(collection)
          ? { ...page, records: many(collection, page.records) }
          : page;
      },
      count: (collection, where) => ops.count(collection, where),
      countEach: ops.countEach?.bind(ops),
      delete: (collection, id, options) => ops.delete(collection, id, options),
      put: <T extends object>(collection: string, record: RecordInput<T>, options: PutOptions) =>
        ops.put<T>(collection, keyed(collection, record), options),
      serialize: ops.serialize?.bind(ops),
    },
    ops,
  );
}

const wrapped = new WeakSet<object>();

/**
 * The port with every write to leads, customers and contacts carrying the record's match keys, computed from the
 * record being written: a service writing through it never stores stale keys (an update that changes an e-mail
 * address, a merge, an erasure) and never has to remember to set them.
 */
export function withMatchKeys(storage: StoragePort): StoragePort {
  if (wrapped.has(storage)) return storage;
  const keyedPort: StoragePort = {
    // The adapter's optional members (`matchIds`) pass through as they are.
    ...storage,
    ...keyedOperations(storage, false),
    capabilities: storage.capabilities,
    transaction: (body, options) => storage.transaction((tx) => body(keyedOperations(tx, true)), options),
    subscribe: (listener) => storage.subscribe(listener),
    exportSnapshot: () => storage.exportSnapshot(),
    importSnapshot: (snapshot) => storage.importSnapshot(snapshot),
    close: () => storage.close(),
  };
  // Records of an adapter holding foreign data come marked for a full parse from underneath; the copies a transaction
  // makes here (without their keys) are marked again. Reads outside one pass through as they come: the guard checks a
  // record before it masks one, and a masked copy would fail a full parse.
  const port: StoragePort = { ...keyedPort, transaction: readPolicy(keyedPort).transaction };
  wrapped.add(port);
  return port;
}
