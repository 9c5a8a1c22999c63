/**
 * Time: instants, calendar days and months in an IANA time zone, wall-clock time (RFC 5545's rules for gaps and
 * overlaps) and report periods. One implementation of each, shared by filters, the funnel, tasks and reports.
 *
 * @module
 */
export { parseInstant, toCanonical } from './instant.js';
export { zonedCalendar, toLocal, fromLocal, offsetAt, type ZonedCalendar, type LocalDateTime } from './calendar.js';
export {
  granularities,
  periodsBetween,
  periodOfDays,
  daysOfPeriod,
  type Granularity,
  type Period,
  type ReportPeriod,
} from './periods.js';
