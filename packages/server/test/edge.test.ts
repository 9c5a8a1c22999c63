/**
 * Security at the edge: session cookies with a CSRF origin check, the per-actor rate limit, and body limits on every
 * route.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { StorageError, createMemoryStorage } from '@crmkit/core';
import { ROUTES } from '@crmkit/client';
import {
  HttpError,
  ServerErrorCode,
  createCrmHandler,
  sessionCookieAuthenticator,
  type Authenticated,
} from '@crmkit/server';
import { RateLimiter } from '../src/rate-limit.js';
import { ADMIN, call, credentials, memoryHandler, ok, problem, REP_A, testAuthenticate } from './harness.js';

const APP = 'https://crm.example.com';
const COOKIE = '__Host-crm_session';

/** A handler authenticating by session cookie; `lookups` lists the session ids looked up. */
function cookieHandler() {
  const sessions = new Map<string, Authenticated>([
    ['s-admin-0123456789', { actor: ADMIN }],
    ['s-rep-a-0123456789', { actor: REP_A }],
  ]);
  const lookups: string[] = [];
  const { handler, storage } = memoryHandler({
    authenticate: sessionCookieAuthenticator({
      cookieName: COOKIE,
      allowedOrigins: [APP],
      lookup: async (sessionId) => {
        lookups.push(sessionId);
        return sessions.get(sessionId);
      },
    }),
  });
  return { handler, storage, lookups };
}

/** Calls with a cookie header (no `Authorization`). */
const withCookie = (cookie: string | undefined, headers: Record<string, string> = {}) => ({
  actor: null,
  headers: { ...(cookie === undefined ? {} : { cookie }), ...headers },
});

test('sessionCookieAuthenticator: the session cookie names the actor; no, unknown, doubled or malformed cookies are 401s', async () => {
  const { handler, lookups } = cookieHandler();
  const session = await ok(handler, 'GET', '/session', withCookie(`theme=dark; ${COOKIE}=s-rep-a-0123456789`));
  assert.deepEqual(session['actor'], REP_A);
  assert.deepEqual(lookups, ['s-rep-a-0123456789']);
  for (const cookie of [
    undefined,
    'theme=dark',
    `${COOKIE}=s-unknown-000000`,
    `${COOKIE}=`,
    `${COOKIE}=has space`,
    `${COOKIE.toLowerCase()}=s-rep-a-0123456789`,
  ]) {
    await problem(handler, 'GET', '/customers', { status: 401, code: 'CRM_UNAUTHENTICATED' }, withCookie(cookie));
  }
  lookups.length = 0;
  // A second cookie of the name (planted by a sibling subdomain or for a narrower path): refused, not guessed.
  await problem(
    handler,
    'GET',
    '/customers',
    { status: 401, code: 'CRM_UNAUTHENTICATED' },
    withCookie(`${COOKIE}=s-admin-0123456789; ${COOKIE}=s-rep-a-0123456789`),
  );
  assert.deepEqual(lookups, [], 'not looked up');
  // Quoted values are read without their quotes.
  assert.equal(
    (await ok(handler, 'GET', '/session', withCookie(`${COOKIE}="s-admin-0123456789"`)))['actor'] !== undefined,
    true,
  );
  await handler.close();
});

test('sessionCookieAuthenticator: writes need an allowed Origin (or Referer); reads do not', async () => {
  const { handler, lookups } = cookieHandler();
  const cookie = `${COOKIE}=s-admin-0123456789`;
  const create = (headers: Record<string, string>) =>
    call(handler, 'POST', '/customers', { ...withCookie(cookie, headers), body: { kind: 'person', name: 'Li' } });
  assert.equal((await create({ origin: APP })).status, 201);
  assert.equal((await create({ referer: `${APP}/customers?page=2` })).status, 201, 'Referer when no Origin');
  lookups.length = 0;
  const forged: Record<string, string>[] = [
    { origin: 'https://evil.example' },
    { origin: 'null' },
    {},
    { referer: 'https://evil.example/crm.example.com' },
    { origin: 'https://evil.example', referer: `${APP}/` },
    { origin: `${APP}.evil.example` },
    { origin: 'http://crm.example.com' },
  ];
  for (const headers of forged) {
    const refused = await create(headers);
    assert.equal(refused.status, 403, JSON.stringify(headers));
    assert.equal((refused.body as { code: string }).code, 'CRM_ORIGIN_NOT_ALLOWED');
  }
  assert.deepEqual(lookups, [], 'a forged write never reaches the session store');
  const customer = (await ok<{ records: { id: string }[] }>(handler, 'GET', '/customers', withCookie(cookie)))
    .records[0]!;
  for (const verb of ['PATCH', 'DELETE']) {
    const refused = await call(handler, verb, `/customers/${customer.id}`, {
      ...withCookie(cookie, { origin: 'https://evil.example', 'if-match': '*' }),
      ...(verb === 'PATCH' ? { body: { name: 'Taken' } } : {}),
    });
    assert.equal(refused.status, 403, verb);
  }
  // Reads need no origin: a page of another site cannot read the answer anyway (no CORS headers).
  const read = await call(handler, 'GET', '/customers/count', withCookie(cookie, { origin: 'https://evil.example' }));
  assert.equal(read.status, 200);
  assert.equal(read.headers.get('access-control-allow-origin'), null);
  // Unless the browser marks the read as coming from another site (Fetch Metadata): then its origin must be allowed.
  const crossSite: Record<string, string>[] = [
    { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    { 'sec-fetch-site': 'cross-site' },
  ];
  for (const headers of crossSite) {
    const refused = await call(handler, 'GET', '/customers/count', withCookie(cookie, headers));
    assert.equal(refused.status, 403, JSON.stringify(headers));
  }
  const allowedReads: Record<string, string>[] = [
    { 'sec-fetch-site': 'cross-site', origin: APP },
    { 'sec-fetch-site': 'same-origin' },
    { 'sec-fetch-site': 'none' },
  ];
  for (const headers of allowedReads) {
    assert.equal((await call(handler, 'GET', '/customers/count', withCookie(cookie, headers))).status, 200);
  }
  assert.equal(await ok(handler, 'GET', '/customers/count', withCookie(cookie)), 2, 'only the allowed writes landed');
  assert.equal(
    (await ok<{ name: string }>(handler, 'GET', `/customers/${customer.id}`, withCookie(cookie))).name,
    'Li',
  );
  await handler.close();
});

test('sessionCookieAuthenticator: options are checked; a failing session store is a generic 500', async () => {
  const lookup = async () => undefined;
  const pathOf = (options: unknown) => {
    try {
      sessionCookieAuthenticator(options as never);
    } catch (error) {
      return (error as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path.join('.'));
    }
    assert.fail('expected a ValidationError');
  };
  assert.deepEqual(pathOf({ cookieName: 'sid', lookup, allowedOrigins: ['*'] }), ['allowedOrigins.0']);
  assert.deepEqual(pathOf({ cookieName: 'sid', lookup, allowedOrigins: [] }), ['allowedOrigins']);
  assert.deepEqual(pathOf({ cookieName: 'sid', lookup, allowedOrigins: [`${APP}/app`] }), ['allowedOrigins.0']);
  assert.deepEqual(pathOf({ cookieName: 'a b', lookup, allowedOrigins: [APP] }), ['cookieName']);
  assert.deepEqual(pathOf({ cookieName: 'sid', allowedOrigins: [APP] }), ['lookup']);
  assert.deepEqual(pathOf({ cookieName: 'sid', lookup, allowedOrigins: [APP], sameSite: 'lax' }), ['sameSite']);

  const reported: unknown[] = [];
  const handler = createCrmHandler({
    storage: createMemoryStorage(),
    onError: (error) => reported.push(error),
    authenticate: sessionCookieAuthenticator({
      cookieName: 'sid',
      allowedOrigins: [APP],
      lookup: async () => {
        throw new Error('session store at 10.0.0.9 unreachable');
      },
    }),
  });
  const failed = await problem(
    handler,
    'GET',
    '/customers',
    { status: 500, code: 'CRM_INTERNAL' },
    withCookie('sid=abc'),
  );
  assert.ok(!JSON.stringify(failed).includes('10.0.0.9'));
  assert.equal(reported.length, 1);
  await handler.close();
});

test('the per-actor rate limit: a token bucket per tenant and actor, 429 with Retry-After, off by default', async () => {
  const clock = { now: 1_000_000 };
  const handler = createCrmHandler({
    openStorage: async () => createMemoryStorage(),
    authenticate: testAuthenticate,
    rateLimit: { perActor: { max: 3, windowMs: 3_000 } },
    now: () => clock.now,
  });
  const acme = { tenant: 'acme' };
  assert.equal(await ok(handler, 'GET', '/customers/count', acme), 0);
  await ok(handler, 'GET', '/session', acme);
  await ok(handler, 'POST', '/customers', { ...acme, body: { kind: 'person', name: 'Li' } });
  const limited = await problem(handler, 'GET', '/customers/count', { status: 429, code: 'CRM_RATE_LIMITED' }, acme);
  assert.equal(typeof limited['detail'], 'string');
  assert.equal((await call(handler, 'GET', '/customers/count', acme)).headers.get('retry-after'), '1');
  await problem(handler, 'GET', '/changes', { status: 429, code: 'CRM_RATE_LIMITED' }, acme);
  // Another actor, and the same actor id in another tenant, have their own buckets.
  assert.equal(await ok(handler, 'GET', '/customers/count', { ...acme, actor: REP_A }), 0);
  assert.equal(await ok(handler, 'GET', '/customers/count', { tenant: 'globex' }), 0);
  // Unauthenticated requests and /health are not an actor's.
  await problem(handler, 'GET', '/customers', { status: 401, code: 'CRM_UNAUTHENTICATED' }, { actor: null });
  assert.equal((await call(handler, 'GET', '/health', { ...acme })).status, 200);
  clock.now += 999;
  await problem(handler, 'GET', '/customers/count', { status: 429, code: 'CRM_RATE_LIMITED' }, acme);
  clock.now += 1;
  assert.equal(await ok(handler, 'GET', '/customers/count', acme), 1, 'a token a second');
  await problem(handler, 'GET', '/customers/count', { status: 429, code: 'CRM_RATE_LIMITED' }, acme);
  clock.now += 60_000;
  for (let index = 0; index < 3; index++) await ok(handler, 'GET', '/customers/count', acme);
  await problem(handler, 'GET', '/customers/count', { status: 429, code: 'CRM_RATE_LIMITED' }, acme);
  await handler.close();

  const { handler: unlimited } = memoryHandler({ now: () => 0 });
  for (let index = 0; index < 200; index++) assert.equal(await ok(unlimited, 'GET', '/customers/count'), 0);
  await unlimited.close();
  assert.throws(
    () =>
      createCrmHandler({
        storage: createMemoryStorage(),
        authenticate: testAuthenticate,
        rateLimit: { perActor: { max: 10, windowMs: 0 } },
      }),
    (error: { issues: { path: unknown[] }[] }) => error.issues[0]!.path.join('.') === 'rateLimit.perActor.windowMs',
  );
});

test('every route with a body is bounded: 413 over the limit, streamed or declared, and nothing is written', async () => {
  const { handler, storage } = memoryHandler({ limits: { bodyBytes: 256, backupBytes: 512 } });
  const before = JSON.stringify(await storage.exportSnapshot());
  const big = JSON.stringify({ name: 'x'.repeat(2_000) });
  const routes = ROUTES.filter((route) => route.verb !== 'GET');
  assert.ok(routes.length > 50);
  for (const route of routes) {
    const path = route.path.replace(/\{[^}]+\}/g, 'x1');
    // A body as a stream, without Content-Length: the limit holds while it is read.
    const streamed = new Request(`http://crm.test${path}`, {
      method: route.verb,
      headers: { authorization: `Test ${ADMIN.id} admin`, 'content-type': 'application/json', 'if-match': '*' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    const answer = await handler(streamed);
    assert.equal(answer.status, 413, `${route.verb} ${route.path}`);
    assert.equal(((await answer.json()) as { code: string }).code, 'CRM_PAYLOAD_TOO_LARGE');
  }
  // A Content-Length that understates the body changes nothing; one over the limit is refused before reading.
  const lying = await call(handler, 'POST', '/customers', { raw: big, headers: { 'content-length': '10' } });
  assert.equal(lying.status, 413);
  const declared = await call(handler, 'POST', '/customers', { raw: '{}', headers: { 'content-length': '100000' } });
  assert.equal(declared.status, 413);
  assert.equal(JSON.stringify(await storage.exportSnapshot()), before, 'nothing was written');
  // Under the limit, the same routes read their bodies (here: a 400 or 404 for the made-up id, never a 413).
  const small = await call(handler, 'POST', '/deals/x1/move', {
    body: { stageId: 'won' },
    headers: { 'if-match': '*' },
  });
  assert.equal(small.status, 404);
  await handler.close();
});

test('RateLimiter: buckets refill evenly, full ones are swept, and the number of keys is bounded', () => {
  const clock = { now: 0 };
  const limiter = new RateLimiter({ max: 2, windowMs: 1_000, now: () => clock.now, maxKeys: 3 });
  assert.equal(limiter.take('a'), undefined);
  assert.equal(limiter.take('a'), undefined);
  assert.equal(limiter.take('a'), 500, 'one token every 500 ms');
  clock.now = 250;
  assert.equal(limiter.take('a'), 250, 'a refusal spends nothing');
  clock.now = 500;
  assert.equal(limiter.take('a'), undefined);
  clock.now = 400; // a clock going back earns nothing
  assert.equal(limiter.take('a'), 500);
  for (const key of ['b', 'c', 'd']) assert.equal(limiter.take(key), undefined);
  assert.equal(limiter.size, 3, 'the least recently used key went');
  clock.now = 10_000;
  assert.equal(limiter.take('e'), undefined);
  assert.equal(limiter.size, 1, 'buckets full again were swept');
  limiter.consume('e', 'slow down');
  assert.throws(
    () => limiter.consume('e', 'slow down'),
    (error: { status: number; code: string; headers: Record<string, string> }) =>
      error.status === 429 && error.code === 'CRM_RATE_LIMITED' && error.headers['retry-after'] === '1',
  );
});

test('a 401 says how to authenticate; a refusal authenticate throws (4xx) is answered as it is, not as a 500', async () => {
  const refusals: (HttpError | Error)[] = [
    new HttpError(429, ServerErrorCode.rateLimited, 'Too many sign-ins', { headers: { 'retry-after': '30' } }),
    new HttpError(401, ServerErrorCode.unauthenticated, 'Expired'),
    new HttpError(401, ServerErrorCode.unauthenticated, 'Expired', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    }),
    new Error('session store down'),
  ];
  let next = 0;
  const reported: unknown[] = [];
  const { handler } = memoryHandler({
    authenticate: async () => {
      const refusal = refusals[next++];
      if (refusal) throw refusal;
      return undefined;
    },
    onError: (error) => void reported.push(error),
  });
  const limited = await call(handler, 'GET', '/customers', { actor: null });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '30');
  const expired = await call(handler, 'GET', '/customers', { actor: null });
  assert.equal(expired.status, 401);
  assert.equal(expired.headers.get('www-authenticate'), 'Bearer realm="crmkit"');
  const own = await call(handler, 'GET', '/customers', { actor: null });
  assert.equal(own.headers.get('www-authenticate'), 'Bearer error="invalid_token"', "the host's challenge is kept");
  assert.equal((await call(handler, 'GET', '/customers', { actor: null })).status, 500);
  assert.equal(reported.length, 1, 'only the failure is reported');
  const nobody = await call(handler, 'GET', '/customers', { actor: null });
  assert.equal(nobody.status, 401);
  assert.equal(nobody.headers.get('www-authenticate'), 'Bearer realm="crmkit"');
  await handler.close();
});

test('the default onError logs a failure without personal data: no query, no foreign message, no row', async () => {
  const row = new Error(
    'null value in column "doc" violates not-null constraint: Failing row contains (ann@example.com)',
  );
  Object.assign(row, { code: '23502', detail: 'Failing row contains (ann@example.com, +86 138 0013 8000)' });
  const { handler } = memoryHandler({
    authenticate: async () => {
      throw new StorageError('PostgreSQL failed (SQLSTATE 23502)', { cause: row });
    },
  });
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    const answer = await call(handler, 'GET', '/customers', {
      actor: null,
      query: { field: 'email', op: 'eq', value: 'ann@example.com' },
    });
    assert.equal(answer.status, 500);
  } finally {
    console.error = original;
  }
  assert.equal(logged.length, 1);
  // As the console would print it, causes and their properties included.
  const text = logged[0]!.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' ');
  assert.match(text, /unexpected failure \(GET \/customers\)/);
  assert.match(text, /StorageError \[CRM_STORAGE\]: PostgreSQL failed \(SQLSTATE 23502\)/);
  assert.match(text, /caused by Error \[23502\]/);
  assert.match(text, /\s+at /, 'with its frames');
  assert.doesNotMatch(text, /ann@example|0013|Failing row|\?q=/);
  await handler.close();
});

test('the per-address rate limit counts before authenticate, by address (IPv6 by /64), bad credentials included', async () => {
  const clock = { now: 1_000_000 };
  let authenticated = 0;
  const handler = createCrmHandler({
    storage: createMemoryStorage(),
    authenticate: async (request) => {
      authenticated++;
      return testAuthenticate(request);
    },
    rateLimit: {
      perAddress: { max: 2, windowMs: 2_000 },
      clientAddress: (request) => request.headers.get('x-test-address') ?? undefined,
    },
    now: () => clock.now,
  });
  const from = (address: string, actor: typeof ADMIN | null = ADMIN) => ({
    actor,
    headers: { 'x-test-address': address },
  });
  await ok(handler, 'GET', '/customers/count', from('203.0.113.7'));
  await problem(handler, 'GET', '/customers', { status: 401, code: 'CRM_UNAUTHENTICATED' }, from('203.0.113.7', null));
  authenticated = 0;
  const limited = await call(handler, 'GET', '/customers/count', from('203.0.113.7'));
  assert.equal(limited.status, 429);
  assert.equal((limited.body as { code: string }).code, 'CRM_RATE_LIMITED');
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.equal(authenticated, 0, 'refused before authenticate ran');
  // Another address has its own bucket; two addresses of one IPv6 /64 share one.
  await ok(handler, 'GET', '/customers/count', from('198.51.100.1'));
  await ok(handler, 'GET', '/customers/count', from('2001:db8:1:2::1'));
  await ok(handler, 'GET', '/customers/count', from('2001:db8:1:2:ffff::9'));
  assert.equal((await call(handler, 'GET', '/customers/count', from('2001:db8:1:2::5'))).status, 429);
  // Health and the document are not counted.
  for (let i = 0; i < 3; i++) assert.equal((await call(handler, 'GET', '/health', from('203.0.113.7'))).status, 200);
  // Tokens come back over time.
  clock.now += 1_000;
  await ok(handler, 'GET', '/customers/count', from('203.0.113.7'));
  await handler.close();
});

test('a tenant unused for limits.idleTenantMs is closed when a later request comes, unless a stream holds it', async () => {
  const clock = { now: 1_000_000 };
  const opened: string[] = [];
  const closed: string[] = [];
  const handler = createCrmHandler({
    openStorage: async (tenant) => {
      opened.push(tenant);
      const storage = createMemoryStorage();
      return { ...storage, close: async () => void closed.push(tenant) };
    },
    authenticate: testAuthenticate,
    limits: { idleTenantMs: 60_000 },
    now: () => clock.now,
  });
  const count = (tenant: string) => ok(handler, 'GET', '/customers/count', { tenant });
  await count('acme');
  const headers = new Headers({ authorization: credentials(ADMIN, 'globex') });
  const abort = new AbortController();
  const stream = await handler(new Request('http://crm.test/changes', { headers, signal: abort.signal }));
  assert.equal(stream.status, 200);
  clock.now += 61_000;
  await count('initech');
  assert.deepEqual(closed, ['acme'], 'the idle tenant is closed; the one a stream holds is not');
  await count('acme');
  assert.deepEqual(opened, ['acme', 'globex', 'initech', 'acme'], 'opened again on its next request');
  abort.abort();
  await stream.body?.cancel().catch(() => undefined);
  clock.now += 61_000;
  await count('initech');
  // The stream ended: its tenant goes too, as does acme, unused again since it was reopened.
  assert.deepEqual(closed.sort(), ['acme', 'acme', 'globex']);
  await handler.close();
  assert.deepEqual(closed.sort(), ['acme', 'acme', 'globex', 'initech']);
  assert.throws(
    () =>
      createCrmHandler({
        openStorage: async () => createMemoryStorage(),
        authenticate: testAuthenticate,
        limits: { idleTenantMs: 1000 },
      }),
    { code: 'CRM_VALIDATION' },
  );
});
