import { CrmErrorCode, type StorageSnapshot } from '@crmkit/core';
import { expectEqual, expectRejects } from '../expect.js';
import { harnessCase, rawState, withHarness, type ConformanceCase } from '../harness.js';

const COLLECTIONS = ['customers', 'deals', 'tasks'];

export const snapshotCases: readonly ConformanceCase[] = [
  {
    name: 'export → import into a fresh store round-trips deep-equal, versions and timestamps kept',
    async run(createHarness) {
      let exported: StorageSnapshot | undefined;
      await withHarness(createHarness, async ({ storage }) => {
        await storage.put(
          'customers',
          { id: 'c1', name: '张伟', tags: ['vip'], nested: { a: [1, 2] } },
          { expectedVersion: 0 },
        );
        await storage.put(
          'customers',
          { id: 'c1', name: '张伟', tags: ['vip', 'cn'], nested: { a: [1, 2] } },
          { expectedVersion: 1 },
        );
        await storage.put(
          'deals',
          { id: 'd1', amount: { amountMinor: 1280000, currency: 'CNY' }, closed: null },
          { expectedVersion: 0 },
        );
        await storage.put('tasks', { id: 't1', done: false }, { expectedVersion: 0 });
        exported = await storage.exportSnapshot();
        expectEqual(exported.collections['customers']?.[0]?.version, 2, 'exported version');
      });
      await withHarness(createHarness, async ({ storage, raw }) => {
        await storage.put('deals', { id: 'old', title: 'replaced by the import' }, { expectedVersion: 0 });
        await storage.importSnapshot(JSON.parse(JSON.stringify(exported)) as StorageSnapshot);
        expectEqual(await storage.exportSnapshot(), exported, 'snapshot after import');
        const state = await rawState(raw, COLLECTIONS);
        expectEqual(state['customers'], exported!.collections['customers'], 'raw customers');
        expectEqual(state['deals'], exported!.collections['deals'], 'raw deals: the old record is gone');
        // Versions continue from the imported ones.
        expectEqual(
          (await storage.put('customers', { id: 'c1', name: 'x' }, { expectedVersion: 2 })).version,
          3,
          'next version',
        );
      });
    },
  },

  harnessCase('a bad snapshot is refused and nothing changes', async ({ storage, raw }) => {
    await storage.put('customers', { id: 'c1', name: 'Ada' }, { expectedVersion: 0 });
    const before = await rawState(raw, COLLECTIONS);
    const bad = [
      { format: 'other', formatVersion: 1, collections: {} },
      { format: 'crmkit.storage', formatVersion: 1, collections: { 'bad name!': [] } },
      {
        format: 'crmkit.storage',
        formatVersion: 1,
        collections: { deals: [{ id: 'd1', version: 0, createdAt: 'x', updatedAt: 'y' }] },
      },
      {
        format: 'crmkit.storage',
        formatVersion: 1,
        collections: {
          deals: [
            { id: 'd1', version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' },
            { id: 'd1', version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' },
          ],
        },
      },
    ];
    for (const [index, snapshot] of bad.entries()) {
      await expectRejects(storage.importSnapshot(snapshot as never), CrmErrorCode.validation, `bad snapshot ${index}`);
    }
    expectEqual(await rawState(raw, COLLECTIONS), before, 'state after refused imports');
  }),
];
