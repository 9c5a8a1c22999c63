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
import { createGuard, type Guard } from '../access/guard.js';
import { underlying } from '../access/unguarded.js';
import { defaultAccessPolicy, type AccessPolicy } from '../access/policy.js';
import { appendAuditEntry } from './audit-log.js';
import type { CrmEvents } from './events.js';
import { storedReader } from './records.js';

const readDefinition = /* @__PURE__ */ storedReader(customFieldDefinitionSchema, 'custom field');

/** Who is acting: every write is attributed to them, and their role decides what they may do. */
export interface CrmActor {
  readonly id: string;
  /** What the access policy lets them do (see the security guide). Default `rep`. */
  readonly role?: UserRole;
}

/** What the services share: storage, actor, clock, ids, events and the audit log. */
export interface CrmContext {
  /** The port as the actor may use it: the access policy applied to every read and write (`access/guard.ts`). */
  readonly storage: StoragePort;
  /**
   * The port underneath, for what the CRM does for itself whatever the actor may see: background aggregates and
   * re-scoring, de-duplication and assignment across owners, the audit log. Never handed to a caller.
   */
  readonly system: StoragePort;
  /** The access policy applied to this actor. */
  readonly guard: Guard;
  readonly actor: Readonly<Required<CrmActor>>;
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
  policy?: AccessPolicy;
  events: CrmEvents;
  clock: () => Date;
  idGenerator: IdGenerator;
  timeZone: string;
  currency: string;
  exchangeRates?: ExchangeRateTable | undefined;
}): CrmContext {
  const { storage, events, clock, idGenerator } = options;
  // A frozen copy: changing the caller's object afterwards changes nothing; acting as someone else is a new CRM.
  const actor = Object.freeze({ id: options.actor.id, role: options.actor.role ?? 'rep' });
  // Definitions are read on every write of an entity with custom fields: keep them until one changes. The cached
  // array's identity is what the compiled-schema cache keys on, so it must stay the same object while valid.
  let definitionsCache: Map<CustomFieldEntity, readonly CustomFieldDefinition[]> | undefined;
  const unsubscribe = storage.subscribe((changes) => {
    if (changes.some((change) => change.collection === CUSTOM_FIELDS_COLLECTION)) definitionsCache = undefined;
  });

  const guard = createGuard(storage, options.policy ?? defaultAccessPolicy, actor);

  return {
    storage: guard.port(),
    system: storage,
    guard,
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
      guard.dispose();
      definitionsCache = undefined;
    },
    assertCanWrite(action) {
      if (actor.role === 'viewer') throw new PermissionError(action, `A viewer may not ${action}`);
    },
    async audit(ops, entry) {
      const parsed = parseOrThrow(auditEntryInputSchema, { ...entry, actorId: actor.id }, 'audit entry');
      // The CRM's own write: the actor's scope (which may hide the log from them) must not decide the chain's head.
      await appendAuditEntry(underlying(ops), parsed);
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
