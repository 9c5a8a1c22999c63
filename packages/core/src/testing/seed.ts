import type { StoragePort, StorageSnapshot, StoredRecord } from '../storage/port.js';
import { DEMO_COLLECTIONS, type DemoCollection, type DemoData } from './model.js';

/** How many records {@link seedStorage} wrote to each collection. */
export type DemoCounts = Record<DemoCollection, number>;

/**
 * Writes demo data into a storage port in one transaction: all of it, or (when any write fails, e.g. an id already
 * exists) none of it. Every record is created with `expectedVersion: 0`, in {@link DEMO_COLLECTIONS} order so
 * referenced records are written first.
 *
 * The adapter stamps `createdAt` and `updatedAt` with its own clock, so the generated timestamps are not kept; use
 * {@link toStorageSnapshot} with `importSnapshot` to keep the generated history.
 *
 * @returns the number of records written per collection.
 */
export async function seedStorage(storage: StoragePort, data: DemoData): Promise<DemoCounts> {
  return storage.transaction(async (tx) => {
    const counts = {} as DemoCounts;
    for (const collection of DEMO_COLLECTIONS) {
      const records: readonly { id: string; createdAt: string; updatedAt: string }[] = data[collection];
      // One write at a time: parallel writes inside one transaction are not safe on every engine (one pg client).
      for (const { createdAt: _createdAt, updatedAt: _updatedAt, ...record } of records) {
        await tx.put(collection, record, { expectedVersion: 0 });
      }
      counts[collection] = records.length;
    }
    return counts;
  });
}

/**
 * Demo data as a storage snapshot (every record at version 1), for `storage.importSnapshot`, which keeps the
 * generated `createdAt` and `updatedAt` — what a demo portal or a report story wants. Unlike {@link seedStorage} it
 * replaces everything stored.
 */
export function toStorageSnapshot(data: DemoData): StorageSnapshot {
  const collections: Record<string, StoredRecord[]> = {};
  // Snapshot collections are listed by name, and each list by id; generated arrays are already in id order.
  for (const collection of [...DEMO_COLLECTIONS].sort()) {
    collections[collection] = data[collection].map((record) => ({ ...record, version: 1 }) as StoredRecord);
  }
  return { format: 'crmkit.storage', formatVersion: 1, collections };
}
