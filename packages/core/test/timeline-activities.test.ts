import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CrmEvents,
  ValidationError,
  createMemoryStorage,
  customerInputSchema,
  customerPatchSchema,
  customerSchema,
  dealInputSchema,
  dealPatchSchema,
  dealSchema,
  leadInputSchema,
  leadPatchSchema,
  leadSchema,
  type CrmEventMap,
  type CrmEventName,
} from '@crmkit/core';
import { createContext } from '../src/kernel/context.js';
import { createActivityService } from '../src/timeline/activity.service.js';
import { createEntityService } from '../src/kernel/entity-service.js';
import { createTaskService } from '../src/tasks/task.service.js';
import { decodeTimelineCursor, mergeTimeline } from '../src/timeline/index.js';

class RecordingEvents extends CrmEvents {
  readonly log: [string, unknown][] = [];
  override emit<N extends CrmEventName>(name: N, payload: CrmEventMap[N]): void {
    this.log.push([name, payload]);
    super.emit(name, payload);
  }
}

async function setup() {
  const clock = { now: Date.parse('2026-03-10T00:00:00Z') };
  const now = () => new Date(clock.now);
  const storage = createMemoryStorage({ now });
  const events = new RecordingEvents();
  let ids = 0;
  const context = createContext({
    storage,
    actor: { id: 'u-1', role: 'admin' },
    events,
    clock: now,
    idGenerator: () => `id-${String(++ids).padStart(3, '0')}`,
    timeZone: 'UTC',
    currency: 'CNY',
  });
  const customers = createEntityService(context, {
    name: 'customer',
    collection: 'customers',
    schemas: { input: customerInputSchema, record: customerSchema, patch: customerPatchSchema },
  });
  const leads = createEntityService(context, {
    name: 'lead',
    collection: 'leads',
    schemas: { input: leadInputSchema, record: leadSchema, patch: leadPatchSchema },
  });
  const deals = createEntityService(context, {
    name: 'deal',
    collection: 'deals',
    schemas: { input: dealInputSchema, record: dealSchema, patch: dealPatchSchema },
  });
  const customer = await customers.create({ kind: 'person', name: 'Wang Fang' });
  const lead = await leads.create({ name: 'Li Lei' });
  const deal = await deals.create({
    title: 'Big deal',
    customerId: customer.id,
    pipelineId: 'p',
    stageId: 's',
    amount: { amountMinor: 100, currency: 'CNY' },
  });
  return {
    clock,
    storage,
    events,
    customers,
    leads,
    deals,
    customer,
    lead,
    deal,
    activities: createActivityService(context),
    tasks: createTaskService(context),
  };
}

test('logging an activity sets lastActivityAt on its customer, lead and deal in the same transaction', async () => {
  const env = await setup();
  env.events.log.length = 0;
  const call = await env.activities.log({
    type: 'call',
    direction: 'outbound',
    occurredAt: '2026-03-05T10:00:00+08:00',
    customerId: env.customer.id,
    dealId: env.deal.id,
    subject: 'Pricing talk',
  });
  assert.equal(call.ownerId, 'u-1');
  assert.equal((await env.customers.get(env.customer.id)).lastActivityAt, '2026-03-05T02:00:00.000Z');
  assert.equal((await env.deals.get(env.deal.id)).lastActivityAt, '2026-03-05T02:00:00.000Z');
  assert.equal((await env.leads.get(env.lead.id)).lastActivityAt, undefined);
  assert.deepEqual(
    env.events.log.map(([name]) => name),
    ['activity.created', 'customer.updated', 'deal.updated'],
  );
  assert.ok(!JSON.stringify(env.events.log).includes('Pricing'));

  // An older activity logged later does not move the aggregate back.
  await env.activities.log({
    type: 'email',
    direction: 'inbound',
    occurredAt: '2026-03-01T00:00:00Z',
    customerId: env.customer.id,
  });
  assert.equal((await env.customers.get(env.customer.id)).lastActivityAt, '2026-03-05T02:00:00.000Z');

  // Moving or deleting the latest activity recomputes it.
  const moved = await env.activities.update(call.id, { occurredAt: '2026-02-01T00:00:00Z' }, { expectedVersion: 1 });
  assert.equal((await env.customers.get(env.customer.id)).lastActivityAt, '2026-03-01T00:00:00.000Z');
  assert.equal((await env.deals.get(env.deal.id)).lastActivityAt, '2026-02-01T00:00:00.000Z');
  await env.activities.remove(call.id, { expectedVersion: moved.version });
  assert.equal((await env.deals.get(env.deal.id)).lastActivityAt, undefined);
});

test('an activity about a missing record is refused and nothing is written', async () => {
  const env = await setup();
  const before = await env.storage.count('activities');
  await assert.rejects(
    env.activities.log({ type: 'note', direction: 'internal', occurredAt: '2026-03-01T00:00:00Z', leadId: 'nope' }),
    (error: unknown) =>
      error instanceof ValidationError &&
      JSON.stringify(error.issues) === JSON.stringify([{ path: ['leadId'], message: 'No lead with this id' }]),
  );
  assert.equal(await env.storage.count('activities'), before);
  await assert.rejects(
    env.activities.log({ type: 'note', direction: 'internal', occurredAt: 'yesterday', leadId: env.lead.id }),
    (error: { fields?: string[] }) => error.fields?.includes('occurredAt') === true,
  );
});

test('the timeline merges activities of every channel and completed tasks, newest first, page by page', async () => {
  const env = await setup();
  const log = (type: 'call' | 'email' | 'chat', occurredAt: string) =>
    env.activities.log({ type, direction: 'outbound', occurredAt, customerId: env.customer.id });
  const a1 = await log('call', '2026-03-01T09:00:00Z');
  const a2 = await log('email', '2026-03-03T09:00:00Z');
  const a3 = await log('chat', '2026-03-03T09:00:00Z'); // same instant as a2
  const other = await env.activities.log({
    type: 'call',
    direction: 'outbound',
    occurredAt: '2026-03-04T00:00:00Z',
    leadId: env.lead.id,
  });
  const task = await env.tasks.create({
    title: 'Follow up',
    type: 'follow_up',
    dueAt: '2026-03-02T09:00:00Z',
    related: { kind: 'customer', id: env.customer.id },
  });
  env.clock.now = Date.parse('2026-03-03T09:00:00Z'); // completed at the same instant as a2 and a3
  await env.tasks.complete(task.id, { expectedVersion: 1 });
  await env.tasks.create({
    title: 'Open one',
    type: 'todo',
    dueAt: '2026-03-09T00:00:00Z',
    related: { kind: 'customer', id: env.customer.id },
  });

  const keys = (items: { kind: string; activity?: { id: string }; task?: { id: string } }[]) =>
    items.map((item) => (item.kind === 'activity' ? item.activity!.id : item.task!.id));
  // Ties at 09:00 on the 3rd: tie keys descending — t:<task>, then a:<a3>, a:<a2>.
  const expected = [task.id, a3.id, a2.id, a1.id];
  const all = await env.activities.timeline({ kind: 'customer', id: env.customer.id });
  assert.deepEqual(keys(all.items), expected);
  assert.equal(all.next, undefined);

  const seen: string[] = [];
  let after: string | undefined;
  do {
    const page = await env.activities.timeline(
      { kind: 'customer', id: env.customer.id },
      { limit: 1, ...(after ? { after } : {}) },
    );
    assert.ok(page.items.length <= 1);
    seen.push(...keys(page.items));
    after = page.next;
  } while (after);
  assert.deepEqual(seen, expected);

  const calls = await env.activities.timeline({ kind: 'customer', id: env.customer.id }, { types: ['call', 'chat'] });
  assert.deepEqual(keys(calls.items), [a3.id, a1.id]);
  const leadLine = await env.activities.timeline({ kind: 'lead', id: env.lead.id });
  assert.deepEqual(keys(leadLine.items), [other.id]);
  await assert.rejects(env.activities.timeline({ kind: 'customer', id: env.customer.id }, { after: 'garbage' }), {
    code: 'CRM_VALIDATION',
  });
  assert.equal(decodeTimelineCursor('2026-03-03T09:00:00.000Z|a:x')?.key, 'a:x');
  assert.deepEqual(mergeTimeline([], []), []);
});
