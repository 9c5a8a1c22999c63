/**
 * `toNodeListener`: a `fetch`-style handler as a `node:http` request listener, for `createServer` (or Express,
 * which takes the same listener). The request body streams in without being buffered first, the response streams
 * out with backpressure (a change stream can run for hours), and a client going away aborts the request's `signal`.
 *
 * No `node:` module is imported: the listener is typed by the few members of `IncomingMessage` and `ServerResponse`
 * it uses, so the package loads unchanged in runtimes without them.
 *
 * @module
 */
import { bodyTextOf } from './responses.js';

/** What the listener uses of `http.IncomingMessage`. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The connection: a TLS one has `encrypted: true`; `remoteAddress` is the peer's address. */
  readonly socket?: object | null;
}

/** What the listener uses of `http.ServerResponse`. */
export interface NodeResponseLike {
  readonly writableEnded: boolean;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  flushHeaders?(): void;
  write(chunk: Uint8Array): boolean;
  end(chunk?: Uint8Array): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off?(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * The origin request URLs are built on, e.g. `https://crm.example.com`. By default `http://` (or `https://` on a
   * TLS socket) and the `Host` header: only the path matters to the handler, so a forged host changes nothing.
   */
  readonly origin?: string;
}

const ENCODER = /* @__PURE__ */ new TextEncoder();

/** The peer addresses of the requests `toNodeListener` made, for {@link clientAddressOf}. */
const peerAddresses = new WeakMap<Request, string>();

/**
 * The address of the connection a request came over, when `toNodeListener` made the request (`undefined`
 * otherwise). Behind a reverse proxy it is the proxy's: give the web-to-lead options a `clientAddress` that reads
 * the header your proxy sets.
 */
export function clientAddressOf(request: Request): string | undefined {
  return peerAddresses.get(request);
}

/** `handler` as a `node:http` request listener: `createServer(toNodeListener(handler))`. */
export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
  options: NodeListenerOptions = {},
): (request: NodeRequestLike, response: NodeResponseLike) => void {
  return (incoming, outgoing) => {
    void serve(handler, options, incoming, outgoing);
  };
}

async function serve(
  handler: (request: Request) => Promise<Response>,
  options: NodeListenerOptions,
  incoming: NodeRequestLike,
  outgoing: NodeResponseLike,
): Promise<void> {
  const abort = new AbortController();
  // `close` comes when the answer was sent or the connection dropped: only the latter aborts.
  outgoing.on('close', () => {
    if (!outgoing.writableEnded) abort.abort();
  });
  let response: Response;
  try {
    response = await handler(toRequest(incoming, options, abort.signal));
  } catch {
    response = new Response(null, { status: 500 });
  }
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  // An answer the handler made from text is sent as those bytes, with their length: no stream to read it back out
  // of, no chunked encoding (most answers).
  const text = bodyTextOf(response);
  if (text !== undefined || !response.body) {
    const bytes = text ? ENCODER.encode(text) : undefined;
    if (bytes) headers['content-length'] = String(bytes.length);
    outgoing.writeHead(response.status, headers);
    outgoing.end(bytes);
    return;
  }
  outgoing.writeHead(response.status, headers);
  outgoing.flushHeaders?.();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  abort.signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || abort.signal.aborted) break;
      if (!outgoing.write(value)) await drained(outgoing, abort.signal);
    }
  } catch {
    // The body failed midway: the status is sent, so the connection is just ended.
  } finally {
    abort.signal.removeEventListener('abort', cancel);
    if (!outgoing.writableEnded) outgoing.end();
  }
}

function toRequest(incoming: NodeRequestLike, options: NodeListenerOptions, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const item of typeof value === 'string' ? [value] : value) headers.append(name, item);
  }
  const origin =
    options.origin ?? `${isEncrypted(incoming.socket) ? 'https' : 'http'}://${headers.get('host') ?? 'localhost'}`;
  const method = (incoming.method ?? 'GET').toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (hasBody) {
    init.body = bodyStream(incoming);
    // Node's fetch needs this for a streamed request body.
    init.duplex = 'half';
  }
  // The request target is a path: appended to the origin, never resolved against it, so `//host/x` stays a path
  // rather than naming another host.
  const target = incoming.url?.startsWith('/') ? incoming.url : '/';
  let url: URL;
  try {
    url = new URL(`${origin}${target}`);
  } catch {
    url = new URL(`http://localhost${target}`);
  }
  const request = new Request(url, init);
  const address = remoteAddress(incoming.socket);
  if (address !== undefined) peerAddresses.set(request, address);
  return request;
}

function remoteAddress(socket: object | null | undefined): string | undefined {
  if (typeof socket !== 'object' || socket === null) return undefined;
  const address = (socket as { remoteAddress?: unknown }).remoteAddress;
  return typeof address === 'string' && address.length > 0 ? address : undefined;
}

function bodyStream(incoming: NodeRequestLike): ReadableStream<Uint8Array> {
  const iterator = incoming[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(typeof value === 'string' ? encoder.encode(value) : new Uint8Array(value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

function drained(outgoing: NodeResponseLike, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off?.('drain', done);
      outgoing.off?.('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    outgoing.once('drain', done);
    outgoing.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function isEncrypted(socket: object | null | undefined): boolean {
  return typeof socket === 'object' && socket !== null && (socket as { encrypted?: unknown }).encrypted === true;
}
