/**
 * Web-to-lead: public form posts to `/public/leads/{formKey}` capture leads as the form's owner, strictly, with the
 * consent the form requires, from the origins it names, within a rate limit, and answer without telling anything
 * about the records already stored.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createMemoryStorage, type StoragePort } from '@crmkit/core';
import { createCrmHandler, type CrmHandler, type CrmHandlerOptions, toNodeListener } from '@crmkit/server';
import { addressKey } from '../src/web-to-lead.js';
import { call, memoryHandler, ok, problem, testAuthenticate, type Answer } from './harness.js';

type Row = Record<string, unknown> & { id: string; version: number };

const SITE = 'https://www.example.com';
const OWNER = 'usr-web';

/** The forms of these tests: `contact` (JSON or a plain form) and `demo` (a campaign, optional consent). */
const FORMS = {
  contact: {
    ownerId: OWNER,
    source: 'web',
    allowedOrigins: [SITE],
    consentPurposes: ['contact'],
    consentTextVersion: 'v3',
    successRedirect: `${SITE}/thanks`,
  },
  demo: {
    ownerId: 'usr-demo',
    source: 'web',
    campaign: 'Spring demo days',
    allowedOrigins: [SITE, 'https://demo.example.com'],
    consentPurposes: ['contact'],
    optionalConsentPurposes: ['marketing_email'],
    fields: ['name', 'email', 'company', 'country'],
  },
} as const;

/** A handler with the test forms and a clock the test moves. */
function formHandler(options: Partial<CrmHandlerOptions> = {}, postsPerMinute = 3) {
  const clock = { now: Date.parse('2026-03-01T09:00:00Z') };
  const reported: unknown[] = [];
  const { handler, storage } = memoryHandler({
    webToLead: {
      forms: FORMS,
      honeypotField: 'website',
      rateLimit: { perKeyAndAddress: { max: postsPerMinute, windowMs: 60_000 } },
      clientAddress: (request) => request.headers.get('x-test-address') ?? undefined,
    },
    now: () => clock.now,
    onError: (error) => reported.push(error),
    ...options,
  });
  return { handler, storage, clock, reported };
}

/** Posts `body` (JSON, or `raw` as it is) to a form, anonymously, from `origin`. */
function post(
  handler: CrmHandler,
  form: string,
  body: unknown,
  options: {
    origin?: string | null;
    address?: string;
    raw?: string;
    type?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const origin = options.origin === undefined ? SITE : options.origin;
  if (origin !== null) headers['origin'] = origin;
  headers['x-test-address'] = options.address ?? '203.0.113.7';
  if (options.type) headers['content-type'] = options.type;
  return call(handler, 'POST', `/public/leads/${form}`, {
    actor: null,
    headers,
    ...(options.raw === undefined ? { body } : { raw: options.raw }),
  });
}

const consents = async (storage: StoragePort) => (await storage.query('consents')).records as Row[];

test('a JSON post captures a lead owned by the form’s owner, with source, consent and message; 202 with a receipt', async () => {
  const { handler, storage, reported } = formHandler();
  const answer = await post(handler, 'contact', {
    name: 'Li Na',
    email: 'li.na@example.cn',
    company: 'Acme',
    message: 'Please call me about the LED retrofit.',
    consent: ['contact'],
  });
  assert.equal(answer.status, 202);
  const receipt = (answer.body as { receipt: string }).receipt;
  assert.match(receipt, /^[0-9a-f-]{36}$/);
  assert.deepEqual(Object.keys(answer.body as object), ['receipt'], 'the receipt only');
  assert.equal(answer.headers.get('access-control-allow-origin'), SITE);
  assert.equal(answer.headers.get('access-control-allow-credentials'), null, 'never credentials');
  assert.match(answer.headers.get('vary') ?? '', /origin/i);
  assert.equal(answer.headers.get('cache-control'), 'no-store');

  const leads = (await ok<{ records: Row[] }>(handler, 'GET', '/leads')).records;
  assert.equal(leads.length, 1);
  const lead = leads[0]!;
  assert.deepEqual(
    { name: lead['name'], email: lead['email'], ownerId: lead['ownerId'], source: lead['source'] },
    { name: 'Li Na', email: 'li.na@example.cn', ownerId: OWNER, source: 'web' },
  );
  assert.notEqual(lead.id, receipt, 'the receipt is not the lead’s id');
  const given = await consents(storage);
  assert.deepEqual(
    given.map((consent) => [consent['subjectId'], consent['purpose'], consent['status'], consent['textVersion']]),
    [[lead.id, 'contact', 'granted', 'v3']],
  );
  const notes = (await storage.query('activities')).records as Row[];
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!['body'], 'Please call me about the LED retrofit.');
  // The owner, a rep, reads the lead as theirs.
  const mine = await ok<{ records: Row[] }>(handler, 'GET', '/leads', { actor: { id: OWNER, role: 'rep' } });
  assert.deepEqual(
    mine.records.map((record) => record.id),
    [lead.id],
  );
  const audit = await ok<{ records: Row[] }>(handler, 'GET', '/audit');
  assert.ok(
    audit.records.some((entry) => entry['actorId'] === OWNER && entry['entityId'] === lead.id),
    'the capture is audited as the owner',
  );
  assert.deepEqual(reported, []);
  await handler.close();
});

test('a plain HTML form (urlencoded) with a campaign and an optional consent; blank inputs are left out', async () => {
  const { handler, storage } = formHandler();
  const fields = new URLSearchParams([
    ['name', 'Wang Wei'],
    ['email', 'wang.wei@example.cn'],
    ['company', ''],
    ['country', 'CN'],
    ['consent', 'contact'],
    ['consent', 'marketing_email'],
    ['website', ''],
  ]);
  const answer = await post(handler, 'demo', undefined, {
    raw: fields.toString(),
    type: 'application/x-www-form-urlencoded',
    origin: 'https://demo.example.com',
  });
  assert.equal(answer.status, 202, 'no redirect configured: 202');
  const lead = (await ok<{ records: Row[] }>(handler, 'GET', '/leads')).records[0]!;
  assert.equal(lead['campaign'], 'Spring demo days');
  assert.equal(lead['ownerId'], 'usr-demo');
  assert.equal(lead['company'], undefined, 'a blank input is no value');
  assert.deepEqual((await consents(storage)).map((consent) => consent['purpose']).sort(), [
    'contact',
    'marketing_email',
  ]);

  // A form with a thank-you page is sent there.
  const redirected = await post(handler, 'contact', undefined, {
    raw: 'name=Zhao+Min&email=zhao%40example.cn&consent=contact',
    type: 'application/x-www-form-urlencoded; charset=UTF-8',
  });
  assert.equal(redirected.status, 303);
  assert.equal(redirected.headers.get('location'), `${SITE}/thanks`);
  assert.equal(await ok(handler, 'GET', '/leads/count'), 2);
  await handler.close();
});

test('posts are strict: unknown, repeated or non-text fields and missing consent are 400s naming them, never echoing', async () => {
  const { handler, reported } = formHandler({}, 100);
  const unknown = await problem(
    handler,
    'POST',
    '/public/leads/contact',
    { status: 400, code: 'CRM_VALIDATION' },
    {
      actor: null,
      headers: { origin: SITE },
      body: { name: 'Li', emial: 'li@example.cn', ownerId: 'usr-admin', consent: ['contact'] },
    },
  );
  const issues = unknown['issues'] as { path: unknown[]; message: string }[];
  assert.deepEqual(
    issues.map((issue) => issue.path),
    [['emial'], ['ownerId']],
  );
  assert.match(issues[0]!.message, /did you mean "email"/);
  assert.ok(!JSON.stringify(unknown).includes('li@example.cn'), 'the value is never echoed');

  const noConsent = await post(handler, 'contact', { name: 'Li', email: 'li@example.cn' });
  assert.equal(noConsent.status, 400);
  assert.deepEqual((noConsent.body as { issues: unknown[] }).issues, [
    { path: ['consent'], message: 'Expected consent to contact' },
  ]);
  const badPurpose = await post(handler, 'contact', { name: 'Li', consent: ['contact', 'resell_my_data'] });
  assert.deepEqual(
    (badPurpose.body as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path),
    [['consent', 1]],
  );
  const notText = await post(handler, 'contact', { name: { first: 'Li' }, consent: ['contact'] });
  assert.deepEqual((notText.body as { issues: unknown[] }).issues, [{ path: ['name'], message: 'Expected text' }]);
  const repeated = await post(handler, 'contact', undefined, {
    raw: 'name=Li&name=Na&consent=contact',
    type: 'application/x-www-form-urlencoded',
  });
  assert.deepEqual((repeated.body as { issues: unknown[] }).issues, [
    { path: ['name'], message: 'Expected one value' },
  ]);
  const notFormField = await post(handler, 'demo', { name: 'Li', phone: '+8613800138000', consent: ['contact'] });
  assert.deepEqual(
    (notFormField.body as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path),
    [['phone']],
    'a lead field the form does not take is unknown',
  );
  // Core's own checks, named by the form's fields.
  const invalid = await post(handler, 'contact', { name: 'Li', email: 'not-an-address', consent: ['contact'] });
  assert.equal(invalid.status, 400);
  assert.deepEqual(
    (invalid.body as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path),
    [['email']],
  );
  assert.ok(!JSON.stringify(invalid.body).includes('not-an-address'));
  const nameless = await post(handler, 'contact', { email: 'a@example.cn', consent: ['contact'] });
  assert.deepEqual(
    (nameless.body as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path),
    [['name']],
  );
  const longMessage = await post(handler, 'contact', { name: 'Li', message: 'x'.repeat(20_001), consent: ['contact'] });
  assert.equal(longMessage.status, 413, 'over the form’s 16 KiB body limit');
  const { handler: roomy } = formHandler({
    webToLead: { forms: FORMS, bodyBytes: 64 * 1024, clientAddress: () => 'a' },
  });
  const tooLong = await post(roomy, 'contact', { name: 'Li', message: 'x'.repeat(20_001), consent: ['contact'] });
  assert.deepEqual(
    (tooLong.body as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path),
    [['message']],
    'the note is the form’s message',
  );
  await roomy.close();
  // Bodies: JSON objects or urlencoded only.
  const list = await post(handler, 'contact', [{ name: 'Li' }]);
  assert.equal(list.status, 400);
  const text = await post(handler, 'contact', undefined, { raw: 'name: Li', type: 'text/plain' });
  assert.equal(text.status, 415);
  assert.equal(text.headers.get('access-control-allow-origin'), SITE, 'failures carry CORS headers too');
  const proto = await post(handler, 'contact', undefined, {
    raw: '{"name":"Li","consent":["contact"],"__proto__":{"ownerId":"usr-admin"}}',
    type: 'application/json',
  });
  assert.deepEqual(
    (proto.body as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path),
    [['__proto__']],
  );
  assert.equal(await ok(handler, 'GET', '/leads/count'), 0, 'nothing was captured');
  assert.deepEqual(reported, [], 'refusals are not reported as failures');
  await handler.close();
});

test('a filled honeypot is answered as accepted and captures nothing', async () => {
  const { handler, storage } = formHandler();
  const bot = await post(handler, 'contact', {
    name: 'Cheap pills',
    email: 'spam@example.com',
    website: 'http://spam.example',
    consent: ['contact'],
  });
  assert.equal(bot.status, 202);
  assert.match((bot.body as { receipt: string }).receipt, /^[0-9a-f-]{36}$/);
  // Even with fields a real post would be refused for: the bot learns nothing.
  const sloppy = await post(handler, 'contact', undefined, {
    raw: 'website=x&whatever=1',
    type: 'application/x-www-form-urlencoded',
  });
  assert.equal(sloppy.status, 303, 'a plain form is sent to the thank-you page like anyone');
  assert.equal(await ok(handler, 'GET', '/leads/count'), 0);
  assert.deepEqual(await consents(storage), []);
  await handler.close();
});

test('a post refused as a duplicate is answered exactly like a captured one', async () => {
  const { handler } = formHandler();
  await ok(handler, 'POST', '/customers', {
    body: { kind: 'person', name: 'Existing Person', emails: ['known@example.cn'] },
  });
  const fresh = await post(handler, 'contact', { name: 'New', email: 'new@example.cn', consent: ['contact'] });
  const known = await post(handler, 'contact', { name: 'Someone', email: 'known@example.cn', consent: ['contact'] });
  assert.equal(fresh.status, 202);
  assert.equal(known.status, 202);
  assert.deepEqual(Object.keys(known.body as object), Object.keys(fresh.body as object));
  assert.deepEqual(
    [...known.headers.keys()].sort(),
    [...fresh.headers.keys()].sort(),
    'the same headers: nothing tells the two apart',
  );
  assert.notEqual((known.body as { receipt: string }).receipt, (fresh.body as { receipt: string }).receipt);
  const leads = (await ok<{ records: Row[] }>(handler, 'GET', '/leads')).records;
  assert.deepEqual(
    leads.map((lead) => lead['email']),
    ['new@example.cn'],
    'the default rules block an e-mail already known',
  );
  await handler.close();
});

test('origins: only the form’s own get CORS headers and may post; preflight, unknown forms and methods', async () => {
  const { handler } = formHandler();
  const body = { name: 'Li', consent: ['contact'] };
  const foreign = await post(handler, 'contact', body, { origin: 'https://evil.example' });
  assert.equal(foreign.status, 403);
  assert.equal((foreign.body as { code: string }).code, 'CRM_ORIGIN_NOT_ALLOWED');
  assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  const otherForm = await post(handler, 'contact', body, { origin: 'https://demo.example.com' });
  assert.equal(otherForm.status, 403, 'an origin of another form is not this one’s');
  const nullOrigin = await post(handler, 'contact', body, { origin: 'null' });
  assert.equal(nullOrigin.status, 403);
  const anonymous = await post(handler, 'contact', body, { origin: null });
  assert.equal(anonymous.status, 403, 'neither Origin nor Referer');
  const referred = await post(handler, 'contact', body, { origin: null, headers: { referer: `${SITE}/contact?x=1` } });
  assert.equal(referred.status, 202, 'the Referer’s origin stands in for a missing Origin');
  assert.equal(await ok(handler, 'GET', '/leads/count'), 1);

  const preflight = await call(handler, 'OPTIONS', '/public/leads/contact', {
    actor: null,
    headers: {
      origin: SITE,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), SITE);
  assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST');
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'content-type');
  assert.equal(preflight.headers.get('access-control-allow-credentials'), null);
  const foreignPreflight = await call(handler, 'OPTIONS', '/public/leads/contact', {
    actor: null,
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(foreignPreflight.status, 403);
  assert.equal(foreignPreflight.headers.get('access-control-allow-origin'), null);

  for (const key of ['unknown', 'constructor', '__proto__']) {
    await problem(
      handler,
      'POST',
      `/public/leads/${key}`,
      { status: 404, code: 'CRM_ROUTE_NOT_FOUND' },
      {
        actor: null,
        headers: { origin: SITE },
        body,
      },
    );
  }
  await problem(handler, 'GET', '/public/leads', { status: 404, code: 'CRM_ROUTE_NOT_FOUND' }, { actor: null });
  const get = await call(handler, 'GET', '/public/leads/contact', { actor: null, headers: { origin: SITE } });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
  // Without webToLead there is no public path at all.
  const { handler: plain } = memoryHandler();
  await problem(
    plain,
    'POST',
    '/public/leads/contact',
    { status: 404, code: 'CRM_ROUTE_NOT_FOUND' },
    {
      actor: null,
      headers: { origin: SITE },
      body,
    },
  );
  await Promise.all([handler.close(), plain.close()]);
});

test('the rate limit counts posts per form and client address, refusing with 429 and Retry-After', async () => {
  const { handler, clock } = formHandler();
  const body = { name: 'Li', consent: ['contact'] };
  for (let index = 0; index < 3; index++) assert.equal((await post(handler, 'contact', body)).status, 202);
  const limited = await post(handler, 'contact', body);
  assert.equal(limited.status, 429);
  assert.equal((limited.body as { code: string }).code, 'CRM_RATE_LIMITED');
  assert.equal(limited.headers.get('retry-after'), '20', 'one post is earned back every 20 s');
  assert.equal(limited.headers.get('access-control-allow-origin'), SITE, 'the page can read Retry-After');
  assert.match(limited.headers.get('access-control-expose-headers') ?? '', /retry-after/);
  // Refused before the body is read: a bad body counts too and is still refused for the rate.
  assert.equal((await post(handler, 'contact', undefined, { raw: '{', type: 'application/json' })).status, 429);
  assert.equal((await post(handler, 'contact', body, { address: '198.51.100.1' })).status, 202, 'another address');
  assert.equal((await post(handler, 'demo', body, { origin: 'https://demo.example.com' })).status, 202, 'another form');
  clock.now += 19_999;
  assert.equal((await post(handler, 'contact', body)).status, 429);
  clock.now += 1;
  assert.equal((await post(handler, 'contact', body)).status, 202, 'a token back after 20 s');
  assert.equal((await post(handler, 'contact', body)).status, 429);
  // IPv6 addresses of one /64 share a count.
  const v6 = (suffix: string) => post(handler, 'contact', body, { address: `2001:db8:1:2::${suffix}` });
  for (const suffix of ['1', '2', '3']) assert.equal((await v6(suffix)).status, 202);
  assert.equal((await v6('ffff:4')).status, 429);
  await handler.close();
});

test('addressKey counts IPv6 by /64 and IPv4-mapped addresses as IPv4', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('client-7'), 'client-7', 'a host’s own key is kept');
  assert.equal(addressKey('1:2:3'), '1:2:3', 'not an address: kept');
});

test('forms of a multi-tenant server name their tenant, and their leads go there only', async () => {
  const storages = new Map<string, StoragePort>();
  const handler = createCrmHandler({
    authenticate: testAuthenticate,
    openStorage: async (tenant) => {
      const storage = createMemoryStorage();
      storages.set(tenant, storage);
      return storage;
    },
    webToLead: { forms: { acme: { ...FORMS.contact, tenant: 'acme' } }, clientAddress: () => 'one' },
  });
  assert.equal((await post(handler, 'acme', { name: 'Li', consent: ['contact'] })).status, 202);
  assert.equal(await ok(handler, 'GET', '/leads/count', { tenant: 'acme' }), 1);
  assert.equal(await ok(handler, 'GET', '/leads/count', { tenant: 'globex' }), 0);
  await handler.close();
});

test('webToLead options are checked when the handler is created', () => {
  const storage = createMemoryStorage();
  const create = (webToLead: unknown, extra: Partial<CrmHandlerOptions> = {}) =>
    createCrmHandler({ storage, authenticate: testAuthenticate, webToLead, ...extra } as CrmHandlerOptions);
  const pathOf = (webToLead: unknown, extra: Partial<CrmHandlerOptions> = {}) => {
    try {
      create(webToLead, extra);
    } catch (error) {
      return (error as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path.join('.'));
    }
    assert.fail('expected a ValidationError');
  };
  const { successRedirect: _thanks, ...form } = FORMS.contact;
  assert.deepEqual(pathOf({ forms: { a: { ...form, allowedOrigins: ['*'] } } }), [
    'webToLead.forms.a.allowedOrigins.0',
  ]);
  assert.deepEqual(pathOf({ forms: { a: { ...form, allowedOrigins: [`${SITE}/`] } } }), [
    'webToLead.forms.a.allowedOrigins.0',
  ]);
  assert.deepEqual(pathOf({ forms: { a: { ...form, allowedOrigins: [] } } }), ['webToLead.forms.a.allowedOrigins']);
  assert.deepEqual(pathOf({ forms: { a: { ...form, fields: ['email'] } } }), ['webToLead.forms.a.fields']);
  assert.deepEqual(pathOf({ forms: { a: { ...form, fields: ['name', 'ownerId'] } } }), ['webToLead.forms.a.fields.1']);
  assert.deepEqual(pathOf({ forms: { a: { ...form, successRedirect: 'https://elsewhere.example/thanks' } } }), [
    'webToLead.forms.a.successRedirect',
  ]);
  assert.deepEqual(pathOf({ forms: { a: { ...form, ownerID: 'x' } } }), ['webToLead.forms.a.ownerID']);
  assert.deepEqual(pathOf({ forms: { 'a/b': form } }), ['webToLead.forms.a/b']);
  assert.deepEqual(pathOf({ forms: { a: form }, honeypotField: 'email' }), ['webToLead.honeypotField']);
  assert.deepEqual(pathOf({ forms: { a: { ...form, tenant: 'acme' } } }), ['webToLead.forms.a.tenant']);
  assert.deepEqual(pathOf({ forms: { a: form }, rateLimit: { perKeyAndAddress: { max: 0, windowMs: 1 } } }), [
    'webToLead.rateLimit.perKeyAndAddress.max',
  ]);
  assert.deepEqual(
    pathOf({ forms: { a: { ...form, optionalConsentPurposes: ['contact'] } } }),
    ['webToLead.forms.a.optionalConsentPurposes'],
    'a purpose both required and optional',
  );
  const multi = (webToLead: unknown) =>
    createCrmHandler({ openStorage: async () => storage, authenticate: testAuthenticate, webToLead } as never);
  assert.throws(
    () => multi({ forms: { a: form } }),
    (error: { issues: { path: unknown[] }[] }) => {
      assert.deepEqual(error.issues[0]!.path, ['webToLead', 'forms', 'a', 'tenant']);
      return true;
    },
  );
});

test('over real HTTP: a plain form post through toNodeListener is counted by the peer address', async (t) => {
  const clock = { now: 0 };
  const { handler } = memoryHandler({
    webToLead: { forms: FORMS, rateLimit: { perKeyAndAddress: { max: 1, windowMs: 60_000 } } },
    now: () => clock.now,
  });
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await handler.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/public/leads/contact`;
  const send = () =>
    fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: SITE, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Over HTTP', consent: 'contact' }),
    });
  const first = await send();
  assert.equal(first.status, 303);
  assert.equal(first.headers.get('location'), `${SITE}/thanks`);
  const second = await send();
  assert.equal(second.status, 429, 'the same loopback peer');
  assert.equal(second.headers.get('retry-after'), '60');
  await second.body?.cancel();
  assert.equal(await ok(handler, 'GET', '/leads/count'), 1);
});

test('the OpenAPI document lists the form endpoint when forms are configured, and only then', async () => {
  const { handler } = formHandler({ openApi: { security: [{ bearer: [] }] } });
  const doc = (await call(handler, 'GET', '/openapi.json', { actor: null })).body as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  const operation = doc.paths['/public/leads/{formKey}']?.['post'];
  assert.ok(operation);
  assert.deepEqual(operation['security'], [], 'no credentials');
  assert.ok((operation['responses'] as Record<string, unknown>)['429']);
  const { handler: plain } = memoryHandler();
  const without = (await call(plain, 'GET', '/openapi.json', { actor: null })).body as { paths: object };
  assert.equal(Object.hasOwn(without.paths, '/public/leads/{formKey}'), false);
  await Promise.all([handler.close(), plain.close()]);
});
