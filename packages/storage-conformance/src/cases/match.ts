import fc from 'fast-check';
import { compileFilter, type CountField, type Filter, type MatchQuery, type StoredRecord } from '@crmkit/core';
import { canonicalJson, expectEqual, expectTrue } from '../expect.js';
import { T0, harnessCase, withHarness, type ConformanceCase } from '../harness.js';
import { filterArbitrary, recordArbitrary } from '../arbitraries.js';

const C = 'customers';
/** The companion collection: a record of it shares its id with the customer it belongs to. */
const J = 'deals';
const DAY = 86_400_000;

/** `filter` with every field read from the companion (`j.`). */
function onCompanion(filter: Filter): Filter {
  if ('all' in filter) return { all: filter.all.map(onCompanion) };
  if ('any' in filter) return { any: filter.any.map(onCompanion) };
  if ('not' in filter) return { not: onCompanion(filter.not) };
  return { ...filter, field: `j.${filter.field}` };
}

const MISSING = { name: 'Ada', n: 0, tags: [] };
const times = fc.array(
  fc.integer({ min: -3, max: 12 }).map((days) => T0 - days * DAY),
  { maxLength: 4 },
);
const countLeaf = fc.record({
  field: fc.constantFrom('recent', 'every'),
  op: fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte' as const),
  value: fc.integer({ min: 0, max: 4 }),
}) as fc.Arbitrary<Filter>;
const matchFilter: fc.Arbitrary<Filter> = fc.oneof(
  filterArbitrary,
  filterArbitrary.map(onCompanion),
  countLeaf,
  fc
    .tuple(filterArbitrary, filterArbitrary.map(onCompanion), countLeaf, fc.constantFrom('all', 'any'))
    .map(([a, b, c, op]) => (op === 'all' ? { all: [a, b, c] } : { any: [a, { not: b }, c] })),
);

const COUNTS: Readonly<Record<string, CountField>> = {
  recent: { path: 'j.times.a', from: T0 - 7 * DAY, to: T0 },
  every: { path: 'j.times', each: true, from: T0 - 7 * DAY, to: T0 },
};

/** What a count counts, as the port defines it. */
function counted(companion: Record<string, unknown>, field: CountField): number {
  const inRange = (list: unknown) =>
    Array.isArray(list) ? list.filter((v) => typeof v === 'number' && v >= field.from && v <= field.to).length : 0;
  const value =
    field.path === 'j.times.a'
      ? (companion['times'] as Record<string, unknown> | undefined)?.['a']
      : companion['times'];
  if (!field.each) return inRange(value);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.values(value).reduce<number>((sum, list) => sum + inRange(list), 0)
    : 0;
}

export const matchCases: readonly ConformanceCase[] = [
  {
    name: 'matchIds, when offered, answers exactly what the filter selects over each record and its companion',
    async run(createHarness) {
      const now = new Date(T0);
      await withHarness(
        createHarness,
        async ({ storage }) => {
          if (!storage.matchIds) return;
          const rows = fc.uniqueArray(fc.integer({ min: 0, max: 99 }), { maxLength: 15 }).chain((ns) =>
            fc.tuple(
              ...ns.map((n) => {
                const id = `r${String(n).padStart(2, '0')}`;
                return fc.tuple(
                  recordArbitrary(id),
                  fc.option(
                    fc.tuple(recordArbitrary(id), fc.option(fc.record({ a: times, b: times }), { nil: undefined })),
                    { nil: undefined },
                  ),
                );
              }),
            ),
          );
          await fc.assert(
            fc.asyncProperty(rows, fc.array(matchFilter, { minLength: 1, maxLength: 4 }), async (pairs, filters) => {
              await storage.transaction(async (tx) => {
                for (const collection of [C, J])
                  for (const record of (await tx.query(collection)).records) await tx.delete(collection, record.id);
                for (const [record, companion] of pairs) {
                  await tx.put(C, record, { expectedVersion: 0 });
                  if (companion) {
                    const [fields, recent] = companion;
                    await tx.put(J, { ...fields, ...(recent && { times: recent }) }, { expectedVersion: 0 });
                  }
                }
              });
              const customers = (await storage.query(C)).records;
              const companions = new Map((await storage.query(J)).records.map((r) => [r.id, r as StoredRecord]));
              for (const where of filters) {
                const query: MatchQuery = { where, join: { collection: J, as: 'j', missing: MISSING }, counts: COUNTS };
                const answer = await storage.matchIds!(C, query);
                if (answer === undefined) continue;
                const matches = compileFilter(where, { now });
                const expected = customers
                  .filter((customer) => {
                    const j = companions.get(customer.id) ?? MISSING;
                    return matches({
                      ...customer,
                      j,
                      recent: counted(j, COUNTS['recent']!),
                      every: counted(j, COUNTS['every']!),
                    });
                  })
                  .map((customer) => customer.id);
                expectEqual(answer, expected, `matchIds ${canonicalJson(where)}`);
              }
            }),
            { numRuns: 40 },
          );
        },
        () => now,
      );
    },
  },
  harnessCase(
    'matchIds, when offered, reads only the collection asked for and refuses unknown keys',
    async ({ storage }) => {
      if (!storage.matchIds) return;
      await storage.put(C, { id: 'a', name: 'Ada' }, { expectedVersion: 0 });
      await storage.put('tasks', { id: 'b', name: 'Ada' }, { expectedVersion: 0 });
      await storage.put(J, { id: 'a', n: 3 }, { expectedVersion: 0 });
      const where: Filter = {
        all: [
          { field: 'name', op: 'eq', value: 'Ada' },
          { field: 'j.n', op: 'gte', value: 3 },
        ],
      };
      const answer = await storage.matchIds(C, { where, join: { collection: J, as: 'j', missing: {} } });
      expectTrue(answer === undefined || canonicalJson(answer) === '["a"]', 'only the customer with its companion');
      let refused = false;
      try {
        await storage.matchIds(C, { where, limit: 1 } as unknown as MatchQuery);
      } catch (error) {
        refused = (error as { code?: string }).code === 'CRM_VALIDATION';
      }
      expectTrue(refused, 'an unknown key is a ValidationError');
    },
  ),
];
