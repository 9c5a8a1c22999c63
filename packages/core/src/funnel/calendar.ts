/**
 * Calendar days and months of instants in an IANA time zone, through `Intl.DateTimeFormat`.
 *
 * `Intl` is slow per call (microseconds), so it is asked only for the boundaries: the first instant of each local day
 * is computed once and cached, and an instant is placed by comparing it with cached boundaries. Bucketing a million
 * instants over a year asks `Intl` a few thousand times, not a million.
 */
import { ValidationError } from '../errors/errors.js';
import { daysFromCivil } from '../filter/instant.js';

const DAY = 86_400_000;

// One civil-date arithmetic for the whole core: the filter's instant parser owns it.
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
  const format = zonedDateTimeFormat(timeZone);

  /** Local date and time of an instant, from Intl. */
  const local = (ms: number): number[] => {
    const fields = [0, 0, 0, 0, 0, 0];
    for (const part of format.formatToParts(ms)) {
      const slot = PART_SLOTS[part.type];
      if (slot !== undefined) fields[slot] = Number(part.value);
    }
    return fields;
  };
  const rawDay = (ms: number): number => {
    const [year = 0, month = 1, day = 1] = local(ms);
    return daysFromCivil(year, month, day);
  };
  /** Local time minus UTC at an instant, in milliseconds (whole seconds). */
  const offsetAt = (ms: number): number => {
    const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = local(ms);
    return Date.UTC(year, month - 1, day, hour, minute, second) - Math.floor(ms / 1000) * 1000;
  };

  const dayStarts = new Map<number, number>();
  const startOfDay = (day: number): number => {
    const cached = dayStarts.get(day);
    if (cached !== undefined) return cached;
    const base = day * DAY;
    const first = offsetAt(base);
    let start = base - first;
    const second = offsetAt(start);
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
    hint ??= offsetAt(ms);
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

const PART_SLOTS: Readonly<Record<string, number>> = { year: 0, month: 1, day: 2, hour: 3, minute: 4, second: 5 };
