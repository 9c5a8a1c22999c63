import { expect } from '@open-wc/testing';
import { runStorageConformance } from '@crmkit/storage-conformance';
import { CRM_INDEXES, DEXIE_SCHEMA_VERSION, createDexieStorage, schemaVersionOf } from '@crmkit/storage-dexie';
import { CRM_COLLECTIONS, CrmErrorCode, isCrmError } from '@crmkit/core';
import { deleteDatabase, rawDump, rawRead, uniqueName } from './raw-idb.js';
import { readCounter } from './fixtures/count-reads.js';

describe('createDexieStorage', () => {
  // The whole suite on the production layout: the default collections (core's CRM_COLLECTIONS) with their indexes,
  // written with arbitrary fields (null, booleans, nested objects, arrays) that the indexes must tolerate.
  runStorageConformance({
    test: it,
    createHarness: async ({ now }) => {
      const name = uniqueName('conformance');
      const reads = readCounter();
      return {
        storage: createDexieStorage({ name, now, configure: reads.configure }),
        recordsRead: reads.count,
        raw: {
          get: (collection, id) => rawRead(name, collection, (store) => store.get(id)),
          list: async (collection) => (await rawRead(name, collection, (store) => store.getAll())) ?? [],
        },
        openAnother: async () => createDexieStorage({ name, now }),
        dispose: () => deleteDatabase(name),
      };
    },
  });

  it('rejects an unknown collection with StorageError, and a bad name with ValidationError', async () => {
    const name = uniqueName('unknown');
    const storage = createDexieStorage({ name });
    try {
      const unknown = await storage.get('nope', 'x').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isCrmError(unknown, CrmErrorCode.storage)).to.equal(true);
      const bad = await storage.get('no/such', 'x').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isCrmError(bad, CrmErrorCode.validation)).to.equal(true);
    } finally {
      await storage.close();
      await deleteDatabase(name);
    }
  });

  it('keeps data across connections', async () => {
    const name = uniqueName('reopen');
    const first = createDexieStorage({ name });
    const stored = await first.put('deals', { id: 'd1', title: 'Pilot' }, { expectedVersion: 0 });
    await first.close();
    const second = createDexieStorage({ name });
    expect(await second.get('deals', 'd1')).to.deep.equal(stored);
    await second.close();
    await deleteDatabase(name);
  });

  it('creates every CRM collection with the designed indexes, at native version 10 × the schema version', async () => {
    const name = uniqueName('layout');
    const storage = createDexieStorage({ name });
    await storage.open();
    const dump = (await rawDump(name))!;
    // Dexie multiplies declared versions by 10: version 2 is IndexedDB version 20.
    expect(dump.version).to.equal(DEXIE_SCHEMA_VERSION * 10);
    expect(schemaVersionOf(dump.version)).to.equal(DEXIE_SCHEMA_VERSION);
    expect(Object.keys(dump.stores).sort()).to.deep.equal([...CRM_COLLECTIONS].sort());
    for (const collection of CRM_COLLECTIONS) {
      const store = dump.stores[collection]!;
      expect(store.keyPath, `${collection} key path`).to.equal('id');
      const expected = CRM_INDEXES[collection]
        .split(',')
        .map((spec) => spec.trim())
        .slice(1)
        .map((spec) => spec.replace(/^\*/, ''))
        .sort();
      expect(Object.keys(store.indexes).sort(), `${collection} indexes`).to.deep.equal(expected);
    }
    const customers = dump.stores['customers']!.indexes;
    expect(customers['tags']).to.deep.include({ keyPath: 'tags', multiEntry: true });
    expect(customers['phones']).to.deep.include({ keyPath: 'phones', multiEntry: true });
    expect(customers['ownerId']).to.deep.include({ keyPath: 'ownerId', multiEntry: false, unique: false });
    const deals = dump.stores['deals']!.indexes;
    expect(deals['amount.amountMinor']!.keyPath).to.equal('amount.amountMinor');
    expect(deals['[pipelineId+stageId]']!.keyPath).to.deep.equal(['pipelineId', 'stageId']);
    expect(dump.stores['tasks']!.indexes['related.id']!.keyPath).to.equal('related.id');
    await storage.close();
    await deleteDatabase(name);
  });

  it('gives a host collection without an index design a store keyed by id only', async () => {
    const name = uniqueName('extra');
    const storage = createDexieStorage({ name, collections: ['customers', 'invoices'] });
    await storage.put('invoices', { id: 'i1', total: 5, paid: true }, { expectedVersion: 0 });
    const dump = (await rawDump(name))!;
    expect(Object.keys(dump.stores).sort()).to.deep.equal(['customers', 'invoices']);
    expect(dump.stores['invoices']!.keyPath).to.equal('id');
    expect(dump.stores['invoices']!.indexes).to.deep.equal({});
    expect(Object.keys(dump.stores['customers']!.indexes)).to.include('ownerId');
    await storage.close();
    await deleteDatabase(name);
  });

  it('lets instances with different collection lists share one database, keeping every store', async () => {
    const name = uniqueName('mixed-lists');
    const crm = createDexieStorage({ name });
    await crm.put('customers', { id: 'c1' }, { expectedVersion: 0 });
    // A second instance needs a store the database lacks: Dexie adds it (native ×10 + 1, same schema version) and the
    // first instance steps aside quietly (no "reload" notice: the schema did not get newer), then reconnects.
    const notices: unknown[] = [];
    crm.onVersionChange((change) => notices.push(change));
    const host = createDexieStorage({ name, collections: ['customers', 'invoices'] });
    await host.put('invoices', { id: 'i1' }, { expectedVersion: 0 });
    expect((await rawDump(name))!.version).to.equal(DEXIE_SCHEMA_VERSION * 10 + 1);
    expect((await crm.get('customers', 'c1'))?.version).to.equal(1);
    await crm.put('deals', { id: 'd1' }, { expectedVersion: 0 });
    expect((await host.get('customers', 'c1'))?.version).to.equal(1);
    expect(notices).to.deep.equal([]);
    // Reopening with the default list keeps the host's store.
    await crm.close();
    const again = createDexieStorage({ name });
    await again.open();
    expect((await rawDump(name))!.stores['invoices']!.rows).to.have.length(1);
    await again.close();
    await host.close();
    await deleteDatabase(name);
  });

  it('stores records whose indexed fields hold values IndexedDB cannot index', async () => {
    const name = uniqueName('odd-values');
    const storage = createDexieStorage({ name });
    const odd = {
      id: 'c1',
      ownerId: null,
      name: { first: 'Ada' },
      tags: ['vip', { nested: true }, null],
      emails: 'not-an-array@example.com',
      country: true,
    };
    const stored = await storage.put('customers', odd, { expectedVersion: 0 });
    expect(await rawRead(name, 'customers', (store) => store.get('c1'))).to.deep.equal(stored);
    // The record is only in the indexes its valid values belong in.
    const byTag = await rawRead(name, 'customers', (store) => store.index('tags').getAllKeys('vip'));
    expect(byTag).to.deep.equal(['c1']);
    const byOwner = await rawRead(name, 'customers', (store) => store.index('ownerId').count());
    expect(byOwner).to.equal(0);
    await storage.close();
    await deleteDatabase(name);
  });
});
