/**
 * A small seeded pseudo-random number generator, so demo data is identical on every run, in every engine. No
 * `Math.random`, no clock, no `crypto`: those would make stories, screenshots and benchmarks drift.
 */

/** A deterministic source of random numbers; the same seed always yields the same sequence. */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  between(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /**
   * An independent generator derived from this one's seed and `label`, so adding draws to one part of a generator
   * (say, more fields per lead) does not reshuffle another (the customers).
   */
  fork(label: string): SeededRandom;
}

/** splitmix32: spreads a small or sequential seed over all 32 bits before it seeds sfc32. */
function splitmix32(state: number): () => number {
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/** FNV-1a over UTF-16 code units: a stable 32-bit hash of a fork label. */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < label.length; index++) {
    hash = Math.imul(hash ^ label.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Creates a generator from an integer seed (any number; it is truncated to 32 bits). The core is sfc32: fast, small
 * state, passes PractRand, and needs only 32-bit integer arithmetic, which every JavaScript engine does identically.
 */
export function createRandom(seed: number): SeededRandom {
  const root = Math.trunc(Number.isFinite(seed) ? seed : 0) >>> 0;
  const init = splitmix32(root);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Warm up: the first outputs of sfc32 correlate with the seed.
  for (let index = 0; index < 12; index++) next();

  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    fork: (label) => createRandom((root ^ hashLabel(label)) >>> 0),
  };
}

/** A weighted choice compiled once: cumulative weights, then a linear scan (tables here are short). */
export function weighted<T extends string>(weights: Readonly<Record<T, number>>): (random: SeededRandom) => T {
  const keys = Object.keys(weights) as T[];
  const cumulative: number[] = [];
  let total = 0;
  for (const key of keys) {
    total += weights[key];
    cumulative.push(total);
  }
  return (random) => {
    const target = random.next() * total;
    for (let index = 0; index < keys.length; index++) {
      if (target < cumulative[index]!) return keys[index]!;
    }
    return keys[keys.length - 1]!;
  };
}
