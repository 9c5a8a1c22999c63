/**
 * The in-page half of the browser benchmark harness: interleaved, rotated timing rounds, medians, and the report a
 * page publishes for `run-browser-bench.mjs` to print.
 *
 * A benchmark page measures each contender once per round, in an order that rotates from round to round, so drift on
 * a shared machine (neighbours, thermal, GC, the storage engine compacting) spreads over every contender. Only
 * `Trial.run` is timed: preparation (a fresh database, say) and checking the result happen outside the timed region.
 */
import { median } from './shared.js';

export { median };

/** One column of a report table; numbers are right-aligned. */
export interface BenchColumn {
  readonly label: string;
  readonly align?: 'left' | 'right';
}

/** A table the runner prints as markdown; cells are already formatted. */
export interface BenchTable {
  readonly caption: string;
  readonly columns: readonly BenchColumn[];
  readonly rows: readonly (readonly string[])[];
}

/** A correctness check; any failed check makes the runner exit non-zero. */
export interface BenchCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

/** What a benchmark page publishes on `window.__benchResults` when it is done. */
export interface BenchReport {
  readonly title: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly tables: readonly BenchTable[];
  readonly checks: readonly BenchCheck[];
  /** Raw samples and anything else worth keeping in the JSON file. */
  readonly data?: unknown;
}

declare global {
  interface Window {
    __benchResults?: BenchReport;
    __benchError?: string;
    /** Present when Chromium runs with `--js-flags=--expose-gc` (the runner passes it). */
    gc?: () => void;
  }
}

/** Publishes the finished report; the runner polls for it. */
export function publishReport(report: BenchReport): void {
  window.__benchResults = report;
}

/** Publishes a failure instead of a report; the runner prints it and exits non-zero. */
export function publishFailure(error: unknown): void {
  window.__benchError =
    error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
}

/** Progress lines; the runner forwards the page's console to its own output. */
export function log(message: string): void {
  console.log(`[bench] ${message}`);
}

/** A page parameter from the query string (the runner passes its command-line options there). */
export function param(name: string, fallback: string): string {
  return new URLSearchParams(location.search).get(name) ?? fallback;
}

/** A positive integer page parameter; throws on anything else so a typo does not silently change the run. */
export function intParam(name: string, fallback: number): number {
  const value = Number(param(name, String(fallback)));
  if (!Number.isInteger(value) || value < 1) throw new Error(`Parameter ${name} must be a positive integer`);
  return value;
}

/** A full collection before a timed region, so a collection left over from setup does not land inside it. */
export function collectGarbage(): void {
  window.gc?.();
}

/** One timed execution, prepared outside the timed region. */
export interface Trial {
  /** The timed work. */
  run(): Promise<unknown>;
  /** Untimed: check and clean up after `run` (close, delete). Throw to fail the benchmark. */
  after?(result: unknown): Promise<void> | void;
}

export interface Contender {
  readonly name: string;
  /** Untimed: prepares one trial (a fresh database, an open connection); `round` is negative while warming up. */
  prepare(round: number): Promise<Trial> | Trial;
}

export interface RoundOptions {
  /** Timed rounds; each runs every contender once. */
  readonly rounds: number;
  /** Untimed rounds first, so the JIT and the storage engine are warm. */
  readonly warmupRounds?: number;
  /** Called after each round (progress output). */
  readonly onRound?: (round: number, rounds: number) => void;
}

/** Contender name → the time of each timed round, in milliseconds. */
export type Samples = Map<string, number[]>;

/** The contenders in an order rotated by `by` places. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = ((by % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Runs warm-up rounds and then timed rounds, each contender once per round, the order rotating every round. */
export async function measureRounds(contenders: readonly Contender[], options: RoundOptions): Promise<Samples> {
  const samples: Samples = new Map(contenders.map((contender) => [contender.name, []]));
  const warmupRounds = options.warmupRounds ?? 1;
  for (let round = -warmupRounds; round < options.rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const trial = await contender.prepare(round);
      collectGarbage();
      const start = performance.now();
      const result = await trial.run();
      const elapsed = performance.now() - start;
      await trial.after?.(result);
      if (round >= 0) samples.get(contender.name)!.push(elapsed);
    }
    if (round >= 0) options.onRound?.(round + 1, options.rounds);
  }
  return samples;
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

export function summarize(values: readonly number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), count: values.length };
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function formatRange(summary: Summary): string {
  return `${formatMs(summary.min)}–${formatMs(summary.max)}`;
}

export function formatRatio(value: number): string {
  return value.toFixed(2);
}
