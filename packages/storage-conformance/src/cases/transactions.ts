import { CrmErrorCode } from '@crmkit/core';
import { ConformanceFailure, expectEqual, expectRejects, expectTrue } from '../expect.js';
import { harnessCase, rawState, type ConformanceCase } from '../harness.js';

const COLLECTIONS = ['customers', 'deals', 'tasks'];

class Abort extends Error {}

/** Work of the caller's own between operations: native promises that settle without touching storage. */
const ownWork = async (): Promise<number> => {
  await Promise.resolve();
  return (async () => 1)();
};

export const transactionCases: readonly ConformanceCase[] = [
  harnessCase(
    'a transaction body may await its own promises before and between operations (services validate first)',
    async ({ storage, raw }) => {
      await storage.transaction(async (tx) => {
        await ownWork();
        await tx.put('customers', { id: 'c1', name: 'Acme' }, { expectedVersion: 0 });
        await ownWork();
        expectEqual((await tx.get('customers', 'c1'))?.version, 1, 'own write visible after own work');
        await ownWork();
        await tx.put('deals', { id: 'd1', customerId: 'c1' }, { expectedVersion: 0 });
        await ownWork();
        expectEqual(
          (await tx.query('deals', { where: { field: 'customerId', op: 'eq', value: 'c1' } })).records.length,
          1,
          'query after own work',
        );
      });
      expectTrue((await raw.get('customers', 'c1')) !== undefined, 'customer committed');
      expectTrue((await raw.get('deals', 'd1')) !== undefined, 'deal committed');
      let failed = false;
      try {
        await storage.transaction(async (tx) => {
          await ownWork();
          await tx.put('tasks', { id: 't1', title: 'Call' }, { expectedVersion: 0 });
          await ownWork();
          throw new Abort('after own work');
        });
      } catch (error) {
        failed = error instanceof Abort;
      }
      expectTrue(failed, "rejects with the body's own error");
      expectEqual(await raw.get('tasks', 't1'), undefined, 'rolled back after own work');
    },
  ),

  harnessCase('a transaction commits writes across collections together', async ({ storage, raw }) => {
    const result = await storage.transaction(async (tx) => {
      const customer = await tx.put('customers', { id: 'c1', name: 'Acme' }, { expectedVersion: 0 });
      await tx.put('deals', { id: 'd1', customerId: customer.id }, { expectedVersion: 0 });
      // A transaction reads its own writes.
      expectEqual((await tx.get('customers', 'c1'))?.version, 1, 'own write visible inside');
      expectEqual(await tx.count('deals'), 1, 'own write counted inside');
      return 'done';
    });
    expectEqual(result, 'done', 'transaction result');
    expectTrue((await raw.get('customers', 'c1')) !== undefined, 'customer committed');
    expectTrue((await raw.get('deals', 'd1')) !== undefined, 'deal committed');
  }),

  harnessCase(
    'a transaction serial only in its appends is still all or nothing and version-checked, serialize() or not',
    async ({ storage, raw }) => {
      for (const serialized of [false, true]) {
        const id = `${serialized}-`;
        await storage.transaction(
          async (tx) => {
            await tx.put('customers', { id: `${id}c1`, name: 'Acme' }, { expectedVersion: 0 });
            // Twice is as once; the transaction's own writes stay visible after it.
            if (serialized) await tx.serialize?.();
            if (serialized) await tx.serialize?.();
            expectEqual((await tx.get('customers', `${id}c1`))?.version, 1, 'own write visible after serialize');
            await tx.put('deals', { id: `${id}d1`, customerId: `${id}c1` }, { expectedVersion: 0 });
          },
          { serial: 'appends' },
        );
        expectTrue((await raw.get('deals', `${id}d1`)) !== undefined, `${id}: committed`);
        const before = await rawState(raw, COLLECTIONS);
        await expectRejects(
          storage.transaction(
            async (tx) => {
              await tx.put('tasks', { id: `${id}t1`, title: 'Call' }, { expectedVersion: 0 });
              if (serialized) await tx.serialize?.();
              await tx.put('customers', { id: `${id}c1`, name: 'Stale' }, { expectedVersion: 7 });
            },
            { serial: 'appends' },
          ),
          CrmErrorCode.conflict,
          `${id}: a stale write refuses the whole transaction`,
        );
        expectEqual(await rawState(raw, COLLECTIONS), before, `${id}: nothing of it kept`);
      }
    },
  ),

  harnessCase('a failure midway leaves every collection exactly as before', async ({ storage, raw }) => {
    await storage.put('customers', { id: 'c1', name: 'Acme' }, { expectedVersion: 0 });
    await storage.put('tasks', { id: 't1', title: 'Call' }, { expectedVersion: 0 });
    const before = await rawState(raw, COLLECTIONS);
    let reached = false;
    try {
      await storage.transaction(async (tx) => {
        await tx.put('customers', { id: 'c1', name: 'Changed' }, { expectedVersion: 1 });
        await tx.put('deals', { id: 'd1', title: 'New' }, { expectedVersion: 0 });
        await tx.delete('tasks', 't1');
        reached = true;
        throw new Abort('midway');
      });
      throw new ConformanceFailure('transaction should have rejected');
    } catch (error) {
      expectTrue(error instanceof Abort, `rejects with the body's own error, got ${String(error)}`);
    }
    expectTrue(reached, 'body ran');
    expectEqual(await rawState(raw, COLLECTIONS), before, 'state after rollback');
  }),

  harnessCase('a conflict inside a transaction rejects it and rolls back the rest', async ({ storage, raw }) => {
    await storage.put('customers', { id: 'c1', name: 'Acme' }, { expectedVersion: 0 });
    const before = await rawState(raw, COLLECTIONS);
    await expectRejects(
      storage.transaction(async (tx) => {
        await tx.put('deals', { id: 'd1', title: 'New' }, { expectedVersion: 0 });
        await tx.put('customers', { id: 'c1', name: 'Stale' }, { expectedVersion: 7 });
      }),
      CrmErrorCode.conflict,
      'stale write in a transaction',
    );
    expectEqual(await rawState(raw, COLLECTIONS), before, 'state after refused transaction');
  }),

  harnessCase(
    'writes of a transaction see each other: update after create, delete after update',
    async ({ storage, raw }) => {
      await storage.transaction(async (tx) => {
        await tx.put('deals', { id: 'd1', n: 1 }, { expectedVersion: 0 });
        await tx.put('deals', { id: 'd1', n: 2 }, { expectedVersion: 1 });
        await tx.put('deals', { id: 'd2', n: 1 }, { expectedVersion: 0 });
        await tx.delete('deals', 'd2', { expectedVersion: 1 });
        expectEqual(await tx.get('deals', 'd2'), undefined, 'deleted inside');
        const page = await tx.query('deals');
        expectEqual(
          page.records.map((r) => r.id),
          ['d1'],
          'query inside sees the overlay',
        );
      });
      expectEqual(((await raw.get('deals', 'd1')) as { version: number; n: number }).version, 2, 'version');
      expectEqual(await raw.get('deals', 'd2'), undefined, 'd2 gone');
    },
  ),

  harnessCase('a batch written in one transaction is all or nothing', async ({ storage, raw }) => {
    await storage.put('customers', { id: 'c050', name: 'exists' }, { expectedVersion: 0 });
    const before = await rawState(raw, COLLECTIONS);
    // The 51st create collides with an existing record: none of the batch may remain.
    await expectRejects(
      storage.transaction(async (tx) => {
        for (let i = 0; i < 100; i++) {
          await tx.put('customers', { id: `c${String(i).padStart(3, '0')}`, name: `n${i}` }, { expectedVersion: 0 });
        }
      }),
      CrmErrorCode.conflict,
      'batch with a duplicate',
    );
    expectEqual(await rawState(raw, COLLECTIONS), before, 'state after refused batch');
  }),
];
