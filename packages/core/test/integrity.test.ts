import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ConflictError,
  DependantsError,
  NotFoundError,
  ValidationError,
  canonicalJson,
  createCrm,
  createMemoryStorage,
  type Crm,
  type CrmEventName,
  type StorageOperations,
  type StoragePort,
} from '@crmkit/core';

// Writes keep the CRM's records consistent: options are parsed strictly, a write that replaces what the caller saw
// names the version it saw (or says `force: true`), references are checked inside the write's transaction, a delete
// never strands the records that point at it, and an input that is not an object is a ValidationError.

const T0 = Date.parse('2026-03-02T08:00:00Z');
const STAGE = { pipelineId: 'default', stageId: 'opportunity' } as const;
const AMOUNT = { amountMinor: 1000, currency: 'CNY' } as const;

async function crmOver(storage: StoragePort = createMemoryStorage({ now: () => new Date(T0) })) {
  const crm = await createCrm({ storage, actor: { id: 'admin-1', role: 'admin' }, clock: () => new Date(T0) });
  return { crm, storage };
}

/** The storage as bytes, once background work has settled. */
async function snapshot(crm: Crm, storage: StoragePort): Promise<string> {
  await crm.settled();
  return canonicalJson(await storage.exportSnapshot());
}

/** A customer with one of everything that points at it: contact, deal, activity, task and consent. */
async function customerWithDependants(crm: Crm) {
  const { lead } = await crm.leads.capture(
    { name: 'Wang Fang', email: 'wang.fang@example.com' },
    { source: 'web', consent: { purpose: 'marketing_email' }, note: 'Call me about pricing' },
  );
  await crm.settled();
  const converted = await crm.leads.convert(lead.id, { expectedVersion: (await crm.leads.get(lead.id)).version });
  const customer = converted.customer;
  const contact = await crm.contacts.create({ customerId: customer.id, name: 'Li Wei' });
  const task = await crm.tasks.create({
    title: 'Send the quote',
    type: 'email',
    dueAt: '2026-03-05T00:00:00Z',
    related: { kind: 'customer', id: customer.id },
  });
  await crm.settled();
  return { customer: await crm.customers.get(customer.id), contact, deal: converted.deal, task };
}

/** True for a `ValidationError` with exactly this issue among its issues. */
const issue =
  (path: readonly (string | number)[], message: string | RegExp) =>
  (error: unknown): boolean => {
    assert.ok(error instanceof ValidationError, String(error));
    const found = error.issues.find((each) => JSON.stringify(each.path) === JSON.stringify(path));
    assert.ok(found, `${JSON.stringify(path)} not among ${error.fields.join(', ')}`);
    if (typeof message === 'string') assert.equal(found.message, message);
    else assert.match(found.message, message);
    return true;
  };

test('a misspelt option of any service method is refused by name, and nothing is written', async () => {
  const { crm, storage } = await crmOver();
  const { customer, contact, deal, task } = await customerWithDependants(crm);
  const { lead } = await crm.leads.capture({ name: 'Zhao Lei' }, { source: 'web' });
  const { lead: other } = await crm.leads.capture({ name: 'Sun Li' }, { source: 'web' });
  const activity = await crm.activities.log({
    type: 'call',
    direction: 'outbound',
    occurredAt: '2026-03-01T00:00:00Z',
    customerId: customer.id,
  });
  const segment = await crm.segments.create({ name: 'CN', filter: { field: 'country', op: 'eq', value: 'CN' } });
  const cost = await crm.reports.addCost({ source: 'web', from: '2026-03-01', to: '2026-03-31', amount: AMOUNT });
  const user = await crm.users.create({ name: 'Chen Jing', email: 'chen.jing@example.com' });
  const team = await crm.teams.create({ name: 'East' });
  const pipeline = await crm.pipelines.ensureDefault();
  await crm.settled();
  const v = { force: true, expectedversion: 1 } as never;
  // Spread into valid options, or passed as the options themselves.
  const x = { expectedversion: 1 } as unknown as Record<string, never>;
  const calls: [string, () => Promise<unknown>][] = [
    ['customers.update', () => crm.customers.update(customer.id, { name: 'Y' }, { expectedVersion: 1, ...x })],
    ['customers.remove', () => crm.customers.remove(customer.id, v)],
    ['customers.view360', () => crm.customers.view360(customer.id, x)],
    ['customers.lifecycleHistory', () => crm.customers.lifecycleHistory(customer.id, x)],
    [
      'customers.setLifecycleStage',
      () => crm.customers.setLifecycleStage(customer.id, 'lead', { expectedVersion: 1, ...x }),
    ],
    ['customers.list', () => crm.customers.list(x)],
    ['contacts.remove', () => crm.contacts.remove(contact.id, v)],
    ['deals.moveToStage', () => crm.deals.moveToStage(deal.id, 'proposal', v)],
    ['deals.remove', () => crm.deals.remove(deal.id, v)],
    ['pipelines.rename', () => crm.pipelines.rename(pipeline.id, { en: 'New', 'zh-CN': '新' }, v)],
    [
      'pipelines.addStage',
      () =>
        crm.pipelines.addStage(
          pipeline.id,
          { id: 'x', name: { en: 'X', 'zh-CN': 'X' }, probability: 0.5, kind: 'open' },
          x,
        ),
    ],
    ['pipelines.updateStage', () => crm.pipelines.updateStage(pipeline.id, 'proposal', { probability: 0.6 }, v)],
    [
      'pipelines.reorderStages',
      () =>
        crm.pipelines.reorderStages(
          pipeline.id,
          pipeline.stages.map((s) => s.id),
          x,
        ),
    ],
    ['pipelines.removeStage', () => crm.pipelines.removeStage(pipeline.id, 'proposal', v)],
    ['pipelines.remove', () => crm.pipelines.remove(pipeline.id, v)],
    ['leads.capture', () => crm.leads.capture({ name: 'Q' }, { source: 'web', ...x })],
    ['leads.qualify', () => crm.leads.qualify(lead.id, v)],
    ['leads.disqualify', () => crm.leads.disqualify(lead.id, { reason: 'spam', force: true, ...x } as never)],
    ['leads.assign', () => crm.leads.assign(lead.id, v)],
    ['leads.remove', () => crm.leads.remove(lead.id, v)],
    ['leads.merge', () => crm.leads.merge(lead.id, other.id, x)],
    ['leads.mergeIntoCustomer', () => crm.leads.mergeIntoCustomer(lead.id, customer.id, x)],
    ['leads.convert', () => crm.leads.convert(lead.id, x)],
    ['leads.rescoreAll', () => crm.leads.rescoreAll(x)],
    ['leads.overdue', () => crm.leads.overdue(x)],
    ['activities.remove', () => crm.activities.remove(activity.id, v)],
    ['activities.timeline', () => crm.activities.timeline({ kind: 'customer', id: customer.id }, x)],
    ['tasks.complete', () => crm.tasks.complete(task.id, { expectedVersion: task.version, ...x })],
    ['tasks.snooze', () => crm.tasks.snooze(task.id, '2026-03-04T00:00:00Z', { expectedVersion: task.version, ...x })],
    ['tasks.remove', () => crm.tasks.remove(task.id, v)],
    ['tasks.overdue', () => crm.tasks.overdue(x)],
    ['tasks.dueToday', () => crm.tasks.dueToday(x)],
    ['segments.members', () => crm.segments.members(segment.id, x)],
    ['segments.remove', () => crm.segments.remove(segment.id, v)],
    ['reports.funnel', () => crm.reports.funnel({ pipelineId: pipeline.id, ...x })],
    ['reports.forecast', () => crm.reports.forecast(x)],
    [
      'reports.salesTrend',
      () => crm.reports.salesTrend({ from: '2026-03-01', to: '2026-03-31', granularity: 'week', ...x }),
    ],
    ['reports.removeCost', () => crm.reports.removeCost(cost.id, v)],
    ['users.remove', () => crm.users.remove(user.id, v)],
    ['teams.remove', () => crm.teams.remove(team.id, v)],
  ];
  const before = await snapshot(crm, storage);
  for (const [name, call] of calls) {
    await assert.rejects(call(), (error: unknown) => {
      assert.ok(error instanceof ValidationError, `${name}: ${String(error)}`);
      assert.ok(
        error.issues.some((each) => each.path.join('.') === 'expectedversion' && /^Unknown key/.test(each.message)),
        `${name}: ${error.message}`,
      );
      return true;
    });
  }
  assert.throws(() => crm.reminders(x), issue(['expectedversion'], /^Unknown key/));
  assert.equal(await snapshot(crm, storage), before);
  await crm.dispose();
});

test('a state-changing write names the version it read or says force: true; a stale version is a conflict', async () => {
  const { crm, storage } = await crmOver();
  const customer = await crm.customers.create({ kind: 'organisation', name: 'Yunfan' });
  const deal = await crm.deals.create({ title: 'ERP', customerId: customer.id, amount: AMOUNT, ...STAGE });
  const { lead } = await crm.leads.capture({ name: 'Zhao Lei' }, { source: 'web' });
  const contact = await crm.contacts.create({ customerId: customer.id, name: 'Li Wei' });
  await crm.settled();
  const pipeline = await crm.pipelines.get('default');
  const writes: [string, (options: object) => Promise<unknown>][] = [
    [
      'deals.moveToStage',
      (o) => crm.deals.moveToStage(deal.id, 'proposal', { values: { expectedCloseDate: '2026-04-30' }, ...o } as never),
    ],
    ['leads.qualify', (o) => crm.leads.qualify(lead.id, o as never)],
    ['leads.disqualify', (o) => crm.leads.disqualify(lead.id, { reason: 'No budget', ...o } as never)],
    ['leads.assign', (o) => crm.leads.assign(lead.id, { ownerId: 'rep-2', ...o } as never)],
    ['pipelines.rename', (o) => crm.pipelines.rename('default', { en: 'New', 'zh-CN': '新' }, o as never)],
    [
      'pipelines.updateStage',
      (o) => crm.pipelines.updateStage('default', 'proposal', { name: { en: 'Quote', 'zh-CN': '报价' } }, o as never),
    ],
    ['contacts.remove', (o) => crm.contacts.remove(contact.id, o as never)],
  ];
  const before = await snapshot(crm, storage);
  for (const [name, write] of writes) {
    for (const options of [{}, undefined]) {
      await assert.rejects(
        write(options as never),
        issue(
          ['expectedVersion'],
          'Pass the version you read as expectedVersion, or force: true to write over any version',
        ),
        name,
      );
    }
    await assert.rejects(write({ force: false }), ValidationError, name);
    await assert.rejects(write({ expectedVersion: 7 }), ConflictError, name);
  }
  assert.equal(await snapshot(crm, storage), before);
  // At the version read, each goes through; `force: true` writes over whatever is stored.
  const moved = await crm.deals.moveToStage(deal.id, 'proposal', {
    expectedVersion: deal.version,
    values: { expectedCloseDate: '2026-04-30' },
  });
  assert.equal(moved.stageId, 'proposal');
  const qualified = await crm.leads.qualify(lead.id, { expectedVersion: (await crm.leads.get(lead.id)).version });
  assert.equal(qualified.status, 'qualified');
  await crm.leads.assign(lead.id, { ownerId: 'rep-2', force: true });
  const renamed = await crm.pipelines.rename(
    'default',
    { en: 'New', 'zh-CN': '新' },
    { expectedVersion: pipeline.version },
  );
  assert.equal(renamed.name.en, 'New');
  await crm.contacts.remove(contact.id, { force: true });
  await crm.dispose();
});

test('pipelines.remove racing deals.create never strands a deal: the deals are counted in the delete’s transaction', async () => {
  const base = createMemoryStorage({ now: () => new Date(T0) });
  // The first count of a pipeline's deals lets a deal be created meanwhile: the interleaving a shared store allows.
  let race: (() => void) | undefined;
  const onCount = async (count: Promise<number>, collection: string): Promise<number> => {
    const result = await count;
    const start = collection === 'deals' ? race : undefined;
    race = undefined;
    start?.();
    return result;
  };
  const counted = (ops: StorageOperations): StorageOperations => ({
    ...ops,
    count: (collection, where) => onCount(ops.count(collection, where), collection),
  });
  const storage: StoragePort = {
    ...base,
    ...counted(base),
    transaction: (body) => base.transaction((tx) => body(counted(tx))),
  };
  const { crm } = await crmOver(storage);
  const customer = await crm.customers.create({ kind: 'organisation', name: 'Yunfan' });
  const pipeline = await crm.pipelines.create({
    name: { en: 'Renewals', 'zh-CN': '续约' },
    stages: [
      { id: 'open', name: { en: 'Open', 'zh-CN': '进行中' }, probability: 0.5, kind: 'open' },
      { id: 'won', name: { en: 'Won', 'zh-CN': '成交' }, probability: 1, kind: 'won' },
    ],
  });
  let created: Promise<unknown> | undefined;
  race = () => {
    created = crm.deals.create({
      title: 'Renewal',
      customerId: customer.id,
      pipelineId: pipeline.id,
      stageId: 'open',
      amount: AMOUNT,
    });
  };
  const removed = await Promise.allSettled([crm.pipelines.remove(pipeline.id, { expectedVersion: pipeline.version })]);
  const outcome = await Promise.allSettled([created]);
  assert.ok(created, 'the race ran');
  // One of them wins; never both.
  assert.equal([removed[0]!.status, outcome[0]!.status].filter((status) => status === 'fulfilled').length, 1);
  for (const deal of (await crm.deals.list()).records) {
    assert.ok(await base.get('pipelines', deal.pipelineId), `deal ${deal.id} is in a deleted pipeline`);
  }
  if (outcome[0]!.status === 'rejected') {
    assert.ok(outcome[0].reason instanceof ValidationError, String(outcome[0].reason));
    assert.deepEqual((outcome[0].reason as ValidationError).fields, ['pipelineId']);
  }
  // With a deal in it, the pipeline is refused, naming what points at it.
  const again = await crm.pipelines.create({ name: { en: 'B', 'zh-CN': 'B' }, stages: pipeline.stages });
  await crm.deals.create({
    title: 'D',
    customerId: customer.id,
    pipelineId: again.id,
    stageId: 'open',
    amount: AMOUNT,
  });
  await assert.rejects(crm.pipelines.remove(again.id, { force: true }), (error: unknown) => {
    assert.ok(error instanceof DependantsError);
    assert.deepEqual(error.dependants, { deals: 1 });
    return true;
  });
  await crm.dispose();
});

test('customers.remove refuses a customer others point at, or deletes them with it, each audited, events after commit', async () => {
  const { crm, storage } = await crmOver();
  const { customer, contact, deal, task } = await customerWithDependants(crm);
  const before = await snapshot(crm, storage);
  for (const dependants of [undefined, 'refuse'] as const) {
    await assert.rejects(
      crm.customers.remove(customer.id, { expectedVersion: customer.version, ...(dependants ? { dependants } : {}) }),
      (error: unknown) => {
        assert.ok(error instanceof DependantsError);
        assert.equal(error.code, 'CRM_HAS_DEPENDANTS');
        assert.deepEqual(error.dependants, { contacts: 1, deals: 1, activities: 1, tasks: 1, consents: 1 });
        assert.doesNotMatch(error.message, /Wang|Li Wei|example\.com/);
        return true;
      },
    );
  }
  await assert.rejects(crm.customers.remove(customer.id, { expectedVersion: 1, dependants: 'cascade' }), ConflictError);
  assert.equal(await snapshot(crm, storage), before);

  const activities = (await crm.activities.list({ where: { field: 'customerId', op: 'eq', value: customer.id } }))
    .records;
  const events: [CrmEventName, string][] = [];
  // Each event comes after the commit: what it names is gone by then.
  const reads: Promise<unknown>[] = [];
  for (const name of [
    'customer.deleted',
    'contact.deleted',
    'deal.deleted',
    'activity.deleted',
    'task.deleted',
  ] as const) {
    crm.on(name, (payload) => {
      events.push([name, payload.id]);
      reads.push(storage.get(`${name.split('.')[0] === 'activity' ? 'activitie' : name.split('.')[0]}s`, payload.id));
    });
  }
  await crm.customers.remove(customer.id, { expectedVersion: customer.version, dependants: 'cascade' });
  assert.deepEqual(await Promise.all(reads), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(events.sort(), [
    ['activity.deleted', activities[0]!.id],
    ['contact.deleted', contact.id],
    ['customer.deleted', customer.id],
    ['deal.deleted', deal.id],
    ['task.deleted', task.id],
  ]);
  for (const collection of ['customers', 'contacts', 'deals', 'activities', 'tasks', 'consents', 'stageChanges']) {
    const left = await storage.count(collection, {
      any: [
        { field: 'customerId', op: 'eq', value: customer.id },
        { field: 'related.id', op: 'eq', value: customer.id },
        { field: 'subjectId', op: 'eq', value: customer.id },
        { field: 'dealId', op: 'eq', value: deal.id },
        { field: 'id', op: 'eq', value: customer.id },
      ],
    });
    assert.equal(left, 0, collection);
  }
  const deletes = (await crm.audit.list({ where: { field: 'action', op: 'eq', value: 'delete' } })).records;
  assert.deepEqual(deletes.map((entry) => entry.entity).sort(), [
    'activities',
    'consents',
    'contacts',
    'customers',
    'deals',
    'tasks',
  ]);
  await crm.dispose();
});

test('a reference to a record that does not exist is refused at its field, inside the write, and nothing is written', async () => {
  const { crm, storage } = await crmOver();
  const customer = await crm.customers.create({ kind: 'organisation', name: 'Yunfan' });
  const contact = await crm.contacts.create({ customerId: customer.id, name: 'Li Wei' });
  const deal = await crm.deals.create({ title: 'ERP', customerId: customer.id, amount: AMOUNT, ...STAGE });
  const task = await crm.tasks.create({ title: 'Call', type: 'call', dueAt: '2026-03-03T00:00:00Z' });
  const activity = await crm.activities.log({
    type: 'call',
    direction: 'outbound',
    occurredAt: '2026-03-01T00:00:00Z',
    customerId: customer.id,
  });
  const before = await snapshot(crm, storage);
  const call = { type: 'call', direction: 'outbound', occurredAt: '2026-03-01T00:00:00Z' } as const;
  const refused: [() => Promise<unknown>, (string | number)[], string][] = [
    [() => crm.deals.create({ title: 'X', customerId: 'nope', amount: AMOUNT, ...STAGE }), ['customerId'], 'customer'],
    [
      () => crm.deals.update(deal.id, { customerId: 'nope' }, { expectedVersion: deal.version }),
      ['customerId'],
      'customer',
    ],
    [() => crm.contacts.create({ customerId: 'nope', name: 'X' }), ['customerId'], 'customer'],
    [() => crm.contacts.update(contact.id, { customerId: 'nope' }, { expectedVersion: 1 }), ['customerId'], 'customer'],
    ...(['customer', 'lead', 'deal', 'contact'] as const).map((kind): [() => Promise<unknown>, string[], string] => [
      () =>
        crm.tasks.create({ title: 'X', type: 'call', dueAt: '2026-03-03T00:00:00Z', related: { kind, id: 'nope' } }),
      ['related', 'id'],
      kind,
    ]),
    [
      () => crm.tasks.update(task.id, { related: { kind: 'deal', id: 'nope' } }, { expectedVersion: 1 }),
      ['related', 'id'],
      'deal',
    ],
    [() => crm.activities.log({ ...call, customerId: 'nope' }), ['customerId'], 'customer'],
    [() => crm.activities.log({ ...call, contactId: 'nope' }), ['contactId'], 'contact'],
    [() => crm.activities.log({ ...call, dealId: 'nope' }), ['dealId'], 'deal'],
    [() => crm.activities.log({ ...call, leadId: 'nope' }), ['leadId'], 'lead'],
    [() => crm.activities.update(activity.id, { dealId: 'nope' }, { expectedVersion: 1 }), ['dealId'], 'deal'],
  ];
  for (const [attempt, path, noun] of refused) await assert.rejects(attempt(), issue(path, `No ${noun} with this id`));
  // A task about a deal is not about a customer of the same id.
  await assert.rejects(
    crm.tasks.create({
      title: 'X',
      type: 'call',
      dueAt: '2026-03-03T00:00:00Z',
      related: { kind: 'deal', id: customer.id },
    }),
    issue(['related', 'id'], 'No deal with this id'),
  );
  assert.equal(await snapshot(crm, storage), before);
  await crm.dispose();
});

test('an input that is not an object is a ValidationError at the root for every create and update', async () => {
  const { crm, storage } = await crmOver();
  const customer = await crm.customers.create({ kind: 'organisation', name: 'Yunfan' });
  const ids = {
    customers: customer.id,
    contacts: (await crm.contacts.create({ customerId: customer.id, name: 'Li Wei' })).id,
    deals: (await crm.deals.create({ title: 'ERP', customerId: customer.id, amount: AMOUNT, ...STAGE })).id,
    leads: (await crm.leads.capture({ name: 'Zhao Lei' }, { source: 'web' })).lead.id,
    activities: (await crm.activities.log({ type: 'note', direction: 'internal', occurredAt: '2026-03-01T00:00:00Z' }))
      .id,
    tasks: (await crm.tasks.create({ title: 'Call', type: 'call', dueAt: '2026-03-03T00:00:00Z' })).id,
    segments: (await crm.segments.create({ name: 'CN', filter: { field: 'country', op: 'eq', value: 'CN' } })).id,
    pipelines: (await crm.pipelines.ensureDefault()).id,
    users: (await crm.users.create({ name: 'Chen Jing', email: 'chen.jing@example.com' })).id,
    teams: (await crm.teams.create({ name: 'East' })).id,
  } as const;
  const before = await snapshot(crm, storage);
  const root = issue([], 'Expected an object');
  for (const input of [null, [], 42, 'customer', true]) {
    for (const name of Object.keys(ids) as (keyof typeof ids)[]) {
      const service = crm[name] as unknown as {
        create(input: unknown): Promise<unknown>;
        update(id: string, patch: unknown, options: unknown): Promise<unknown>;
      };
      await assert.rejects(service.create(input), root, `${name}.create(${JSON.stringify(input)})`);
      await assert.rejects(service.update(ids[name], input, { expectedVersion: 1 }), root, `${name}.update`);
    }
    await assert.rejects(crm.leads.capture(input as never, { source: 'web' }), root);
    await assert.rejects(crm.activities.log(input as never), root);
    await assert.rejects(crm.customFields.create(input as never), root);
  }
  assert.equal(await snapshot(crm, storage), before);
  await crm.dispose();
});

type Kind = 'customers' | 'contacts' | 'deals' | 'tasks' | 'activities';
type Command =
  | { readonly op: 'customer' }
  | { readonly op: 'contact'; readonly customer: number }
  | { readonly op: 'deal'; readonly customer: number }
  | { readonly op: 'task'; readonly kind: 'customer' | 'contact' | 'deal'; readonly target: number }
  | { readonly op: 'activity'; readonly customer: number; readonly contact: number; readonly deal: number }
  | { readonly op: 'remove'; readonly kind: Kind; readonly target: number; readonly cascade: boolean };

const index = fc.nat({ max: 12 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constant({ op: 'customer' as const }),
  fc.record({ op: fc.constant('contact' as const), customer: index }),
  fc.record({ op: fc.constant('deal' as const), customer: index }),
  fc.record({
    op: fc.constant('task' as const),
    kind: fc.constantFrom('customer', 'contact', 'deal' as const),
    target: index,
  }),
  fc.record({ op: fc.constant('activity' as const), customer: index, contact: index, deal: index }),
  fc.record({
    op: fc.constant('remove' as const),
    kind: fc.constantFrom<Kind>('customers', 'contacts', 'deals', 'tasks', 'activities'),
    target: index,
    cascade: fc.boolean(),
  }),
);

/** Every reference between the records in `storage` that names a record it does not hold. */
async function danglingReferences(storage: StoragePort): Promise<string[]> {
  const { collections } = await storage.exportSnapshot();
  const ids = (name: string) => new Set((collections[name] ?? []).map((record) => record.id));
  const has = { customers: ids('customers'), contacts: ids('contacts'), deals: ids('deals'), leads: ids('leads') };
  const pipelines = ids('pipelines');
  const dangling: string[] = [];
  const check = (where: string, set: Set<string>, id: unknown) => {
    if (typeof id === 'string' && !set.has(id)) dangling.push(`${where} → ${id}`);
  };
  for (const r of collections['contacts'] ?? []) check(`contact ${r.id}`, has.customers, r['customerId']);
  for (const r of collections['deals'] ?? []) {
    check(`deal ${r.id}`, has.customers, r['customerId']);
    check(`deal ${r.id} pipeline`, pipelines, r['pipelineId']);
  }
  for (const r of collections['activities'] ?? []) {
    check(`activity ${r.id}`, has.customers, r['customerId']);
    check(`activity ${r.id}`, has.contacts, r['contactId']);
    check(`activity ${r.id}`, has.deals, r['dealId']);
    check(`activity ${r.id}`, has.leads, r['leadId']);
  }
  for (const r of collections['tasks'] ?? []) {
    const related = r['related'] as { kind: 'customer' | 'contact' | 'deal' | 'lead'; id: string } | undefined;
    if (related) check(`task ${r.id}`, has[`${related.kind}s`], related.id);
  }
  for (const r of collections['consents'] ?? []) {
    check(`consent ${r.id}`, has[`${r['subjectKind'] as 'customer' | 'contact' | 'lead'}s`], r['subjectId']);
  }
  for (const r of collections['stageChanges'] ?? []) check(`stage change ${r.id}`, has.deals, r['dealId']);
  return dangling;
}

test('property: random creates and removes (refusing or cascading) never leave a dangling reference', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
      const { crm, storage } = await crmOver();
      // Every id ever created, removed ones included, so commands also aim at records that are gone.
      const known: Record<Kind, string[]> = { customers: [], contacts: [], deals: [], tasks: [], activities: [] };
      const pick = (kind: Kind, at: number) => known[kind][at % Math.max(known[kind].length, 1)] ?? 'none';
      const expected = (error: unknown) =>
        error instanceof ValidationError || error instanceof DependantsError || error instanceof NotFoundError;
      for (const step of commands) {
        try {
          if (step.op === 'customer') {
            known.customers.push((await crm.customers.create({ kind: 'organisation', name: 'C' })).id);
          } else if (step.op === 'contact') {
            known.contacts.push(
              (await crm.contacts.create({ customerId: pick('customers', step.customer), name: 'P' })).id,
            );
          } else if (step.op === 'deal') {
            const customerId = pick('customers', step.customer);
            known.deals.push((await crm.deals.create({ title: 'D', customerId, amount: AMOUNT, ...STAGE })).id);
          } else if (step.op === 'task') {
            const related = { kind: step.kind, id: pick(`${step.kind}s`, step.target) };
            known.tasks.push(
              (await crm.tasks.create({ title: 'T', type: 'call', dueAt: '2026-03-03T00:00:00Z', related })).id,
            );
          } else if (step.op === 'activity') {
            const activity = await crm.activities.log({
              type: 'call',
              direction: 'outbound',
              occurredAt: '2026-03-01T00:00:00Z',
              customerId: pick('customers', step.customer),
              ...(step.contact % 2 ? { contactId: pick('contacts', step.contact) } : {}),
              ...(step.deal % 3 ? { dealId: pick('deals', step.deal) } : {}),
            });
            known.activities.push(activity.id);
          } else {
            const id = pick(step.kind, step.target);
            const service = crm[step.kind] as unknown as {
              remove(id: string, options: object): Promise<void>;
            };
            // Background work (aggregates, lifecycle rules) first, so the version read is the one the remove meets.
            await crm.settled();
            const stored = await storage.get(step.kind, id);
            await service.remove(id, {
              ...(stored ? { expectedVersion: stored.version } : { force: true }),
              dependants: step.cascade ? 'cascade' : 'refuse',
            });
            assert.equal(await storage.get(step.kind, id), undefined);
          }
        } catch (error) {
          if (!expected(error)) throw error;
        }
      }
      await crm.settled();
      assert.deepEqual(await danglingReferences(storage), []);
      await crm.dispose();
    }),
    { numRuns: 80 },
  );
});
