/**
 * A stub server for the client's tests: a `fetch` that records every request and answers from a function, with a
 * session answer built in, and event streams the test writes to by hand.
 */
import type { RemoteFetch } from '@crmkit/client';

/** One request as the stub saw it. */
export interface Recorded {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;
}

export const BASE = 'https://crm.example.test/api/crm';

export const SESSION = {
  actor: { id: 'u-admin', role: 'admin' },
  timeZone: 'Asia/Shanghai',
  currency: 'CNY',
  defaultRegion: 'CN',
  exchangeRates: { asOf: '2026-01-01', rates: { USD: 7.1 } },
  lostReasons: ['price', 'timing'],
  // Where the change stream starts (its first Last-Event-ID), and the heartbeat interval.
  changes: { position: '0', heartbeatMs: 15_000 },
};

export const json = (status: number, value: unknown, type = 'application/json'): Response =>
  new Response(status === 204 ? null : JSON.stringify(value), { status, headers: { 'content-type': type } });

export const problem = (status: number, value: Record<string, unknown>): Response =>
  json(
    status,
    { type: 'about:blank', title: 'Failed', status, detail: 'Secret Alice <alice@example.com>', ...value },
    'application/problem+json',
  );

/** An event stream the test writes to. */
export interface StubStream {
  readonly response: Response;
  push(text: string): void;
  end(): void;
  fail(): void;
  readonly cancelled: boolean;
}

export function stubStream(): StubStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      cancelled = true;
      open = false;
    },
  });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    push: (text) => {
      if (open) controller.enqueue(encoder.encode(text));
    },
    end: () => {
      if (open) controller.close();
      open = false;
    },
    fail: () => {
      if (open) controller.error(new Error('connection reset'));
      open = false;
    },
    get cancelled() {
      return cancelled;
    },
  };
}

export interface StubServer {
  readonly fetch: RemoteFetch;
  /** Every request but `GET /session` and `GET /changes`. */
  readonly requests: Recorded[];
  /** Every `GET /changes` request, with the stream answered to it. */
  readonly streams: { request: Recorded; stream: StubStream }[];
}

/** A stub server: `answer` answers every request but the session and the change stream. */
export function stubServer(
  answer: (request: Recorded) => Response | Promise<Response> = () => json(200, { ok: true }),
  session: unknown = SESSION,
): StubServer {
  const requests: Recorded[] = [];
  const streams: { request: Recorded; stream: StubStream }[] = [];
  const fetch: RemoteFetch = async (input, init) => {
    const url = new URL(input);
    const recorded: Recorded = {
      method: init.method ?? 'GET',
      url,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? init.body : undefined,
      signal: init.signal ?? undefined,
    };
    const path = url.pathname.slice(new URL(BASE).pathname.length);
    if (path === '/session') return json(200, session);
    if (path === '/changes') {
      const stream = stubStream();
      streams.push({ request: recorded, stream });
      return stream.response;
    }
    requests.push(recorded);
    return answer(recorded);
  };
  return { fetch, requests, streams };
}

/** The request's path below the base URL, still encoded. */
export const pathOf = (request: Recorded): string => request.url.pathname.slice(new URL(BASE).pathname.length);

/** Waits (without asserting any time) until `condition` holds; fails after a generous number of turns. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 5_000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`Never happened: ${what}`);
}
