/**
 * Interleaved rounds for asynchronous contenders, and the tables they print. Each contender runs `warmups` untimed
 * passes, then one timed pass per round; the order rotates from round to round, so drift on a shared machine (and the
 * server's background work) reaches every contender alike. Work a contender needs before or after a pass (emptying a
 * table, opening a fresh connection, reading back what it wrote) is untimed. Every pass's answer is checked, warm-ups
 * included; a wrong answer is a failure of the run, reported at the end.
 */
import { median } from '../harness/shared.js';

export interface Contender<T = unknown> {
  readonly name: string;
  /** An information row: shown with its ratio, never the reference or the subject of a target. */
  readonly info?: boolean;
  /** Untimed, before each pass. */
  readonly prepare?: () => Promise<void>;
  /** The timed call. */
  readonly run: () => Promise<T>;
  /** Untimed, after each pass (`finally`, also when the call failed). */
  readonly cleanup?: () => Promise<void>;
  /** Untimed, after each pass: why its answer is wrong, or `undefined`. */
  readonly check: (answer: T) => Promise<string | undefined> | string | undefined;
  /** Shown beside the timings (what the row is, what it returned). */
  readonly note?: string;
}

/** A contender with its answer's type erased, so contenders of different answers share one list. */
export type AnyContender = Contender<unknown>;

/** `spec` as an {@link AnyContender}; its `check` still receives what its `run` resolved to. */
export const contender = <T>(spec: Contender<T>): AnyContender => spec as unknown as AnyContender;

/** A contender's timings over the rounds. */
export interface Row {
  readonly name: string;
  readonly info: boolean;
  readonly note?: string;
  /** Timed passes, ms. */
  readonly samples: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface Timed {
  readonly label: string;
  readonly rows: readonly Row[];
  readonly failures: readonly string[];
}

export interface TimingOptions {
  readonly rounds: number;
  readonly warmups: number;
  readonly log: (message: string) => void;
}

/** Runs `contenders` in interleaved rounds; the first is the reference. */
export async function timeInterleaved(
  label: string,
  contenders: readonly AnyContender[],
  { rounds, warmups, log }: TimingOptions,
): Promise<Timed> {
  const samples = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
  const failures: string[] = [];
  const pass = async (contender: AnyContender, timed: boolean) => {
    await contender.prepare?.();
    let elapsed: number;
    let answer: unknown;
    try {
      const started = performance.now();
      answer = await contender.run();
      elapsed = performance.now() - started;
    } catch (error) {
      failures.push(`${label} / ${contender.name}: threw ${error instanceof Error ? error.message : String(error)}`);
      return;
    } finally {
      await contender.cleanup?.();
    }
    const wrong = await contender.check(answer);
    if (wrong !== undefined) failures.push(`${label} / ${contender.name}: ${wrong}`);
    if (timed) samples.get(contender.name)!.push(elapsed);
  };
  const total = warmups + rounds;
  for (let round = 0; round < total; round++) {
    for (let i = 0; i < contenders.length; i++)
      await pass(contenders[(round + i) % contenders.length]!, round >= warmups);
    if (failures.length > 0 && round === 0) log(`${label}: ${failures.join('; ')}`);
    log(`${label}: ${round < warmups ? 'warm-up' : 'round'} ${round < warmups ? round + 1 : round - warmups + 1} done`);
  }
  const rows = contenders.map((contender): Row => {
    const times = samples.get(contender.name)!;
    return {
      name: contender.name,
      info: contender.info ?? false,
      ...(contender.note ? { note: contender.note } : {}),
      samples: times,
      median: median(times),
      min: Math.min(...times),
      max: Math.max(...times),
    };
  });
  return { label, rows, failures };
}

/** Milliseconds for a table: one decimal under 100, none above. */
export const ms = (value: number): string =>
  Number.isFinite(value) ? (value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')) : '–';

/** A ratio for a table. */
export const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');

/** A markdown table. */
export function markdown(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: number[] = [],
): string {
  const align = header.map((_, i) => (right.includes(i) ? '---:' : '---'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The rows of a timing as a table: median, min–max and the ratio to `reference` (the first row by default). */
export function timingTable(timed: Timed, reference = timed.rows[0]?.median ?? NaN): string {
  return markdown(
    ['contender', 'median ms', 'min–max ms', '× reference', ''],
    timed.rows.map((row) => [
      row.info ? `(info) ${row.name}` : row.name,
      ms(row.median),
      `${ms(row.min)}–${ms(row.max)}`,
      ratio(row.median / reference),
      row.note ?? '',
    ]),
    [1, 2, 3],
  );
}
