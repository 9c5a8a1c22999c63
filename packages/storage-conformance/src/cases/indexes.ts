/**
 * Indexed queries read about as many records as they return. The port declares indexes
 * (`capabilities.indexes`); these cases use the CRM's design for `customers` (`country`, `updatedAt`, `*tags`) and
 * count the records the engine hands the adapter through the harness's `recordsRead`, failing when a page reads more
 * than {@link READ_FACTOR} times its limit. Results must still equal the reference (`queryInMemory`).
 */
import { parseIndexSpec, queryInMemory, type QueryOptions, type StoragePort, type StoredRecord } from '@crmkit/core';
import { ConformanceFailure, expectEqual, expectTrue } from '../expect.js';
import { harnessCase, type ConformanceCase, type StorageHarness } from '../harness.js';

const C = 'customers';
/** Records in the collection: enough that reading them all is far above any page's allowance. */
const POPULATION = 2_000;
/** A page may read at most this many times its limit. */
const READ_FACTOR = 4;
const COUNTRIES = ['CN', 'CN', 'CN', 'US', 'US', 'DE', 'JP', 'FR', 'BR', 'IN'];

/** Writes the population in one transaction: a country each, a tag on every tenth, distinct update times. */
async function populate(storage: StoragePort): Promise<void> {
  await storage.transaction(async (tx) => {
    for (let i = 0; i < POPULATION; i++) {
      const id = `c${String(i).padStart(5, '0')}`;
      const record = {
        id,
        name: `Customer ${i}`,
        // A spread that is not in id order, so an order by country differs from an order by id.
        country: COUNTRIES[(i * 7) % COUNTRIES.length] as string,
        tags: i % 10 === 0 ? ['vip'] : [],
      };
      await tx.put(C, record, { expectedVersion: 0 });
    }
  });
}

function requireIndexes(harness: StorageHarness, fields: readonly string[]): () => number {
  const declared = (harness.storage.capabilities.indexes[C] ?? []).map((spec) => parseIndexSpec(spec));
  for (const field of fields) {
    const multi = field.startsWith('*');
    const name = multi ? field.slice(1) : field;
    expectTrue(
      declared.some((index) => index.fields.length === 1 && index.fields[0] === name && index.multiEntry === multi),
      `the adapter declares the index ${field} on ${C}`,
    );
  }
  const counter = harness.recordsRead?.bind(harness);
  if (!counter) throw new ConformanceFailure('the harness must count records read (recordsRead) for index cases');
  return counter;
}

/** Runs a query, checks it equals the reference and read at most `allowance` records; resolves to the page. */
async function expectCheapQuery(
  harness: StorageHarness,
  recordsRead: () => number,
  options: QueryOptions,
  all: readonly StoredRecord[],
  allowance: number,
  what: string,
) {
  const before = recordsRead();
  const page = await harness.storage.query(C, options);
  const read = recordsRead() - before;
  const expected = queryInMemory(all, options);
  expectEqual(
    page.records.map((record) => record.id),
    expected.records.map((record) => record.id),
    `${what}: the page equals the reference`,
  );
  expectEqual(page.next !== undefined, expected.next !== undefined, `${what}: a next cursor exactly when more follow`);
  expectTrue(read <= allowance, `${what}: read ${read} records for a page of ${options.limit}; at most ${allowance}`);
  return page;
}

async function everything(storage: StoragePort): Promise<StoredRecord[]> {
  return (await storage.query(C)).records;
}

export const indexCases: readonly ConformanceCase[] = [
  harnessCase(
    'a page ordered by an indexed field reads about its limit, on the first page and after a cursor',
    async (harness) => {
      const recordsRead = requireIndexes(harness, ['updatedAt']);
      await populate(harness.storage);
      const all = await everything(harness.storage);
      for (const direction of ['desc', 'asc'] as const) {
        const options = { orderBy: [{ field: 'updatedAt', direction }], limit: 50 } as const;
        const first = await expectCheapQuery(
          harness,
          recordsRead,
          options,
          all,
          READ_FACTOR * 50,
          `${direction} page 1`,
        );
        await expectCheapQuery(
          harness,
          recordsRead,
          { ...options, after: first.next! },
          all,
          READ_FACTOR * 50,
          `${direction} page 2`,
        );
      }
    },
  ),
  harnessCase('pages by id (the default order) read about their limit', async (harness) => {
    const recordsRead = requireIndexes(harness, []);
    await populate(harness.storage);
    const all = await everything(harness.storage);
    const first = await expectCheapQuery(harness, recordsRead, { limit: 50 }, all, READ_FACTOR * 50, 'page 1');
    await expectCheapQuery(harness, recordsRead, { limit: 50, after: first.next! }, all, READ_FACTOR * 50, 'page 2');
  }),
  harnessCase(
    'an equality on an indexed field reads about its page, and counting it reads nothing',
    async (harness) => {
      const recordsRead = requireIndexes(harness, ['country']);
      await populate(harness.storage);
      const all = await everything(harness.storage);
      const where = { field: 'country', op: 'eq', value: 'DE' } as const;
      const first = await expectCheapQuery(harness, recordsRead, { where, limit: 20 }, all, READ_FACTOR * 20, 'page 1');
      await expectCheapQuery(
        harness,
        recordsRead,
        { where, limit: 20, after: first.next! },
        all,
        READ_FACTOR * 20,
        'page 2',
      );
      const before = recordsRead();
      const count = await harness.storage.count(C, where);
      expectEqual(count, all.filter((record) => record['country'] === 'DE').length, 'the count');
      expectEqual(recordsRead() - before, 0, 'records read to count an indexed equality');
    },
  ),
  harnessCase('in and hasAny on indexed fields read about their matches', async (harness) => {
    const recordsRead = requireIndexes(harness, ['country', '*tags']);
    await populate(harness.storage);
    const all = await everything(harness.storage);
    const vip = all.filter((record) => (record['tags'] as string[]).includes('vip')).length;
    await expectCheapQuery(
      harness,
      recordsRead,
      { where: { field: 'tags', op: 'hasAny', values: ['vip'] } },
      all,
      2 * vip,
      'tags hasAny vip',
    );
    const few = all.filter((record) => ['JP', 'FR'].includes(record['country'] as string)).length;
    await expectCheapQuery(
      harness,
      recordsRead,
      { where: { field: 'country', op: 'in', values: ['JP', 'FR'] }, orderBy: [{ field: 'name' }] },
      all,
      2 * few,
      'country in JP, FR',
    );
  }),
];
