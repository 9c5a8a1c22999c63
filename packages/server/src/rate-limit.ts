/**
 * Token buckets by key: each key may spend `max` requests at once, and earns them back evenly over `windowMs` (one
 * every `windowMs / max`). A request that finds its bucket empty is refused with the time until the next token.
 *
 * Buckets live in memory, per process, and are bounded: a bucket that would be full again is worth nothing and is
 * dropped when the store is swept, and beyond `maxKeys` the least recently used go first (a key pushed out starts
 * again full, which only ever errs towards letting a request through). Time comes from an injectable clock, so
 * tests move it instead of waiting.
 *
 * @module
 */
import { HttpError, ServerErrorCode } from './errors.js';

/** A limit: `max` requests at once, earned back over `windowMs` milliseconds. */
export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

/** What a limiter needs beside the limit. */
export interface RateLimiterOptions extends RateLimit {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Keys kept at most. Default 100 000. */
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by key. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #max: number;
  readonly #msPerToken: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  #sweptAt: number;

  constructor(options: RateLimiterOptions) {
    this.#max = options.max;
    this.#msPerToken = options.windowMs / options.max;
    this.#now = options.now;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#sweptAt = this.#now();
  }

  /**
   * Spends a token of `key`'s bucket: `undefined` when there was one, otherwise the milliseconds until there is one
   * (nothing is spent then).
   */
  take(key: string): number | undefined {
    const now = this.#now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key);
    // A clock that went back counts as no time passed.
    const tokens = bucket
      ? Math.min(this.#max, bucket.tokens + Math.max(0, now - bucket.at) / this.#msPerToken)
      : this.#max;
    if (tokens < 1) {
      // The bucket keeps its place as it was: a refusal earns nothing and costs nothing.
      return Math.ceil((1 - tokens) * this.#msPerToken);
    }
    // Re-inserted, so the map's order is least recently used first.
    if (bucket) this.#buckets.delete(key);
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    while (this.#buckets.size > this.#maxKeys) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    return undefined;
  }

  /** Spends a token of `key`'s bucket, or throws the 429 to answer with. */
  consume(key: string, detail: string): void {
    const waitMs = this.take(key);
    if (waitMs !== undefined) throw rateLimited(waitMs, detail);
  }

  /** How many buckets are kept now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Drops the buckets that are full again, at most once per time a bucket takes to fill. */
  #sweep(now: number): void {
    const fillMs = this.#max * this.#msPerToken;
    if (now - this.#sweptAt < fillMs) return;
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) / this.#msPerToken >= this.#max) this.#buckets.delete(key);
    }
  }
}

/** The 429 for a wait of `waitMs`: `Retry-After` in whole seconds, at least 1. */
export function rateLimited(waitMs: number, detail: string): HttpError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new HttpError(429, ServerErrorCode.rateLimited, detail, { headers: { 'retry-after': String(seconds) } });
}
