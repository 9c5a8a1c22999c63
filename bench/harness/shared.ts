/**
 * Helpers every benchmark shares, in Node and in the browser page alike: command-line options, a seeded PRNG (so every
 * run measures the same data) and the median.
 */

/** The value of `--name value` or `--name=value` among the process's arguments, or `fallback`. */
export function option(name: string, fallback: string): string {
  const args = typeof process === 'undefined' ? [] : process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  const inline = args.find((arg) => arg.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3) ?? (at >= 0 ? (args[at + 1] ?? fallback) : fallback);
}

/** mulberry32: a small, seeded PRNG in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The median of some timings; `NaN` for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A contender's timings. */
export interface ContenderRow {
  readonly name: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Times contenders that each count the matches of one rule, in rounds whose order rotates, after one untimed pass
 * each (so the JIT has optimised every one before it is timed). Every pass must count as many matches as the first
 * contender, the reference; `undefined` (and a line on stderr) when one does not.
 */
export function timeContenders(
  label: string,
  entries: readonly (readonly [name: string, count: () => number])[],
  rounds: number,
): { rows: ContenderRow[]; expected: number } | undefined {
  const times = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  const counts = entries.map(([name, count]) => [name, count()] as const);
  const expected = counts[0]![1];
  if (counts.some(([, count]) => count !== expected)) {
    console.error(`${label}: match counts differ: ${counts.map(([n, c]) => `${n}=${c}`).join(', ')}`);
    return undefined;
  }
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < entries.length; i++) {
      const [name, count] = entries[(round + i) % entries.length]!;
      const start = performance.now();
      const matched = count();
      const elapsed = performance.now() - start;
      if (matched !== expected) {
        console.error(`${label}: ${name} matched ${matched}, expected ${expected}`);
        return undefined;
      }
      times.get(name)!.push(elapsed);
    }
  }
  const rows = entries.map(([name]) => {
    const samples = times.get(name)!;
    return { name, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
  });
  return { rows, expected };
}

/**
 * Prints rows as a markdown table: each contender's ratio to the first (the reference), and how much slower than
 * `subject` the contenders named in `others` are.
 */
export function printContenders(rows: readonly ContenderRow[], subject: string, others: readonly string[]): void {
  const reference = rows[0]?.median ?? NaN;
  const compared = rows.find((row) => row.name === subject)?.median ?? NaN;
  console.log(`| contender | median ms | min–max ms | × ${rows[0]?.name ?? 'reference'} | vs ${subject} |`);
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const versus = others.includes(row.name) ? `${(row.median / compared).toFixed(1)}× slower` : '';
    console.log(
      `| ${row.name} | ${row.median.toFixed(1)} | ${row.min.toFixed(1)}–${row.max.toFixed(1)} | ` +
        `${(row.median / reference).toFixed(2)} | ${versus} |`,
    );
  }
}
