/**
 * Matching a request's method and path against the route table. Among the routes a path fits, a literal segment
 * wins over a `{name}` one at the first place they differ, whatever the table's order: `GET /tasks/overdue` is the
 * overdue list, not the task with id `overdue`.
 *
 * @module
 */
import { ValidationError } from '@crmkit/core';
import type { Route, RouteVerb } from '@crmkit/client';

/** One segment of a route's path: a literal, or a `{name}` taking any non-empty segment. */
type Segment = { readonly literal: string } | { readonly param: string };

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly Segment[];
}

/** The routes, compiled and ordered for matching. */
export interface RouteTable {
  readonly routes: readonly CompiledRoute[];
}

/** What a path matched: the route and its path arguments, or only the methods the path has (a 405). */
export type RouteMatch =
  | { readonly route: Route; readonly params: Readonly<Record<string, string>> }
  | { readonly route?: undefined; readonly allowed: readonly RouteVerb[] };

/** Splits a route's path (`/pipelines/{id}/stages/{stageId}`) into segments. */
export function routeSegments(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((part) => {
      const param = /^\{([^{}]+)\}$/.exec(part);
      return param ? { param: param[1]! } : { literal: part };
    });
}

/** Compiles the table: literal segments sort before `{name}` ones at the first place two paths differ. */
export function compileRoutes(routes: readonly Route[]): RouteTable {
  const compiled = routes.map((route) => ({ route, segments: routeSegments(route.path) }));
  return { routes: [...compiled].sort((a, b) => specificity(a.segments, b.segments)) };
}

function specificity(a: readonly Segment[], b: readonly Segment[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const literalA = 'literal' in a[index]!;
    const literalB = 'literal' in b[index]!;
    if (literalA !== literalB) return literalA ? -1 : 1;
  }
  // Only paths of one length compete; ordering by length keeps the comparison a total order.
  return a.length - b.length;
}

/**
 * The segments of a request path below the base path, percent-decoded; `ValidationError` at `path` for a malformed
 * escape. An empty segment (`/customers/`, `//x`) matches no route.
 */
export function pathSegments(path: string): string[] {
  const parts = path === '/' || path === '' ? [] : path.split('/').slice(1);
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    throw new ValidationError([{ path: ['path'], message: 'Malformed percent-encoding in the path' }], 'request');
  }
}

/** The route for `verb` at `segments`; the methods the path has when none is `verb`'s; `undefined` for no path. */
export function matchRoute(table: RouteTable, verb: string, segments: readonly string[]): RouteMatch | undefined {
  const allowed: RouteVerb[] = [];
  for (const { route, segments: pattern } of table.routes) {
    const params = fit(pattern, segments);
    if (!params) continue;
    if (route.verb === verb) return { route, params };
    if (!allowed.includes(route.verb)) allowed.push(route.verb);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}

function fit(pattern: readonly Segment[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const segment = pattern[index]!;
    const actual = segments[index]!;
    if (actual === '') return undefined;
    if ('literal' in segment) {
      if (segment.literal !== actual) return undefined;
    } else {
      params[segment.param] = actual;
    }
  }
  return params;
}
