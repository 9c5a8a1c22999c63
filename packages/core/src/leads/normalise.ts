/**
 * Normalisation of captured contact data, so the same person captured twice compares equal: names and companies
 * trimmed with inner whitespace collapsed, emails trimmed and lower-cased, phone numbers in E.164 (`+8613800138000`).
 *
 * Every function here is pure and idempotent: normalising a normalised value returns it unchanged. Phone numbers need
 * libphonenumber-js's full metadata (about 40 kB gzip), which this module does not import: pass a
 * {@link PhoneNormaliser} — `normalisePhoneE164` from `@crmkit/core/phone`, the one {@link loadPhoneNormaliser}
 * resolves to, or the host's own.
 */
import { ValidationError, type ValidationIssue } from '../errors/errors.js';

export type { PhoneNormaliser, PhoneFormatter } from './phone.js';
import type { PhoneFormatter, PhoneNormaliser } from './phone.js';

/** What the phone module (`./phone.js`, libphonenumber-js with its full metadata) gives. */
interface PhoneModule {
  readonly normalisePhoneE164: PhoneNormaliser;
  readonly formatPhone: PhoneFormatter;
}

/** The phone module, loaded once, on demand; a failed load is forgotten so the next call tries again. */
let phoneModule: Promise<PhoneModule> | undefined;

function loadPhoneModule(): Promise<PhoneModule> {
  phoneModule ??= import('./phone.js').catch((error: unknown) => {
    phoneModule = undefined;
    throw error;
  });
  return phoneModule;
}

/**
 * Loads the default {@link PhoneNormaliser} (libphonenumber-js with its full metadata) on demand: a separate chunk,
 * downloaded the first time it is asked for, then cached. The CRM's services call it when a write carries a phone
 * number; a page with a build step may also import `normalisePhoneE164` from `@crmkit/core/phone` directly.
 */
export async function loadPhoneNormaliser(): Promise<PhoneNormaliser> {
  return (await loadPhoneModule()).normalisePhoneE164;
}

/** Loads the default {@link PhoneFormatter} on demand, from the same chunk as {@link loadPhoneNormaliser}. */
export async function loadPhoneFormatter(): Promise<PhoneFormatter> {
  return (await loadPhoneModule()).formatPhone;
}

/** The issue of a phone number that is not valid in `region`; the message never repeats the number. */
export function phoneIssue(path: readonly (string | number)[], region: string | undefined): ValidationIssue {
  return {
    path: [...path],
    message: region
      ? 'Expected a phone number valid in its region'
      : 'Expected an international phone number starting with + (no default region is configured)',
  };
}

/** A name or company as stored: Unicode NFC, trimmed, runs of whitespace (ideographic space too) made one space. */
export function normaliseName(value: string): string {
  return value.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** An email as stored: trimmed and lower-cased (locale-independently). */
export function normaliseEmail(value: string): string {
  return value.trim().toLowerCase();
}

/** Options of {@link normaliseLeadFields}. */
export interface NormaliseOptions {
  /** The region numbers without `+` are read in when the record has no `country`. */
  readonly defaultRegion?: string;
  /**
   * Phone normalisation, needed when the input carries a `phone`: `normalisePhoneE164` from `@crmkit/core/phone`,
   * the one {@link loadPhoneNormaliser} resolves to, or the host's own.
   */
  readonly normalisePhone?: PhoneNormaliser;
}

const NAME_FIELDS = ['name', 'company', 'campaign'] as const;

/**
 * Returns a copy of `input` (any object; other fields untouched) with `name`, `company` and `campaign` normalised as
 * names, `email` trimmed and lower-cased and `phone` in E.164 through `options.normalisePhone`, read in the record's
 * `country` or else `defaultRegion`. Only string values are touched: schema validation reports anything else
 * afterwards.
 *
 * ```ts
 * import { normaliseLeadFields } from '@crmkit/core';
 * import { normalisePhoneE164 } from '@crmkit/core/phone';
 *
 * const options = { defaultRegion: 'CN', normalisePhone: normalisePhoneE164 };
 * normaliseLeadFields({ name: ' Li  Wei ', phone: '138 0013 8000' }, options);
 * // { name: 'Li Wei', phone: '+8613800138000' }
 * ```
 *
 * @throws ValidationError at `phone` when the number is not valid for its region (the message never repeats it).
 * @throws TypeError when the input carries a phone number and no `normalisePhone` was given.
 */
export function normaliseLeadFields<T extends object>(input: T, options: NormaliseOptions = {}): T {
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const field of NAME_FIELDS) {
    const value = copy[field];
    if (typeof value === 'string') copy[field] = normaliseName(value);
  }
  if (typeof copy['email'] === 'string') copy['email'] = normaliseEmail(copy['email']);
  if (typeof copy['phone'] === 'string') {
    const normalise = options.normalisePhone;
    if (normalise === undefined) {
      throw new TypeError(
        'normaliseLeadFields: a phone number needs options.normalisePhone ' +
          '(normalisePhoneE164 from @crmkit/core/phone, or what loadPhoneNormaliser() resolves to)',
      );
    }
    const country = typeof copy['country'] === 'string' ? copy['country'].trim().toUpperCase() : undefined;
    const region = country || options.defaultRegion;
    const e164 = normalise(copy['phone'], region);
    if (e164 === undefined) throw new ValidationError([phoneIssue(['phone'], region)], 'lead');
    copy['phone'] = e164;
  }
  return copy as T;
}
