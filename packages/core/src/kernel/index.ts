/**
 * The write kernel every service stands on: the context (storage, actor, clock, ids, audit), the event bus, the
 * stored-record functions (`records.ts`) and the generic entity service. Domain services import it; pure domain files
 * never do (lint enforces it).
 *
 * @module
 */
export { createContext, ratesFor, type CrmActor, type CrmContext } from './context.js';
export {
  CrmEvents,
  type CrmEventMap,
  type CrmEventName,
  type CrmEventBase,
  type CrmUpdatedEvent,
  type CrmEntityName,
  type PendingEvent,
} from './events.js';
export { changedFieldNames, canonicalJson } from './audit.js';
export { CRM_COLLECTIONS, AUDIT_COLLECTION, type CrmCollection } from './collections.js';
export {
  createEntityService,
  knownKeysOnly,
  versionedWriteSchema,
  type EntityDescriptor,
  type EntityService,
  type EntityPage,
  type VersionedWrite,
} from './entity-service.js';
export * from './records.js';
export { readPolicy } from './trusted.js';
