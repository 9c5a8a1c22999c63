import { expect } from '@open-wc/testing';
import { CrmErrorCode, SchemaVersionError, UpgradeBlockedError, isCrmError } from '@crmkit/core';
import { createDexieStorage, type DexieVersionChange, DEXIE_SCHEMA_VERSION } from '@crmkit/storage-dexie';
import { deleteDatabase, rawCreate, rawDump, rawRead, rejectionOf, sleep, uniqueName } from './raw-idb.js';

const record = (id: string) => ({
  id,
  version: 1,
  createdAt: '2025-06-01T08:00:00.000Z',
  updatedAt: '2025-06-01T08:00:00.000Z',
});

/** Opens `name` at a native version, as a newer release in another tab would; resolves once it is open. */
function rawUpgrade(name: string, nativeVersion: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, nativeVersion);
    request.onupgradeneeded = () => request.result.createObjectStore('quotes', { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The schema version a newer release would bring. */
const NEXT = DEXIE_SCHEMA_VERSION + 1;

describe('upgrades between tabs', () => {
  it('rejects with UpgradeBlockedError within blockedTimeoutMs when another tab holds the old version open', async () => {
    const name = uniqueName('blocked');
    // Another tab on the first release: it keeps its version-1 connection open and ignores `versionchange`.
    const oldTab = await rawCreate(name, 10, { customers: [record('c1')] }, { keepOpen: true });
    let askedToClose = 0;
    oldTab.onversionchange = () => askedToClose++;
    try {
      const storage = createDexieStorage({ name, blockedTimeoutMs: 300 });
      const started = performance.now();
      const error = await rejectionOf(storage.get('customers', 'c1'));
      const waited = performance.now() - started;
      expect(error).to.be.instanceOf(UpgradeBlockedError);
      expect(isCrmError(error, CrmErrorCode.upgradeBlocked)).to.equal(true);
      expect(waited).to.be.below(3000);
      expect(askedToClose).to.be.greaterThan(0);
      // The other tab still works on the old layout, with its data.
      const stillThere = await new Promise((resolve) => {
        const request = oldTab.transaction('customers').objectStore('customers').get('c1');
        request.onsuccess = () => resolve(request.result);
      });
      expect(stillThere).to.deep.equal(record('c1'));

      // When the old tab goes, the abandoned upgrade request must not run behind the adapter's back …
      oldTab.close();
      await sleep(100);
      const afterOldTab = (await rawDump(name))!;
      expect(afterOldTab.version).to.equal(10);
      expect(afterOldTab.stores['customers']!.indexes).to.deep.equal({});
      // … and the next use migrates normally.
      expect(await storage.get('customers', 'c1')).to.deep.equal(record('c1'));
      expect((await rawDump(name))!.version).to.equal(DEXIE_SCHEMA_VERSION * 10);
      await storage.close();
    } finally {
      oldTab.close();
      await deleteDatabase(name);
    }
  });

  it('closes itself when a newer tab upgrades, tells the host, and refuses later work with SchemaVersionError', async () => {
    const name = uniqueName('versionchange');
    const storage = createDexieStorage({ name });
    await storage.put('customers', { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    const changes: DexieVersionChange[] = [];
    const removed: DexieVersionChange[] = [];
    storage.onVersionChange((change) => changes.push(change));
    const unsubscribe = storage.onVersionChange((change) => removed.push(change));
    unsubscribe();

    // A newer release (the next schema version) opens in another tab: its upgrade must not be blocked by us.
    const newTab = await Promise.race([
      rawUpgrade(name, NEXT * 10),
      sleep(3000).then(() => {
        throw new Error('the newer tab was blocked by the crmkit connection');
      }),
    ]);
    try {
      expect(newTab.version).to.equal(NEXT * 10);
      expect(changes).to.deep.equal([{ newSchemaVersion: NEXT }]);
      expect(removed).to.deep.equal([]);
      const error = await rejectionOf(storage.get('customers', 'c1'));
      expect(error).to.be.instanceOf(SchemaVersionError);
      expect((error as SchemaVersionError).storedVersion).to.equal(NEXT);
      // The data is still there for the newer release.
      expect(await rawRead(name, 'customers', (store) => store.count())).to.equal(1);
    } finally {
      newTab.close();
      await storage.close();
      await deleteDatabase(name);
    }
  });

  it('does not block another tab deleting the database, and tells the host', async () => {
    const name = uniqueName('deleted');
    const storage = createDexieStorage({ name });
    await storage.put('deals', { id: 'd1' }, { expectedVersion: 0 });
    const changes: DexieVersionChange[] = [];
    storage.onVersionChange((change) => changes.push(change));
    await deleteDatabase(name);
    expect(changes).to.deep.equal([{ newSchemaVersion: null }]);
    // Used again, it starts over with an empty database.
    expect(await storage.get('deals', 'd1')).to.equal(undefined);
    await storage.close();
    await deleteDatabase(name);
  });

  it('two crmkit connections on the same version never block each other', async () => {
    const name = uniqueName('peers');
    const first = createDexieStorage({ name, blockedTimeoutMs: 300 });
    const second = createDexieStorage({ name, blockedTimeoutMs: 300 });
    const changes: DexieVersionChange[] = [];
    first.onVersionChange((change) => changes.push(change));
    await first.put('deals', { id: 'd1' }, { expectedVersion: 0 });
    expect((await second.get('deals', 'd1'))?.version).to.equal(1);
    expect(changes).to.deep.equal([]);
    await first.close();
    await second.close();
    await deleteDatabase(name);
  });
});
