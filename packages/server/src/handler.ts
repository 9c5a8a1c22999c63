/**
 * `createCrmHandler`: the CRM as a web-standard `(request: Request) => Promise<Response>`, for any runtime and
 * framework that speaks `fetch`'s types (Node through `toNodeListener`, Deno, Bun, Hono, workers).
 *
 * A request is matched against the route table, authenticated by the host, read (JSON only, bounded), turned into
 * the method's positional arguments and run on the actor's own CRM, so core applies the access policy and validates
 * the input exactly as it does for a local caller. Whatever fails is answered as `application/problem+json`.
 *
 * @module
 */
import { ValidationError, type Crm } from '@crmkit/core';
import { ROUTES, type Route } from '@crmkit/client';
import { routeArguments } from './arguments.js';
import { openChangeStream, type ChangeStream } from './change-stream.js';
import { HttpError, ServerErrorCode } from './errors.js';
import { IdempotencyStore, isIdempotencyKey, REPLAYED_HEADER, requestFingerprint } from './idempotency.js';
import { createOpenApiDocument, type OpenApiDocument } from './openapi.js';
import { checkAuthenticated, resolveOptions, type CrmHandlerOptions } from './options.js';
import { problemOf, problemResponse } from './problem.js';
import { RateLimiter } from './rate-limit.js';
import { readJsonBody, type JsonBody } from './request-body.js';
import { BASE_HEADERS, jsonResponse, storedJson, toResponse, type StoredResponse } from './responses.js';
import { compileRoutes, matchRoute, pathSegments } from './routing.js';
import { TenantRegistry, type Lease, type Tenant } from './tenants.js';
import { clientAddressOf } from './node.js';
import { addressKey, createWebToLead } from './web-to-lead.js';

/** The handler: a `fetch`-style function, and `close()`. */
export interface CrmHandler {
  (request: Request): Promise<Response>;
  /**
   * Ends every change stream, disposes every CRM (waiting for their background work) and closes the storages
   * `openStorage` opened (a `storage` passed in is the host's to close). Later requests get 503.
   */
  close(): Promise<void>;
}

/** Methods of the `Crm` itself that no route may reach, whatever the table says: they hand out power or end it. */
const UNREACHABLE = new Set(['as', 'dispose', 'subscribe', 'on', 'reminders']);

/** The longest a timer waits (2^31 - 1 ms). */
const MAX_TIMER = 2_147_483_647;

/** What a 401 carries (RFC 9110): how to authenticate, here a bearer token (RFC 6750). */
const CHALLENGE = { 'www-authenticate': 'Bearer realm="crmkit"' } as const;

/** A 401 with its challenge, unless it has one. */
const withChallenge = (error: HttpError): HttpError =>
  error.status !== 401 || Object.keys(error.headers).some((name) => name.toLowerCase() === 'www-authenticate')
    ? error
    : new HttpError(error.status, error.code, error.message, {
        headers: { ...error.headers, ...CHALLENGE },
        cause: error.cause,
      });

/** Creates the handler; options are checked now (`ValidationError`), tenants are opened on their first request. */
export function createCrmHandler(options: CrmHandlerOptions): CrmHandler {
  const resolved = resolveOptions(options);
  const table = compileRoutes(ROUTES);
  const storage = resolved.storage;
  const registry = new TenantRegistry({
    open: storage ? async () => storage : resolved.openStorage!,
    closeStorages: storage === undefined,
    crm: resolved.crm,
    systemActorId: resolved.systemActorId,
    actorCrms: resolved.limits.actorCrms,
    // One storage is the host's single tenant: only tenants `openStorage` opened are closed when idle.
    idleMs: storage === undefined ? resolved.limits.idleTenantMs : undefined,
    now: resolved.now,
    changeBatches: resolved.changes.bufferBatches,
  });
  const idempotency = new IdempotencyStore({
    windowMs: resolved.limits.idempotencyWindowMs,
    maxEntries: resolved.limits.idempotencyEntries,
  });
  const streams = new Set<ChangeStream>();
  const perAddress = resolved.rateLimit.perAddress
    ? new RateLimiter({ ...resolved.rateLimit.perAddress, now: resolved.now })
    : undefined;
  const clientAddress = resolved.rateLimit.clientAddress ?? clientAddressOf;
  const perActor = resolved.rateLimit.perActor
    ? new RateLimiter({ ...resolved.rateLimit.perActor, now: resolved.now })
    : undefined;
  let document: OpenApiDocument | undefined;
  let closed = false;

  /** The answer to a failure; unexpected ones are reported to the host, never to the client. */
  const failure = (error: unknown, request: Request, ifMatch: boolean): StoredResponse => {
    const { problem, unexpected } = problemOf(error, { ifMatch });
    if (unexpected) report(error, request);
    return problemResponse(problem, error instanceof HttpError ? error.headers : {});
  };

  const report = (error: unknown, request: Request) => {
    try {
      resolved.onError(error instanceof HttpError && error.cause !== undefined ? error.cause : error, request);
    } catch {
      // A failing logger must not turn an answer into a crash.
    }
  };

  /**
   * Who sent the request, and their tenant: 401 (with its challenge) when `authenticate` says nobody, or the 4xx
   * `HttpError` it threw (a write from a foreign origin, its own 429); 429 when the actor is over their rate limit.
   */
  const identify = async (request: Request) => {
    if (perAddress) {
      let address: string | undefined;
      try {
        address = clientAddress(request);
      } catch (error) {
        throw internal('clientAddress failed', error);
      }
      perAddress.consume(addressKey(address ?? ''), 'Too many requests from this address; slow down');
    }
    let result: unknown;
    try {
      result = await resolved.authenticate(request);
    } catch (error) {
      // A refusal the host meant (a 401, a 403 for a foreign origin, its own 429 for too many sign-ins) is answered
      // as it is; anything else it threw is a failure of the host's, a 500.
      if (error instanceof HttpError && error.status >= 400 && error.status < 500) throw withChallenge(error);
      throw internal('authenticate failed', error);
    }
    if (result === undefined) {
      throw new HttpError(401, ServerErrorCode.unauthenticated, 'Send credentials this server accepts', {
        headers: CHALLENGE,
      });
    }
    let who: ReturnType<typeof checkAuthenticated>;
    try {
      who = checkAuthenticated(result);
    } catch (error) {
      throw internal('authenticate answered something other than { actor, tenant? }', error);
    }
    // One storage is one tenant: a tenant named anyway means the host meant another setup; never mix them up.
    if (storage && who.tenant !== undefined) throw internal('authenticate named a tenant, but there is one storage');
    if (!storage && who.tenant === undefined) throw internal('authenticate named no tenant, but openStorage needs one');
    perActor?.consume(JSON.stringify([who.tenant ?? '', who.actor.id]), 'Too many requests from this actor; slow down');
    return { actor: who.actor, tenant: await registry.tenant(who.tenant ?? ''), expiresAt: who.expiresAt };
  };

  const runRoute = async (route: Route, parts: RouteRequest, lease: Lease, tenant: Tenant) => {
    try {
      const args = routeArguments(route, {
        params: parts.params,
        body: parts.body?.value,
        query: parts.url.searchParams,
        ifMatch: parts.request.headers.get('if-match'),
      });
      return success(route, await invoke(route, lease.crm, tenant, args), parts.request);
    } catch (error) {
      return failure(error, parts.request, parts.ifMatch);
    }
  };

  const dispatch = async (request: Request, url: URL, route: Route, params: Record<string, string>) => {
    const { actor, tenant } = await identify(request);
    // `q` is an argument like a body: bounded like one, whatever the runtime allows in a URL.
    if (url.search.length > resolved.limits.bodyBytes) {
      throw new HttpError(414, ServerErrorCode.payloadTooLarge, 'The query is longer than this server accepts');
    }
    const restore = route.service === 'backup' && route.method === 'restore';
    const body = await readJsonBody(request, restore ? resolved.limits.backupBytes : resolved.limits.bodyBytes);
    const ifMatch = route.args.some((arg) => 'guard' in arg) && request.headers.has('if-match');
    const parts: RouteRequest = { request, url, params, body, ifMatch };
    const lease = await tenant.lease(actor);
    try {
      const key = request.headers.get('idempotency-key');
      if (route.verb !== 'POST' || key === null) return toResponse(await runRoute(route, parts, lease, tenant));
      if (!isIdempotencyKey(key)) {
        throw new ValidationError(
          [{ path: ['Idempotency-Key'], message: 'Expected 1 to 255 visible ASCII characters' }],
          'request',
        );
      }
      const fingerprint = await requestFingerprint(route.verb, url.pathname + url.search, body?.text ?? '');
      const { response, replayed } = await idempotency.run(
        JSON.stringify([tenant.name, actor.id, key]),
        fingerprint,
        () => runRoute(route, parts, lease, tenant),
      );
      return toResponse(response, replayed ? [[REPLAYED_HEADER, 'true']] : []);
    } finally {
      lease.release();
    }
  };

  const serverRoute = async (request: Request, path: string): Promise<Response> => {
    if (request.method !== 'GET') {
      throw new HttpError(405, ServerErrorCode.methodNotAllowed, 'This path answers GET only', {
        headers: { allow: 'GET' },
      });
    }
    if (path === '/health') return jsonResponse(200, { status: 'ok' });
    if (path === '/openapi.json') {
      document ??= createOpenApiDocument({
        basePath: resolved.basePath,
        openApi: resolved.openApi,
        webToLead: resolved.webToLead !== undefined,
      });
      return jsonResponse(200, document);
    }
    const { actor, tenant, expiresAt } = await identify(request);
    const lease = await tenant.lease(actor);
    if (path === '/session') {
      try {
        return jsonResponse(200, session(lease.crm, tenant.changes.position, resolved.changes.heartbeatMs));
      } finally {
        lease.release();
      }
    }
    return changes(request, tenant, lease, expiresAt);
  };

  const changes = (request: Request, tenant: Tenant, lease: Lease, expiresAt: number | undefined): Response => {
    const entry: { stream?: ChangeStream; ended: boolean } = { ended: false };
    // A stream opened with a credential ends when the credential does: the client reconnects with a fresh one.
    let expiry: ReturnType<typeof setTimeout> | undefined;
    const stream = openChangeStream({
      log: tenant.changes,
      crm: lease.crm,
      lastEventId: request.headers.get('last-event-id') ?? undefined,
      signal: request.signal,
      heartbeatMs: resolved.changes.heartbeatMs,
      retryMs: resolved.changes.retryMs,
      maxPending: resolved.changes.maxPendingBatches,
      onError: (error) => report(error, request),
      onClose: () => {
        entry.ended = true;
        clearTimeout(expiry);
        lease.release();
        if (entry.stream) streams.delete(entry.stream);
      },
    });
    entry.stream = stream;
    if (!entry.ended) streams.add(stream);
    if (expiresAt !== undefined && !entry.ended) {
      // Timers hold at most 2^31 - 1 ms (about 24.8 days): a credential valid for longer ends its stream then.
      const remaining = expiresAt - resolved.now();
      if (remaining <= 0) stream.close();
      else expiry = setTimeout(() => stream.close(), Math.min(remaining, MAX_TIMER));
    }
    if (closed) stream.close();
    return stream.response;
  };

  const webToLead =
    resolved.webToLead &&
    createWebToLead(resolved.webToLead, {
      tenant: (name) => registry.tenant(name),
      now: resolved.now,
      failure: (error, request) => failure(error, request, false),
    });

  const handle = async (request: Request): Promise<Response> => {
    if (closed) throw new HttpError(503, ServerErrorCode.closed, 'The server is shutting down');
    const url = new URL(request.url);
    const path = belowBase(url.pathname, resolved.basePath);
    if (path === undefined) throw notFound();
    if (SERVER_PATHS.has(path)) return serverRoute(request, path);
    const segments = pathSegments(path);
    // Public paths take no credentials: only what webToLead configures is there.
    if (segments[0] === PUBLIC_SEGMENT) {
      if (webToLead && segments.length === 3 && segments[1] === 'leads') return webToLead(request, segments[2]!);
      throw notFound();
    }
    const match = matchRoute(table, request.method.toUpperCase(), segments);
    if (!match) throw notFound();
    if (match.route) return dispatch(request, url, match.route, match.params);
    const allow = match.allowed.join(', ');
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow } });
    throw new HttpError(405, ServerErrorCode.methodNotAllowed, `This path answers ${allow}`, { headers: { allow } });
  };

  const handler = (async (request: Request): Promise<Response> => {
    try {
      return await handle(request);
    } catch (error) {
      return toResponse(failure(error, request, false));
    }
  }) as CrmHandler;
  handler.close = async () => {
    closed = true;
    for (const stream of [...streams]) stream.close();
    await registry.close();
  };
  return handler;
}

/** What one route request carries past matching. */
interface RouteRequest {
  readonly request: Request;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly body: JsonBody | undefined;
  /** The route has a write guard and the request sent `If-Match`: a stale version is a 412. */
  readonly ifMatch: boolean;
}

const SERVER_PATHS = new Set(['/health', '/openapi.json', '/session', '/changes']);

/** The first path segment of the endpoints that take no credentials (web-to-lead forms). */
const PUBLIC_SEGMENT = 'public';

/** Calls the route's method on the actor's CRM (`POST /settled` waits for every CRM of the tenant). */
async function invoke(route: Route, crm: Crm, tenant: Tenant, args: unknown[]): Promise<unknown> {
  if (route.service === '' && route.method === 'settled') return tenant.settled();
  const target = (route.service === '' ? crm : (crm as unknown as Record<string, unknown>)[route.service]) as
    Record<string, unknown> | undefined;
  const method = target?.[route.method];
  if (typeof method !== 'function' || (route.service === '' && UNREACHABLE.has(route.method))) {
    throw internal(`The route table names ${route.service}.${route.method}, which the CRM does not serve`);
  }
  return (method as (...values: unknown[]) => Promise<unknown>).apply(target, args);
}

/** The answer to a method's result: 204, or JSON with `ETag` when it is one record. */
function success(route: Route, result: unknown, request: Request): StoredResponse {
  if (route.status === 204) return { status: 204, headers: BASE_HEADERS, body: null };
  const etag = versionTag(result);
  if (etag === undefined) return storedJson(route.status, result);
  // A record read may be kept by the browser and revalidated, but by no shared cache.
  const headers: [string, string][] = [['etag', etag]];
  if (request.method === 'GET') {
    headers.push(['cache-control', 'private, no-cache']);
    if (matchesNoneMatch(request.headers.get('if-none-match'), etag)) {
      return { status: 304, headers: [...BASE_HEADERS, ...headers], body: null };
    }
  }
  return storedJson(route.status, result, headers);
}

/** `"version"` of a result that is one stored record. */
function versionTag(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return undefined;
  const { id, version } = result as { id?: unknown; version?: unknown };
  return typeof id === 'string' && typeof version === 'number' && Number.isSafeInteger(version) && version > 0
    ? `"${version}"`
    : undefined;
}

/** Whether `If-None-Match` names `etag` (weakly compared, as RFC 9110 says for this header) or is `*`. */
function matchesNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  return header.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value.replace(/^W\//, '') === etag;
  });
}

/**
 * The `GET /session` answer. `changes` is what a client needs to follow `GET /changes` without a gap: `position`, the
 * change log's position now, which a client sends as `Last-Event-ID` when its stream first opens so that a change
 * committed between this answer and the stream's opening still reaches it; and `heartbeatMs`, the heartbeat interval,
 * after a few of which a silent stream may be taken as dead.
 */
function session(crm: Crm, position: string, heartbeatMs: number): Record<string, unknown> {
  return {
    actor: { id: crm.actor.id, role: crm.actor.role },
    timeZone: crm.timeZone,
    currency: crm.currency,
    ...(crm.defaultRegion === undefined ? {} : { defaultRegion: crm.defaultRegion }),
    ...(crm.exchangeRates === undefined ? {} : { exchangeRates: crm.exchangeRates }),
    lostReasons: crm.lostReasons,
    // A synchronous property of the CRM (the elements read its stage names): the client needs it up front.
    lifecycle: crm.customers.lifecycle,
    changes: { position, heartbeatMs },
  };
}

/** The path below `base`, `/` for the base itself; `undefined` outside it. */
function belowBase(pathname: string, base: string): string | undefined {
  if (base === '') return pathname;
  if (pathname === base) return '/';
  return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : undefined;
}

const notFound = () => new HttpError(404, ServerErrorCode.routeNotFound, 'No route has this path');

const internal = (detail: string, cause?: unknown) =>
  new HttpError(500, ServerErrorCode.internal, detail, cause === undefined ? undefined : { cause });
