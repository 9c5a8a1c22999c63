import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROUTES, createRemoteCrm, type Route } from '@crmkit/client';
import { BASE, json, pathOf, stubServer, type Recorded } from './stub.js';

// Every route of the protocol table, called through the remote CRM with arguments of each kind, builds the request
// the wire format describes: verb, path (segments encoded), `q`, body, If-Match, Content-Type, Idempotency-Key.

type Method = (...args: unknown[]) => Promise<unknown>;

/** The method a route is carried by: `crm.deals.moveToStage`, or `crm.settled` for the CRM's own. */
function methodOf(crm: object, route: Route): Method {
  const holder = (route.service === '' ? crm : (crm as Record<string, unknown>)[route.service]) as Record<
    string,
    unknown
  >;
  const method = holder?.[route.method];
  assert.equal(typeof method, 'function', `crm.${route.service}.${route.method} exists`);
  return (method as Method).bind(holder);
}

const hasBody = (route: Route) => route.args.some((arg) => 'body' in arg);

/** Arguments of each kind, recognisable in the request. */
function sampleArgs(route: Route): unknown[] {
  return route.args.map((arg) => {
    if ('path' in arg) return `${arg.path} 1/ü`;
    if ('pathObject' in arg) return { kind: 'customer', id: 'c 1/2' };
    if ('body' in arg) return { body: `${route.service}.${route.method}` };
    if ('field' in arg) return { field: arg.field };
    if ('query' in arg) return { limit: 5, where: { field: 'name', op: 'eq', value: 'a&b=c' } };
    // Whole-body routes have no room for the guard's other options (and their methods take none).
    return hasBody(route) ? { expectedVersion: 7 } : { expectedVersion: 7, note: 'x' };
  });
}

/** What the wire format says the request must be, from the route and the sample arguments. */
function expected(route: Route, args: readonly unknown[]) {
  let path = route.path;
  let q: unknown;
  let body: unknown;
  let fields: Record<string, unknown> | undefined;
  let ifMatch: string | null = null;
  route.args.forEach((arg, index) => {
    const value = args[index];
    if ('path' in arg) path = path.replace(`{${arg.path}}`, encodeURIComponent(value as string));
    else if ('pathObject' in arg) path = path.replace('{kind}', 'customer').replace('{id}', 'c%201%2F2');
    else if ('body' in arg) body = value;
    else if ('field' in arg) (fields ??= {})[arg.field] = value;
    else if ('query' in arg) q = value;
    else {
      ifMatch = '"7"';
      if (!hasBody(route)) {
        if (route.verb === 'DELETE') q = { note: 'x' };
        else (fields ??= {})['options'] = { note: 'x' };
      }
    }
  });
  return { path, q, body: body ?? fields, ifMatch };
}

test('every route of the table builds the request the protocol says', async () => {
  const server = stubServer((request) => {
    const route = ROUTES.find((entry) => entry.verb === request.method && matches(entry, pathOf(request)));
    return json(route?.status ?? 200, { ok: true });
  });
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  for (const route of ROUTES) {
    const args = sampleArgs(route);
    const before = server.requests.length;
    const result = await methodOf(crm, route)(...args);
    const name = `${route.service}.${route.method}`;
    assert.equal(server.requests.length, before + 1, `${name} sends one request`);
    const request = server.requests[before]!;
    const want = expected(route, args);
    assert.equal(request.method, route.verb, `${name} verb`);
    assert.equal(pathOf(request), want.path, `${name} path`);
    const qs = [...request.url.searchParams.keys()];
    if (want.q === undefined) assert.deepEqual(qs, [], `${name} has no query`);
    else {
      assert.deepEqual(qs, ['q'], `${name} query`);
      assert.deepEqual(JSON.parse(request.url.searchParams.get('q')!), want.q, `${name} q`);
    }
    if (want.body === undefined) {
      assert.equal(request.body, undefined, `${name} has no body`);
      assert.equal(request.headers.get('content-type'), null, `${name} no Content-Type without a body`);
    } else {
      assert.deepEqual(JSON.parse(request.body!), want.body, `${name} body`);
      assert.equal(request.headers.get('content-type'), 'application/json', `${name} Content-Type`);
    }
    assert.equal(request.headers.get('if-match'), want.ifMatch, `${name} If-Match`);
    const key = request.headers.get('idempotency-key');
    if (route.verb === 'POST') assert.match(key ?? '', /^[0-9a-f-]{36}$/, `${name} Idempotency-Key`);
    else assert.equal(key, null, `${name} no Idempotency-Key`);
    if (route.status === 204) assert.equal(result, undefined, `${name} resolves to nothing`);
    else assert.deepEqual(result, { ok: true }, `${name} resolves to the answer`);
  }
});

/** Whether a concrete path fits a route's pattern. */
function matches(route: Route, path: string): boolean {
  const pattern = route.path.split('/');
  const parts = path.split('/');
  return (
    pattern.length === parts.length && pattern.every((part, index) => part.startsWith('{') || part === parts[index])
  );
}

async function oneRequest(
  call: (crm: Awaited<ReturnType<typeof createRemoteCrm>>) => Promise<unknown>,
  answer: Response = json(200, {}),
): Promise<Recorded> {
  const server = stubServer(() => answer.clone());
  const crm = await createRemoteCrm({ url: `${BASE}/`, fetch: server.fetch });
  await call(crm);
  assert.equal(server.requests.length, 1);
  return server.requests[0]!;
}

test('an update is a PATCH of the patch with the version as If-Match', async () => {
  const request = await oneRequest((crm) => crm.customers.update('c1', { name: '杭州' }, { expectedVersion: 3 }));
  assert.equal(request.method, 'PATCH');
  assert.equal(request.url.href, `${BASE}/customers/c1`);
  assert.equal(request.headers.get('if-match'), '"3"');
  assert.equal(request.body, '{"name":"杭州"}');
});

test('a move carries the stage and its options in the body, the version as If-Match', async () => {
  const request = await oneRequest((crm) =>
    crm.deals.moveToStage('d 1', 'lost', { force: true, lostReason: 'price', values: { title: 'T' } }),
  );
  assert.equal(request.method, 'POST');
  assert.equal(request.url.href, `${BASE}/deals/d%201/move`);
  assert.equal(request.headers.get('if-match'), '*');
  assert.deepEqual(JSON.parse(request.body!), {
    stageId: 'lost',
    options: { lostReason: 'price', values: { title: 'T' } },
  });
});

test("a remove's options other than the guard travel in q", async () => {
  const request = await oneRequest(
    (crm) => crm.customers.remove('c1', { expectedVersion: 2, dependants: 'cascade' }),
    json(204, undefined),
  );
  assert.equal(request.method, 'DELETE');
  assert.equal(request.url.href, `${BASE}/customers/c1?q=${encodeURIComponent('{"dependants":"cascade"}')}`);
  assert.equal(request.headers.get('if-match'), '"2"');
  assert.equal(request.body, undefined);
});

test('a list sends its options as the JSON of q, and none when left out', async () => {
  const options = { where: { field: 'status', op: 'eq', value: 'open' }, limit: 20 } as const;
  const withOptions = await oneRequest((crm) => crm.deals.list(options), json(200, { records: [] }));
  assert.equal(withOptions.url.pathname.endsWith('/deals'), true);
  assert.deepEqual(JSON.parse(withOptions.url.searchParams.get('q')!), options);
  const without = await oneRequest((crm) => crm.deals.list(), json(200, { records: [] }));
  assert.equal(without.url.search, '');
});

test("a timeline's subject is two path segments", async () => {
  const request = await oneRequest((crm) => crm.activities.timeline({ kind: 'lead', id: 'l/1' }, { limit: 10 }));
  assert.equal(request.url.pathname, '/api/crm/timeline/lead/l%2F1');
  assert.equal(request.url.searchParams.get('q'), '{"limit":10}');
});

test('capture sends input and options as body fields, with an Idempotency-Key', async () => {
  const request = await oneRequest((crm) =>
    crm.leads.capture({ name: 'Li Lei', email: 'li@example.com' }, { source: 'website' } as never),
  );
  assert.equal(request.url.pathname, '/api/crm/leads/capture');
  assert.deepEqual(JSON.parse(request.body!), {
    input: { name: 'Li Lei', email: 'li@example.com' },
    options: { source: 'website' },
  });
  assert.match(request.headers.get('idempotency-key')!, /^[0-9a-f-]{36}$/);
});

test('each POST gets its own Idempotency-Key; GET, PATCH and DELETE none', async () => {
  const server = stubServer(() => json(200, {}));
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  await crm.customers.create({ kind: 'person', name: 'A' } as never);
  await crm.customers.create({ kind: 'person', name: 'A' } as never);
  await crm.customers.get('c1');
  const [first, second, read] = server.requests;
  assert.notEqual(first!.headers.get('idempotency-key'), second!.headers.get('idempotency-key'));
  assert.equal(read!.headers.get('idempotency-key'), null);
});

test('answers: 204 and JSON null are undefined; a getMany puts undefined back for null', async () => {
  const answers = [json(204, undefined), json(200, null), json(200, [{ id: 'a', version: 1 }, null])];
  const server = stubServer(() => answers.shift()!);
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  assert.equal(await crm.settled(), undefined);
  assert.equal(await crm.records.get('deals', 'd1'), undefined);
  assert.deepEqual(await crm.records.getMany('deals', ['a', 'b']), [{ id: 'a', version: 1 }, undefined]);
});

test('find is get with a missing record as undefined', async () => {
  const answers = [
    json(404, { code: 'CRM_NOT_FOUND', collection: 'deals', id: 'd1' }, 'application/problem+json'),
    json(200, { id: 'd2', version: 1 }),
  ];
  const server = stubServer(() => answers.shift()!);
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  assert.equal(await crm.deals.find('d1'), undefined);
  assert.deepEqual(await crm.deals.find('d2'), { id: 'd2', version: 1 });
  assert.equal(pathOf(server.requests[0]!), '/deals/d1');
});

test('an id the server reads as another route is read through /records instead', async () => {
  const answers = [json(200, { id: 'overdue', version: 2 }), json(200, null)];
  const server = stubServer(() => answers.shift()!);
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  assert.deepEqual(await crm.tasks.get('overdue'), { id: 'overdue', version: 2 });
  assert.equal(pathOf(server.requests[0]!), '/records/tasks/overdue');
  await assert.rejects(crm.customFields.get('count'), { code: 'CRM_NOT_FOUND', collection: 'customFieldDefinitions' });
  assert.equal(pathOf(server.requests[1]!), '/records/customFieldDefinitions/count');
});

test('ids a URL path cannot carry are refused before anything is sent', async () => {
  const server = stubServer();
  const crm = await createRemoteCrm({ url: BASE, fetch: server.fetch });
  for (const id of ['.', '..', '', 42]) {
    await assert.rejects(crm.deals.update(id as string, {}, { expectedVersion: 1 }), { code: 'CRM_VALIDATION' });
  }
  await assert.rejects(crm.deals.update('d1', {}, { expectedVersion: 1.5 }), (error: { issues: unknown[] }) => {
    assert.deepEqual(error.issues, [{ path: ['expectedVersion'], message: 'Expected a whole number' }]);
    return true;
  });
  await assert.rejects(crm.pipelines.updateStage('p1', 's1', {}, { expectedVersion: 1, extra: true } as never), {
    code: 'CRM_VALIDATION',
  });
  assert.equal(server.requests.length, 0);
});

test('a guard without a version or force is sent without If-Match, for the server to refuse', async () => {
  const request = await oneRequest((crm) => crm.leads.qualify('l1', {} as never));
  assert.equal(request.headers.get('if-match'), null);
  assert.equal(request.body, undefined);
});
