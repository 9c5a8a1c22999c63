/**
 * `sessionCookieAuthenticator`: an `authenticate` for hosts whose users sign in to a web application that keeps a
 * session cookie. It reads the session id from the cookie, asks the host who that session is (`lookup`), and guards
 * against cross-site request forgery: a request that changes something (any method but `GET`, `HEAD` and `OPTIONS`)
 * must come from one of `allowedOrigins`, as its `Origin` header (or, without one, its `Referer`) says, and so must
 * any request a browser marks as coming from another site (`Sec-Fetch-Site: cross-site`), reads included. Browsers
 * set those headers themselves; a page on another site cannot forge them.
 *
 * The cookie is the host's to set, when the user signs in:
 * `Set-Cookie: __Host-crm_session=<id>; Path=/; Secure; HttpOnly; SameSite=Lax` (or `Strict`). `HttpOnly` keeps it
 * from scripts, `Secure` off plain HTTP, `SameSite` out of most cross-site requests, and the `__Host-` prefix makes
 * browsers refuse one set by a sibling subdomain or for a narrower path.
 *
 * @module
 */
import * as z from 'zod/mini';
import { parseOrThrow } from '@crmkit/core';
import { HttpError, ServerErrorCode } from './errors.js';
import type { Authenticated } from './options.js';
import { originListSchema, requestOrigin } from './origins.js';

/** Options of {@link sessionCookieAuthenticator}. */
export interface SessionCookieAuthenticatorOptions {
  /** The cookie holding the session id, e.g. `__Host-crm_session`. */
  readonly cookieName: string;
  /**
   * Who the session is: `{ actor, tenant? }`, or `undefined` for an unknown or expired session (a 401). Throw only
   * for your own failures (the session store unreachable: a 500).
   */
  readonly lookup: (sessionId: string) => Promise<Authenticated | undefined>;
  /**
   * The origins the browser application runs on, e.g. `['https://crm.example.com']`: requests that change something
   * must come from one of them. Exact origins only (scheme, host and port), never a wildcard.
   */
  readonly allowedOrigins: readonly string[];
}

/** A cookie name: an RFC 6265 token. */
const cookieNameSchema = z.string().check(z.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/, 'Expected a cookie name'));

const optionsSchema = z.strictObject({
  cookieName: cookieNameSchema,
  lookup: z.custom<(sessionId: string) => Promise<Authenticated | undefined>>(
    (value) => typeof value === 'function',
    'Expected a function',
  ),
  allowedOrigins: originListSchema,
});

/** Methods that change nothing: they need no origin check. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A cookie value: RFC 6265 cookie-octets, at most 4 KiB (what browsers keep of one cookie). */
const SESSION_ID = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,4096}$/;

/**
 * An `authenticate` reading a session cookie; options are checked now (`ValidationError`). No cookie, a malformed
 * one, the cookie twice (a second one planted for a narrower path or by a sibling domain) or a session `lookup` does
 * not know is a 401; a write from an origin not allowed is a 403 (`CRM_ORIGIN_NOT_ALLOWED`), and the session is not
 * even looked up.
 */
export function sessionCookieAuthenticator(
  options: SessionCookieAuthenticatorOptions,
): (request: Request) => Promise<Authenticated | undefined> {
  const checked = parseOrThrow(optionsSchema, options, 'sessionCookieAuthenticator options');
  const allowed = new Set(checked.allowedOrigins);
  return async (request) => {
    const sessionId = cookieValue(request.headers.get('cookie'), checked.cookieName);
    if (sessionId === undefined) return undefined;
    // A browser says where a request comes from (Fetch Metadata): one from another site, even a read, must come
    // from an allowed origin (an application on another site whose cookie is `SameSite=None`).
    const crossSite = request.headers.get('sec-fetch-site') === 'cross-site';
    if (crossSite || !SAFE_METHODS.has(request.method.toUpperCase())) {
      const origin = requestOrigin(request);
      if (origin === undefined || !allowed.has(origin)) {
        throw new HttpError(
          403,
          ServerErrorCode.originNotAllowed,
          'A request that changes something must come from an allowed origin (Origin or Referer)',
        );
      }
    }
    return checked.lookup(sessionId);
  };
}

/** The value of the one cookie called `name`; `undefined` when it is absent, malformed or sent more than once. */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  let found: string | undefined;
  let count = 0;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== name) continue;
    count++;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    found = value;
  }
  return count === 1 && found !== undefined && SESSION_ID.test(found) ? found : undefined;
}
