/**
 * Compiled filter-language conditions for the lead rules (scoring, assignment, SLA): compiled once per filter object
 * unless they count back from `now` (`withinLast`, `olderThan`), which are compiled per call.
 */
import { compileFilter, type Filter, type FilterPredicate } from '../filter/index.js';

/** True when the filter counts back from `now` somewhere (`withinLast`, `olderThan`). */
export function readsClock(filter: Filter): boolean {
  if ('all' in filter) return filter.all.some(readsClock);
  if ('any' in filter) return filter.any.some(readsClock);
  if ('not' in filter) return readsClock(filter.not);
  return filter.op === 'withinLast' || filter.op === 'olderThan';
}

const compiled = new WeakMap<Filter, FilterPredicate>();

/** The predicate of `filter` evaluated at `now`; cached by the filter's identity when it does not read the clock. */
export function predicateAt(filter: Filter, now: Date): FilterPredicate {
  if (readsClock(filter)) return compileFilter(filter, { now });
  let found = compiled.get(filter);
  if (!found) compiled.set(filter, (found = compileFilter(filter)));
  return found;
}

/** The own property `key` of a plain record, never one inherited from `Object.prototype`. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
