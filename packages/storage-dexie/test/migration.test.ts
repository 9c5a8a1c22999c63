import { expect } from '@open-wc/testing';
import { CRM_COLLECTIONS, CrmErrorCode, SchemaVersionError, isCrmError } from '@crmkit/core';
import { DEXIE_SCHEMA_VERSION, SCHEMA_VERSIONS, createDexieStorage } from '@crmkit/storage-dexie';
import { deleteDatabase, openExisting, rawCreate, rawDump, rejectionOf, uniqueName } from './raw-idb.js';

const stamp = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  version: 1,
  createdAt: '2025-06-01T08:00:00.000Z',
  updatedAt: '2025-06-01T08:00:00.000Z',
  ...extra,
});

/** What the first release wrote: every store keyed by `id`, no indexes. */
const V1_ROWS = {
  customers: [
    stamp('c1', {
      name: '张伟',
      ownerId: 'u1',
      tags: ['vip', 'cn'],
      emails: ['zw@example.cn'],
      phones: ['+86 10 1234'],
    }),
    stamp('c2', { name: 'Ada', kind: 'person', lifecycleStage: 'nurture', flag: true }),
  ],
  deals: [stamp('d1', { pipelineId: 'p1', stageId: 's2', amount: { amountMinor: 1280000, currency: 'CNY' } })],
  tasks: [stamp('t1', { status: 'open', related: { kind: 'deal', id: 'd1' }, dueAt: '2025-06-02T00:00:00.000Z' })],
  pipelines: [],
  users: [stamp('u1', { email: 'u1@example.com', role: 'rep' })],
};

describe('schema versions and migrations', () => {
  it('declares version 1 as the id-only layout and the newest version as the indexed one', () => {
    expect(SCHEMA_VERSIONS.map((step) => step.version)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(DEXIE_SCHEMA_VERSION).to.equal(6);
    const v1 = SCHEMA_VERSIONS[0]!.stores(['customers', 'deals']);
    expect(v1).to.deep.equal({ customers: 'id', deals: 'id' });
  });

  it('migrates a version-1 database written by raw IndexedDB: every record intact, the new indexes built', async () => {
    const name = uniqueName('migrate-v1');
    // Version 1 as the first release created it: Dexie stores declared version 1 as native version 10.
    await rawCreate(name, 10, V1_ROWS);
    const before = (await rawDump(name))!;
    expect(before.version).to.equal(10);
    expect(before.stores['customers']!.indexes).to.deep.equal({});

    const storage = createDexieStorage({ name });
    expect(await storage.get('customers', 'c1')).to.deep.equal(V1_ROWS.customers[0]);
    const after = (await rawDump(name))!;
    expect(after.version).to.equal(DEXIE_SCHEMA_VERSION * 10);
    for (const [store, rows] of Object.entries(V1_ROWS)) {
      expect(after.stores[store]!.rows, `${store} rows`).to.deep.equal(rows);
    }
    // Stores the old database lacked are created; old ones gained their indexes.
    expect(Object.keys(after.stores).sort()).to.deep.equal([...CRM_COLLECTIONS].sort());
    const db = (await openExisting(name))!;
    try {
      const indexNames = (store: string) => Array.from(db.transaction(store).objectStore(store).indexNames);
      expect(indexNames('customers')).to.include.members(['ownerId', 'tags', 'emails', 'phones', 'name']);
      expect(indexNames('deals')).to.include.members(['[pipelineId+stageId]', 'amount.amountMinor']);
      expect(indexNames('tasks')).to.include.members(['related.id', 'dueAt', 'status']);
      // The indexes hold the migrated records.
      const byTag = await new Promise((resolve) => {
        const request = db.transaction('customers').objectStore('customers').index('tags').getAllKeys('vip');
        request.onsuccess = () => resolve(request.result);
      });
      expect(byTag).to.deep.equal(['c1']);
    } finally {
      db.close();
    }
    // The migrated database works normally: versions continue from the stored ones.
    const updated = await storage.put(
      'customers',
      { ...V1_ROWS.customers[1]!, name: 'Ada L.' },
      { expectedVersion: 1 },
    );
    expect(updated.version).to.equal(2);
    await storage.close();
    await deleteDatabase(name);
  });

  it('migrates a version-4 database: leads gain [ownerId+status], built from the stored leads', async () => {
    const name = uniqueName('migrate-v4');
    const leads = [
      stamp('l1', { name: 'A', ownerId: 'u1', status: 'new' }),
      stamp('l2', { name: 'B', ownerId: 'u1', status: 'converted' }),
      stamp('l3', { name: 'C', ownerId: 'u2', status: 'working' }),
      stamp('l4', { name: 'D', ownerId: 'u1', status: 'working' }),
    ];
    await rawCreate(name, 40, { leads });
    const storage = createDexieStorage({ name });
    const open = {
      all: [
        { field: 'ownerId', op: 'eq', value: 'u1' } as const,
        { field: 'status', op: 'in', values: ['new', 'working', 'qualified'] } as const,
      ],
    };
    expect(await storage.count('leads', open)).to.equal(2);
    expect((await rawDump(name))!.version).to.equal(DEXIE_SCHEMA_VERSION * 10);
    const db = (await openExisting(name))!;
    try {
      const keys = await new Promise((resolve) => {
        const request = db
          .transaction('leads')
          .objectStore('leads')
          .index('[ownerId+status]')
          .getAllKeys(['u1', 'working']);
        request.onsuccess = () => resolve(request.result);
      });
      expect(keys).to.deep.equal(['l4']);
    } finally {
      db.close();
    }
    expect((await storage.getMany('leads', ['l1', 'l2', 'l3', 'l4'])).map((lead) => lead?.['name'])).to.deep.equal([
      'A',
      'B',
      'C',
      'D',
    ]);
    await storage.close();
    await deleteDatabase(name);
  });

  it('migrates a version-5 database: customers, contacts, leads and deals gain *sharedWith from what they hold', async () => {
    const name = uniqueName('migrate-v5');
    const customers = [
      stamp('c1', { name: 'A', ownerId: 'u1', sharedWith: ['u2', 'u3'] }),
      stamp('c2', { name: 'B', ownerId: 'u2' }),
      stamp('c3', { name: 'C', ownerId: 'u3', sharedWith: ['u2'] }),
    ];
    const deals = [stamp('d1', { ownerId: 'u1', sharedWith: ['u2'] }), stamp('d2', { ownerId: 'u1' })];
    await rawCreate(name, 50, { customers, deals });
    const storage = createDexieStorage({ name });
    const visibleTo = (user: string) => ({
      any: [
        { field: 'ownerId', op: 'eq', value: user } as const,
        { field: 'sharedWith', op: 'hasAny', values: [user] } as const,
      ],
    });
    const ids = async (collection: string, user: string) =>
      (await storage.query(collection, { where: visibleTo(user) })).records.map((record) => record.id).sort();
    expect(await ids('customers', 'u2')).to.deep.equal(['c1', 'c2', 'c3']);
    expect(await ids('customers', 'u3')).to.deep.equal(['c1', 'c3']);
    expect(await ids('deals', 'u2')).to.deep.equal(['d1']);
    expect((await rawDump(name))!.version).to.equal(DEXIE_SCHEMA_VERSION * 10);
    const db = (await openExisting(name))!;
    try {
      const keys = await new Promise((resolve) => {
        const request = db.transaction('customers').objectStore('customers').index('sharedWith').getAllKeys('u2');
        request.onsuccess = () => resolve(request.result);
      });
      expect(keys).to.deep.equal(['c1', 'c3']);
    } finally {
      db.close();
    }
    await storage.close();
    await deleteDatabase(name);
  });

  it('keeps stores the database has even when this code is not told about them', async () => {
    const name = uniqueName('migrate-extra');
    await rawCreate(name, 10, { customers: [stamp('c1')], invoices: [stamp('i1', { total: 3 })] });
    const storage = createDexieStorage({ name, collections: ['customers'] });
    await storage.open();
    const after = (await rawDump(name))!;
    expect(after.version).to.equal(DEXIE_SCHEMA_VERSION * 10);
    expect(after.stores['invoices']!.rows).to.deep.equal([stamp('i1', { total: 3 })]);
    expect(Object.keys(after.stores['customers']!.indexes)).to.include('ownerId');
    await storage.close();
    await deleteDatabase(name);
  });

  it('refuses a database written by a newer schema with SchemaVersionError, touching nothing', async () => {
    const name = uniqueName('too-new');
    // A future release's next version (native ×10), with a store this code has never heard of.
    await rawCreate(name, (DEXIE_SCHEMA_VERSION + 1) * 10, {
      customers: [stamp('c1', { name: 'Future' })],
      quotes: [stamp('q1')],
    });
    const before = await rawDump(name);
    const storage = createDexieStorage({ name });
    const error = await rejectionOf(storage.get('customers', 'c1'));
    expect(error).to.be.instanceOf(SchemaVersionError);
    expect(isCrmError(error, CrmErrorCode.schemaVersion)).to.equal(true);
    expect((error as SchemaVersionError).storedVersion).to.equal(DEXIE_SCHEMA_VERSION + 1);
    expect((error as SchemaVersionError).supportedVersion).to.equal(DEXIE_SCHEMA_VERSION);
    // Every later operation is refused the same way; nothing was opened, upgraded, patched or lost.
    expect(await rejectionOf(storage.put('customers', { id: 'c2' }, { expectedVersion: 0 }))).to.be.instanceOf(
      SchemaVersionError,
    );
    expect(await rejectionOf(storage.open())).to.be.instanceOf(SchemaVersionError);
    expect(await rawDump(name)).to.deep.equal(before);
    await storage.close();
    await deleteDatabase(name);
  });

  it('refuses a newer database even when another tab upgrades it after this one looked (no Dexie fallback)', async () => {
    const name = uniqueName('too-new-race');
    await rawCreate(name, (DEXIE_SCHEMA_VERSION + 1) * 10, { customers: [stamp('c1')] });
    const before = await rawDump(name);
    // Dexie answers VersionError by reopening without a version and using the newer database; the adapter must not.
    // The spy makes the adapter's first look (an open without version) see no database, as if another tab upgraded
    // it right after, so only the guard on Dexie's own open stands between the code and the newer database.
    const opens: (number | undefined)[] = [];
    const spy: IDBFactory = {
      open: (dbName: string, version?: number) => {
        if (dbName === name) opens.push(version);
        if (dbName === name && opens.length === 1) return indexedDB.open(uniqueName('nothing-here'));
        return version === undefined ? indexedDB.open(dbName) : indexedDB.open(dbName, version);
      },
      deleteDatabase: (dbName: string) => indexedDB.deleteDatabase(dbName),
      cmp: (a: unknown, b: unknown) => indexedDB.cmp(a, b),
      databases: () => indexedDB.databases(),
    };
    const storage = createDexieStorage({ name, indexedDB: spy });
    const error = await rejectionOf(storage.open());
    expect(error).to.be.instanceOf(SchemaVersionError);
    // The look, Dexie's open at the current version (native ×10), then Dexie's fallback without a version, refused.
    expect(opens).to.deep.equal([undefined, DEXIE_SCHEMA_VERSION * 10, undefined]);
    expect(await rawDump(name)).to.deep.equal(before);
    await storage.close();
    await deleteDatabase(name);
  });
});
