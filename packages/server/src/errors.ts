/**
 * The server's own failures: what goes wrong with a request before or around core's services (no credentials, an
 * unknown route, a body too large or not JSON, a reused idempotency key, a foreign origin, too many requests). Core's errors keep their own classes and
 * codes; these add HTTP statuses and codes of the same `CRM_` family, so a client branches on `code` alone.
 *
 * @module
 */
import { isCrmError } from '@crmkit/core';

/** The stable codes of the server's own failures (core's errors keep theirs: `CRM_VALIDATION`, `CRM_CONFLICT`, …). */
export const ServerErrorCode = {
  /** No credentials, or credentials `authenticate` did not accept: 401. */
  unauthenticated: 'CRM_UNAUTHENTICATED',
  /** No route has this path: 404. */
  routeNotFound: 'CRM_ROUTE_NOT_FOUND',
  /** A route has this path, but not this method: 405. */
  methodNotAllowed: 'CRM_METHOD_NOT_ALLOWED',
  /** A body that is not `application/json`: 415. */
  unsupportedMediaType: 'CRM_UNSUPPORTED_MEDIA_TYPE',
  /** A body over the size limit: 413. */
  payloadTooLarge: 'CRM_PAYLOAD_TOO_LARGE',
  /**
   * A request whose `Origin` (or `Referer`) is not among the allowed ones: a cookie-authenticated write from another
   * site (CSRF), or a web-to-lead form posted from a site the form does not name: 403.
   */
  originNotAllowed: 'CRM_ORIGIN_NOT_ALLOWED',
  /** Too many requests from one actor, or to one form from one address: 429 with `Retry-After`. */
  rateLimited: 'CRM_RATE_LIMITED',
  /** An `Idempotency-Key` used again with another request: 422. */
  idempotencyMismatch: 'CRM_IDEMPOTENCY_MISMATCH',
  /** The handler was closed: 503. */
  closed: 'CRM_SERVER_CLOSED',
  /** Anything unexpected (a bug, a failing host callback): 500, with a generic detail. */
  internal: 'CRM_INTERNAL',
} as const;
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/**
 * A failure answered with its own status and a problem document. `detail` is the server's own sentence, never
 * anything the client sent.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ServerErrorCode;
  /** Headers the answer carries, e.g. `Allow` for a 405. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: ServerErrorCode,
    detail: string,
    options?: { readonly headers?: Readonly<Record<string, string>>; readonly cause?: unknown },
  ) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
  }
}

/**
 * An unexpected failure as one log entry without personal data: the request's method and path (never its query,
 * which may hold a filter's values), then each error of the cause chain as its name and code, with crmkit's own
 * messages (written never to hold a value) and the stack frames. Other messages are left out: a database's may quote
 * the row it refused.
 */
export function failureSummary(error: unknown, request: Request): string {
  let path = '';
  try {
    path = new URL(request.url).pathname;
  } catch {
    // Not a URL: the method alone.
  }
  const lines = [`crmkit server: unexpected failure (${request.method} ${path})`];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const prefix = depth === 0 ? '' : 'caused by ';
    if (!(current instanceof Error)) {
      lines.push(`${prefix}a thrown ${current === null ? 'null' : typeof current}`);
      break;
    }
    const code = (current as { code?: unknown }).code;
    const named = `${current.name}${typeof code === 'string' || typeof code === 'number' ? ` [${code}]` : ''}`;
    lines.push(`${prefix}${isCrmError(current) ? `${named}: ${current.message}` : named}`);
    // The frames only: a stack's first line repeats the message.
    const frames = (current.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
    lines.push(...frames.slice(0, 10));
    current = current.cause;
  }
  return lines.join('\n');
}
