/**
 * Currency conversion for reports. Amounts are integer minor units; different currencies are never added without a
 * rate, and a missing rate is a `ValidationError` naming the currency.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { currencyCodeSchema, currencyDigits, type Money } from '../money/money.js';

/**
 * Exchange rates into a report currency: `rates.USD = 7.1` means one US dollar is worth 7.1 units (major units) of
 * the report currency. The report currency itself needs no rate.
 */
export type ExchangeRates = Readonly<Record<string, number>>;

/** The schema of {@link ExchangeRates}: ISO 4217 codes to positive finite numbers. */
export const exchangeRatesSchema = z.record(
  currencyCodeSchema,
  z.number('Expected a positive number').check(z.positive('Expected a positive number')),
);

/** Which currency to total in, and the rates to get there. */
export interface CurrencyConversion {
  /** The ISO 4217 currency totals are given in. */
  readonly currency: string;
  /** Rates of the other currencies into `currency`; see {@link ExchangeRates}. */
  readonly rates?: ExchangeRates;
}

/** The schema of {@link CurrencyConversion}. */
export const currencyConversionSchema = z.strictObject({
  currency: currencyCodeSchema,
  rates: z.optional(exchangeRatesSchema),
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
      factor = rate * 10 ** (targetDigits - currencyDigits(currency));
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
