/**
 * Referential integrity: which records point at which, checked inside the writing transaction. A write that names a
 * record that does not exist is refused (`ValidationError` at the field); a delete of a record others point at is
 * refused (`DependantsError`) or, when the caller asks for it, deletes them too, each audited, in the same transaction.
 * Every lookup goes through an index of `CRM_INDEXES`: nothing is scanned.
 *
 * A lead's `convertedCustomerId` and `convertedDealId` are not references here: they record what the lead became, and
 * outlive it.
 */
import type { Guard } from '../access/guard.js';
import { underlying } from '../access/unguarded.js';
import { DependantsError, ValidationError, type ValidationIssue } from '../errors/errors.js';
import { getPath } from '../filter/path.js';
import type { Filter } from '../filter/schema.js';
import type { StorageOperations, StoredRecord } from '../storage/port.js';
import type { CrmEntityName, PendingEvent } from './events.js';
import { loadAll, loadAt, removeAudited, withoutMeta, type RecordContext } from './records.js';

/** One way the records of a collection point at another's: `from.field` holds an id in `to`. */
export interface Reference {
  readonly from: string;
  /** A dotted path, e.g. `related.id`. */
  readonly field: string;
  readonly to: string;
  /** When the pointing record says what it points at: the field saying so, and the value that means `to`. */
  readonly kind?: { readonly field: string; readonly value: string };
  /**
   * Part of the target (its stage history, its aggregate): deleted with it, unaudited, and never a dependant. Set
   * for records no service writes from input, so they are not checked on write either.
   */
  readonly owned?: true;
  /** The service checks the field itself on write, with its own message (a deal's pipeline). */
  readonly checkedByService?: true;
}

/** The references between the CRM's collections. */
export const CRM_REFERENCES: readonly Reference[] = /* @__PURE__ */ Object.freeze([
  { from: 'contacts', field: 'customerId', to: 'customers' },
  { from: 'deals', field: 'customerId', to: 'customers' },
  { from: 'deals', field: 'pipelineId', to: 'pipelines', checkedByService: true },
  { from: 'activities', field: 'customerId', to: 'customers' },
  { from: 'activities', field: 'contactId', to: 'contacts' },
  { from: 'activities', field: 'leadId', to: 'leads' },
  { from: 'activities', field: 'dealId', to: 'deals' },
  ...(['customer', 'lead', 'deal', 'contact'] as const).map((kind): Reference => ({
    from: 'tasks',
    field: 'related.id',
    to: `${kind}s`,
    kind: { field: 'related.kind', value: kind },
  })),
  ...(['customer', 'contact', 'lead'] as const).map((kind): Reference => ({
    from: 'consents',
    field: 'subjectId',
    to: `${kind}s`,
    kind: { field: 'subjectKind', value: kind },
  })),
  { from: 'stageChanges', field: 'dealId', to: 'deals', owned: true },
  { from: 'lifecycleChanges', field: 'customerId', to: 'customers', owned: true },
  { from: 'customerStats', field: 'id', to: 'customers', owned: true },
  { from: 'firedReminders', field: 'taskId', to: 'tasks', owned: true },
]);

/** The entity of each collection whose records may be deleted with another, for their `*.deleted` events. */
const ENTITY_OF: Readonly<Record<string, CrmEntityName>> = {
  customers: 'customer',
  contacts: 'contact',
  leads: 'lead',
  deals: 'deal',
  pipelines: 'pipeline',
  activities: 'activity',
  tasks: 'task',
};

const NOUN_OF: Readonly<Record<string, string>> = { ...ENTITY_OF };

const referencesFrom = (collection: string) => CRM_REFERENCES.filter((ref) => ref.from === collection);
const referencesTo = (collection: string) => CRM_REFERENCES.filter((ref) => ref.to === collection);

/** The records of `ref.from` that point at `id`. */
function pointingAt(ref: Reference, id: string): Filter {
  const byId: Filter = { field: ref.field, op: 'eq', value: id };
  return ref.kind ? { all: [byId, { field: ref.kind.field, op: 'eq', value: ref.kind.value }] } : byId;
}

/** The id `entity` holds for `ref`, when it points that way at all. */
function target(ref: Reference, entity: Record<string, unknown>): string | undefined {
  if (ref.kind && getPath(entity, ref.kind.field) !== ref.kind.value) return undefined;
  const id = getPath(entity, ref.field);
  return typeof id === 'string' ? id : undefined;
}

/**
 * Refuses `entity` (about to be written to `collection`, inside `tx`) when a reference names a record that does not
 * exist: `ValidationError` at the field (under `path`), e.g. `customerId: No customer with this id`. On update, pass
 * `before`: only references that changed are read again (a record pointed at cannot be deleted meanwhile). Read as
 * the actor: a record they may not read is, to them, no record.
 */
export async function checkReferences(
  tx: StorageOperations,
  collection: string,
  entity: Record<string, unknown>,
  path: readonly (string | number)[] = [],
  before?: Record<string, unknown>,
): Promise<void> {
  const issues: ValidationIssue[] = [];
  for (const ref of referencesFrom(collection)) {
    if (ref.owned || ref.checkedByService) continue;
    const id = target(ref, entity);
    if (id === undefined || (before && target(ref, before) === id)) continue;
    if (!(await tx.get(ref.to, id))) {
      issues.push({
        path: [...path, ...ref.field.split('.')],
        message: `No ${NOUN_OF[ref.to] ?? 'record'} with this id`,
      });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues, NOUN_OF[collection] ?? collection);
}

/**
 * How many records of each collection point at `collection/id`, its own records (`owned`) aside. Counted as the CRM
 * itself: a record the actor may not see still points at it.
 */
export async function countDependants(
  tx: StorageOperations,
  collection: string,
  id: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const all = underlying(tx);
  for (const ref of referencesTo(collection)) {
    if (ref.owned) continue;
    const count = await all.count(ref.from, pointingAt(ref, id));
    if (count > 0) counts[ref.from] = (counts[ref.from] ?? 0) + count;
  }
  return counts;
}

/** What to do with the records that point at a record being deleted. */
export type DependantsMode = 'refuse' | 'cascade';

/**
 * Runs inside a delete's transaction once every record is deleted, with the deleted records of one collection as they
 * were; resolves to the events to emit after commit. E.g. activities: the surviving records they were about get
 * their `lastActivityAt` again.
 */
export type RemovalHook = (
  tx: StorageOperations,
  removed: readonly Record<string, unknown>[],
  at: string,
) => Promise<readonly PendingEvent[]>;

/** Options of {@link removeWithDependants}. */
export interface RemovalOptions {
  /** `refuse` (default): `DependantsError` when any record points at it; `cascade`: delete those too. */
  readonly dependants?: DependantsMode | undefined;
  /** The version the record must be at (`ConflictError` otherwise). */
  readonly expectedVersion?: number | undefined;
  /** Per collection, what else a deletion there must do (see {@link RemovalHook}). */
  readonly hooks?: Readonly<Partial<Record<string, RemovalHook>>> | undefined;
}

/**
 * Deletes `collection/id` with the records it owns (stage history, aggregate), audited, inside `tx`; the records that
 * point at it are refused or deleted first (cascading through what points at them), each audited. Resolves to the
 * record as it was and the events to emit after commit: each cascaded record's `*.deleted`, then the hooks' — not the
 * record's own, which the caller emits.
 */
export async function removeWithDependants(
  context: RecordContext & { readonly actor: { readonly id: string }; readonly guard: Pick<Guard, 'checkWrite'> },
  tx: StorageOperations,
  collection: string,
  id: string,
  at: string,
  options: RemovalOptions = {},
): Promise<{ readonly before: StoredRecord; readonly events: PendingEvent[] }> {
  const current = await loadAt(tx, collection, id, options.expectedVersion);
  // An actor who may read the record but not change it (a share) learns nothing of what points at it.
  await context.guard.checkWrite(collection, current);
  if ((options.dependants ?? 'refuse') === 'refuse') {
    const counts = await countDependants(tx, collection, id);
    if (Object.keys(counts).length > 0) throw new DependantsError(collection, id, counts);
  }
  // Found as the CRM itself, deleted as the actor: a dependant the actor may not delete fails the whole delete.
  const all = underlying(tx);
  const removed = new Map<string, Record<string, unknown>[]>();
  const seen = new Set<string>();
  const events: PendingEvent[] = [];
  const remove = async (name: string, recordId: string, expectedVersion?: number): Promise<void> => {
    seen.add(`${name}/${recordId}`);
    for (const ref of referencesTo(name)) {
      if (ref.owned) {
        if (ref.field === 'id') {
          if (await all.get(ref.from, recordId)) await all.delete(ref.from, recordId);
          continue;
        }
        for (const record of await loadAll(all, ref.from, pointingAt(ref, recordId))) {
          await all.delete(ref.from, record.id);
        }
        continue;
      }
      for (const record of await loadAll(all, ref.from, pointingAt(ref, recordId))) {
        if (seen.has(`${ref.from}/${record.id}`)) continue;
        await remove(ref.from, record.id);
        const list = removed.get(ref.from) ?? [];
        list.push(withoutMeta(record));
        removed.set(ref.from, list);
        const entity = ENTITY_OF[ref.from];
        if (entity) events.push([`${entity}.deleted`, { entity, id: record.id, actorId: context.actor.id, at }]);
      }
    }
    await removeAudited(context, tx, name, recordId, at, expectedVersion);
  };
  await remove(collection, id, options.expectedVersion);
  for (const [name, records] of removed) {
    const hook = options.hooks?.[name];
    if (hook) events.push(...(await hook(tx, records, at)));
  }
  return { before: current, events };
}
