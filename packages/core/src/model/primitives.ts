import * as z from 'zod/mini';
// zod/mini's z.iso.date is this call; reading `z.iso` instead would make bundlers keep the whole namespace (the time
// and duration formats and their patterns too).
import { _isoDate } from 'zod/v4/core';
import { parseOrThrow } from '../errors/parse.js';

/** Longest name, title or label: enough for any real name, short enough to bound storage and layout. */
export const NAME_MAX = 200;
/** Longest free text (notes, activity bodies). */
export const LONG_TEXT_MAX = 20_000;

/** A trimmed string of `min`..`max` characters. */
export function trimmedString(max: number, min = 1) {
  return z.string().check(z.trim(), z.minLength(min), z.maxLength(max));
}

/** A record id: any string of 1..128 characters, so hosts can bring their own id scheme. */
/** An option that must be an object (a storage adapter, a clock): checked for its kind only. */
export const objectOption = <T>(message: string) =>
  /* @__PURE__ */ z.custom<T>((value) => typeof value === 'object' && value !== null, message);

/** An optional option that must be a function (a clock, a handler): checked for its kind only. */
export const optionalFunction = <T>() =>
  /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.custom<T>((value) => typeof value === 'function', 'Expected a function'),
  );

export const idSchema = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(128));

/** Makes a new record id; a host may supply its own (ULIDs, database sequences, …). */
export type IdGenerator = () => string;

/** The default {@link IdGenerator}: a random UUID from Web Crypto, available in browsers, workers and Node. */
export const defaultIdGenerator: IdGenerator = () => crypto.randomUUID();

/** Returns a new id from `generator`, checked against {@link idSchema} so a faulty host generator fails loudly. */
export function createId(generator: IdGenerator = defaultIdGenerator): string {
  return parseOrThrow(idSchema, generator(), 'id');
}

/** A name, title or label: trimmed, 1..200 characters. */
export const nameSchema = /* @__PURE__ */ trimmedString(NAME_MAX);

/** Free text such as a note or an email body: up to 20 000 characters, not trimmed (leading indentation may matter). */
export const longTextSchema = /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.maxLength(LONG_TEXT_MAX));

/** An email address, trimmed and lower-cased so duplicates compare equal. */
export const emailSchema = /* @__PURE__ */ z.pipe(
  /* @__PURE__ */ z
    .string()
    .check(/* @__PURE__ */ z.trim(), /* @__PURE__ */ z.toLowerCase(), /* @__PURE__ */ z.maxLength(254)),
  // zod's email pattern (z.email's default) as a plain regex check: the format class adds nothing to the test.
  /* @__PURE__ */ z
    .string()
    .check(
      /* @__PURE__ */ z.regex(
        /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/,
        'Expected an email address',
      ),
    ),
);

/**
 * A phone number in a loose E.164-like form: optional `+`, 3 to 15 digits, single spaces or dashes between digits.
 * Normalisation to strict E.164 needs a numbering-plan library and happens elsewhere.
 */
export const phoneSchema = /* @__PURE__ */ z
  .string()
  .check(
    /* @__PURE__ */ z.trim(),
    /* @__PURE__ */ z.regex(/^\+?\d(?:[ -]?\d){2,14}$/, 'Expected a phone number: "+", digits, spaces or dashes'),
  );

/** An ISO 3166-1 alpha-2 country code, upper-cased (`cn` → `CN`). */
export const countryCodeSchema = /* @__PURE__ */ z
  .string()
  .check(
    /* @__PURE__ */ z.trim(),
    /* @__PURE__ */ z.toUpperCase(),
    /* @__PURE__ */ z.regex(/^[A-Z]{2}$/, 'Expected an ISO 3166-1 alpha-2 country code'),
  );

/** A BCP 47 locale tag, canonicalised by `Intl` (`zh-cn` → `zh-CN`). */
export const localeSchema = /* @__PURE__ */ z.string().check(
  /* @__PURE__ */ z.trim(),
  // Aborting, so an empty or overlong tag gets its one message and is not canonicalised.
  /* @__PURE__ */ z.minLength(1, { abort: true }),
  /* @__PURE__ */ z.maxLength(35, { abort: true }),
  // Checks rewrite the value in place: '' (never a tag) marks one `Intl` refuses (a RangeError).
  /* @__PURE__ */ z.overwrite((value: string) => {
    try {
      return Intl.getCanonicalLocales(value)[0] ?? '';
    } catch {
      return '';
    }
  }),
  /* @__PURE__ */ z.refine((value) => value !== '', 'Expected a BCP 47 locale tag'),
);

/** A calendar date `YYYY-MM-DD` that exists (zod's ISO date pattern knows month lengths and leap years). */
export const dateOnlySchema = /* @__PURE__ */ _isoDate(z.ZodMiniISODate, 'Expected a calendar date YYYY-MM-DD');

/**
 * An instant: any ISO-8601 date-time with `Z` or a numeric offset, normalised to UTC `toISOString()` form so stored
 * instants sort and compare as strings. A date-time without an offset is rejected: its instant is ambiguous.
 */
export const instantSchema = /* @__PURE__ */ z.string().check(
  // The pattern of zod's `z.iso.datetime({ offset: true })` (seconds required, any fraction, Z or ±hh:mm), written out
  // (deriving it from `dateOnlySchema` at load time would keep that schema in every bundle that reads instants).
  // Aborting, so a string that is no date-time gets its one message.
  /* @__PURE__ */ z.regex(
    /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/,
    { error: 'Expected an ISO-8601 date-time with Z or an offset', abort: true },
  ),
  // Checks rewrite the value in place: '' marks an instant an offset pushes out of the four-digit years, which
  // toISOString cannot round-trip.
  /* @__PURE__ */ z.overwrite((value: string) => {
    const time = Date.parse(value);
    const iso = Number.isNaN(time) ? '' : new Date(time).toISOString();
    return /^\d{4}-/.test(iso) ? iso : '';
  }),
  /* @__PURE__ */ z.refine((value) => value !== '', 'Expected an instant between years 0000 and 9999'),
);

const SAFE_URL_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:', 'tel:']);
// Controls, spaces and invisible separators: URL parsers silently drop or reinterpret them (`java\tscript:`).
// eslint-disable-next-line no-control-regex
const URL_FORBIDDEN_CHARS = /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u2060\u3000\ufeff]/;

/** True when `value` is an absolute http(s), mailto or tel URL that a browser will read exactly as written. */
function isSafeUrl(value: string): boolean {
  if (URL_FORBIDDEN_CHARS.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false; // relative or malformed
  }
  const protocol = url.protocol;
  if (!SAFE_URL_PROTOCOLS.has(protocol)) return false;
  // The scheme must be spelled out literally, so no parser can read the string as another scheme.
  if (value.slice(0, protocol.length).toLowerCase() !== protocol) return false;
  return value.length > protocol.length;
}

/**
 * A URL safe to put in an `href`: only `http:`, `https:`, `mailto:` and `tel:`, absolute, trimmed, ≤ 2048 characters.
 * `javascript:`, `data:`, `vbscript:`, relative and obfuscated URLs are rejected. The value is kept as written.
 */
export const safeUrlSchema = /* @__PURE__ */ z
  .string()
  .check(
    /* @__PURE__ */ z.trim(),
    /* @__PURE__ */ z.maxLength(2048),
    /* @__PURE__ */ z.refine(isSafeUrl, 'Expected an absolute http, https, mailto or tel URL'),
  );

/** A label in each of the product's languages. */
export const localizedTextSchema = /* @__PURE__ */ z.strictObject({ en: nameSchema, 'zh-CN': nameSchema });

/** Free-form tags; at most 100, each trimmed and 1..100 characters. Defaults to `[]`. */
export const tagsSchema = /* @__PURE__ */ z._default(
  /* @__PURE__ */ z.array(/* @__PURE__ */ trimmedString(100)).check(/* @__PURE__ */ z.maxLength(100)),
  () => [],
);

/**
 * The users a record is shared with beside its owner (at most 100 ids): the default access policy lets them read it,
 * not change it.
 */
export const sharedWithSchema = /* @__PURE__ */ z.optional(
  /* @__PURE__ */ z.array(idSchema).check(/* @__PURE__ */ z.maxLength(100)),
);

/** Where a record came from (a channel such as `web`, `referral`, `trade_show`); reports group ROI by it. */
export const sourceSchema = /* @__PURE__ */ trimmedString(100);

/** A postal address; every part optional. */
export const addressSchema = /* @__PURE__ */ z.strictObject({
  line1: /* @__PURE__ */ z.optional(nameSchema),
  line2: /* @__PURE__ */ z.optional(nameSchema),
  city: /* @__PURE__ */ z.optional(nameSchema),
  region: /* @__PURE__ */ z.optional(nameSchema),
  postalCode: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(32)),
  country: /* @__PURE__ */ z.optional(countryCodeSchema),
});

const RESERVED_PATH_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A field name or dotted path such as `amount.amountMinor` or `customFields.region`. Used where only field names
 * may appear (audit entries, stage gates): an email, a phone number or a sentence does not match.
 */
export const fieldPathSchema = /* @__PURE__ */ z.string().check(
  /* @__PURE__ */ z.maxLength(NAME_MAX),
  /* @__PURE__ */ z.regex(/^[A-Za-z_$][\w$]*(?:\.(?:[A-Za-z_$][\w$]*|\d+))*$/, 'Expected a field name or dotted path'),
  /* @__PURE__ */ z.refine(
    (path) => !path.split('.').some((segment) => RESERVED_PATH_SEGMENTS.has(segment)),
    'Reserved name',
  ),
);

export type Address = z.infer<typeof addressSchema>;
export type LocalizedText = z.infer<typeof localizedTextSchema>;

/**
 * Normalised e-mail, phone and name keys duplicate detection looks up (`e:…`, `p:…`, `n:…`): derived by the services
 * on every write, never accepted as input, so only the stored-record schemas name them.
 */
export const matchKeysProperty = /* @__PURE__ */ z.optional(
  /* @__PURE__ */ z.array(/* @__PURE__ */ z.string()).check(/* @__PURE__ */ z.maxLength(100)),
);
