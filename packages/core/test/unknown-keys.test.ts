import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ValidationError,
  canonicalJson,
  createCrm,
  createMemoryStorage,
  editDistance,
  suggestKey,
  unknownKeyMessage,
  type Crm,
  type StoragePort,
} from '@crmkit/core';

// Unknown keys are refused, never dropped: `customers.create({ email })` used to store a customer without the e-mail
// (the model has `emails[]`). Every service input is parsed strictly; the error names the key and suggests a close one.

const CUSTOMER_KEYS = ['kind', 'name', 'givenName', 'familyName', 'emails', 'phones', 'company', 'customFields'];

test('suggestions: a missing plural, a case slip or a typo suggests the known key; far-off keys get none', () => {
  assert.equal(suggestKey('email', CUSTOMER_KEYS), 'emails');
  assert.equal(suggestKey('phone', CUSTOMER_KEYS), 'phones');
  assert.equal(suggestKey('customfields', CUSTOMER_KEYS), 'customFields');
  assert.equal(suggestKey('CUSTOMFIELDS', CUSTOMER_KEYS), 'customFields');
  assert.equal(suggestKey('custom_fields', CUSTOMER_KEYS), 'customFields');
  assert.equal(suggestKey('emials', CUSTOMER_KEYS), 'emails'); // adjacent swap: one edit
  assert.equal(suggestKey('compnay', CUSTOMER_KEYS), 'company');
  assert.equal(suggestKey('Name', CUSTOMER_KEYS), 'name');
  for (const far of ['zip', 'foo', 'address2', 'x', 'isAdmin', 'website', 'e', '']) {
    assert.equal(suggestKey(far, CUSTOMER_KEYS), undefined, far);
  }
  // Never itself; nothing from nothing.
  assert.equal(suggestKey('name', ['name']), undefined);
  assert.equal(suggestKey('email', []), undefined);
  // Ties go to the first known key.
  assert.equal(suggestKey('bat', ['cat', 'hat']), 'cat');
});

test('messages name the key and the suggestion, clipped when huge', () => {
  assert.equal(unknownKeyMessage('email', CUSTOMER_KEYS), 'Unknown key "email" (did you mean "emails"?)');
  assert.equal(unknownKeyMessage('zip', CUSTOMER_KEYS), 'Unknown key "zip"');
  assert.equal(unknownKeyMessage('k'.repeat(500), CUSTOMER_KEYS), `Unknown key "${'k'.repeat(64)}…"`);
});

test('editDistance: known values and the properties of a distance', () => {
  assert.equal(editDistance('', ''), 0);
  assert.equal(editDistance('email', 'emails'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('ca', 'ac'), 1);
  assert.equal(editDistance('abc', ''), 3);
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const d = editDistance(a, b);
      assert.equal(d, editDistance(b, a));
      assert.equal(d === 0, a === b);
      assert.ok(d >= Math.abs(a.length - b.length));
      assert.ok(d <= Math.max(a.length, b.length));
    }),
  );
});

test('property: a suggestion is always a known key within the threshold, never the key itself', () => {
  const key = fc.stringMatching(/^[A-Za-z_]{0,14}$/);
  fc.assert(
    fc.property(key, fc.uniqueArray(key, { maxLength: 10 }), (k, known) => {
      const suggestion = suggestKey(k, known);
      if (suggestion === undefined) return;
      assert.ok(known.includes(suggestion));
      assert.notEqual(suggestion, k);
      assert.ok(editDistance(k.toLowerCase(), suggestion.toLowerCase()) <= (k.length <= 4 ? 1 : k.length <= 8 ? 2 : 3));
    }),
  );
});

interface World {
  crm: Crm;
  storage: StoragePort;
  ids: Record<string, string>;
}

async function world(): Promise<World> {
  const storage = createMemoryStorage({ now: () => new Date('2026-03-01T00:00:00Z') });
  const crm = await createCrm({ storage, actor: { id: 'admin-1', role: 'admin' } });
  const customer = await crm.customers.create({ kind: 'organisation', name: 'Yunfan' });
  const ids: Record<string, string> = { customer: customer.id };
  ids['contact'] = (await crm.contacts.create({ customerId: customer.id, name: 'Li Wei' })).id;
  ids['deal'] = (
    await crm.deals.create({
      title: 'ERP',
      customerId: customer.id,
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor: 100, currency: 'CNY' },
    })
  ).id;
  ids['activity'] = (
    await crm.activities.log({
      type: 'call',
      direction: 'outbound',
      occurredAt: '2026-02-28T00:00:00Z',
      customerId: customer.id,
    })
  ).id;
  ids['task'] = (
    await crm.tasks.create({ title: 'Call back', type: 'call', dueAt: '2026-03-02T00:00:00Z', assigneeId: 'admin-1' })
  ).id;
  ids['segment'] = (await crm.segments.create({ name: 'CN', filter: { field: 'country', op: 'eq', value: 'CN' } })).id;
  ids['lead'] = (await crm.leads.capture({ name: 'Wang Fang' }, { source: 'web' })).lead.id;
  await crm.aggregates.settled();
  return { crm, storage, ids };
}

const ID_OF = { customers: 'customer', leads: 'lead', deals: 'deal', tasks: 'task' } as const;

/** The stored version of the world's record in `collection`, so an update is refused for its input alone. */
async function version(crm: Crm, collection: keyof typeof ID_OF, ids: Record<string, string>): Promise<number> {
  return (await crm.records.get(collection, ids[ID_OF[collection]]!))!['version'] as number;
}

/** One write of each service with a valid input, into which the property adds an unknown key at `where`. */
interface Write {
  readonly name: string;
  /** The valid input; `where` picks an object in it to add the key to (`[]`: the input itself). */
  readonly input: (ids: Record<string, string>) => Record<string, unknown>;
  readonly where: readonly (readonly string[])[];
  readonly run: (crm: Crm, ids: Record<string, string>, input: Record<string, unknown>) => Promise<unknown>;
}

const writes: Write[] = [
  {
    name: 'customers.create',
    input: () => ({ kind: 'person', name: 'Zhang San', address: { city: 'Hangzhou' } }),
    where: [[], ['address']],
    run: (crm, _ids, input) => crm.customers.create(input as never),
  },
  {
    name: 'customers.update',
    input: () => ({ name: 'Yunfan Tech', address: { city: 'Hangzhou' } }),
    where: [[], ['address']],
    run: async (crm, ids, input) =>
      crm.customers.update(ids['customer']!, input as never, { expectedVersion: await version(crm, 'customers', ids) }),
  },
  {
    name: 'customers.update options',
    input: () => ({ expectedVersion: 1 }),
    where: [[]],
    run: async (crm, ids, input) =>
      crm.customers.update(ids['customer']!, { name: 'Y' }, {
        ...input,
        expectedVersion: await version(crm, 'customers', ids),
      } as never),
  },
  {
    name: 'contacts.create',
    input: (ids) => ({ customerId: ids['customer'], name: 'Chen Jing' }),
    where: [[]],
    run: (crm, _ids, input) => crm.contacts.create(input as never),
  },
  {
    name: 'leads.capture',
    input: () => ({ name: 'Zhao Lei', company: 'Lanhai' }),
    where: [[]],
    run: (crm, _ids, input) => crm.leads.capture(input as never, { source: 'web' }),
  },
  {
    name: 'leads.capture options',
    input: () => ({ source: 'web' }),
    where: [[]],
    run: (crm, _ids, input) => crm.leads.capture({ name: 'Zhao Lei' }, input as never),
  },
  {
    name: 'leads.update',
    input: () => ({ company: 'Lanhai' }),
    where: [[]],
    run: async (crm, ids, input) =>
      crm.leads.update(ids['lead']!, input as never, { expectedVersion: await version(crm, 'leads', ids) }),
  },
  {
    name: 'deals.create',
    input: (ids) => ({
      title: 'CRM',
      customerId: ids['customer'],
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor: 5, currency: 'CNY' },
    }),
    where: [[], ['amount']],
    run: (crm, _ids, input) => crm.deals.create(input as never),
  },
  {
    name: 'deals.update',
    input: () => ({ amount: { amountMinor: 7, currency: 'CNY' } }),
    where: [[], ['amount']],
    run: async (crm, ids, input) =>
      crm.deals.update(ids['deal']!, input as never, { expectedVersion: await version(crm, 'deals', ids) }),
  },
  {
    name: 'activities.log',
    input: (ids) => ({
      type: 'note',
      direction: 'internal',
      occurredAt: '2026-02-27T00:00:00Z',
      customerId: ids['customer'],
    }),
    where: [[]],
    run: (crm, _ids, input) => crm.activities.log(input as never),
  },
  {
    name: 'tasks.create',
    input: (ids) => ({
      title: 'Send quote',
      type: 'email',
      dueAt: '2026-03-03T00:00:00Z',
      assigneeId: 'admin-1',
      related: { kind: 'customer', id: ids['customer'] },
    }),
    where: [[], ['related']],
    run: (crm, _ids, input) => crm.tasks.create(input as never),
  },
  {
    name: 'tasks.update',
    input: () => ({ title: 'Send the quote' }),
    where: [[]],
    run: async (crm, ids, input) =>
      crm.tasks.update(ids['task']!, input as never, { expectedVersion: await version(crm, 'tasks', ids) }),
  },
  {
    name: 'segments.create',
    input: () => ({ name: 'VIP', filter: { field: 'tags', op: 'hasAny', values: ['vip'] } }),
    where: [[]],
    run: (crm, _ids, input) => crm.segments.create(input as never),
  },
  {
    name: 'pipelines.create',
    input: () => ({
      name: { en: 'Renewals', 'zh-CN': '续约' },
      stages: [
        { id: 'open', name: { en: 'Open', 'zh-CN': '进行中' }, probability: 0.5, kind: 'open' },
        { id: 'won', name: { en: 'Won', 'zh-CN': '成交' }, probability: 1, kind: 'won' },
      ],
    }),
    where: [[], ['name']],
    run: (crm, _ids, input) => crm.pipelines.create(input as never),
  },
];

/** Keys no input here knows (`email` is a lead's), including near misses of real ones and prototype names. */
const unknownKey = fc.oneof(
  fc.stringMatching(/^[a-zA-Z_$][\w$]{0,15}$/).map((key) => `x_${key}`),
  fc.constantFrom(
    'emailAddress',
    'phoneNumber',
    'customfields',
    'Name',
    'titel',
    'amountminor',
    '__proto__',
    'constructor',
  ),
);

test('property: any input with an added unknown key is refused, naming the key, and storage is unchanged', async () => {
  const { crm, storage, ids } = await world();
  const before = canonicalJson(await storage.exportSnapshot());
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...writes),
      fc.nat(),
      unknownKey,
      fc.jsonValue({ maxDepth: 1 }),
      async (write, pick, key, value) => {
        const input = structuredClone(write.input(ids));
        const where = write.where[pick % write.where.length]!;
        let target: Record<string, unknown> = input;
        for (const step of where) target = target[step] as Record<string, unknown>;
        // defineProperty: a plain assignment of `__proto__` would set the prototype instead of adding a key.
        Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
        await assert.rejects(write.run(crm, ids, input), (error: unknown) => {
          assert.ok(error instanceof ValidationError, `${write.name} ${key}: ${String(error)}`);
          const path = [...where, key].join('.');
          const issue = error.issues.find((i) => i.path.join('.') === path);
          assert.ok(issue, `${write.name}: ${path} not named in ${error.fields.join(', ')}`);
          assert.match(issue.message, /^Unknown key "/);
          return true;
        });
      },
    ),
    { numRuns: 400 },
  );
  assert.equal(canonicalJson(await storage.exportSnapshot()), before);
  // The inputs as given are accepted: the refusals came from the added keys alone.
  for (const write of writes) await write.run(crm, ids, write.input(ids));
  await crm.dispose();
});

test('customers.create({ email }) is refused with a suggestion, and nothing is stored', async () => {
  const { crm, storage } = await world();
  const before = canonicalJson(await storage.exportSnapshot());
  await assert.rejects(
    crm.customers.create({ kind: 'person', name: 'Li Na', email: 'li.na@example.com' } as never),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.issues, [{ path: ['email'], message: 'Unknown key "email" (did you mean "emails"?)' }]);
      assert.equal(error.message, 'Invalid customer: email: Unknown key "email" (did you mean "emails"?)');
      return true;
    },
  );
  await assert.rejects(
    crm.customers.create({ kind: 'person', name: 'Li Na', phone: '+8613800138000', customfields: {} } as never),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.issues, [
        { path: ['phone'], message: 'Unknown key "phone" (did you mean "phones"?)' },
        { path: ['customfields'], message: 'Unknown key "customfields" (did you mean "customFields"?)' },
      ]);
      return true;
    },
  );
  await assert.rejects(
    crm.customers.create({ kind: 'person', name: 'Li Na', address: { city: 'Xi’an', zip: '710000' } } as never),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'address.zip',
  );
  assert.equal(canonicalJson(await storage.exportSnapshot()), before);
  await crm.dispose();
});

test('createCrm refuses an unknown option by name', async () => {
  await assert.rejects(
    createCrm({ storage: createMemoryStorage(), actor: { id: 'a' }, timezone: 'UTC' } as never),
    (error: unknown) =>
      error instanceof ValidationError &&
      error.issues.some((i) => i.path.join() === 'timezone' && i.message.includes('did you mean "timeZone"')),
  );
});
