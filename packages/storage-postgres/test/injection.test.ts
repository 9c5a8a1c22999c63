import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ValidationError, queryInMemory, type Filter, type StoredRecord } from '@crmkit/core';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { freshTenant, sharedPglite } from './pglite.js';

after(async () => (await sharedPglite()).close());

const HOSTILE = [
  "x'); drop table crmkit.records; --",
  "'; DELETE FROM crmkit.records WHERE ''='",
  '"; drop schema crmkit cascade; --',
  "O'Brien",
  'back\\slash\\',
  '\\x27',
  '$1',
  '__proto__',
  'constructor',
  '{a,b}',
  '张伟 🙂',
];

/** The hostile strings a filter may use as a field name (not the inherited keys, which the language refuses). */
const FIELD_NAMES = HOSTILE.filter((text) => !['__proto__', 'constructor'].includes(text));

const tableCount = async () =>
  Number(
    (await (await sharedPglite()).query<{ n: number }>('SELECT count(*)::integer AS n FROM crmkit.records')).rows[0]!.n,
  );

test('hostile ids, values, field names and tenants are stored and matched as plain data', async () => {
  const tenant = `${freshTenant()}'); drop table crmkit.records; --`;
  const storage = await createPostgresStorage({ pglite: await sharedPglite(), tenant });
  const written: StoredRecord[] = [];
  for (const [i, text] of HOSTILE.entries()) {
    const record = JSON.parse(JSON.stringify({ id: text, name: text, n: i, [text]: text, nested: { [text]: i } }));
    written.push(await storage.put('customers', record, { expectedVersion: 0 }));
  }
  assert.ok((await tableCount()) >= HOSTILE.length, 'the table survived');
  for (const record of written) {
    const read = await storage.get('customers', record.id);
    assert.deepEqual(read, record);
    assert.equal(Object.getPrototypeOf(read), Object.prototype, 'an own __proto__ key stays a plain key');
  }
  assert.deepEqual(
    (await storage.getMany('customers', HOSTILE)).map((record) => record?.id),
    HOSTILE,
  );
  const all = (await storage.query('customers')).records;
  const filters: Filter[] = [
    { field: 'name', op: 'eq', value: HOSTILE[0]! },
    { field: 'name', op: 'in', values: HOSTILE },
    { field: 'name', op: 'contains', value: "'" },
    {
      all: [
        { field: 'name', op: 'startsWith', value: '\\' },
        { field: 'n', op: 'gte', value: 0 },
      ],
    },
    // Filters may name any key a record holds; the path is bound as text[], never spliced.
    ...FIELD_NAMES.map((text): Filter => ({ field: text, op: 'eq', value: text })),
    ...FIELD_NAMES.map((text): Filter => ({ field: `nested.${text}`, op: 'in', values: [0, 3, 10] })),
  ];
  for (const where of filters) {
    assert.deepEqual(
      (await storage.query('customers', { where, orderBy: [{ field: 'name' }] })).records.map((record) => record.id),
      queryInMemory(all, { where, orderBy: [{ field: 'name' }] }).records.map((record) => record.id),
      JSON.stringify(where),
    );
    assert.equal(await storage.count('customers', where), queryInMemory(all, { where }).records.length);
  }
  for (const record of written) {
    await storage.put('customers', { ...record, name: `${record.id}'` }, { expectedVersion: 1 });
    await storage.delete('customers', record.id, { expectedVersion: 2 });
  }
  assert.equal(await storage.count('customers'), 0);
});

test('hostile sort fields, collection and schema names are refused before any SQL is sent', async () => {
  const storage = await createPostgresStorage({ pglite: await sharedPglite(), tenant: freshTenant() });
  await storage.put('customers', { id: 'c1', $1: 'dollar' }, { expectedVersion: 0 });
  for (const text of HOSTILE) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(text)) await assert.rejects(storage.get(text, 'a'), ValidationError);
    if (/^[A-Za-z_$][\w$]*$/.test(text) && text !== '__proto__') continue;
    await assert.rejects(storage.query('customers', { orderBy: [{ field: text }] }), ValidationError);
  }
  // A name that looks like an SQL placeholder is a plain field name, bound like any other.
  const where = { field: '$1', op: 'eq', value: 'dollar' } as const;
  assert.deepEqual(
    (await storage.query('customers', { where })).records.map((record) => record.id),
    ['c1'],
  );
  assert.equal((await storage.query('customers', { orderBy: [{ field: '$1' }], limit: 1 })).records.length, 1);
  await assert.rejects(
    createPostgresStorage({ pglite: await sharedPglite(), tenant: 't', schema: 'crmkit; drop table x' }),
    ValidationError,
  );
  assert.ok((await tableCount()) >= 0, 'the table survived');
});
