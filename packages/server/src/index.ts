/**
 * The crmkit CRM as a web-standard `Request → Response` handler: core's services run with the access policy for the
 * actor the host authenticated, live changes stream over SSE, and `/openapi.json` describes every route.
 *
 * @packageDocumentation
 * @module @crmkit/server
 */
export { ROUTES } from '@crmkit/client';
