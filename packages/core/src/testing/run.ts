/** State shared by the phases of one generation run, and the counting helpers they share: ids, month slices, spreads. */
import type { SeededRandom } from './random.js';
import { firstDayOf, monthOf, type WorkClock } from './time.js';

/** `prefix-0001`: zero-padded to at least four digits, and to the count's width so ids sort in creation order. */
export function idMaker(prefix: string, total: number): (index: number) => string {
  const width = Math.max(4, String(total).length);
  return (index) => `${prefix}-${String(index + 1).padStart(width, '0')}`;
}

/** State shared by the phases of one generation run. */
export interface Run {
  /** The instant the data is generated at, in ms, on a whole minute. */
  readonly now: number;
  /** `now` minus 365 days: nothing happens before it. */
  readonly start: number;
  readonly iso: (ms: number) => string;
  readonly clock: WorkClock;
  /** The last working minute before `now`. */
  readonly last: number;
  /**
   * A working minute between two instants, drawn with one number from `random` (so the draws that follow do not
   * depend on the clock), or `from` itself when no working minute lies between them.
   */
  between(random: SeededRandom, from: number, to: number): number;
}

/**
 * How busy each calendar month is (January first): the Spring Festival empties February, National Day week October;
 * quarter ends, and above all the year end, close more business.
 */
const SEASON = [1, 0.65, 1.1, 0.95, 0.95, 1.15, 0.85, 0.85, 1.1, 0.85, 1.05, 1.3];

/** A stretch of working minutes, `first` to `last`, inside one local month, weighted by how much happens in it. */
interface MonthSlice {
  readonly first: number;
  readonly last: number;
  readonly weight: number;
}

/**
 * The local months between two working minutes, each weighted by its working minutes, its season and a growth of
 * the business from 0.8 to 1.2 over the year: how many deals close, and how many leads come in, in each.
 */
export function monthSlices(run: Run, first: number, last: number): MonthSlice[] {
  const { clock } = run;
  const slices: MonthSlice[] = [];
  for (let month = monthOf(clock.day(first)); ; month++) {
    const from = Math.max(first, clock.startOf(firstDayOf(month)));
    if (from > last) return slices;
    const to = Math.min(last, clock.startOf(firstDayOf(month + 1)) - 1);
    const growth = 0.8 + (0.2 * (from + to)) / (run.last + 1);
    if (from <= to) slices.push({ first: from, last: to, weight: (to - from + 1) * SEASON[month % 12]! * growth });
  }
}

/**
 * `total` things spread over weighted slices: one each when there are enough, the rest in proportion to the weights
 * (systematic sampling, so no slice gets much more or less than its share).
 */
export function spread(random: SeededRandom, total: number, slices: readonly { readonly weight: number }[]): number[] {
  const counts = slices.map(() => (total >= slices.length ? 1 : 0));
  const rest = total >= slices.length ? total - slices.length : total;
  const step = slices.reduce((sum, slice) => sum + slice.weight, 0) / rest;
  let edge = slices[0]?.weight ?? 0;
  let slice = 0;
  for (let n = 0, target = random.next() * step; n < rest; n++, target += step) {
    while (target >= edge && slice < slices.length - 1) edge += slices[++slice]!.weight;
    counts[slice]!++;
  }
  return counts;
}
