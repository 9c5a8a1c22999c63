/**
 * Normalisation of captured contact data, so the same person captured twice compares equal: names and companies
 * trimmed with inner whitespace collapsed, emails trimmed and lower-cased, phone numbers in E.164 (`+8613800138000`).
 *
 * Every function here is pure and idempotent: normalising a normalised value returns it unchanged.
 */
// The core API with the compact metadata passed in: the default entry wraps every function with it, at a cost.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';
import { ValidationError, type ValidationIssue } from '../errors/errors.js';

/**
 * Turns a phone number as entered into E.164, or `undefined` when it is not a valid number. `region` is the ISO
 * 3166-1 alpha-2 country a number without `+` is read in; without it only international numbers (`+…`) are valid.
 * A host may bring its own (e.g. one with fuller metadata) through the lead service's `normalisePhone` option.
 */
export type PhoneNormaliser = (raw: string, region?: string) => string | undefined;

/**
 * What a phone number may look like as entered: an optional `+`, digits and the usual separators (spaces, dots,
 * dashes, slashes, parentheses), optionally an extension (`ext. 12`, `x12`, `#12`). Anything else — words around a
 * number, two numbers — is refused rather than guessed at.
 */
const PHONE_AS_ENTERED = /^\+?[\d\s().\-/]{3,40}(?:\s*(?:ext\.?|x|#)\s*\d{1,6})?$/i;

/** The default {@link PhoneNormaliser}: libphonenumber-js with its compact metadata; extensions are dropped. */
export const normalisePhoneE164: PhoneNormaliser = (raw, region) => {
  const text = raw.trim();
  if (!PHONE_AS_ENTERED.test(text)) return undefined;
  const defaultCountry =
    region !== undefined && isSupportedCountry(region as CountryCode, metadata) ? (region as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : {}, metadata);
  return parsed?.isValid() ? parsed.number : undefined;
};

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
  /** Phone normalisation; {@link normalisePhoneE164} by default. */
  readonly normalisePhone?: PhoneNormaliser;
}

const NAME_FIELDS = ['name', 'company', 'campaign'] as const;

/**
 * Returns a copy of `input` (any object; other fields untouched) with `name`, `company` and `campaign` normalised as
 * names, `email` trimmed and lower-cased and `phone` in E.164, read in the record's `country` or else
 * `defaultRegion`. Only string values are touched: schema validation reports anything else afterwards.
 *
 * @throws ValidationError at `phone` when the number is not valid for its region (the message never repeats it).
 */
export function normaliseLeadFields<T extends object>(input: T, options: NormaliseOptions = {}): T {
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const field of NAME_FIELDS) {
    const value = copy[field];
    if (typeof value === 'string') copy[field] = normaliseName(value);
  }
  if (typeof copy['email'] === 'string') copy['email'] = normaliseEmail(copy['email']);
  if (typeof copy['phone'] === 'string') {
    const country = typeof copy['country'] === 'string' ? copy['country'].trim().toUpperCase() : undefined;
    const region = country || options.defaultRegion;
    const issues: ValidationIssue[] = [];
    const e164 = (options.normalisePhone ?? normalisePhoneE164)(copy['phone'], region);
    if (e164 === undefined) {
      issues.push({
        path: ['phone'],
        message: region
          ? 'Expected a phone number valid in its region'
          : 'Expected an international phone number starting with + (no default region is configured)',
      });
      throw new ValidationError(issues, 'lead');
    }
    copy['phone'] = e164;
  }
  return copy as T;
}
