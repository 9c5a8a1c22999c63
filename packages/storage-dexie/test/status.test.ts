import { expect } from '@open-wc/testing';
import { DEXIE_SCHEMA_VERSION, createDexieStorage } from '@crmkit/storage-dexie';
import { deleteDatabase, uniqueName } from './raw-idb.js';

describe('status() and persist()', () => {
  it('reports persistence, usage and quota from the browser, and the schema version', async () => {
    const name = uniqueName('status');
    const storage = createDexieStorage({ name });
    try {
      await storage.put('customers', { id: 'c1', name: 'Ada', notes: 'x'.repeat(10_000) }, { expectedVersion: 0 });
      const status = await storage.status();
      expect(status.schemaVersion).to.equal(DEXIE_SCHEMA_VERSION);
      expect(status.persisted).to.be.a('boolean');
      expect(status.persisted).to.equal(await navigator.storage.persisted());
      expect(status.usage).to.be.a('number');
      expect(status.quota).to.be.a('number');
      expect(status.quota!).to.be.greaterThan(0);
      expect(status.usage!).to.be.at.most(status.quota!);
    } finally {
      await storage.close();
      await deleteDatabase(name);
    }
  });

  it('persist() asks the browser and resolves to what status() then reports', async () => {
    const storage = createDexieStorage({ name: uniqueName('persist') });
    const granted = await storage.persist();
    expect(granted).to.be.a('boolean');
    expect((await storage.status()).persisted).to.equal(granted);
    await storage.close();
  });

  it('uses the Storage API it is given, and degrades without one', async () => {
    const asked: string[] = [];
    const granting = createDexieStorage({
      name: uniqueName('fake-manager'),
      storageManager: {
        persisted: async () => (asked.push('persisted'), asked.includes('persist')),
        persist: async () => (asked.push('persist'), true),
        estimate: async () => ({ usage: 1234, quota: 5678 }),
      },
    });
    expect(await granting.status()).to.deep.equal({
      persisted: false,
      usage: 1234,
      quota: 5678,
      schemaVersion: DEXIE_SCHEMA_VERSION,
    });
    expect(await granting.persist()).to.equal(true);
    expect((await granting.status()).persisted).to.equal(true);
    await granting.close();

    const refusing = createDexieStorage({
      name: uniqueName('failing-manager'),
      storageManager: {
        persisted: () => Promise.reject(new Error('no')),
        persist: () => Promise.reject(new Error('no')),
        estimate: () => Promise.reject(new Error('no')),
      },
    });
    expect(await refusing.status()).to.deep.equal({ persisted: undefined, schemaVersion: DEXIE_SCHEMA_VERSION });
    expect(await refusing.persist()).to.equal(false);
    await refusing.close();

    const without = createDexieStorage({ name: uniqueName('no-manager'), storageManager: null });
    expect(await without.status()).to.deep.equal({ persisted: undefined, schemaVersion: DEXIE_SCHEMA_VERSION });
    expect(await without.persist()).to.equal(false);
    await without.close();
  });
});
