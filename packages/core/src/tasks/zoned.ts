/**
 * Wall-clock time in an IANA time zone, through `Intl.DateTimeFormat`: the local fields of an instant, and the instant
 * of local fields (with RFC 5545's rules for times that fall in a DST gap or overlap).
 */
import { zonedDateTimeFormat } from '../funnel/calendar.js';

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

const DAY = 86_400_000;

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
