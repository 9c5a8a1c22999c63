import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError, addMoney, currencyDigits, formatMoney, fromMajor, money, toMajor } from '@crmkit/core';

test('money accepts integer minor units and ISO codes', () => {
  assert.deepEqual(money(123456, 'CNY'), { amountMinor: 123456, currency: 'CNY' });
});

test('money rejects fractions, unsafe integers and bad currency codes, naming the field', () => {
  const fieldOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return error.fields;
    }
    assert.fail('expected a ValidationError');
  };
  assert.deepEqual(
    fieldOf(() => money(1.5, 'CNY')),
    ['amountMinor'],
  );
  assert.deepEqual(
    fieldOf(() => money(2 ** 60, 'CNY')),
    ['amountMinor'],
  );
  assert.deepEqual(
    fieldOf(() => money(1, 'yuan')),
    ['currency'],
  );
  assert.deepEqual(
    fieldOf(() => addMoney('CNY', money(1, 'CNY'), money(1, 'USD'))),
    ['1.currency'],
  );
});

test('currency digits come from Intl', () => {
  assert.equal(currencyDigits('CNY'), 2);
  assert.equal(currencyDigits('USD'), 2);
  assert.equal(currencyDigits('JPY'), 0);
  assert.equal(currencyDigits('KWD'), 3);
});

test('fromMajor and toMajor round-trip every minor amount', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom('CNY', 'USD', 'JPY', 'KWD'), (minor, cur) => {
      assert.deepEqual(fromMajor(toMajor({ amountMinor: minor, currency: cur }), cur), {
        amountMinor: minor,
        currency: cur,
      });
    }),
  );
});

test('addMoney is exact and order-independent', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 50 }), (amounts) => {
      const values = amounts.map((a) => money(a, 'USD'));
      const total = amounts.reduce((sum, a) => sum + a, 0);
      assert.equal(addMoney('USD', ...values).amountMinor, total);
      assert.equal(addMoney('USD', ...values.reverse()).amountMinor, total);
    }),
  );
});

test('formatMoney uses the locale', () => {
  assert.equal(formatMoney(money(123450, 'CNY'), 'zh-CN'), '¥1,234.50');
  assert.equal(formatMoney(money(123450, 'USD'), 'en-US'), '$1,234.50');
  assert.equal(formatMoney(money(1234, 'JPY'), 'en-US'), '¥1,234');
});
