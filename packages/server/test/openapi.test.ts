/** `GET /openapi.json` describes every route of the table, and `jwtAuthenticator` turns bearer JWTs into actors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { ROUTES } from '@crmkit/client';
import { createMemoryStorage } from '@crmkit/core';
import { createCrmHandler, jwtAuthenticator } from '@crmkit/server';
import { call, memoryHandler, ok, problem } from './harness.js';

type Doc = Record<string, unknown> & {
  paths: Record<string, Record<string, Record<string, unknown> & { parameters?: Record<string, unknown>[] }>>;
  components: Record<string, Record<string, unknown>>;
};

test('the document lists every route with its parameters, guards, bodies and problem answers', async (t) => {
  const { handler } = memoryHandler({ basePath: '/crm', openApi: { title: 'Acme CRM', version: '2.1.0' } });
  t.after(() => handler.close());
  const answer = await call(handler, 'GET', '/openapi.json', { actor: null, base: '/crm' });
  assert.equal(answer.status, 200);
  const doc = answer.body as Doc;
  assert.equal(doc['openapi'], '3.1.0');
  assert.deepEqual(doc['info'], { title: 'Acme CRM', version: '2.1.0' });
  assert.deepEqual(doc['servers'], [{ url: '/crm' }]);
  const operationIds = new Set<string>();
  for (const route of ROUTES) {
    const operation = doc.paths[route.path]?.[route.verb.toLowerCase()];
    assert.ok(operation, `${route.verb} ${route.path} is in the document`);
    const id = String(operation['operationId']);
    assert.ok(!operationIds.has(id), `operationId ${id} is unique`);
    operationIds.add(id);
    const parameters = operation.parameters ?? [];
    for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) {
      assert.ok(
        parameters.some((parameter) => parameter['name'] === name && parameter['in'] === 'path'),
        `${route.path} declares ${name}`,
      );
    }
    const refs = parameters.map((parameter) => parameter['$ref']);
    const responses = operation['responses'] as Record<string, unknown>;
    if (route.args.some((arg) => 'guard' in arg)) {
      assert.ok(refs.includes('#/components/parameters/IfMatch'), `${route.path} takes If-Match`);
      assert.ok(responses['412'], `${route.path} answers 412`);
    }
    if (route.verb === 'POST') assert.ok(refs.includes('#/components/parameters/IdempotencyKey'));
    assert.ok(responses[String(route.status)], `${route.path} answers ${route.status}`);
    assert.ok(responses['default']);
    if (route.args.some((arg) => 'body' in arg || 'field' in arg)) assert.ok(operation['requestBody'], route.path);
  }
  for (const path of ['/session', '/changes', '/health', '/openapi.json']) assert.ok(doc.paths[path]?.['get'], path);

  // Every reference resolves inside the document.
  const text = JSON.stringify(doc);
  for (const [, pointer] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
    let node: unknown = doc;
    for (const part of pointer!.split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
    assert.ok(node, `#/${pointer} resolves`);
  }
  // Bodies come from core's schemas.
  const customerInput = doc.components['schemas']!['CustomerInput'] as { properties: Record<string, unknown> };
  assert.ok(customerInput.properties['name']);
  const taskInput = doc.components['schemas']!['TaskInput'] as { required: string[] };
  assert.ok(!taskInput.required.includes('assigneeId'), 'the assignee defaults to the actor');
  const leadInput = doc.components['schemas']!['LeadInput'] as { properties: Record<string, unknown> };
  assert.equal(leadInput.properties['score'], undefined, 'managed fields are not input');
  const problemBody = doc.components['responses']!['Problem'] as { content: Record<string, unknown> };
  assert.ok(problemBody.content['application/problem+json']);
});

test('jwtAuthenticator: bearer tokens with sub, role and tenant; anything wrong is a 401', async (t) => {
  const secret = 'a-test-secret-of-at-least-32-bytes!!';
  const key = new TextEncoder().encode(secret);
  const authenticate = jwtAuthenticator({ secret, issuer: 'https://id.example', audience: 'crm', tenantClaim: 'org' });
  const storages = new Map<string, ReturnType<typeof createMemoryStorage>>();
  const handler = createCrmHandler({
    authenticate,
    openStorage: async (tenant) => storages.get(tenant) ?? storages.set(tenant, createMemoryStorage()).get(tenant)!,
  });
  t.after(() => handler.close());
  const token = (
    claims: Record<string, unknown>,
    options: { expires?: string; signWith?: Uint8Array; issuer?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(options.issuer ?? 'https://id.example')
      .setAudience('crm')
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(options.signWith ?? key);
  const bearer = async (claims: Record<string, unknown>, options?: Parameters<typeof token>[1]) => ({
    actor: null,
    headers: { authorization: `Bearer ${await token(claims, options)}` },
  });

  const session = await ok(handler, 'GET', '/session', await bearer({ sub: 'usr-1', role: 'manager', org: 'acme' }));
  assert.deepEqual(session['actor'], { id: 'usr-1', role: 'manager' });
  const defaulted = await ok(handler, 'GET', '/session', await bearer({ sub: 'usr-2', org: 'acme' }));
  assert.deepEqual(defaulted['actor'], { id: 'usr-2', role: 'rep' });
  // The token's expiry comes with the actor: a change stream opened with it ends then.
  const signed = await token({ sub: 'usr-3', org: 'acme' }, { expires: '10m' });
  const exp = JSON.parse(Buffer.from(signed.split('.')[1]!, 'base64url').toString())['exp'] as number;
  const who = await authenticate(new Request('http://crm.test/', { headers: { authorization: `Bearer ${signed}` } }));
  assert.deepEqual(who, { actor: { id: 'usr-3' }, tenant: 'acme', expiresAt: exp * 1000 });
  const unauthenticated = { status: 401, code: 'CRM_UNAUTHENTICATED' };
  await problem(handler, 'GET', '/session', unauthenticated, await bearer({ sub: 'usr-1', role: 'root', org: 'acme' }));
  await problem(handler, 'GET', '/session', unauthenticated, await bearer({ sub: 'usr-1' }));
  await problem(handler, 'GET', '/session', unauthenticated, await bearer({ org: 'acme' }));
  await problem(
    handler,
    'GET',
    '/session',
    unauthenticated,
    await bearer({ sub: 'usr-1', org: 'acme' }, { expires: '-1m' }),
  );
  await problem(
    handler,
    'GET',
    '/session',
    unauthenticated,
    await bearer({ sub: 'usr-1', org: 'acme' }, { issuer: 'https://evil.example' }),
  );
  await problem(
    handler,
    'GET',
    '/session',
    unauthenticated,
    await bearer(
      { sub: 'usr-1', org: 'acme' },
      { signWith: new TextEncoder().encode('another-secret-of-at-least-32-bytes') },
    ),
  );
  await problem(handler, 'GET', '/session', unauthenticated, {
    actor: null,
    headers: { authorization: 'Bearer not.a.token' },
  });
  await problem(handler, 'GET', '/session', unauthenticated, { actor: null });
  // A token that never expires is refused.
  const forever = await new SignJWT({ sub: 'usr-1', org: 'acme' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://id.example')
    .setAudience('crm')
    .setIssuedAt()
    .sign(key);
  await problem(handler, 'GET', '/session', unauthenticated, {
    actor: null,
    headers: { authorization: `Bearer ${forever}` },
  });
  assert.throws(() => jwtAuthenticator({ secret: 'short' }), { code: 'CRM_VALIDATION' });
  assert.throws(() => jwtAuthenticator({}), { code: 'CRM_VALIDATION' });
});
