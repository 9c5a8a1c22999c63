/**
 * How many storage statements one capture issues inside its transaction, which holds the tenant's write lock on
 * PostgreSQL: de-duplication reads each collection with one query (legacy records without match keys included), and
 * assignment counts open leads only for reps whose count can change the decision, all at once. Skipping the other
 * counts never changes a decision (the property at the end).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createCrm,
  createMemoryStorage,
  type AssignmentConfig,
  type MemoryData,
  type StorageOperations,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';
import {
  decideAssignment,
  ruleStateKey,
  DEFAULT_STATE_KEY,
  type AssignmentCandidate,
  type PoolStrategy,
  type RotationState,
} from '../src/leads/assignment.js';
import { matchKeysOf, type MatchKeyCollection } from '../src/leads/match-keys.js';
import type { Filter } from '../src/filter/index.js';

const AT = '2026-03-01T08:00:00.000Z';
const OPEN = new Set(['new', 'working', 'qualified']);

const meta = { version: 1, createdAt: AT, updatedAt: AT };

/** A stored record, with the match keys the services would give it unless `keyed` is false (written before them). */
function stored(collection: MatchKeyCollection, fields: Record<string, unknown>, keyed = true): StoredRecord {
  const record = { ...fields, ...meta } as StoredRecord;
  return keyed ? { ...record, matchKeys: matchKeysOf(collection, record) } : record;
}

interface UserSpec {
  readonly id: string;
  readonly role?: 'rep' | 'manager';
  readonly active?: boolean;
  readonly capacity?: number;
}

const userRecord = (user: UserSpec): StoredRecord => ({
  id: user.id,
  name: `User ${user.id}`,
  email: `${user.id}@crm.test`,
  role: user.role ?? 'rep',
  active: user.active ?? true,
  ...(user.capacity === undefined ? {} : { capacity: user.capacity }),
  ...meta,
});

const leadRecord = (id: string, ownerId: string, status: string, source = 'seed'): StoredRecord =>
  stored('leads', { id, name: `Seeded ${id}`, ownerId, status, source, score: 0, scoreHistory: [], customFields: {} });

/** One operation issued inside a transaction. */
interface Call {
  readonly op: keyof StorageOperations;
  readonly collection: string;
  readonly where?: Filter | undefined;
}

/**
 * The port with every operation issued inside a transaction recorded, and the most queries (and counts) that were in
 * flight at once: each operation is held for a macrotask, so operations issued together overlap and operations
 * issued one after another never do.
 */
function recording(storage: StoragePort) {
  const calls: Call[] = [];
  const running = new Map<string, number>();
  const most = new Map<string, number>();
  const track = async <T>(call: Call, run: () => Promise<T>): Promise<T> => {
    calls.push(call);
    const now = (running.get(call.op) ?? 0) + 1;
    running.set(call.op, now);
    most.set(call.op, Math.max(most.get(call.op) ?? 0, now));
    try {
      await new Promise((resolve) => setTimeout(resolve, 0));
      return await run();
    } finally {
      running.set(call.op, (running.get(call.op) ?? 1) - 1);
    }
  };
  const wrap = (tx: StorageOperations): StorageOperations => ({
    get: (collection, id) => track({ op: 'get', collection }, () => tx.get(collection, id)),
    getMany: (collection, ids) => track({ op: 'getMany', collection }, () => tx.getMany(collection, ids)),
    put: (collection, record, options) => track({ op: 'put', collection }, () => tx.put(collection, record, options)),
    delete: (collection, id, options) => track({ op: 'delete', collection }, () => tx.delete(collection, id, options)),
    query: (collection, options) =>
      track({ op: 'query', collection, where: options?.where }, () => tx.query(collection, options)),
    count: (collection, where) => track({ op: 'count', collection, where }, () => tx.count(collection, where)),
  });
  const port: StoragePort = {
    ...storage,
    transaction: (body, ...rest) => storage.transaction((tx) => body(wrap(tx)), ...rest),
  };
  return {
    port,
    calls,
    maxInFlight: (op: 'query' | 'count') => most.get(op) ?? 0,
    reset: () => {
      calls.length = 0;
      most.clear();
    },
  };
}

/** The owner a `count` of open leads is for (`{ all: [ownerId eq …, status in …] }`). */
function countedOwner(call: Call): string {
  const where = call.where as { all: readonly { field: string; value?: unknown }[] } | undefined;
  const owner = where?.all.find((filter) => filter.field === 'ownerId');
  assert.ok(owner, `a count of ${JSON.stringify(call.where)}`);
  return String(owner.value);
}

async function crmOver(data: MemoryData, leads: Record<string, unknown>) {
  const storage = createMemoryStorage({ data });
  const recorder = recording(storage);
  const crm = await createCrm({
    storage: recorder.port,
    actor: { id: 'admin-1', role: 'admin' },
    clock: () => new Date(AT),
    leads: { defaultRegion: 'CN', ...leads },
  });
  // Warm the phone normaliser (a lazy import) outside the measured capture.
  await crm.leads.findDuplicates({ phone: '+8613800000000' });
  recorder.reset();
  return { crm, storage, recorder };
}

const queriesOf = (calls: readonly Call[], collection: string) =>
  calls.filter((call) => call.op === 'query' && call.collection === collection).length;

test('de-duplication reads leads, customers and contacts with one query each, legacy records included', async () => {
  const data: MemoryData = new Map([
    [
      'leads',
      new Map(
        [
          stored('leads', { id: 'lead-legacy-email', name: 'A', email: 'ada@example.com', status: 'new' }, false),
          stored(
            'leads',
            { id: 'lead-legacy-name', name: 'Ada Lovelace', company: 'Analytical', status: 'new' },
            false,
          ),
          stored('leads', { id: 'lead-keyed-phone', name: 'B', phone: '+8613800000001', status: 'working' }),
          stored('leads', { id: 'lead-converted', name: 'C', email: 'ada@example.com', status: 'converted' }),
          stored('leads', { id: 'lead-other', name: 'D', email: 'other@example.com', status: 'new' }),
        ].map((record) => [record.id, record]),
      ),
    ],
    [
      'customers',
      new Map(
        [
          stored(
            'customers',
            { id: 'cus-legacy-phone', kind: 'person', name: 'E', emails: [], phones: ['+8613800000001'], tags: [] },
            false,
          ),
          stored('customers', {
            id: 'cus-keyed-email',
            kind: 'person',
            name: 'F',
            emails: ['ada@example.com'],
            phones: [],
            tags: [],
          }),
          stored('customers', {
            id: 'org-1',
            kind: 'organisation',
            name: 'Analytical Engines',
            emails: [],
            phones: [],
            tags: [],
          }),
          stored('customers', {
            id: 'org-2',
            kind: 'organisation',
            name: 'Difference',
            emails: [],
            phones: [],
            tags: [],
          }),
        ].map((record) => [record.id, record]),
      ),
    ],
    [
      'contacts',
      new Map(
        [
          stored(
            'contacts',
            { id: 'con-legacy-name', customerId: 'org-1', name: 'Ada Lovelace', emails: [], phones: [] },
            false,
          ),
          stored('contacts', {
            id: 'con-keyed-email',
            customerId: 'org-2',
            name: 'G',
            emails: ['ada@example.com'],
            phones: [],
          }),
        ].map((record) => [record.id, record]),
      ),
    ],
  ]);
  const { crm, recorder } = await crmOver(data, { assignment: false, dedupe: { email: { policy: 'alert' } } });

  const result = await crm.leads.capture(
    { name: 'Ada Lovelace', company: 'Analytical Engines', email: 'ADA@example.com', phone: '138 0000 0001' },
    { source: 'web' },
  );
  assert.deepEqual(
    result.duplicates.map((match) => [match.kind, match.id, match.rules.map((rule) => rule.rule)]),
    [
      ['contact', 'con-keyed-email', ['email']],
      ['customer', 'cus-keyed-email', ['email']],
      ['lead', 'lead-legacy-email', ['email']],
      ['customer', 'cus-legacy-phone', ['phone']],
      ['lead', 'lead-keyed-phone', ['phone']],
      ['contact', 'con-legacy-name', ['nameCompany']],
      ['lead', 'lead-legacy-name', ['nameCompany']],
    ],
  );
  for (const collection of ['leads', 'customers', 'contacts']) {
    assert.equal(queriesOf(recorder.calls, collection), 1, `queries of ${collection}`);
  }
  assert.equal(recorder.maxInFlight('query'), 3, 'the three collections are read at once');
  // The contact's organisation is not among the customers found: read by id, after them.
  assert.equal(recorder.calls.filter((call) => call.op === 'getMany' && call.collection === 'customers').length, 1);
});

test('findDuplicates, outside a transaction, finds keyed and legacy records with the combined query', async () => {
  const data: MemoryData = new Map([
    [
      'customers',
      new Map([
        [
          'old',
          stored(
            'customers',
            { id: 'old', kind: 'person', name: 'Grace Hopper', emails: [], phones: ['+8613700000000'], tags: [] },
            false,
          ),
        ],
        [
          'new',
          stored('customers', {
            id: 'new',
            kind: 'person',
            name: 'Grace Hopper',
            emails: ['grace@example.com'],
            phones: [],
            tags: [],
          }),
        ],
      ]),
    ],
  ]);
  const { crm } = await crmOver(data, { assignment: false });
  const found = await crm.leads.findDuplicates({
    name: 'Grace Hopper',
    company: 'Navy',
    email: 'grace@example.com',
    phone: '137 0000 0000',
  });
  assert.deepEqual(
    found.map((match) => [match.kind, match.id, match.rules.map((rule) => rule.rule)]),
    [
      ['customer', 'new', ['email']],
      ['customer', 'old', ['phone']],
    ],
  );
});

/** Users r1…r5 (r1 and r4 with a capacity, r5 inactive with one) and open and closed leads for them. */
function assignmentData(): MemoryData {
  const users: UserSpec[] = [
    { id: 'r1', capacity: 3 },
    { id: 'r2' },
    { id: 'r3' },
    { id: 'r4', capacity: 2 },
    { id: 'r5', capacity: 5, active: false },
    { id: 'm1', role: 'manager' },
  ];
  const leads = [
    leadRecord('l1', 'r1', 'new'),
    leadRecord('l2', 'r1', 'working'),
    leadRecord('l3', 'r2', 'new'),
    leadRecord('l4', 'r3', 'converted'),
    leadRecord('l5', 'r4', 'qualified'),
    leadRecord('l6', 'r4', 'new'),
    leadRecord('l7', 'r3', 'disqualified'),
  ];
  return new Map([
    ['users', new Map(users.map((user) => [user.id, userRecord(user)]))],
    ['leads', new Map(leads.map((lead) => [lead.id, lead]))],
  ]);
}

const countedOwners = (calls: readonly Call[]) =>
  calls.filter((call) => call.op === 'count' && call.collection === 'leads').map(countedOwner);

test('round-robin and weighted count open leads only for active reps with a capacity, all at once', async () => {
  for (const strategy of [undefined, { kind: 'weighted', weights: { r2: 2 } }] as const) {
    const { crm, recorder } = await crmOver(assignmentData(), { assignment: strategy ? { strategy } : {} });
    const first = await crm.leads.capture({ name: 'One' }, { source: 'web' });
    // r4 is full (2 open of 2), r5 inactive: the rotation starts at r1 (2 open of 3).
    assert.equal(first.lead.ownerId, 'r1');
    assert.deepEqual(countedOwners(recorder.calls).sort(), ['r1', 'r4']);
    assert.equal(recorder.maxInFlight('count'), 2, 'the counts are issued together');
    assert.deepEqual(first.assignment?.skipped, [
      { repId: 'r4', reason: 'at_capacity' },
      { repId: 'r5', reason: 'inactive' },
    ]);

    recorder.reset();
    const second = await crm.leads.capture({ name: 'Two' }, { source: 'web' });
    assert.equal(second.lead.ownerId, 'r2');
    assert.deepEqual(countedOwners(recorder.calls).sort(), ['r1', 'r4']);
    // r1 now holds 3 of 3.
    assert.deepEqual(second.assignment?.skipped, [
      { repId: 'r1', reason: 'at_capacity' },
      { repId: 'r4', reason: 'at_capacity' },
      { repId: 'r5', reason: 'inactive' },
    ]);
  }

  // Nobody with a capacity: no count at all.
  const { crm, recorder } = await crmOver(
    new Map([
      [
        'users',
        new Map([
          ['a', userRecord({ id: 'a' })],
          ['b', userRecord({ id: 'b' })],
        ]),
      ],
    ]),
    {},
  );
  assert.equal((await crm.leads.capture({ name: 'Three' }, { source: 'web' })).lead.ownerId, 'a');
  assert.deepEqual(countedOwners(recorder.calls), []);
});

test('least loaded, as the default strategy or any rule’s, counts every active rep, all at once', async () => {
  const configs: AssignmentConfig[] = [
    { strategy: { kind: 'leastLoaded' } },
    // The rule does not even match: its strategy alone decides that counts are needed.
    {
      rules: [
        {
          id: 'ads',
          when: { field: 'source', op: 'eq', value: 'ads' },
          repIds: ['r2'],
          strategy: { kind: 'leastLoaded' },
        },
      ],
    },
  ];
  for (const config of configs) {
    const { crm, recorder } = await crmOver(assignmentData(), { assignment: config });
    const result = await crm.leads.capture({ name: 'One' }, { source: 'web' });
    assert.deepEqual(countedOwners(recorder.calls).sort(), ['r1', 'r2', 'r3', 'r4']);
    assert.equal(recorder.maxInFlight('count'), 4, 'the counts are issued together');
    // Least loaded: r3 holds no open lead; round-robin: r1 is first in the rotation.
    assert.equal(result.lead.ownerId, config.strategy ? 'r3' : 'r1');
  }
});

test('reassignment does not count the lead being reassigned against its owner', async () => {
  const { crm, recorder } = await crmOver(assignmentData(), { assignment: { repIds: ['r1', 'r4'] } });
  // r1 holds 2 of 3 and r4 2 of 2: l5 moves from r4 to r1 ...
  const moved = await crm.leads.assign('l5', { expectedVersion: 1 });
  assert.equal(moved.decision.ownerId, 'r1');
  assert.deepEqual(countedOwners(recorder.calls).sort(), ['r1', 'r4']);
  // ... then l1 is counted neither against r1 (2 of 3 without it) nor anyone: both are eligible, and r4's turn.
  const again = await crm.leads.assign('l1', { expectedVersion: 1 });
  assert.equal(again.decision.ownerId, 'r4');
  assert.deepEqual(again.decision.skipped, []);
});

// ---- property ---------------------------------------------------------------------------------------------------

const USER_IDS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'] as const;
const POOL_IDS = [...USER_IDS, 'ghost'] as const;
const SOURCES = ['web', 'ads', 'fair'] as const;

const strategyArb: fc.Arbitrary<PoolStrategy> = fc.oneof(
  fc.constant({ kind: 'roundRobin' as const }),
  fc.constant({ kind: 'leastLoaded' as const }),
  fc.dictionary(fc.constantFrom(...USER_IDS), fc.integer({ min: 0, max: 3 })).map((weights) => ({
    kind: 'weighted' as const,
    weights,
  })),
);

const poolArb = fc.uniqueArray(fc.constantFrom(...POOL_IDS), { minLength: 1, maxLength: 4 });

const configArb: fc.Arbitrary<AssignmentConfig> = fc
  .record(
    {
      repIds: poolArb,
      strategy: strategyArb,
      rules: fc.uniqueArray(
        fc.record(
          {
            id: fc.constantFrom('north', 'south', 'east'),
            source: fc.constantFrom(...SOURCES),
            repIds: poolArb,
            strategy: strategyArb,
          },
          { requiredKeys: ['id', 'source', 'repIds'] },
        ),
        { selector: (rule) => rule.id, maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ rules, ...rest }) => ({
    ...rest,
    ...(rules === undefined
      ? {}
      : {
          rules: rules.map(({ source, ...rule }) => ({
            ...rule,
            when: { field: 'source', op: 'eq', value: source } as const,
          })),
        }),
  }));

const userArb = fc.record(
  {
    role: fc.constantFrom('rep' as const, 'rep' as const, 'manager' as const),
    active: fc.constantFrom(true, true, true, false),
    capacity: fc.integer({ min: 0, max: 4 }),
  },
  { requiredKeys: ['role', 'active'] },
);

const seededLeadArb = fc.record({
  ownerId: fc.constantFrom(...USER_IDS),
  status: fc.constantFrom('new', 'working', 'qualified', 'converted', 'disqualified'),
});

const stepArb = fc.oneof(
  fc.record({ kind: fc.constant('capture' as const), source: fc.constantFrom(...SOURCES) }),
  fc.record({ kind: fc.constant('assign' as const), pick: fc.nat() }),
);

/** What `decideAssignment` decides with every user a candidate, each with its exact count of open leads. */
function expectedDecision(data: MemoryData, config: AssignmentConfig, lead: object, reassigned?: StoredRecord) {
  const users = [...(data.get('users')?.values() ?? [])];
  const leads = [...(data.get('leads')?.values() ?? [])].filter((record) => record.id !== reassigned?.id);
  const candidates: AssignmentCandidate[] = users.map((user) => ({
    id: user.id,
    active: user['active'] as boolean,
    ...(user['capacity'] === undefined ? {} : { capacity: user['capacity'] as number }),
    openLeads: leads.filter((record) => record['ownerId'] === user.id && OPEN.has(record['status'] as string)).length,
  }));
  const states: Record<string, RotationState> = {};
  for (const key of [DEFAULT_STATE_KEY, ...(config.rules ?? []).map((rule) => ruleStateKey(rule.id))]) {
    const state = data.get('assignmentState')?.get(`leads:${key}`);
    if (state) states[key] = { passes: state['passes'] as never, globalPass: state['globalPass'] as number };
  }
  const reps = users.filter((user) => user['role'] === 'rep').map((user) => user.id);
  return decideAssignment({
    lead,
    candidates,
    config: { ...config, repIds: config.repIds ?? reps.sort() },
    states,
    now: new Date(AT),
  }).decision;
}

test('property: counting open leads only where they matter never changes a capture’s or a reassignment’s decision', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(...USER_IDS.map(() => fc.option(userArb, { nil: undefined, freq: 4 }))),
      fc.array(seededLeadArb, { maxLength: 12 }),
      configArb,
      fc.array(stepArb, { minLength: 1, maxLength: 5 }),
      async (userSpecs, seeded, config, steps) => {
        const users = userSpecs.flatMap((spec, index) => (spec ? [{ ...spec, id: USER_IDS[index]! }] : []));
        const data: MemoryData = new Map([
          ['users', new Map(users.map((user) => [user.id, userRecord(user)]))],
          [
            'leads',
            new Map(
              seeded
                .filter((lead) => users.some((user) => user.id === lead.ownerId))
                .map((lead, index) => [`s${index}`, leadRecord(`s${index}`, lead.ownerId, lead.status)]),
            ),
          ],
        ]);
        const storage = createMemoryStorage({ data });
        const crm = await createCrm({
          storage,
          actor: { id: 'admin-1', role: 'admin' },
          clock: () => new Date(AT),
          leads: { assignment: config },
        });
        const captured: string[] = [];
        for (const step of steps) {
          if (step.kind === 'capture') {
            const expected = expectedDecision(data, config, { source: step.source });
            const result = await crm.leads.capture({ name: `Lead ${captured.length}` }, { source: step.source });
            assert.deepEqual(result.assignment, expected);
            captured.push(result.lead.id);
          } else {
            const id = captured[step.pick % Math.max(captured.length, 1)];
            if (id === undefined) continue;
            const lead = data.get('leads')!.get(id)!;
            const expected = expectedDecision(data, config, { source: lead['source'] }, lead);
            const result = await crm.leads.assign(id, { expectedVersion: lead.version });
            assert.deepEqual(result.decision, expected);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});
