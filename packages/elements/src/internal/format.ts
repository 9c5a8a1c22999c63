// The non-validating money helpers: amounts shown were validated on the way in, and the validating ones (`toMajor`,
// `convertTotals`) would bring zod into every element's download just to format them.
import {
  convertTotalsUnchecked,
  minorDigits,
  toMajorUnchecked,
  type ExchangeRateTable,
  type LocalizedText,
  type Money,
} from '@crmkit/core';

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * How many minor-unit digits an amount shows:
 * - `auto` (the default): whole units when the amount has no minor part (`CN¥1,521,000`), the currency's exact minor
 *   units when it has one (`CN¥1,234.50`) — nothing is ever rounded away;
 * - `always`: the currency's minor units every time (`CN¥1,521,000.00`), for quotes, invoices and other places where
 *   amounts line up as exact figures;
 * - `never`: rounded to whole units, for summaries where cents are noise (a column total, a report cell).
 */
export type MinorUnits = 'auto' | 'always' | 'never';

/** Options of {@link formatMoneyCached}. */
export interface MoneyFormatOptions {
  readonly currencyDisplay?: 'symbol' | 'code' | 'name';
  /** Compact notation for summaries (`CN¥1.5M`, `¥152.1万`): at most one decimal of the compact unit. */
  readonly compact?: boolean;
  /** Minor units shown outside compact notation; default `auto`. */
  readonly minorUnits?: MinorUnits;
}

/**
 * Formats money with a cached `Intl.NumberFormat` per locale, currency and display: a board formats thousands of
 * amounts per render, and constructing a formatter costs far more than formatting with one. Unknown locales or
 * currencies give an empty string rather than an exception in the host page.
 */
export function formatMoneyCached(value: Money, locale: string, options: MoneyFormatOptions = {}): string {
  const display = options.currencyDisplay ?? 'symbol';
  const minorUnits = options.minorUnits ?? 'auto';
  // Whole units when asked, or when the amount has none to show (a yuan amount of 152100000 fen is exactly ¥1,521,000).
  const whole =
    !options.compact &&
    (minorUnits === 'never' ||
      (minorUnits === 'auto' &&
        Number.isInteger(value.amountMinor) &&
        minorScale(value) > 0 &&
        value.amountMinor % minorScale(value) === 0));
  const key = `${locale}\u0000${value.currency}\u0000${display}\u0000${options.compact ? 'c' : whole ? 'w' : 'm'}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency: value.currency,
        currencyDisplay: display,
        ...(options.compact
          ? { notation: 'compact', maximumFractionDigits: 1 }
          : whole
            ? { minimumFractionDigits: 0, maximumFractionDigits: 0 }
            : {}),
      });
    } catch {
      return '';
    }
    formatters.set(key, formatter);
  }
  return formatter.format(toMajorUnchecked(value));
}

/** A total as shown: its text, and whether part of it was converted at the CRM's exchange rates. */
export interface FormattedTotal {
  readonly text: string;
  /** The day of the rates used, when an amount in another currency was converted; `undefined` otherwise. */
  readonly ratesAsOf: string | undefined;
}

/**
 * Formats a total of amounts that may span currencies, the one way every element shows one: converted into
 * `currency` with the CRM's dated `rates` where they cover an amount (the result then carries `ratesAsOf`), and any
 * currency without a rate listed after it (`¥1.2M + €40K`) — never added as it is, never dropped. Without rates,
 * each currency is listed. No amount shows as zero in `currency`.
 */
export function formatTotal(
  amounts: Readonly<Record<string, number>> | readonly Money[],
  locale: string,
  currency: string,
  rates: ExchangeRateTable | undefined,
  options: MoneyFormatOptions = {},
): FormattedTotal {
  let total: ReturnType<typeof convertTotalsUnchecked>;
  try {
    total = convertTotalsUnchecked(
      amounts as Iterable<Money> | Readonly<Record<string, number>>,
      currency,
      rates?.rates,
    );
  } catch {
    return { text: '', ratesAsOf: undefined }; // a currency code Intl does not know
  }
  const parts = [
    ...(total.total.amountMinor !== 0 || total.unconverted.length === 0 ? [total.total] : []),
    ...total.unconverted,
  ];
  return {
    text: parts.map((part) => formatMoneyCached(part, locale, options)).join(' + '),
    ratesAsOf: total.converted ? rates?.asOf : undefined,
  };
}

/** Minor units per major unit of the amount's currency (100 for CNY, 1 for JPY, 1000 for KWD); 0 for a bad code. */
function minorScale(value: Money): number {
  try {
    return 10 ** minorDigits(value.currency);
  } catch {
    return 0;
  }
}

const numberFormatters = new Map<string, Intl.NumberFormat>();

/**
 * A number in the locale with at most `fractionDigits` decimals, with a cached formatter; an unknown locale falls
 * back to the browser's.
 */
export function formatNumber(value: number, locale: string, fractionDigits = 0): string {
  const key = `${locale}\u0000${fractionDigits}`;
  let formatter = numberFormatters.get(key);
  if (!formatter) {
    const options = { maximumFractionDigits: fractionDigits };
    try {
      formatter = new Intl.NumberFormat(locale, options);
    } catch {
      formatter = new Intl.NumberFormat(undefined, options);
    }
    numberFormatters.set(key, formatter);
  }
  return formatter.format(value);
}

/** A whole number in the locale (`1,234`). */
export const formatCount = (value: number, locale: string): string => formatNumber(value, locale, 0);

/** A number with at most one decimal, in the locale. */
export const formatDecimal = (value: number, locale: string): string => formatNumber(value, locale, 1);

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** A cached `Intl.DateTimeFormat`; an unknown locale or time zone falls back to the browser's. */
function dateFormatter(locale: string, timeZone: string | undefined, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}\u0000${timeZone ?? ''}\u0000${withTime ? 1 : 0}`;
  let formatter = dateFormatters.get(key);
  if (!formatter) {
    const options: Intl.DateTimeFormatOptions = withTime
      ? { dateStyle: 'medium', timeStyle: 'short' }
      : { dateStyle: 'medium' };
    try {
      formatter = new Intl.DateTimeFormat(locale, { ...options, ...(timeZone ? { timeZone } : {}) });
    } catch {
      formatter = new Intl.DateTimeFormat(undefined, options);
    }
    dateFormatters.set(key, formatter);
  }
  return formatter;
}

/** An instant as a date and time in the locale and time zone; empty for what is not an instant. */
export function formatInstant(iso: string, locale: string, timeZone?: string, withTime = true): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? '' : dateFormatter(locale, timeZone, withTime).format(time);
}

/** A calendar date `YYYY-MM-DD` (no time zone: it is a day, not an instant) in the locale. */
export function formatDay(day: string, locale: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return day;
  const time = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(time) ? day : dateFormatter(locale, 'UTC', false).format(time);
}

/** A label in the messages' locale: a plain string as is, `{ en, 'zh-CN' }` in the locale, else English. */
export function localized(text: string | LocalizedText | undefined, messagesLocale: string): string | undefined {
  if (text === undefined || typeof text === 'string') return text;
  return messagesLocale === 'zh-CN' ? text['zh-CN'] : text.en;
}
