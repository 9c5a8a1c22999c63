/**
 * The access policy: who may see and change which records, and who may do what only an administrator does. Core
 * applies it to every service call (see `guard.ts`), so a host's checks in its own UI are a convenience, never the
 * defence.
 *
 * A policy answers with a {@link Scope} per actor, collection and action: every record, none, or those a filter
 * matches. A filter is ANDed into every query (an adapter pushes it down to its indexes) and a single record read or
 * written is checked against it.
 *
 * @module
 */
import type { Filter } from '../filter/schema.js';
import type { UserRole } from '../model/user.js';

/** Which records an actor may read or write: all of them, none, or those the filter matches. */
export type Scope = boolean | Filter;

/** What an actor does to a collection's records. */
export type AccessAction = 'read' | 'write';

/**
 * What only some roles may do, beyond reading and writing records:
 * - `configure`: pipelines and stage gates, custom fields, users, teams (and automation);
 * - `backup`: export and import a whole snapshot;
 * - `audit`: read and verify the audit log;
 * - `pii`: see e-mail addresses, phone numbers and postal addresses unmasked;
 * - `actAs`: `crm.as(actor)`, acting as another user.
 */
export type Capability = 'configure' | 'backup' | 'audit' | 'pii' | 'actAs';

/** The actor as the policy sees it: who they are, their role, and the users of their teams. */
export interface PolicyActor {
  readonly id: string;
  readonly role: UserRole;
  /** The teams the actor manages or belongs to. */
  readonly teamIds: readonly string[];
  /** Every user of those teams (members and managers), the actor included. */
  readonly teamUserIds: readonly string[];
}

/** A host's policy. `createCrm({ policy })` takes one; {@link defaultAccessPolicy} is used otherwise. */
export interface AccessPolicy {
  /** The records of `collection` the actor may read or write. */
  scope(actor: PolicyActor, collection: string, action: AccessAction): Scope;
  /** Whether the actor has a capability. */
  allows(actor: PolicyActor, capability: Capability): boolean;
}

/** The field naming a record's owner, per owned collection: what the default policy scopes by. */
export const OWNER_FIELDS: Readonly<Record<string, string>> = {
  customers: 'ownerId',
  contacts: 'ownerId',
  leads: 'ownerId',
  deals: 'ownerId',
  activities: 'ownerId',
  tasks: 'assigneeId',
};

/** Collections whose records may be shared beyond their owner (`sharedWith`, indexed in `CRM_INDEXES`). */
export const SHARED_COLLECTIONS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'customers',
  'contacts',
  'leads',
  'deals',
]);

/** Collections that configure the CRM: every role reads them, only `configure` writes them. */
export const CONFIGURATION_COLLECTIONS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'pipelines',
  'customFieldDefinitions',
  'users',
  'teams',
]);

/**
 * The default policy:
 * - `admin`: every record, every capability;
 * - `manager`: the records owned by the users of their teams (themselves included);
 * - `rep`: the records they own (tasks: assigned to them);
 * - both also read, without changing them, the customers, contacts, leads and deals shared with them (`sharedWith`);
 * - `viewer`: reads every record with personal data masked, writes nothing.
 *
 * Everyone reads the configuration; only admins change it. The audit log is read through `crm.audit` (admins) and
 * written by core alone. Other collections (stage history, segments, aggregates, consents, quotas) follow the
 * records they belong to through the services that expose them.
 */
export const defaultAccessPolicy: AccessPolicy = {
  scope(actor, collection, action) {
    if (actor.role === 'admin') return true;
    if (collection === 'auditLog') return false;
    if (action === 'write' && actor.role === 'viewer') return false;
    if (CONFIGURATION_COLLECTIONS.has(collection)) return action === 'read';
    const owner = OWNER_FIELDS[collection];
    if (owner === undefined || actor.role === 'viewer') return true;
    const own: Filter =
      actor.role === 'manager'
        ? { field: owner, op: 'in', values: [...actor.teamUserIds] }
        : { field: owner, op: 'eq', value: actor.id };
    return action === 'read' && SHARED_COLLECTIONS.has(collection)
      ? { any: [own, { field: 'sharedWith', op: 'hasAny', values: [actor.id] }] }
      : own;
  },
  allows(actor, capability) {
    return actor.role === 'admin' || (capability === 'pii' && actor.role !== 'viewer');
  },
};
