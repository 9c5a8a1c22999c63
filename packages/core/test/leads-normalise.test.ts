import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError, loadPhoneNormaliser, type NormaliseOptions } from '@crmkit/core';
import { formatPhone, normalisePhoneE164 } from '@crmkit/core/phone';
import examples from 'libphonenumber-js/examples.mobile';
import { normaliseEmail, normaliseLeadFields, normaliseName } from '../src/leads/index.js';

/** normaliseLeadFields with the default phone normaliser, as the lead service calls it. */
const normalised = <T extends object>(input: T, options: NormaliseOptions = {}): T =>
  normaliseLeadFields(input, { normalisePhone: normalisePhoneE164, ...options });

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

  const lead = normalised(
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
  assert.equal(normalised({ phone: '020 7946 0000' }, { defaultRegion: 'GB' }).phone, '+442079460000');
});

test('an invalid phone is a ValidationError at phone that does not repeat the number', () => {
  assert.throws(
    () => normalised({ name: 'A', phone: '555 0100 secret' }, { defaultRegion: 'CN' }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.fields, ['phone']);
      assert.doesNotMatch(error.message, /555|secret/);
      return true;
    },
  );
  assert.throws(() => normalised({ phone: '138 0013 8000' }), /international phone number/);
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
        const once = normalised({ name, company, email, phone }, options);
        const twice = normalised(once, options);
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
  assert.equal(normalised({ phone: '020 7946 0000', country: ' gb ' }).phone, '+442079460000');
  assert.equal(normalised({ phone: '138 0013 8000', country: '' }, { defaultRegion: 'CN' }).phone, '+8613800138000');
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
    () => normalised({ phone: '12' }, { defaultRegion: 'CN' }),
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

test('validity, not only length: numbers no country uses are refused; real landlines and mobiles are read', () => {
  assert.equal(normalisePhoneE164('138-0013-800', 'CN'), undefined, 'ten digits starting 138: no Chinese number');
  assert.equal(normalisePhoneE164('555-0100', 'US'), undefined, 'no area code');
  assert.equal(normalisePhoneE164('+86 138-0013-800'), undefined);
  assert.equal(normalisePhoneE164('010-6552 9988', 'CN'), '+861065529988', 'a Beijing landline');
  assert.equal(normalisePhoneE164('0755-8888 6666', 'CN'), '+8675588886666', 'a Shenzhen landline');
  assert.equal(normalisePhoneE164('13800138000', 'CN'), '+8613800138000', 'a mobile');
  assert.equal(normalisePhoneE164('(650) 253-0000', 'US'), '+16502530000');
});

test('normaliseLeadFields needs a phone normaliser only when the input carries a phone', () => {
  assert.deepEqual(normaliseLeadFields({ name: ' A ', email: 'A@B.C' }), { name: 'A', email: 'a@b.c' });
  assert.throws(() => normaliseLeadFields({ name: 'A', phone: '+8613800138000' }), TypeError);
});

test('loadPhoneNormaliser loads the same normaliser as @crmkit/core/phone, once', async () => {
  const [first, second] = await Promise.all([loadPhoneNormaliser(), loadPhoneNormaliser()]);
  assert.equal(first, normalisePhoneE164);
  assert.equal(second, first);
});

/** Every country's example mobile number with its last two digits varied, as the country writes it nationally. */
const nationalNumbers = fc
  .tuple(fc.constantFrom(...Object.entries(examples)), fc.integer({ min: 0, max: 99 }))
  .map(([[country, national], tail]) => [country, `${national.slice(0, -2)}${String(tail).padStart(2, '0')}`] as const);

test('property: a valid stored E.164 number normalises to itself, in any region, and as it is shown', () => {
  const regions = fc.constantFrom(undefined, 'CN', 'US', 'GB', 'DE', 'ZZ');
  fc.assert(
    fc.property(nationalNumbers, regions, ([country, national], region) => {
      const stored = normalisePhoneE164(national, country);
      fc.pre(stored !== undefined);
      assert.match(stored, /^\+[1-9]\d{1,14}$/);
      assert.equal(normalisePhoneE164(stored, region), stored);
      // What the CRM shows reads back as what it stores: international anywhere, national in its own country.
      assert.equal(normalisePhoneE164(formatPhone(stored), region), stored);
      assert.equal(normalisePhoneE164(formatPhone(stored, country), country), stored);
    }),
    { numRuns: 500 },
  );
});

test('formatPhone: international, national in its own region, anything else as it is', () => {
  assert.equal(formatPhone('+8613800138000'), '+86 138 0013 8000');
  assert.equal(formatPhone('+8613800138000', 'US'), '+86 138 0013 8000');
  assert.equal(formatPhone('+8613800138000', 'CN'), '138 0013 8000');
  assert.equal(formatPhone('+861065529988', 'CN'), '010 6552 9988');
  assert.equal(formatPhone('+16502530000', 'US'), '(650) 253-0000');
  assert.equal(formatPhone('+861380013800'), '+861380013800', 'not a valid number: as stored');
  assert.equal(formatPhone('call me'), 'call me');
});
