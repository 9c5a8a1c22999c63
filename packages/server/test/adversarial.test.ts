/**
 * The security issue's adversarial cases, replayed over HTTP: a viewer writing, a rep reaching another's records or
 * configuration, oversized and deep filters in `q`, `__proto__` keys in bodies, and personal data for actors
 * without the `pii` capability. Where a case can be put to every route, it is: the route table is iterated.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROUTES, type Route } from '@crmkit/client';
import { call, DEAL, memoryHandler, ok, problem, REP_A, REP_B, VIEWER } from './harness.js';
import { MARKER, sampleRequest, seedTenant, SEEDED_ONLY, type Seeded } from './route-samples.js';

type Row = Record<string, unknown> & { id: string; version: number };

const keyOf = (route: Route) => `${route.service}.${route.method}`;

/** Routes that only read, though they are POSTs (their arguments are too large or structured for a URL). */
const READING_POSTS = new Set([
  'leads.findDuplicates',
  'segments.members',
  'segments.memberIds',
  'segments.size',
  'segments.overlaps',
  'segments.explain',
  'aggregates.getMany',
  'reports.funnel',
  'reports.forecast',
  'reports.salesTrend',
  'reports.leadSources',
  'reports.performance',
  'records.getMany',
  'audit.verify',
  '.settled',
]);
const writes = (route: Route) => route.verb !== 'GET' && !READING_POSTS.has(keyOf(route));

/** The personal data of the seeded tenant as stored (a masked copy differs from each). */
const PERSONAL = [...SEEDED_ONLY, 'lead@globex.example'];

async function seededHandler() {
  const { handler, storage } = memoryHandler();
  const seeded = await seedTenant(handler, {});
  const snapshot = async () => {
    await ok(handler, 'POST', '/settled');
    return JSON.stringify(await storage.exportSnapshot());
  };
  return { handler, storage, seeded, snapshot };
}

test('a viewer writes nothing through any route (403), and reads personal data only masked', async () => {
  const { handler, seeded, snapshot } = await seededHandler();
  const before = await snapshot();
  let masked = 0;
  for (const route of ROUTES) {
    const sample = sampleRequest(route, seeded);
    const answer = await call(handler, route.verb, sample.path, { ...sample.options, actor: VIEWER });
    const what = `${route.verb} ${route.path} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
    if (writes(route)) {
      assert.equal(answer.status, 403, what);
      assert.equal((answer.body as { code: string }).code, 'CRM_PERMISSION', what);
    } else {
      assert.ok(answer.status < 500, what);
    }
    const text = JSON.stringify(answer.body);
    for (const value of PERSONAL) assert.ok(!text.includes(value), `unmasked personal data in ${what}`);
    if (text.includes('s***@globex.example') || text.includes('+86*******9000')) masked++;
    assert.equal(await snapshot(), before, `${route.verb} ${route.path} changed the storage`);
  }
  assert.ok(masked >= 5, 'the viewer read the customer, masked, through several routes');
  const customer = await ok<Row>(handler, 'GET', `/customers/${seeded.customer}`, { actor: VIEWER });
  assert.deepEqual(customer['emails'], ['s***@globex.example']);
  assert.deepEqual(customer['phones'], ['+86*******9000']);
  assert.equal(customer['matchKeys'], undefined, 'no normalised match keys');
  await handler.close();
});

test('a rep reaches no record another owns through any route: absent to reads, refused to writes', async () => {
  const { handler, storage, seeded } = await seededHandler();
  // The seeded records are the admin's; REP_A owns none of them.
  const owned: [string, keyof Seeded][] = [
    ['customers', 'customer'],
    ['contacts', 'contact'],
    ['leads', 'lead'],
    ['leads', 'otherLead'],
    ['deals', 'deal'],
    ['activities', 'activity'],
    ['tasks', 'task'],
  ];
  const versions = async () =>
    Promise.all(owned.map(async ([collection, name]) => (await storage.get(collection, seeded[name]))?.version));
  const before = await versions();
  const ownedIds = owned.map(([, name]) => seeded[name]);
  // Users, teams, pipelines and custom fields are configuration, which every role reads.
  const values = [
    'secret@globex.example',
    '+8613900139000',
    'lead@globex.example',
    'lead2@globex.example',
    `${MARKER} Customer`,
    `${MARKER} Contact`,
    `${MARKER} Lead`,
    `${MARKER} Deal`,
    `${MARKER} note`,
    `${MARKER} Task`,
    '990000',
  ];
  for (const route of ROUTES) {
    const sample = sampleRequest(route, seeded);
    const answer = await call(handler, route.verb, sample.path, { ...sample.options, actor: REP_A });
    const what = `${route.verb} ${route.path} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
    assert.ok(answer.status < 500, what);
    const text = JSON.stringify(answer.body);
    for (const value of values) assert.ok(!text.includes(value), `another’s data in ${what}`);
    // Capture de-duplicates against every owner's leads by design (core's security guide): its 409 names the
    // matching record's kind and id, never its values. Everywhere else an id the rep did not send stays unsaid.
    if (keyOf(route) !== 'leads.capture') {
      for (const id of ownedIds) assert.ok(!text.includes(id) || sample.text.includes(id), `an id in ${what}`);
    }
    await ok(handler, 'POST', '/settled');
    assert.deepEqual(await versions(), before, `${route.verb} ${route.path} changed another’s record`);
  }
  await handler.close();
});

test('a rep reading or changing another rep’s deal gets 404 everywhere, and the deal stays as it was', async () => {
  const { handler } = memoryHandler();
  const customer = await ok<Row>(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Of B', ownerId: REP_B.id, emails: ['b.customer@example.cn'] },
  });
  const deal = await ok<Row>(handler, 'POST', '/deals', {
    body: { ...DEAL, customerId: customer.id, ownerId: REP_B.id },
  });
  const asA = { actor: REP_A };
  const notFound = { status: 404, code: 'CRM_NOT_FOUND' };
  for (const [verb, path, options] of [
    ['GET', `/deals/${deal.id}`, {}],
    ['GET', `/deals/${deal.id}/history`, {}],
    ['PATCH', `/deals/${deal.id}`, { body: { title: 'Taken', ownerId: REP_A.id }, headers: { 'if-match': '"1"' } }],
    ['POST', `/deals/${deal.id}/move`, { body: { stageId: 'won' }, headers: { 'if-match': '"1"' } }],
    ['DELETE', `/deals/${deal.id}`, { headers: { 'if-match': '"1"' } }],
    ['GET', `/customers/${customer.id}/360`, {}],
  ] as const) {
    const refused = await problem(handler, verb, path, notFound, { ...asA, ...options });
    assert.ok(!JSON.stringify(refused).includes('b.customer@example.cn'));
  }
  assert.equal(await ok(handler, 'GET', `/records/deals/${deal.id}`, asA), null);
  assert.deepEqual(await ok(handler, 'POST', '/records/deals/many', { ...asA, body: { ids: [deal.id] } }), [null]);
  assert.equal(await ok(handler, 'GET', '/deals/count', asA), 0);
  // Pointing a deal of one's own at B's customer is "no such customer".
  const pointing = await problem(
    handler,
    'POST',
    '/deals',
    { status: 400, code: 'CRM_VALIDATION' },
    { ...asA, body: { ...DEAL, customerId: customer.id } },
  );
  assert.deepEqual((pointing['issues'] as { path: unknown[] }[])[0]!.path, ['customerId']);
  const kept = await ok<Row>(handler, 'GET', `/deals/${deal.id}`, { actor: REP_B });
  assert.deepEqual([kept.version, kept['title'], kept['ownerId']], [1, DEAL.title, REP_B.id]);
  await handler.close();
});

test('a rep calling configuration, audit and backup routes is refused with 403 naming the action', async () => {
  const { handler, seeded, snapshot } = await seededHandler();
  const before = await snapshot();
  const adminOnly = ROUTES.filter(
    (route) =>
      ['pipelines', 'customFields', 'users', 'teams', 'backup', 'audit'].includes(route.service) &&
      (writes(route) || route.service === 'backup' || route.service === 'audit') &&
      // Installing the built-in pipeline on first use is the CRM's own act, which any writer triggers.
      keyOf(route) !== 'pipelines.ensureDefault',
  );
  // Pipelines: create, update, remove, rename and four stage edits; custom fields, users and teams: three each;
  // backup: two; audit: three.
  assert.equal(adminOnly.length, 22);
  for (const route of adminOnly) {
    const sample = sampleRequest(route, seeded);
    const refused = await call(handler, route.verb, sample.path, { ...sample.options, actor: REP_A });
    const what = `${route.verb} ${route.path}`;
    assert.equal(refused.status, 403, `${what}: ${JSON.stringify(refused.body)}`);
    const body = refused.body as { code: string; action: unknown };
    assert.equal(body.code, 'CRM_PERMISSION', what);
    assert.equal(typeof body.action, 'string', what);
  }
  // A manager is no admin either.
  await problem(
    handler,
    'PATCH',
    `/users/${seeded.user}`,
    { status: 403, code: 'CRM_PERMISSION' },
    { actor: { id: 'usr-m', role: 'manager' }, body: { role: 'admin' }, headers: { 'if-match': '"1"' } },
  );
  assert.equal(await snapshot(), before, 'nothing changed');
  await handler.close();
});

/** The JSON of a filter `levels` deep (`not` nodes around one condition), written as text: too deep to stringify. */
function deepFilter(levels: number): string {
  return `${'{"not":'.repeat(levels - 1)}{"field":"name","op":"exists","value":true}${'}'.repeat(levels - 1)}`;
}

test('oversized and deep filters in q and in bodies are 400s naming where, never a crash; an over-long q is a 414', async () => {
  const { handler } = memoryHandler({ onError: (error) => assert.fail(`unexpected: ${String(error)}`) });
  await ok(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Kept' } });
  const issuesOf = (body: Record<string, unknown>) => body['issues'] as { path: unknown[]; message: string }[];

  const deep = await problem(handler, 'GET', `/customers?q=${encodeURIComponent(`{"where":${deepFilter(33)}}`)}`, {
    status: 400,
    code: 'CRM_VALIDATION',
  });
  assert.match(issuesOf(deep)[0]!.message, /nest at most 32 deep/);
  assert.equal(issuesOf(deep)[0]!.path[0], 'where');
  // 10 000 levels: still a 400 naming the 33rd level, not a stack overflow.
  const deeper = await problem(handler, 'GET', `/customers/count?q=${encodeURIComponent(deepFilter(10_000))}`, {
    status: 400,
    code: 'CRM_VALIDATION',
  });
  assert.match(issuesOf(deeper)[0]!.message, /nest at most 32 deep/);
  const wide = await problem(
    handler,
    'GET',
    '/customers',
    { status: 400, code: 'CRM_VALIDATION' },
    { query: { where: { all: Array.from({ length: 1000 }, () => ({ field: 'name', op: 'exists', value: true })) } } },
  );
  assert.match(issuesOf(wide)[0]!.message, /at most 1000 nodes/);
  const longField = await problem(
    handler,
    'GET',
    '/customers/count',
    { status: 400, code: 'CRM_VALIDATION' },
    { query: { field: 'a'.repeat(5_000), op: 'exists', value: true } },
  );
  assert.deepEqual(issuesOf(longField)[0]!.path, ['where', 'field']);
  const manyValues = await problem(
    handler,
    'GET',
    '/customers/count',
    { status: 400, code: 'CRM_VALIDATION' },
    { query: { field: 'name', op: 'in', values: Array.from({ length: 1001 }, (_, index) => `v${index}`) } },
  );
  assert.deepEqual(issuesOf(manyValues)[0]!.path, ['where', 'values']);
  // The same filters through bodies: segments.
  const segment = await problem(
    handler,
    'POST',
    '/segments/size',
    { status: 400, code: 'CRM_VALIDATION' },
    { raw: `{"segment":{"filter":${deepFilter(40)}}}` },
  );
  assert.match(issuesOf(segment)[0]!.message, /nest at most 32 deep/);
  // A query string longer than a body may be is refused before anything parses it.
  const { handler: small } = memoryHandler({ limits: { bodyBytes: 4_096 } });
  await problem(
    small,
    'GET',
    '/customers',
    { status: 414, code: 'CRM_PAYLOAD_TOO_LARGE' },
    { query: { where: { field: 'name', op: 'eq', value: 'x'.repeat(5_000) } } },
  );
  assert.equal(await ok(handler, 'GET', '/customers/count'), 1);
  await Promise.all([handler.close(), small.close()]);
});

test('__proto__, constructor and prototype keys in bodies, options and q are refused by name and poison nothing', async () => {
  const { handler, storage } = memoryHandler();
  const customer = await ok<Row>(handler, 'POST', '/customers', { body: { kind: 'person', name: 'Li' } });
  const user = await ok<Row>(handler, 'POST', '/users', { body: { name: 'Rep', email: 'rep@crm.example' } });
  const before = JSON.stringify(await storage.exportSnapshot());
  const pathsOf = async (verb: string, path: string, raw: string, headers: Record<string, string> = {}) => {
    const answer = await problem(handler, verb, path, { status: 400, code: 'CRM_VALIDATION' }, { raw, headers });
    return (answer['issues'] as { path: unknown[] }[]).map((issue) => issue.path.join('.'));
  };
  // A field route: the key is not one of its fields.
  assert.deepEqual(
    await pathsOf(
      'POST',
      '/segments/size',
      '{"segment":{"filter":{"field":"name","op":"exists","value":true}},"__proto__":{"x":1}}',
    ),
    ['__proto__'],
  );
  // Whole bodies: core's strict schemas name the key.
  assert.ok(
    (await pathsOf('POST', '/customers', '{"kind":"person","name":"P","__proto__":{"ownerId":"usr-admin"}}')).includes(
      '__proto__',
    ),
  );
  assert.ok(
    (
      await pathsOf(
        'PATCH',
        `/users/${user.id}`,
        '{"__proto__":{"role":"admin"},"constructor":{"prototype":{"role":"admin"}}}',
        {
          'if-match': '"1"',
        },
      )
    ).includes('__proto__'),
  );
  // The guard's options, and q.
  assert.ok(
    (
      await pathsOf(
        'POST',
        `/customers/${customer.id}/lifecycle`,
        '{"stage":"lead","options":{"__proto__":{"force":true}}}',
        {
          'if-match': '"1"',
        },
      )
    ).some((path) => path.includes('__proto__')),
  );
  const inQuery = await problem(
    handler,
    'GET',
    `/customers?q=${encodeURIComponent('{"__proto__":{"limit":1},"where":{"field":"__proto__.x","op":"exists","value":true}}')}`,
    { status: 400, code: 'CRM_VALIDATION' },
  );
  assert.ok(JSON.stringify(inQuery['issues']).includes('__proto__'));
  const polluted = {} as Record<string, unknown>;
  assert.equal(polluted['role'], undefined);
  assert.equal(polluted['force'], undefined);
  assert.equal(polluted['ownerId'], undefined);
  assert.equal(polluted['x'], undefined);
  assert.equal(JSON.stringify(await storage.exportSnapshot()), before, 'nothing was written');
  assert.equal((await ok<Row>(handler, 'GET', `/users/${user.id}`))['role'], 'rep');
  await handler.close();
});
