import { toMajor, type Money } from '@crmkit/core';

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Formats money with a cached `Intl.NumberFormat` per locale, currency and display: a board formats thousands of
 * amounts per render, and constructing a formatter costs far more than formatting with one. Unknown locales or
 * currencies give an empty string rather than an exception in the host page.
 */
export function formatMoneyCached(
  value: Money,
  locale: string,
  options: { readonly currencyDisplay?: 'symbol' | 'code' | 'name'; readonly compact?: boolean } = {},
): string {
  const display = options.currencyDisplay ?? 'symbol';
  const key = `${locale}\u0000${value.currency}\u0000${display}\u0000${options.compact ? 1 : 0}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency: value.currency,
        currencyDisplay: display,
        ...(options.compact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
      });
    } catch {
      return '';
    }
    formatters.set(key, formatter);
  }
  return formatter.format(toMajor(value));
}

const numberFormatters = new Map<string, Intl.NumberFormat>();

/** Formats a whole number in the locale (`1,234` / `1,234`), with a cached formatter. */
export function formatCount(value: number, locale: string): string {
  let formatter = numberFormatters.get(locale);
  if (!formatter) {
    try {
      formatter = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    } catch {
      return String(value);
    }
    numberFormatters.set(locale, formatter);
  }
  return formatter.format(value);
}
