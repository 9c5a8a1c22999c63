import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@crmkit/core';
import { mergeLeadFields, mergeLeadIntoCustomerFields, unionContactPoints } from '../src/leads/index.js';

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
