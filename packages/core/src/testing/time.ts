/**
 * Time for the demo-data generator: minutes, days and months as numbers, a fast ISO formatter, and the working
 * clock of the CRM's users (weekdays 09:00–18:00 in its time zone).
 */
import { fromLocal, toLocal } from '../time/calendar.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * `Date#toISOString` for the whole minutes the generator produces, with each day's prefix cached: formatting
 * timestamps was a quarter of the cost of generating 10 000 deals. Any other instant takes the slow, exact path.
 */
export function isoFormatter(): (ms: number) => string {
  const days = new Map<number, string>();
  const pad = (value: number) => (value < 10 ? `0${value}` : `${value}`);
  return (ms) => {
    if (ms % MINUTE !== 0) return new Date(ms).toISOString();
    const day = Math.floor(ms / DAY);
    let prefix = days.get(day);
    if (prefix === undefined) days.set(day, (prefix = new Date(day * DAY).toISOString().slice(0, 11)));
    const minutes = (ms - day * DAY) / MINUTE;
    return `${prefix}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:00.000Z`;
  };
}

/** Working hours of the CRM's users, weekdays in its time zone. */
const OPENS = 9;
const CLOSES = 18;
/** The working minutes of a working day, and per calendar day on average (five working days a week). */
export const WORKING_DAY = (CLOSES - OPENS) * 60;
export const WORK_PER_DAY = (5 * WORKING_DAY) / 7;

/** The `YYYY-MM-DD` of a day number (days since 1970-01-01), and the month number (`year × 12 + month − 1`). */
export const dateOf = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
export const monthOf = (day: number): number => {
  const date = new Date(day * DAY);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
};
/** The day number of the first day of a month number. */
export const firstDayOf = (month: number): number => Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY;

/**
 * Working time in the CRM's zone as a clock of working minutes, numbered from the first one of the day after the
 * window starts (its first whole local day) to 70 days after `now` (the latest due date). Local opening and closing
 * times go through `Intl` once per day, so daylight saving time moves them as it moves the users' clocks.
 */
export interface WorkClock {
  readonly timeZone: string;
  /** Today's local day number at `now`. */
  readonly today: number;
  /** The instant of a working minute; indexes outside the clock are clamped to it. */
  at(index: number): number;
  /** The first working minute at or after an instant, or with `down` the last one at or before it. */
  index(ms: number, down?: boolean): number;
  /** The local day number of a working minute. */
  day(index: number): number;
  /** The first working minute on or after a local day. */
  startOf(day: number): number;
}

export function workClock(timeZone: string, start: number, now: number): WorkClock {
  const dayOf = (ms: number) => {
    const { year, month, day } = toLocal(ms, timeZone);
    return Date.UTC(year, month - 1, day) / DAY;
  };
  const today = dayOf(now);
  const days: number[] = [];
  const opens: number[] = [];
  /** Working minutes before each working day. */
  const before: number[] = [];
  let total = 0;
  // From the first whole local day after `start`, and within the last 365 local days even across a change of offset.
  for (let day = Math.max(dayOf(start) + 1, today - 364); day <= today + 70; day++) {
    // Day 0, 1970-01-01, was a Thursday: (day + 4) mod 7 is 0 on Sundays and 6 on Saturdays.
    const weekday = (((day + 4) % 7) + 7) % 7;
    if (weekday === 0 || weekday === 6) continue;
    const date = new Date(day * DAY);
    const local = (hour: number) =>
      fromLocal(
        {
          year: date.getUTCFullYear(),
          month: date.getUTCMonth() + 1,
          day: date.getUTCDate(),
          hour,
          minute: 0,
          second: 0,
          millisecond: 0,
        },
        timeZone,
      );
    const open = local(OPENS);
    days.push(day);
    opens.push(open);
    before.push(total);
    total += (local(CLOSES) - open) / MINUTE;
  }
  /** The last index whose value is at most `value` in an ascending array, or -1. */
  const floor = (values: readonly number[], value: number): number => {
    let low = 0;
    let high = values.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (values[mid]! <= value) low = mid + 1;
      else high = mid - 1;
    }
    return high;
  };
  const clamp = (index: number) => Math.min(Math.max(index, 0), total - 1);
  return {
    timeZone,
    today,
    at(index) {
      const minute = clamp(index);
      const day = floor(before, minute);
      return opens[day]! + (minute - before[day]!) * MINUTE;
    },
    index(ms, down) {
      const day = floor(opens, ms);
      if (day < 0) return down ? -1 : 0;
      const length = (before[day + 1] ?? total) - before[day]!;
      const into = (ms - opens[day]!) / MINUTE;
      return before[day]! + (down ? Math.min(Math.floor(into), length - 1) : Math.min(Math.ceil(into), length));
    },
    day: (index) => days[floor(before, clamp(index))]!,
    startOf(day) {
      const next = floor(days, day - 1) + 1;
      return before[next] ?? total;
    },
  };
}
