/** The time units of the filter language, on their own so storage planners use them without the evaluator. */
import type { FilterTimeUnit } from './schema.js';

/** Milliseconds in each unit of `withinLast` and `olderThan`. */
export const FILTER_UNIT_MS: Readonly<Record<FilterTimeUnit, number>> = {
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};
