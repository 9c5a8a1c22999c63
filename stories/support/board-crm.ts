/**
 * CRMs for the pipeline-board stories: the seeded demo data in the reference memory adapter, under a fixed clock, and
 * three storages that misbehave on purpose (one that never answers a deal query, one that always fails it, one that
 * fails it once).
 */
import {
  createCrm,
  createMemoryStorage,
  StorageError,
  type Crm,
  type ExchangeRateTable,
  type QueryOptions,
  type QueryPage,
  type StoragePort,
} from '@crmkit/core';
import {
  DEMO_NOW,
  generateDemoData,
  toStorageSnapshot,
  type DemoData,
  type DemoDataOptions,
} from '@crmkit/core/testing';

/** The instant the demo data is generated at; the CRM's clock and the board's `now`, so renders never drift. */
export const demoNow = new Date(DEMO_NOW);

/** The demo's admin, who may move any deal. */
const ACTOR = { id: 'usr-0001', role: 'admin' } as const;

/** An empty memory storage (the reference adapter), stamping writes with the demo clock. */
export function memoryStorage(): StoragePort {
  return createMemoryStorage({ now: () => new Date(DEMO_NOW) });
}

/** A CRM over `storage` acting as the demo's admin, with the demo clock (and the given exchange rates). */
export async function crmOver(storage: StoragePort, exchangeRates?: ExchangeRateTable): Promise<Crm> {
  return createCrm({
    storage,
    actor: ACTOR,
    clock: () => new Date(DEMO_NOW),
    ...(exchangeRates ? { exchangeRates } : {}),
  });
}

/** Seeded demo data (seed 1 unless `options` says otherwise), optionally edited before it is stored. */
export function demoData(options: DemoDataOptions = {}, edit?: (data: DemoData) => void): DemoData {
  const data = generateDemoData({ seed: 1, ...options });
  edit?.(data);
  return data;
}

/** Writes `data` into `storage` keeping its generated timestamps and history. */
export async function seed(storage: StoragePort, data: DemoData): Promise<StoragePort> {
  await storage.importSnapshot(toStorageSnapshot(data));
  return storage;
}

/** A CRM holding the demo data. */
export async function demoCrm(data: DemoData = demoData(), exchangeRates?: ExchangeRateTable): Promise<Crm> {
  return crmOver(await seed(memoryStorage(), data), exchangeRates);
}

/**
 * The demo data in a storage that is still working on every deal query: such a query never settles (think of a
 * slow network). Everything else answers at once.
 */
export function stalledDealsStorage(storage: StoragePort): StoragePort {
  return {
    ...storage,
    query<T extends object>(collection: string, options?: QueryOptions): Promise<QueryPage<T>> {
      return collection === 'deals' ? new Promise<never>(() => undefined) : storage.query<T>(collection, options);
    },
  };
}

/** How a {@link failingDealsStorage} has behaved so far. */
export interface Outage {
  /** Deal queries that failed. */
  failures: number;
  /** How many more deal queries fail; `Infinity` for an outage that never ends. */
  remaining: number;
}

/**
 * A storage whose deal queries fail with a `StorageError` (code `storage`, as a transient failure of a real engine
 * would) while `outage.remaining` is above zero; each failure counts down.
 */
export function failingDealsStorage(storage: StoragePort, outage: Outage): StoragePort {
  return {
    ...storage,
    query<T extends object>(collection: string, options?: QueryOptions): Promise<QueryPage<T>> {
      if (collection === 'deals' && outage.remaining > 0) {
        outage.remaining -= 1;
        outage.failures += 1;
        return Promise.reject(new StorageError('The storage engine is unavailable'));
      }
      return storage.query<T>(collection, options);
    },
  };
}
