import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import {
  compareValues,
  compileFilter,
  queryInMemory,
  type Filter,
  type OrderBy,
  type StoredRecord,
} from '@crmkit/core';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, sharedPglite } from './pglite.js';

after(async () => (await sharedPglite()).close());

/** Strings mixing the characters whose order differs between UTF-16 and code points, and plain ones. */
const text = fc.string({
  unit: fc.constantFrom(
    'a',
    'B',
    'z',
    '\u0001',
    '\uD7FF',
    '\uE000',
    '\uFFFD',
    '\uFFFF',
    '\u{10000}',
    '\u{1F600}',
    '\u{10FFFF}',
    '张',
  ),
  maxLength: 5,
});
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0, -0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 0.1, 0.30000000000000004),
);
/** Instants canonical and not, near the tests' `now`, and a string of the canonical shape that is no instant. */
const NOW = new Date('2026-06-15T12:00:00.000Z');
const instant = fc.constantFrom(
  '2026-06-15T11:00:00.000Z',
  '2026-06-10T00:00:00.000Z',
  '2026-01-01T00:00:00.000Z',
  '2026-06-15T19:30:00+08:00',
  '2026-06-14T00:00:00Z',
  '2025-12-31T23:59:59.999-05:00',
  'not an instant, shape OK',
  '2026-06-15T12:00:00.000Z',
);
const scalar = fc.oneof(text, number, fc.boolean(), fc.constant(null), instant);
const value = fc.oneof({ weight: 8, arbitrary: scalar }, { weight: 1, arbitrary: fc.constant(undefined) });

test('sort keys order JSON values exactly as compareValues does', async () => {
  const db = await sharedPglite();
  await createPostgresStorage({ pglite: db, tenant: freshTenant() });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(scalar, fc.constant([1]), fc.constant({ a: 1 })), { maxLength: 30 }),
      async (values) => {
        const texts = values.map((item) => JSON.stringify(item));
        const { rows } = await db.query<{ i: number; k: string }>(
          `SELECT i::integer - 1 AS i, crmkit.sort_key(v::jsonb) AS k FROM unnest($1::text[]) WITH ORDINALITY AS t (v, i)`,
          [texts],
        );
        const keys = new Map(rows.map((row) => [row.i, row.k]));
        // JSON rounds -0 to 0, as storing a record does.
        const stored = values.map((item) => JSON.parse(JSON.stringify(item)) as unknown);
        for (let a = 0; a < stored.length; a++) {
          for (let b = 0; b < stored.length; b++) {
            const ka = keys.get(a)!;
            const kb = keys.get(b)!;
            const sql = ka < kb ? -1 : ka > kb ? 1 : 0;
            const core = Math.sign(compareValues(stored[a], stored[b]));
            // Objects and arrays share one key: core orders them by their JSON, which pages check for (paging.ts).
            if (
              typeof stored[a] === 'object' &&
              stored[a] !== null &&
              typeof stored[b] === 'object' &&
              stored[b] !== null
            )
              continue;
            assert.equal(sql, core, `${texts[a]} vs ${texts[b]}`);
          }
        }
      },
    ),
    { numRuns: 60 },
  );
});

/** Filters over the fields of the generated records, with every operator the adapter pushes down. */
const field = fc.constantFrom('v', 'w', 'nested.x', 'tags');
const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({
    field,
    op: fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte'),
    value: scalar,
  }) as fc.Arbitrary<Filter>,
  fc.record({ field, op: fc.constant('between'), min: scalar, max: scalar }) as fc.Arbitrary<Filter>,
  fc.record({
    field,
    op: fc.constantFrom('in', 'nin', 'hasAny', 'hasAll'),
    values: fc.array(scalar, { maxLength: 3 }),
  }) as fc.Arbitrary<Filter>,
  fc.record({ field, op: fc.constant('exists'), value: fc.boolean() }) as fc.Arbitrary<Filter>,
  fc.record({
    field,
    op: fc.constantFrom('withinLast', 'olderThan'),
    amount: fc.integer({ min: 0, max: 400 }),
    unit: fc.constantFrom('hours', 'days'),
  }) as fc.Arbitrary<Filter>,
  fc.record({
    field,
    op: fc.constantFrom('startsWith', 'contains'),
    value: text,
    caseSensitive: fc.constant(true),
  }) as fc.Arbitrary<Filter>,
);
const filter: fc.Arbitrary<Filter> = fc.letrec<{ node: Filter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }) as fc.Arbitrary<Filter>,
    fc.record({ any: fc.array(tie('node'), { maxLength: 3 }) }) as fc.Arbitrary<Filter>,
    fc.record({ not: tie('node') }) as fc.Arbitrary<Filter>,
  ),
})).node;
const record = fc.record(
  {
    v: value,
    w: value,
    nested: fc.option(fc.record({ x: value }, { requiredKeys: [] }), { nil: undefined }),
    tags: fc.option(fc.array(scalar, { maxLength: 3 }), { nil: undefined }),
  },
  { requiredKeys: [] },
);

test('filters, counts and ordered pages in SQL agree with core on any data', async () => {
  const db = await sharedPglite();
  await fc.assert(
    fc.asyncProperty(
      fc.array(record, { maxLength: 12 }),
      filter,
      fc.constantFrom<OrderBy[]>([], [{ field: 'v' }], [{ field: 'w', direction: 'desc' }, { field: 'v' }]),
      fc.integer({ min: 1, max: 5 }),
      async (fields, where, orderBy, limit) => {
        const storage = await createPostgresStorage({ pglite: db, tenant: freshTenant('prop'), now: () => NOW });
        const stored: StoredRecord[] = [];
        await storage.transaction(async (tx) => {
          for (const [i, item] of fields.entries()) {
            const clean = JSON.parse(JSON.stringify(item)) as Record<string, unknown>;
            stored.push((await tx.put('customers', { ...clean, id: `r${i}` }, { expectedVersion: 0 })) as StoredRecord);
          }
        });
        const matches = compileFilter(where, { now: NOW });
        assert.equal(await storage.count('customers', where), stored.filter((item) => matches(item)).length);
        const expected = queryInMemory(stored, { where, orderBy }, NOW).records.map((item) => item.id);
        const ids: string[] = [];
        let after: string | undefined;
        do {
          const page = await storage.query('customers', { where, orderBy, limit, ...(after ? { after } : {}) });
          ids.push(...page.records.map((item) => item.id));
          after = page.next;
        } while (after);
        assert.deepEqual(ids, expected);
        await storage.close();
      },
    ),
    { numRuns: 300 },
  );
});
