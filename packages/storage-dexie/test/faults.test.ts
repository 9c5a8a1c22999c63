import { expect } from '@open-wc/testing';
import { Dexie, type DBCoreMutateRequest } from 'dexie';
import {
  CrmErrorCode,
  StorageError,
  StorageQuotaError,
  StorageUnavailableError,
  createMemoryStorage,
  isCrmError,
  type StoragePort,
  type StorageSnapshot,
} from '@crmkit/core';
import { createDexieStorage, isIndexedDbAvailable, type DexieStorageOptions } from '@crmkit/storage-dexie';
import { errorChain, isQuotaError, toCrmError } from '../src/errors.js';
import { deleteDatabase, rawDump, rejectionOf, uniqueName } from './raw-idb.js';

/** Decides, per mutation Dexie sends down to IndexedDB, whether to throw instead. */
type Fault = (table: string, request: DBCoreMutateRequest) => unknown;

/** A storage whose writes pass a DBCore middleware that throws what `fault` returns (when it returns something). */
function faultyStorage(name: string, options: Partial<DexieStorageOptions> = {}) {
  let fault: Fault | undefined;
  const storage = createDexieStorage({
    name,
    ...options,
    configure: (db) =>
      db.use({
        stack: 'dbcore',
        name: 'faults',
        create: (down) => ({
          ...down,
          table: (tableName) => {
            const table = down.table(tableName);
            return {
              ...table,
              mutate: async (request) => {
                const error = fault?.(tableName, request);
                if (error) throw error;
                return table.mutate(request);
              },
            };
          },
        }),
      }),
  });
  return { storage, inject: (next: Fault | undefined) => (fault = next) };
}

/** Fails the `nth` put (1-based) from now on with `error`. */
function onNthPut(nth: number, error: () => unknown): Fault {
  let puts = 0;
  return (_table, request) => (request.type === 'put' && ++puts === nth ? error() : undefined);
}

const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

async function seed(storage: StoragePort): Promise<void> {
  await storage.put('customers', { id: 'c-keep', name: 'Acme' }, { expectedVersion: 0 });
  await storage.put('customers', { id: 'c005', name: 'will be overwritten by the batch' }, { expectedVersion: 0 });
  await storage.put('deals', { id: 'd1', title: 'Pilot' }, { expectedVersion: 0 });
}

/** 50 writes in one transaction: updates of existing records and creates, across two collections. */
function batchOf50(storage: StoragePort): Promise<void> {
  return storage.transaction(async (tx) => {
    for (let i = 0; i < 50; i++) {
      const id = `c${String(i).padStart(3, '0')}`;
      await tx.put('customers', { id, name: `n${i}` }, { expectedVersion: id === 'c005' ? 1 : 0 });
    }
  });
}

describe('faults', () => {
  describe('quota exceeded', () => {
    it('surfaces as StorageQuotaError on the 30th put of a 50-record transaction and leaves the store as it was', async () => {
      const name = uniqueName('quota-batch');
      const { storage, inject } = faultyStorage(name);
      try {
        await seed(storage);
        const before = await storage.exportSnapshot();
        const rawBefore = await rawDump(name);
        const events: unknown[] = [];
        storage.subscribe((batch) => events.push(batch));
        inject(onNthPut(30, quota));
        const error = await rejectionOf(batchOf50(storage));
        expect(error).to.be.instanceOf(StorageQuotaError);
        expect(isCrmError(error, CrmErrorCode.storageQuota)).to.equal(true);
        expect((error as StorageQuotaError).cause).to.have.property('name', 'QuotaExceededError');
        expect(await storage.exportSnapshot()).to.deep.equal(before);
        expect(await rawDump(name)).to.deep.equal(rawBefore);
        expect(events).to.deep.equal([]);
        // Once space is back, the same batch goes through.
        inject(undefined);
        await batchOf50(storage);
        expect((await storage.exportSnapshot()).collections['customers']).to.have.length(51);
      } finally {
        await storage.close();
        await deleteDatabase(name);
      }
    });

    it('is recognised when Dexie wraps it in its AbortError (the quota error as inner)', async () => {
      const name = uniqueName('quota-wrapped');
      const { storage, inject } = faultyStorage(name);
      try {
        await seed(storage);
        const before = await storage.exportSnapshot();
        inject(onNthPut(30, () => new Dexie.AbortError('Transaction aborted', quota())));
        expect(await rejectionOf(batchOf50(storage))).to.be.instanceOf(StorageQuotaError);
        expect(await storage.exportSnapshot()).to.deep.equal(before);
        // A single put too.
        inject(onNthPut(1, () => new Dexie.AbortError('Transaction aborted', quota())));
        expect(
          await rejectionOf(storage.put('deals', { id: 'd1', title: 'Changed' }, { expectedVersion: 1 })),
        ).to.be.instanceOf(StorageQuotaError);
        expect(await storage.exportSnapshot()).to.deep.equal(before);
      } finally {
        await storage.close();
        await deleteDatabase(name);
      }
    });

    it('is recognised as a native AbortError whose transaction failed with QuotaExceededError', () => {
      const abort = new DOMException('The transaction was aborted.', 'AbortError');
      const transaction = { error: quota() };
      expect(isQuotaError(abort, transaction)).to.equal(true);
      expect(isQuotaError(abort, { error: null })).to.equal(false);
      expect(isQuotaError(abort)).to.equal(false);
      expect(isQuotaError(new Dexie.AbortError('aborted', abort), transaction)).to.equal(true);
      const mapped = toCrmError(abort, 'write', transaction as unknown as IDBTransaction);
      expect(mapped).to.be.instanceOf(StorageQuotaError);
      expect((mapped as StorageQuotaError).cause).to.equal(abort);
      // Other aborts are engine errors, not quota.
      expect(toCrmError(abort, 'write')).to.be.instanceOf(StorageError).and.not.instanceOf(StorageQuotaError);
    });

    it('in a bulk import failing midway leaves every collection as it was', async () => {
      const name = uniqueName('quota-import');
      const { storage, inject } = faultyStorage(name);
      try {
        await seed(storage);
        await storage.put('tasks', { id: 't-old', title: 'Call' }, { expectedVersion: 0 });
        const before = await storage.exportSnapshot();
        const stamp = { version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
        const snapshot: StorageSnapshot = {
          format: 'crmkit.storage',
          formatVersion: 1,
          collections: {
            customers: Array.from({ length: 40 }, (_, i) => ({ id: `imp-c${String(i).padStart(2, '0')}`, ...stamp })),
            deals: [{ id: 'imp-d1', ...stamp }],
            tasks: Array.from({ length: 10 }, (_, i) => ({ id: `imp-t${String(i).padStart(2, '0')}`, ...stamp })),
          },
        };
        // Customers and deals are already cleared and re-filled when the tasks' bulk add runs out of space.
        const seen: string[] = [];
        inject((table, request) => {
          seen.push(`${table}:${request.type}`);
          return table === 'tasks' && request.type === 'add' ? quota() : undefined;
        });
        const error = await rejectionOf(storage.importSnapshot(snapshot));
        expect(error).to.be.instanceOf(StorageQuotaError);
        expect(seen).to.include.members(['customers:deleteRange', 'customers:add', 'deals:add', 'tasks:add']);
        inject(undefined);
        expect(await storage.exportSnapshot()).to.deep.equal(before);
        await storage.importSnapshot(snapshot);
        expect(await storage.exportSnapshot()).to.deep.equal(snapshot);
      } finally {
        await storage.close();
        await deleteDatabase(name);
      }
    });
  });

  it('wraps other engine errors in StorageError with the engine error as cause, writing nothing', async () => {
    const name = uniqueName('engine-error');
    const { storage, inject } = faultyStorage(name);
    try {
      await seed(storage);
      const before = await storage.exportSnapshot();
      const engineError = new DOMException('Internal error.', 'UnknownError');
      inject(onNthPut(3, () => engineError));
      const error = await rejectionOf(batchOf50(storage));
      expect(error).to.be.instanceOf(StorageError).and.not.instanceOf(StorageQuotaError);
      expect(isCrmError(error, CrmErrorCode.storage)).to.equal(true);
      expect(JSON.stringify((error as Error).message)).to.contain('UnknownError');
      // The cause is the engine's error as Dexie reported it (Dexie maps DOMExceptions to its own classes, with the
      // original as `inner`).
      expect(errorChain((error as StorageError).cause)).to.include(engineError);
      expect(await storage.exportSnapshot()).to.deep.equal(before);
    } finally {
      await storage.close();
      await deleteDatabase(name);
    }
  });

  describe('IndexedDB unavailable', () => {
    const fakeFactory = (open: () => IDBOpenDBRequest): IDBFactory =>
      ({
        open,
        deleteDatabase: () => {
          throw new Error('unused');
        },
        cmp: () => 0,
      }) as unknown as IDBFactory;

    /** An open request that fails asynchronously, as Firefox's private windows and disabled storage do. */
    const failingRequest = (name: string): IDBOpenDBRequest => {
      const request = {
        error: null as DOMException | null,
        onerror: null as ((event: Event) => void) | null,
        onsuccess: null,
        onupgradeneeded: null,
        onblocked: null,
      };
      setTimeout(() => {
        request.error = new DOMException(
          'A mutation operation was attempted on a database that did not allow mutations.',
          name,
        );
        request.onerror?.(new Event('error'));
      }, 0);
      return request as unknown as IDBOpenDBRequest;
    };

    const cases: [string, () => IDBFactory | null][] = [
      ['no IndexedDB at all', () => null],
      [
        'indexedDB.open throws (a browser policy)',
        () =>
          fakeFactory(() => {
            throw new DOMException('Access to the IndexedDB API is denied in this context.', 'SecurityError');
          }),
      ],
      ['indexedDB.open errors (a private window)', () => fakeFactory(() => failingRequest('InvalidStateError'))],
    ];

    for (const [label, factory] of cases) {
      it(`rejects every operation with StorageUnavailableError: ${label}`, async () => {
        const storage = createDexieStorage({ name: uniqueName('unavailable'), indexedDB: factory() });
        for (const attempt of [
          () => storage.open(),
          () => storage.get('customers', 'c1'),
          () => storage.put('customers', { id: 'c1' }, { expectedVersion: 0 }),
          () => storage.transaction(async () => undefined),
          () => storage.exportSnapshot(),
        ]) {
          const error = await rejectionOf(attempt());
          expect(error).to.be.instanceOf(StorageUnavailableError);
          expect(isCrmError(error, CrmErrorCode.storageUnavailable)).to.equal(true);
          expect((error as Error).message).to.contain('createMemoryStorage');
        }
        expect(await isIndexedDbAvailable({ indexedDB: factory() })).to.equal(false);
        await storage.close();
      });
    }

    it('rejects with StorageUnavailableError when the page has no indexedDB global', async () => {
      const owner = Object.hasOwn(globalThis, 'indexedDB') ? globalThis : Object.getPrototypeOf(globalThis);
      const descriptor = Object.getOwnPropertyDescriptor(owner, 'indexedDB')!;
      Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true, writable: true });
      try {
        const storage = createDexieStorage({ name: uniqueName('no-global') });
        expect(await rejectionOf(storage.open())).to.be.instanceOf(StorageUnavailableError);
        expect(await isIndexedDbAvailable()).to.equal(false);
        await storage.close();
      } finally {
        if (owner === globalThis) Object.defineProperty(globalThis, 'indexedDB', descriptor);
        else delete (globalThis as { indexedDB?: unknown }).indexedDB;
      }
      expect(typeof indexedDB.open).to.equal('function');
    });

    it('isIndexedDbAvailable is true here and leaves no database behind', async () => {
      expect(await isIndexedDbAvailable()).to.equal(true);
      const names = (await indexedDB.databases()).map((info) => info.name);
      expect(names.filter((dbName) => dbName?.includes('crmkit_probe'))).to.deep.equal([]);
    });

    it('the README fallback: memory storage when IndexedDB is unavailable', async () => {
      // As in the README.
      async function openCrmStorage(options: DexieStorageOptions): Promise<StoragePort> {
        const storage = createDexieStorage(options);
        try {
          await storage.open();
          return storage;
        } catch (error) {
          await storage.close();
          if (isCrmError(error, CrmErrorCode.storageUnavailable)) return createMemoryStorage();
          throw error;
        }
      }
      const fallback = await openCrmStorage({ name: uniqueName('fallback'), indexedDB: null });
      expect(fallback.capabilities.changeFeed).to.equal('connection');
      await fallback.put('customers', { id: 'c1' }, { expectedVersion: 0 });
      expect((await fallback.get('customers', 'c1'))?.version).to.equal(1);
      const name = uniqueName('no-fallback');
      const real = await openCrmStorage({ name });
      expect(real.capabilities.changeFeed).to.equal('browser');
      await real.close();
      await deleteDatabase(name);
    });
  });
});
