import { expect } from '@open-wc/testing';
import { CONFORMANCE_COLLECTIONS, runStorageConformance } from '@crmkit/storage-conformance';
import { createDexieStorage } from '@crmkit/storage-dexie';
import { CrmErrorCode, isCrmError } from '@crmkit/core';

const COLLECTIONS = [...CONFORMANCE_COLLECTIONS, 'empty'];
let counter = 0;

/** Reads straight from IndexedDB, bypassing Dexie and the adapter. */
function rawRead(dbName: string, store: string, read: (store: IDBObjectStore) => IDBRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains(store)) {
        db.close();
        resolve(undefined);
        return;
      }
      const request = read(db.transaction(store, 'readonly').objectStore(store));
      request.onsuccess = () => {
        db.close();
        resolve(request.result);
      };
      request.onerror = () => {
        db.close();
        reject(request.error);
      };
    };
  });
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

describe('createDexieStorage', () => {
  runStorageConformance({
    test: it,
    createHarness: async ({ now }) => {
      const name = `crmkit-conformance-${Date.now()}-${counter++}`;
      return {
        storage: createDexieStorage({ name, collections: COLLECTIONS, now }),
        raw: {
          get: (collection, id) => rawRead(name, collection, (store) => store.get(id)),
          list: async (collection) => ((await rawRead(name, collection, (store) => store.getAll())) as unknown[]) ?? [],
        },
        openAnother: async () => createDexieStorage({ name, collections: COLLECTIONS, now }),
        dispose: () => deleteDatabase(name),
      };
    },
  });

  it('rejects an unknown collection with StorageError', async () => {
    const name = `crmkit-unknown-${counter++}`;
    const storage = createDexieStorage({ name, collections: COLLECTIONS });
    try {
      await storage.get('nope', 'x');
      expect.fail('expected a rejection');
    } catch (error) {
      expect(isCrmError(error, CrmErrorCode.storage)).to.equal(true);
    } finally {
      await storage.close();
      await deleteDatabase(name);
    }
  });

  it('keeps data across connections', async () => {
    const name = `crmkit-reopen-${counter++}`;
    const first = createDexieStorage({ name, collections: COLLECTIONS });
    const stored = await first.put('deals', { id: 'd1', title: 'Pilot' }, { expectedVersion: 0 });
    await first.close();
    const second = createDexieStorage({ name, collections: COLLECTIONS });
    expect(await second.get('deals', 'd1')).to.deep.equal(stored);
    await second.close();
    await deleteDatabase(name);
  });
});
