import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import {
  ValidationError,
  canonicalJson,
  createCrm,
  createMemoryStorage,
  normaliseLeadFields,
  normalisePhoneE164,
  phoneSchema,
  parseOrThrow,
} from '@crmkit/core';

// "138-0013-800" (a digit short of a Chinese mobile) and "555-0100" (no US area code) were accepted as valid: a length
// the country allows is not a number it assigns. Phones must be valid for their country, and are stored in E.164.

test('numbers of a possible length that their country does not assign are refused', () => {
  assert.equal(normalisePhoneE164('138-0013-800', 'CN'), undefined);
  assert.equal(normalisePhoneE164('+86 138-0013-800'), undefined);
  assert.equal(normalisePhoneE164('555-0100', 'US'), undefined);
  assert.equal(normalisePhoneE164('+1 555-0100'), undefined);
  assert.equal(normalisePhoneE164('(555) 123-4567', 'US'), undefined);
  // Real shapes are kept, in E.164.
  assert.equal(normalisePhoneE164('138-0013-8000', 'CN'), '+8613800138000');
  assert.equal(normalisePhoneE164('021 6234 5678', 'CN'), '+862162345678');
  assert.equal(normalisePhoneE164('(415) 555-0123', 'US'), '+14155550123');
  assert.equal(normalisePhoneE164('020 7946 0000', 'GB'), '+442079460000');
  assert.throws(
    () => normaliseLeadFields({ name: 'A', phone: '138-0013-800' }, { defaultRegion: 'CN' }),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'phone',
  );
});

test('property: whatever is accepted is valid for its country, E.164, and accepted again unchanged', () => {
  const region = fc.constantFrom('CN', 'US', 'GB', 'DE', 'SG', 'HK', 'JP', 'AU', undefined);
  const raw = fc.oneof(
    fc.stringMatching(/^\+?[1-9][0-9 -]{5,16}[0-9]$/),
    fc
      .tuple(fc.constantFrom('+86 1', '1', '+1 ', '+44 ', '0'), fc.stringMatching(/^[0-9]{6,11}$/))
      .map(([a, b]) => a + b),
  );
  fc.assert(
    fc.property(raw, region, (input, country) => {
      const e164 = normalisePhoneE164(input, country);
      if (e164 === undefined) return;
      assert.match(e164, /^\+[1-9]\d{6,14}$/);
      assert.ok(isValidPhoneNumber(e164), e164);
      assert.equal(normalisePhoneE164(e164), e164);
      assert.equal(parseOrThrow(phoneSchema, e164), e164);
    }),
    { numRuns: 2000 },
  );
});

test('customers, contacts and leads refuse such numbers, name the field, and store nothing', async () => {
  const storage = createMemoryStorage({ now: () => new Date('2026-03-01T00:00:00Z') });
  const crm = await createCrm({ storage, actor: { id: 'admin-1', role: 'admin' }, leads: { defaultRegion: 'CN' } });
  const customer = await crm.customers.create({ kind: 'person', name: 'Li Wei', phones: ['+86 138 0013 8000'] });
  assert.deepEqual(customer.phones, ['+8613800138000']);
  const before = canonicalJson(await storage.exportSnapshot());
  const refused = (field: string) => (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual(error.fields, [field]);
    return true;
  };
  await assert.rejects(
    crm.customers.create({ kind: 'person', name: 'Zhang', phones: ['+86 138-0013-800'] }),
    refused('phones.0'),
  );
  await assert.rejects(
    crm.customers.create({ kind: 'person', name: 'Ann', phones: ['555-0100'] }),
    refused('phones.0'),
  );
  await assert.rejects(
    crm.customers.update(customer.id, { phones: ['+1 555-0100'] }, { expectedVersion: customer.version }),
    refused('phones.0'),
  );
  await assert.rejects(
    crm.contacts.create({ customerId: customer.id, name: 'Wang', phones: ['+86 138-0013-800'] }),
    refused('phones.0'),
  );
  await assert.rejects(crm.leads.capture({ name: 'Zhao', phone: '138-0013-800' }, { source: 'web' }), refused('phone'));
  await assert.rejects(
    crm.leads.capture({ name: 'Ann', phone: '555-0100', country: 'US' }, { source: 'web' }),
    refused('phone'),
  );
  assert.equal(canonicalJson(await storage.exportSnapshot()), before);
  const { lead } = await crm.leads.capture({ name: 'Zhao', phone: '138-0013-8000' }, { source: 'web' });
  assert.equal(lead.phone, '+8613800138000');
  await crm.dispose();
});
