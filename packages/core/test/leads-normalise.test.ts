import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '@crmkit/core';
import { normaliseEmail, normaliseLeadFields, normaliseName, normalisePhoneE164 } from '../src/leads/index.js';

test('names are NFC, trimmed, with runs of whitespace (ideographic too) collapsed', () => {
  assert.equal(normaliseName('  Ada   Lovelace \n'), 'Ada Lovelace');
  assert.equal(normaliseName('\u3000张\u3000 伟 '), '张 伟');
  assert.equal(normaliseName('Jose\u0301'), 'José'); // combining accent composed
});

test('emails are trimmed and lower-cased', () => {
  assert.equal(normaliseEmail('  Ada@Example.COM '), 'ada@example.com');
});

test('phones become E.164 in the record’s country, else the default region, else must be international', () => {
  assert.equal(normalisePhoneE164('020 7946 0000', 'GB'), '+442079460000');
  assert.equal(normalisePhoneE164('138 0013 8000', 'CN'), '+8613800138000');
  assert.equal(normalisePhoneE164('+1 (650) 253-0000'), '+16502530000');
  assert.equal(normalisePhoneE164('+44 20 7946 0000', 'CN'), '+442079460000', 'a + number ignores the region');
  assert.equal(normalisePhoneE164('138 0013 8000'), undefined, 'no region: a national number is ambiguous');
  assert.equal(normalisePhoneE164('12', 'CN'), undefined);
  assert.equal(normalisePhoneE164('not a phone', 'CN'), undefined);
  assert.equal(normalisePhoneE164('020 7946 0000', 'ZZ'), undefined, 'an unknown region is no region');

  const lead = normaliseLeadFields(
    { name: ' 张伟 ', email: ' ZW@Example.CN ', phone: '138-0013-8000', country: 'cn', score: 3 },
    { defaultRegion: 'GB' },
  );
  assert.deepEqual(lead, {
    name: '张伟',
    email: 'zw@example.cn',
    phone: '+8613800138000',
    country: 'cn',
    score: 3,
  });
  assert.equal(normaliseLeadFields({ phone: '020 7946 0000' }, { defaultRegion: 'GB' }).phone, '+442079460000');
});

test('an invalid phone is a ValidationError at phone that does not repeat the number', () => {
  assert.throws(
    () => normaliseLeadFields({ name: 'A', phone: '555 0100 secret' }, { defaultRegion: 'CN' }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields, ['phone']);
      assert.doesNotMatch(error.message, /555|secret/);
      return true;
    },
  );
  assert.throws(() => normaliseLeadFields({ phone: '138 0013 8000' }), /international phone number/);
});

test('a host phone normaliser can replace libphonenumber', () => {
  const digits = (raw: string) => `+${raw.replace(/\D/g, '')}`;
  assert.equal(normaliseLeadFields({ phone: '(1) 2-3' }, { normalisePhone: digits }).phone, '+123');
});

const validPhones = [
  ['+44 20 7946 0000', undefined],
  ['020 7946 0000', 'GB'],
  ['(020) 7946-0000', 'GB'],
  ['138 0013 8000', 'CN'],
  ['+86 138-0013-8000', undefined],
  ['+1 650 253 0000', undefined],
  ['650.253.0000', 'US'],
] as const;

test('property: normalisation is idempotent', () => {
  const spaced = fc
    .array(fc.constantFrom('a', 'B', 'é', '张', ' ', '\t', '\u3000', '\n', 'e\u0301', '-'), { maxLength: 30 })
    .map((chars) => chars.join(''));
  fc.assert(
    fc.property(
      spaced,
      spaced,
      fc.emailAddress().map((email) => ` ${email.toUpperCase()} `),
      fc.constantFrom(...validPhones),
      (name, company, email, [phone, region]) => {
        const options = region ? { defaultRegion: region } : {};
        const once = normaliseLeadFields({ name, company, email, phone }, options);
        const twice = normaliseLeadFields(once, options);
        assert.deepEqual(twice, once);
        assert.equal(normaliseName(normaliseName(name)), normaliseName(name));
        assert.equal(normaliseEmail(normaliseEmail(email)), normaliseEmail(email));
        // Normalised E.164 is region-independent: reading it again in any region gives it back.
        assert.equal(normalisePhoneE164(once.phone, 'CN'), once.phone);
      },
    ),
  );
});

test('every name field is normalised; other strings are left alone', () => {
  assert.deepEqual(
    normaliseLeadFields({ name: ' A  B ', company: ' Acme\u3000 Ltd ', campaign: ' Spring  2026 ', source: ' web ' }),
    { name: 'A B', company: 'Acme Ltd', campaign: 'Spring 2026', source: ' web ' },
  );
  assert.deepEqual(normaliseLeadFields({ name: 3, email: null }), { name: 3, email: null });
});

test('the record’s country is trimmed and upper-cased; a blank one falls back to the default region', () => {
  assert.equal(normaliseLeadFields({ phone: '020 7946 0000', country: ' gb ' }).phone, '+442079460000');
  assert.equal(
    normaliseLeadFields({ phone: '138 0013 8000', country: '' }, { defaultRegion: 'CN' }).phone,
    '+8613800138000',
  );
  const seen: (string | undefined)[] = [];
  normaliseLeadFields(
    { phone: '1', country: 'fr' },
    {
      normalisePhone: (raw, region) => {
        seen.push(region);
        return raw;
      },
    },
  );
  assert.deepEqual(seen, ['FR']);
});

test('an invalid phone with a region says so; the error names the lead', () => {
  assert.throws(
    () => normaliseLeadFields({ phone: '12' }, { defaultRegion: 'CN' }),
    (error: unknown) =>
      error instanceof ValidationError &&
      /Expected a phone number valid in its region/.test(error.message) &&
      /lead/.test(error.message),
  );
});

test('phones as entered: 3 to 40 characters of digits and separators, then an optional extension', () => {
  assert.equal(normalisePhoneE164(' +44 20 7946 0000 ', 'CN'), '+442079460000', 'surrounding space is trimmed');
  assert.equal(normalisePhoneE164('+44 20 7946 0000 ext. 12'), '+442079460000');
  assert.equal(normalisePhoneE164('+44 20 7946 0000 x12'), '+442079460000');
  assert.equal(normalisePhoneE164('+44 20 7946 0000 #12'), '+442079460000');
  assert.equal(normalisePhoneE164('+44 20 7946 0000 ext 1234567'), undefined, 'extensions have at most 6 digits');
  assert.equal(normalisePhoneE164(`+44${' '.repeat(28)}2079460000`), '+442079460000', '40 characters after +');
  assert.equal(normalisePhoneE164(`+44${' '.repeat(29)}2079460000`), undefined, '41 characters after +');
  assert.equal(normalisePhoneE164('+12'), undefined, 'too short to be anything');
  assert.equal(normalisePhoneE164('+44 20 7946 0000 a'), undefined);
  assert.equal(normalisePhoneE164('a +44 20 7946 0000'), undefined);
});
