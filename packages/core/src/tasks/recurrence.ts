/**
 * Recurring tasks: a subset of RFC 5545 `RRULE` (`FREQ=DAILY|WEEKLY|MONTHLY`, `INTERVAL`, `BYDAY` for daily and
 * weekly rules, `COUNT`, `UNTIL`), expanded in the task's time zone so an occurrence keeps its wall-clock time across
 * DST changes. Weeks start on Monday (`WKST=MO`). Pure functions over plain data.
 */
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { recurrenceSchema, weekdays, type Recurrence, type Weekday } from '../model/activity.js';
import { civilFromDays, daysFromCivil, fromLocal, toLocal } from '../time/calendar.js';

/** Day of the week of a day number (days since 1970-01-01, a Thursday): 0 = Monday … 6 = Sunday. */
function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/**
 * The due instants of a series after the one due at `dueAt`, in order: at most `limit` of them. `dueAt` is the
 * first occurrence (RFC 5545's `DTSTART`) of the rule; `count` counts it. Times are kept on the wall clock of
 * `timeZone`.
 */
export function occurrences(rule: Recurrence, dueAt: string, timeZone: string, limit: number): string[] {
  const start = Date.parse(dueAt);
  if (Number.isNaN(start)) throw new ValidationError([{ path: ['dueAt'], message: 'Expected an instant' }]);
  const local = toLocal(start, timeZone);
  const startDay = daysFromCivil(local.year, local.month, local.day);
  const until = rule.until === undefined ? Infinity : Date.parse(rule.until);
  const remaining = rule.count === undefined ? Infinity : rule.count - 1;
  const max = Math.min(limit, remaining);
  const result: string[] = [];
  const at = (day: number): number => {
    const [year, month, dayOfMonth] = civilFromDays(day);
    return fromLocal({ ...local, year, month, day: dayOfMonth }, timeZone);
  };
  const push = (ms: number): boolean => {
    if (ms > until || result.length >= max) return false;
    if (ms > start) result.push(new Date(ms).toISOString());
    return result.length < max;
  };
  const byDay = rule.byDay ? new Set(rule.byDay.map((d) => weekdays.indexOf(d))) : undefined;
  // Guards against rules that can never produce another occurrence (none exist in this subset, but be safe).
  const horizon = 100_000;
  if (rule.unit === 'day') {
    for (let i = 1, guard = 0; guard < horizon; i++, guard++) {
      const day = startDay + i * rule.every;
      if (byDay && !byDay.has(weekdayIndex(day))) continue;
      if (!push(at(day))) break;
    }
  } else if (rule.unit === 'week') {
    const weekStart = startDay - weekdayIndex(startDay);
    const days = byDay ? [...byDay].sort((a, b) => a - b) : [weekdayIndex(startDay)];
    outer: for (let week = 0; week < horizon; week++) {
      for (const offset of days) {
        const day = weekStart + week * 7 * rule.every + offset;
        if (day <= startDay) continue;
        if (!push(at(day))) break outer;
      }
    }
  } else {
    for (let i = 1; i < horizon; i++) {
      const monthNumber = local.year * 12 + local.month - 1 + i * rule.every;
      const year = Math.floor(monthNumber / 12);
      const month = (monthNumber % 12) + 1;
      if (local.day > daysInMonth(year, month)) continue; // RFC 5545: an invalid date is skipped, not clamped.
      if (!push(fromLocal({ ...local, year, month }, timeZone))) break;
    }
  }
  return result;
}

/**
 * The due instant of the occurrence after a task due at `dueAt`, which is occurrence number `occurrence` (1-based)
 * of its series; `undefined` when the series has ended (`count` reached, or past `until`).
 */
export function nextOccurrence(rule: Recurrence, dueAt: string, timeZone: string, occurrence = 1): string | undefined {
  if (rule.count !== undefined && occurrence >= rule.count) return undefined;
  // The rule is anchored at this task's due date: `count` then counts from it, so shift it by what has passed.
  const shifted: Recurrence = rule.count === undefined ? rule : { ...rule, count: rule.count - occurrence + 1 };
  return occurrences(shifted, dueAt, timeZone, 1)[0];
}

const FREQS: Readonly<Record<string, Recurrence['unit']>> = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month' };

/** Reads an RFC 5545 date-time (`20260131T090000Z` or a date `20260131`, taken as midnight UTC) as ISO-8601. */
function rfcDateTime(value: string): string | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = match;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
}

/**
 * Parses an `RRULE` value such as `FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=6` (a leading `RRULE:` is allowed) into
 * a {@link Recurrence}. `ValidationError` naming the offending part for anything outside the supported subset.
 */
export function parseRRule(text: string): Recurrence {
  const body = text.trim().replace(/^RRULE:/i, '');
  const raw: Record<string, unknown> = { every: 1 };
  for (const part of body.split(';')) {
    if (part === '') continue;
    const [key = '', value = ''] = part.split('=', 2).map((s) => s.trim().toUpperCase());
    switch (key) {
      case 'FREQ': {
        const unit = FREQS[value];
        if (!unit) throw new ValidationError([{ path: ['FREQ'], message: 'Expected DAILY, WEEKLY or MONTHLY' }]);
        raw['unit'] = unit;
        break;
      }
      case 'INTERVAL':
        raw['every'] = /^\d+$/.test(value) ? Number(value) : value;
        break;
      case 'COUNT':
        raw['count'] = /^\d+$/.test(value) ? Number(value) : value;
        break;
      case 'UNTIL':
        raw['until'] = rfcDateTime(value) ?? value;
        break;
      case 'BYDAY':
        raw['byDay'] = value.split(',');
        break;
      case 'WKST':
        if (value !== 'MO') throw new ValidationError([{ path: ['WKST'], message: 'Only WKST=MO is supported' }]);
        break;
      default:
        throw new ValidationError([{ path: [key || '(empty)'], message: 'Unsupported RRULE part' }]);
    }
  }
  if (raw['unit'] === undefined) throw new ValidationError([{ path: ['FREQ'], message: 'FREQ is required' }]);
  return parseOrThrow(recurrenceSchema, raw, 'RRULE');
}

const FREQ_NAMES: Readonly<Record<Recurrence['unit'], string>> = { day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY' };

/** Writes a {@link Recurrence} as an `RRULE` value, e.g. `FREQ=MONTHLY;INTERVAL=1;COUNT=3`. */
export function formatRRule(rule: Recurrence): string {
  const parts = [`FREQ=${FREQ_NAMES[rule.unit]}`, `INTERVAL=${rule.every}`];
  if (rule.byDay) parts.push(`BYDAY=${rule.byDay.join(',')}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.until !== undefined) parts.push(`UNTIL=${rule.until.replace(/[-:]/g, '').replace(/\.\d+/, '')}`);
  return parts.join(';');
}

export type { Weekday };
