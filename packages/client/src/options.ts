/**
 * The options of `createRemoteCrm` and the `GET /session` answer, both parsed with zod before anything else runs: a
 * host's typo is a `ValidationError` naming the option, and a server that answers something else is a `StorageError`.
 */
// zod comes with @crmkit/core (a peer); packages/client/package.json should list it as well, so bundlers keep it
// external and strict package managers resolve it. Until it does, this one import is let through.
import * as z from 'zod/mini';
import {
  DEFAULT_LIFECYCLE,
  StorageError,
  ValidationError,
  countryCodeSchema,
  currencyCodeSchema,
  exchangeRateTableSchema,
  idSchema,
  isCrmError,
  lostReasonsSchema,
  parseLifecycleConfig,
  parseOrThrow,
  timeZoneSchema,
  userRoles,
  type Crm,
  type ExchangeRateTable,
  type LifecycleConfig,
} from '@crmkit/core';

/** The `fetch` the client calls: the global one by default; a host may wrap it (logging, a test double, a handler). */
export type RemoteFetch = (input: string, init: RequestInit) => Promise<Response>;

/** Options of {@link createRemoteCrm}. */
export interface RemoteCrmOptions {
  /**
   * The base URL the server's handler is mounted at, e.g. `https://crm.example.com/api/crm`: every route is below
   * it (`…/api/crm/deals`). In a browser a path (`/api/crm`) is read against the page's address. No query or
   * fragment.
   */
  readonly url: string;
  /** The `fetch` to call; `globalThis.fetch` by default. */
  readonly fetch?: RemoteFetch;
  /**
   * Returns the bearer token of the signed-in user (sync or async), asked before every request and every connection
   * of the change stream, so a refreshed token is used at once. `undefined` or `''` sends no `Authorization` header.
   */
  readonly getToken?: () => string | undefined | null | Promise<string | undefined | null>;
  /**
   * Headers added to every request (e.g. a tenant or CSRF header). The protocol's own headers (`Content-Type`,
   * `Accept`, `If-Match`, `Idempotency-Key`, `Last-Event-ID`) are refused, and `Authorization` when `getToken` is
   * given.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * How the change stream reconnects after it was cut: an exponential backoff with jitter from `minDelay` (default
   * 1 000 ms, or the server's `retry:` value) to `maxDelay` (default 30 000 ms), in milliseconds. A connection that
   * delivers nothing at all (no answer, no event, no heartbeat comment) for `idleTimeout` ms is taken as dead (a NAT
   * that timed out, a laptop that slept, a proxy that stopped forwarding: nothing ever says it closed), aborted and
   * opened again, resuming; by default 2.5 times the heartbeat interval the server gives in its session (37 500 ms
   * for the server's default of 15 000 ms, and from a server that gives none).
   */
  readonly reconnect?: {
    readonly minDelay?: number;
    readonly maxDelay?: number;
    readonly idleTimeout?: number;
  };
}

/** The options once checked: the base URL without a trailing slash, the functions resolved. */
export interface CheckedOptions {
  readonly base: string;
  readonly fetch: RemoteFetch;
  readonly getToken: (() => unknown) | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly minDelay: number;
  readonly maxDelay: number;
  /** `reconnect.idleTimeout` when given; otherwise it follows from the session's heartbeat interval. */
  readonly idleTimeout: number | undefined;
}

/** Headers the client sets itself, lower case. */
const PROTOCOL_HEADERS = ['content-type', 'accept', 'if-match', 'idempotency-key', 'last-event-id'];

const isFunction = (value: unknown): boolean => typeof value === 'function';
const functionSchema = <F>() =>
  z.optional(z.custom<F>((value) => isFunction(value), { message: 'Expected a function' }));

/** The URL a base option stands for, or `undefined` when it is not an http(s) URL without query and fragment. */
function baseUrl(value: string): URL | undefined {
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  try {
    const url = new URL(value, typeof page === 'string' ? page : undefined);
    const http = url.protocol === 'http:' || url.protocol === 'https:';
    return http && url.search === '' && url.hash === '' && !value.includes('#') ? url : undefined;
  } catch {
    return undefined;
  }
}

const delaySchema = z.optional(z.int().check(z.positive(), z.lte(3_600_000)));

const optionsSchema = z.strictObject({
  url: z
    .string()
    .check(z.refine((value) => baseUrl(value) !== undefined, 'Expected an http(s) URL without query or fragment')),
  fetch: functionSchema<RemoteFetch>(),
  getToken: functionSchema<() => unknown>(),
  headers: z.optional(
    z.record(z.string(), z.string()).check(
      z.superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          const lower = name.toLowerCase();
          if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'Expected an HTTP header name' });
          } else if (PROTOCOL_HEADERS.includes(lower)) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'Set by the client itself' });
          } else if (/[\r\n\0]/.test(headers[name] ?? '')) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'Expected a header value on one line' });
          }
        }
      }),
    ),
  ),
  reconnect: z.optional(
    z.strictObject({ minDelay: delaySchema, maxDelay: delaySchema, idleTimeout: delaySchema }).check(
      z.refine((delays) => (delays.minDelay ?? 1) <= (delays.maxDelay ?? Infinity), {
        path: ['maxDelay'],
        message: 'Expected at least minDelay',
      }),
    ),
  ),
});

/** Checks the options (`ValidationError` naming the option otherwise) and fills in the defaults. */
export function checkOptions(options: RemoteCrmOptions): CheckedOptions {
  const context = 'createRemoteCrm options';
  const checked = parseOrThrow(optionsSchema, options, context);
  const headers = checked.headers ?? {};
  const authorization = Object.keys(headers).find((name) => name.toLowerCase() === 'authorization');
  if (checked.getToken && authorization !== undefined) {
    throw new ValidationError(
      [{ path: ['headers', authorization], message: 'Set from getToken: give one or the other' }],
      context,
    );
  }
  if (!checked.fetch && typeof globalThis.fetch !== 'function') {
    throw new ValidationError(
      [{ path: ['fetch'], message: 'Expected a function: there is no global fetch here' }],
      context,
    );
  }
  const minDelay = checked.reconnect?.minDelay ?? 1_000;
  return {
    base: baseUrl(checked.url)!.href.replace(/\/+$/, ''),
    // Called as a plain function: the global fetch refuses to run with another `this`.
    fetch: checked.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    getToken: checked.getToken,
    headers,
    minDelay,
    maxDelay: Math.max(minDelay, checked.reconnect?.maxDelay ?? 30_000),
    idleTimeout: checked.reconnect?.idleTimeout,
  };
}

/** What `GET /session` tells the client: who acts, and the CRM's settings. */
export interface RemoteSession {
  readonly actor: Crm['actor'];
  readonly timeZone: string;
  readonly currency: string;
  readonly defaultRegion?: string;
  readonly exchangeRates: ExchangeRateTable | undefined;
  readonly lostReasons: readonly string[];
  /** The server's lifecycle configuration (`crm.customers.lifecycle`); core's default from a server that sends none. */
  readonly lifecycle: LifecycleConfig;
  /** How to follow the change stream, as far as the server says (see {@link SessionChanges}). */
  readonly changes: SessionChanges;
}

/** What the session tells about `GET /changes`. */
export interface SessionChanges {
  /**
   * The change log's position when the session was answered: the change stream's first connection resumes after it
   * (`Last-Event-ID`), so a change committed after the session, before the stream opened, is not missed.
   */
  readonly position: string | undefined;
  /** The interval of the stream's heartbeat comments, in milliseconds. */
  readonly heartbeatMs: number | undefined;
}

// Not strict: a newer server may tell more than this client knows, and an older client must keep working.
const sessionSchema = z.object({
  actor: z.object({ id: idSchema, role: z.optional(z.enum(userRoles)) }),
  timeZone: timeZoneSchema,
  currency: currencyCodeSchema,
  defaultRegion: z.optional(z.nullable(countryCodeSchema)),
  exchangeRates: z.optional(z.nullable(exchangeRateTableSchema)),
  lostReasons: lostReasonsSchema,
  lifecycle: z.optional(z.unknown()),
  changes: z.optional(
    z.object({
      // Sent back as a header: one line of printable text.
      position: z.optional(z.string().check(z.maxLength(256), z.regex(/^[\x20-\x7e]*$/))),
      heartbeatMs: z.optional(z.int().check(z.positive(), z.lte(3_600_000))),
    }),
  ),
});

/** The session the server answered, frozen as core freezes a local CRM's; `StorageError` when it is not one. */
export function readSession(body: unknown): RemoteSession {
  try {
    const session = parseOrThrow(sessionSchema, body, 'session');
    const rates = session.exchangeRates ?? undefined;
    return {
      actor: Object.freeze({ id: session.actor.id, role: session.actor.role ?? 'rep' }),
      timeZone: session.timeZone,
      currency: session.currency,
      ...(session.defaultRegion ? { defaultRegion: session.defaultRegion } : {}),
      exchangeRates: rates ? Object.freeze({ asOf: rates.asOf, rates: Object.freeze({ ...rates.rates }) }) : undefined,
      lostReasons: Object.freeze([...session.lostReasons]),
      lifecycle: session.lifecycle === undefined ? DEFAULT_LIFECYCLE : parseLifecycleConfig(session.lifecycle),
      changes: {
        position: session.changes?.position === '' ? undefined : session.changes?.position,
        heartbeatMs: session.changes?.heartbeatMs,
      },
    };
  } catch (error) {
    if (!isCrmError(error)) throw error;
    // The issues name paths and zod's messages only, never a value: safe to keep as the cause.
    throw new StorageError('The CRM server answered GET /session with something that is not a session', {
      cause: error,
    });
  }
}
