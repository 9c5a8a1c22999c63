/**
 * One method call as the HTTP request its route in `ROUTES` says: the positional arguments placed in path segments,
 * the body, body fields, the `q` query parameter or the write guard (`If-Match`, the guard's other options in the body
 * field `options`, or in `q` for `DELETE`).
 */
import { ValidationError } from '@crmkit/core';
import { ROUTES, type Route, type RouteVerb } from './protocol.js';

/** A request ready to send: everything but the headers every request carries. */
export interface RouteRequest {
  readonly verb: RouteVerb;
  /** Below the base URL, path segments encoded, with `?q=` when the call has a query. */
  readonly path: string;
  /** `"n"` or `*`, when the call carries a write guard. */
  readonly ifMatch?: string;
  /** The JSON body, when the request has one. */
  readonly body?: string;
  /** `VERB /path/{name}` with the placeholders left in: names the request in errors without any id. */
  readonly label: string;
}

/** A plain object (not null, not an array): what a JSON body, a batch item or a problem field must be. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The route of `service.method`; throws when the table has none (a client built against another table). */
export function routeOf(service: string, method: string): Route {
  const route = ROUTES.find((entry) => entry.service === service && entry.method === method);
  if (!route) throw new Error(`No route for ${service ? `${service}.` : ''}${method} in the protocol table`);
  return route;
}

/**
 * One path segment, encoded. The URL parser resolves `.` and `..` segments (encoded or not) before any server sees
 * them, so such an id cannot be addressed over HTTP: refused rather than sent to another route.
 */
function segment(value: unknown, name: string, context: string): string {
  const refuse = (message: string): never => {
    throw new ValidationError([{ path: [name], message }], context);
  };
  if (typeof value !== 'string') return refuse('Expected a string');
  if (value === '') return refuse('Expected a non-empty string');
  if (value === '.' || value === '..') return refuse('An id of "." or ".." cannot travel in a URL path');
  return encodeURIComponent(value);
}

const isParam = (part: string): boolean => part.startsWith('{');
const partsOf = (path: string): string[] => path.split('/').slice(1);

/**
 * The route the server matches instead of `route` for a request to `concrete` (its decoded path segments): the
 * server prefers a literal segment to a `{name}` one, so `GET /tasks/overdue` is the overdue list, never the task
 * with id `overdue`. `undefined` when the request reaches `route`.
 */
export function shadowingRoute(route: Route, concrete: readonly string[]): Route | undefined {
  const own = partsOf(route.path);
  return ROUTES.find((other) => {
    if (other === route || other.verb !== route.verb) return false;
    const pattern = partsOf(other.path);
    if (pattern.length !== concrete.length) return false;
    if (!pattern.every((part, index) => isParam(part) || part === concrete[index])) return false;
    const first = pattern.findIndex((part, index) => isParam(part) !== isParam(own[index] ?? ''));
    return first >= 0 && !isParam(pattern[first]!);
  });
}

/** The JSON of a value, or `ValidationError` when it has none (a cycle, a BigInt). */
function json(value: unknown, context: string): string {
  try {
    return JSON.stringify(value);
  } catch {
    throw new ValidationError([{ path: [], message: 'Expected data that can be sent as JSON' }], context);
  }
}

/** A write guard: its `If-Match` and the options that travel beside it. */
function splitGuard(value: unknown, context: string): { ifMatch?: string; rest: Record<string, unknown> } {
  if (!isObject(value)) {
    // Left for the server to refuse with its own message: a guard is required, and it sees none.
    return { rest: {} };
  }
  const { expectedVersion, force, ...rest } = value;
  if (force !== undefined && force !== true) rest['force'] = force;
  if (expectedVersion !== undefined) {
    if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
      throw new ValidationError([{ path: ['expectedVersion'], message: 'Expected a whole number' }], context);
    }
    return { ifMatch: `"${expectedVersion}"`, rest };
  }
  return force === true ? { ifMatch: '*', rest } : { rest };
}

/** The request that carries `args` along `route`. */
export function buildRequest(route: Route, args: readonly unknown[]): RouteRequest {
  const context = `${route.service ? `${route.service}.` : ''}${route.method} arguments`;
  let path = route.path;
  const params: Record<string, string> = {};
  const place = (name: string, value: unknown) => {
    path = path.replace(`{${name}}`, segment(value, name, context));
    params[name] = value as string;
  };
  let body: { value: unknown } | undefined;
  let fields: Record<string, unknown> | undefined;
  let query: unknown;
  let ifMatch: string | undefined;
  const hasBody = route.args.some((arg) => 'body' in arg);
  const setField = (name: string, value: unknown) => {
    fields ??= {};
    if (value !== undefined) fields[name] = value;
  };

  route.args.forEach((arg, index) => {
    const value = args[index];
    if ('path' in arg) {
      place(arg.path, value);
    } else if ('pathObject' in arg) {
      if (!isObject(value)) throw new ValidationError([{ path: [], message: 'Expected an object' }], context);
      for (const key of arg.pathObject) place(key, value[key]);
    } else if ('body' in arg) {
      body = { value };
    } else if ('field' in arg) {
      setField(arg.field, value);
    } else if ('query' in arg) {
      query = value;
    } else {
      const guard = splitGuard(value, context);
      ifMatch = guard.ifMatch;
      if (Object.keys(guard.rest).length === 0) return;
      if (route.verb === 'DELETE') query = guard.rest;
      else if (hasBody) {
        // The whole body is another argument: there is no room for options (none of these methods has any).
        const [key] = Object.keys(guard.rest);
        throw new ValidationError([{ path: [key!], message: `Unknown key "${key}"` }], context);
      } else setField('options', guard.rest);
    }
  });

  const concrete = partsOf(route.path).map((part) => (isParam(part) ? params[part.slice(1, -1)]! : part));
  const shadow = shadowingRoute(route, concrete);
  if (shadow) {
    const index = partsOf(shadow.path).findIndex((part, at) => !isParam(part) && isParam(partsOf(route.path)[at]!));
    const name = partsOf(route.path)[index]!.slice(1, -1);
    throw new ValidationError(
      [{ path: [name], message: `Cannot be addressed here: the server reads ${shadow.verb} ${shadow.path} instead` }],
      context,
    );
  }
  const q = query === undefined ? '' : `?q=${encodeURIComponent(json(query, context))}`;
  const payload = body ? body.value : fields;
  return {
    verb: route.verb,
    path: `${path}${q}`,
    ...(ifMatch === undefined ? {} : { ifMatch }),
    ...(payload === undefined ? {} : { body: json(payload, context) }),
    label: `${route.verb} ${route.path}`,
  };
}
