import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { inMajorUnits, inMinorUnits, minorDigits, type Money } from './minor-units.js';

export type { Money } from './minor-units.js';

/** An ISO 4217 currency code: three upper-case letters. */
export const currencyCodeSchema = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.regex(/^[A-Z]{3}$/, 'Expected an ISO 4217 currency code'));

/** The schema of {@link Money}; an unknown key is an error. */
export const moneySchema = /* @__PURE__ */ z.strictObject({
  amountMinor: /* @__PURE__ */ z.int(),
  currency: currencyCodeSchema,
});

/** Builds a validated {@link Money}; throws `ValidationError` naming the bad field. */
export function money(amountMinor: number, currency: string): Money {
  return parseOrThrow(moneySchema, { amountMinor, currency }, 'money');
}

const digitsCache = new Map<string, number>();

/** How many decimal digits the currency's minor unit has (2 for CNY and USD, 0 for JPY, 3 for KWD). */
export function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    parseOrThrow(currencyCodeSchema, currency, 'currency');
    digits = minorDigits(currency);
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** Converts a major-unit amount (e.g. `12.5` yuan) to {@link Money}, rounding half away from zero. */
export function fromMajor(amountMajor: number, currency: string): Money {
  return money(inMinorUnits(amountMajor, currencyDigits(currency)), currency);
}

/** The amount in major units, e.g. `1250` fen → `12.5`. */
export function toMajor(value: Money): number {
  return inMajorUnits(value.amountMinor, currencyDigits(value.currency));
}

/** Adds amounts of one currency; throws `ValidationError` naming the first amount in another currency. */
export function addMoney(currency: string, ...values: readonly Money[]): Money {
  let total = 0;
  values.forEach((value, index) => {
    if (value.currency !== currency) {
      throw new ValidationError([{ path: [index, 'currency'], message: `Expected ${currency}` }], 'money');
    }
    total += value.amountMinor;
  });
  return money(total, currency);
}

/** Formats money for display with `Intl.NumberFormat`, e.g. `¥1,234.50` in zh-CN. */
export function formatMoney(value: Money, locale: string, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency, ...options }).format(
    toMajor(value),
  );
}
