import { CrmErrorCode, type StoredRecord } from '@crmkit/core';
import { expectEqual, expectRejects, expectTrue } from '../expect.js';
import { harnessCase, type ConformanceCase } from '../harness.js';

const C = 'customers';

export const crudCases: readonly ConformanceCase[] = [
  harnessCase('put creates a record at version 1 with UTC timestamps, visible raw', async ({ storage, raw }) => {
    const stored = await storage.put(C, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    expectEqual(stored.version, 1, 'version after create');
    expectTrue(stored.createdAt === stored.updatedAt, 'createdAt equals updatedAt on create');
    expectEqual(stored.createdAt, '2026-01-01T09:00:00.000Z', 'createdAt from the harness clock');
    expectEqual(await raw.get(C, 'c1'), stored, 'raw record');
    expectEqual(await storage.get(C, 'c1'), stored, 'record read back');
  }),

  harnessCase('get of a missing record resolves to undefined', async ({ storage }) => {
    expectEqual(await storage.get(C, 'missing'), undefined, 'missing record');
  }),

  harnessCase('getMany returns records in the order asked, undefined for missing ones', async ({ storage }) => {
    const a = await storage.put(C, { id: 'a', n: 1 }, { expectedVersion: 0 });
    const b = await storage.put(C, { id: 'b', n: 2 }, { expectedVersion: 0 });
    expectEqual(await storage.getMany(C, ['b', 'zz', 'a', 'b']), [b, undefined, a, b], 'getMany result');
    expectEqual(await storage.getMany(C, []), [], 'getMany of nothing');
  }),

  harnessCase('an update increments the version and keeps createdAt', async ({ storage, raw }) => {
    const first = await storage.put(C, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    const second = await storage.put(C, { id: 'c1', name: 'Ada L.' }, { expectedVersion: 1 });
    expectEqual(second.version, 2, 'version after update');
    expectEqual(second.createdAt, first.createdAt, 'createdAt kept');
    expectTrue(second.updatedAt > first.updatedAt, 'updatedAt advanced');
    expectEqual((await raw.get(C, 'c1')) as StoredRecord, second, 'raw record after update');
  }),

  harnessCase('a stale write is refused with ConflictError and the first write survives', async (harness) => {
    const { storage, raw } = harness;
    await storage.put(C, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    const other = (await harness.openAnother?.()) ?? storage;
    try {
      // Two handles both read version 1; the first saves, the second's save is stale.
      const [mine, theirs] = await Promise.all([storage.get(C, 'c1'), other.get(C, 'c1')]);
      const saved = await storage.put(C, { id: 'c1', name: 'First' }, { expectedVersion: mine!.version });
      const error = await expectRejects(
        other.put(C, { id: 'c1', name: 'Second' }, { expectedVersion: theirs!.version }),
        CrmErrorCode.conflict,
        'stale update',
      );
      expectEqual((error as { actualVersion?: number }).actualVersion, 2, 'ConflictError.actualVersion');
      expectEqual(await raw.get(C, 'c1'), saved, 'record after refused write');
    } finally {
      if (other !== storage) await other.close();
    }
  }),

  harnessCase('racing writes at one version: exactly one wins', async (harness) => {
    const { storage, raw } = harness;
    await storage.put(C, { id: 'c1', n: 0 }, { expectedVersion: 0 });
    const other = (await harness.openAnother?.()) ?? storage;
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? other : storage).put(C, { id: 'c1', n: i + 1 }, { expectedVersion: 1 }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expectEqual(won.length, 1, 'writes that won');
      for (const r of results) {
        if (r.status === 'rejected')
          expectEqual((r.reason as { code?: string }).code, CrmErrorCode.conflict, 'loser error');
      }
      expectEqual(((await raw.get(C, 'c1')) as { version: number }).version, 2, 'version after the race');
    } finally {
      if (other !== storage) await other.close();
    }
  }),

  harnessCase('creating an existing record is a conflict', async ({ storage, raw }) => {
    const stored = await storage.put(C, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    await expectRejects(
      storage.put(C, { id: 'c1', name: 'Other' }, { expectedVersion: 0 }),
      CrmErrorCode.conflict,
      'duplicate create',
    );
    expectEqual(await raw.get(C, 'c1'), stored, 'record after refused create');
  }),

  harnessCase('updating a missing record is a conflict', async ({ storage, raw }) => {
    await expectRejects(
      storage.put(C, { id: 'ghost', name: 'x' }, { expectedVersion: 3 }),
      CrmErrorCode.conflict,
      'update of missing record',
    );
    expectEqual(await raw.get(C, 'ghost'), undefined, 'nothing written');
  }),

  harnessCase('delete removes the record; a second delete is NotFound', async ({ storage, raw }) => {
    await storage.put(C, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    await storage.delete(C, 'c1');
    expectEqual(await raw.get(C, 'c1'), undefined, 'raw record after delete');
    await expectRejects(storage.delete(C, 'c1'), CrmErrorCode.notFound, 'second delete');
  }),

  harnessCase('a delete at a stale version is refused', async ({ storage, raw }) => {
    await storage.put(C, { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    const current = await storage.put(C, { id: 'c1', name: 'Ada 2' }, { expectedVersion: 1 });
    await expectRejects(storage.delete(C, 'c1', { expectedVersion: 1 }), CrmErrorCode.conflict, 'stale delete');
    expectEqual(await raw.get(C, 'c1'), current, 'record after refused delete');
    await storage.delete(C, 'c1', { expectedVersion: 2 });
    expectEqual(await raw.get(C, 'c1'), undefined, 'record after delete at the right version');
  }),

  harnessCase('a re-created record starts again at version 1', async ({ storage }) => {
    await storage.put(C, { id: 'c1', n: 1 }, { expectedVersion: 0 });
    await storage.delete(C, 'c1');
    expectEqual((await storage.put(C, { id: 'c1', n: 2 }, { expectedVersion: 0 })).version, 1, 'version');
  }),

  harnessCase('collections are independent', async ({ storage, raw }) => {
    await storage.put('customers', { id: 'x', kind: 'customer' }, { expectedVersion: 0 });
    await storage.put('deals', { id: 'x', kind: 'deal' }, { expectedVersion: 0 });
    expectEqual(((await raw.get('customers', 'x')) as { kind: string }).kind, 'customer', 'customer record');
    expectEqual(((await raw.get('deals', 'x')) as { kind: string }).kind, 'deal', 'deal record');
  }),

  harnessCase('bad collection names and ids are refused with ValidationError', async ({ storage }) => {
    await expectRejects(storage.get('no such/collection', 'x'), CrmErrorCode.validation, 'collection with a slash');
    await expectRejects(storage.put(C, { id: '' }, { expectedVersion: 0 }), CrmErrorCode.validation, 'empty id');
    await expectRejects(storage.query(C, { limit: 0 }), CrmErrorCode.validation, 'zero limit');
    await expectRejects(
      storage.query(C, { where: { field: 'name', op: 'nope' } as never }),
      CrmErrorCode.validation,
      'unknown filter operator',
    );
    await expectRejects(storage.query(C, { after: 'not a cursor' }), CrmErrorCode.validation, 'bad cursor');
  }),

  harnessCase('records returned cannot change what is stored: copies, or frozen', async ({ storage, raw }) => {
    const input = { id: 'c1', tags: ['vip'] };
    const stored = await storage.put(C, input, { expectedVersion: 0 });
    input.tags.push('mutated input');
    // An adapter may hand out copies (mutating them is harmless) or its own frozen records (mutating them throws).
    const mutate = (record: unknown) => {
      try {
        (record as { tags: string[] } | undefined)?.tags.push('mutated');
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
      }
    };
    mutate(stored);
    mutate(await storage.get(C, 'c1'));
    mutate((await storage.query(C)).records[0]);
    expectEqual(((await raw.get(C, 'c1')) as { tags: string[] }).tags, ['vip'], 'stored tags');
  }),
];
