/**
 * Parsing of ISO-8601 date-times with an explicit zone, the only strings the filter language treats as instants.
 *
 * Hand-written rather than `Date.parse` because it runs once per record in `withinLast` and date comparisons, where
 * `Date.parse` was the single largest cost (a call into the runtime, plus a regex to reject the formats it accepts
 * but the language does not). It is also stricter: `Date.parse` rolls `2026-02-30` over into March.
 */

const MS_PER_DAY = 86_400_000;

/** Two decimal digits at `i` as a number, or -1 when either is not a digit (or is past the end). */
export function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  // NaN past the end fails both comparisons.
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days in a month (1–12) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The epoch milliseconds of `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM)`, or `NaN` for any other string (including
 * dates that do not exist, hour 24 and leap seconds). Fractions beyond milliseconds are truncated, as `Date.parse`
 * does.
 */
export function parseInstant(s: string): number {
  const length = s.length;
  // Shortest accepted form: YYYY-MM-DDTHH:MMZ.
  if (length < 17) return NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58) {
    return NaN;
  }
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0) return NaN;
  if (minute > 59) return NaN;
  const year = century * 100 + yy;
  if (day > daysInMonth(year, month)) return NaN;

  let i = 16;
  let second = 0;
  let millis = 0;
  if (s.charCodeAt(i) === 58) {
    second = twoDigits(s, 17);
    if (second < 0 || second > 59) return NaN;
    i = 19;
    if (s.charCodeAt(i) === 46) {
      i++;
      const start = i;
      for (let c = s.charCodeAt(i) - 48; c >= 0 && c <= 9; c = s.charCodeAt(++i) - 48) {
        if (i - start < 3) millis = millis * 10 + c;
      }
      const digits = i - start;
      if (digits === 0) return NaN;
      if (digits === 1) millis *= 100;
      else if (digits === 2) millis *= 10;
    }
  }

  let offsetMinutes = 0;
  const zone = s.charCodeAt(i);
  if (zone === 90) {
    if (i + 1 !== length) return NaN;
  } else if (zone === 43 || zone === 45) {
    const offsetHour = twoDigits(s, i + 1);
    const offsetMinute = twoDigits(s, i + 4);
    if (i + 6 !== length || s.charCodeAt(i + 3) !== 58) return NaN;
    if (offsetHour < 0 || offsetHour > 23 || offsetMinute < 0 || offsetMinute > 59) return NaN;
    offsetMinutes = (offsetHour * 60 + offsetMinute) * (zone === 45 ? -1 : 1);
  } else {
    return NaN;
  }

  return (
    daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis
  );
}

const MIN_CANONICAL = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_CANONICAL = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/**
 * The canonical form `YYYY-MM-DDTHH:MM:SS.sssZ` of an integer instant in years 0000–9999 (what `toISOString` writes),
 * or `undefined` for any other number.
 */
export function toCanonical(ms: number): string | undefined {
  return Number.isInteger(ms) && ms >= MIN_CANONICAL && ms <= MAX_CANONICAL ? new Date(ms).toISOString() : undefined;
}

/**
 * True when `s` has the length and zone of the canonical form. Such a string is either no instant at all or an
 * instant in canonical form, and canonical forms sort as strings in the order of their instants: a cheap string
 * comparison can then rule a value out before {@link parseInstant} is needed.
 */
export function hasCanonicalShape(s: string): boolean {
  return s.length === 24 && s.charCodeAt(23) === 90;
}

/**
 * Epoch milliseconds of an instant in the canonical `toISOString` form (`YYYY-MM-DDTHH:MM:SS.sssZ`, how crmkit
 * stores every instant), or of any other ISO-8601 date-time with a zone (through `parseInstant`); `NaN` otherwise.
 * The canonical form is read digit by digit without allocating: reports parse millions of these.
 */
export function instantMs(s: string): number {
  if (
    s.length !== 24 ||
    s.charCodeAt(23) !== 90 ||
    s.charCodeAt(19) !== 46 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return parseInstant(s);
  }
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  const hundreds = s.charCodeAt(20) - 48;
  const rest = twoDigits(s, 21);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return NaN;
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || hundreds < 0 || hundreds > 9 || rest < 0) return NaN;
  const year = century * 100 + yy;
  if (day > 28 && day > daysInMonth(year, month)) return NaN;
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + hundreds * 100 + rest
  );
}
