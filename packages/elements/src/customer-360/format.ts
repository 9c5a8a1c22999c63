// Links the card shows for a customer's details: only for values that are safe and plain.
import { safeUrlSchema } from '@crmkit/core';

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
