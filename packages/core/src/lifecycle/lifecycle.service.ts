/**
 * The customer lifecycle over the port: stage moves with their history records and audit entries (by hand, or by the
 * rules the aggregate updates trigger, or by the periodic sweep). `crm.customers` carries these operations.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import {
  fromStorage,
  loadAll,
  loadAt,
  updateAudited,
  versionedWriteSchema,
  withoutMeta,
  written,
  type EntityPage,
  type VersionedWrite,
} from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import { customerSchema, type Customer } from '../model/customer.js';
import type { StorageOperations, StoredRecord } from '../storage/port.js';
import type { CustomerAggregates, StoredCustomerStats } from '../customers/aggregates.service.js';
import {
  LIFECYCLE_CHANGES_COLLECTION,
  lifecycleChangeSchema,
  type CustomerLifecycleChangedEvent,
  type LifecycleChange,
} from './events.js';
import {
  DEFAULT_LIFECYCLE,
  evaluateLifecycle,
  parseLifecycleConfig,
  type LifecycleConfig,
  type LifecycleMove,
  type LifecycleTrigger,
} from './rules.js';

/** The lifecycle operations of `crm.customers`. */
export interface LifecycleOperations {
  /** The configured lifecycle (stages with en / zh-CN names, and rules). */
  readonly lifecycle: LifecycleConfig;
  /** Moves a customer to a stage by hand (backward moves allowed), recording `manual` in the history. */
  setLifecycleStage(id: string, stage: string, options: VersionedWrite): Promise<Customer>;
  /** Lifecycle history, newest first. */
  lifecycleHistory(id: string, options?: { limit?: number; after?: string }): Promise<EntityPage<LifecycleChange>>;
  /** Evaluates the lifecycle rules for one customer on a trigger and applies the move, if any. */
  applyLifecycleRules(id: string, trigger: LifecycleTrigger): Promise<LifecycleMove | undefined>;
  /** Runs the `sweep` rules (e.g. no purchase in N days → at risk) over every customer; returns how many moved. */
  sweepLifecycle(): Promise<number>;
}

const CUSTOMERS = 'customers';
const historyOptionsSchema = /* @__PURE__ */ z.strictObject({
  limit: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
  after: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
});

/**
 * Builds the lifecycle operations over the CRM's context, and subscribes the rules to aggregate updates. `checkStage`
 * is for the customer service: a stage given on create must be a configured one.
 */
export function createLifecycleService(
  context: CrmContext,
  options: { readonly aggregates: CustomerAggregates; readonly config?: LifecycleConfig | undefined },
): LifecycleOperations & { checkStage(stage: unknown, path: string): void } {
  const { aggregates } = options;
  const lifecycle = options.config ? parseLifecycleConfig(options.config) : DEFAULT_LIFECYCLE;
  const stageIds = new Set(lifecycle.stages.map((stage) => stage.id));
  const checkStage = (stage: unknown, path: string): void => {
    if (stage !== undefined && (typeof stage !== 'string' || !stageIds.has(stage))) {
      throw new ValidationError(
        [{ path: [path], message: `Expected a configured lifecycle stage: ${[...stageIds].join(', ')}` }],
        'customer',
      );
    }
  };

  const emit = (payload: CustomerLifecycleChangedEvent): void =>
    context.events.emit('customer.lifecycleChanged', payload);

  /** Moves the customer inside one transaction: the stage, the history record and the audit entry commit together. */
  const move = async (
    id: string,
    to: string,
    ruleId: string,
    trigger: string,
    expect: (tx: StorageOperations, current: StoredRecord) => number | undefined,
    port = context.storage,
  ): Promise<{ customer: Customer; change?: LifecycleChange }> => {
    const at = context.nowIso();
    const result = await port.transaction(async (tx) => {
      const current = await loadAt(tx, CUSTOMERS, id);
      const expectedVersion = expect(tx, current);
      const from = String(current['lifecycleStage']);
      if (expectedVersion === undefined || from === to) {
        return { stored: current, change: undefined };
      }
      const change = await tx.put(
        LIFECYCLE_CHANGES_COLLECTION,
        { id: context.newId(), customerId: id, from, to, ruleId, trigger, at, by: context.actor.id },
        { expectedVersion: 0 },
      );
      const { record: stored } = await updateAudited(
        context,
        tx,
        CUSTOMERS,
        current,
        { ...withoutMeta(current), lifecycleStage: to },
        at,
        { expectedVersion, changedFields: ['lifecycleStage'] },
      );
      return { stored, change: written<LifecycleChange>(change) };
    });
    const customer = fromStorage(customerSchema, result.stored, 'customer');
    if (result.change) {
      context.events.emit('customer.updated', {
        entity: 'customer',
        id,
        actorId: context.actor.id,
        at,
        changedFields: ['lifecycleStage'],
      });
      emit({
        customerId: id,
        from: result.change.from,
        to: result.change.to,
        ruleId,
        changeId: result.change.id,
        actorId: context.actor.id,
        at,
      });
    }
    return { customer, ...(result.change ? { change: result.change } : {}) };
  };

  // Rules run as the CRM itself after any actor's change (`context.system`), or as the actor who asks for them.
  const applyLifecycleRules = async (
    id: string,
    trigger: LifecycleTrigger,
    port = context.storage,
    // Given by the aggregate's own rewrite, which has just computed it.
    stats?: StoredCustomerStats,
  ): Promise<LifecycleMove | undefined> => {
    const record = await port.get(CUSTOMERS, id);
    if (!record) return undefined;
    const customer = fromStorage(customerSchema, record, 'customer');
    const decision = evaluateLifecycle({
      config: lifecycle,
      trigger,
      customer,
      stats: stats ?? (await aggregates.get(id)),
      now: context.now(),
    });
    if (!decision) return undefined;
    // Re-check inside the transaction that nobody moved the customer since the evaluation.
    const { change } = await move(
      id,
      decision.to,
      decision.ruleId,
      trigger,
      (_tx, current) => (current['lifecycleStage'] === decision.from ? current.version : undefined),
      port,
    );
    return change ? decision : undefined;
  };

  aggregates.onRefreshed(async (customerId, trigger, stats) => {
    if (trigger) await applyLifecycleRules(customerId, trigger, context.system, stats);
  });

  return {
    lifecycle,
    checkStage,
    async setLifecycleStage(id, stage, writeOptions) {
      context.assertCanWrite('customer.update');
      checkStage(stage, 'stage');
      const { expectedVersion } = parseOrThrow(versionedWriteSchema, writeOptions, 'options');
      const { customer } = await move(id, stage, 'manual', 'manual', () => expectedVersion);
      return customer;
    },
    async lifecycleHistory(id, rawOptions = {}) {
      const historyOptions = parseOrThrow(historyOptionsSchema, rawOptions, 'options');
      // The history follows its customer: only someone who may read the customer reads it.
      await loadAt(context.storage, CUSTOMERS, id);
      const page = await context.storage.query(LIFECYCLE_CHANGES_COLLECTION, {
        where: { field: 'customerId', op: 'eq', value: id },
        orderBy: [{ field: 'at', direction: 'desc' }],
        limit: historyOptions.limit ?? 100,
        ...(historyOptions.after ? { after: historyOptions.after } : {}),
      });
      return {
        records: page.records.map((record) => fromStorage(lifecycleChangeSchema, record, 'lifecycle change')),
        ...(page.next ? { next: page.next } : {}),
      };
    },
    applyLifecycleRules: async (id, trigger) => {
      context.assertCanWrite('customer.update');
      return applyLifecycleRules(id, trigger);
    },
    async sweepLifecycle() {
      context.assertCanWrite('customer.update');
      let moved = 0;
      for (const record of await loadAll(context.storage, CUSTOMERS, undefined, { pageSize: 500 })) {
        if (await applyLifecycleRules(record.id, 'sweep')) moved++;
      }
      return moved;
    },
  };
}
