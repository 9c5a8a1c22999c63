/**
 * The crmkit CRM over HTTP: `createRemoteCrm` implements the `Crm` interface against `@crmkit/server`, and `ROUTES`
 * is the protocol both sides share.
 *
 * @packageDocumentation
 * @module @crmkit/client
 */
export { ROUTES } from './protocol.js';
export type { Route, RouteArg, RouteVerb } from './protocol.js';
