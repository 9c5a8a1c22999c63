/**
 * SHA-256, synchronously. An audit entry is chained to the one before it inside the write's storage transaction, and
 * an IndexedDB transaction ends at any await that is not its own request, so WebCrypto's asynchronous `digest` cannot
 * be awaited there. Verification, which runs outside any transaction, uses WebCrypto and so checks this code too.
 *
 * @module
 */

/** The first 32 bits of the fractional parts of `root` of the first `count` primes (FIPS 180-4, 4.2.2 and 5.3.3). */
function roots(count: number, root: (x: number) => number): Uint32Array {
  const out = new Uint32Array(count);
  for (let candidate = 2, n = 0; n < count; candidate++) {
    let prime = true;
    for (let d = 2; d * d <= candidate; d++) if (candidate % d === 0) prime = false;
    // A Uint32Array element keeps the integer part, modulo 2^32: exactly the bits wanted.
    if (prime) out[n++] = (root(candidate) % 1) * 2 ** 32;
  }
  return out;
}

const K = /* @__PURE__ */ roots(64, Math.cbrt);
const INITIAL = /* @__PURE__ */ roots(8, Math.sqrt);

type Eight = [number, number, number, number, number, number, number, number];

const ror = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** The SHA-256 of `text`'s UTF-8 bytes, as 64 lowercase hex digits. */
export function sha256(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const length = bytes.length;
  // The message, a 1 bit, zeros, and its length in bits as 64 bits big-endian, in whole 64-byte blocks.
  const words = new Uint32Array((((length + 8) >> 6) + 1) << 4);
  for (let i = 0; i < length; i++) words[i >> 2]! |= bytes[i]! << (24 - (i & 3) * 8);
  words[length >> 2]! |= 0x80 << (24 - (length & 3) * 8);
  words[words.length - 2] = length / 2 ** 29;
  words[words.length - 1] = length << 3;
  let hash = INITIAL.slice();
  const w = new Uint32Array(64);
  for (let block = 0; block < words.length; block += 16) {
    let [a, b, c, d, e, f, g, h] = [...hash] as Eight;
    for (let t = 0; t < 64; t++) {
      if (t < 16) w[t] = words[block + t]!;
      else {
        const x = w[t - 15]!;
        const y = w[t - 2]!;
        w[t] = (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10)) + w[t - 16]! + w[t - 7]!;
      }
      const t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!;
      const t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    const next: Eight = [a, b, c, d, e, f, g, h];
    // Uint32Array keeps each sum modulo 2^32.
    hash = hash.map((word, i) => word + next[i]!);
  }
  return Array.from(hash, (word) => word.toString(16).padStart(8, '0')).join('');
}
