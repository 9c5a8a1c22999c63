/**
 * The IndexedDB layout: which indexes each collection has, and the history of schema versions that leads to it.
 *
 * Dexie stores a declared version `v` as the native IndexedDB version `v × 10` (so that it can add fractional
 * "patch" versions of its own, e.g. 21 when it had to add a missing store to version 2 without a declared bump).
 * {@link schemaVersionOf} turns a native version back into ours.
 */
import type { Dexie, Transaction } from 'dexie';
import { CRM_COLLECTIONS, CRM_INDEXES as CRM_DESIGN, type CrmCollection, type IndexDesign } from '@crmkit/core';

/** The layout of schema version 2, kept as it shipped: history never changes. */
const CRM_INDEXES_V2 = {
  customers: 'id, ownerId, lifecycleStage, source, country, kind, name, createdAt, updatedAt, *tags, *emails, *phones',
  contacts: 'id, customerId, name, updatedAt, *emails, *phones',
  leads: 'id, ownerId, status, source, score, email, phone, name, createdAt, updatedAt, convertedCustomerId',
  deals:
    'id, ownerId, pipelineId, stageId, status, customerId, source, expectedCloseDate, closedAt, createdAt, updatedAt, amount.amountMinor, [pipelineId+stageId]',
  pipelines: 'id',
  stageChanges: 'id, dealId, toStageId, at',
  activities: 'id, customerId, contactId, leadId, dealId, ownerId, type, occurredAt',
  tasks: 'id, assigneeId, status, dueAt, related.id, updatedAt',
  users: 'id, teamId, role, email',
  teams: 'id',
  segments: 'id, entity',
  consents: 'id, subjectId, purpose',
  auditLog: 'id, at, entityId, actorId',
  customFieldDefinitions: 'id, entity',
} as const satisfies Readonly<Record<string, string>>;

/** The layout of schema version 3, kept as it shipped. */
const CRM_INDEXES_V3 = {
  ...CRM_INDEXES_V2,
  customers: `${CRM_INDEXES_V2.customers}, lastActivityAt`,
  leads: `${CRM_INDEXES_V2.leads}, lastActivityAt, campaign`,
  deals: `${CRM_INDEXES_V2.deals}, lastActivityAt`,
  tasks: `${CRM_INDEXES_V2.tasks}, completedAt, seriesId, [status+dueAt], [assigneeId+status+dueAt]`,
  assignmentState: 'id',
  firedReminders: 'id, taskId, firedAt',
  costEntries: 'id, source, campaign, from, to',
  quotas: 'id, userId, month',
  customerStats:
    'id, wonDeals, lastPurchaseAt, lastActivityAt, rfm.score, *openDealStageIds, *dealIds, *recentActivityIds',
  lifecycleChanges: 'id, customerId, at, ruleId, [customerId+at]',
  activities: `${CRM_INDEXES_V2.activities}, [customerId+occurredAt], [customerId+type]`,
} as const satisfies Readonly<Record<string, string>>;

/** The layout of schema version 4, kept as it shipped. */
const CRM_INDEXES_V4 = {
  ...CRM_INDEXES_V3,
  customers: `${CRM_INDEXES_V3.customers}, *matchKeys`,
  contacts: `${CRM_INDEXES_V3.contacts}, *matchKeys`,
  leads: `${CRM_INDEXES_V3.leads}, *matchKeys`,
} as const satisfies Readonly<Record<string, string>>;

/** The layout of schema version 5, kept as it shipped. */
const CRM_INDEXES_V5 = {
  ...CRM_INDEXES_V4,
  leads: `${CRM_INDEXES_V4.leads}, [ownerId+status]`,
} as const satisfies Readonly<Record<string, string>>;

/** One collection's layout in Dexie's syntax: the primary key `id`, then the index specs of the port's syntax. */
export function dexieLayout(specs: readonly string[]): string {
  return ['id', ...specs].join(', ');
}

/**
 * The indexes of every CRM collection in the current schema, in Dexie's syntax: the first entry is the primary key,
 * `*field` is a multi-entry index over an array's items, `a.b` a nested field, `[a+b]` a compound index. It is core's
 * index design (`CRM_INDEXES` of `@crmkit/core`, the single source of truth every adapter maintains) written for
 * Dexie; `capabilities.indexes` reports it in the port's syntax.
 *
 * Only fields whose values are valid IndexedDB keys (strings, numbers, ISO date strings, arrays of those) are indexed:
 * never booleans, which IndexedDB cannot index. A record whose value for an indexed field is missing, `null` or not
 * a valid key is simply left out of that index, so records with arbitrary fields can always be written.
 *
 * Lead capture stores `phone` normalised to E.164, so the `phone` index matches across formats; customers' `phones`
 * hold the numbers as entered. `matchKeys` (customers, contacts, leads) holds the normalised e-mail and phone keys
 * duplicate detection looks up.
 */
export const CRM_INDEXES: Readonly<Record<CrmCollection, string>> = /* @__PURE__ */ Object.freeze(
  Object.fromEntries(
    [...new Set([...CRM_COLLECTIONS, ...Object.keys(CRM_DESIGN)])].map((name) => [
      name,
      dexieLayout(Object.hasOwn(CRM_DESIGN, name) ? CRM_DESIGN[name]! : []),
    ]),
  ) as Record<CrmCollection, string>,
);

/** The layout of a collection this adapter has no index design for (a host's own collection): its primary key. */
export const PRIMARY_KEY_ONLY = 'id';

/** The index layout of one collection in the current schema. */
export function indexesOf(collection: string): string {
  return designOf(CRM_INDEXES, collection);
}

function designOf(design: Readonly<Record<string, string>>, collection: string): string {
  return Object.hasOwn(design, collection) ? design[collection]! : PRIMARY_KEY_ONLY;
}

/** One step of the schema history. */
export interface SchemaVersionStep {
  /**
   * Our version number (a positive integer; Dexie stores it as `version × 10`). What changed is said in a comment
   * above the step: it is for the people who read this history, not for the code.
   */
  readonly version: number;
  /** The layout of every store at this version, given the collections the database holds. */
  stores(collections: readonly string[]): Record<string, string | null>;
  /**
   * A data migration run inside the upgrade transaction, after the stores and indexes of this version exist, when a
   * database older than this version is opened. It may only use `tx` (no other awaits), like any transaction.
   */
  readonly upgrade?: (tx: Transaction) => Promise<void> | void;
}

/**
 * Every schema version this code knows, oldest first. Never edit a shipped step: databases in the wild are at
 * those versions. The newest step declares {@link CRM_INDEXES}, i.e. core's index design; once it has shipped, freeze
 * its layout as a literal (as `CRM_INDEXES_V5` is) before core's design changes, and append a step:
 *
 * ```ts
 * // 7: leads: index the score band.
 * {
 *   version: 7,
 *   stores: (collections) => layout(collections, indexesOf),
 *   upgrade: async (tx) => {
 *     await tx.table('leads').toCollection().modify((lead) => { lead.scoreBand = band(lead.score); });
 *   },
 * },
 * ```
 *
 * {@link DEXIE_SCHEMA_VERSION} follows the last step.
 */
export const SCHEMA_VERSIONS: readonly SchemaVersionStep[] = [
  // 1: One store per collection, keyed by id.
  {
    version: 1,
    stores: (collections) => layout(collections, () => PRIMARY_KEY_ONLY),
  },
  // 2: Indexes for CRM queries.
  {
    version: 2,
    stores: (collections) => layout(collections, (name) => designOf(CRM_INDEXES_V2, name)),
    // Adding indexes needs no data migration: IndexedDB builds them from the stored records. A later step that
    // reshapes records does it here, in `upgrade(tx)`.
  },
  // 3: Activity, timeline and due-list indexes.
  {
    version: 3,
    // The stores: reminders fired, lead-assignment rotation, costs, quotas, customer aggregates, lifecycle history.
    stores: (collections) => layout(collections, (name) => designOf(CRM_INDEXES_V3, name)),
  },
  // 4: customers, contacts, leads: *matchKeys.
  {
    version: 4,
    // No data migration: normalising a phone number needs metadata loaded asynchronously, which an upgrade
    // transaction cannot wait for, and keys written here would have to follow core's normalisation exactly. IndexedDB
    // builds the index from the records that carry matchKeys; records written before version 4 gain them when the
    // services next write them, and until then duplicate detection finds them through the e-mail and phone indexes
    // (customers and contacts: *emails, *phones; leads: email, phone).
    stores: (collections) => layout(collections, (name) => designOf(CRM_INDEXES_V4, name)),
  },
  // 5: leads: [ownerId+status].
  {
    version: 5,
    // No data migration: IndexedDB builds the index from the stored leads.
    stores: (collections) => layout(collections, (name) => designOf(CRM_INDEXES_V5, name)),
  },
  // 6: customers, contacts, leads, deals: *sharedWith.
  {
    version: 6,
    // No data migration: records without `sharedWith` are simply not in the index, as nobody shares them.
    stores: (collections) => layout(collections, indexesOf),
  },
];

/** The newest schema version this code knows: databases are migrated to it on open, newer ones are refused. */
export const DEXIE_SCHEMA_VERSION: number = SCHEMA_VERSIONS[SCHEMA_VERSIONS.length - 1]!.version;

/** How Dexie scales a declared version into the native IndexedDB version. */
export const NATIVE_VERSION_FACTOR = 10;

/** Our schema version of a database at this native IndexedDB version (`20` and Dexie's patch `21` are both 2). */
export function schemaVersionOf(nativeVersion: number): number {
  return Math.floor(nativeVersion / NATIVE_VERSION_FACTOR);
}

/** Declares the whole history on a Dexie instance (before it opens). */
export function declareSchema(
  db: Dexie,
  collections: readonly string[],
  indexes: Readonly<Record<string, string>> = {},
): void {
  const latest = SCHEMA_VERSIONS[SCHEMA_VERSIONS.length - 1];
  for (const step of SCHEMA_VERSIONS) {
    const stores = step.stores(collections);
    // A host's own index designs apply to the current layout (older steps describe what older code created).
    if (step === latest)
      for (const name of collections) if (Object.hasOwn(indexes, name)) stores[name] = indexes[name]!;
    const version = db.version(step.version).stores(stores);
    if (step.upgrade) version.upgrade(step.upgrade);
  }
}

/** A layout giving every collection the index spec `spec(name)`. */
export function layout(collections: readonly string[], spec: (name: string) => string): Record<string, string> {
  return Object.fromEntries(collections.map((name) => [name, spec(name)]));
}

/**
 * The index specs a Dexie layout declares, in the port's syntax (`parseIndexSpec` of `@crmkit/core`): the primary key
 * left out, and Dexie's unique marker `&` dropped (a unique index is still an index on its field).
 */
export function portSpecs(dexieLayout: string): string[] {
  return dexieLayout
    .split(',')
    .map((spec) => spec.trim())
    .slice(1)
    .filter((spec) => spec !== '')
    .map((spec) => spec.replace(/^&/, ''));
}

/**
 * What the current schema declares for `collections`, in the port's syntax: core's design, replaced for a collection
 * by the host's own layout when it gives one. Every collection is named, with no indexes when it has only its key.
 */
export function declaredIndexes(
  collections: readonly string[],
  hostLayouts: Readonly<Record<string, string>>,
): IndexDesign {
  return Object.freeze(
    Object.fromEntries(
      collections.map((name) => [
        name,
        Object.freeze(portSpecs(Object.hasOwn(hostLayouts, name) ? hostLayouts[name]! : indexesOf(name))),
      ]),
    ),
  );
}
