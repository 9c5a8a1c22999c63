/**
 * A tenant full of marked records, and a request for every route of the table aimed at them: the material of the
 * tests that go through `ROUTES` generically (tenant isolation). A route whose arguments this module does not know
 * makes `sampleRequest` throw, so a route added to the table cannot slip past those tests.
 */
import assert from 'node:assert/strict';
import type { Route } from '@crmkit/client';
import { ok, type CallOptions } from './harness.js';

type Row = Record<string, unknown> & { id: string; version: number };
type Handler = (request: Request) => Promise<Response>;

/** What every record of the seeded tenant carries in a text field; no answer to another tenant may hold it. */
export const MARKER = 'GLOBEX-SECRET';

/**
 * Personal data of the seeded tenant that no sample request sends (the sample requests send only
 * `lead@globex.example`, to probe de-duplication): no answer to another tenant may hold these either.
 */
export const SEEDED_ONLY = ['secret@globex.example', '+8613900139000', 'lead2@globex.example', 'rep@globex.example'];

/** The ids of the seeded records. */
export interface Seeded {
  readonly customer: string;
  readonly contact: string;
  readonly lead: string;
  readonly otherLead: string;
  readonly deal: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly activity: string;
  readonly task: string;
  readonly segment: string;
  readonly user: string;
  readonly team: string;
  readonly customField: string;
  readonly cost: string;
  readonly quota: string;
}

const money = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });
const label = (en: string) => ({ en, 'zh-CN': en });

/** Fills `tenant` with one record of each kind, every text field marked, as an admin of it. */
export async function seedTenant(handler: Handler, options: Pick<CallOptions, 'tenant'>): Promise<Seeded> {
  const as = { ...options };
  const post = <T = Row>(path: string, body?: unknown) =>
    ok<T>(handler, 'POST', path, { ...as, ...(body === undefined ? {} : { body }) });
  const user = await post('/users', { name: `${MARKER} Rep`, email: 'rep@globex.example', role: 'rep' });
  const team = await post('/teams', { name: `${MARKER} Team`, memberIds: [user.id] });
  const customField = await post('/custom-fields', {
    entity: 'customer',
    key: 'globexsecret',
    label: label(`${MARKER} field`),
    type: 'text',
  });
  const pipeline = await post('/pipelines', {
    name: label(`${MARKER} pipeline`),
    stages: [
      { id: 'globex-open', name: label(`${MARKER} open`), probability: 0.2, kind: 'open' },
      { id: 'globex-won', name: label('Won'), probability: 1, kind: 'won' },
      { id: 'globex-lost', name: label('Lost'), probability: 0, kind: 'lost' },
    ],
  });
  const customer = await post('/customers', {
    kind: 'person',
    name: `${MARKER} Customer`,
    emails: ['secret@globex.example'],
    phones: ['+8613900139000'],
    country: 'CN',
  });
  const contact = await post('/contacts', { customerId: customer.id, name: `${MARKER} Contact` });
  const lead = (
    await post<{ lead: Row }>('/leads/capture', {
      input: { name: `${MARKER} Lead`, email: 'lead@globex.example' },
      options: { source: 'web' },
    })
  ).lead;
  const otherLead = (
    await post<{ lead: Row }>('/leads/capture', {
      input: { name: `${MARKER} Lead Two`, email: 'lead2@globex.example' },
      options: { source: 'web' },
    })
  ).lead;
  const deal = await post('/deals', {
    title: `${MARKER} Deal`,
    customerId: customer.id,
    pipelineId: pipeline.id,
    stageId: 'globex-open',
    amount: money(990_000),
  });
  const activity = await post('/activities/log', {
    type: 'note',
    direction: 'internal',
    body: `${MARKER} note`,
    occurredAt: '2026-03-02T00:30:00Z',
    customerId: customer.id,
  });
  const task = await post('/tasks', {
    title: `${MARKER} Task`,
    type: 'call',
    dueAt: '2026-03-02T02:00:00Z',
    related: { kind: 'customer', id: customer.id },
  });
  const segment = await post('/segments', {
    name: `${MARKER} Segment`,
    filter: { field: 'country', op: 'eq', value: 'CN' },
  });
  const cost = await post('/reports/costs', {
    source: 'globex-secret',
    from: '2026-03-01',
    to: '2026-03-31',
    amount: money(50_000),
  });
  const quota = await post('/reports/quotas', { userId: user.id, month: '2026-03', amount: money(10_000) });
  await post(`/aggregates/${customer.id}/refresh`);
  await post('/settled');
  return {
    customer: customer.id,
    contact: contact.id,
    lead: lead.id,
    otherLead: otherLead.id,
    deal: deal.id,
    pipeline: pipeline.id,
    stage: 'globex-open',
    activity: activity.id,
    task: task.id,
    segment: segment.id,
    user: user.id,
    team: team.id,
    customField: customField.id,
    cost: cost.id,
    quota: quota.id,
  };
}

/** The seeded record a route's `{id}` names. */
function idFor(route: Route, seeded: Seeded): string {
  const ids: Record<string, string> = {
    customers: seeded.customer,
    contacts: seeded.contact,
    leads: seeded.lead,
    deals: seeded.deal,
    pipelines: seeded.pipeline,
    activities: seeded.activity,
    tasks: seeded.task,
    segments: seeded.segment,
    users: seeded.user,
    teams: seeded.team,
    customFields: seeded.customField,
    aggregates: seeded.customer,
    reports: seeded.cost,
    records: seeded.customer,
  };
  const id = ids[route.service];
  assert.ok(id, `no seeded record for {id} of ${route.verb} ${route.path}`);
  return id;
}

/** Values of body fields, naming the seeded records wherever an argument can. */
function fieldValue(route: Route, field: string, seeded: Seeded): unknown {
  const key = `${route.service}.${route.method}.${field}`;
  const values: Record<string, unknown> = {
    'customers.setLifecycleStage.stage': 'customer',
    'customers.applyLifecycleRules.trigger': undefined,
    'leads.capture.input': { name: 'Acme visitor', email: 'lead@globex.example' },
    'leads.capture.options': { source: 'web' },
    'leads.merge.otherId': seeded.otherLead,
    'leads.merge.options': undefined,
    'leads.mergeIntoCustomer.customerId': seeded.customer,
    'leads.mergeIntoCustomer.options': undefined,
    'deals.moveToStage.stageId': seeded.stage,
    'pipelines.rename.name': label('Taken'),
    'pipelines.addStage.stage': { id: 'acme-stage', name: label('Acme'), probability: 0.5, kind: 'open' },
    'pipelines.addStage.options': { expectedVersion: 1 },
    'pipelines.reorderStages.stageIds': ['globex-won', 'globex-open', 'globex-lost'],
    'pipelines.reorderStages.options': { expectedVersion: 1 },
    'tasks.snooze.until': '2099-01-01T00:00:00Z',
    'segments.members.segment': seeded.segment,
    'segments.members.options': { limit: 10 },
    'segments.memberIds.segment': seeded.segment,
    'segments.size.segment': seeded.segment,
    'segments.overlaps.segments': [seeded.segment, seeded.segment],
    'segments.explain.segment': seeded.segment,
    'segments.explain.customerId': seeded.customer,
    'aggregates.getMany.ids': [seeded.customer],
    'aggregates.refresh.trigger': undefined,
    'aggregates.refreshRfm.currency': 'CNY',
    'records.getMany.ids': [seeded.customer, seeded.deal],
  };
  assert.ok(Object.hasOwn(values, key), `no sample for the field ${field} of ${route.verb} ${route.path}`);
  return values[key];
}

/** Whole bodies, naming the seeded records wherever the input can. */
function bodyValue(route: Route, seeded: Seeded): unknown {
  const key = `${route.service}.${route.method}`;
  const range = { from: '2026-03-01', to: '2026-03-31' };
  const values: Record<string, unknown> = {
    'customers.create': { kind: 'person', name: 'Acme customer', emails: ['someone@acme.example'] },
    'customers.update': { name: 'Taken', ownerId: seeded.user },
    'contacts.create': { customerId: seeded.customer, name: 'Acme contact' },
    'contacts.update': { name: 'Taken', customerId: seeded.customer },
    'leads.create': { name: 'Acme lead', email: 'lead@acme.example' },
    'leads.update': { name: 'Taken' },
    'leads.findDuplicates': { email: 'lead@globex.example', name: 'Globex Lead' },
    'leads.rescoreAll': {},
    'leads.convert': { customerId: seeded.customer, pipelineId: seeded.pipeline },
    'deals.create': {
      title: 'Acme deal',
      customerId: seeded.customer,
      pipelineId: seeded.pipeline,
      stageId: seeded.stage,
      amount: money(1),
    },
    'deals.update': { title: 'Taken', customerId: seeded.customer },
    'pipelines.create': {
      name: label('Acme pipeline'),
      stages: [
        { id: 'globex-open', name: label('Open'), probability: 0.2, kind: 'open' },
        { id: 'globex-won', name: label('Won'), probability: 1, kind: 'won' },
        { id: 'globex-lost', name: label('Lost'), probability: 0, kind: 'lost' },
      ],
    },
    'pipelines.update': { name: label('Taken') },
    'pipelines.updateStage': { probability: 0.9 },
    'activities.create': {
      type: 'note',
      direction: 'internal',
      body: 'Acme note',
      occurredAt: '2026-03-02T00:30:00Z',
      customerId: seeded.customer,
    },
    'activities.update': { body: 'Taken' },
    'activities.log': { type: 'call', direction: 'outbound', occurredAt: '2026-03-02T00:30:00Z', dealId: seeded.deal },
    'tasks.create': {
      title: 'Acme task',
      type: 'call',
      dueAt: '2026-03-02T02:00:00Z',
      related: { kind: 'customer', id: seeded.customer },
    },
    'tasks.update': { title: 'Taken' },
    'segments.create': { name: 'Acme segment', filter: { field: 'id', op: 'eq', value: seeded.customer } },
    'segments.update': { name: 'Taken' },
    'users.create': { name: 'Acme user', email: 'user@acme.example', role: 'rep' },
    'users.update': { role: 'admin' },
    'teams.create': { name: 'Acme team', memberIds: [seeded.user] },
    'teams.update': { memberIds: [seeded.user] },
    'customFields.create': { entity: 'customer', key: 'globexsecret', label: label('Acme'), type: 'text' },
    'customFields.update': { label: label('Taken') },
    'reports.funnel': {
      pipelineId: seeded.pipeline,
      period: { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' },
    },
    'reports.forecast': { pipelineId: seeded.pipeline },
    'reports.salesTrend': { ...range, granularity: 'week' },
    'reports.leadSources': range,
    'reports.performance': range,
    'reports.addCost': { source: 'globex-secret', ...range, amount: money(1) },
    'reports.setQuota': { userId: seeded.user, month: '2026-03', amount: money(1) },
    'audit.verify': {},
    'backup.restore': { format: 'crmkit.storage', formatVersion: 1, collections: {} },
  };
  assert.ok(Object.hasOwn(values, key), `no sample body for ${route.verb} ${route.path}`);
  return values[key];
}

/** The guard's other options a route needs. */
const GUARD_OPTIONS: Readonly<Record<string, unknown>> = { 'leads.disqualify': { reason: 'Not a fit' } };

/** A filter naming the seeded record, for `q` of lists and counts. */
function queryValue(route: Route, seeded: Seeded): unknown {
  if (route.service === 'audit' || (route.method !== 'list' && route.method !== 'count')) return undefined;
  const byId = { field: 'id', op: 'eq', value: idFor(route, seeded) };
  return route.method === 'count' ? byId : { where: byId };
}

/** A request to `route` naming the seeded records: path, the options of `call`, and its text (to spot echoes). */
export function sampleRequest(route: Route, seeded: Seeded): { path: string; options: CallOptions; text: string } {
  const params: Record<string, () => string> = {
    id: () => idFor(route, seeded),
    stageId: () => seeded.stage,
    collection: () => 'customers',
    kind: () => 'customer',
  };
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    assert.ok(Object.hasOwn(params, name), `no sample for {${name}} of ${route.path}`);
    return encodeURIComponent(params[name]!());
  });
  let body: unknown;
  let query: unknown;
  const headers: Record<string, string> = {};
  for (const arg of route.args) {
    if ('body' in arg) body = bodyValue(route, seeded);
    if ('field' in arg) {
      const value = fieldValue(route, arg.field, seeded);
      if (value !== undefined) body = { ...(body as object), [arg.field]: value };
    }
    if ('query' in arg) query = queryValue(route, seeded);
    // The seeded records' first version: a guard that would pass, so only the tenant stands in the way.
    if ('guard' in arg) headers['if-match'] = '"1"';
  }
  const guardOptions = GUARD_OPTIONS[`${route.service}.${route.method}`];
  if (guardOptions !== undefined) body = { ...(body as object), options: guardOptions };
  if (route.args.some((arg) => 'field' in arg) && body === undefined) body = {};
  const options: CallOptions = {
    headers,
    ...(body === undefined ? {} : { body }),
    ...(query === undefined ? {} : { query }),
  };
  return { path, options, text: JSON.stringify([path, body ?? null, query ?? null]) };
}
