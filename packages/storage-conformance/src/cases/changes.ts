import type { ChangeEvent } from '@crmkit/core';
import { expectEqual } from '../expect.js';
import { harnessCase, type ConformanceCase } from '../harness.js';

/** Waits until the feed has delivered (adapters may deliver after a microtask or an engine callback). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

const local = (batches: ChangeEvent[][]) =>
  batches.map((batch) => batch.map(({ collection, id, type, version }) => ({ collection, id, type, version })));

export const changeCases: readonly ConformanceCase[] = [
  harnessCase('the change feed reports each committed write once, with ids and versions', async ({ storage }) => {
    const batches: ChangeEvent[][] = [];
    const unsubscribe = storage.subscribe((events) => batches.push([...events]));
    await storage.put('deals', { id: 'd1', n: 1 }, { expectedVersion: 0 });
    await storage.put('deals', { id: 'd1', n: 2 }, { expectedVersion: 1 });
    await storage.delete('deals', 'd1');
    await settle();
    expectEqual(
      local(batches),
      [
        [{ collection: 'deals', id: 'd1', type: 'put', version: 1 }],
        [{ collection: 'deals', id: 'd1', type: 'put', version: 2 }],
        [{ collection: 'deals', id: 'd1', type: 'delete', version: undefined }],
      ],
      'events',
    );
    unsubscribe();
    await storage.put('deals', { id: 'd2', n: 1 }, { expectedVersion: 0 });
    await settle();
    expectEqual(batches.length, 3, 'no events after unsubscribing');
  }),

  harnessCase('a transaction is reported as one batch after commit; a failed one not at all', async ({ storage }) => {
    const batches: ChangeEvent[][] = [];
    storage.subscribe((events) => batches.push([...events]));
    await storage.transaction(async (tx) => {
      await tx.put('customers', { id: 'c1' }, { expectedVersion: 0 });
      await tx.put('deals', { id: 'd1' }, { expectedVersion: 0 });
    });
    await storage
      .transaction(async (tx) => {
        await tx.put('customers', { id: 'c2' }, { expectedVersion: 0 });
        throw new Error('abort');
      })
      .catch(() => undefined);
    await storage.put('customers', { id: 'c1' }, { expectedVersion: 5 }).catch(() => undefined);
    await settle();
    const sorted = local(batches).map((batch) => batch.sort((a, b) => (a.collection < b.collection ? -1 : 1)));
    expectEqual(
      sorted,
      [
        [
          { collection: 'customers', id: 'c1', type: 'put', version: 1 },
          { collection: 'deals', id: 'd1', type: 'put', version: 1 },
        ],
      ],
      'batches',
    );
  }),
];
