import { expect } from '@open-wc/testing';
import { storageConformanceCases } from '@crmkit/storage-conformance';
import { createDexieStorage, type DexieStorage } from '@crmkit/storage-dexie';
import { compileFilter, queryInMemory, type Filter, type OrderBy, type StoredRecord } from '@crmkit/core';
import fc from 'fast-check';
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
  it('counts equalities over a compound index prefix from its keys, and agrees with the reference', async () => {
    const name = uniqueName('compound');
    const reads = readCounter();
    const storage = createDexieStorage({
      name,
      configure: reads.configure,
      indexes: { leads: 'id, ownerId, status, [ownerId+status], [ownerId+status+score]' },
    });
    try {
      const statuses = ['new', 'working', 'qualified', 'converted'];
      await storage.transaction(async (tx) => {
        for (let i = 0; i < 600; i++) {
          const lead: { id: string } & Record<string, unknown> = {
            id: `l${i}`,
            ownerId: `u${i % 5}`,
            status: statuses[(i % 7) % 4],
          };
          if (i % 11 !== 0) lead['score'] = i % 13;
          if (i % 17 === 0) delete lead['ownerId'];
          await tx.put('leads', lead, { expectedVersion: 0 });
        }
      });
      const all = (await storage.query('leads')).records as StoredRecord[];
      const filters: Filter[] = [
        {
          all: [
            { field: 'ownerId', op: 'eq', value: 'u1' },
            { field: 'status', op: 'in', values: ['new', 'working', 'qualified'] },
          ],
        },
        {
          all: [
            { field: 'status', op: 'eq', value: 'converted' },
            { field: 'ownerId', op: 'in', values: ['u0', 'u3', 'u9'] },
          ],
        },
        {
          all: [
            { field: 'ownerId', op: 'eq', value: 'u2' },
            { field: 'status', op: 'eq', value: 'new' },
            { field: 'score', op: 'in', values: [3, 5] },
          ],
        },
      ];
      for (const where of filters) {
        const expected = all.filter(compileFilter(where)).length;
        expect(expected).to.be.greaterThan(0);
        reads.reset();
        expect(await storage.count('leads', where)).to.equal(expected);
        expect(reads.count(), JSON.stringify(where)).to.equal(0);
      }
      // A lead without a score is in no [ownerId+status+score] key, yet matches an owner and a status: those are counted
      // by [ownerId+status], never by a prefix of the longer index; fields that are no index's whole key, through the
      // records.
      for (const where of [
        {
          all: [
            { field: 'status', op: 'eq', value: 'new' },
            { field: 'score', op: 'eq', value: 3 },
          ],
        },
        {
          all: [
            { field: 'ownerId', op: 'eq', value: 'u4' },
            { field: 'status', op: 'eq', value: 'new' },
          ],
        },
      ] as Filter[]) {
        expect(await storage.count('leads', where)).to.equal(all.filter(compileFilter(where)).length);
      }
    } finally {
      await storage.close();
      await deleteDatabase(name);
    }
  });
  it("pages ordered by a compound index's last field walk it under the fixed prefix, reading about a page", async () => {
    const name = uniqueName('compound-walk');
    const reads = readCounter();
    const NOW = new Date('2026-06-01T00:00:00.000Z');
    const storage = createDexieStorage({ name, now: () => NOW, configure: reads.configure });
    const statuses = ['open', 'done', 'open', 'done', 'done'];
    try {
      await storage.transaction(async (tx) => {
        for (let i = 0; i < 1500; i++) {
          const day = new Date(Date.UTC(2026, 2, 1) + (i % 150) * 86_400_000);
          // Some due dates carry an offset, whose text sorts apart from its instant; some tasks have none.
          const dueAt =
            i % 29 === 0 ? undefined : i % 7 === 0 ? `${day.toISOString().slice(0, 19)}+08:00` : day.toISOString();
          await tx.put(
            'tasks',
            {
              id: `t${String(i).padStart(4, '0')}`,
              status: statuses[i % 5],
              assigneeId: `u${i % 3}`,
              ...(dueAt ? { dueAt } : {}),
            },
            { expectedVersion: 0 },
          );
        }
      });
      const all = (await storage.query('tasks')).records as StoredRecord[];
      const leaf = (field: string, op: string, value: unknown) => ({ field, op, value }) as Filter;
      const filters = fc.oneof(
        fc
          .constantFrom('2026-04-15T00:00:00Z', '2026-05-01T03:00:00+08:00', '2026-07-30T00:00:00.000Z')
          .map((at): Filter => ({ all: [leaf('status', 'eq', 'open'), leaf('dueAt', 'lt', at)] })),
        fc.constantFrom('u0', 'u2').map((user): Filter => ({
          all: [
            leaf('assigneeId', 'eq', user),
            leaf('status', 'eq', 'open'),
            leaf('dueAt', 'gte', '2026-04-01T00:00:00Z'),
          ],
        })),
        // Bounds that cross select nothing.
        fc.constant<Filter>({
          all: [
            leaf('status', 'eq', 'open'),
            leaf('dueAt', 'gt', '2026-05-01T00:00:00Z'),
            leaf('dueAt', 'lt', '2026-04-01T00:00:00Z'),
          ],
        }),
      );
      await fc.assert(
        fc.asyncProperty(filters, fc.integer({ min: 1, max: 120 }), async (where, limit) => {
          const orderBy: OrderBy[] = [{ field: 'dueAt' }];
          const expected = queryInMemory(all, { where, orderBy }, NOW).records.map((r) => r.id);
          const got: string[] = [];
          let after: string | undefined;
          do {
            reads.reset();
            const page = await storage.query('tasks', { where, orderBy, limit, ...(after ? { after } : {}) });
            got.push(...page.records.map((record) => record.id));
            after = page.next;
            // The prefix fixes the entries walked: nothing outside it is read, and little beyond the page.
            expect(reads.count()).to.be.at.most(limit + 1 + 64);
          } while (after !== undefined && got.length <= all.length);
          expect(got).to.deep.equal(expected);
        }),
        { numRuns: 25 },
      );
      reads.reset();
      const page = await storage.query('tasks', {
        where: { all: [leaf('status', 'eq', 'open'), leaf('dueAt', 'lt', '2026-07-30T00:00:00.000Z')] },
        orderBy: [{ field: 'dueAt' }],
        limit: 50,
      });
      expect(page.records.length).to.equal(50);
      expect(reads.count()).to.be.at.most(51);
    } finally {
      await storage.close();
      await deleteDatabase(name);
    }
  });
});
