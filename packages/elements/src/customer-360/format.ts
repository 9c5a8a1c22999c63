import { safeUrlSchema, type LocalizedText } from '@crmkit/core';

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

const decimalFormatters = new Map<string, Intl.NumberFormat>();

/** A number with at most one decimal, in the locale. */
export function formatDecimal(value: number, locale: string): string {
  let formatter = decimalFormatters.get(locale);
  if (!formatter) {
    try {
      formatter = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    } catch {
      formatter = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
    }
    decimalFormatters.set(locale, formatter);
  }
  return formatter.format(value);
}

/** A label in the messages' locale: a plain string as is, `{ en, 'zh-CN' }` in the locale, else English. */
export function localized(text: string | LocalizedText | undefined, messagesLocale: string): string | undefined {
  if (text === undefined || typeof text === 'string') return text;
  return messagesLocale === 'zh-CN' ? text['zh-CN'] : text.en;
}

/** An `href` for a URL field, only when it is an absolute http(s), mailto or tel URL read exactly as written. */
export function safeHref(value: string | undefined): string | undefined {
  return value !== undefined && safeUrlSchema.safeParse(value).success ? value.trim() : undefined;
}

/** A `mailto:` link for a plain address (nothing that would add headers, recipients or a body), else none. */
export function mailtoHref(email: string): string | undefined {
  return /^[^\s@?&#/\\:<>"]+@[^\s@?&#/\\:<>"]+$/.test(email) ? `mailto:${email}` : undefined;
}

/** A `tel:` link for a phone number of 3–15 digits with an optional `+`, else none. */
export function telHref(phone: string): string | undefined {
  const compact = phone.replace(/[\s().-]/g, '');
  return /^\+?\d{3,15}$/.test(compact) ? `tel:${compact}` : undefined;
}
