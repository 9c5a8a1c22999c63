/** Tenants through `openStorage`: each has its own storage, CRMs and change log, and none reaches another's. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStorage, type StoragePort } from '@crmkit/core';
import { ROUTES } from '@crmkit/client';
import { createCrmHandler } from '@crmkit/server';
import { ADMIN, call, changesOf, DEAL, ok, openChanges, problem, testAuthenticate } from './harness.js';
import { MARKER, sampleRequest, seedTenant, SEEDED_ONLY } from './route-samples.js';

type Row = Record<string, unknown> & { id: string; version: number };

function tenantHandler() {
  const storages = new Map<string, StoragePort>();
  const opened: string[] = [];
  const closed: string[] = [];
  const handler = createCrmHandler({
    authenticate: testAuthenticate,
    openStorage: async (tenant) => {
      opened.push(tenant);
      const storage = createMemoryStorage();
      storages.set(tenant, storage);
      return { ...storage, close: async () => void closed.push(tenant) };
    },
  });
  return { handler, storages, opened, closed };
}

test('tenant A never reads, writes or hears tenant B through any route', async (t) => {
  const { handler, opened, closed } = tenantHandler();
  t.after(() => handler.close());
  const asA = { tenant: 'acme' };
  const asB = { tenant: 'globex' };
  const streamB = await openChanges(handler, ADMIN, asB);
  const customer = await ok<Row>(handler, 'POST', '/customers', { ...asA, body: { kind: 'person', name: 'Of Acme' } });
  const deal = await ok<Row>(handler, 'POST', '/deals', { ...asA, body: { ...DEAL, customerId: customer.id } });

  // Reads: absent everywhere in B, the same admin id notwithstanding.
  await problem(handler, 'GET', `/customers/${customer.id}`, { status: 404, code: 'CRM_NOT_FOUND' }, asB);
  assert.deepEqual((await ok<{ records: Row[] }>(handler, 'GET', '/customers', asB)).records, []);
  assert.equal(await ok(handler, 'GET', '/deals/count', asB), 0);
  assert.equal(await ok(handler, 'GET', `/records/customers/${customer.id}`, asB), null);
  assert.deepEqual(await ok(handler, 'POST', '/records/deals/many', { ...asB, body: { ids: [deal.id] } }), [null]);
  await problem(handler, 'GET', `/customers/${customer.id}/360`, { status: 404, code: 'CRM_NOT_FOUND' }, asB);
  await problem(handler, 'GET', `/deals/${deal.id}/history`, { status: 404, code: 'CRM_NOT_FOUND' }, asB);
  const backupB = await ok<{ collections: Record<string, unknown[]> }>(handler, 'GET', '/backup', asB);
  assert.ok(!JSON.stringify(backupB).includes(customer.id), 'B’s snapshot holds nothing of A');
  // Writes: B cannot change, move or delete A's records, nor point at them.
  await problem(
    handler,
    'PATCH',
    `/customers/${customer.id}`,
    { status: 404, code: 'CRM_NOT_FOUND' },
    {
      ...asB,
      body: { name: 'Taken' },
      headers: { 'if-match': '"1"' },
    },
  );
  await problem(
    handler,
    'POST',
    `/deals/${deal.id}/move`,
    { status: 404, code: 'CRM_NOT_FOUND' },
    {
      ...asB,
      body: { stageId: 'proposal' },
      headers: { 'if-match': '*' },
    },
  );
  await problem(
    handler,
    'DELETE',
    `/deals/${deal.id}`,
    { status: 404, code: 'CRM_NOT_FOUND' },
    {
      ...asB,
      headers: { 'if-match': '*' },
    },
  );
  const pointing = await call(handler, 'POST', '/deals', { ...asB, body: { ...DEAL, customerId: customer.id } });
  assert.equal(pointing.status, 400, 'a reference into another tenant is no such customer');
  // Idempotency keys are per tenant: the same key and actor in B runs anew.
  const keyed = { headers: { 'idempotency-key': 'same-key' }, body: { kind: 'person', name: 'Keyed' } };
  const inA = await ok<Row>(handler, 'POST', '/customers', { ...asA, ...keyed });
  const inB = await ok<Row>(handler, 'POST', '/customers', { ...asB, ...keyed });
  assert.notEqual(inA.id, inB.id);
  // Changes: B's stream carries B's own writes up to its keyed customer, and none of A's.
  const ofA = [customer.id, deal.id, inA.id];
  for (;;) {
    const event = await streamB.events.until((candidate) => candidate.event === 'change', 'B’s changes');
    assert.ok(!changesOf(event).some((change) => ofA.includes(change.id)), 'nothing of A reaches B');
    if (changesOf(event).some((change) => change.id === inB.id)) break;
  }
  assert.equal((await ok<Row>(handler, 'GET', `/customers/${customer.id}`, asA)).name, 'Of Acme', 'A is intact');

  assert.deepEqual(opened.sort(), ['acme', 'globex'], 'each tenant opened once');
  streamB.abort.abort();
  await handler.close();
  assert.deepEqual(closed.sort(), ['acme', 'globex'], 'close() closes the storages it opened');
});

test('every route of the table, as tenant A’s admin naming tenant B’s records, leaks and changes nothing of B', async (t) => {
  const { handler, storages } = tenantHandler();
  t.after(() => handler.close());
  const asA = { tenant: 'acme' };
  const asB = { tenant: 'globex' };
  const seeded = await seedTenant(handler, asB);
  const idsOfB = Object.values(seeded).filter((id) => !id.startsWith('globex-'));
  const exportOf = async (tenant: string) => JSON.stringify(await storages.get(tenant)!.exportSnapshot());
  const before = await exportOf('globex');
  // A listens all along; B's stream hands out a position A then tries to resume from.
  await ok(handler, 'GET', '/customers/count', asA);
  const streamA = await openChanges(handler, ADMIN, asA);
  const streamB = await openChanges(handler, ADMIN, asB);
  const marked = await ok<Row>(handler, 'POST', '/customers', {
    ...asB,
    body: { kind: 'person', name: `${MARKER} 2` },
  });
  const positionB = (await streamB.events.until((event) => event.event === 'change', 'B’s change')).id!;
  await ok(handler, 'DELETE', `/customers/${marked.id}`, { ...asB, headers: { 'if-match': '*' } });
  await ok(handler, 'POST', '/settled', asB);
  const settledB = await exportOf('globex');

  const tried: string[] = [];
  /** B's ids A wrote into its own records (a quota's id is its user and month; a filter may name any id). */
  const storedByA = new Set<string>();
  for (const route of ROUTES) {
    const sample = sampleRequest(route, seeded);
    const answer = await call(handler, route.verb, sample.path, { ...asA, ...sample.options });
    const what = `${route.verb} ${route.path} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
    tried.push(`${route.verb} ${route.path}`);
    assert.ok(answer.status < 500, what);
    const text = JSON.stringify(answer.body);
    assert.ok(!text.includes(MARKER), `B’s data in ${what}`);
    for (const value of SEEDED_ONLY) assert.ok(!text.includes(value), `B’s personal data in ${what}`);
    // B's ids may come back only where A sent them, or where A stored them itself (as plain strings).
    const ownA = await exportOf('acme');
    for (const id of idsOfB) if (ownA.includes(id)) storedByA.add(id);
    for (const id of idsOfB) {
      assert.ok(!text.includes(id) || sample.text.includes(id) || ownA.includes(id), `B’s id ${id} in ${what}`);
    }
    assert.equal(await exportOf('globex'), settledB, `B changed by ${route.verb} ${route.path}`);
  }
  assert.equal(tried.length, ROUTES.length, 'every route was tried');

  // Subscriptions: A resuming from B's position gets a reset, never B's batches; A's stream carried nothing of B.
  const resumed = await openChanges(handler, ADMIN, { ...asA, lastEventId: positionB });
  const first = await resumed.events.next();
  assert.equal(first?.event, 'reset');
  const lastOfA = await ok<Row>(handler, 'POST', '/customers', { ...asA, body: { kind: 'person', name: 'Last' } });
  await ok(handler, 'POST', '/customers', { ...asB, body: { kind: 'person', name: `${MARKER} 3` } });
  for (const stream of [streamA, resumed]) {
    for (;;) {
      const event = await stream.events.until((candidate) => candidate.event === 'change', 'A’s changes');
      for (const change of changesOf(event)) {
        const ofB = (idsOfB.includes(change.id) && !storedByA.has(change.id)) || change.id === marked.id;
        assert.ok(!ofB, `B’s ${change.collection} ${change.id} in A’s stream`);
      }
      if (changesOf(event).some((change) => change.id === lastOfA.id)) break;
    }
    stream.abort.abort();
  }
  streamB.abort.abort();
  assert.notEqual(before, settledB, 'B’s own writes did change B');
});

test('authenticate must name a tenant when storages are opened per tenant', async () => {
  const { handler, opened } = tenantHandler();
  await problem(handler, 'GET', '/customers', { status: 500, code: 'CRM_INTERNAL' });
  assert.deepEqual(opened, [], 'no storage was opened for a request without a tenant');
  await handler.close();
});

test('a tenant whose storage fails to open is tried again on the next request', async () => {
  let attempts = 0;
  const handler = createCrmHandler({
    authenticate: testAuthenticate,
    onError: () => undefined,
    openStorage: async () => {
      if (++attempts === 1) throw new Error('database restarting');
      return createMemoryStorage();
    },
  });
  await problem(handler, 'GET', '/customers/count', { status: 500, code: 'CRM_INTERNAL' }, { tenant: 'acme' });
  assert.equal(await ok(handler, 'GET', '/customers/count', { tenant: 'acme' }), 0);
  assert.equal(attempts, 2);
  await handler.close();
});
