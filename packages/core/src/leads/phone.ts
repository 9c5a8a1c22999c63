/**
 * Phone numbers with libphonenumber-js and its full ("max") metadata: a number is valid only when it matches a number
 * range its country really uses (`138-0013-800` and `555-0100` are refused; `010-6552 9988` and `13800138000` in CN
 * are read). The full metadata is about 40 kB gzip, so nothing the core's index or the elements import eagerly
 * imports this module: the services reach it through `loadPhoneNormaliser()` (a cached dynamic `import()`), and npm
 * consumers who want the synchronous functions import `@crmkit/core/phone`.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/max/metadata';

/**
 * Turns a phone number as entered into E.164, or `undefined` when it is not a valid number. `region` is the ISO
 * 3166-1 alpha-2 country a number without `+` is read in; without it only international numbers (`+…`) are valid.
 * The default is `normalisePhoneE164` (`@crmkit/core/phone`, or {@link loadPhoneNormaliser} to load it on demand); a
 * host may bring its own through the `normalisePhone` option of `createCrm` or of the lead service.
 */
export type PhoneNormaliser = (raw: string, region?: string) => string | undefined;

/**
 * Turns a stored phone number into the text people read: national format when the number belongs to `region`
 * (`138 0013 8000` for `CN`), else international (`+86 138 0013 8000`); anything that is not a valid number as it
 * is. The default is `formatPhone` (`@crmkit/core/phone`, or {@link loadPhoneFormatter} to load it on demand).
 */
export type PhoneFormatter = (phone: string, region?: string) => string;

/**
 * What a phone number may look like as entered: an optional `+`, digits and the usual separators (spaces, dots,
 * dashes, slashes, parentheses), optionally an extension (`ext. 12`, `x12`, `#12`). Anything else — words around a
 * number, two numbers — is refused rather than guessed at.
 */
const PHONE_AS_ENTERED = /^\+?[\d\s().\-/]{3,40}(?:\s*(?:ext\.?|x|#)\s*\d{1,6})?$/i;

/** `region` as a country libphonenumber knows, else `undefined` (an unknown region is no region). */
function countryOf(region: string | undefined): CountryCode | undefined {
  return region !== undefined && isSupportedCountry(region as CountryCode, metadata)
    ? (region as CountryCode)
    : undefined;
}

/**
 * The default {@link PhoneNormaliser}: a number as entered in E.164 (`+8613800138000`), or `undefined` when it is not
 * a valid number. A number without `+` is read in `region` (ISO 3166-1 alpha-2); without one, only international
 * numbers are valid. Extensions are dropped. Idempotent: a valid E.164 number normalises to itself.
 *
 * @example normalisePhoneE164('010-6552 9988', 'CN') // '+861065529988'
 * @example normalisePhoneE164('138-0013-800', 'CN') // undefined: no Chinese number looks like that
 */
export const normalisePhoneE164: PhoneNormaliser = (raw, region) => {
  const text = raw.trim();
  if (!PHONE_AS_ENTERED.test(text)) return undefined;
  const defaultCountry = countryOf(region);
  const parsed = parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : {}, metadata);
  return parsed?.isValid() ? parsed.number : undefined;
};

/**
 * The default {@link PhoneFormatter}: a stored number as people write it — in national format when it belongs to
 * `region` (`138 0013 8000`, `010 6552 9988` for `CN`), else in international format (`+86 138 0013 8000`). A value
 * that is not a valid number is returned as it is.
 *
 * @example formatPhone('+8613800138000') // '+86 138 0013 8000'
 * @example formatPhone('+8613800138000', 'CN') // '138 0013 8000'
 */
export const formatPhone: PhoneFormatter = (phone, region) => {
  const text = phone.trim();
  if (!PHONE_AS_ENTERED.test(text)) return phone;
  const home = countryOf(region);
  const parsed = parsePhoneNumberFromString(text, home ? { defaultCountry: home } : {}, metadata);
  if (!parsed?.isValid()) return phone;
  return home !== undefined && parsed.country === home ? parsed.formatNational() : parsed.formatInternational();
};
