import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@crmkit/core';
import {
  MERGEABLE_LEAD_FIELDS,
  mergeLeadFields,
  mergeLeadIntoCustomerFields,
  unionContactPoints,
} from '../src/leads/index.js';

const survivor = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  status: 'working',
  score: 10,
  ownerId: 'rep-1',
  assignment: { strategy: 'roundRobin', code: 'rotation', at: '2026-03-01T00:00:00.000Z' },
  customFields: { region: 'north', size: 10 },
};
const other = {
  name: 'A. Lovelace',
  email: 'ada@work.example',
  phone: '+442079460000',
  company: 'Analytical Engines',
  status: 'disqualified',
  disqualifyReason: 'no budget',
  disqualifiedAt: '2026-02-01T00:00:00.000Z',
  ownerId: 'rep-2',
  customFields: { region: 'south', budget: 'high' },
};

test('by default the survivor keeps its values and gains the other’s where it has none', () => {
  const { fields, takenFromOther } = mergeLeadFields(survivor, other);
  assert.equal(fields['name'], 'Ada Lovelace');
  assert.equal(fields['email'], 'ada@example.com');
  assert.equal(fields['phone'], '+442079460000');
  assert.equal(fields['company'], 'Analytical Engines');
  assert.equal(fields['status'], 'working');
  assert.equal(fields['disqualifyReason'], undefined);
  assert.deepEqual(fields['customFields'], { region: 'north', size: 10, budget: 'high' });
  assert.deepEqual(takenFromOther, ['company', 'phone', 'customFields.budget']);
});

test('chosen fields come from the chosen lead, with their companions (status → reason, owner → assignment)', () => {
  const { fields, takenFromOther } = mergeLeadFields(survivor, other, {
    email: 'other',
    status: 'other',
    ownerId: 'other',
    phone: 'survivor',
    'customFields.region': 'other',
  });
  assert.equal(fields['email'], 'ada@work.example');
  assert.equal(fields['phone'], undefined, 'the survivor had none and it was chosen');
  assert.equal(fields['status'], 'disqualified');
  assert.equal(fields['disqualifyReason'], 'no budget');
  assert.equal(fields['ownerId'], 'rep-2');
  assert.equal(fields['assignment'], undefined, 'the other lead had no assignment record');
  assert.deepEqual(fields['customFields'], { region: 'south', size: 10, budget: 'high' });
  assert.deepEqual(takenFromOther, [
    'company',
    'email',
    'ownerId',
    'status',
    'customFields.budget',
    'customFields.region',
  ]);
});

test('unknown choices and converted leads are refused', () => {
  assert.throws(
    () => mergeLeadFields(survivor, other, { score: 'other' } as never),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'score',
  );
  assert.throws(
    () => mergeLeadFields(survivor, { ...other, status: 'converted' }),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'other.status',
  );
});

test('into a customer: the customer keeps its fields unless told; a person gains the lead’s email and phone', () => {
  const customer = { kind: 'person', name: 'Ada King', emails: ['ada@example.com'], phones: [], source: 'web' };
  const lead = {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+442079460000',
    company: 'AE',
    source: 'fair',
  };
  const merged = mergeLeadIntoCustomerFields(customer, lead);
  assert.deepEqual(merged.fields, {
    kind: 'person',
    name: 'Ada King',
    company: 'AE',
    emails: ['ada@example.com'],
    phones: ['+442079460000'],
    source: 'web',
  });
  assert.deepEqual(merged.takenFromOther, ['company', 'phones']);
  const named = mergeLeadIntoCustomerFields(customer, lead, { name: 'lead', source: 'lead' });
  assert.deepEqual([named.fields['name'], named.fields['source']], ['Ada Lovelace', 'fair']);
  const organisation = mergeLeadIntoCustomerFields({ kind: 'organisation', name: 'AE', emails: [] }, lead);
  assert.deepEqual(organisation.fields['emails'], [], 'an organisation’s people are contacts');
  assert.throws(() => mergeLeadIntoCustomerFields(customer, lead, { emails: 'lead' } as never), ValidationError);
});

test('contact points: union in order, at most 20', () => {
  assert.deepEqual(unionContactPoints(['a'], ['b', 'a', undefined]), ['a', 'b']);
  const full = Array.from({ length: 20 }, (_, i) => `${i}`);
  assert.deepEqual(unionContactPoints(full, ['x']), full);
});

test('every mergeable field: the survivor gains it when it has none, in the list’s order; choices can blank one', () => {
  const fields = [
    'name',
    'company',
    'email',
    'phone',
    'source',
    'campaign',
    'ownerId',
    'country',
    'territory',
    'industry',
    'language',
    'status',
  ];
  assert.deepEqual([...MERGEABLE_LEAD_FIELDS], fields);
  const other = Object.fromEntries(fields.map((field) => [field, `${field}-of-other`]));
  const gained = mergeLeadFields({ id: 's' }, other);
  assert.deepEqual(gained.takenFromOther, fields);
  assert.deepEqual(gained.fields, { id: 's', ...other, customFields: {} });
  const kept = mergeLeadFields(other, { name: 'x' });
  assert.deepEqual(kept.takenFromOther, []);
  // Choosing the other side where it has no value removes the survivor's.
  const blanked = mergeLeadFields(
    { name: 'S', campaign: 'C', customFields: { tier: 'gold' } },
    {},
    {
      campaign: 'other',
      'customFields.tier': 'other',
    },
  );
  assert.deepEqual(blanked.fields, { name: 'S', customFields: {} });
  assert.deepEqual(blanked.takenFromOther, ['campaign', 'customFields.tier']);
});

test('status brings every companion, blanking those the other lead lacks; ownerId brings the assignment', () => {
  const survivor = {
    status: 'disqualified',
    disqualifyReason: 'spam',
    disqualifiedAt: '2026-01-01T00:00:00.000Z',
    qualifiedAt: '2025-12-01T00:00:00.000Z',
    ownerId: 'u1',
    assignment: { rule: 'a' },
  };
  const other = { status: 'qualified', qualifiedAt: '2026-02-01T00:00:00.000Z', ownerId: 'u2' };
  const { fields } = mergeLeadFields(survivor, other, { status: 'other', ownerId: 'other' });
  assert.deepEqual(fields, {
    status: 'qualified',
    qualifiedAt: '2026-02-01T00:00:00.000Z',
    ownerId: 'u2',
    customFields: {},
  });
  const withAssignment = mergeLeadFields(survivor, { ...other, assignment: { rule: 'b' } }, { ownerId: 'other' });
  assert.deepEqual(withAssignment.fields['assignment'], { rule: 'b' });
  assert.equal(withAssignment.fields['disqualifyReason'], 'spam', 'status companions stay with the status');
});

test('custom fields merge key by key, listed in key order; only own keys count', () => {
  const { fields, takenFromOther } = mergeLeadFields(
    { customFields: { b: 1, d: undefined } },
    { customFields: { d: 4, a: 2, c: 3, b: 9 } },
  );
  assert.deepEqual(fields['customFields'], { b: 1, d: 4, a: 2, c: 3 });
  assert.deepEqual(takenFromOther, ['customFields.a', 'customFields.c', 'customFields.d']);
  const inherited = Object.create({ z: 1 }) as Record<string, unknown>;
  assert.deepEqual(mergeLeadFields({}, { customFields: inherited }).fields['customFields'], {});
});

test('a converted lead on either side is refused, naming the side; bad choices name merge choices', () => {
  for (const [survivor, other, fields] of [
    [{ status: 'converted' }, {}, ['survivor.status']],
    [{}, { status: 'converted' }, ['other.status']],
    [{ status: 'converted' }, { status: 'converted' }, ['survivor.status', 'other.status']],
  ] as const) {
    assert.throws(
      () => mergeLeadFields(survivor, other),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.fields.join() === fields.join() &&
        /customer instead/.test(error.message),
    );
  }
  assert.throws(() => mergeLeadFields({}, {}, { nickname: 'other' } as never), /merge choices/);
  assert.throws(() => mergeLeadIntoCustomerFields({}, {}, { email: 'lead' } as never), /merge choices/);
});

test('into a customer: each of name, company, source, ownerId and country; an organisation keeps its contact points', () => {
  const lead = { name: 'N', company: 'C', source: 'S', ownerId: 'O', country: 'CN', email: 'a@b.c', phone: '+1' };
  const gained = mergeLeadIntoCustomerFields({ kind: 'organisation' }, lead);
  assert.deepEqual(gained, {
    fields: { kind: 'organisation', name: 'N', company: 'C', source: 'S', ownerId: 'O', country: 'CN' },
    takenFromOther: ['name', 'company', 'source', 'ownerId', 'country'],
  });
  const chosen = mergeLeadIntoCustomerFields(
    { kind: 'organisation', name: 'X', country: 'GB' },
    { name: 'N' },
    {
      name: 'lead',
      country: 'lead',
    },
  );
  assert.deepEqual(chosen.fields, { kind: 'organisation', name: 'N' });
  const person = mergeLeadIntoCustomerFields({ kind: 'person', emails: ['a@b.c'] }, { email: 'a@b.c', phone: '+1' });
  assert.deepEqual(person.fields, { kind: 'person', emails: ['a@b.c'], phones: ['+1'] });
  assert.deepEqual(person.takenFromOther, ['phones']);
  const bare = mergeLeadIntoCustomerFields({ kind: 'person' }, {});
  assert.deepEqual(bare, { fields: { kind: 'person', emails: [], phones: [] }, takenFromOther: [] });
});

test('contact points: the 20th is added, a 21st is not', () => {
  const nineteen = Array.from({ length: 19 }, (_, i) => `p${i}`);
  assert.equal(unionContactPoints(nineteen, ['new']).length, 20);
  assert.deepEqual(unionContactPoints([...nineteen, 'p19'], ['new']), [...nineteen, 'p19']);
  assert.deepEqual(unionContactPoints([], [undefined, 'a', 'a', undefined, 'b']), ['a', 'b']);
});
