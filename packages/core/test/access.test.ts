import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createCrm,
  createMemoryStorage,
  defaultAccessPolicy,
  NotFoundError,
  PermissionError,
  ValidationError,
  type AccessPolicy,
  type Crm,
  type CrmActor,
  type QueryOptions,
  type StoragePort,
} from '@crmkit/core';

const ADMIN: CrmActor = { id: 'usr-admin', role: 'admin' };
const MANAGER: CrmActor = { id: 'usr-mgr', role: 'manager' };
const REP_A: CrmActor = { id: 'usr-a', role: 'rep' };
const REP_B: CrmActor = { id: 'usr-b', role: 'rep' };
const VIEWER: CrmActor = { id: 'usr-view', role: 'viewer' };
const ACTORS = [ADMIN, MANAGER, REP_A, REP_B, VIEWER] as const;

/** A team: the manager and rep A; rep B is in no team. Customers of A and B, each with a contact and a deal. */
async function world(storage: StoragePort = createMemoryStorage()) {
  const admin = await createCrm({ storage, actor: ADMIN });
  for (const actor of ACTORS) {
    await admin.users.create({ name: actor.id, email: `${actor.id}@example.com`, role: actor.role ?? 'rep' });
  }
  await admin.teams.create({ name: 'East', managerId: MANAGER.id, memberIds: [REP_A.id] });
  const ofA = await admin.customers.create({
    kind: 'organisation',
    name: 'Acme East',
    ownerId: REP_A.id,
    emails: ['office@acme-east.example'],
    phones: ['+8613800138000'],
    address: { line1: '1 Harbour Road', city: 'Shanghai', postalCode: '200000' },
  });
  const ofB = await admin.customers.create({ kind: 'person', name: 'Bea West', ownerId: REP_B.id });
  const contactOfA = await admin.contacts.create({ customerId: ofA.id, name: 'Ann Lee', emails: ['ann@acme.example'] });
  const dealOfA = await admin.deals.create({ ...DEAL, customerId: ofA.id, title: 'East renewal', ownerId: REP_A.id });
  const dealOfB = await admin.deals.create({ ...DEAL, customerId: ofB.id, title: 'West pilot', ownerId: REP_B.id });
  const as = (actor: CrmActor) => createCrm({ storage, actor });
  // The deals start background work (aggregates, lifecycle rules that may move a customer on): settled, the
  // customers are returned as it left them, so a test's expected versions are current.
  await admin.settled();
  return {
    storage,
    admin,
    as,
    ofA: await admin.customers.get(ofA.id),
    ofB: await admin.customers.get(ofB.id),
    contactOfA,
    dealOfA,
    dealOfB,
  };
}

/** A deal's required fields beside its customer, title and owner. */
const DEAL = {
  pipelineId: 'default',
  stageId: 'opportunity',
  amount: { amountMinor: 100_00, currency: 'CNY' },
} as const;

const ids = (records: readonly { id: string }[]) => records.map((record) => record.id).sort();

test('a rep sees and changes only their own records; another rep’s read as absent', async () => {
  const w = await world();
  const rep = await w.as(REP_A);
  assert.deepEqual(ids((await rep.customers.list()).records), [w.ofA.id]);
  assert.equal(await rep.customers.count(), 1);
  assert.deepEqual(ids((await rep.deals.list()).records), [w.dealOfA.id]);
  assert.deepEqual(ids((await rep.contacts.list()).records), [w.contactOfA.id], 'the contact follows its customer');
  await assert.rejects(rep.customers.get(w.ofB.id), NotFoundError);
  assert.equal(await rep.customers.find(w.ofB.id), undefined);
  await assert.rejects(rep.customers.update(w.ofB.id, { name: 'Taken' }, { expectedVersion: 1 }), NotFoundError);
  await assert.rejects(rep.deals.remove(w.dealOfB.id, { force: true }), NotFoundError);
  await assert.rejects(rep.deals.history(w.dealOfB.id), NotFoundError);
  // Giving a record to someone else, or creating one for them, is outside a rep's write scope.
  await assert.rejects(rep.customers.create({ kind: 'person', name: 'Gift', ownerId: REP_B.id }), PermissionError);
  await assert.rejects(
    rep.customers.update(w.ofA.id, { ownerId: REP_B.id }, { expectedVersion: w.ofA.version }),
    PermissionError,
  );
  const own = await rep.customers.create({ kind: 'person', name: 'Mine' });
  assert.equal(own.ownerId, REP_A.id);
  assert.equal((await w.admin.customers.get(w.ofB.id)).name, 'Bea West', 'nothing of B changed');
});

test('what is shared with a rep they read, with its contacts, and never change', async () => {
  const w = await world();
  const repB = await w.as(REP_B);
  const repA = await w.as(REP_A);
  await w.admin.contacts.create({ customerId: w.ofB.id, name: 'Ben West' });
  await w.admin.settled();
  const current = await repB.customers.get(w.ofB.id);
  // The owner shares their customer; its contacts follow.
  const shared = await repB.customers.update(
    w.ofB.id,
    { sharedWith: [REP_A.id] },
    { expectedVersion: current.version },
  );
  assert.deepEqual(ids((await repA.customers.list()).records), [w.ofA.id, w.ofB.id].sort());
  assert.equal((await repA.customers.get(w.ofB.id)).name, 'Bea West');
  const contacts = (await repA.contacts.list({ where: { field: 'customerId', op: 'eq', value: w.ofB.id } })).records;
  assert.deepEqual(
    contacts.map((contact) => contact.name),
    ['Ben West'],
  );
  assert.equal((await repA.customers.view360(w.ofB.id)).customer.id, w.ofB.id);
  // Read, never changed: no rename, no removal, no deal or contact added for B.
  await assert.rejects(
    repA.customers.update(w.ofB.id, { name: 'Mine now' }, { expectedVersion: shared.version }),
    PermissionError,
  );
  await assert.rejects(repA.customers.remove(w.ofB.id, { force: true, dependants: 'cascade' }), PermissionError);
  await assert.rejects(repA.contacts.create({ customerId: w.ofB.id, name: 'Intruder' }), PermissionError);
  // The deal of B's customer was not shared: it stays B's alone.
  assert.deepEqual(ids((await repA.deals.list()).records), [w.dealOfA.id]);
  // Unsharing takes it back, contacts included.
  await repB.customers.update(w.ofB.id, { sharedWith: [] }, { expectedVersion: shared.version });
  assert.deepEqual(ids((await repA.customers.list()).records), [w.ofA.id]);
  assert.equal(
    (await repA.contacts.list({ where: { field: 'customerId', op: 'eq', value: w.ofB.id } })).records.length,
    0,
  );
});

test('a manager sees their team’s records, not other teams’', async () => {
  const w = await world();
  const manager = await w.as(MANAGER);
  assert.deepEqual(ids((await manager.customers.list()).records), [w.ofA.id]);
  assert.deepEqual(ids((await manager.deals.list()).records), [w.dealOfA.id]);
  // A manager reassigns within the team; the customer's contacts move along.
  const moved = await manager.customers.update(w.ofA.id, { ownerId: MANAGER.id }, { expectedVersion: w.ofA.version });
  assert.equal(moved.ownerId, MANAGER.id);
  assert.equal((await w.admin.contacts.get(w.contactOfA.id)).ownerId, MANAGER.id);
  await assert.rejects(
    manager.customers.update(w.ofA.id, { ownerId: REP_B.id }, { expectedVersion: moved.version }),
    PermissionError,
  );
  // Team changes take effect at once: rep B joins, and the manager sees B's records.
  const [team] = (await w.admin.teams.list()).records;
  await w.admin.teams.update(team!.id, { memberIds: [REP_A.id, REP_B.id] }, { expectedVersion: team!.version });
  assert.deepEqual(ids((await manager.customers.list()).records), [w.ofA.id, w.ofB.id].sort());
});

test('a viewer reads everything with personal data masked in core, and writes nothing', async () => {
  const w = await world();
  const viewer = await w.as(VIEWER);
  const customer = await viewer.customers.get(w.ofA.id);
  assert.deepEqual(customer.emails, ['o***@acme-east.example']);
  assert.ok(!customer.phones[0]!.includes('13800138'), customer.phones[0]);
  assert.equal(customer.address?.line1, '1***');
  assert.equal(customer.address?.city, 'Shanghai');
  assert.equal((customer as { matchKeys?: unknown }).matchKeys, undefined, 'normalised keys are personal data too');
  const listed = (await viewer.customers.list()).records.find((record) => record.id === w.ofA.id)!;
  assert.deepEqual(listed.emails, customer.emails);
  const contact = (await viewer.customers.view360(w.ofA.id)).contacts[0]!;
  assert.deepEqual(contact.emails, ['a***@acme.example']);
  // The stored record is untouched, and an admin sees it whole.
  assert.deepEqual((await w.admin.customers.get(w.ofA.id)).emails, ['office@acme-east.example']);

  await assert.rejects(viewer.customers.create({ kind: 'person', name: 'X' }), PermissionError);
  await assert.rejects(viewer.customers.sweepLifecycle(), PermissionError);
  await assert.rejects(viewer.aggregates.refresh(w.ofA.id), PermissionError);
  await assert.rejects(viewer.aggregates.refreshRfm(), PermissionError);
  await assert.rejects(viewer.deals.moveToStage(w.dealOfA.id, 'qualified', { force: true }), PermissionError);
});

test('configuration is admin-only: pipelines, stage gates, custom fields, users and teams', async () => {
  const w = await world();
  for (const actor of [MANAGER, REP_A]) {
    const crm = await w.as(actor);
    await assert.rejects(crm.users.create({ name: 'Mallory', email: 'm@example.com', role: 'admin' }), PermissionError);
    await assert.rejects(crm.teams.create({ name: 'Mine', memberIds: [actor.id] }), PermissionError);
    await assert.rejects(
      crm.customFields.create({
        entity: 'customer',
        key: 'vat',
        label: { en: 'VAT', 'zh-CN': '税号' },
        type: 'text',
        required: true,
      }),
      PermissionError,
    );
    const pipeline = await crm.pipelines.get('default');
    await assert.rejects(
      crm.pipelines.update(
        pipeline.id,
        { name: { en: 'Renamed', 'zh-CN': '改名' } },
        { expectedVersion: pipeline.version },
      ),
      PermissionError,
    );
    await assert.rejects(
      crm.pipelines.updateStage(pipeline.id, 'qualified', { probability: 0.99 }, { expectedVersion: pipeline.version }),
      PermissionError,
    );
    assert.deepEqual(await w.admin.pipelines.get('default'), pipeline, 'the pipeline and its gates are unchanged');
    // Everyone reads the configuration.
    assert.equal((await crm.users.list()).records.length, ACTORS.length);
  }
});

test('no back door: no storage port, admin-only audited snapshots and audit log, a frozen actor', async () => {
  const w = await world();
  const rep = await w.as(REP_A);
  assert.equal('storage' in rep, false);
  await assert.rejects(rep.backup.export(), PermissionError);
  await assert.rejects(rep.backup.restore(await w.admin.backup.export()), PermissionError);
  await assert.rejects(rep.audit.list(), PermissionError);
  const viewer = await w.as(VIEWER);
  await assert.rejects(
    viewer.backup.restore({ format: 'crmkit.storage', formatVersion: 1, collections: {} }),
    PermissionError,
  );
  assert.ok((await w.admin.customers.count()) > 0, 'nothing was wiped');

  const snapshot = await w.admin.backup.export();
  const entries = (await w.admin.audit.list({ limit: 1 })).records;
  assert.equal(entries[0]?.action, 'export');

  const actor: { id: string; role: 'viewer' | 'admin' } = { id: 'usr-view', role: 'viewer' };
  const crm = await createCrm({ storage: w.storage, actor });
  actor.role = 'admin';
  assert.equal(crm.actor.role, 'viewer', 'the caller’s object is copied');
  assert.throws(() => {
    (crm.actor as { role: string }).role = 'admin';
  }, TypeError);
  await assert.rejects(crm.customers.create({ kind: 'person', name: 'X' }), PermissionError);
  assert.equal(Object.isFrozen(crm.actor), true);

  await w.admin.backup.restore(snapshot);
  assert.equal((await w.admin.audit.list({ limit: 1 })).records[0]?.action, 'restore');
});

test('crm.as: only an admin acts as someone else, and gets their view', async () => {
  const w = await world();
  const rep = await w.as(REP_A);
  await assert.rejects(rep.as(ADMIN), PermissionError);
  const asB = await w.admin.as(REP_B);
  assert.deepEqual(asB.actor, { id: REP_B.id, role: 'rep' });
  assert.deepEqual(ids((await asB.customers.list()).records), [w.ofB.id]);
});

test('the scope is ANDed into the query the adapter receives, so it can push it down', async () => {
  const seen: { collection: string; options: QueryOptions | undefined }[] = [];
  const inner = createMemoryStorage();
  const spy: StoragePort = {
    ...inner,
    capabilities: inner.capabilities,
    query: (collection, options) => {
      seen.push({ collection, options });
      return inner.query(collection, options);
    },
    transaction: (body) => inner.transaction(body),
    subscribe: (listener) => inner.subscribe(listener),
    exportSnapshot: () => inner.exportSnapshot(),
    importSnapshot: (snapshot) => inner.importSnapshot(snapshot),
    close: () => inner.close(),
    get: (collection, id) => inner.get(collection, id),
    getMany: (collection, list) => inner.getMany(collection, list),
    put: (collection, record, options) => inner.put(collection, record, options),
    delete: (collection, id, options) => inner.delete(collection, id, options),
    count: (collection, where) => inner.count(collection, where),
  };
  const w = await world(spy);
  const rep = await w.as(REP_A);
  seen.length = 0;
  await rep.customers.list({ where: { field: 'kind', op: 'eq', value: 'organisation' }, limit: 10 });
  const query = seen.find((entry) => entry.collection === 'customers');
  assert.deepEqual(query?.options?.where, {
    all: [
      { field: 'kind', op: 'eq', value: 'organisation' },
      {
        any: [
          { field: 'ownerId', op: 'eq', value: REP_A.id },
          { field: 'sharedWith', op: 'hasAny', values: [REP_A.id] },
        ],
      },
    ],
  });
  // Both halves of the scope are indexed, so the adapter answers it from its indexes.
  const indexed = inner.capabilities.indexes['customers'] ?? [];
  assert.ok(indexed.includes('ownerId') && indexed.includes('*sharedWith'));
  assert.equal(query?.options?.limit, 10, 'a page, not every record filtered in memory');
});

test('cursors name a record, never its values; a cursor whose record is gone is refused', async () => {
  const w = await world();
  const page = await w.admin.customers.list({ orderBy: [{ field: 'emails' }], limit: 1 });
  assert.ok(page.next);
  for (const customer of [w.ofA, w.ofB]) {
    for (const value of [...customer.emails, customer.name]) assert.ok(!page.next.includes(value), page.next);
  }
  assert.ok(!page.next.includes('@'));
  const rest = await w.admin.customers.list({ orderBy: [{ field: 'emails' }], limit: 5, after: page.next });
  assert.equal(page.records.length + rest.records.length, 2);
  assert.notEqual(rest.records[0]?.id, page.records[0]?.id);
  await assert.rejects(
    w.admin.customers.list({ orderBy: [{ field: 'emails' }], after: '["office@acme-east.example","x"]' }),
    ValidationError,
  );
});

// The policy as a plain function: what the default policy lets each actor read and write.
const TEAM = new Set([MANAGER.id, REP_A.id]);
/** A customer as the model knows it: its owner and the users it is shared with. */
interface Known {
  readonly owner: string | undefined;
  readonly shared: readonly string[];
}
/** Whether `owner` is within the actor's own scope: everyone for an admin, the team for a manager, themselves. */
function owns(actor: CrmActor, owner: string | undefined): boolean {
  if (actor.role === 'admin') return true;
  if (actor.role === 'manager') return owner !== undefined && TEAM.has(owner);
  return actor.role === 'rep' && owner === actor.id;
}
function mayRead(actor: CrmActor, known: Known): boolean {
  return actor.role === 'viewer' || owns(actor, known.owner) || known.shared.includes(actor.id);
}
function mayWrite(actor: CrmActor, known: Known): boolean {
  return actor.role !== 'viewer' && owns(actor, known.owner);
}

type Command =
  | { kind: 'create'; actor: number; owner: number }
  | { kind: 'rename'; actor: number; target: number }
  | { kind: 'reassign'; actor: number; target: number; owner: number }
  | { kind: 'addContact'; actor: number; target: number }
  | { kind: 'addDeal'; actor: number; target: number }
  | { kind: 'remove'; actor: number; target: number; cascade: boolean }
  | { kind: 'share'; actor: number; target: number; with: number }
  | { kind: 'list'; actor: number };

const actorIndex = fc.integer({ min: 0, max: ACTORS.length - 1 });
const target = fc.nat({ max: 20 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), actor: actorIndex, owner: actorIndex }),
  fc.record({ kind: fc.constant('rename' as const), actor: actorIndex, target }),
  fc.record({ kind: fc.constant('reassign' as const), actor: actorIndex, target, owner: actorIndex }),
  fc.record({ kind: fc.constant('addContact' as const), actor: actorIndex, target }),
  fc.record({ kind: fc.constant('addDeal' as const), actor: actorIndex, target }),
  fc.record({ kind: fc.constant('remove' as const), actor: actorIndex, target, cascade: fc.boolean() }),
  fc.record({ kind: fc.constant('share' as const), actor: actorIndex, target, with: actorIndex }),
  fc.record({ kind: fc.constant('list' as const), actor: actorIndex }),
);

test('property: random operations by random actors match the policy as a plain function, leaving no dangling reference', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
      const w = await world();
      const crms = new Map<string, Crm>();
      for (const actor of ACTORS) crms.set(actor.id, await w.as(actor));
      // The model: every customer's owner and shares, as the admin sees them.
      const owners = new Map<string, Known>();
      for (const customer of (await w.admin.customers.list()).records) {
        owners.set(customer.id, { owner: customer.ownerId, shared: [] });
      }
      const pick = (index: number) => [...owners.keys()].sort()[index % Math.max(owners.size, 1)];
      const outcome = async (run: () => Promise<unknown>) => {
        try {
          await run();
          return 'ok';
        } catch (error) {
          if (error instanceof PermissionError || error instanceof NotFoundError) return 'refused';
          // A customer the actor may not read is, to them, no customer: a reference to it is refused the same way.
          if (error instanceof ValidationError && error.issues.some((issue) => issue.path[0] === 'customerId')) {
            return 'refused';
          }
          if (error instanceof Error && 'code' in error && error.code === 'CRM_HAS_DEPENDANTS') return 'dependants';
          throw error;
        }
      };
      for (const step of commands) {
        // Background work (aggregates, lifecycle rules) finishes first, so the versions read are current.
        for (const each of [w.admin, ...crms.values()]) await each.settled();
        const actor = ACTORS[step.actor]!;
        const crm = crms.get(actor.id)!;
        if (step.kind === 'list') {
          const visible = ids((await crm.customers.list()).records);
          const expected = [...owners].filter(([, known]) => mayRead(actor, known)).map(([id]) => id);
          assert.deepEqual(visible, expected.sort());
          continue;
        }
        if (step.kind === 'create') {
          const owner = ACTORS[step.owner]!.id;
          const result = await outcome(async () => {
            const created = await crm.customers.create({ kind: 'organisation', name: 'New', ownerId: owner });
            owners.set(created.id, { owner, shared: [] });
          });
          assert.equal(result, owns(actor, owner) ? 'ok' : 'refused', `${actor.id} creates for ${owner}`);
          continue;
        }
        const id = pick(step.target);
        if (id === undefined) continue;
        const known = owners.get(id)!;
        const { owner } = known;
        const current = await w.admin.customers.get(id);
        if (step.kind === 'rename') {
          const result = await outcome(() =>
            crm.customers.update(id, { name: 'Renamed' }, { expectedVersion: current.version }),
          );
          assert.equal(result, mayWrite(actor, known) ? 'ok' : 'refused');
        } else if (step.kind === 'share') {
          const shared = [ACTORS[step.with]!.id];
          const result = await outcome(() =>
            crm.customers.update(id, { sharedWith: shared }, { expectedVersion: current.version }),
          );
          // Sharing is a write of the record: only who may change it shares it.
          assert.equal(result, mayWrite(actor, known) ? 'ok' : 'refused', `${actor.id} shares ${owner}'s`);
          if (result === 'ok') owners.set(id, { owner, shared });
        } else if (step.kind === 'reassign') {
          const next = ACTORS[step.owner]!.id;
          const result = await outcome(() =>
            crm.customers.update(id, { ownerId: next }, { expectedVersion: current.version }),
          );
          const allowed = mayWrite(actor, known) && owns(actor, next);
          assert.equal(result, allowed ? 'ok' : 'refused', `${actor.id} gives ${owner} → ${next}`);
          if (allowed) owners.set(id, { ...known, owner: next });
        } else if (step.kind === 'addContact' || step.kind === 'addDeal') {
          const result = await outcome(() =>
            step.kind === 'addContact'
              ? crm.contacts.create({ customerId: id, name: 'Person' })
              : crm.deals.create({ ...DEAL, customerId: id, title: 'Deal', ownerId: owner ?? actor.id }),
          );
          // The customer must be readable (else it reads as absent) and the new record, owned as the customer is,
          // writable: a share lets a rep read a customer, not add to it.
          assert.equal(
            result === 'ok',
            mayRead(actor, known) && mayWrite(actor, known),
            `${actor.id} adds to ${owner}`,
          );
        } else {
          const result = await outcome(() =>
            crm.customers.remove(id, {
              expectedVersion: current.version,
              dependants: step.cascade ? 'cascade' : 'refuse',
            }),
          );
          if (!mayWrite(actor, known)) assert.equal(result, 'refused');
          else if (result === 'ok') owners.delete(id);
          else assert.equal(result, step.cascade ? 'refused' : 'dependants');
        }
      }
      // No record points at a customer that is gone.
      const customers = new Set(ids((await w.admin.customers.list()).records));
      for (const collection of ['contacts', 'deals'] as const) {
        for (const record of (await w.admin[collection].list()).records) {
          assert.ok(customers.has(record.customerId), `${collection} ${record.id} points at nothing`);
        }
      }
    }),
    { numRuns: 40 },
  );
});

test('crm.audit.verify and head: the chain through the public API, admin only; tampering underneath is reported', async () => {
  const w = await world();
  const rep = await w.as(REP_A);
  await assert.rejects(rep.audit.verify(), PermissionError);
  await assert.rejects(rep.audit.head(), PermissionError);
  const head = await w.admin.audit.head();
  assert.ok(head && head.seq > 5);
  assert.deepEqual(await w.admin.audit.verify({ head }), { ok: true, entries: head.seq, head });
  await assert.rejects(w.admin.audit.verify({ head: { ...head, extra: 1 } as typeof head }), ValidationError);

  // Someone with the storage itself rewrites an entry: the next verification names it.
  const entry = (await w.storage.get('auditLog', 'z000000000003'))!;
  await w.storage.put('auditLog', { ...entry, changedFields: [] }, { expectedVersion: entry.version });
  const report = await w.admin.audit.verify({ head });
  assert.equal(report.ok, false);
  assert.deepEqual(report.ok ? undefined : report.brokenAt, { seq: 3, id: 'z000000000003', reason: 'hash' });
});

test('a restore validates every record first: one malformed customer refuses the whole snapshot, and nothing changes', async () => {
  const w = await world();
  await w.admin.settled();
  const snapshot = await w.admin.backup.export();
  const customers = snapshot.collections['customers']!;
  const bad = { ...customers[0]!, emails: 'not-a-list' };
  const tampered = { ...snapshot, collections: { ...snapshot.collections, customers: [bad, ...customers.slice(1)] } };
  const before = await w.admin.customers.list();
  await assert.rejects(w.admin.backup.restore(tampered), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.issues[0]?.path.slice(0, 4), ['collections', 'customers', 0, 'emails']);
    return true;
  });
  assert.deepEqual(await w.admin.customers.list(), before, 'storage is as it was, and every customer still reads');
  const proto = JSON.parse('{"format":"crmkit.storage","formatVersion":1,"collections":{"__proto__":[]}}');
  await assert.rejects(w.admin.backup.restore(proto), ValidationError);
});

test('a failed read of the teams fails that call only: the next one reads them again', async () => {
  const inner = createMemoryStorage();
  let failTeams = 1;
  const flaky: StoragePort = {
    ...inner,
    capabilities: inner.capabilities,
    query: (collection, options) => {
      if (collection === 'teams' && failTeams-- > 0) return Promise.reject(new Error('connection reset'));
      return inner.query(collection, options);
    },
    get: (collection, id) => inner.get(collection, id),
    getMany: (collection, list) => inner.getMany(collection, list),
    put: (collection, record, options) => inner.put(collection, record, options),
    delete: (collection, id, options) => inner.delete(collection, id, options),
    count: (collection, where) => inner.count(collection, where),
    transaction: (body) => inner.transaction(body),
    subscribe: (listener) => inner.subscribe(listener),
    exportSnapshot: () => inner.exportSnapshot(),
    importSnapshot: (snapshot) => inner.importSnapshot(snapshot),
    close: () => inner.close(),
  };
  const rep = await createCrm({ storage: flaky, actor: REP_A });
  await assert.rejects(rep.customers.list(), /connection reset/);
  assert.deepEqual((await rep.customers.list()).records, []);
});

test('a host passes its own policy to createCrm: it decides reads, writes and capabilities', async () => {
  const { storage, ofA, ofB } = await world();
  // Reps see every customer but may change none; nobody is allowed personal data.
  const policy: AccessPolicy = {
    scope: (actor, collection, access) =>
      actor.role === 'rep' && collection === 'customers'
        ? access === 'read'
        : defaultAccessPolicy.scope(actor, collection, access),
    allows: (actor, capability) => capability !== 'pii' && defaultAccessPolicy.allows(actor, capability),
  };
  const rep = await createCrm({ storage, actor: REP_A, policy });
  assert.deepEqual(ids((await rep.customers.list()).records), ids([ofA, ofB]));
  await assert.rejects(rep.customers.update(ofA.id, { name: 'Renamed' }, { expectedVersion: ofA.version }), (error) => {
    return error instanceof PermissionError || error instanceof NotFoundError;
  });
  assert.equal((await rep.customers.get(ofA.id)).name, 'Acme East', 'nothing was written');
  const admin = await createCrm({ storage, actor: ADMIN, policy });
  assert.notDeepEqual((await admin.customers.get(ofA.id)).emails, ['office@acme-east.example'], 'masked without pii');
  await assert.rejects(createCrm({ storage, actor: ADMIN, policy: { scope: () => true } as never }), ValidationError);
});
