/** Report periods (days, Monday-based weeks, months) of local dates in a time zone, as instant ranges. */
import { ValidationError } from '../errors/errors.js';
import { civilFromDays, daysFromCivil, zonedCalendar } from './calendar.js';
import { instantMs } from './instant.js';

/** How a trend is bucketed. */
export const granularities = ['day', 'week', 'month'] as const;
export type Granularity = (typeof granularities)[number];

/**
 * A period of time: instants, half-open `[from, to)`: `from` is its first instant, `to` the first instant after it,
 * both ISO-8601 with `Z` or an offset. Every report takes one (`period`), so one window can be passed to all of them;
 * {@link periodOfDays} makes the period of calendar days in a time zone.
 */
export interface Period {
  readonly from: string;
  readonly to: string;
}

/**
 * One bucket of a trend: its key (`YYYY-MM-DD` of its first day, or `YYYY-MM` for a month) and its instants, `start`
 * included, `end` not (what this type was called `Period` for until `Period` became the one period every report
 * takes).
 */
export interface ReportPeriod {
  readonly key: string;
  /** First instant, ISO-8601 UTC. */
  readonly start: string;
  /** First instant after it, ISO-8601 UTC. */
  readonly end: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const dateKey = (day: number) => {
  const [y, m, d] = civilFromDays(day);
  return `${y}-${pad(m)}-${pad(d)}`;
};

/** The day number of a `YYYY-MM-DD` date; `ValidationError` naming `field` otherwise. */
export function dayNumber(date: string, field: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const day = match ? daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3])) : NaN;
  if (!match || dateKey(day) !== date)
    throw new ValidationError([{ path: [field], message: 'Expected a calendar date YYYY-MM-DD' }]);
  return day;
}

/** The first day of the period of `granularity` containing `day`. */
function periodStart(day: number, granularity: Granularity): number {
  if (granularity === 'day') return day;
  if (granularity === 'week') return day - ((((day + 3) % 7) + 7) % 7); // back to Monday
  const [y, m] = civilFromDays(day);
  return daysFromCivil(y, m, 1);
}

function nextStart(start: number, granularity: Granularity): number {
  if (granularity === 'day') return start + 1;
  if (granularity === 'week') return start + 7;
  const [y, m] = civilFromDays(start);
  return m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
}

function previousStart(start: number, granularity: Granularity): number {
  return periodStart(start - 1, granularity);
}

/**
 * The periods covering local dates `from`..`to` (inclusive), widened to whole periods, preceded by the period
 * before (index 0) for period-over-period change.
 */
export function periodsBetween(from: string, to: string, granularity: Granularity, timeZone: string): ReportPeriod[] {
  const first = periodStart(dayNumber(from, 'from'), granularity);
  const last = dayNumber(to, 'to');
  if (last < dayNumber(from, 'from'))
    throw new ValidationError([{ path: ['to'], message: 'Expected a date on or after from' }]);
  const calendar = zonedCalendar(timeZone);
  const periods: ReportPeriod[] = [];
  for (let start = previousStart(first, granularity); start <= last; start = nextStart(start, granularity)) {
    if (periods.length > 5000)
      throw new ValidationError([{ path: ['to'], message: 'Too many periods (at most 5000)' }]);
    const end = nextStart(start, granularity);
    periods.push({
      key: granularity === 'month' ? dateKey(start).slice(0, 7) : dateKey(start),
      start: new Date(calendar.startOfDay(start)).toISOString(),
      end: new Date(calendar.startOfDay(end)).toISOString(),
    });
  }
  return periods;
}

/** The index of the period containing an instant, or -1. */
export function periodIndex(periods: readonly ReportPeriod[], instant: string | undefined): number {
  if (instant === undefined) return -1;
  const ms = Date.parse(instant);
  let low = 0;
  let high = periods.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const period = periods[mid]!;
    if (ms < Date.parse(period.start)) high = mid - 1;
    else if (ms >= Date.parse(period.end)) low = mid + 1;
    else return mid;
  }
  return -1;
}

/** The instant range of local dates `from`..`to` inclusive. */
export function dateRange(from: string, to: string, timeZone: string): { start: string; end: string } {
  const calendar = zonedCalendar(timeZone);
  const first = dayNumber(from, 'from');
  const last = dayNumber(to, 'to');
  if (last < first) throw new ValidationError([{ path: ['to'], message: 'Expected a date on or after from' }]);
  return {
    start: new Date(calendar.startOfDay(first)).toISOString(),
    end: new Date(calendar.startOfDay(last + 1)).toISOString(),
  };
}

/**
 * The {@link Period} of the calendar days `from`..`to` (both `YYYY-MM-DD`, both included) in `timeZone`: from the
 * first instant of `from` to the first instant of the day after `to`.
 *
 * ```ts
 * periodOfDays('2026-01-01', '2026-03-31', 'Asia/Shanghai');
 * // { from: '2025-12-31T16:00:00.000Z', to: '2026-03-31T16:00:00.000Z' }
 * ```
 *
 * @throws ValidationError naming `from` or `to` when it is not a calendar date, or `to` is before `from`.
 */
export function periodOfDays(from: string, to: string, timeZone: string): Period {
  const { start, end } = dateRange(from, to, timeZone);
  return { from: start, to: end };
}

/**
 * The calendar days a {@link Period} touches in `timeZone`, as `YYYY-MM-DD` (both included): the day of its first
 * instant and the day of its last. What the reports that count by day, month or date range read a period as.
 */
export function daysOfPeriod(period: Period, timeZone: string): { from: string; to: string } {
  const from = instantMs(period.from);
  const to = instantMs(period.to);
  if (Number.isNaN(from) || Number.isNaN(to) || to <= from) {
    throw new ValidationError([{ path: ['period'], message: 'Expected instants with from before to' }]);
  }
  const calendar = zonedCalendar(timeZone);
  return { from: dateKey(calendar.dayOf(from)), to: dateKey(calendar.dayOf(to - 1)) };
}
