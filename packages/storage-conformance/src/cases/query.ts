import fc from 'fast-check';
import { compileFilter, compareRecords, type StoragePort, type StoredRecord } from '@crmkit/core';
import { canonicalJson, expectEqual, expectTrue } from '../expect.js';
import { T0, harnessCase, withHarness, type ConformanceCase } from '../harness.js';
import { filterArbitrary, orderByArbitrary, recordArbitrary, recordsArbitrary } from '../arbitraries.js';

const C = 'customers';

/** Empties the collection and writes `records` in one transaction; resolves to what was stored. */
async function reset(storage: StoragePort, records: readonly { id: string }[]): Promise<StoredRecord[]> {
  return storage.transaction(async (tx) => {
    let page = await tx.query(C);
    for (const record of page.records) await tx.delete(C, record.id);
    page = await tx.query(C);
    expectEqual(page.records.length, 0, 'collection emptied');
    const stored: StoredRecord[] = [];
    for (const record of records)
      stored.push(
        (await tx.put(C, record as Record<string, unknown> & { id: string }, { expectedVersion: 0 })) as StoredRecord,
      );
    return stored;
  });
}

const ids = (records: readonly { id: string }[]) => records.map((r) => r.id);

export const queryCases: readonly ConformanceCase[] = [
  harnessCase('query orders by id by default, honours limit and continues with next', async ({ storage }) => {
    for (const id of ['b', 'd', 'a', 'c', 'e'])
      await storage.put(C, { id, name: id.toUpperCase() }, { expectedVersion: 0 });
    expectEqual(ids((await storage.query(C)).records), ['a', 'b', 'c', 'd', 'e'], 'ids in order');
    const first = await storage.query(C, { limit: 2 });
    expectEqual(ids(first.records), ['a', 'b'], 'first page');
    expectTrue(typeof first.next === 'string', 'first page has a next cursor');
    const second = await storage.query(C, { limit: 2, after: first.next! });
    expectEqual(ids(second.records), ['c', 'd'], 'second page');
    const last = await storage.query(C, { limit: 2, after: second.next! });
    expectEqual(ids(last.records), ['e'], 'last page');
    expectEqual(last.next, undefined, 'no cursor after the last page');
    expectEqual((await storage.query('deals')).records, [], 'empty collection');
    expectEqual(await storage.count(C), 5, 'count');
    expectEqual(await storage.count(C, { field: 'name', op: 'in', values: ['A', 'E'] }), 2, 'filtered count');
  }),

  {
    name: 'filtered queries and counts equal compileFilter on the same data (random records × random filters)',
    async run(createHarness) {
      const now = new Date(T0);
      await withHarness(
        createHarness,
        async ({ storage }) => {
          await fc.assert(
            fc.asyncProperty(
              recordsArbitrary(),
              fc.array(filterArbitrary, { minLength: 1, maxLength: 8 }),
              async (records, filters) => {
                const stored = await reset(storage, records);
                const counts: number[] = [];
                for (const where of filters) {
                  const expected = ids(stored.filter(compileFilter(where, { now }))).sort();
                  const page = await storage.query(C, { where });
                  expectEqual(ids(page.records).sort(), expected, `query ${canonicalJson(where)}`);
                  expectEqual(await storage.count(C, where), expected.length, `count ${canonicalJson(where)}`);
                  counts.push(expected.length);
                }
                // `countEach`, where offered, counts them all at once, inside a transaction and outside.
                if (storage.countEach) {
                  expectEqual(await storage.countEach(C, filters), counts, `countEach ${canonicalJson(filters)}`);
                  const inside = await storage.transaction(async (tx) => tx.countEach?.(C, filters));
                  if (inside) expectEqual(inside, counts, 'countEach in a transaction');
                  expectEqual(await storage.countEach(C, []), [], 'countEach of no filters');
                }
              },
            ),
            { numRuns: 60 },
          );
        },
        () => now,
      );
    },
  },

  {
    name: 'ordered pages have no gaps or repeats, even with inserts between pages',
    async run(createHarness) {
      await withHarness(createHarness, async ({ storage }) => {
        let fresh = 0;
        await fc.assert(
          fc.asyncProperty(
            recordsArbitrary(20),
            orderByArbitrary,
            fc.integer({ min: 1, max: 6 }),
            fc.array(fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 2 }), { maxLength: 8 }),
            async (records, orderBy, limit, insertsPerPage) => {
              const stored = await reset(storage, records);
              const expected = ids([...stored].sort(compareRecords(orderBy)));
              const seen: StoredRecord[] = [];
              let after: string | undefined;
              for (let pageNo = 0; pageNo < 200; pageNo++) {
                const page: { records: StoredRecord[]; next?: string } = await storage.query(C, {
                  orderBy,
                  limit,
                  ...(after ? { after } : {}),
                });
                expectTrue(page.records.length <= limit, 'page within limit');
                seen.push(...page.records);
                if (!page.next) break;
                after = page.next;
                // Concurrent writers insert records that sort anywhere, before or after the cursor.
                for (const _ of insertsPerPage[pageNo] ?? []) {
                  const record = fc.sample(recordArbitrary(`z${fresh++}`), { numRuns: 1, seed: fresh })[0]!;
                  await storage.put(C, record, { expectedVersion: 0 });
                }
              }
              const seenIds = ids(seen);
              expectEqual(new Set(seenIds).size, seenIds.length, 'no record twice');
              expectEqual(
                seenIds.filter((id) => !id.startsWith('z')),
                expected,
                'every original record once, in order',
              );
              const sorted = [...seen].sort(compareRecords(orderBy));
              expectEqual(ids(sorted), seenIds, 'pages in order');
            },
          ),
          { numRuns: 40 },
        );
      });
    },
  },
];
