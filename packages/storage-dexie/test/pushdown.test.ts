import { expect } from '@open-wc/testing';
import { storageConformanceCases } from '@crmkit/storage-conformance';
import { createDexieStorage, type DexieStorage } from '@crmkit/storage-dexie';
import { compileFilter, type Filter, type StoredRecord } from '@crmkit/core';
import { deleteDatabase, rawRead, uniqueName } from './raw-idb.js';
import { readCounter } from './fixtures/count-reads.js';

/** Every field the suite's arbitraries write, indexed, so every claimed operator is pushed down and checked. */
const EVERY_FIELD = 'id, name, n, flag, at, status, nested.region, *tags';

describe('filter pushdown onto IndexedDB indexes', () => {
  for (const conformanceCase of storageConformanceCases.filter(
    (c) => c.name.startsWith('filtered queries') || c.name.startsWith('ordered pages'),
  )) {
    it(`${conformanceCase.name} — with every field indexed`, () =>
      conformanceCase.run(async ({ now }) => {
        const name = uniqueName('pushdown');
        return {
          storage: createDexieStorage({ name, now, indexes: { customers: EVERY_FIELD } }),
          raw: {
            get: (collection, id) => rawRead(name, collection, (store) => store.get(id)),
            list: async (collection) => (await rawRead(name, collection, (store) => store.getAll())) ?? [],
          },
          dispose: () => deleteDatabase(name),
        };
      }));
  }

  describe('reads only what the index selects', () => {
    const NOW = new Date('2026-06-30T00:00:00.000Z');
    const TOTAL = 2000;
    let name: string;
    let storage: DexieStorage;
    const reads = readCounter();

    const countries = ['CN', 'US', 'DE', 'JP', 'BR', 'GB', 'FR', 'IN', 'SG', 'AU'];
    const firstNames = ['Ada', 'Bob', 'Chen', 'Dana', 'Emil', 'Fang', 'Gita', 'Hugo', 'Ines', 'Jun'];
    before(async () => {
      name = uniqueName('reads');
      // updatedAt is stamped by the adapter (all equal here); lastActivityAt, indexed by default, carries the history.
      storage = createDexieStorage({ name, now: () => NOW, configure: reads.configure });
      await storage.transaction(async (tx) => {
        for (let i = 0; i < TOTAL; i++) {
          await tx.put(
            'customers',
            {
              id: `cus-${String(i).padStart(5, '0')}`,
              kind: i % 3 ? 'person' : 'organisation',
              name: `${firstNames[i % firstNames.length]} ${i}`,
              country: countries[i % countries.length],
              tags: i % 25 === 0 ? ['vip', 'key_account'] : ['regular'],
              lifecycleStage: 'retain',
              lastActivityAt: new Date(NOW.getTime() - i * 3_600_000).toISOString(),
            },
            { expectedVersion: 0 },
          );
        }
      });
    });
    after(async () => {
      await storage.close();
      await deleteDatabase(name);
    });

    async function readsOf(run: () => Promise<unknown>): Promise<number> {
      reads.reset();
      await run();
      return reads.count();
    }

    async function expectSame(where: Filter) {
      const { records } = await storage.query('customers', { where });
      const all = (await storage.query('customers')).records as StoredRecord[];
      expect(records.map((r) => r.id)).to.deep.equal(all.filter(compileFilter(where, { now: NOW })).map((r) => r.id));
      return records.length;
    }

    it('an equality on an indexed field reads the matching records only', async () => {
      const where: Filter = { field: 'country', op: 'eq', value: 'CN' };
      expect(await expectSame(where)).to.equal(TOTAL / 10);
      expect(await readsOf(() => storage.query('customers', { where }))).to.equal(TOTAL / 10);
      // Counted from the index's keys alone.
      expect(await readsOf(() => storage.count('customers', where))).to.equal(0);
    });

    it('a condition no index key can meet (lt the empty string) selects nothing, without a crossed key range', async () => {
      const where: Filter = { field: 'name', op: 'lt', value: '' };
      expect(await expectSame(where)).to.equal(0);
      expect(await storage.count('customers', where)).to.equal(0);
      expect(await expectSame({ any: [where, { field: 'country', op: 'eq', value: 'CN' }] })).to.equal(TOTAL / 10);
    });

    it('a segment-style conjunction reads through its most selective index', async () => {
      const where: Filter = {
        all: [
          { field: 'country', op: 'in', values: ['CN', 'US'] },
          { field: 'tags', op: 'hasAny', values: ['vip'] },
          { field: 'lastActivityAt', op: 'withinLast', amount: 30, unit: 'days' },
        ],
      };
      const matches = await expectSame(where);
      expect(matches).to.be.greaterThan(0);
      // 80 records carry `vip`; the country index would select 400 and the date index 720.
      expect(await readsOf(() => storage.query('customers', { where }))).to.equal(TOTAL / 25);
    });

    it('an any of indexed conditions reads the union of their ranges', async () => {
      const where: Filter = {
        any: [
          { field: 'country', op: 'eq', value: 'JP' },
          { field: 'name', op: 'startsWith', value: 'ada 19', caseSensitive: false },
        ],
      };
      // The case variants of the whole prefix (a, A, d, D, …, 1, 9) select just the Adas whose number starts with 19;
      // with the 200 records in JP the union reads what matches, plus the odd record where the multi-range cursor
      // steps one key past a range before it jumps to the next.
      const matches = await expectSame(where);
      const read = await readsOf(() => storage.query('customers', { where }));
      expect(read).to.be.within(matches, matches + 8);
    });

    it('top 50 by an index walks the index and stops after the page', async () => {
      const page = () =>
        storage.query('customers', { orderBy: [{ field: 'lastActivityAt', direction: 'desc' }], limit: 50 });
      const { records, next } = await page();
      expect(records.map((r) => r.id)).to.deep.equal(
        Array.from({ length: 50 }, (_, i) => `cus-${String(i).padStart(5, '0')}`),
      );
      expect(next).to.be.a('string');
      expect(await readsOf(page)).to.be.lessThan(60);
      const second = await storage.query('customers', {
        orderBy: [{ field: 'lastActivityAt', direction: 'desc' }],
        limit: 50,
        after: next!,
      });
      expect(second.records[0]!.id).to.equal('cus-00050');
    });

    it('a record the index leaves out still sorts first: what is known about an index is forgotten on write', async () => {
      const oldestFirst = () =>
        storage.query('customers', { orderBy: [{ field: 'lastActivityAt', direction: 'asc' }], limit: 3 });
      // Every record has the field: the walk is valid, and what the planner learnt is kept for the next query.
      expect((await oldestFirst()).records.map((r) => r.id)).to.deep.equal(['cus-01999', 'cus-01998', 'cus-01997']);
      expect(await readsOf(oldestFirst)).to.be.lessThan(10);
      // A record without the field is missing from the index, and missing values sort first.
      await storage.put(
        'customers',
        { id: 'cus-new', kind: 'person', name: 'No activity yet' },
        { expectedVersion: 0 },
      );
      expect((await oldestFirst()).records.map((r) => r.id)).to.deep.equal(['cus-new', 'cus-01999', 'cus-01998']);
      await storage.delete('customers', 'cus-new');
    });

    it('without a usable index the table is read whole (the counter counts)', async () => {
      const where: Filter = { field: 'country', op: 'ne', value: 'CN' };
      await expectSame(where);
      expect(await readsOf(() => storage.query('customers', { where }))).to.equal(TOTAL);
    });
  });
});
