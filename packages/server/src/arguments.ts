/**
 * A route's positional arguments rebuilt from the request, as the wire format places them: path segments, the whole
 * body, fields of the body, the JSON of `q`, and the write guard (`If-Match` plus the guard's other options).
 *
 * What the request may carry is exactly what the route names: a body field, a query parameter or an `If-Match` the
 * route does not take is a `ValidationError` naming it, never silently dropped. The values themselves are left to
 * the services, which parse every input strictly.
 *
 * @module
 */
import { unknownKeyMessage, ValidationError, type ValidationIssue } from '@crmkit/core';
import type { Route } from '@crmkit/client';

/** What a request carries, as the arguments are built from it. */
export interface RequestParts {
  /** Path arguments by name, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body; `undefined` when there is none. */
  readonly body: unknown;
  readonly query: URLSearchParams;
  /** The `If-Match` header, or `null`. */
  readonly ifMatch: string | null;
}

/** The body field a guard's other options travel in (outside `DELETE`, and unless the whole body is an argument). */
export const GUARD_OPTIONS_FIELD = 'options';

/**
 * Body fields that are optional arguments wherever a route names them: a method's options, an aggregate refresh's
 * `trigger`, the RFM refresh's `currency`. Every other body field a route names is an argument the method needs:
 * absent (or `null`), it is a 400 naming the field, before the method sees `undefined` where it needs a value.
 */
export const OPTIONAL_FIELDS: ReadonlySet<string> = new Set([GUARD_OPTIONS_FIELD, 'trigger', 'currency']);

/** The keys a route's body object may hold; `undefined` when the whole body is an argument. */
export function bodyFields(route: Route): string[] | undefined {
  if (route.args.some((arg) => 'body' in arg)) return undefined;
  const fields = route.args.flatMap((arg) => ('field' in arg ? [arg.field] : []));
  if (guardOptionsIn(route) === 'body' && !fields.includes(GUARD_OPTIONS_FIELD)) fields.push(GUARD_OPTIONS_FIELD);
  return fields;
}

/** Where a route's guard options travel: the body field `options`, `q` (for `DELETE`), or nowhere. */
export function guardOptionsIn(route: Route): 'body' | 'query' | undefined {
  if (!route.args.some((arg) => 'guard' in arg)) return undefined;
  if (route.verb === 'DELETE') return 'query';
  return route.args.some((arg) => 'body' in arg) ? undefined : 'body';
}

/** Whether a route reads `q`. */
export function takesQuery(route: Route): boolean {
  return route.args.some((arg) => 'query' in arg) || guardOptionsIn(route) === 'query';
}

/** The method's positional arguments; `ValidationError` listing everything the request carries that it may not. */
export function routeArguments(route: Route, parts: RequestParts): unknown[] {
  const issues: ValidationIssue[] = [];
  const fields = bodyFields(route);
  const body = fields === undefined ? parts.body : bodyObject(parts.body, fields, issues);
  const q = queryValue(route, parts.query, issues);
  const guarded = route.args.some((arg) => 'guard' in arg);
  if (!guarded && parts.ifMatch !== null) {
    issues.push({ path: ['If-Match'], message: 'This route takes no If-Match: it has no write guard' });
  }
  const args = route.args.map((arg): unknown => {
    if ('path' in arg) return parts.params[arg.path];
    if ('pathObject' in arg) return Object.fromEntries(arg.pathObject.map((name) => [name, parts.params[name]]));
    if ('body' in arg) return body;
    if ('field' in arg) {
      const fields = body as Record<string, unknown>;
      const value = Object.hasOwn(fields, arg.field) ? fields[arg.field] : undefined;
      if ((value === undefined || value === null) && !OPTIONAL_FIELDS.has(arg.field)) {
        issues.push({ path: [arg.field], message: 'Required' });
      }
      return value;
    }
    if ('query' in arg) return q;
    return guardArgument(route, parts, body, q, issues);
  });
  if (issues.length > 0) throw new ValidationError(issues, 'request');
  // Trailing options left out are passed as left out, as a local caller would.
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}

/** The body as an object holding only `fields`; an empty body is `{}`. */
function bodyObject(body: unknown, fields: readonly string[], issues: ValidationIssue[]): Record<string, unknown> {
  if (body === undefined) return {};
  if (!isPlainObject(body)) {
    issues.push({
      path: [],
      message: fields.length === 0 ? 'This route takes no body' : `Expected an object with ${fields.join(', ')}`,
    });
    return {};
  }
  for (const key of Object.keys(body)) {
    if (!fields.includes(key)) issues.push({ path: [key], message: unknownKeyMessage(key, fields) });
  }
  return body;
}

/** The JSON of `q`, when the route reads it; every other query parameter is refused. */
function queryValue(route: Route, query: URLSearchParams, issues: ValidationIssue[]): unknown {
  const takes = takesQuery(route);
  for (const name of new Set(query.keys())) {
    if (name !== 'q' || !takes) {
      issues.push({ path: [name], message: unknownKeyMessage(name, takes ? ['q'] : []) });
    }
  }
  const values = query.getAll('q');
  if (!takes || values.length === 0) return undefined;
  if (values.length > 1) {
    issues.push({ path: ['q'], message: 'Expected one q parameter' });
    return undefined;
  }
  try {
    return JSON.parse(values[0]!) as unknown;
  } catch {
    issues.push({ path: ['q'], message: 'Expected JSON' });
    return undefined;
  }
}

/**
 * The guard argument: `If-Match: "n"` is `{ expectedVersion: n }`, `If-Match: *` is `{ force: true }`, merged with
 * the guard's other options. The version travels only as `If-Match`, so an `expectedVersion` or `force` among the
 * options is refused rather than weighed against the header. Without either, the service says what is missing.
 */
function guardArgument(
  route: Route,
  parts: RequestParts,
  body: unknown,
  q: unknown,
  issues: ValidationIssue[],
): Record<string, unknown> {
  const where = guardOptionsIn(route);
  const slot = where === 'query' ? 'q' : GUARD_OPTIONS_FIELD;
  const raw =
    where === 'body' ? (body as Record<string, unknown>)[GUARD_OPTIONS_FIELD] : where === 'query' ? q : undefined;
  let options: Record<string, unknown> = {};
  if (raw !== undefined) {
    if (isPlainObject(raw)) options = raw;
    else issues.push({ path: [slot], message: 'Expected an object' });
  }
  for (const key of ['expectedVersion', 'force']) {
    if (Object.hasOwn(options, key)) {
      issues.push({ path: [slot, key], message: 'Send the version as If-Match: "version" (or If-Match: * to force)' });
    }
  }
  return { ...options, ...ifMatchGuard(parts.ifMatch, issues) };
}

/** `If-Match` as guard options: `"n"` → `{ expectedVersion: n }`, `*` → `{ force: true }`. */
export function ifMatchGuard(header: string | null, issues: ValidationIssue[]): Record<string, unknown> {
  if (header === null) return {};
  const value = header.trim();
  if (value === '*') return { force: true };
  const match = /^"(\d{1,15})"$/.exec(value);
  if (match) return { expectedVersion: Number(match[1]) };
  issues.push({ path: ['If-Match'], message: 'Expected one strong entity tag, "version", or *' });
  return {};
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
