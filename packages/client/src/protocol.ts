/**
 * The HTTP protocol between `@crmkit/server` and `createRemoteCrm`: one table saying, for every method of the `Crm`
 * interface a browser may call, which request carries it. The server dispatches by it and generates its OpenAPI
 * document from it; the client builds its requests from it. Neither side has a route the table does not name.
 *
 * Wire format, shared by both sides:
 *
 * - Bodies are JSON (`application/json`); a method resolving to nothing answers `204`, a create `201`, anything else
 *   `200` with the result as JSON (a result of `undefined`, e.g. `records.get` of a record the actor cannot see, is
 *   `null`; so is a missing entry of a `getMany` array).
 * - A method's positional arguments are placed as its route says ({@link RouteArg}): path segments, the whole body,
 *   one field of the body, the JSON of the `q` query parameter, or a write guard. A request carries nothing its route
 *   does not name: an unknown body field or query parameter, or `If-Match` on a route without a guard, is a `400`
 *   naming it.
 * - A write guard (`{ expectedVersion: n }`, or `{ force: true }`) travels as `If-Match: "n"` (or `If-Match: *`);
 *   the guard's other options travel in the body field `options` (in `q` for `DELETE`; nowhere when the whole body
 *   is another argument, as for `update`), never `expectedVersion` or `force` themselves. A single record answered
 *   carries `ETag: "version"`; a `GET` of one with `If-None-Match` naming it answers `304`.
 * - `POST` honours `Idempotency-Key`: the same key from the same actor within a day answers the first response again
 *   (with `Idempotent-Replayed: true`); the same key with another request is a `422`.
 * - Failures are `application/problem+json`: `{ type, title, status, code, detail, issues?, ... }` carrying the
 *   error's stable `code` and, for a validation error, its `issues` with their paths; never a stack, never a value
 *   that was entered. A stale write is `412` with the `ConflictError`'s versions when it carried `If-Match` (`409`
 *   when the version travelled in the body).
 * - `GET /session` answers who the server acts for and the CRM's settings: `{ actor, timeZone, currency,
 *   defaultRegion?, exchangeRates?, lostReasons, lifecycle, changes? }` (`lifecycle`: the stages and rules of
 *   `crm.customers.lifecycle`; `changes`: `{ position, heartbeatMs }`, the change log's position when the session was
 *   answered and the interval of the stream's heartbeats), which the client reads once when it is created.
 * - `GET /changes` is a `text/event-stream` of `change` events (`id:` a resume position, `data:` the batch's
 *   `{ collection, id, type, version }`s the actor may see: puts of records the actor can read, and every delete,
 *   which names an id only), `reset` (its `id:` the position live events continue after) when a resume position is
 *   unknown or too old or the client fell too far behind, and comment heartbeats every `heartbeatMs`. `Last-Event-ID`
 *   resumes after a position: the client's first connection sends the session's `changes.position`, so nothing
 *   committed after the session (after any `subscribe()`) is missed while the stream opens; later ones the last
 *   event id. A connection silent for 2.5 heartbeat intervals is taken as dead and opened again.
 */

/** Where one positional argument of a method travels. */
export type RouteArg =
  /** A path segment: `{name}` in the route's path. */
  | { readonly path: string }
  /** An object argument whose listed keys are path segments (`{ kind, id }` of a timeline's subject). */
  | { readonly pathObject: readonly string[] }
  /** The whole JSON body. */
  | { readonly body: true }
  /** One field of the JSON body object. */
  | { readonly field: string }
  /** The JSON of the `q` query parameter (absent when the argument is `undefined`). */
  | { readonly query: true }
  /** A write guard: `If-Match`, its other options in the body field `options` (or in `q` for `DELETE`). */
  | { readonly guard: true };

/** The HTTP methods the protocol uses. */
export type RouteVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One method of the `Crm` interface over HTTP. */
export interface Route {
  /** The service holding the method (`'deals'`), or `''` for a method of the `Crm` itself (`'records'` is a service). */
  readonly service: string;
  readonly method: string;
  readonly verb: RouteVerb;
  /** The path below the base URL, with `{name}` segments for path arguments. */
  readonly path: string;
  readonly args: readonly RouteArg[];
  /** `201` for a create; `204` when the method resolves to nothing; `200` otherwise. */
  readonly status: 200 | 201 | 204;
}

const id = { path: 'id' } as const;
const body = { body: true } as const;
const query = { query: true } as const;
const guard = { guard: true } as const;
const field = (name: string) => ({ field: name });

const route = (
  service: string,
  method: string,
  verb: RouteVerb,
  path: string,
  args: readonly RouteArg[],
  status: 200 | 201 | 204 = 200,
): Route => ({ service, method, verb, path, args, status });

/** The routes every entity service has: list, count, get, create, update, remove. */
function entityRoutes(service: string, collection: string = service): Route[] {
  const base = `/${collection}`;
  return [
    route(service, 'list', 'GET', base, [query]),
    route(service, 'count', 'GET', `${base}/count`, [query]),
    route(service, 'get', 'GET', `${base}/{id}`, [id]),
    route(service, 'create', 'POST', base, [body], 201),
    route(service, 'update', 'PATCH', `${base}/{id}`, [id, body, guard]),
    route(service, 'remove', 'DELETE', `${base}/{id}`, [id, guard], 204),
  ];
}

/**
 * Every route. Where two paths fit one request, the server prefers a literal segment to a `{name}` one at the first
 * place they differ, whatever their order here: `GET /tasks/overdue` is the overdue list, not the task `overdue`.
 */
export const ROUTES: readonly Route[] = [
  ...entityRoutes('customers'),
  route('customers', 'view360', 'GET', '/customers/{id}/360', [id, query]),
  route('customers', 'setLifecycleStage', 'POST', '/customers/{id}/lifecycle', [id, field('stage'), guard]),
  route('customers', 'lifecycleHistory', 'GET', '/customers/{id}/lifecycle', [id, query]),
  route('customers', 'applyLifecycleRules', 'POST', '/customers/{id}/lifecycle/apply', [id, field('trigger')]),
  route('customers', 'sweepLifecycle', 'POST', '/customers/lifecycle/sweep', []),
  ...entityRoutes('contacts'),
  ...entityRoutes('leads'),
  route('leads', 'capture', 'POST', '/leads/capture', [field('input'), field('options')], 201),
  route('leads', 'findDuplicates', 'POST', '/leads/duplicates', [body]),
  route('leads', 'overdue', 'GET', '/leads/overdue', [query]),
  route('leads', 'rescoreAll', 'POST', '/leads/rescore', [body]),
  route('leads', 'merge', 'POST', '/leads/{id}/merge', [id, field('otherId'), field('options')]),
  route('leads', 'mergeIntoCustomer', 'POST', '/leads/{id}/merge-into-customer', [
    id,
    field('customerId'),
    field('options'),
  ]),
  route('leads', 'score', 'GET', '/leads/{id}/score', [id]),
  route('leads', 'rescore', 'POST', '/leads/{id}/rescore', [id]),
  route('leads', 'assign', 'POST', '/leads/{id}/assign', [id, guard]),
  route('leads', 'qualify', 'POST', '/leads/{id}/qualify', [id, guard]),
  route('leads', 'disqualify', 'POST', '/leads/{id}/disqualify', [id, guard]),
  route('leads', 'convert', 'POST', '/leads/{id}/convert', [id, body]),
  route('leads', 'sla', 'GET', '/leads/{id}/sla', [id]),
  ...entityRoutes('deals'),
  route('deals', 'moveToStage', 'POST', '/deals/{id}/move', [id, field('stageId'), guard]),
  route('deals', 'history', 'GET', '/deals/{id}/history', [id]),
  ...entityRoutes('pipelines'),
  route('pipelines', 'ensureDefault', 'POST', '/pipelines/default', []),
  route('pipelines', 'rename', 'POST', '/pipelines/{id}/rename', [id, field('name'), guard]),
  route('pipelines', 'addStage', 'POST', '/pipelines/{id}/stages', [id, field('stage'), field('options')]),
  route('pipelines', 'updateStage', 'PATCH', '/pipelines/{id}/stages/{stageId}', [
    id,
    { path: 'stageId' },
    body,
    guard,
  ]),
  route('pipelines', 'reorderStages', 'POST', '/pipelines/{id}/stages/order', [
    id,
    field('stageIds'),
    field('options'),
  ]),
  route('pipelines', 'removeStage', 'DELETE', '/pipelines/{id}/stages/{stageId}', [id, { path: 'stageId' }, guard]),
  ...entityRoutes('activities'),
  route('activities', 'log', 'POST', '/activities/log', [body], 201),
  route('activities', 'timeline', 'GET', '/timeline/{kind}/{id}', [{ pathObject: ['kind', 'id'] }, query]),
  ...entityRoutes('tasks').filter((entry) => entry.method !== 'create'),
  route('tasks', 'create', 'POST', '/tasks', [body], 201),
  route('tasks', 'overdue', 'GET', '/tasks/overdue', [query]),
  route('tasks', 'dueToday', 'GET', '/tasks/due-today', [query]),
  route('tasks', 'complete', 'POST', '/tasks/{id}/complete', [id, guard]),
  route('tasks', 'reopen', 'POST', '/tasks/{id}/reopen', [id, guard]),
  route('tasks', 'snooze', 'POST', '/tasks/{id}/snooze', [id, field('until'), guard]),
  ...entityRoutes('segments'),
  route('segments', 'members', 'POST', '/segments/members', [field('segment'), field('options')]),
  route('segments', 'memberIds', 'POST', '/segments/member-ids', [field('segment')]),
  route('segments', 'size', 'POST', '/segments/size', [field('segment')]),
  route('segments', 'overlaps', 'POST', '/segments/overlaps', [field('segments')]),
  route('segments', 'explain', 'POST', '/segments/explain', [field('segment'), field('customerId')]),
  ...entityRoutes('users'),
  ...entityRoutes('teams'),
  ...entityRoutes('customFields', 'custom-fields'),
  route('aggregates', 'get', 'GET', '/aggregates/{id}', [id]),
  route('aggregates', 'getMany', 'POST', '/aggregates/many', [field('ids')]),
  route('aggregates', 'refresh', 'POST', '/aggregates/{id}/refresh', [id, field('trigger')]),
  route('aggregates', 'refreshRfm', 'POST', '/aggregates/rfm', [field('currency')]),
  route('reports', 'funnel', 'POST', '/reports/funnel', [body]),
  route('reports', 'forecast', 'POST', '/reports/forecast', [body]),
  route('reports', 'salesTrend', 'POST', '/reports/sales-trend', [body]),
  route('reports', 'leadSources', 'POST', '/reports/lead-sources', [body]),
  route('reports', 'performance', 'POST', '/reports/performance', [body]),
  route('reports', 'addCost', 'POST', '/reports/costs', [body], 201),
  route('reports', 'removeCost', 'DELETE', '/reports/costs/{id}', [id, guard], 204),
  route('reports', 'listCosts', 'GET', '/reports/costs', []),
  route('reports', 'setQuota', 'POST', '/reports/quotas', [body], 201),
  route('reports', 'listQuotas', 'GET', '/reports/quotas', []),
  route('records', 'get', 'GET', '/records/{collection}/{id}', [{ path: 'collection' }, id]),
  route('records', 'getMany', 'POST', '/records/{collection}/many', [{ path: 'collection' }, field('ids')]),
  route('audit', 'list', 'GET', '/audit', [query]),
  route('audit', 'verify', 'POST', '/audit/verify', [body]),
  route('audit', 'head', 'GET', '/audit/head', []),
  route('backup', 'export', 'GET', '/backup', []),
  route('backup', 'restore', 'PUT', '/backup', [body], 204),
  route('', 'settled', 'POST', '/settled', [], 204),
];
