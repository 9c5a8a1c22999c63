// Phone numbers wherever they enter the CRM — leads, customers, contacts, conversion options — are checked for
// validity with libphonenumber-js's full metadata (loaded on demand) and stored in E.164.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import {
  ValidationError,
  createCrm,
  createMemoryStorage,
  type CreateCrmOptions,
  type Crm,
  type StoragePort,
} from '@crmkit/core';
import { normalisePhoneE164 } from '@crmkit/core/phone';

async function newCrm(options: Partial<CreateCrmOptions> = {}): Promise<{ crm: Crm; storage: StoragePort }> {
  const storage = createMemoryStorage();
  const crm = await createCrm({
    storage,
    actor: { id: 'admin-1', role: 'admin' },
    clock: () => new Date('2026-03-02T08:00:00Z'),
    leads: { assignment: false, autoRescore: false },
    ...options,
  });
  return { crm, storage };
}

/** Asserts a ValidationError naming exactly `fields`, whose message does not repeat `secret`. */
function refusedAt(fields: string[], secret: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual(error.fields, fields);
    assert.ok(!error.message.includes(secret), 'the number is not repeated');
    return true;
  };
}

/** Every record of every collection, to show a refused write left storage exactly as it was. */
async function everything(storage: StoragePort): Promise<unknown> {
  return (await storage.exportSnapshot()).collections;
}

test('capture refuses numbers no country uses: 138-0013-800 in CN, 555-0100 in US', async () => {
  const { crm, storage } = await newCrm();
  const before = await everything(storage);
  await assert.rejects(
    crm.leads.capture({ name: 'Li Wei', phone: '138-0013-800', country: 'CN' }, { source: 'web' }),
    refusedAt(['phone'], '138-0013-800'),
  );
  await assert.rejects(
    crm.leads.capture({ name: 'Ann Lee', phone: '555-0100', country: 'US' }, { source: 'web' }),
    refusedAt(['phone'], '555-0100'),
  );
  assert.deepEqual(await everything(storage), before);

  const { crm: chinese } = await newCrm({ defaultRegion: 'CN' });
  await assert.rejects(
    chinese.leads.capture({ name: 'Li Wei', phone: '138-0013-800' }, { source: 'web' }),
    refusedAt(['phone'], '138-0013-800'),
  );
  await assert.rejects(chinese.leads.create({ name: 'Li Wei', phone: '138-0013-800' }), refusedAt(['phone'], '138'));
});

test('capture stores real landlines and mobiles in E.164, in the lead’s country or the CRM’s region', async () => {
  const { crm } = await newCrm({ defaultRegion: 'CN' });
  const cases = [
    [{ phone: '010-6552 9988' }, '+861065529988'],
    [{ phone: '0755-8888 6666' }, '+8675588886666'],
    [{ phone: '13800138000' }, '+8613800138000'],
    [{ phone: '(650) 253-0000', country: 'US' }, '+16502530000'],
    [{ phone: '+44 20 7946 0000' }, '+442079460000'],
  ] as const;
  for (const [index, [fields, e164]] of cases.entries()) {
    const { lead } = await crm.leads.capture({ name: `Lead ${index}`, ...fields }, { source: 'web' });
    assert.equal(lead.phone, e164);
    assert.equal((await crm.leads.get(lead.id)).phone, e164);
  }
  assert.equal(crm.defaultRegion, 'CN');
});

test('a lead update and a duplicate check read phones the same way', async () => {
  const { crm } = await newCrm({ defaultRegion: 'CN' });
  const lead = await crm.leads.create({ name: 'Li Wei' });
  await assert.rejects(
    crm.leads.update(lead.id, { phone: '138-0013-800' }, { expectedVersion: 1 }),
    refusedAt(['phone'], '138-0013-800'),
  );
  const updated = await crm.leads.update(lead.id, { phone: '138 0013 8000' }, { expectedVersion: 1 });
  assert.equal(updated.phone, '+8613800138000');
  await assert.rejects(crm.leads.findDuplicates({ phone: '555-0100', country: 'US' }), refusedAt(['phone'], '555'));
  const matches = await crm.leads.findDuplicates({ phone: '13800138000' });
  assert.deepEqual(
    matches.map((match) => [match.kind, match.id, match.fields]),
    [['lead', lead.id, ['phone']]],
  );
});

test('customer writes refuse invalid numbers at phones.<index> and store valid ones in E.164', async () => {
  const { crm, storage } = await newCrm();
  const before = await everything(storage);
  await assert.rejects(
    crm.customers.create({ kind: 'person', name: 'Li Wei', country: 'CN', phones: ['13800138000', '138-0013-800'] }),
    refusedAt(['phones.1'], '138-0013-800'),
  );
  await assert.rejects(
    crm.customers.create({ kind: 'person', name: 'Ann Lee', country: 'US', phones: ['555-0100'] }),
    refusedAt(['phones.0'], '555-0100'),
  );
  await assert.rejects(
    crm.customers.create({ kind: 'person', name: 'No Region', phones: ['13800138000'] }),
    (error: unknown) => error instanceof ValidationError && /international phone number/.test(error.message),
  );
  assert.deepEqual(await everything(storage), before);

  const customer = await crm.customers.create({
    kind: 'organisation',
    name: '深圳蓝海',
    country: 'CN',
    phones: ['0755-8888 6666', '010-6552 9988', '+1 650 253 0000'],
  });
  assert.deepEqual(customer.phones, ['+8675588886666', '+861065529988', '+16502530000']);

  // An update reads numbers in the stored country when the patch names none.
  await assert.rejects(
    crm.customers.update(customer.id, { phones: ['138-0013-800'] }, { expectedVersion: 1 }),
    refusedAt(['phones.0'], '138-0013-800'),
  );
  const updated = await crm.customers.update(customer.id, { phones: ['13800138000'] }, { expectedVersion: 1 });
  assert.deepEqual(updated.phones, ['+8613800138000']);
  const moved = await crm.customers.update(
    customer.id,
    { country: 'US', phones: ['(650) 253-0000'] },
    { expectedVersion: 2 },
  );
  assert.deepEqual(moved.phones, ['+16502530000']);
  // A patch without phones leaves stored numbers alone.
  assert.deepEqual((await crm.customers.update(customer.id, { tags: ['vip'] }, { expectedVersion: 3 })).phones, [
    '+16502530000',
  ]);
});

test('contacts read numbers in their customer’s country, else the CRM’s region', async () => {
  const { crm } = await newCrm({ defaultRegion: 'US' });
  const chinese = await crm.customers.create({ kind: 'organisation', name: '蓝海', country: 'CN' });
  const contact = await crm.contacts.create({ customerId: chinese.id, name: '王芳', phones: ['010-6552 9988'] });
  assert.deepEqual(contact.phones, ['+861065529988']);
  await assert.rejects(
    crm.contacts.update(contact.id, { phones: ['138-0013-800'] }, { expectedVersion: 1 }),
    refusedAt(['phones.0'], '138-0013-800'),
  );
  const local = await crm.customers.create({ kind: 'organisation', name: 'Acme' });
  const ann = await crm.contacts.create({ customerId: local.id, name: 'Ann', phones: ['(650) 253-0000'] });
  assert.deepEqual(ann.phones, ['+16502530000']);
  await assert.rejects(
    crm.contacts.create({ customerId: local.id, name: 'Bob', phones: ['555-0100'] }),
    refusedAt(['phones.0'], '555-0100'),
  );
});

test('conversion options read the new customer’s and contact’s phones the same way', async () => {
  const { crm } = await newCrm();
  const lead = await crm.leads.create({ name: 'Li Wei', company: '蓝海', country: 'CN' });
  await assert.rejects(
    crm.leads.convert(lead.id, { contact: { phones: ['138-0013-800'] } }),
    refusedAt(['contact.phones.0'], '138-0013-800'),
  );
  const result = await crm.leads.convert(lead.id, {
    customer: { phones: ['010-6552 9988'] },
    contact: { phones: ['13800138000'] },
  });
  assert.deepEqual((await crm.customers.get(result.customer.id)).phones, ['+861065529988']);
  assert.deepEqual((await crm.contacts.get(result.contact!.id)).phones, ['+8613800138000']);
});

test('a host normaliser wins for leads, customers and contacts', async () => {
  const seen: [string, string | undefined][] = [];
  const digits = (raw: string, region?: string) => {
    seen.push([raw, region]);
    return `+${raw.replace(/\D/g, '')}`;
  };
  const { crm } = await newCrm({ defaultRegion: 'GB', normalisePhone: digits });
  const { lead } = await crm.leads.capture({ name: 'A', phone: '(1) 2-3' }, { source: 'web' });
  assert.equal(lead.phone, '+123');
  const customer = await crm.customers.create({ kind: 'organisation', name: 'B', country: 'FR', phones: ['4 5 6'] });
  assert.deepEqual(customer.phones, ['+456']);
  const contact = await crm.contacts.create({ customerId: customer.id, name: 'C', phones: ['7-8-9'] });
  assert.deepEqual(contact.phones, ['+789']);
  assert.deepEqual(seen, [
    ['(1) 2-3', 'GB'],
    ['4 5 6', 'FR'],
    ['7-8-9', 'FR'],
  ]);
  // The lead service's own options override the CRM's for leads.
  const { crm: leadsOwn } = await newCrm({
    normalisePhone: digits,
    leads: { normalisePhone: () => '+999', assignment: false },
  });
  assert.equal((await leadsOwn.leads.create({ name: 'D', phone: '1' })).phone, '+999');
});

test('property: a stored E.164 number goes through customer writes unchanged', async () => {
  const { crm } = await newCrm({ defaultRegion: 'CN' });
  const mobiles = fc
    .tuple(fc.constantFrom('13', '15', '17', '18', '19'), fc.integer({ min: 0, max: 999_999_999 }))
    .map(([prefix, rest]) => normalisePhoneE164(`${prefix}${String(rest).padStart(9, '0')}`, 'CN'))
    .filter((e164): e164 is string => e164 !== undefined);
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(mobiles, { minLength: 1, maxLength: 3 }), async (phones) => {
      const customer = await crm.customers.create({ kind: 'person', name: 'P', country: 'US', phones });
      assert.deepEqual(customer.phones, phones);
    }),
    { numRuns: 40 },
  );
});

test('the core’s index reaches libphonenumber-js only through a dynamic import', async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    splitting: true,
    format: 'esm',
    outdir: '/out',
    write: false,
    metafile: true,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path]!.entryPoint)!;
  const eager = new Set<string>();
  const visit = (path: string): void => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const imported of outputs[path]!.imports) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entry);
  const inputsOf = (paths: Iterable<string>) => [...paths].flatMap((path) => Object.keys(outputs[path]!.inputs));
  const phoneInputs = (inputs: string[]) => inputs.filter((input) => input.includes('libphonenumber-js'));
  assert.deepEqual(phoneInputs(inputsOf(eager)), [], 'nothing of libphonenumber-js loads with the index');
  const lazy = Object.keys(outputs).filter((path) => !eager.has(path) && !path.endsWith('.map'));
  assert.ok(
    phoneInputs(inputsOf(lazy)).some((input) => input.includes('metadata.max')),
    'the full metadata, apart',
  );
});
