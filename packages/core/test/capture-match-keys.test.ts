/**
 * Duplicate detection through match keys (issue 18): the services keep `matchKeys` on every lead, customer and contact
 * they write, input never sets them, and capture finds its candidates with indexed queries, reading a bounded number
 * of records however many are stored. Records written before match keys existed are found through the e-mail, phone
 * and name indexes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DuplicateError,
  ValidationError,
  createCrm,
  createMemoryStorage,
  type MemoryData,
  type StoredRecord,
} from '@crmkit/core';
import { matchKeysOf, type MatchKeyCollection } from '../src/leads/match-keys.js';

const AT = '2026-03-01T08:00:00.000Z';

function stored(collection: MatchKeyCollection, fields: Record<string, unknown>, keyed = true): StoredRecord {
  const record = { ...fields, version: 1, createdAt: AT, updatedAt: AT } as StoredRecord;
  return Object.freeze(keyed ? { ...record, matchKeys: matchKeysOf(collection, record) } : record);
}

/** A CRM over `count` leads and `count` customers (every tenth an organisation with a contact), as the services write them. */
async function populated(count: number, extra: (data: MemoryData) => void = () => undefined) {
  const leads = new Map<string, StoredRecord>();
  const customers = new Map<string, StoredRecord>();
  const contacts = new Map<string, StoredRecord>();
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(6, '0');
    leads.set(
      `lead-${n}`,
      stored('leads', {
        id: `lead-${n}`,
        name: `Lead ${n}`,
        company: `Company ${n}`,
        email: `lead${n}@example.com`,
        phone: `+86138${n}00`,
        status: 'new',
        score: 0,
        scoreHistory: [],
        customFields: {},
      }),
    );
    const organisation = i % 10 === 0;
    customers.set(
      `cus-${n}`,
      stored('customers', {
        id: `cus-${n}`,
        kind: organisation ? 'organisation' : 'person',
        name: organisation ? `Organisation ${n}` : `Person ${n}`,
        emails: [`customer${n}@example.com`],
        phones: [`+86139${n}00`],
        tags: [],
        lifecycleStage: 'lead',
        customFields: {},
      }),
    );
    if (organisation) {
      contacts.set(
        `con-${n}`,
        stored('contacts', {
          id: `con-${n}`,
          customerId: `cus-${n}`,
          name: `Contact ${n}`,
          emails: [`contact${n}@example.com`],
          phones: [],
          primary: true,
          customFields: {},
        }),
      );
    }
  }
  const data: MemoryData = new Map([
    ['leads', leads],
    ['customers', customers],
    ['contacts', contacts],
  ]);
  extra(data);
  let reads = 0;
  const storage = createMemoryStorage({ data, onRead: (records) => (reads += records) });
  const crm = await createCrm({
    storage,
    actor: { id: 'admin-1', role: 'admin' },
    clock: () => new Date(AT),
    leads: { defaultRegion: 'CN', assignment: false },
  });
  return {
    crm,
    data,
    reads: () => reads,
    resetReads: () => void (reads = 0),
  };
}

const SIZE = 20_000;
/** Generous for a capture that reads its duplicates, its custom fields and little else; a scan reads 40 000+. */
const READ_BOUND = 60;

test('capture at 20 000 leads and customers reads a bounded number of records and still finds every duplicate', async () => {
  const env = await populated(SIZE);
  // Warm the phone normaliser (a lazy import) so the measured capture is like any later one.
  await env.crm.leads.findDuplicates({ phone: '+8613800000000' });

  env.resetReads();
  const fresh = await env.crm.leads.capture(
    { name: 'Someone New', email: 'new@example.com', phone: '139 9999 9999', company: 'Elsewhere' },
    { source: 'web' },
  );
  assert.deepEqual(fresh.duplicates, []);
  assert.ok(env.reads() <= READ_BOUND, `a capture without duplicates read ${env.reads()} records`);

  // The same e-mail as a stored lead blocks, in another case.
  env.resetReads();
  await assert.rejects(
    env.crm.leads.capture({ name: 'Other', email: 'LEAD012345@example.com' }, { source: 'web' }),
    (error: unknown) => {
      assert.ok(error instanceof DuplicateError);
      assert.deepEqual(
        error.matches.map((match) => [match.kind, match.id]),
        [['lead', 'lead-012345']],
      );
      return true;
    },
  );
  assert.ok(env.reads() <= READ_BOUND, `a blocked capture read ${env.reads()} records`);

  // A customer's phone (national format in), a contact by name at its organisation (legal form aside).
  env.resetReads();
  const alerted = await env.crm.leads.capture(
    { name: 'contact 000120', company: 'Organisation 000120 Ltd', phone: '139 0001 2300' },
    { source: 'web' },
  );
  assert.deepEqual(
    alerted.duplicates.map((match) => [match.kind, match.id, match.rules.map((rule) => rule.rule)]),
    [
      ['customer', 'cus-000123', ['phone']],
      ['contact', 'con-000120', ['nameCompany']],
    ],
  );
  assert.ok(env.reads() <= READ_BOUND, `a capture with alerts read ${env.reads()} records`);
});

test('records written before match keys are found through the e-mail, phone and name indexes', async () => {
  const env = await populated(1_000, (data) => {
    data
      .get('leads')!
      .set(
        'old-lead',
        stored('leads', { id: 'old-lead', name: 'Old Lead', email: 'old@example.com', status: 'new', score: 0 }, false),
      );
    data.get('customers')!.set(
      'old-customer',
      stored(
        'customers',
        {
          id: 'old-customer',
          kind: 'person',
          name: 'Grace Hopper',
          company: 'Navy',
          emails: [],
          phones: ['+8613700000000'],
          tags: [],
          lifecycleStage: 'lead',
        },
        false,
      ),
    );
    // Stored in a national format by something else: no index holds it in E.164.
    data
      .get('customers')!
      .set(
        'old-national',
        stored(
          'customers',
          { id: 'old-national', kind: 'person', name: 'N', emails: [], phones: ['137 0000 0001'], tags: [] },
          false,
        ),
      );
  });
  const found = await env.crm.leads.findDuplicates({
    name: 'Grace Hopper',
    company: 'US Navy',
    email: 'OLD@example.com',
    phone: '137 0000 0000',
  });
  assert.deepEqual(
    found.map((match) => [match.kind, match.id, match.rules.map((rule) => rule.rule)]),
    [
      ['lead', 'old-lead', ['email']],
      ['customer', 'old-customer', ['phone', 'nameCompany']],
    ],
  );
  const national = await env.crm.leads.findDuplicates({ phone: '137 0000 0001' });
  assert.deepEqual(national, [], 'a number stored in another format is found only once a service rewrites it');
  // Exactly the same name and a similar company: found through the name index.
  const byName = await env.crm.leads.findDuplicates({ name: 'Grace Hopper', company: 'Navy Ltd' });
  assert.deepEqual(
    byName.map((match) => [match.kind, match.id]),
    [['customer', 'old-customer']],
  );
});

test('the services keep match keys on every write and never take them from input', async () => {
  const env = await populated(10);
  const { crm } = env;
  const rows = (collection: string, id: string) => env.data.get(collection)!.get(id) as Record<string, unknown>;

  const customer = await crm.customers.create({
    kind: 'person',
    name: 'Ada  Lovelace',
    emails: [' Ada@Example.com'],
    phones: ['+44 20 7946 0000'],
  });
  assert.deepEqual(rows('customers', customer.id)['matchKeys'], [
    'e:ada@example.com',
    'n:ada lovelace',
    'p:+442079460000',
  ]);
  await crm.customers.update(customer.id, { emails: ['ada@analytical.example'] }, { expectedVersion: 1 });
  assert.deepEqual(rows('customers', customer.id)['matchKeys'], [
    'e:ada@analytical.example',
    'n:ada lovelace',
    'p:+442079460000',
  ]);
  const organisation = await crm.customers.create({ kind: 'organisation', name: 'Analytical Engines', emails: [] });
  assert.equal(rows('customers', organisation.id)['matchKeys'], undefined, 'an organisation has no name key');

  const contact = await crm.contacts.create({ customerId: organisation.id, name: 'Charles Babbage' });
  assert.deepEqual(rows('contacts', contact.id)['matchKeys'], ['n:babbage charles']);

  const { lead } = await crm.leads.capture({ name: 'Li Wei', email: 'li@example.com' }, { source: 'web' });
  assert.deepEqual(rows('leads', lead.id)['matchKeys'], ['e:li@example.com', 'n:li wei']);
  await crm.leads.update(lead.id, { phone: '138 0013 8000' }, { expectedVersion: 1 });
  assert.deepEqual(rows('leads', lead.id)['matchKeys'], ['e:li@example.com', 'n:li wei', 'p:+8613800138000']);
  // The new phone is re-scored in the background: qualify the lead as it is once that is done.
  await crm.settled();
  await crm.leads.qualify(lead.id, { expectedVersion: (await crm.leads.get(lead.id)).version });
  const converted = await crm.leads.convert(lead.id, {});
  assert.deepEqual(rows('customers', converted.customer.id)['matchKeys'], [
    'e:li@example.com',
    'n:li wei',
    'p:+8613800138000',
  ]);

  // Input never sets them: refused as an unknown key, nothing written.
  const refused = async (promise: Promise<unknown>) =>
    assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.ok(error.fields.includes('matchKeys'), String(error.fields));
      return true;
    });
  await refused(crm.customers.create({ kind: 'person', name: 'X', matchKeys: ['e:x@example.com'] } as never));
  await refused(crm.customers.update(customer.id, { matchKeys: [] } as never, { expectedVersion: 2 }));
  await refused(crm.contacts.create({ customerId: organisation.id, name: 'Y', matchKeys: [] } as never));
  await refused(crm.leads.capture({ name: 'Z', matchKeys: ['e:z@example.com'] } as never, { source: 'web' }));
  assert.deepEqual(
    (await crm.customers.list({ where: { field: 'matchKeys', op: 'hasAny', values: ['e:x@example.com'] } })).records,
    [],
  );

  // An update is audited and announced with the fields it changed, never the keys it rewrote.
  const updated: string[][] = [];
  crm.on('customer.updated', (event) => updated.push([...event.changedFields]));
  await crm.customers.update(customer.id, { phones: [] }, { expectedVersion: 2 });
  assert.deepEqual(updated, [['phones']]);
});
