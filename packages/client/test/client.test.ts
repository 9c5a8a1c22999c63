import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CrmErrorCode,
  DEFAULT_LIFECYCLE,
  PermissionError,
  StorageError,
  StorageUnavailableError,
  ValidationError,
  type Customer,
  type Segment,
} from '@crmkit/core';
import { createRemoteCrm, type RemoteCrmOptions } from '@crmkit/client';
import { BASE, json, stubServer, until } from './stub.js';

// Options, the session, the headers every request carries, and the methods a remote CRM builds or refuses itself.

test('options are parsed strictly', async () => {
  const { fetch } = stubServer();
  const refused: [Record<string, unknown>, (string | number)[]][] = [
    [{ url: 'ftp://crm.example.test' }, ['url']],
    [{ url: `${BASE}?tenant=1` }, ['url']],
    [{ url: 'not a url' }, ['url']],
    [{ url: BASE, fetch: 'fetch' }, ['fetch']],
    [{ url: BASE, getToken: 'token' }, ['getToken']],
    [{ url: BASE, headers: { 'If-Match': '*' } }, ['headers', 'If-Match']],
    [{ url: BASE, headers: { 'X-Tenant': 1 } }, ['headers', 'X-Tenant']],
    [{ url: BASE, headers: { 'X-Bad': 'a\r\nb' } }, ['headers', 'X-Bad']],
    [{ url: BASE, headers: { Authorization: 'Bearer x' }, getToken: () => 't' }, ['headers', 'Authorization']],
    [{ url: BASE, reconnect: { minDelay: 10, maxDelay: 5 } }, ['reconnect', 'maxDelay']],
    [{ url: BASE, reconnect: { idleTimeout: 0 } }, ['reconnect', 'idleTimeout']],
    [{ url: BASE, reconnect: { idleTimeout: 1.5 } }, ['reconnect', 'idleTimeout']],
    [{ url: BASE, retries: 3 }, ['retries']],
  ];
  for (const [options, path] of refused) {
    await assert.rejects(createRemoteCrm({ fetch, ...options } as unknown as RemoteCrmOptions), (error: unknown) => {
      assert.ok(error instanceof ValidationError, JSON.stringify(options));
      assert.deepEqual(error.issues[0]?.path, path, JSON.stringify(options));
      return true;
    });
  }
});

test('the session becomes the CRM’s properties, the actor frozen', async () => {
  const { fetch } = stubServer();
  const crm = await createRemoteCrm({ url: BASE, fetch });
  assert.deepEqual(crm.actor, { id: 'u-admin', role: 'admin' });
  assert.ok(Object.isFrozen(crm.actor));
  assert.equal(crm.timeZone, 'Asia/Shanghai');
  assert.equal(crm.currency, 'CNY');
  assert.equal(crm.defaultRegion, 'CN');
  assert.deepEqual(crm.exchangeRates, { asOf: '2026-01-01', rates: { USD: 7.1 } });
  assert.deepEqual(crm.lostReasons, ['price', 'timing']);
  assert.equal(crm.customers.lifecycle, DEFAULT_LIFECYCLE);
});

test('a session without the optional settings, and one that is not a session', async () => {
  const minimal = { actor: { id: 'u1' }, timeZone: 'UTC', currency: 'EUR', lostReasons: ['price'], later: 1 };
  const crm = await createRemoteCrm({ url: BASE, fetch: stubServer(undefined, minimal).fetch });
  assert.deepEqual(crm.actor, { id: 'u1', role: 'rep' });
  assert.equal(crm.defaultRegion, undefined);
  assert.equal('defaultRegion' in crm, false);
  assert.equal(crm.exchangeRates, undefined);
  await assert.rejects(
    createRemoteCrm({ url: BASE, fetch: stubServer(undefined, { actor: 'me' }).fetch }),
    (error: unknown) => error instanceof StorageError && error.code === CrmErrorCode.storage,
  );
  // The change stream's position goes back as a header: anything but one line of text is not a session.
  for (const changes of [{ position: 'a\r\nb' }, { position: 7 }, { heartbeatMs: 0 }]) {
    await assert.rejects(
      createRemoteCrm({ url: BASE, fetch: stubServer(undefined, { ...minimal, changes }).fetch }),
      StorageError,
      JSON.stringify(changes),
    );
  }
});

test('a server that cannot be reached, or refuses the user, fails createRemoteCrm with a typed error', async () => {
  await assert.rejects(
    createRemoteCrm({
      url: BASE,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    }),
    StorageUnavailableError,
  );
  await assert.rejects(
    createRemoteCrm({
      url: BASE,
      fetch: async () => json(401, { code: 'CRM_UNAUTHENTICATED', status: 401 }, 'application/problem+json'),
    }),
    PermissionError,
  );
});

test('every request carries the token, asked each time, and the extra headers', async () => {
  let issued = 0;
  const server = stubServer();
  const seen: Headers[] = [];
  const fetch: RemoteCrmOptions['fetch'] = async (input, init) => {
    seen.push(new Headers(init.headers));
    return server.fetch(input, init);
  };
  const crm = await createRemoteCrm({
    url: BASE,
    fetch,
    getToken: async () => `token-${++issued}`,
    headers: { 'X-Tenant': 'acme' },
  });
  await crm.deals.count();
  await crm.customers.create({ kind: 'person', name: 'A' } as never);
  assert.deepEqual(
    seen.map((headers) => headers.get('authorization')),
    ['Bearer token-1', 'Bearer token-2', 'Bearer token-3'],
  );
  assert.ok(seen.every((headers) => headers.get('x-tenant') === 'acme'));

  const syncServer = stubServer();
  const anonymous = await createRemoteCrm({ url: BASE, fetch: syncServer.fetch, getToken: () => undefined });
  await anonymous.deals.count();
  assert.equal(syncServer.requests[0]!.headers.get('authorization'), null);
  const sync = await createRemoteCrm({ url: BASE, fetch: syncServer.fetch, getToken: () => 'abc' });
  await sync.deals.count();
  assert.equal(syncServer.requests[1]!.headers.get('authorization'), 'Bearer abc');
});

test('a path as url is read against the page’s address in a browser', async () => {
  const server = stubServer();
  const global = globalThis as { location?: unknown };
  global.location = { href: 'https://crm.example.test/app/board' };
  try {
    const crm = await createRemoteCrm({ url: '/api/crm', fetch: server.fetch });
    await crm.deals.count();
    assert.equal(server.requests[0]!.url.href, `${BASE}/deals/count`);
  } finally {
    delete global.location;
  }
});

test('as() is refused, reminders() throws, on() subscribes to nothing', async () => {
  const crm = await createRemoteCrm({ url: BASE, fetch: stubServer().fetch });
  await assert.rejects(crm.as({ id: 'u2', role: 'admin' }), (error: unknown) => {
    assert.ok(error instanceof PermissionError);
    assert.equal(error.action, 'crm.as');
    return true;
  });
  assert.throws(() => crm.reminders(), /server/);
  const unsubscribe = crm.on('deal.created', () => assert.fail('no domain events over HTTP'));
  assert.equal(typeof unsubscribe, 'function');
  unsubscribe();
});

test('settled, leads.whenIdle and aggregates.settled ask the server to settle', async () => {
  const server = stubServer(() => json(204, undefined));
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  await crm.settled();
  await crm.leads.whenIdle();
  await crm.aggregates.settled();
  assert.deepEqual(
    server.requests.map((request) => `${request.method} ${request.url.pathname}`),
    Array(3).fill('POST /api/crm/settled'),
  );
  crm.leads.dispose();
  crm.aggregates.dispose();
});

test('segmentsOf decides membership here, with core’s segment compiler', async () => {
  const crm = await createRemoteCrm({ url: BASE, fetch: stubServer().fetch });
  const segment = (id: string, filter: unknown, entity = 'customer') =>
    ({ id, version: 1, name: id, entity, filter }) as unknown as Segment;
  const customer = {
    id: 'c1',
    kind: 'organisation',
    name: 'Yunfan',
    tags: ['vip'],
    country: 'CN',
  } as unknown as Customer;
  const vip = segment('vip', { field: 'tags', op: 'contains', value: 'vip' });
  const german = segment('de', { field: 'country', op: 'eq', value: 'DE' });
  const leads = segment('leads', { field: 'tags', op: 'contains', value: 'vip' }, 'lead');
  assert.deepEqual(
    crm.segments.segmentsOf(customer, undefined, [vip, german, leads]).map((found) => found.id),
    ['vip'],
  );
});

test('dispose waits for the requests under way', async () => {
  let release!: () => void;
  const server = stubServer(() => new Promise<Response>((resolve) => (release = () => resolve(json(200, 3)))));
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  const counting = crm.deals.count();
  await until(() => server.requests.length === 1, 'the count was sent');
  let disposed = false;
  const disposing = crm.dispose().then(() => (disposed = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(disposed, false);
  release();
  await disposing;
  assert.equal(await counting, 3);
});

test('the session is read once, from GET /session', async () => {
  const seen: string[] = [];
  const server = stubServer();
  await createRemoteCrm({
    url: BASE,
    fetch: async (input, init) => {
      seen.push(`${init.method} ${new URL(input).pathname}`);
      return server.fetch(input, init);
    },
  });
  assert.deepEqual(seen, ['GET /api/crm/session']);
});
