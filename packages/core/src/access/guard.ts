/**
 * The guarded port: the storage port as one actor may use it. Every service reads and writes through it, so the
 * policy holds for every caller without each service repeating it:
 * - a query or count has the actor's read scope ANDed into its `where` (the adapter pushes it down);
 * - a single record outside the read scope reads as absent, so its existence is not revealed either;
 * - a write outside the write scope, of the record as it was or as it would be, is a `PermissionError`;
 * - outside a transaction, records come back with personal data masked for an actor without `pii`, pages carry
 *   opaque cursors that name a record, never its values, and a `where` over the input limits is refused.
 *
 * Work the CRM does for itself (audit appends, background aggregates, de-duplication across owners) uses the port
 * underneath, which no public API hands out.
 *
 * @module
 */
import { PermissionError, ValidationError } from '../errors/errors.js';
import { compileFilter, type FilterPredicate } from '../filter/compile.js';
import { checkFilterLimits } from '../filter/schema.js';
import type { Filter } from '../filter/schema.js';
import type { UserRole } from '../model/user.js';
import { maskAddress, maskEmail, maskPhone } from '../privacy/mask.js';
import type { Address } from '../model/primitives.js';
import type { QueryOptions, QueryPage, StorageOperations, StoragePort, StoredRecord } from '../storage/port.js';
import { encodeCursor } from '../storage/query.js';
import { unguarded } from './unguarded.js';
import type { CrmCollection } from '../kernel/collections.js';
import { fromStorage } from '../kernel/records.js';
import { recordSchemas } from '../kernel/snapshot-check.js';
import type { AccessAction, AccessPolicy, Capability, PolicyActor } from './policy.js';

/** A scope ready to apply: the filter to AND into queries and the check of one record. */
interface Applied {
  readonly none: boolean;
  readonly filter?: Filter;
  readonly allows: FilterPredicate;
}

const ALL: Applied = { none: false, allows: () => true };
const NONE: Applied = { none: true, allows: () => false };

/** The policy applied for one actor; shared by every port and transaction of one `crm`. */
export interface Guard {
  /** The actor as the policy sees it, teams resolved (re-read when teams change). */
  actor(): Promise<PolicyActor>;
  /** Whether the actor has a capability. */
  allows(capability: Capability): Promise<boolean>;
  /** Throws `PermissionError` naming `action` unless the actor has the capability. */
  require(capability: Capability, action: string): Promise<void>;
  /** `ops` restricted to the actor's scopes; `masked` for reads handed out (outside transactions). */
  operations(ops: StorageOperations, outside: boolean): StorageOperations;
  /** The port restricted to the actor's scopes. */
  port(): StoragePort;
  /** Throws `PermissionError` unless the actor may write this record of `collection` (as it would be stored). */
  checkWrite(collection: string, record: unknown): Promise<void>;
  /** Stops following team changes. */
  dispose(): void;
}

/**
 * Builds the guard of one actor over `raw`. Teams are read from `raw` when first needed and again after a change to
 * `teams` or `users`.
 */
export function createGuard(
  raw: StoragePort,
  policy: AccessPolicy,
  actor: { readonly id: string; readonly role: UserRole },
): Guard {
  let resolved: Promise<PolicyActor> | undefined;
  let scopes = new Map<string, Applied>();
  const unsubscribe = raw.subscribe((changes) => {
    if (changes.some((change) => change.collection === 'teams' || change.collection === 'users')) {
      resolved = undefined;
      scopes = new Map();
    }
  });

  // A failed read of the teams is not kept: the next call tries again.
  const resolve = (): Promise<PolicyActor> =>
    (resolved ??= (async () => {
      const page = await raw.query<{ managerId?: string; memberIds?: string[] }>('teams');
      const teamIds: string[] = [];
      const users = new Set([actor.id]);
      for (const team of page.records) {
        const members = Array.isArray(team.memberIds) ? team.memberIds : [];
        if (team.managerId !== actor.id && !members.includes(actor.id)) continue;
        teamIds.push(team.id);
        if (team.managerId) users.add(team.managerId);
        for (const member of members) users.add(member);
      }
      return Object.freeze({
        id: actor.id,
        role: actor.role,
        teamIds: Object.freeze(teamIds),
        teamUserIds: Object.freeze([...users]),
      });
    })().catch((error: unknown) => {
      resolved = undefined;
      throw error;
    }));

  const scopeOf = async (collection: string, action: AccessAction): Promise<Applied> => {
    const key = `${action}:${collection}`;
    const known = scopes.get(key);
    if (known) return known;
    const scope = policy.scope(await resolve(), collection, action);
    const applied: Applied =
      scope === true ? ALL : scope === false ? NONE : { none: false, filter: scope, allows: compileFilter(scope) };
    scopes.set(key, applied);
    return applied;
  };

  const allows = async (capability: Capability) => policy.allows(await resolve(), capability);

  const refuse = (collection: string): never => {
    throw new PermissionError(`${collection}.write`, `Not permitted to change this ${collection} record`);
  };

  const operations = (ops: StorageOperations, outside: boolean): StorageOperations => {
    // Personal data is masked where records leave core, never inside a write (which would store the mask).
    // The record is checked before it is masked (a full parse when its adapter holds foreign data): the masked copy
    // would fail the check the services make of what they read, so it is passed on unmarked.
    const view = async (collection: string): Promise<Mask | undefined> =>
      outside && MASKED.has(collection) && !(await allows('pii'))
        ? <R extends object>(record: R) =>
            maskRecord(fromStorage(recordSchemas[collection as CrmCollection]!, record, collection) as R)
        : undefined;
    const guarded: StorageOperations = {
      async get<T extends object>(collection: string, id: string) {
        const scope = await scopeOf(collection, 'read');
        if (scope.none) return undefined;
        const record = await ops.get<T>(collection, id);
        if (!record || !scope.allows(record)) return undefined;
        const mask = await view(collection);
        return mask ? (mask(record) as StoredRecord<T>) : record;
      },
      async getMany<T extends object>(collection: string, ids: readonly string[]) {
        const scope = await scopeOf(collection, 'read');
        if (scope.none) return ids.map(() => undefined);
        const mask = await view(collection);
        return (await ops.getMany<T>(collection, ids)).map((record) =>
          record && scope.allows(record) ? (mask ? (mask(record) as StoredRecord<T>) : record) : undefined,
        );
      },
      async query<T extends object>(collection: string, options: QueryOptions = {}): Promise<QueryPage<T>> {
        if (outside) checkFilterLimits(options.where, ['where']);
        const scope = await scopeOf(collection, 'read');
        if (scope.none) return { records: [] };
        const where = both(options.where, scope.filter);
        const after = options.after === undefined || !outside ? options.after : await resume(ops, collection, options);
        const page = await ops.query<T>(collection, {
          ...options,
          ...(where ? { where } : {}),
          ...(after === undefined ? {} : { after }),
        });
        const mask = await view(collection);
        const records = mask ? page.records.map((record) => mask(record) as StoredRecord<T>) : page.records;
        if (page.next === undefined) return { records };
        const last = page.records[page.records.length - 1];
        return { records, next: outside && last ? CURSOR + last.id : page.next };
      },
      async count(collection, where) {
        if (outside) checkFilterLimits(where, ['where']);
        const scope = await scopeOf(collection, 'read');
        return scope.none ? 0 : ops.count(collection, both(where, scope.filter));
      },
      async put(collection, record, options) {
        const scope = await scopeOf(collection, 'write');
        if (scope.none || !scope.allows(record)) refuse(collection);
        if (scope.filter && options.expectedVersion !== 0) {
          const before = await ops.get(collection, record.id);
          if (before && !scope.allows(before)) refuse(collection);
        }
        return ops.put(collection, record, options);
      },
      async delete(collection, id, options) {
        const scope = await scopeOf(collection, 'write');
        if (scope.none) refuse(collection);
        if (scope.filter) {
          const before = await ops.get(collection, id);
          if (before && !scope.allows(before)) refuse(collection);
        }
        return ops.delete(collection, id, options);
      },
    };
    unguarded.set(guarded, ops);
    return guarded;
  };

  return {
    actor: resolve,
    allows,
    async require(capability, action) {
      if (!(await allows(capability))) throw new PermissionError(action);
    },
    operations,
    port() {
      const port: StoragePort = {
        ...operations(raw, true),
        capabilities: raw.capabilities,
        // The actor is resolved first: an IndexedDB transaction ends at an await that is not its own.
        transaction: async (body, options) => {
          await resolve();
          return raw.transaction((tx) => body(operations(tx, false)), options);
        },
        subscribe: (listener) => raw.subscribe(listener),
        // Only core calls it, with filters it has validated.
        matchIds:
          raw.matchIds &&
          (async (collection, query) => {
            const scope = await scopeOf(collection, 'read');
            return scope.none ? [] : raw.matchIds!(collection, { ...query, where: both(query.where, scope.filter)! });
          }),
        exportSnapshot: async () => refuse('snapshot'),
        importSnapshot: async () => refuse('snapshot'),
        close: () => raw.close(),
      };
      unguarded.set(port, raw);
      return port;
    },
    async checkWrite(collection, record) {
      const scope = await scopeOf(collection, 'write');
      if (scope.none || !scope.allows(record)) refuse(collection);
    },
    dispose: unsubscribe,
  };
}

/** Pages handed out name the record they continue after: `c:` and its id. */
const CURSOR = 'c:';

/** The adapter's cursor for an opaque one: the sort key of the record it names, read as it is now. */
async function resume(ops: StorageOperations, collection: string, options: QueryOptions): Promise<string> {
  const token = options.after as string;
  const id = typeof token === 'string' && token.startsWith(CURSOR) ? token.slice(CURSOR.length) : '';
  const record = id === '' ? undefined : await ops.get(collection, id);
  if (!record) {
    throw new ValidationError(
      [
        {
          path: ['after'],
          message: id === '' ? 'Not a cursor of this query' : 'The record this page ended at is gone',
        },
      ],
      'query',
    );
  }
  return encodeCursor(record, options.orderBy ?? []);
}

function both(where: Filter | undefined, scope: Filter | undefined): Filter | undefined {
  if (!scope) return where;
  return where ? { all: [where, scope] } : scope;
}

type Mask = <R extends object>(record: R) => R;

const strings = (value: unknown, hide: (text: string) => string): unknown =>
  Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? hide(item) : item)) : value;

/** A copy of a record with its e-mail, phone and address fields masked and its match keys (normalised PII) left out. */
const maskRecord: Mask = (record) => {
  const { matchKeys: _keys, ...copy } = record as Record<string, unknown>;
  const out = copy as Record<string, unknown>;
  if (out['emails'] !== undefined) out['emails'] = strings(out['emails'], maskEmail);
  if (out['phones'] !== undefined) out['phones'] = strings(out['phones'], maskPhone);
  if (typeof out['email'] === 'string') out['email'] = maskEmail(out['email']);
  if (typeof out['phone'] === 'string') out['phone'] = maskPhone(out['phone']);
  if (typeof out['address'] === 'object' && out['address'] !== null) {
    out['address'] = maskAddress(out['address'] as Address);
  }
  return copy as typeof record;
};

/** The collections holding personal contact data (`emails`/`email`, `phones`/`phone`, `address`, match keys). */
const MASKED: ReadonlySet<string> = new Set(['customers', 'contacts', 'leads', 'users']);
