import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MASK, maskAddress, maskEmail, maskPhone, maskText } from '@crmkit/core';

const digitsOf = (value: string): string => value.replace(/[^0-9]/g, '');

test('maskEmail keeps the first character of the local part and the domain', () => {
  assert.equal(maskEmail('ada.lovelace@example.com'), 'a***@example.com');
  assert.equal(maskEmail('  Zhang.San@qq.example  '), 'Z***@qq.example');
  assert.equal(maskEmail('张三@例子.中国'), '张***@例子.中国');
  // A one-character local part would be shown whole: nothing of it is kept.
  assert.equal(maskEmail('a@example.com'), '***@example.com');
  // An astral first character is kept whole, never half a surrogate pair.
  assert.equal(maskEmail('😀x@example.com'), '😀***@example.com');
  // The last `@` splits: a quoted local part may hold one.
  assert.equal(maskEmail('"a@b"@example.com'), '"***@example.com');
});

test('maskEmail masks what is not an address as text', () => {
  assert.equal(maskEmail('not an address'), 'n***');
  assert.equal(maskEmail('@example.com'), '@***');
  assert.equal(maskEmail('ada@'), 'a***');
  assert.equal(maskEmail(''), '');
});

test('maskPhone keeps the country calling code and the last four digits', () => {
  assert.equal(maskPhone('+86 138 0013 8000'), '+86 *** **** 8000');
  assert.equal(maskPhone('+8613800138000'), '+86*******8000');
  assert.equal(maskPhone('+1 206-555-0172'), '+1 ***-***-0172');
  assert.equal(maskPhone('+852 2345 6789'), '+852 **** 6789');
  assert.equal(maskPhone('+61 491 570 212'), '+61 *** **0 212');
  assert.equal(maskPhone('(020) 7946 0018'), '(***) **** 0018');
  assert.equal(maskPhone('13800138000'), '*******8000');
});

test('maskPhone hides at least half of a short number', () => {
  assert.equal(maskPhone('12345'), '***45');
  assert.equal(maskPhone('+86 12'), '+86 *2');
  assert.equal(maskPhone('7'), '*');
  assert.equal(maskPhone('1-800-FLOWERS'), '*-***-***WERS');
  assert.equal(maskPhone('---'), '-***');
});

test('maskText keeps a first character and hides the length of the rest', () => {
  assert.equal(maskText('Baker Street 221b'), 'B***');
  assert.equal(maskText('建设路850号'), '建***');
  assert.equal(maskText('x'), MASK);
  assert.equal(maskText('   '), '');
  assert.equal(maskText('Baker Street', { keep: 3 }), 'Bak***');
  assert.equal(maskText('ab', { keep: 5 }), 'a***');
  assert.equal(maskText('10115', { keep: 0 }), '***');
});

test('maskAddress masks street lines and postal code, keeps city, region and country', () => {
  assert.deepEqual(
    maskAddress({ line1: '221b Baker Street', line2: 'Flat 2', city: 'London', postalCode: 'NW1 6XE', country: 'GB' }),
    { line1: '2***', line2: 'F***', city: 'London', postalCode: '***', country: 'GB' },
  );
  assert.deepEqual(maskAddress({ city: '重庆', region: '重庆市' }), { city: '重庆', region: '重庆市' });
});

// Local parts and domains from disjoint alphabets, so "the output contains the hidden part" can only mean a leak.
const localPart = fc.string({ unit: fc.constantFrom(...'abcdefghijklm0123456789_+-'), minLength: 2, maxLength: 40 });
const domain = fc
  .array(fc.string({ unit: fc.constantFrom(...'nopqrstuvwxyz'), minLength: 1, maxLength: 12 }), {
    minLength: 2,
    maxLength: 4,
  })
  .map((labels) => labels.join('.'));

test('property: a masked email never contains the local part beyond its first character', () => {
  fc.assert(
    fc.property(localPart, domain, (local, host) => {
      const masked = maskEmail(`${local}@${host}`);
      const hidden = local.slice(1);
      assert.equal(masked, `${local[0]}${MASK}@${host}`);
      assert.ok(!masked.slice(1).includes(hidden), `${masked} shows ${hidden}`);
    }),
  );
});

test('property: a masked email does not tell the length of the local part', () => {
  fc.assert(
    fc.property(localPart, localPart, domain, (a, b, host) => {
      fc.pre(a[0] === b[0]);
      assert.equal(maskEmail(`${a}@${host}`), maskEmail(`${b}@${host}`));
    }),
  );
});

test('property: any email address (fast-check emailAddress) keeps only its first character and domain', () => {
  fc.assert(
    fc.property(fc.emailAddress(), (email) => {
      const at = email.lastIndexOf('@');
      const local = email.slice(0, at);
      const masked = maskEmail(email);
      assert.ok(masked.endsWith(email.slice(at)));
      const kept = masked.slice(0, masked.length - (email.length - at));
      assert.equal(kept, local.length >= 2 ? `${local[0]}${MASK}` : MASK);
    }),
  );
});

/** A phone number as people write it: optional `+`, digit groups, separators. */
const phone = fc
  .record({
    plus: fc.boolean(),
    groups: fc.array(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 5 }), {
      minLength: 1,
      maxLength: 5,
    }),
    separator: fc.constantFrom(' ', '-', '.', ''),
  })
  .map(({ plus, groups, separator }) => `${plus ? '+' : ''}${groups.join(separator)}`);

test('property: a masked phone number shows only its calling code and at most its last four digits', () => {
  fc.assert(
    fc.property(phone, (number) => {
      const masked = maskPhone(number);
      const digits = digitsOf(number);
      // The shape stays: same length, separators where they were.
      assert.equal(masked.length, number.length);
      assert.equal(masked.replace(/[0-9*]/g, ''), number.replace(/[0-9]/g, ''));
      // Read digit by digit, the output is: a kept prefix, one run of stars, a kept suffix.
      const parts = /^(\d*)(\**)(\d*)$/.exec(masked.replace(/[^0-9*]/g, ''));
      assert.ok(parts, `${number} → ${masked}`);
      const [, head = '', stars = '', tail = ''] = parts;
      assert.equal(head.length + stars.length + tail.length, digits.length);
      // The prefix is the calling code (only after `+`, three digits at most), the suffix at most four digits…
      assert.ok(head.length <= (number.startsWith('+') ? 3 : 0), `${number} → ${masked}`);
      assert.ok(tail.length <= 4, `${number} → ${masked}`);
      assert.equal(head, digits.slice(0, head.length));
      assert.equal(tail, digits.slice(digits.length - tail.length));
      // …and the masked middle is never shorter than what shows after the calling code.
      assert.ok(stars.length >= 1 && stars.length >= tail.length, `${number} → ${masked}`);
    }),
  );
});

test('property: masked text keeps at most its first character', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 0, maxLength: 60 }), (text) => {
      const masked = maskText(text);
      const trimmed = text.trim();
      if (trimmed === '') return assert.equal(masked, '');
      const first = [...trimmed][0]!;
      assert.ok(masked === MASK || masked === `${first}${MASK}`, `${JSON.stringify(text)} → ${masked}`);
      const hidden = [...trimmed].slice(1).join('');
      // Hidden text made only of asterisks is indistinguishable from the mask itself, and reveals nothing.
      if (hidden.length > 0 && masked !== MASK && !MASK.includes(hidden)) {
        assert.ok(!masked.slice(first.length).includes(hidden));
      }
    }),
  );
});
