/**
 * The crmkit CRM over HTTP: `createRemoteCrm` implements the `Crm` interface against `@crmkit/server`, so the
 * elements work unchanged whether the CRM runs in the page or on a server; `ROUTES` is the protocol both sides share.
 *
 * @packageDocumentation
 * @module @crmkit/client
 */
export { createRemoteCrm, type RemoteCrm } from './remote-crm.js';
export type { RemoteCrmOptions, RemoteFetch } from './options.js';
export { ANY_RECORD, isResetChange } from './changes.js';
export { ROUTES } from './protocol.js';
export type { Route, RouteArg, RouteVerb } from './protocol.js';
