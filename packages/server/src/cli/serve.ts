/**
 * `serve`: the CRM handler under `/api`, `GET /health`, and optionally a folder of static files at `/`, on
 * `node:http`, over the storage {@link openStorage} opens. `crmkit serve` runs it; tests and scripts can too.
 *
 * `close()` stops gracefully: no new connections, requests in flight finish (bounded by `shutdownTimeoutMs`), then
 * the handler is closed (live change streams end, the CRMs finish their background work), the connections left are
 * ended, and the storage and its database are closed.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isCrmError, type ValidationError } from '@crmkit/core';
import { createCrmHandler, type CrmHandler } from '../handler.js';
import { toNodeListener } from '../node.js';
import type { WebToLeadOptions } from '../web-to-lead.js';
import { createAuthentication, type AuthOptions } from './auth.js';
import { CliError, readJsonFile } from './cli-error.js';
import { staticFiles } from './static.js';
import { openStorage, type OpenedStorage, type StorageChoice } from './storage.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Default 8080; 0 picks a free port (see `url`). */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  readonly storage: StorageChoice;
  /** The tenant the records are stored under. Default `default`. */
  readonly tenant?: string;
  /** A folder served at `/`. */
  readonly staticDir?: string;
  /** A JSON file of public lead forms (the handler's `webToLead` option but `clientAddress`), at `/api/public/leads/<key>`. */
  readonly webToLeadFile?: string;
  readonly auth: AuthOptions;
  /** How long `close()` lets requests in flight finish before ending their connections. Default 10 000 ms. */
  readonly shutdownTimeoutMs?: number;
  /** Receives the start and stop lines, warnings and failures: never a token, a password or record data. */
  readonly log?: (line: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080`; the API is at `${url}/api`. */
  readonly url: string;
  /** Stops gracefully (see the module's description); the same promise on every call. */
  close(): Promise<void>;
}

/** Where the API is mounted. */
export const API_PATH = '/api';

/** Starts a server; failures the operator can fix (a port in use, a missing package, …) are `CliError`s. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  const tenant = options.tenant ?? 'default';
  const auth = await createAuthentication(options.auth);
  const files = options.staticDir === undefined ? undefined : await staticFiles(options.staticDir);
  const webToLead =
    options.webToLeadFile === undefined ? undefined : await readJsonFile(options.webToLeadFile, 'web-to-lead');
  const opened = await openStorage(options.storage, tenant, log);
  let handler: CrmHandler;
  try {
    handler = createCrmHandler({
      storage: opened.storage,
      authenticate: auth.authenticate,
      basePath: API_PATH,
      // The error's kind only: a message may quote what was sent, and the log is no place for record data.
      onError: (error, request) =>
        log(`crmkit: unexpected failure on ${request.method} ${safePath(request)}: ${kind(error)}`),
      openApi: {
        title: 'crmkit',
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        security: [{ bearer: [] }],
      },
      ...(webToLead === undefined ? {} : { webToLead: webToLead as WebToLeadOptions }),
    });
  } catch (error) {
    await opened.close().catch(() => undefined);
    // The forms are checked with the handler's options: what is wrong in the file, by field.
    if (webToLead !== undefined && isCrmError(error) && error.code === 'CRM_VALIDATION') {
      const issues = (error as ValidationError).issues
        .filter((issue) => issue.path[0] === 'webToLead')
        .map((issue) => `${issue.path.slice(1).join('.') || '(the file)'}: ${issue.message}`);
      if (issues.length > 0) throw new CliError(`The web-to-lead file ${options.webToLeadFile}: ${issues.join('; ')}`);
    }
    throw error;
  }

  let closing = false;
  const inFlight = new Set<Promise<unknown>>();
  const route = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === API_PATH || pathname.startsWith(`${API_PATH}/`)) return handler(request);
    if (pathname === '/health') return health(request, closing);
    if (files) return files(request);
    return new Response('Not found: the API is at /api\n', {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    });
  };
  const listener = toNodeListener((request) => {
    const answer = route(request);
    inFlight.add(answer);
    void answer.finally(() => inFlight.delete(answer)).catch(() => undefined);
    return answer;
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // While stopping, every answer ends its connection, so clients reconnect to whatever serves next.
    if (closing) response.setHeader('connection', 'close');
    listener(request, response);
  });

  try {
    await listen(server, options.port ?? 8080, options.host ?? '127.0.0.1');
  } catch (error) {
    await handler.close().catch(() => undefined);
    await opened.close().catch(() => undefined);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log(
    `crmkit: listening on ${url} (API at ${API_PATH}, storage: ${opened.description}, tenant: ${tenant}, ` +
      `auth: ${auth.description}${options.staticDir === undefined ? '' : `, static: ${options.staticDir}`}` +
      `${webToLead === undefined ? '' : `, web-to-lead forms at ${API_PATH}/public/leads/<key>`})`,
  );

  if (options.auth.insecureDemo) warnDemo(log, address.address);

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      const started = Date.now();
      const deadline = started + (options.shutdownTimeoutMs ?? 10_000);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests being answered finish; change streams are answered already and end with the handler.
      await within(Promise.allSettled([...inFlight]), deadline);
      await within(
        handler.close().catch((error: unknown) => log(`crmkit: closing the handler failed: ${kind(error)}`)),
        deadline,
      );
      // Connections whose last answer just ended (a change stream) go idle now: keep closing those until none is left.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const drained = await within(serverClosed, deadline);
      clearInterval(sweep);
      if (!drained) server.closeAllConnections();
      await serverClosed;
      await shutDownStorage(opened, log);
      log(
        `crmkit: stopped (${drained ? 'gracefully' : 'connections cut at the deadline'}, ${Date.now() - started} ms)`,
      );
    })());
  return { url, close };
}

function warnDemo(log: (line: string) => void, address: string): void {
  const line = '!'.repeat(100);
  log(`crmkit: ${line}`);
  log('crmkit: WARNING --insecure-demo: there is NO authentication. Whoever reaches this server reads, changes and');
  log('crmkit: deletes every record as any user and role, by naming them in the X-Crmkit-Demo-User header.');
  if (!/^(127\.|::1$|::ffff:127\.)/.test(address)) {
    log(`crmkit: It listens on ${address}, so other machines reach it too. Use --host 127.0.0.1.`);
  }
  log('crmkit: For a demo on your own machine only: real users need --users or CRMKIT_JWT_SECRET.');
  log(`crmkit: ${line}`);
}

/** `GET /health` at the root, for load balancers and container probes: 503 while stopping. */
function health(request: Request, closing: boolean): Response {
  const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response(null, { status: 405, headers: { ...headers, allow: 'GET, HEAD' } });
  }
  const body = JSON.stringify({ status: closing ? 'stopping' : 'ok' });
  return new Response(request.method === 'HEAD' ? null : body, {
    status: closing ? 503 : 200,
    headers: { ...headers, 'content-type': 'application/json' },
  });
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error & { code?: unknown }) => {
      server.off('listening', listening);
      reject(
        error.code === 'EADDRINUSE'
          ? new CliError(`Port ${port} on ${host} is in use: stop what uses it, or pick another with --port.`)
          : error.code === 'EACCES'
            ? new CliError(`Not allowed to listen on port ${port} on ${host}: pick a port above 1023.`)
            : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
              ? new CliError(`Cannot listen on ${host}: this machine has no such address.`)
              : error,
      );
    };
    const listening = () => {
      server.off('error', failed);
      resolve();
    };
    server.once('error', failed);
    server.once('listening', listening);
    server.listen(port, host);
  });
}

async function shutDownStorage(opened: OpenedStorage, log: (line: string) => void): Promise<void> {
  try {
    await opened.close();
  } catch (error) {
    log(`crmkit: closing the storage failed: ${kind(error)}`);
  }
}

/** Whether `promise` settled before `deadline` (it is not cancelled either way). */
async function within(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error's name and code, nothing it says. */
function kind(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? `${error.name} (${code})` : error.name;
}

/** The request's path, without its query (which may carry a filter's values). */
function safePath(request: Request): string {
  return new URL(request.url).pathname;
}
