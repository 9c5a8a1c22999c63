/**
 * The crmkit CRM as a web-standard `Request → Response` handler: core's services run with the access policy for the
 * actor the host authenticated, live changes stream over SSE, and `/openapi.json` describes every route.
 *
 * @packageDocumentation
 * @module @crmkit/server
 */
export { ROUTES } from '@crmkit/client';
export type { Route, RouteArg, RouteVerb } from '@crmkit/client';
export { createCrmHandler } from './handler.js';
export type { CrmHandler } from './handler.js';
export type {
  Authenticated,
  CrmHandlerChangeOptions,
  CrmHandlerLimits,
  CrmHandlerOptions,
  OpenApiOptions,
} from './options.js';
export { HttpError, ServerErrorCode } from './errors.js';
export { PROBLEM_TYPE_BASE, problemOf } from './problem.js';
export type { Problem, ProblemContext } from './problem.js';
export { createOpenApiDocument } from './openapi.js';
export type { OpenApiDocument } from './openapi.js';
export { toNodeListener } from './node.js';
export type { NodeListenerOptions, NodeRequestLike, NodeResponseLike } from './node.js';
export { jwtAuthenticator } from './auth.js';
export type { JwtAuthenticatorOptions } from './auth.js';
export { REPLAYED_HEADER } from './idempotency.js';
