import { PermissionError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import {
  CUSTOM_FIELDS_COLLECTION,
  customFieldDefinitionSchema,
  type CustomFieldDefinition,
  type CustomFieldEntity,
} from '../model/custom-fields.js';
import { auditEntryInputSchema, type AuditEntryInput } from '../model/compliance.js';
import type { ExchangeRates, ExchangeRateTable } from '../money/exchange.js';
import type { IdGenerator } from '../model/primitives.js';
import type { UserRole } from '../model/user.js';
import type { StorageOperations, StoragePort } from '../storage/port.js';
import { AUDIT_COLLECTION } from './collections.js';
import type { CrmEvents } from './events.js';
import { storedReader } from './records.js';

const readDefinition = /* @__PURE__ */ storedReader(customFieldDefinitionSchema, 'custom field');

/** Who is acting: every write is attributed to them, and their role decides what they may do. */
export interface CrmActor {
  readonly id: string;
  /** `viewer`s may read but not write. Default `rep`. */
  readonly role?: UserRole;
}

/** What the services share: storage, actor, clock, ids, events and the audit log. */
export interface CrmContext {
  readonly storage: StoragePort;
  readonly actor: CrmActor;
  readonly events: CrmEvents;
  readonly timeZone: string;
  readonly currency: string;
  /** The host's exchange rates into `currency`, when it gave some; every total across currencies uses them. */
  readonly exchangeRates: ExchangeRateTable | undefined;
  now(): Date;
  nowIso(): string;
  newId(): string;
  assertCanWrite(action: string): void;
  /** Records an audit entry inside the caller's transaction, so the entry and the change commit together. */
  audit(ops: StorageOperations, entry: Omit<AuditEntryInput, 'actorId'>): Promise<void>;
  /** Stops the context's own storage subscription (the custom-field cache). */
  dispose(): void;
  /** The custom field definitions of one entity, sorted by key; cached until a definition changes. */
  customFieldDefinitions(ops: StorageOperations, entity: CustomFieldEntity): Promise<readonly CustomFieldDefinition[]>;
}

/**
 * The rates a total in `currency` uses: those the caller gave, else the CRM's own when `currency` is the CRM's (its
 * table is into the CRM's currency), else none.
 */
export function ratesFor(
  context: Pick<CrmContext, 'currency' | 'exchangeRates'>,
  currency: string,
  requested: ExchangeRates | undefined,
): ExchangeRates | undefined {
  return requested ?? (currency === context.currency ? context.exchangeRates?.rates : undefined);
}

export function createContext(options: {
  storage: StoragePort;
  actor: CrmActor;
  events: CrmEvents;
  clock: () => Date;
  idGenerator: IdGenerator;
  timeZone: string;
  currency: string;
  exchangeRates?: ExchangeRateTable | undefined;
}): CrmContext {
  const { storage, actor, events, clock, idGenerator } = options;
  // Definitions are read on every write of an entity with custom fields: keep them until one changes. The cached
  // array's identity is what the compiled-schema cache keys on, so it must stay the same object while valid.
  let definitionsCache: Map<CustomFieldEntity, readonly CustomFieldDefinition[]> | undefined;
  const unsubscribe = storage.subscribe((changes) => {
    if (changes.some((change) => change.collection === CUSTOM_FIELDS_COLLECTION)) definitionsCache = undefined;
  });

  return {
    storage,
    actor,
    events,
    timeZone: options.timeZone,
    currency: options.currency,
    exchangeRates: options.exchangeRates,
    now: () => clock(),
    nowIso: () => clock().toISOString(),
    newId: () => idGenerator(),
    dispose() {
      unsubscribe();
      definitionsCache = undefined;
    },
    assertCanWrite(action) {
      if (actor.role === 'viewer') throw new PermissionError(action, `A viewer may not ${action}`);
    },
    async audit(ops, entry) {
      const parsed = parseOrThrow(auditEntryInputSchema, { ...entry, actorId: actor.id }, 'audit entry');
      await ops.put(AUDIT_COLLECTION, { ...parsed, id: idGenerator() }, { expectedVersion: 0 });
    },
    async customFieldDefinitions(ops, entity) {
      if (!definitionsCache) {
        const page = await ops.query(CUSTOM_FIELDS_COLLECTION, { orderBy: [{ field: 'key' }] });
        const all = page.records.map(readDefinition);
        definitionsCache = new Map();
        for (const definition of all) {
          const list = (definitionsCache.get(definition.entity) ?? []) as CustomFieldDefinition[];
          list.push(definition);
          definitionsCache.set(definition.entity, list);
        }
      }
      return definitionsCache.get(entity) ?? EMPTY;
    },
  };
}

const EMPTY: readonly CustomFieldDefinition[] = /* @__PURE__ */ Object.freeze([]);
