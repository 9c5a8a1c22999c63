/**
 * Field masking (字段脱敏): pure functions that hide most of an email address, a phone number, a postal address or
 * any text, for showing personal data to someone whose role may not see it in full. A display measure: the masked
 * value tells a reader which record it is (`a***@example.com`, `+86 *** **** 8000`) without giving them the data.
 * Whoever must not *hold* the data should not be sent it at all.
 *
 * Every function is total: any string goes in, a string comes out, and no hidden character survives. The hidden part
 * is replaced by a fixed `***` where its length would tell something (emails, text), and character for character
 * where the shape is what makes a value recognisable (phone numbers keep their grouping).
 *
 * @module
 */
import type { Address } from '../model/primitives.js';

/** What replaces a hidden run of characters. */
export const MASK = '***';

/** The first `count` code points of `value` (never half of a surrogate pair). */
function firstCodePoints(value: string, count: number): string {
  let kept = '';
  let taken = 0;
  for (const char of value) {
    if (taken >= count) break;
    kept += char;
    taken++;
  }
  return kept;
}

function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}

/**
 * Masks free text: keeps the first `keep` code points (default 1) and replaces the rest by `***`, so neither the
 * rest nor its length shows. Text too short to keep anything and still hide something (a single character) becomes
 * `***`; empty text stays empty. Leading and trailing white space is ignored.
 *
 * @example maskText('Baker Street 221b') // 'B***'
 * @example maskText('张三') // '张***'
 */
export function maskText(value: string, options: { readonly keep?: number } = {}): string {
  const text = value.trim();
  if (text === '') return '';
  const requested = Math.max(0, Math.floor(options.keep ?? 1));
  // Keep at most half of the text, so something is always hidden.
  const keep = Math.min(requested, Math.floor(codePointLength(text) / 2));
  return firstCodePoints(text, keep) + MASK;
}

/**
 * Masks an email address: the first character of the local part stays (unless it is the only one), the rest of it
 * becomes `***`, the domain stays (it names the organisation, not the person). A string that is not `local@domain`
 * is masked as text.
 *
 * @example maskEmail('ada.lovelace@example.com') // 'a***@example.com'
 */
export function maskEmail(value: string): string {
  const email = value.trim();
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return maskText(email);
  // A one-character local part keeps nothing: keeping it would show all of it.
  const local = email.slice(0, at);
  return firstCodePoints(local, codePointLength(local) >= 2 ? 1 : 0) + MASK + email.slice(at);
}

/**
 * The country calling codes of two digits (ITU-T E.164). Calling codes form a prefix code: `1` and `7` are the only
 * one-digit codes, these the only two-digit ones, and every other code has three digits.
 */
const TWO_DIGIT_CALLING_CODES: ReadonlySet<string> = new Set(
  /* @__PURE__ */ (
    '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 ' +
    '60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'
  ).split(' '),
);

/** The number of leading digits of an international number's digits that are its country calling code. */
function callingCodeLength(digits: string): number {
  if (digits === '' || digits.startsWith('0')) return 0;
  if (digits.startsWith('1') || digits.startsWith('7')) return 1;
  if (digits.length >= 2 && TWO_DIGIT_CALLING_CODES.has(digits.slice(0, 2))) return 2;
  return Math.min(3, digits.length);
}

/** Characters a phone number is read from: any letter or digit in any script (letters in vanity numbers). */
const SIGNIFICANT = /[\p{L}\p{N}]/u;

/**
 * Masks a phone number: an international number (starting with `+`) keeps its country calling code, every number
 * keeps its last four digits (at most half of the digits after the country code, so short numbers still hide
 * most), and every other digit or letter becomes `*`. Spaces, dashes, dots, brackets and `+` stay, so the grouping
 * still reads as a phone number.
 *
 * @example maskPhone('+86 138 0013 8000') // '+86 *** **** 8000'
 * @example maskPhone('(020) 7946 0018') // '(***) **** 0018'
 */
export function maskPhone(value: string): string {
  const phone = value.trim();
  const chars = [...phone];
  const significant = chars.map((char) => SIGNIFICANT.test(char));
  const total = significant.filter(Boolean).length;
  if (total === 0) return maskText(phone);
  let leading = 0;
  if (phone.startsWith('+')) {
    // The calling code is read from the leading ASCII digits, across separators: `+8613…` and `+86 13…` alike.
    let digits = '';
    for (const char of chars.slice(1)) {
      if (/[0-9]/.test(char)) digits += char;
      else if (SIGNIFICANT.test(char) || digits.length >= 3) break;
      if (digits.length >= 3) break;
    }
    leading = Math.min(callingCodeLength(digits), total - 1);
  }
  const trailing = Math.min(4, Math.floor((total - leading) / 2));
  let seen = 0;
  return chars
    .map((char, index) => {
      if (!significant[index]) return char;
      seen++;
      return seen <= leading || seen > total - trailing ? char : '*';
    })
    .join('');
}

/**
 * Masks a postal address: the street lines and the postal code are masked as text; city, region and country stay,
 * as coarse places that territories and reports need.
 */
export function maskAddress(address: Address): Address {
  return {
    ...address,
    ...(address.line1 === undefined ? {} : { line1: maskText(address.line1) }),
    ...(address.line2 === undefined ? {} : { line2: maskText(address.line2) }),
    ...(address.postalCode === undefined ? {} : { postalCode: maskText(address.postalCode, { keep: 0 }) }),
  };
}
