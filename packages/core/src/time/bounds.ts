import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { daysFromCivil, instantMs } from './instant.js';
import { dateOnlySchema, instantSchema } from '../model/primitives.js';
import type { ZonedCalendar } from './calendar.js';

/** A `Date` that holds a time (not `new Date('x')`): what z.date checks, without its class. */
const dateSchema = /* @__PURE__ */ z.custom<Date>(
  (value) => value instanceof Date && !Number.isNaN(value.getTime()),
  'Expected a valid Date',
);

/** An instant as a `Date` or an ISO-8601 date-time with `Z` or an offset. */
export const instantInputSchema = /* @__PURE__ */ z.union([dateSchema, instantSchema]);

/** A window bound: an instant, or a `YYYY-MM-DD` calendar day in the report's time zone. */
export const windowBoundSchema = /* @__PURE__ */ z.union([dateSchema, instantSchema, dateOnlySchema]);

/**
 * Epoch milliseconds of a parsed window bound. A calendar day means its first instant in the calendar's zone; as the
 * end of a window (`end`) it means the first instant of the next day, so the whole day is inside.
 */
export function boundMs(value: Date | string, calendar: ZonedCalendar, end: boolean): number {
  if (value instanceof Date) return value.getTime();
  if (value.length === 10) {
    const day = daysFromCivil(Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10)));
    return calendar.startOfDay(end ? day + 1 : day);
  }
  return instantMs(value);
}

/**
 * Epoch milliseconds of a record's instant; `ValidationError` at `collection.index.field` (or at `collection` alone)
 * when it is not an ISO-8601 date-time with a zone. The path is built only on failure: this runs once per record.
 */
export function recordMs(value: unknown, collection: string, index?: number, field?: string): number {
  const ms = typeof value === 'string' ? instantMs(value) : NaN;
  if (Number.isNaN(ms)) {
    const path = index === undefined ? [collection] : [collection, index, field ?? ''];
    throw new ValidationError([{ path, message: 'Expected an ISO-8601 date-time with Z or an offset' }], 'funnel data');
  }
  return ms;
}
