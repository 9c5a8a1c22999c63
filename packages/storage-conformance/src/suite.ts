import { CrmErrorCode, type StoragePort, type StoredRecord } from '@crmkit/core';
import { expectEqual, expectRejects, expectTrue } from './expect.js';

/** Reads stored data without going through the adapter, so a round trip cannot pass by two bugs cancelling out. */
export interface RawAccess {
  /** The record exactly as the engine holds it, or `undefined`. */
  get(collection: string, id: string): Promise<unknown>;
}

/** A fresh, empty adapter for one case, with raw access to the same data and a clock the case controls. */
export interface StorageHarness {
  readonly storage: StoragePort;
  readonly raw: RawAccess;
  /** Called after the case, pass or fail: close connections, delete databases. */
  dispose?(): Promise<void>;
}

/** A harness factory; `now` is the clock the adapter must use for its timestamps. */
export type HarnessFactory = (options: { now: () => Date }) => Promise<StorageHarness>;

/** One conformance case: data, so any runner can register it. */
export interface ConformanceCase {
  readonly name: string;
  run(createHarness: HarnessFactory): Promise<void>;
}

/** The part of a test runner the suite needs: `node:test`'s `test`, Mocha's `it`, Vitest's `test` all fit. */
export type TestFunction = (name: string, fn: () => Promise<void>) => unknown;

const COLLECTION = 'customers';
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

/** A clock that advances one second per reading, so every write has a distinct, predictable time. */
function steppingClock(): () => Date {
  let tick = 0;
  return () => new Date(T0 + 1000 * tick++);
}

async function withHarness(createHarness: HarnessFactory, body: (h: StorageHarness) => Promise<void>): Promise<void> {
  const harness = await createHarness({ now: steppingClock() });
  try {
    await body(harness);
  } finally {
    await harness.storage.close();
    await harness.dispose?.();
  }
}

function testCase(name: string, body: (h: StorageHarness) => Promise<void>): ConformanceCase {
  return { name, run: (createHarness) => withHarness(createHarness, body) };
}

/** Every case of the suite, in a stable order. */
export const storageConformanceCases: readonly ConformanceCase[] = [
  testCase('put creates a record at version 1 with timestamps, visible raw', async ({ storage, raw }) => {
    const stored = await storage.put(COLLECTION, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    expectEqual(stored.version, 1, 'version after create');
    expectTrue(stored.createdAt === stored.updatedAt, 'createdAt equals updatedAt on create');
    expectTrue(!Number.isNaN(Date.parse(stored.createdAt)) && stored.createdAt.endsWith('Z'), 'createdAt is UTC ISO');
    expectEqual(await raw.get(COLLECTION, 'c1'), stored, 'raw record');
    expectEqual(await storage.get(COLLECTION, 'c1'), stored, 'record read back');
  }),

  testCase('get of a missing record resolves to undefined', async ({ storage }) => {
    expectEqual(await storage.get(COLLECTION, 'missing'), undefined, 'missing record');
  }),

  testCase('an update increments the version and keeps createdAt', async ({ storage, raw }) => {
    const first = await storage.put(COLLECTION, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    const second = await storage.put(COLLECTION, { id: 'c1', name: 'Ada L.' }, { expectedVersion: 1 });
    expectEqual(second.version, 2, 'version after update');
    expectEqual(second.createdAt, first.createdAt, 'createdAt kept');
    expectTrue(second.updatedAt > first.updatedAt, 'updatedAt advanced');
    expectEqual((await raw.get(COLLECTION, 'c1')) as StoredRecord, second, 'raw record after update');
  }),

  testCase('a stale write is refused with ConflictError and the first write survives', async ({ storage, raw }) => {
    await storage.put(COLLECTION, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    // Two handles read version 1; the first saves, the second's save is stale.
    const mine = await storage.put(COLLECTION, { id: 'c1', name: 'First' }, { expectedVersion: 1 });
    await expectRejects(
      storage.put(COLLECTION, { id: 'c1', name: 'Second' }, { expectedVersion: 1 }),
      CrmErrorCode.conflict,
      'stale update',
    );
    expectEqual(await raw.get(COLLECTION, 'c1'), mine, 'record after refused write');
  }),

  testCase('creating an existing record is a conflict', async ({ storage, raw }) => {
    const stored = await storage.put(COLLECTION, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    await expectRejects(
      storage.put(COLLECTION, { id: 'c1', name: 'Other' }, { expectedVersion: 0 }),
      CrmErrorCode.conflict,
      'duplicate create',
    );
    expectEqual(await raw.get(COLLECTION, 'c1'), stored, 'record after refused create');
  }),

  testCase('updating a missing record is a conflict', async ({ storage, raw }) => {
    await expectRejects(
      storage.put(COLLECTION, { id: 'ghost', name: 'x' }, { expectedVersion: 3 }),
      CrmErrorCode.conflict,
      'update of missing record',
    );
    expectEqual(await raw.get(COLLECTION, 'ghost'), undefined, 'nothing written');
  }),

  testCase('delete removes the record; a second delete is NotFound', async ({ storage, raw }) => {
    await storage.put(COLLECTION, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    await storage.delete(COLLECTION, 'c1');
    expectEqual(await raw.get(COLLECTION, 'c1'), undefined, 'raw record after delete');
    await expectRejects(storage.delete(COLLECTION, 'c1'), CrmErrorCode.notFound, 'second delete');
  }),

  testCase('a delete at a stale version is refused', async ({ storage, raw }) => {
    await storage.put(COLLECTION, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    const current = await storage.put(COLLECTION, { id: 'c1', name: 'Ada 2' }, { expectedVersion: 1 });
    await expectRejects(
      storage.delete(COLLECTION, 'c1', { expectedVersion: 1 }),
      CrmErrorCode.conflict,
      'stale delete',
    );
    expectEqual(await raw.get(COLLECTION, 'c1'), current, 'record after refused delete');
  }),

  testCase('collections are independent', async ({ storage, raw }) => {
    await storage.put('customers', { id: 'x', kind: 'customer' }, { expectedVersion: 0 });
    await storage.put('deals', { id: 'x', kind: 'deal' }, { expectedVersion: 0 });
    expectEqual(((await raw.get('customers', 'x')) as { kind: string }).kind, 'customer', 'customer record');
    expectEqual(((await raw.get('deals', 'x')) as { kind: string }).kind, 'deal', 'deal record');
  }),

  testCase('query returns records ordered by id and honours limit', async ({ storage }) => {
    for (const id of ['b', 'd', 'a', 'c']) {
      await storage.put(COLLECTION, { id, name: id.toUpperCase() }, { expectedVersion: 0 });
    }
    expectEqual(
      (await storage.query(COLLECTION)).map((r) => r.id),
      ['a', 'b', 'c', 'd'],
      'ids in order',
    );
    expectEqual(
      (await storage.query(COLLECTION, { limit: 2 })).map((r) => r.id),
      ['a', 'b'],
      'limited ids',
    );
    expectEqual(await storage.query('empty'), [], 'empty collection');
  }),

  testCase('records returned are copies: mutating them changes nothing stored', async ({ storage, raw }) => {
    const stored = await storage.put(COLLECTION, { id: 'c1', tags: ['vip'] }, { expectedVersion: 0 });
    (stored as unknown as { tags: string[] }).tags.push('mutated');
    const read = await storage.get<{ tags: string[] }>(COLLECTION, 'c1');
    read?.tags.push('mutated');
    expectEqual(((await raw.get(COLLECTION, 'c1')) as { tags: string[] }).tags, ['vip'], 'stored tags');
  }),
];

/**
 * Registers every conformance case with a test runner. An adapter's test file is one call:
 *
 * ```ts
 * runStorageConformance({ test, createHarness: async ({ now }) => ({ storage: createX({ now }), raw }) });
 * ```
 */
export function runStorageConformance(options: { test: TestFunction; createHarness: HarnessFactory }): void {
  for (const conformanceCase of storageConformanceCases) {
    options.test(conformanceCase.name, () => conformanceCase.run(options.createHarness));
  }
}
