/**
 * Minor units without validation: what displaying money needs (a currency's digits, an amount in major units, a total
 * across currencies), for code that shows amounts already validated on the way in. This module imports no schema,
 * so a component that only formats amounts does not download zod; the validating functions (`currencyDigits`,
 * `toMajor`, `convertTotals`) are built on these.
 */

/**
 * An amount of money as an integer count of the currency's minor unit (fen for CNY, cents for USD, yen for JPY)
 * plus its ISO 4217 code. Integers keep sums exact; floats would not.
 */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

/**
 * Exchange rates into a report currency: `rates.USD = 7.1` means one US dollar is worth 7.1 units (major units) of
 * the report currency. The report currency itself needs no rate.
 */
export type ExchangeRates = Readonly<Record<string, number>>;

/** Amounts in several currencies, totalled in one by `convertTotals`. */
export interface ConvertedTotal {
  /** Everything in `currency` or with a rate into it, converted and rounded once to minor units. */
  readonly total: Money;
  /** Amounts in currencies without a rate, per currency, largest first: shown beside the total, never dropped. */
  readonly unconverted: readonly Money[];
  /** True when the total includes an amount converted from another currency (an estimate at the table's rates). */
  readonly converted: boolean;
}

const digitsCache = new Map<string, number>();

/**
 * How many decimal digits the currency's minor unit has, as `Intl.NumberFormat` gives them, **without validating**
 * the code: the display path's `currencyDigits`, for code that formats amounts validated on the way in. A code `Intl`
 * does not accept (`'yuan'`) throws `Intl`'s `RangeError`; one it accepts is not checked further (`'usd'` gives 2,
 * where `currencyDigits` throws `ValidationError`).
 */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** `amountMinor` of a currency with `digits` decimals, in major units. */
export const inMajorUnits = (amountMinor: number, digits: number): number => amountMinor / 10 ** digits;

/**
 * `toMajor` without validating the currency (see {@link minorDigits}): the amount in major units, e.g. `1250` fen →
 * `12.5`, for display code that shows amounts validated on the way in. A code `Intl` does not accept throws its
 * `RangeError`.
 */
export function toMajorUnchecked(value: Money): number {
  return inMajorUnits(value.amountMinor, minorDigits(value.currency));
}

/** A major-unit amount in minor units of a currency with `digits` decimals, rounded half away from zero. */
export function inMinorUnits(amountMajor: number, digits: number): number {
  const scale = 10 ** digits;
  const scaled = Math.round(Math.abs(amountMajor) * scale) * Math.sign(amountMajor);
  return scaled === 0 ? 0 : scaled;
}

/**
 * `fromMajor` without validating (see {@link minorDigits}): a major-unit amount (e.g. `12.5` yuan) as money, rounded
 * half away from zero, for code whose result is validated later (a form whose values storage validates on write).
 * Neither the currency nor the result is checked: a huge or non-finite amount gives an `amountMinor` that is not a
 * safe integer, which validation then refuses; a code `Intl` does not accept throws its `RangeError`.
 */
export function fromMajorUnchecked(amountMajor: number, currency: string): Money {
  return { amountMinor: inMinorUnits(amountMajor, minorDigits(currency)), currency };
}

/**
 * `convertTotals` without validating currency codes (see {@link minorDigits}): the same total of amounts
 * (per-currency sums or single amounts, in minor units) in `currency` with `rates`, amounts in a currency without a
 * rate apart in `unconverted`, for display code that adds up amounts validated on the way in. A code `Intl` does not
 * accept throws its `RangeError`.
 */
export function convertTotalsUnchecked(
  amounts: Iterable<Money> | Readonly<Record<string, number>>,
  currency: string,
  rates: ExchangeRates = {},
): ConvertedTotal {
  return totalIn(amounts, currency, rates, minorDigits);
}

/**
 * The factor from minor units of `currency` to minor units of a currency with `targetDigits`, at `rate`; `digits`
 * gives a currency's minor-unit digits (`currencyDigits`, or {@link minorDigits} where nothing is validated).
 */
export const minorFactor = (
  rate: number,
  currency: string,
  targetDigits: number,
  digits: (currency: string) => number,
): number => rate * 10 ** (targetDigits - digits(currency));

/** `convertTotals`, with `digits` giving each currency's minor-unit digits (validating or not). */
export function totalIn(
  amounts: Iterable<Money> | Readonly<Record<string, number>>,
  currency: string,
  rates: ExchangeRates,
  digits: (currency: string) => number,
): ConvertedTotal {
  const sums = new Map<string, number>();
  const entries: Iterable<Money> =
    Symbol.iterator in amounts
      ? (amounts as Iterable<Money>)
      : Object.entries(amounts).map(([code, amountMinor]) => ({ currency: code, amountMinor }));
  for (const amount of entries) sums.set(amount.currency, (sums.get(amount.currency) ?? 0) + amount.amountMinor);
  const targetDigits = digits(currency);
  let total = 0;
  let converted = false;
  const unconverted: Money[] = [];
  for (const [code, sum] of sums) {
    if (code === currency) total += sum;
    else if (Object.hasOwn(rates, code) && rates[code] !== undefined) {
      total += sum * minorFactor(rates[code], code, targetDigits, digits);
      converted ||= sum !== 0;
    } else if (sum !== 0) unconverted.push({ amountMinor: sum, currency: code });
  }
  unconverted.sort((a, b) => b.amountMinor - a.amountMinor || (a.currency < b.currency ? -1 : 1));
  return { total: { amountMinor: Math.round(total) || 0, currency }, unconverted, converted };
}
