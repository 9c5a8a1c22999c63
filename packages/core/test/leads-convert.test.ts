import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CUSTOM_FIELDS_COLLECTION,
  ConflictError,
  CrmEvents,
  NotFoundError,
  StageGateError,
  StorageError,
  ValidationError,
  createMemoryStorage,
  type CrmEventMap,
  type CrmEventName,
  type MemoryData,
  type StorageOperations,
  type StoragePort,
} from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { entityServices } from './support/entity-services.js';
import { createLeadService } from '../src/leads/index.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);

class RecordingEvents extends CrmEvents {
  readonly log: [string, unknown][] = [];
  override emit<N extends CrmEventName>(name: N, payload: CrmEventMap[N]): void {
    this.log.push([name, payload]);
    super.emit(name, payload);
  }
}

/** A storage whose `put` fails on the `failAt`-th call (counting every put, in transactions too). */
function withInjectedFailure(inner: StoragePort) {
  const control = { puts: 0, failAt: Infinity };
  const wrap = (ops: StorageOperations): StorageOperations => ({
    ...ops,
    put: (async (collection: string, record: { id: string }, options: { expectedVersion: number }) => {
      if (++control.puts === control.failAt) throw new StorageError('Injected failure');
      return ops.put(collection, record, options);
    }) as StorageOperations['put'],
  });
  const storage: StoragePort = {
    ...inner,
    put: (collection, record, options) => inner.transaction((tx) => wrap(tx).put(collection, record, options)),
    transaction: (body) => inner.transaction((tx) => body(wrap(tx))),
  };
  return { storage, control };
}

function setup() {
  const clock = { now: T0 };
  const now = () => new Date(clock.now);
  const data: MemoryData = new Map();
  const { storage, control } = withInjectedFailure(createMemoryStorage({ data, now }));
  const events = new RecordingEvents();
  let ids = 0;
  const context = createContext({
    storage,
    actor: { id: 'actor', role: 'admin' },
    events,
    clock: now,
    idGenerator: () => `id-${String(++ids).padStart(3, '0')}`,
    timeZone: 'UTC',
    currency: 'CNY',
  });
  const backgroundErrors: unknown[] = [];
  const leads = createLeadService(context, {
    assignment: false,
    onBackgroundError: (error) => backgroundErrors.push(error),
  });
  return {
    clock,
    data,
    storage,
    control,
    events,
    leads,
    backgroundErrors,
    ...entityServices(context),
  };
}

type Env = ReturnType<typeof setup>;

/** A lead with two activities, a task and a consent. */
async function seedLead(env: Env, input: Record<string, unknown> = {}) {
  const { lead, consentIds } = await env.leads.capture(
    { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+442079460000', company: 'Analytical Engines', ...input },
    { source: 'referral', consent: { purpose: 'marketing_email', textVersion: 'v1' } },
  );
  const at = new Date(env.clock.now).toISOString();
  const call = await env.activities.create({ type: 'call', direction: 'outbound', occurredAt: at, leadId: lead.id });
  const visit = await env.activities.create({
    type: 'web_visit',
    direction: 'inbound',
    occurredAt: at,
    leadId: lead.id,
  });
  const task = await env.tasks.create({
    title: 'Send the proposal',
    type: 'follow_up',
    dueAt: at,
    assigneeId: 'actor',
    related: { kind: 'lead', id: lead.id },
  });
  await env.leads.whenIdle();
  return {
    lead: await env.leads.get(lead.id),
    activityIds: [call.id, visit.id],
    taskId: task.id,
    consentId: consentIds[0]!,
  };
}

const record = (env: Env, collection: string, id: string) => env.data.get(collection)?.get(id);

test('convert: an organisation customer, its contact and a deal in the first open stage, one transaction', async () => {
  const env = setup();
  const { lead, activityIds, taskId, consentId } = await seedLead(env);
  const eventsBefore = env.events.log.length;
  const result = await env.leads.convert(lead.id);

  assert.equal(result.customerCreated, true);
  assert.equal(result.contactCreated, true);
  assert.deepEqual(
    [result.customer.kind, result.customer.name, result.customer.source, result.customer.ownerId],
    ['organisation', 'Analytical Engines', 'referral', 'actor'],
  );
  assert.deepEqual(
    [
      result.contact?.customerId,
      result.contact?.name,
      result.contact?.emails,
      result.contact?.phones,
      result.contact?.primary,
    ],
    [result.customer.id, 'Ada Lovelace', ['ada@example.com'], ['+442079460000'], true],
  );
  assert.deepEqual(
    [result.deal.customerId, result.deal.pipelineId, result.deal.stageId, result.deal.status, result.deal.title],
    [result.customer.id, 'default', 'opportunity', 'open', 'Analytical Engines'],
  );
  assert.deepEqual(result.deal.amount, { amountMinor: 0, currency: 'CNY' });
  assert.ok(record(env, 'pipelines', 'default'), 'the built-in pipeline was installed');
  const changes = [...env.data.get('stageChanges')!.values()];
  assert.deepEqual(
    changes.map((change) => [change['dealId'], change['fromStageId'], change['toStageId']]),
    [[result.deal.id, null, 'opportunity']],
  );
  assert.deepEqual(
    [result.lead.status, result.lead.convertedCustomerId, result.lead.convertedDealId, result.lead.convertedAt],
    ['converted', result.customer.id, result.deal.id, result.deal.createdAt],
  );
  // The lead's history is now the customer's.
  for (const id of activityIds) {
    const activity = record(env, 'activities', id)!;
    assert.deepEqual(
      [activity['leadId'], activity['customerId'], activity['contactId']],
      [lead.id, result.customer.id, result.contact?.id],
    );
  }
  assert.deepEqual(record(env, 'tasks', taskId)?.['related'], { kind: 'customer', id: result.customer.id });
  assert.deepEqual(
    [record(env, 'consents', consentId)?.['subjectKind'], record(env, 'consents', consentId)?.['subjectId']],
    ['contact', result.contact?.id],
  );
  assert.deepEqual(
    env.events.log.slice(eventsBefore).map(([name]) => name),
    [
      'pipeline.created',
      'customer.created',
      'contact.created',
      'deal.created',
      'lead.updated',
      'activity.updated',
      'activity.updated',
      'task.updated',
      'lead.converted',
    ],
  );
  assert.deepEqual(env.events.log.at(-1)?.[1], {
    id: lead.id,
    actorId: 'actor',
    at: result.deal.createdAt,
    customerId: result.customer.id,
    contactId: result.contact?.id,
    dealId: result.deal.id,
    pipelineId: 'default',
    customerCreated: true,
    contactCreated: true,
  });
  const leakCheck = JSON.stringify([env.events.log, [...env.data.get('auditLog')!.values()]]);
  for (const secret of ['Ada', 'ada@example.com', '+442079460000', 'Analytical'])
    assert.ok(!leakCheck.includes(secret));
  await env.leads.whenIdle();
  assert.deepEqual(env.backgroundErrors, []);

  await assert.rejects(
    env.leads.convert(lead.id),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'status',
  );
});

test('convert a person into an existing customer, with deal values, in the pipeline marked default', async () => {
  const env = setup();
  const customer = await env.customers.create({ kind: 'person', name: 'Ada King', emails: ['ada@old.example'] });
  await env.storage.put(
    'pipelines',
    {
      id: 'fast',
      name: { en: 'Fast', 'zh-CN': '快速' },
      isDefault: true,
      stages: [
        { id: 'talk', name: { en: 'Talk', 'zh-CN': '洽谈' }, probability: 0.3, kind: 'open' },
        {
          id: 'offer',
          name: { en: 'Offer', 'zh-CN': '报价' },
          probability: 0.7,
          kind: 'open',
          gate: { requiredFields: ['expectedCloseDate'] },
        },
        { id: 'won', name: { en: 'Won', 'zh-CN': '成交' }, probability: 1, kind: 'won' },
      ],
    },
    { expectedVersion: 0 },
  );
  const { lead } = await seedLead(env, { company: undefined });
  const result = await env.leads.convert(lead.id, {
    customerId: customer.id,
    deal: {
      title: 'Engine order',
      amount: { amountMinor: 120_000, currency: 'USD' },
      stageId: 'offer',
      expectedCloseDate: '2026-04-30',
    },
  });
  assert.equal(result.customerCreated, false);
  assert.equal(result.contact, undefined);
  assert.deepEqual(result.customer.emails, ['ada@old.example', 'ada@example.com'], 'the lead’s email was added');
  assert.deepEqual(result.customer.phones, ['+442079460000']);
  assert.deepEqual(
    [result.deal.pipelineId, result.deal.stageId, result.deal.title, result.deal.amount.amountMinor],
    ['fast', 'offer', 'Engine order', 120_000],
  );
  assert.equal(record(env, 'pipelines', 'default'), undefined, 'the built-in pipeline was not needed');
});

test('a failed conversion creates nothing: gate, validation, unknown records, refused options', async () => {
  const env = setup();
  const { lead } = await seedLead(env);
  await env.storage.put(
    CUSTOM_FIELDS_COLLECTION,
    {
      id: 'cf1',
      entity: 'customer',
      key: 'region',
      label: { en: 'Region', 'zh-CN': '大区' },
      type: 'text',
      required: true,
    },
    { expectedVersion: 0 },
  );
  const before = await env.storage.exportSnapshot();
  const eventsBefore = env.events.log.length;
  const fields =
    (...expected: string[]) =>
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual(error.fields, expected);
      return true;
    };
  await assert.rejects(env.leads.convert(lead.id), fields('customFields.region'));
  await assert.rejects(
    env.leads.convert(lead.id, { customer: { customFields: { region: 'north' } }, deal: { stageId: 'proposal' } }),
    (error: unknown) => {
      assert.ok(error instanceof StageGateError);
      assert.deepEqual(error.missingFields, ['expectedCloseDate']);
      return true;
    },
  );
  await assert.rejects(
    env.leads.convert(lead.id, { customer: { customFields: { region: 'north' } }, deal: { stageId: 'won' } }),
    fields('deal.stageId'),
  );
  await assert.rejects(
    env.leads.convert(lead.id, { deal: { status: 'won', customerId: 'x' } as never }),
    fields('deal.customerId', 'deal.status'),
  );
  // A bad deal value is named where the caller put it, under `deal`.
  await assert.rejects(
    env.leads.convert(lead.id, {
      customer: { customFields: { region: 'north' } },
      deal: { expectedCloseDate: '2026-02-30', title: '' },
    }),
    fields('deal.title', 'deal.expectedCloseDate'),
  );
  await assert.rejects(env.leads.convert(lead.id, { customerId: 'nobody' }), fields('customerId'));
  await assert.rejects(
    env.leads.convert(lead.id, { pipelineId: 'nowhere', customer: { customFields: { region: 'north' } } }),
    fields('pipelineId'),
  );
  await assert.rejects(env.leads.convert('missing'), NotFoundError);
  await assert.rejects(env.leads.convert(lead.id, { expectedVersion: 99 }), ConflictError);
  assert.deepEqual(await env.storage.exportSnapshot(), before);
  assert.equal(env.events.log.length, eventsBefore, 'no event for what did not happen');
  const done = await env.leads.convert(lead.id, { customer: { customFields: { region: 'north' } } });
  assert.equal(done.customer.customFields['region'], 'north');
});

test('qualify and disqualify move the status with its reason and timestamps', async () => {
  const env = setup();
  const { lead } = await seedLead(env);
  env.clock.now += 60_000;
  const qualified = await env.leads.qualify(lead.id, { expectedVersion: lead.version });
  assert.equal(qualified.status, 'qualified');
  assert.equal(qualified.qualifiedAt, new Date(env.clock.now).toISOString());
  const current = { expectedVersion: qualified.version };
  await assert.rejects(
    env.leads.qualify(lead.id, current),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'status',
  );
  await assert.rejects(
    env.leads.disqualify(lead.id, { ...current, reason: '  ' }),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'reason',
  );
  await assert.rejects(env.leads.disqualify(lead.id, { reason: 'stale', expectedVersion: 1 }), ConflictError);
  const disqualified = await env.leads.disqualify(lead.id, { ...current, reason: ' No budget this year ' });
  assert.deepEqual([disqualified.status, disqualified.disqualifyReason], ['disqualified', 'No budget this year']);
  await assert.rejects(env.leads.convert(lead.id), /Qualify a disqualified lead/);
  const requalified = await env.leads.qualify(lead.id, { expectedVersion: disqualified.version });
  assert.equal(requalified.disqualifyReason, undefined);
  assert.equal(requalified.disqualifiedAt, undefined);
  const names = env.events.log.map(([name]) => name).filter((name) => /qualified/.test(name));
  assert.deepEqual(names, ['lead.qualified', 'lead.disqualified', 'lead.qualified']);
  const payload = env.events.log.find(([name]) => name === 'lead.disqualified')?.[1];
  assert.ok(!JSON.stringify(payload).includes('budget'), 'the free-text reason stays out of the event');
});

test('merge two leads: chosen fields, every activity, task and consent kept, audited, the other removed', async () => {
  const env = setup();
  const first = await seedLead(env);
  const second = await seedLead(env, {
    name: 'A. Lovelace',
    email: 'ada@work.example',
    phone: '+8613800138000',
    company: 'AE',
    industry: 'finance',
  });
  env.clock.now += 60_000;
  const result = await env.leads.merge(first.lead.id, second.lead.id, {
    fields: { phone: 'other', industry: 'other' },
    expectedVersions: { survivor: first.lead.version, other: second.lead.version },
  });
  assert.equal(result.mergedId, second.lead.id);
  assert.deepEqual(result.fieldsTaken, ['phone', 'industry']);
  assert.deepEqual([result.movedActivities, result.movedTasks, result.movedConsents], [2, 1, 1]);
  assert.deepEqual(
    [result.lead.name, result.lead.email, result.lead.phone, result.lead.industry],
    ['Ada Lovelace', 'ada@example.com', '+8613800138000', 'finance'],
  );
  assert.equal(await env.leads.find(second.lead.id), undefined);
  for (const id of second.activityIds) assert.equal(record(env, 'activities', id)?.['leadId'], first.lead.id);
  assert.deepEqual(record(env, 'tasks', second.taskId)?.['related'], { kind: 'lead', id: first.lead.id });
  assert.equal(record(env, 'consents', second.consentId)?.['subjectId'], first.lead.id);
  assert.equal(result.lead.scoreHistory.at(-1)?.trigger, 'merge');
  assert.equal(result.lead.score, 55, 'both leads’ web visits now count for the survivor (45 + 2 × 5)');
  // The audit log records the merge as field names only.
  const audit = [...env.data.get('auditLog')!.values()].filter((entry) => entry['at'] === result.lead.updatedAt);
  assert.deepEqual(
    audit.map((entry) => [entry['action'], entry['entity'], entry['entityId'], entry['changedFields']]),
    [
      ['update', 'activities', second.activityIds[0], ['leadId']],
      ['update', 'activities', second.activityIds[1], ['leadId']],
      ['update', 'tasks', second.taskId, ['related']],
      ['update', 'consents', second.consentId, ['subjectId']],
      ['update', 'leads', first.lead.id, ['industry', 'phone', 'score', 'scoreHistory']],
      ['delete', 'leads', second.lead.id, []],
    ],
  );
  assert.deepEqual(env.events.log.at(-2)?.[1], {
    id: first.lead.id,
    actorId: 'actor',
    at: result.lead.updatedAt,
    into: 'lead',
    mergedId: second.lead.id,
    fieldsTaken: ['phone', 'industry'],
    movedActivities: 2,
    movedTasks: 1,
    movedConsents: 1,
  });
  assert.equal(env.events.log.at(-1)?.[0], 'lead.scored');
  await assert.rejects(env.leads.merge(first.lead.id, first.lead.id), ValidationError);
  await env.leads.whenIdle();
  assert.deepEqual(env.backgroundErrors, []);
});

test('merge refuses stale versions and converted leads, writing nothing', async () => {
  const env = setup();
  const first = await seedLead(env);
  const second = await seedLead(env, { email: 'other@example.com', phone: undefined });
  const before = await env.storage.exportSnapshot();
  await assert.rejects(
    env.leads.merge(first.lead.id, second.lead.id, { expectedVersions: { other: 1 } }),
    ConflictError,
  );
  assert.deepEqual(await env.storage.exportSnapshot(), before);
  await env.leads.convert(second.lead.id);
  await assert.rejects(
    env.leads.merge(first.lead.id, second.lead.id),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'other.status',
  );
});

test('merge a lead into a customer: a person gains email and phone; an organisation gains a contact', async () => {
  const env = setup();
  const person = await env.customers.create({ kind: 'person', name: 'Ada King', source: 'web' });
  const { lead, activityIds, consentId } = await seedLead(env);
  const result = await env.leads.mergeIntoCustomer(lead.id, person.id, { fields: { name: 'lead' } });
  assert.deepEqual(
    [
      result.customer.name,
      result.customer.company,
      result.customer.source,
      result.customer.emails,
      result.customer.phones,
    ],
    ['Ada Lovelace', 'Analytical Engines', 'web', ['ada@example.com'], ['+442079460000']],
  );
  assert.deepEqual(
    [result.lead.status, result.lead.convertedCustomerId, result.lead.convertedDealId],
    ['converted', person.id, undefined],
  );
  assert.equal(record(env, 'activities', activityIds[0]!)?.['customerId'], person.id);
  assert.deepEqual(
    [record(env, 'consents', consentId)?.['subjectKind'], record(env, 'consents', consentId)?.['subjectId']],
    ['customer', person.id],
  );
  assert.deepEqual(result.fieldsTaken, ['name', 'company', 'emails', 'phones']);

  const org = await env.customers.create({ kind: 'organisation', name: 'Analytical Engines' });
  const existing = await env.contacts.create({ customerId: org.id, name: 'A. Lovelace', emails: ['a@ae.example'] });
  const second = await seedLead(env, { email: 'ada2@example.com', phone: '+8613800138000' });
  const merged = await env.leads.mergeIntoCustomer(second.lead.id, org.id, { contactId: existing.id });
  assert.deepEqual(merged.contact?.emails, ['a@ae.example', 'ada2@example.com']);
  assert.equal(record(env, 'activities', second.activityIds[0]!)?.['contactId'], existing.id);

  const third = await seedLead(env, { email: 'ada3@example.com', phone: '+8613800138001' });
  await assert.rejects(
    env.leads.mergeIntoCustomer(third.lead.id, person.id, { contactId: existing.id }),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'contactId',
  );
  await assert.rejects(env.leads.mergeIntoCustomer(third.lead.id, 'nobody'), NotFoundError);
  const created = await env.leads.mergeIntoCustomer(third.lead.id, org.id);
  assert.deepEqual([created.contact?.name, created.contact?.primary], ['Ada Lovelace', false]);
  const last = env.events.log.at(-1)?.[1] as { into: string; customerId: string; contactId: string };
  assert.deepEqual([last.into, last.customerId, last.contactId], ['customer', org.id, created.contact?.id]);
});

/** Runs one multi-record operation on a freshly seeded CRM. */
const operations = {
  convert: async (env: Env, ids: { lead: string; other: string; customer: string }) => {
    await env.leads.convert(ids.lead);
  },
  merge: async (env: Env, ids: { lead: string; other: string; customer: string }) => {
    await env.leads.merge(ids.lead, ids.other, { fields: { phone: 'other' } });
  },
  mergeIntoCustomer: async (env: Env, ids: { lead: string; other: string; customer: string }) => {
    await env.leads.mergeIntoCustomer(ids.lead, ids.customer);
  },
  capture: async (env: Env) => {
    await env.leads.capture(
      { name: 'New Person' },
      { source: 'web', consent: [{ purpose: 'sms' }, { purpose: 'phone' }] },
    );
  },
} as const;
type OperationName = keyof typeof operations;

async function seeded() {
  const env = setup();
  const lead = await seedLead(env);
  const other = await seedLead(env, { email: 'other@example.com', phone: '+8613800138000' });
  const customer = await env.customers.create({ kind: 'organisation', name: 'Analytical Engines' });
  await env.leads.whenIdle();
  return { env, ids: { lead: lead.lead.id, other: other.lead.id, customer: customer.id } };
}

/** How many puts each operation makes when it succeeds. */
const putCounts = new Map<OperationName, number>();
for (const name of Object.keys(operations) as OperationName[]) {
  const { env, ids } = await seeded();
  const start = env.control.puts;
  await operations[name](env, ids);
  putCounts.set(name, env.control.puts - start);
}

test('property: capture, merge and convert are atomic under a storage failure at any put', async () => {
  assert.ok((putCounts.get('convert') ?? 0) >= 10, `convert makes ${putCounts.get('convert')} puts`);
  await fc.assert(
    fc.asyncProperty(
      fc
        .constantFrom(...(Object.keys(operations) as OperationName[]))
        .chain((name) => fc.tuple(fc.constant(name), fc.integer({ min: 1, max: putCounts.get(name)! }))),
      async ([name, nth]) => {
        const { env, ids } = await seeded();
        const before = await env.storage.exportSnapshot();
        const eventsBefore = env.events.log.length;
        env.control.failAt = env.control.puts + nth;
        await assert.rejects(operations[name](env, ids), (error: unknown) => error instanceof StorageError);
        assert.deepEqual(await env.storage.exportSnapshot(), before, `${name} left writes behind after put ${nth}`);
        assert.equal(env.events.log.length, eventsBefore, 'no events for a rolled-back operation');
        // Nothing half-done stands in the way: the same operation then succeeds.
        await operations[name](env, ids);
        await env.leads.whenIdle();
        assert.deepEqual(env.backgroundErrors, []);
      },
    ),
    { numRuns: 60 },
  );
});
