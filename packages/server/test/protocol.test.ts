/** The wire format's rules: write guards and ETags, idempotency, strict input, and failures as problem documents. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStorage, type CrmActor, type StoragePort } from '@crmkit/core';
import { ROUTES } from '@crmkit/client';
import { createCrmHandler } from '@crmkit/server';
import { OPTIONAL_FIELDS } from '../src/arguments.js';
import { ADMIN, call, DEAL, memoryHandler, ok, problem, REP_A, REP_B, testAuthenticate, VIEWER } from './harness.js';

type Row = Record<string, unknown> & { id: string; version: number };

test('If-Match guards writes: a stale version is 412 with the conflict, and the first write stays', async () => {
  const { handler } = memoryHandler();
  const customer = await ok<Row>(handler, 'POST', '/customers', { body: { kind: 'person', name: 'First' } });
  const first = await ok<Row>(handler, 'PATCH', `/customers/${customer.id}`, {
    body: { name: 'Changed by A' },
    headers: { 'if-match': '"1"' },
  });
  assert.equal(first.version, 2);
  const stale = await problem(
    handler,
    'PATCH',
    `/customers/${customer.id}`,
    { status: 412, code: 'CRM_CONFLICT' },
    {
      body: { name: 'Changed by B' },
      headers: { 'if-match': '"1"' },
    },
  );
  assert.deepEqual(
    {
      collection: stale['collection'],
      id: stale['id'],
      expected: stale['expectedVersion'],
      actual: stale['actualVersion'],
    },
    { collection: 'customers', id: customer.id, expected: 1, actual: 2 },
  );
  assert.equal(stale['type'], 'https://crmkit.dev/problems/conflict');
  const read = await call(handler, 'GET', `/customers/${customer.id}`);
  assert.equal((read.body as Row).name, 'Changed by A', 'no lost update');
  assert.equal(read.headers.get('etag'), '"2"');

  // A version carried in a body (lead conversion) is a 409: the request sent no If-Match.
  const lead = await ok<Row>(handler, 'POST', '/leads', { body: { name: 'Li' } });
  await ok(handler, 'POST', '/settled');
  await problem(
    handler,
    'POST',
    `/leads/${lead.id}/convert`,
    { status: 409, code: 'CRM_CONFLICT' },
    {
      body: { expectedVersion: 99 },
    },
  );
  await handler.close();
});

test('If-None-Match answers 304 while the record is at that version', async () => {
  const { handler } = memoryHandler();
  const customer = await ok<Row>(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Cached' } });
  const fresh = await call(handler, 'GET', `/customers/${customer.id}`, { headers: { 'if-none-match': '"1"' } });
  assert.equal(fresh.status, 304);
  assert.equal(fresh.headers.get('etag'), '"1"');
  assert.equal(fresh.body, '');
  assert.match(fresh.headers.get('cache-control') ?? '', /private/);
  await ok(handler, 'PATCH', `/customers/${customer.id}`, {
    body: { name: 'Changed' },
    headers: { 'if-match': '"1"' },
  });
  const changed = await call(handler, 'GET', `/customers/${customer.id}`, { headers: { 'if-none-match': '"1"' } });
  assert.equal(changed.status, 200);
  assert.equal(changed.headers.get('etag'), '"2"');
  await handler.close();
});

test('a guard must be sent as If-Match, only where a route has one, and well formed', async () => {
  const { handler } = memoryHandler();
  const customer = await ok<Row>(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Guarded' } });
  const missing = await problem(
    handler,
    'PATCH',
    `/customers/${customer.id}`,
    { status: 400, code: 'CRM_VALIDATION' },
    {
      body: { name: 'x' },
    },
  );
  assert.deepEqual((missing['issues'] as { path: unknown[] }[])[0]!.path, ['expectedVersion']);
  const inOptions = await problem(
    handler,
    'POST',
    `/customers/${customer.id}/lifecycle`,
    { status: 400, code: 'CRM_VALIDATION' },
    {
      body: { stage: 'lead', options: { expectedVersion: 1 } },
    },
  );
  assert.deepEqual((inOptions['issues'] as { path: unknown[] }[])[0]!.path, ['options', 'expectedVersion']);
  const unguarded = await problem(
    handler,
    'GET',
    `/customers/${customer.id}/360`,
    { status: 400, code: 'CRM_VALIDATION' },
    {
      headers: { 'if-match': '"1"' },
    },
  );
  assert.deepEqual((unguarded['issues'] as { path: unknown[] }[])[0]!.path, ['If-Match']);
  const malformed = await problem(
    handler,
    'DELETE',
    `/customers/${customer.id}`,
    { status: 400, code: 'CRM_VALIDATION' },
    {
      headers: { 'if-match': 'W/"1"' },
    },
  );
  assert.deepEqual((malformed['issues'] as { path: unknown[] }[])[0]!.path, ['If-Match']);
  assert.equal((await call(handler, 'GET', `/customers/${customer.id}`)).status, 200, 'nothing was removed');
  await handler.close();
});

test('Idempotency-Key replays the first answer; another body with the key is 422', async () => {
  const { handler } = memoryHandler();
  const send = (name: string, key = 'key-1', actor: CrmActor = ADMIN) =>
    call(handler, 'POST', '/customers', { body: { kind: 'person', name }, headers: { 'idempotency-key': key }, actor });
  const first = await send('Once');
  const again = await send('Once');
  assert.equal(first.status, 201);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers.get('etag'), first.headers.get('etag'));
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(first.headers.get('idempotent-replayed'), null);
  await problem(
    handler,
    'POST',
    '/customers',
    { status: 422, code: 'CRM_IDEMPOTENCY_MISMATCH' },
    {
      body: { kind: 'person', name: 'Twice' },
      headers: { 'idempotency-key': 'key-1' },
    },
  );
  // A long request (its fingerprint a hash rather than its text) is replayed, and refused with another body, alike;
  // this one is refused (an unknown key), and a refusal is kept like any answer.
  const sendLong = (tail: string) =>
    call(handler, 'POST', '/customers', {
      body: { kind: 'person', name: 'Long', padding: `${'p'.repeat(2000)}${tail}` },
      headers: { 'idempotency-key': 'key-long' },
    });
  const longFirst = await sendLong('A');
  assert.equal(longFirst.status, 400);
  const longAgain = await sendLong('A');
  assert.equal(longAgain.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(longAgain.body, longFirst.body);
  assert.equal((await sendLong('B')).status, 422);
  // The key is the actor's own: another actor's request with it runs.
  const other = await send('Once', 'key-1', REP_A);
  assert.notEqual((other.body as Row).id, (first.body as Row).id);
  // Retried concurrently, it still runs once.
  const [a, b] = await Promise.all([send('Concurrent', 'key-2'), send('Concurrent', 'key-2')]);
  assert.equal((a.body as Row).id, (b.body as Row).id);
  // A refusal is replayed as well.
  const refused = await send('', 'key-3');
  assert.equal(refused.status, 400);
  assert.deepEqual((await send('', 'key-3')).body, refused.body);
  assert.equal(await ok(handler, 'GET', '/customers/count'), 3);
  await problem(
    handler,
    'POST',
    '/customers',
    { status: 400, code: 'CRM_VALIDATION' },
    {
      body: { kind: 'person', name: 'Bad key' },
      headers: { 'idempotency-key': 'with space' },
    },
  );
  await handler.close();
});

test('validation problems name the paths: the service’s issues, unknown body keys and query parameters', async () => {
  const { handler } = memoryHandler();
  const invalid = await problem(
    handler,
    'POST',
    '/customers',
    { status: 400, code: 'CRM_VALIDATION' },
    {
      body: { kind: 'person', name: 'Li', email: 'li@example.com' },
    },
  );
  const issues = invalid['issues'] as { path: unknown[]; message: string }[];
  assert.deepEqual(issues[0]!.path, ['email']);
  assert.match(issues[0]!.message, /did you mean "emails"/);
  assert.ok(!JSON.stringify(invalid).includes('li@example.com'), 'the entered value is never echoed');
  const customer = await ok<Row>(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Li' } });
  const deal = await ok<Row>(handler, 'POST', '/deals', { body: { ...DEAL, customerId: customer.id } });
  const unknown = await problem(
    handler,
    'POST',
    `/deals/${deal.id}/move`,
    { status: 400, code: 'CRM_VALIDATION' },
    {
      body: { stageId: 'proposal', stageid: 'x' },
      headers: { 'if-match': '"1"' },
    },
  );
  assert.deepEqual(
    (unknown['issues'] as { path: unknown[]; message: string }[]).map((issue) => issue.path),
    [['stageid']],
  );
  assert.match((unknown['issues'] as { message: string }[])[0]!.message, /did you mean "stageId"/);
  const param = await problem(handler, 'GET', '/customers?limit=5', { status: 400, code: 'CRM_VALIDATION' });
  assert.deepEqual((param['issues'] as { path: unknown[] }[])[0]!.path, ['limit']);
  const badQ = await problem(handler, 'GET', '/customers?q=%7Bnot-json', { status: 400, code: 'CRM_VALIDATION' });
  assert.deepEqual((badQ['issues'] as { path: unknown[] }[])[0]!.path, ['q']);
  await problem(handler, 'POST', '/customers', { status: 400, code: 'CRM_VALIDATION' }, { raw: '{"kind":' });
  const noBody = await problem(
    handler,
    'POST',
    '/settled',
    { status: 400, code: 'CRM_VALIDATION' },
    {
      body: { now: true },
    },
  );
  assert.deepEqual((noBody['issues'] as { path: unknown[] }[])[0]!.path, ['now']);
  assert.equal(await ok(handler, 'GET', '/deals/count'), 1, 'the refused move wrote nothing');
  const { expectedCloseDate: _left, ...undated } = DEAL;
  const open = await ok<Row>(handler, 'POST', '/deals', { body: { ...undated, customerId: customer.id } });
  const gate = await problem(
    handler,
    'POST',
    `/deals/${open.id}/move`,
    { status: 422, code: 'CRM_STAGE_GATE' },
    {
      body: { stageId: 'proposal' },
      headers: { 'if-match': '*' },
    },
  );
  assert.equal(gate['dealId'], open.id);
  assert.deepEqual(gate['missingFields'], ['expectedCloseDate']);
  await handler.close();
});

test('media type, size, method and route: 415, 413, 405, 404, 401', async () => {
  const { handler } = memoryHandler({ limits: { bodyBytes: 200 } });
  await problem(
    handler,
    'POST',
    '/customers',
    { status: 415, code: 'CRM_UNSUPPORTED_MEDIA_TYPE' },
    {
      raw: 'kind=person',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
  );
  await problem(
    handler,
    'POST',
    '/customers',
    { status: 413, code: 'CRM_PAYLOAD_TOO_LARGE' },
    {
      body: { kind: 'person', name: 'x'.repeat(300) },
    },
  );
  const wrong = await problem(handler, 'PUT', '/customers', { status: 405, code: 'CRM_METHOD_NOT_ALLOWED' });
  assert.ok(wrong);
  const allowed = await call(handler, 'PUT', '/customers');
  assert.equal(allowed.headers.get('allow'), 'GET, POST');
  assert.equal((await call(handler, 'OPTIONS', '/customers/c1')).headers.get('allow'), 'GET, PATCH, DELETE');
  await problem(handler, 'GET', '/nowhere', { status: 404, code: 'CRM_ROUTE_NOT_FOUND' });
  await problem(handler, 'GET', '/customers', { status: 401, code: 'CRM_UNAUTHENTICATED' }, { actor: null });
  await problem(handler, 'GET', '/changes', { status: 401, code: 'CRM_UNAUTHENTICATED' }, { actor: null });
  await problem(handler, 'GET', '/customers/c1/', { status: 404, code: 'CRM_ROUTE_NOT_FOUND' });
  await handler.close();
});

test('the backup route takes bodies up to its own, larger limit', async () => {
  const { handler } = memoryHandler({ limits: { bodyBytes: 100, backupBytes: 1_000_000 } });
  await ok(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Saved' } });
  const snapshot = await ok(handler, 'GET', '/backup');
  assert.ok(JSON.stringify(snapshot).length > 100);
  assert.equal((await call(handler, 'PUT', '/backup', { body: snapshot })).status, 204);
  await handler.close();
});

test('access: another rep’s deal reads as absent (404), configuration and viewers’ writes are 403', async () => {
  const { handler } = memoryHandler();
  const customer = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Of B', ownerId: REP_B.id },
  });
  const deal = await ok<Row>(handler, 'POST', '/deals', {
    body: { ...DEAL, customerId: customer.id, ownerId: REP_B.id },
  });
  const hidden = await problem(
    handler,
    'GET',
    `/deals/${deal.id}`,
    { status: 404, code: 'CRM_NOT_FOUND' },
    { actor: REP_A },
  );
  assert.equal(hidden['id'], deal.id);
  assert.equal((await ok<Row>(handler, 'GET', `/deals/${deal.id}`, { actor: REP_B })).id, deal.id);
  assert.equal(await ok(handler, 'GET', `/records/deals/${deal.id}`, { actor: REP_A }), null);
  await problem(
    handler,
    'PATCH',
    `/deals/${deal.id}`,
    { status: 404, code: 'CRM_NOT_FOUND' },
    {
      actor: REP_A,
      body: { title: 'Taken' },
      headers: { 'if-match': '"1"' },
    },
  );
  const config = await problem(
    handler,
    'POST',
    '/pipelines/default/rename',
    { status: 403, code: 'CRM_PERMISSION' },
    {
      actor: REP_A,
      body: { name: { en: 'Mine', 'zh-CN': '我的' } },
      headers: { 'if-match': '*' },
    },
  );
  assert.equal(config['action'], 'pipeline.rename');
  await problem(
    handler,
    'POST',
    '/customers',
    { status: 403, code: 'CRM_PERMISSION' },
    {
      actor: VIEWER,
      body: { kind: 'person', name: 'Nope' },
    },
  );
  await problem(handler, 'GET', '/backup', { status: 403, code: 'CRM_PERMISSION' }, { actor: REP_A });
  await problem(handler, 'GET', '/audit', { status: 403, code: 'CRM_PERMISSION' }, { actor: REP_B });
  const session = await ok(handler, 'GET', '/session', { actor: REP_A });
  assert.deepEqual(session['actor'], REP_A);
  assert.equal((await ok<Row>(handler, 'GET', `/deals/${deal.id}`)).title, DEAL.title, 'nothing changed');
  await handler.close();
});

test('unexpected failures are a generic 500 reported to onError, never their message', async () => {
  const storage = createMemoryStorage();
  const failing: StoragePort = {
    ...storage,
    count: async () => {
      throw new Error('connection to 10.0.0.5 failed for li.na@example.com');
    },
  };
  const reported: unknown[] = [];
  const handler = createCrmHandler({
    storage: failing,
    authenticate: testAuthenticate,
    onError: (error) => reported.push(error),
  });
  const failed = await problem(handler, 'GET', '/customers/count', { status: 500, code: 'CRM_INTERNAL' });
  assert.equal(failed['detail'], 'The server could not complete the request');
  assert.ok(!JSON.stringify(failed).includes('li.na'));
  assert.equal(reported.length, 1);
  assert.match(String(reported[0]), /li\.na/, 'the host hears the real error');

  const throwing = createCrmHandler({
    storage,
    authenticate: async () => {
      throw new Error('identity provider down');
    },
    onError: (error) => reported.push(error),
  });
  const down = await problem(throwing, 'GET', '/customers', { status: 500, code: 'CRM_INTERNAL' });
  assert.ok(!String(down['detail']).includes('identity'));
  const tenantless = createCrmHandler({
    storage,
    authenticate: async () => ({ actor: ADMIN, tenant: 'acme' }),
    onError: () => undefined,
  });
  await problem(tenantless, 'GET', '/customers', { status: 500, code: 'CRM_INTERNAL' });
  await Promise.all([handler.close(), throwing.close(), tenantless.close()]);
});

test('basePath mounts the routes below it; close() answers 503 afterwards', async () => {
  const { handler } = memoryHandler({ basePath: '/crm/' });
  assert.equal((await call(handler, 'GET', '/customers/count', { base: '/crm' })).body, 0);
  await problem(handler, 'GET', '/customers/count', { status: 404, code: 'CRM_ROUTE_NOT_FOUND' });
  assert.equal((await call(handler, 'GET', '/health', { base: '/crm' })).status, 200);
  await handler.close();
  await problem(handler, 'GET', '/customers/count', { status: 503, code: 'CRM_SERVER_CLOSED' }, { base: '/crm' });
});

test('options are checked when the handler is created', () => {
  const storage = createMemoryStorage();
  assert.throws(() => createCrmHandler({ storage, openStorage: async () => storage, authenticate: testAuthenticate }), {
    code: 'CRM_VALIDATION',
    issues: [{ path: ['storage'], message: 'Expected exactly one of storage and openStorage' }],
  });
  assert.throws(
    () => createCrmHandler({ storage, authenticate: testAuthenticate, limits: { bodyBytes: 0 } }),
    (error: { issues: { path: unknown[] }[] }) => error.issues[0]!.path.join('.') === 'limits.bodyBytes',
  );
  assert.throws(
    () => createCrmHandler({ storage, authenticate: testAuthenticate, heartbeat: 1 } as never),
    (error: { issues: { path: unknown[] }[] }) => error.issues[0]!.path.join('.') === 'heartbeat',
  );
  assert.throws(() => createCrmHandler({ storage } as never), { code: 'CRM_VALIDATION' });
  assert.throws(() => createCrmHandler({ storage, authenticate: testAuthenticate, crm: { storage } as never }), {
    code: 'CRM_VALIDATION',
  });
});

test('a body lacking a field argument the method needs is a 400 naming it, on every route (never a 500)', async () => {
  const { handler } = memoryHandler({ onError: (error) => assert.fail(`unexpected: ${String(error)}`) });
  const missing = await problem(
    handler,
    'POST',
    '/segments/member-ids',
    { status: 400, code: 'CRM_VALIDATION' },
    { body: {} },
  );
  assert.deepEqual(missing['issues'], [{ path: ['segment'], message: 'Required' }]);
  let checked = 0;
  for (const route of ROUTES) {
    const required = route.args.flatMap((arg) =>
      'field' in arg && !OPTIONAL_FIELDS.has(arg.field) ? [arg.field] : [],
    );
    if (required.length === 0) continue;
    const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => (name === 'collection' ? 'customers' : 'x1'));
    const guarded = route.args.some((arg) => 'guard' in arg);
    for (const body of [{}, Object.fromEntries(required.map((field) => [field, null]))]) {
      const answer = await problem(
        handler,
        route.verb,
        path,
        { status: 400, code: 'CRM_VALIDATION' },
        { body, headers: guarded ? { 'if-match': '"1"' } : {} },
      );
      assert.deepEqual(
        (answer['issues'] as { path: unknown[] }[]).map((issue) => issue.path),
        required.map((field) => [field]),
        `${route.verb} ${route.path}`,
      );
    }
    checked++;
  }
  assert.ok(checked >= 15, `${checked} routes take required fields`);
  // Optional ones may be left out.
  assert.equal(typeof (await ok(handler, 'POST', '/aggregates/rfm', { body: {} })), 'number');
  await handler.close();
});
