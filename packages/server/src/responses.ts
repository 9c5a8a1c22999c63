/**
 * Building answers: JSON with the headers every answer carries, and a form of a response that can be stored and
 * replayed (idempotent POSTs).
 *
 * @module
 */

/** A response as data: what the idempotency store keeps and replays. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  /** The body text, or `null` for none (204, 304). */
  readonly body: string | null;
}

/**
 * Headers on every answer: nothing is cached by shared caches (records hold personal data), and browsers never
 * sniff a JSON body into something else.
 */
export const BASE_HEADERS: readonly (readonly [string, string])[] = [
  ['cache-control', 'no-store'],
  ['x-content-type-options', 'nosniff'],
];

/** A JSON answer as data. `undefined` is sent as `null`, so a result of "nothing" still parses. */
export function storedJson(
  status: number,
  value: unknown,
  extra: readonly (readonly [string, string])[] = [],
  contentType = 'application/json; charset=utf-8',
): StoredResponse {
  return {
    status,
    headers: [...BASE_HEADERS, ['content-type', contentType], ...extra],
    body: JSON.stringify(value === undefined ? null : value),
  };
}

/** The body text of each `Response` made by {@link toResponse}, which `toNodeListener` sends without its stream. */
const bodies = /* @__PURE__ */ new WeakMap<Response, string | null>();

/**
 * The text a response made here was given as its body (`null` for none); `undefined` for any other response (one a
 * host's middleware built, a change stream), which is read from its stream.
 */
export function bodyTextOf(response: Response): string | null | undefined {
  return bodies.get(response);
}

/** A stored response as a `Response`, with `extra` headers added (or replacing those of the same name). */
export function toResponse(stored: StoredResponse, extra: readonly (readonly [string, string])[] = []): Response {
  const headers = new Headers();
  for (const [name, value] of stored.headers) headers.set(name, value);
  for (const [name, value] of extra) headers.set(name, value);
  const response = new Response(stored.body, { status: stored.status, headers });
  bodies.set(response, stored.body);
  return response;
}

/** A JSON `Response`. */
export function jsonResponse(status: number, value: unknown): Response {
  return toResponse(storedJson(status, value));
}
