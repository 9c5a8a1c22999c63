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
export {
  appendAuditEntry,
  auditHead,
  verifyAuditLog,
  type AuditBreakReason,
  type AuditEntryContent,
  type AuditHead,
  type AuditVerification,
} from './audit-log.js';
export { sha256 } from './sha256.js';
export { CRM_COLLECTIONS, AUDIT_COLLECTION, type CrmCollection } from './collections.js';
export {
  createEntityService,
  knownKeysOnly,
  objectInput,
  versionedWriteSchema,
  guardedWrite,
  guardedWriteSchema,
  removeOptionsSchema,
  GUARDED_WRITE_MESSAGE,
  type EntityDescriptor,
  type EntityService,
  type EntityPage,
  type GuardedWrite,
  type RemoveOptions,
  type VersionedWrite,
} from './entity-service.js';
export {
  CRM_REFERENCES,
  checkReferences,
  countDependants,
  removeWithDependants,
  type DependantsMode,
  type Reference,
  type RemovalHook,
  type RemovalOptions,
} from './references.js';
export * from './records.js';
export { readPolicy } from './trusted.js';
export {
  defaultBackgroundErrorHandler,
  type BackgroundErrorContext,
  type BackgroundErrorEvent,
  type BackgroundErrorHandler,
} from './background.js';
export { checkSnapshotRecords, SNAPSHOT_MAX_ISSUES } from './snapshot-check.js';
