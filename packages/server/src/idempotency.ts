/**
 * `Idempotency-Key` on POST: a client that retries a create after a lost answer gets the first answer again instead
 * of a second record. Answers are kept per tenant, actor and key for a window, in memory and bounded (the oldest
 * entry goes first). A retry that arrives while the first attempt still runs waits for it.
 *
 * What is kept is the whole answer (status, headers, body) of every attempt that reached a service, failures
 * included: a retry of a refused request is refused the same way. A 5xx is not kept, so a retry after a transient
 * failure runs again. The same key with another request (another path or body) is a 422.
 *
 * @module
 */
import { HttpError, ServerErrorCode } from './errors.js';
import type { StoredResponse } from './responses.js';

/** The header a replayed answer carries. */
export const REPLAYED_HEADER = 'idempotent-replayed';

interface Entry {
  readonly fingerprint: string;
  readonly expires: number;
  readonly answer: Promise<StoredResponse | undefined>;
}

/** The store's limits. */
export interface IdempotencyStoreOptions {
  /** How long an answer is replayed, in milliseconds. */
  readonly windowMs: number;
  /** How many answers are kept at most. */
  readonly maxEntries: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/** Whether a header value is usable as a key: 1 to 255 visible ASCII characters. */
export function isIdempotencyKey(value: string): boolean {
  return /^[\x21-\x7e]{1,255}$/.test(value);
}

/** Requests up to this many characters are their own fingerprint. */
const KEPT_AS_IS = 1024;

/**
 * What identifies a request (method, path with query, body text): the text itself when it is short, as most are
 * (comparing it costs less than hashing it, and the store keeps whole answers anyway), else its SHA-256. The two
 * cannot be confused: a text has a space and a line break, a digest neither.
 */
export async function requestFingerprint(method: string, pathAndQuery: string, body: string): Promise<string> {
  const text = `${method} ${pathAndQuery}\n${body}`;
  if (text.length <= KEPT_AS_IS) return text;
  const data = new TextEncoder().encode(text);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The bounded store of answers by key. */
export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #options: IdempotencyStoreOptions;
  readonly #now: () => number;

  constructor(options: IdempotencyStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The answer for `key`: the kept one when the same request came within the window (`replayed: true`), otherwise
   * `execute`'s, kept unless it is a 5xx. 422 when the key came with another request.
   */
  async run(
    key: string,
    fingerprint: string,
    execute: () => Promise<StoredResponse>,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const now = this.#now();
    const known = this.#entries.get(key);
    if (known && known.expires > now) {
      if (known.fingerprint !== fingerprint) {
        throw new HttpError(
          422,
          ServerErrorCode.idempotencyMismatch,
          'This Idempotency-Key was used with another request; use a new key for a new request',
        );
      }
      const kept = await known.answer;
      if (kept) return { response: kept, replayed: true };
      // The first attempt was not kept (a 5xx): this one runs as if it were the first.
      return this.run(key, fingerprint, execute);
    }
    if (known) this.#entries.delete(key);
    let settle!: (answer: StoredResponse | undefined) => void;
    const entry: Entry = {
      fingerprint,
      expires: now + this.#options.windowMs,
      answer: new Promise((resolve) => (settle = resolve)),
    };
    this.#entries.set(key, entry);
    this.#trim(now);
    try {
      const response = await execute();
      const kept = response.status < 500;
      if (!kept && this.#entries.get(key) === entry) this.#entries.delete(key);
      settle(kept ? response : undefined);
      return { response, replayed: false };
    } catch (error) {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
      settle(undefined);
      throw error;
    }
  }

  /** How many answers are kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops expired entries at the front, then the oldest while over the bound (Map order is insertion order). */
  #trim(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#options.maxEntries && entry.expires > now) break;
      this.#entries.delete(key);
    }
  }
}
