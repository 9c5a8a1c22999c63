/**
 * Calendar days and months of instants in an IANA time zone, through `Intl.DateTimeFormat`.
 *
 * `Intl` is slow per call (microseconds), so it is asked only for the boundaries: the first instant of each local day
 * is computed once and cached, and an instant is placed by comparing it with cached boundaries. Bucketing a million
 * instants over a year asks `Intl` a few thousand times, not a million.
 */
import { ValidationError } from '../errors/errors.js';
import { daysFromCivil } from './instant.js';

const DAY = 86_400_000;

// One civil-date arithmetic for the whole core: the instant parser owns it.
export { daysFromCivil };

/** The proleptic Gregorian date of a day number (Howard Hinnant's civil_from_days): `[year, month 1–12, day]`. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const pad = (value: number): string => (value < 10 ? `0${value}` : String(value));

/** `YYYY-MM` of a month number (`year × 12 + month − 1`). */
export function monthKey(month: number): string {
  return `${Math.floor(month / 12)}-${pad((month % 12) + 1)}`;
}

/** The month number (`year × 12 + month − 1`) of a `YYYY-MM` or `YYYY-MM-DD` string; `NaN` when it is not one. */
export function monthNumberOf(text: string): number {
  const match = /^(\d{4})-(\d{2})(?:-\d{2})?$/.exec(text);
  if (!match) return NaN;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? Number(match[1]) * 12 + month - 1 : NaN;
}

/** Local days and months of instants in one time zone. Day numbers count days since 1970-01-01 (local). */
export interface ZonedCalendar {
  readonly timeZone: string;
  /** The local day number of an instant (epoch milliseconds). */
  dayOf(ms: number): number;
  /** The local month number (`year × 12 + month − 1`) of an instant. */
  monthOf(ms: number): number;
  /** The first instant of a local day (midnight, or the end of a gap when the day starts in one). */
  startOfDay(day: number): number;
  /** The first instant of a local month. */
  startOfMonth(month: number): number;
}

const calendars = new Map<string, ZonedCalendar>();

/**
 * The calendar of an IANA time zone (cached per zone). `ValidationError` naming `timeZone` when the zone is unknown.
 */
export function zonedCalendar(timeZone: string): ZonedCalendar {
  let calendar = calendars.get(timeZone);
  if (!calendar) {
    calendar = createCalendar(timeZone);
    // A handful of zones at most in practice; forget them all rather than grow without bound.
    if (calendars.size >= 32) calendars.clear();
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

/**
 * A formatter giving the numeric local date and time (24-hour) of an instant in `timeZone`: the one place the core
 * asks `Intl` for wall-clock time. `ValidationError` naming `timeZone` when the zone is unknown.
 */
export function zonedDateTimeFormat(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new ValidationError([{ path: ['timeZone'], message: 'Expected an IANA time zone such as Asia/Shanghai' }]);
  }
}

function createCalendar(timeZone: string): ZonedCalendar {
  formatFor(timeZone); // an unknown zone is refused when the calendar is made
  const rawDay = (ms: number): number => {
    const { year, month, day } = toLocal(ms, timeZone);
    return daysFromCivil(year, month, day);
  };
  const offset = (ms: number): number => offsetAt(ms, timeZone);

  const dayStarts = new Map<number, number>();
  const startOfDay = (day: number): number => {
    const cached = dayStarts.get(day);
    if (cached !== undefined) return cached;
    const base = day * DAY;
    const first = offset(base);
    let start = base - first;
    const second = offset(start);
    if (second !== first) start = base - second;
    if (rawDay(start) !== day || rawDay(start - 1) >= day) {
      // Midnight fell into a transition: search for the first instant of the day.
      let low = base - 2 * DAY; // rawDay(low) < day
      let high = base + 2 * DAY; // rawDay(high) >= day
      while (high - low > 1) {
        const mid = Math.floor((low + high) / 2);
        if (rawDay(mid) >= day) high = mid;
        else low = mid;
      }
      start = high;
    }
    dayStarts.set(day, start);
    return start;
  };

  let hint: number | undefined;
  const dayOf = (ms: number): number => {
    hint ??= offset(ms);
    let day = Math.floor((ms + hint) / DAY);
    for (;;) {
      if (ms < startOfDay(day)) day--;
      else if (ms >= startOfDay(day + 1)) day++;
      else return day;
    }
  };

  return {
    timeZone,
    dayOf,
    monthOf(ms) {
      const [year, month] = civilFromDays(dayOf(ms));
      return year * 12 + month - 1;
    },
    startOfDay,
    startOfMonth(month) {
      return startOfDay(daysFromCivil(Math.floor(month / 12), (month % 12) + 1, 1));
    },
  };
}

// ---- wall-clock time (RFC 5545's rules for gaps and overlaps) ----

/** Local date and time: month 1–12. */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = zonedDateTimeFormat(timeZone);
    if (formats.size >= 32) formats.clear();
    formats.set(timeZone, format);
  }
  return format;
}

/** The local date and time of an instant (epoch milliseconds) in `timeZone`. */
export function toLocal(ms: number, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatFor(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields['year'] ?? 1970,
    month: fields['month'] ?? 1,
    day: fields['day'] ?? 1,
    hour: fields['hour'] ?? 0,
    minute: fields['minute'] ?? 0,
    second: fields['second'] ?? 0,
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

/** Local time minus UTC at an instant, in milliseconds. */
export function offsetAt(ms: number, timeZone: string): number {
  const l = toLocal(ms, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second, l.millisecond) - ms;
}

/**
 * The instant of a local date and time in `timeZone`. A time that occurs twice (the hour repeated when clocks go
 * back) resolves to the first; a time that does not exist (skipped when clocks go forward) is read with the offset
 * before the gap, so 02:30 on a New York spring-forward day is 03:30 EDT — as RFC 5545 prescribes.
 */
export function fromLocal(local: LocalDateTime, timeZone: string): number {
  const wall = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
    local.millisecond,
  );
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const candidates = [wall - before, wall - after].filter((ms) => ms + offsetAt(ms, timeZone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - before;
}
