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
  CrmHandlerRateLimits,
  OpenApiOptions,
} from './options.js';
export type { RateLimit } from './rate-limit.js';
export { DEFAULT_FORM_FIELDS, PUBLIC_LEAD_FIELDS } from './web-to-lead.js';
export type { PublicLeadField, WebToLeadForm, WebToLeadOptions } from './web-to-lead.js';
export { HttpError, ServerErrorCode, failureSummary } from './errors.js';
export { PROBLEM_TYPE_BASE, problemOf } from './problem.js';
export type { Problem, ProblemContext } from './problem.js';
export { createOpenApiDocument } from './openapi.js';
export type { OpenApiDocument } from './openapi.js';
export { clientAddressOf, toNodeListener } from './node.js';
export type { NodeListenerOptions, NodeRequestLike, NodeResponseLike } from './node.js';
export { jwtAuthenticator } from './auth.js';
export type { JwtAuthenticatorOptions } from './auth.js';
export { sessionCookieAuthenticator } from './cookie-session.js';
export type { SessionCookieAuthenticatorOptions } from './cookie-session.js';
export { REPLAYED_HEADER } from './idempotency.js';
