/**
 * The handler over PostgreSQL (PGlite, in process): the services round-trip, and two handlers with storages of
 * their own over one database, as two server processes would be, each stream the other's changes.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { createCrmHandler, type CrmHandler } from '@crmkit/server';
import { ADMIN, changesOf, DEAL, ok, openChanges, problem, REP_A, REP_B, testAuthenticate } from './harness.js';

type Row = Record<string, unknown> & { id: string; version: number };

// One database for the file: a fresh PGlite takes seconds.
let shared: Promise<PGlite> | undefined;
const database = () => (shared ??= PGlite.create());
after(async () => (await database()).close());

let tenants = 0;
const freshTenant = () => `server-${process.pid}-${++tenants}`;

/** A handler whose tenants are storages of their own over the shared database. */
async function postgresHandler(): Promise<CrmHandler> {
  const db = await database();
  return createCrmHandler({
    authenticate: testAuthenticate,
    openStorage: (tenant) => createPostgresStorage({ pglite: db, tenant }),
  });
}

test('services round-trip over PostgreSQL, with guarded writes', async (t) => {
  const handler = await postgresHandler();
  t.after(() => handler.close());
  const tenant = freshTenant();
  const customer = await ok<Row>(handler, 'POST', '/customers', {
    tenant,
    body: { kind: 'organisation', name: 'Hangzhou Lighting' },
  });
  const deal = await ok<Row>(handler, 'POST', '/deals', { tenant, body: { ...DEAL, customerId: customer.id } });
  await ok(handler, 'POST', '/settled', { tenant });
  const moved = await ok<Row>(handler, 'POST', `/deals/${deal.id}/move`, {
    tenant,
    body: { stageId: 'proposal' },
    headers: { 'if-match': `"${deal.version}"` },
  });
  const stale = await problem(
    handler,
    'PATCH',
    `/deals/${deal.id}`,
    { status: 412, code: 'CRM_CONFLICT' },
    {
      tenant,
      body: { title: 'Late' },
      headers: { 'if-match': `"${deal.version}"` },
    },
  );
  assert.equal(stale['actualVersion'], moved.version);
  const list = await ok<{ records: Row[] }>(handler, 'GET', '/deals', {
    tenant,
    query: { where: { field: 'stageId', op: 'eq', value: 'proposal' } },
  });
  assert.deepEqual(
    list.records.map((record) => record.id),
    [deal.id],
  );
  const view = await ok(handler, 'GET', `/customers/${customer.id}/360`, { tenant });
  assert.equal((view['deals'] as { open: Row[] }).open.length, 1);
  await problem(handler, 'GET', `/deals/${deal.id}`, { status: 404, code: 'CRM_NOT_FOUND' }, { tenant, actor: REP_A });
  await problem(handler, 'GET', `/deals/${deal.id}`, { status: 404, code: 'CRM_NOT_FOUND' }, { tenant: freshTenant() });
});

test('two handlers over one database deliver each other’s changes, to those who may see them', async (t) => {
  const [first, second] = await Promise.all([postgresHandler(), postgresHandler()]);
  t.after(() => Promise.all([first.close(), second.close()]));
  const tenant = freshTenant();
  // Open the tenant in both processes first: a stream hears what is committed after its storage listens.
  await ok(first, 'GET', '/customers/count', { tenant });
  await ok(second, 'GET', '/customers/count', { tenant });
  const repOnFirst = await openChanges(first, REP_A, { tenant });
  const otherRepOnFirst = await openChanges(first, REP_B, { tenant });
  const adminOnSecond = await openChanges(second, ADMIN, { tenant });

  const ofA = await ok<Row>(second, 'POST', '/customers', {
    tenant,
    body: { kind: 'person', name: 'Of A', ownerId: REP_A.id },
  });
  const seen = await repOnFirst.events.until(
    (event) => changesOf(event).some((change) => change.id === ofA.id),
    'the other handler’s write',
  );
  assert.deepEqual(
    changesOf(seen).filter((change) => change.collection === 'customers'),
    [{ collection: 'customers', id: ofA.id, type: 'put', version: 1 }],
  );

  const ofB = await ok<Row>(first, 'POST', '/customers', {
    tenant,
    body: { kind: 'person', name: 'Of B', ownerId: REP_B.id },
  });
  await adminOnSecond.events.until(
    (event) => changesOf(event).some((change) => change.id === ofB.id),
    'the first handler’s write',
  );
  // Rep B hears their own customer, and never rep A's, though both were written while B listened.
  for (;;) {
    const event = await otherRepOnFirst.events.until((candidate) => candidate.event === 'change', 'rep B’s changes');
    assert.ok(!changesOf(event).some((change) => change.id === ofA.id), 'rep B never hears of rep A’s customer');
    if (changesOf(event).some((change) => change.id === ofB.id)) break;
  }
});
