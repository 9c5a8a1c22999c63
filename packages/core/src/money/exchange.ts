/**
 * One money model for every total: each deal keeps its amount in its own currency; wherever amounts are added (board
 * columns, the customer's value, RFM, reports) they are converted into the CRM's currency with the exchange rates the
 * host supplies, dated. Amounts are integer minor units; different currencies are never added without a rate: a
 * report refuses a missing rate (`ValidationError` naming it), a display lists the amount apart.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { dateOnlySchema } from '../model/primitives.js';
import { currencyCodeSchema, currencyDigits } from './money.js';
import { minorFactor, totalIn, type ConvertedTotal, type ExchangeRates, type Money } from './minor-units.js';

export type { ConvertedTotal, ExchangeRates } from './minor-units.js';

/** The schema of {@link ExchangeRates}: ISO 4217 codes to positive finite numbers. */
export const exchangeRatesSchema = /* @__PURE__ */ z.record(
  currencyCodeSchema,
  /* @__PURE__ */ z
    .number('Expected a positive number')
    .check(/* @__PURE__ */ z.positive('Expected a positive number')),
);

/** Which currency to total in, and the rates to get there. */
export interface CurrencyConversion {
  /** The ISO 4217 currency totals are given in. */
  readonly currency: string;
  /** Rates of the other currencies into `currency`; see {@link ExchangeRates}. */
  readonly rates?: ExchangeRates;
}

/** The schema of {@link CurrencyConversion}. */
export const currencyConversionSchema = /* @__PURE__ */ z.strictObject({
  currency: currencyCodeSchema,
  rates: /* @__PURE__ */ z.optional(exchangeRatesSchema),
});

/** Sums of money that may span currencies. */
export interface MoneyTotals {
  /** Minor units per ISO 4217 currency; never added across currencies. Currencies with nothing are left out. */
  readonly byCurrency: Readonly<Record<string, number>>;
  /**
   * Everything in one currency: converted when the report was given a {@link CurrencyConversion} (each currency's
   * sum converted, then rounded once to minor units), or the sum itself when only one currency occurs. `null` when
   * several currencies occur and no conversion was given, or when nothing occurs and no conversion was given.
   */
  readonly total: Money | null;
}

/**
 * Returns a function giving the factor that turns minor units of a currency into minor units of the conversion's
 * currency, e.g. USD → JPY at 150 is 1.5 (cents to yen). Throws `ValidationError` at `rates.<CODE>` when the rate of
 * a currency is missing.
 */
export function conversionFactors(conversion: CurrencyConversion): (currency: string) => number {
  const target = conversion.currency;
  const targetDigits = currencyDigits(target);
  const cache = new Map<string, number>([[target, 1]]);
  return (currency) => {
    let factor = cache.get(currency);
    if (factor === undefined) {
      const rate =
        conversion.rates && Object.hasOwn(conversion.rates, currency) ? conversion.rates[currency] : undefined;
      if (rate === undefined) {
        throw new ValidationError(
          [{ path: ['rates', currency], message: `No exchange rate from ${currency} to ${target}` }],
          'currency conversion',
        );
      }
      factor = minorFactor(rate, currency, targetDigits, currencyDigits);
      cache.set(currency, factor);
    }
    return factor;
  };
}

/** Builds {@link MoneyTotals} from per-currency sums (in the order given; zero sums are dropped). */
export function moneyTotals(
  currencies: readonly string[],
  sums: ArrayLike<number>,
  offset: number,
  factor: ((currency: string) => number) | undefined,
  target: string | undefined,
): MoneyTotals {
  const byCurrency: Record<string, number> = {};
  let present = 0;
  let only = '';
  let converted = 0;
  for (let c = 0; c < currencies.length; c++) {
    const sum = sums[offset + c] ?? 0;
    if (sum === 0) continue;
    const currency = currencies[c] as string;
    byCurrency[currency] = sum;
    present++;
    only = currency;
    if (factor) converted += sum * factor(currency);
  }
  let total: Money | null = null;
  if (factor && target !== undefined) total = { amountMinor: Math.round(converted), currency: target };
  else if (present === 1) total = { amountMinor: byCurrency[only] as number, currency: only };
  return { byCurrency, total };
}

/**
 * The exchange rates a host gives a CRM (`createCrm({ exchangeRates })`): into the CRM's currency, taken on `asOf`.
 * Totals that mix currencies are converted with them and say so ("at rates of 2026-12-01").
 */
export interface ExchangeRateTable {
  /** The day the rates were taken, `YYYY-MM-DD`. */
  readonly asOf: string;
  /** Rates into the CRM's currency; see {@link ExchangeRates}. */
  readonly rates: ExchangeRates;
}

/** The schema of {@link ExchangeRateTable}; an unknown key is an error. */
export const exchangeRateTableSchema = /* @__PURE__ */ z.strictObject({
  asOf: dateOnlySchema,
  rates: exchangeRatesSchema,
});

/**
 * Totals amounts (per-currency sums or single amounts, in minor units) in `currency` with `rates` (see
 * {@link ExchangeRates}); amounts in a currency without a rate are returned apart in `unconverted`, never dropped.
 */
export function convertTotals(
  amounts: Iterable<Money> | Readonly<Record<string, number>>,
  currency: string,
  rates: ExchangeRates = {},
): ConvertedTotal {
  return totalIn(amounts, currency, rates, currencyDigits);
}
