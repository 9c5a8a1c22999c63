/**
 * `createCrm()`: every domain's service wired over one storage adapter, and the kernel's public names (events,
 * collections, the entity service's types, audit helpers).
 *
 * @module
 */
export { createCrm } from './create-crm.js';
export type { Crm, CreateCrmOptions, CrmAudit, CrmReminderOptions, CrmRecords } from './create-crm.js';
export type { AuditHead, AuditVerification, AuditBreakReason } from '../kernel/audit-log.js';
export type { BackgroundErrorContext, BackgroundErrorEvent, BackgroundErrorHandler } from '../kernel/background.js';
export type { CrmBackup } from '../backup/backup.service.js';
export {
  defaultAccessPolicy,
  OWNER_FIELDS,
  CONFIGURATION_COLLECTIONS,
  type AccessPolicy,
  type AccessAction,
  type Capability,
  type PolicyActor,
  type Scope,
} from '../access/policy.js';
export type { CrmActor, CrmContext } from '../kernel/context.js';
export type {
  EntityService,
  EntityPage,
  GuardedWrite,
  RemoveOptions,
  VersionedWrite,
} from '../kernel/entity-service.js';
export { CRM_REFERENCES } from '../kernel/references.js';
export type { DependantsMode, Reference } from '../kernel/references.js';
export { CrmEvents } from '../kernel/events.js';
export type { PendingEvent } from '../kernel/events.js';
export type { CrmEventMap, CrmEventName, CrmEventBase, CrmUpdatedEvent, CrmEntityName } from '../kernel/events.js';
export { CRM_COLLECTIONS, AUDIT_COLLECTION } from '../kernel/collections.js';
export type { CrmCollection } from '../kernel/collections.js';
export { changedFieldNames, canonicalJson } from '../kernel/audit.js';
