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
