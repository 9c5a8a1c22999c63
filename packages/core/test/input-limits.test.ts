import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as z from 'zod/mini';
import {
  ValidationError,
  createCrm,
  createMemoryStorage,
  filterSchema,
  parseFilter,
  checkFilterLimits,
  checkSnapshotShape,
  parseSnapshot,
  type Crm,
  type StorageSnapshot,
  type StoredRecord,
} from '@crmkit/core';
import { generateDemoData, seedStorage } from '@crmkit/core/testing';
import { SNAPSHOT_MAX_ISSUES, checkSnapshotRecords } from '../src/kernel/index.js';

/** A snapshot as an importer checks it: its shape (names, depth), then its format and metadata. */
const checked = (snapshot: unknown) => {
  checkSnapshotShape(snapshot);
  return parseSnapshot(snapshot);
};

// Hostile input is refused with a ValidationError naming where it is, never a crash (RangeError, TypeError) and never
// accepted or dropped silently. The limits are documented in docs/guides/core.md, "Input limits".

/** Asserts `error` is a ValidationError with an issue at `path` (and, if given, a message matching `message`). */
function isValidationAt(path: readonly (string | number)[], message?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    const issue = error.issues.find((candidate) => JSON.stringify(candidate.path) === JSON.stringify(path));
    assert.ok(issue, `no issue at ${JSON.stringify(path)} in ${JSON.stringify(error.issues).slice(0, 300)}`);
    if (message) assert.match(issue.message, message);
    return true;
  };
}

async function admin(): Promise<Crm> {
  return createCrm({ storage: createMemoryStorage(), actor: { id: 'admin-1', role: 'admin' } });
}

// --- Filters -------------------------------------------------------------------------------------------------------

test('a filter with a 10 MB field name is refused where filters enter (checkFilterLimits), by segments and by queries, and nothing is stored', async () => {
  const field = 'a'.repeat(10 * 1024 * 1024);
  const filter = { field, op: 'eq', value: 1 };
  assert.throws(() => checkFilterLimits(filter), isValidationAt(['field'], /at most 200 characters/));
  assert.throws(() => checkFilterLimits({ all: [{ not: filter }] }), isValidationAt(['all', 0, 'not', 'field']));
  assert.equal(z.safeParse(filterSchema, filter).success, false);

  const crm = await admin();
  await assert.rejects(crm.segments.create({ name: 'Huge', filter } as never), isValidationAt(['filter', 'field']));
  assert.equal((await crm.segments.list()).records.length, 0, 'not stored');
  await assert.rejects(crm.customers.list({ where: filter as never }), isValidationAt(['where', 'field']));
  await crm.dispose();
});

test('filter limits: field paths of 200 characters, lists of 1000 values, strings of 10000 characters', () => {
  const at = (field: string, extra: Record<string, unknown>) => ({ field, ...extra });
  assert.doesNotThrow(() => checkFilterLimits(at('a'.repeat(200), { op: 'exists', value: true })));
  assert.throws(() => checkFilterLimits(at('a'.repeat(201), { op: 'exists', value: true })), isValidationAt(['field']));
  // A long path of empty segments is refused for its length alone, without splitting it.
  assert.throws(
    () => checkFilterLimits(at('.'.repeat(1e6), { op: 'exists', value: true })),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.issues, [{ path: ['field'], message: 'Expected at most 200 characters' }]);
      return true;
    },
  );

  const values = (length: number) => Array.from({ length }, (_, i) => `v${i}`);
  for (const op of ['in', 'nin', 'hasAny', 'hasAll']) {
    assert.doesNotThrow(() => checkFilterLimits(at('tags', { op, values: values(1000) })));
    assert.throws(
      () => checkFilterLimits(at('tags', { op, values: values(1001) })),
      isValidationAt(['values'], /at most 1000 values/),
    );
  }

  const text = (length: number) => 'x'.repeat(length);
  for (const op of ['eq', 'ne', 'gt', 'contains', 'startsWith']) {
    assert.doesNotThrow(() => checkFilterLimits(at('name', { op, value: text(10_000) })));
    assert.throws(
      () => checkFilterLimits(at('name', { op, value: text(10_001) })),
      isValidationAt(['value'], /at most 10000 characters/),
    );
  }
  assert.throws(
    () => checkFilterLimits(at('name', { op: 'in', values: ['ok', text(10_001)] })),
    isValidationAt(['values', 1], /at most 10000 characters/),
  );
  assert.throws(
    () => checkFilterLimits(at('name', { op: 'between', min: 'a', max: text(10_001) })),
    isValidationAt(['max'], /at most 10000 characters/),
  );
});

/** Logical nodes of the kinds given (the last one outermost) around one field condition at the bottom. */
function nested(kinds: readonly ('all' | 'any' | 'not')[]): { filter: unknown } {
  let filter: unknown = { field: 'a', op: 'exists', value: true };
  for (const kind of kinds) filter = kind === 'not' ? { not: filter } : { [kind]: [filter] };
  return { filter };
}

test('filters nest at most 32 levels: checked before recursing, for any mix of all, any and not', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('all' as const, 'any' as const, 'not' as const), { maxLength: 70 }),
      (kinds) => {
        const { filter } = nested(kinds);
        const levels = kinds.length + 1;
        if (levels <= 32) {
          parseFilter(filter);
          assert.equal(z.safeParse(filterSchema, filter).success, true);
        } else {
          // The node at depth 32 (the 33rd level) is named.
          assert.throws(
            () => parseFilter(filter),
            (error: unknown) => {
              assert.ok(error instanceof ValidationError);
              assert.equal(error.issues.length, 1);
              assert.match(error.issues[0]!.message, /nest at most 32 deep/);
              assert.deepEqual(error.issues[0]!.path, pathToLevel(kinds, 32));
              return true;
            },
          );
          const result = z.safeParse(filterSchema, filter);
          assert.equal(result.success, false);
          assert.match(result.error?.issues[0]?.message ?? '', /nest at most 32 deep/);
        }
      },
    ),
    { numRuns: 300 },
  );
  // 10 000 levels: a ValidationError, not a RangeError.
  const kinds = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? 'not' : 'all') as 'all' | 'not');
  assert.throws(() => parseFilter(nested(kinds).filter), isValidationAt(pathToLevel(kinds, 32)));
  assert.equal(z.safeParse(filterSchema, nested(kinds).filter).success, false);
});

/** The path of the node `depth` levels below the root of `nested(kinds)` (the root is level 0). */
function pathToLevel(kinds: readonly ('all' | 'any' | 'not')[], depth: number): (string | number)[] {
  const outerFirst = [...kinds].reverse();
  return outerFirst.slice(0, depth).flatMap((kind): (string | number)[] => (kind === 'not' ? ['not'] : [kind, 0]));
}

test('filters hold at most 1000 nodes, logical ones included; the 1001st is named', () => {
  const leaf = { field: 'a', op: 'exists', value: true };
  assert.doesNotThrow(() => checkFilterLimits({ all: Array.from({ length: 999 }, () => leaf) }));
  assert.throws(
    () => checkFilterLimits({ all: Array.from({ length: 1000 }, () => leaf) }),
    isValidationAt(['all', 999], /at most 1000 nodes/),
  );
  // Spread over branches: 10 `any` nodes of 99 leaves each, under one `all`, is 1 + 10 + 990 = 1001.
  const branches = Array.from({ length: 10 }, () => ({ any: Array.from({ length: 99 }, () => leaf) }));
  assert.throws(() => checkFilterLimits({ all: branches }), isValidationAt(['all', 9, 'any', 98]));
  assert.doesNotThrow(() => checkFilterLimits({ all: branches.slice(0, 9).concat({ any: [] }) }));
  assert.equal(z.safeParse(filterSchema, { all: branches }).success, false);
});

// --- Snapshots -----------------------------------------------------------------------------------------------------

const META = { version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };

function snapshotOf(collections: Record<string, readonly Record<string, unknown>[]>): StorageSnapshot {
  return { format: 'crmkit.storage', formatVersion: 1, collections } as unknown as StorageSnapshot;
}

/** A value `levels` objects and arrays deep (0: a string), alternating between the two. */
function deepValue(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { next: value };
  return value;
}

/** A storage holding one customer, to show a refused import leaves it as it was. */
async function storageWithOne() {
  const storage = createMemoryStorage();
  await storage.put('customers', { id: 'kept', name: 'Kept' }, { expectedVersion: 0 });
  const before = JSON.stringify(await storage.exportSnapshot());
  return { storage, unchanged: async () => assert.equal(JSON.stringify(await storage.exportSnapshot()), before) };
}

test('a snapshot record nested 10 000 levels deep is a ValidationError naming it, not a RangeError', async () => {
  const { storage, unchanged } = await storageWithOne();
  const snapshot = snapshotOf({
    customers: [
      { id: 'a', ...META },
      { id: 'b', ...META, data: deepValue(10_000) },
    ],
  });
  await assert.rejects(storage.importSnapshot(snapshot), isValidationAt(['collections', 'customers', 1], /64/));
  await unchanged();
  assert.throws(() => checkSnapshotRecords(snapshot), isValidationAt(['collections', 'customers', 1]));
});

test('records nest at most 64 levels below the record, whatever mix of objects and arrays', async () => {
  const { storage, unchanged } = await storageWithOne();
  const at = (levels: number) => snapshotOf({ deals: [{ id: 'd', ...META, data: deepValue(levels) }] });
  checked(at(64));
  assert.throws(() => checked(at(65)), isValidationAt(['collections', 'deals', 0]));
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 130 }), async (levels) => {
      const snapshot = snapshotOf({ deals: [{ id: 'd', ...META, data: deepValue(levels) }] });
      // `data` is the first level below the record, its innermost object or array level `levels`.
      if (levels <= 64) {
        checked(snapshot);
      } else {
        assert.throws(() => checked(snapshot), isValidationAt(['collections', 'deals', 0], /nest at most 64/));
        await assert.rejects(storage.importSnapshot(snapshot), ValidationError);
        await unchanged();
      }
    }),
    { numRuns: 60 },
  );
});

test('a snapshot whose collection key is __proto__, constructor or another Object property is refused', async () => {
  const { storage, unchanged } = await storageWithOne();
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    // As JSON.parse builds it: `__proto__` is then an own key, which an object literal cannot make.
    const record = JSON.stringify({ id: 'x', ...META });
    const snapshot = JSON.parse(
      `{"format":"crmkit.storage","formatVersion":1,"collections":{"customers":[],${JSON.stringify(name)}:[${record}]}}`,
    ) as StorageSnapshot;
    assert.ok(Object.hasOwn(snapshot.collections, name));
    assert.throws(() => checked(snapshot), isValidationAt(['collections', name]), name);
    await assert.rejects(storage.importSnapshot(snapshot), isValidationAt(['collections', name]), name);
    await unchanged();
  }
});

// --- Ids -----------------------------------------------------------------------------------------------------------

const NOT_STRINGS: readonly unknown[] = [Symbol('id'), 42, { id: 'x' }, null, undefined, ['a']];

test('every service get, find, update and remove refuses a non-string id with a ValidationError naming id', async () => {
  const crm = await admin();
  const services = {
    customers: crm.customers,
    contacts: crm.contacts,
    leads: crm.leads,
    deals: crm.deals,
    pipelines: crm.pipelines,
    activities: crm.activities,
    tasks: crm.tasks,
    users: crm.users,
    teams: crm.teams,
    segments: crm.segments,
    customFields: crm.customFields,
  } as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
  for (const [name, service] of Object.entries(services)) {
    for (const id of NOT_STRINGS) {
      const calls: [string, () => Promise<unknown>][] = [
        ['get', () => service['get']!(id)],
        ['find', () => service['find']!(id)],
        ['update', () => service['update']!(id, {}, { expectedVersion: 1 })],
        ['remove', () => service['remove']!(id, { expectedVersion: 1 })],
      ];
      for (const [method, call] of calls) {
        await assert.rejects(call(), isValidationAt(['id']), `${name}.${method}(${String(id)})`);
      }
    }
  }
  await assert.rejects(crm.customers.view360(Symbol() as never), isValidationAt(['id']));
  await crm.dispose();
});

test('the memory adapter refuses a non-string id in get, getMany and delete', async () => {
  const storage = createMemoryStorage();
  for (const id of NOT_STRINGS) {
    await assert.rejects(storage.get('customers', id as never), isValidationAt(['id']));
    await assert.rejects(storage.getMany('customers', ['ok', id] as never), isValidationAt(['id']));
    await assert.rejects(storage.delete('customers', id as never), isValidationAt(['id']));
    await assert.rejects(
      storage.transaction((tx) => tx.get('customers', id as never)),
      isValidationAt(['id']),
    );
  }
  assert.equal(await storage.get('customers', 'missing'), undefined, 'an unknown string id is simply not found');
});

// --- checkSnapshotRecords ------------------------------------------------------------------------------------------

/** A snapshot of a CRM in use: demo data, then records written by the services (leads with scores, stats…). */
async function realSnapshot(): Promise<StorageSnapshot> {
  const storage = createMemoryStorage();
  await seedStorage(storage, generateDemoData({ seed: 7, customers: 12 }));
  const crm = await createCrm({ storage, actor: { id: 'admin-1', role: 'admin' } });
  const customer = await crm.customers.create({ kind: 'person', name: 'Li Na', emails: ['li.na@example.com'] });
  await crm.deals.create({
    title: 'Pilot',
    customerId: customer.id,
    pipelineId: 'default',
    stageId: 'opportunity',
    amount: { amountMinor: 10_000, currency: 'CNY' },
  });
  await crm.leads.capture({ name: 'Wang Fang', email: 'wang.fang@example.com' }, { source: 'web' });
  await crm.segments.create({ name: 'VIP', filter: { field: 'tags', op: 'hasAny', values: ['vip'] } } as never);
  await crm.settled();
  const snapshot = await storage.exportSnapshot();
  await crm.dispose();
  return snapshot;
}

/** `snapshot` with `change` applied to a deep copy of its collections. */
function edited(
  snapshot: StorageSnapshot,
  change: (collections: Record<string, Record<string, unknown>[]>) => void,
): StorageSnapshot {
  const collections = structuredClone(snapshot.collections) as unknown as Record<string, Record<string, unknown>[]>;
  change(collections);
  return { ...snapshot, collections } as unknown as StorageSnapshot;
}

test('checkSnapshotRecords accepts what a CRM in use exports', async () => {
  const snapshot = await realSnapshot();
  for (const name of ['customers', 'contacts', 'leads', 'deals', 'stageChanges', 'activities', 'customerStats']) {
    assert.ok((snapshot.collections[name]?.length ?? 0) > 0, `${name} is exercised`);
  }
  checkSnapshotRecords(snapshot);
});

test('checkSnapshotRecords names each bad record field by its path in the snapshot', async () => {
  const snapshot = await realSnapshot();
  const bad = edited(snapshot, (collections) => {
    const customers = collections['customers']!;
    customers[3] = { ...customers[3]!, emails: ['not-an-email'] };
    collections['deals']![0] = { ...collections['deals']![0]!, amount: { amountMinor: -5, currency: 'CNY' } };
    collections['leads']![1] = { ...collections['leads']![1]!, score: 'high' };
    collections['users']![0] = { ...collections['users']![0]!, pasword: 'x' };
  });
  assert.throws(
    () => checkSnapshotRecords(bad),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      const paths = error.issues.map((issue) => JSON.stringify(issue.path));
      assert.ok(paths.includes(JSON.stringify(['collections', 'customers', 3, 'emails', 0])), paths.join(' '));
      assert.ok(paths.includes(JSON.stringify(['collections', 'deals', 0, 'amount', 'amountMinor'])), paths.join(' '));
      assert.ok(paths.includes(JSON.stringify(['collections', 'leads', 1, 'score'])), paths.join(' '));
      // Unknown keys are refused, as in every input from outside.
      const unknown = error.issues.find((issue) => issue.path.at(-1) === 'pasword');
      assert.deepEqual(unknown?.path, ['collections', 'users', 0, 'pasword']);
      assert.ok(!error.message.includes('not-an-email'), 'messages never quote values');
      return true;
    },
  );
});

test('checkSnapshotRecords lists at most 20 issues', async () => {
  const snapshot = await realSnapshot();
  const bad = edited(snapshot, (collections) => {
    for (const activity of collections['activities']!) activity['type'] = 'carrier pigeon';
  });
  assert.ok(snapshot.collections['activities']!.length > SNAPSHOT_MAX_ISSUES);
  assert.throws(
    () => checkSnapshotRecords(bad),
    (error: unknown) =>
      error instanceof ValidationError &&
      error.issues.length === SNAPSHOT_MAX_ISSUES &&
      error.issues.every((issue) => issue.path[1] === 'activities' && issue.path[3] === 'type'),
  );
});

test('checkSnapshotRecords: collections without a schema get the plain-object check; the snapshot shape is checked too', () => {
  const meta = (id: string) => ({ id, ...META });
  // Internal state and a host's own collection: any fields.
  checkSnapshotRecords(
    snapshotOf({ assignmentState: [{ ...meta('s'), anything: [1, { a: 2 }] }], widgets: [{ ...meta('w'), x: 1 }] }),
  );
  class Record_ {
    constructor(readonly id: string) {}
  }
  const instance = Object.assign(new Record_('w'), META) as unknown as StoredRecord;
  assert.throws(
    () => checkSnapshotRecords(snapshotOf({ widgets: [meta('ok'), instance] })),
    isValidationAt(['collections', 'widgets', 1], /plain object/),
  );
  assert.throws(
    () => checkSnapshotRecords(snapshotOf({ customers: [{ ...meta('a'), version: 0 }] })),
    isValidationAt(['collections', 'customers', 0, 'version']),
  );
  assert.throws(() => checkSnapshotRecords({ format: 'other' } as never), ValidationError);
  assert.throws(
    () =>
      checkSnapshotRecords(JSON.parse('{"format":"crmkit.storage","formatVersion":1,"collections":{"__proto__":[]}}')),
    isValidationAt(['collections', '__proto__']),
  );
});
