/**
 * "Did you mean …?" for a key an input does not know: the known key closest to it by edit distance, ignoring case.
 *
 * @module
 */

/**
 * The optimal-string-alignment distance between `a` and `b` (Damerau–Levenshtein where no substring is edited twice):
 * how many insertions, deletions, substitutions and swaps of two adjacent characters turn one into the other.
 * Counts UTF-16 code units; symmetric; 0 only for equal strings.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows: the one before the previous (for swaps), the previous and the current.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (before[j - 2] as number) + 1);
      }
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] as number;
}

/**
 * How far a key may be from a known one to be suggested: one edit for keys of up to 4 characters, two up to 8, three
 * beyond. Far enough for a missing plural `s`, a typo or a swapped pair; near enough that unrelated keys get none.
 */
export function suggestionThreshold(key: string): number {
  return key.length <= 4 ? 1 : key.length <= 8 ? 2 : 3;
}

/**
 * The known key `key` was most likely meant to be, or `undefined` when none is close. Compared case-insensitively
 * (`customfields` → `customFields`); a key that differs from a known one only in case is always suggested. Among keys
 * at the same distance the first in `known` wins. A key is never suggested as itself, and a known key is never
 * suggested when the distance is as large as that key (`a` is not "close" to `id`).
 */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  const lower = key.toLowerCase();
  const threshold = suggestionThreshold(key);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    if (candidate === key) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance > threshold || distance >= candidate.length || distance >= bestDistance) continue;
    best = candidate;
    bestDistance = distance;
  }
  return best;
}

/** Longest key an error message repeats; longer ones are cut, so a huge key cannot flood logs. */
const KEY_SHOWN_MAX = 64;

/** `Unknown key "email" (did you mean "emails"?)`, or `Unknown key "foo"` when no known key is close. */
export function unknownKeyMessage(key: string, known: Iterable<string>): string {
  const shown = key.length > KEY_SHOWN_MAX ? `${key.slice(0, KEY_SHOWN_MAX)}…` : key;
  const suggestion = suggestKey(key, known);
  return suggestion === undefined
    ? `Unknown key ${JSON.stringify(shown)}`
    : `Unknown key ${JSON.stringify(shown)} (did you mean ${JSON.stringify(suggestion)}?)`;
}
