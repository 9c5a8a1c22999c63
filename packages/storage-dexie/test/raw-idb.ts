/**
 * Raw IndexedDB helpers for the tests: they bypass Dexie and the adapter, so what they see is what the browser
 * stores.
 */

let counter = 0;

/** A database name no other test uses. */
export function uniqueName(label: string): string {
  return `crmkit-${label}-${Date.now()}-${counter++}-${Math.random().toString(36).slice(2, 8)}`;
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Opens `name` without a version and without creating it: resolves to `undefined` when there is no such database.
 * The caller closes the connection.
 */
export function openExisting(name: string): Promise<IDBDatabase | undefined> {
  return new Promise((resolve, reject) => {
    let creating = false;
    const request = indexedDB.open(name);
    request.onupgradeneeded = () => {
      creating = true;
      request.transaction?.abort();
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = (event) => {
      event.preventDefault();
      if (creating) resolve(undefined);
      else reject(request.error);
    };
  });
}

/** Runs `read` on one store of an existing database; `undefined` when the database or the store does not exist. */
export async function rawRead<T>(
  name: string,
  store: string,
  read: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T | undefined> {
  const db = await openExisting(name);
  if (!db) return undefined;
  try {
    if (!db.objectStoreNames.contains(store)) return undefined;
    return await done(read(db.transaction(store, 'readonly').objectStore(store)));
  } finally {
    db.close();
  }
}

/** What a database holds, read raw: native version, stores, their indexes (name → key path, multiEntry) and rows. */
export interface RawDump {
  readonly version: number;
  readonly stores: Record<
    string,
    {
      keyPath: string | string[] | null;
      indexes: Record<string, { keyPath: string | string[]; multiEntry: boolean; unique: boolean }>;
      rows: unknown[];
    }
  >;
}

export async function rawDump(name: string): Promise<RawDump | undefined> {
  const db = await openExisting(name);
  if (!db) return undefined;
  try {
    const stores: RawDump['stores'] = {};
    const names = Array.from(db.objectStoreNames);
    if (names.length > 0) {
      const tx = db.transaction(names, 'readonly');
      for (const storeName of names) {
        const store = tx.objectStore(storeName);
        const indexes: RawDump['stores'][string]['indexes'] = {};
        for (const indexName of Array.from(store.indexNames)) {
          const index = store.index(indexName);
          indexes[indexName] = { keyPath: index.keyPath, multiEntry: index.multiEntry, unique: index.unique };
        }
        stores[storeName] = { keyPath: store.keyPath, indexes, rows: await done(store.getAll()) };
      }
    }
    return { version: db.version, stores };
  } finally {
    db.close();
  }
}

/**
 * Creates a database at a native version with stores keyed by `id` and the given rows, as a raw IndexedDB caller
 * (an old release, or a newer one) would. Resolves to the open connection when `keepOpen`, else closes it.
 */
export function rawCreate(
  name: string,
  nativeVersion: number,
  rows: Record<string, readonly { id: string }[]>,
  options: { keepOpen: true },
): Promise<IDBDatabase>;
export function rawCreate(
  name: string,
  nativeVersion: number,
  rows: Record<string, readonly { id: string }[]>,
  options?: { keepOpen?: false },
): Promise<undefined>;
export function rawCreate(
  name: string,
  nativeVersion: number,
  rows: Record<string, readonly { id: string }[]>,
  options: { keepOpen?: boolean } = {},
): Promise<IDBDatabase | undefined> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, nativeVersion);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const [store, records] of Object.entries(rows)) {
        const objectStore = db.createObjectStore(store, { keyPath: 'id' });
        for (const record of records) objectStore.put(record);
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      if (options.keepOpen) {
        resolve(db);
      } else {
        db.close();
        resolve(undefined);
      }
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error(`rawCreate(${name}) blocked`));
  });
}

/** Deletes a database; rejects when another connection keeps it from being deleted for 2 s. */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    const timer = setTimeout(() => reject(new Error(`deleting ${name} is blocked`)), 2000);
    request.onsuccess = () => {
      clearTimeout(timer);
      resolve();
    };
    request.onerror = () => {
      clearTimeout(timer);
      reject(request.error);
    };
  });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Awaits `promise` and resolves to what it rejected with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but it resolved');
}
