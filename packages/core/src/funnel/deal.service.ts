/**
 * The deal service: CRUD from the entity service, plus stage moves that keep the stage history complete. A deal's
 * stage, status, close time and lost reason change only through {@link DealService.moveToStage} (and stage removal),
 * so every stage a deal was ever in has a `StageChange` record.
 */
import * as z from 'zod/mini';
import { StageGateError, ValidationError, type ValidationIssue } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import {
  applyPatch,
  checkReferences,
  createEntityService,
  fromStorage,
  guardedWrite,
  insertAudited,
  loadAll,
  loadAt,
  objectInput,
  schemaWithCustomFields,
  updateAudited,
  withoutMeta,
  written,
  type EntityService,
  type GuardedWrite,
  type RemoveOptions,
} from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import type { PendingEvent } from '../kernel/events.js';
import { idSchema } from '../model/primitives.js';
import {
  dealInputSchema,
  dealPatchSchema,
  dealSchema,
  stageChangeSchema,
  type Deal,
  type DealInput,
  type DealPatch,
  type Pipeline,
  type Stage,
  type StageChange,
} from '../model/deal.js';
import type { StorageOperations, StoredRecord } from '../storage/port.js';
import { activityRemovalHooks } from '../timeline/activity.service.js';
import type { DealStageChangedEvent } from './events.js';
import { checkStageGate } from './gate.js';
import { enterStage, lostReasonCodeSchema } from './pipeline.js';
import { pipelineForWrite, recordStageChange } from './stage-moves.service.js';

/** The fields {@link DealService.moveToStage} owns; `create` derives them, `update` refuses them. */
export const DEAL_STAGE_FIELDS = [
  'pipelineId',
  'stageId',
  'status',
  'closedAt',
  'stageEnteredAt',
  'lostReason',
] as const;

/**
 * Options of {@link DealService.moveToStage}: the version last read (`expectedVersion`; when the stored deal is at
 * another, `ConflictError` and nothing is written) or `force: true`, one of them required.
 */
export type MoveToStageOptions = GuardedWrite & {
  /**
   * Field values to set with the move, validated like an update (not the stage fields), e.g. the expected close
   * date the stage's gate asks for. The gate is checked on the deal with these applied.
   */
  readonly values?: DealPatch;
  /** Required when the stage is a lost stage, refused otherwise: one of the CRM's lost reason codes. */
  readonly lostReason?: string;
};

/** Deals: CRUD with stage history, and moves through the pipeline. */
export interface DealService extends EntityService<DealInput, Deal, DealPatch> {
  /**
   * Creates a deal in its pipeline's stage: the stage must exist (pipeline `default` is installed on first use),
   * the status follows the stage's kind, a lost stage needs a lost reason, and the stage's gate must pass
   * (`StageGateError`). Records the first `StageChange` (from `null`) in the same transaction.
   */
  create(input: DealInput): Promise<Deal>;
  /** As for any entity, except that the stage fields (`stageId`, `status`, …) are refused: use `moveToStage`. */
  update(id: string, patch: DealPatch, options: { readonly expectedVersion: number }): Promise<Deal>;
  /**
   * Deletes the deal together with its stage history; its activities and tasks are refused (`DependantsError`) or,
   * with `dependants: 'cascade'`, deleted too.
   */
  remove(id: string, options: RemoveOptions): Promise<void>;
  /**
   * Moves a deal to another stage of its pipeline, in one transaction: checks the stage's gate (`StageGateError`
   * listing the missing fields and failed conditions; nothing written), updates the deal (stage, `stageEnteredAt`;
   * status and `closedAt` for won and lost; the lost reason), records a `StageChange` (from, to, at, by) and an audit
   * entry, then emits `deal.updated` and `deal.stageChanged`. Moving a won or lost deal back to an open stage reopens
   * it: its status returns to `open` and its `closedAt` and lost reason are cleared; the move is recorded like any
   * other.
   *
   * @throws ValidationError for an unknown stage, the deal's current stage, bad `values`, a missing or unknown lost
   * reason, or neither `expectedVersion` nor `force: true`; `NotFoundError` for an unknown deal; `ConflictError` for a
   * stale `expectedVersion`; `PermissionError` for a viewer.
   */
  moveToStage(dealId: string, stageId: string, options: MoveToStageOptions): Promise<Deal>;
  /** The deal's stage changes, oldest first. */
  history(dealId: string): Promise<StageChange[]>;
}

/** What the deal service lends other services that create a deal inside their own transaction (lead conversion). */
export interface DealWriter {
  /**
   * Creates a deal inside `tx` exactly as `create` does (validated once, stage derived, gate checked, first stage
   * change and audit entry written); resolves to the stored deal and the events to emit after the caller's commit.
   * Validation paths start at `path` (`['deal']` for a conversion's deal values).
   */
  createIn(
    tx: StorageOperations,
    input: Record<string, unknown>,
    at: string,
    path?: readonly (string | number)[],
  ): Promise<{ readonly deal: StoredRecord; readonly events: readonly PendingEvent[] }>;
}

const APPENDS_SERIAL = { serial: 'appends' } as const;

const moveOptionsSchema = /* @__PURE__ */ guardedWrite({
  values: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  lostReason: /* @__PURE__ */ z.optional(lostReasonCodeSchema),
});

/** Refuses the stage fields in a patch: they change only through stage moves. */
function refuseStageFields(patch: unknown, prefix: readonly string[], context: string): void {
  if (typeof patch !== 'object' || patch === null) return;
  const issues: ValidationIssue[] = DEAL_STAGE_FIELDS.filter(
    (key) => Object.hasOwn(patch, key) && (patch as Record<string, unknown>)[key] !== undefined,
  ).map((key) => ({ path: [...prefix, key], message: 'Changed only by moving the deal: use deals.moveToStage' }));
  if (issues.length > 0) throw new ValidationError(issues, context);
}

/** Checks a lost reason against the configured list: required for a lost stage, refused for any other. */
function checkLostReason(
  stage: Stage,
  lostReason: string | undefined,
  allowed: ReadonlySet<string>,
  path: readonly (string | number)[],
): void {
  const message =
    stage.kind !== 'lost'
      ? lostReason === undefined
        ? undefined
        : 'Only a move to a lost stage takes a lost reason'
      : lostReason === undefined
        ? 'A lost stage needs a lost reason'
        : allowed.has(lostReason)
          ? undefined
          : 'Expected one of the configured lost reasons';
  if (message) throw new ValidationError([{ path, message }], 'deal');
}

/** A move's deal and stage: built once, as building a schema costs far more than a parse. */
const moveIdsSchema = /* @__PURE__ */ z.strictObject({ dealId: idSchema, stageId: idSchema });

/** Builds the deal service over the CRM's context and its configured lost reasons. */
export function createDealService(context: CrmContext, lostReasons: readonly string[]): DealService & DealWriter {
  const base = createEntityService(context, {
    name: 'deal',
    collection: 'deals',
    schemas: { input: dealInputSchema, record: dealSchema, patch: dealPatchSchema },
    ownerField: 'ownerId',
    customFields: 'deal',
    removalHooks: activityRemovalHooks(context),
  });
  const allowedReasons: ReadonlySet<string> = new Set(lostReasons);
  const inputSchema = (tx: StorageOperations) => schemaWithCustomFields(context, tx, dealInputSchema, 'deal');

  const stageOf = (pipeline: Pipeline, stageId: string, path: readonly (string | number)[]): Stage => {
    const stage = pipeline.stages.find((candidate) => candidate.id === stageId);
    if (!stage) throw new ValidationError([{ path: [...path], message: 'No such stage in the pipeline' }], 'deal');
    return stage;
  };

  const gate = (entity: object, dealId: string, stage: Stage) => {
    const result = checkStageGate(entity, stage, { now: context.now() });
    if (!result.passed) throw new StageGateError(dealId, stage.id, result.missingFields, result.failedConditions);
  };

  const createIn: DealWriter['createIn'] = async (tx, input, at, path = []) => {
    const raw = { ...objectInput(input, 'deal') };
    if (raw['ownerId'] === undefined) raw['ownerId'] = context.actor.id;
    const entity = parseOrThrow(await inputSchema(tx), raw, 'deal', path) as Record<string, unknown>;
    const { pipeline, installed } = await pipelineForWrite(context, tx, entity['pipelineId'] as string, [
      ...path,
      'pipelineId',
    ]);
    const stage = stageOf(pipeline, entity['stageId'] as string, [...path, 'stageId']);
    if (raw['status'] !== undefined && raw['status'] !== stage.kind) {
      throw new ValidationError(
        [{ path: [...path, 'status'], message: `Expected ${stage.kind}, the stage's kind` }],
        'deal',
      );
    }
    if (stage.kind === 'open' && entity['closedAt'] !== undefined) {
      throw new ValidationError(
        [{ path: [...path, 'closedAt'], message: 'Only a won or lost deal is closed' }],
        'deal',
      );
    }
    checkLostReason(stage, entity['lostReason'] as string | undefined, allowedReasons, [...path, 'lostReason']);
    await checkReferences(tx, 'deals', entity, path);
    // The stage fields follow from the stage: valid by construction, so the entity is not validated again.
    const enteredAt = (entity['stageEnteredAt'] as string | undefined) ?? at;
    const deal: Record<string, unknown> = { ...entity, status: stage.kind, stageEnteredAt: enteredAt };
    if (stage.kind !== 'open') deal['closedAt'] = (entity['closedAt'] as string | undefined) ?? enteredAt;
    const id = context.newId();
    gate(deal, id, stage);
    await recordStageChange(context, tx, {
      dealId: id,
      pipelineId: pipeline.id,
      fromStageId: null,
      toStageId: stage.id,
      at: enteredAt,
    });
    const record = await insertAudited(context, tx, 'deals', deal, at, id);
    const actorId = context.actor.id;
    const events: PendingEvent[] = [];
    if (installed) events.push(['pipeline.created', { entity: 'pipeline', id: installed, actorId, at }]);
    events.push(['deal.created', { entity: 'deal', id, actorId, at }]);
    return { deal: record, events };
  };

  return {
    ...base,
    createIn,

    async create(input) {
      context.assertCanWrite('deal.create');
      const raw = objectInput(input, 'deal');
      const at = context.nowIso();
      const { deal, events } = await context.storage.transaction((tx) => createIn(tx, raw, at));
      context.events.emitAll(events);
      return written<Deal>(deal);
    },

    async update(id, patch, options) {
      context.assertCanWrite('deal.update');
      refuseStageFields(patch, [], 'deal update');
      return base.update(id, patch, options);
    },

    async moveToStage(dealId, stageId, options) {
      context.assertCanWrite('deal.moveToStage');
      const opts = parseOrThrow(moveOptionsSchema, options ?? {}, 'move options');
      const ids = parseOrThrow(moveIdsSchema, { dealId, stageId }, 'move');
      refuseStageFields(opts.values, ['values'], 'move options');
      const values = (
        opts.values === undefined ? {} : parseOrThrow(dealPatchSchema, opts.values, 'move options')
      ) as Record<string, unknown>;
      const at = context.nowIso();
      const moved = await context.storage.transaction(async (tx) => {
        // A stale move is a conflict before anything else: its caller re-reads, and the deal may have moved on.
        const current = await loadAt(tx, 'deals', ids.dealId, opts.expectedVersion);
        const before = withoutMeta(current);
        const { pipeline } = await pipelineForWrite(context, tx, before['pipelineId'] as string, ['pipelineId']);
        const target = stageOf(pipeline, ids.stageId, ['stageId']);
        if (target.id === before['stageId']) {
          throw new ValidationError([{ path: ['stageId'], message: 'The deal is in this stage already' }], 'move');
        }
        checkLostReason(target, opts.lostReason, allowedReasons, ['lostReason']);
        const entity = parseOrThrow(
          await inputSchema(tx),
          enterStage(applyPatch(before, values), target, at, opts.lostReason),
          'deal',
        ) as Record<string, unknown>;
        gate(entity, ids.dealId, target);
        const stageChangeId = await recordStageChange(context, tx, {
          dealId: ids.dealId,
          pipelineId: pipeline.id,
          fromStageId: before['stageId'] as string,
          toStageId: target.id,
          at,
        });
        const { record, changedFields } = await updateAudited(context, tx, 'deals', current, entity, at, {
          expectedVersion: opts.expectedVersion,
        });
        const event: DealStageChangedEvent = {
          dealId: ids.dealId,
          pipelineId: pipeline.id,
          fromStageId: before['stageId'] as string,
          toStageId: target.id,
          stageChangeId,
          status: target.kind,
          customerId: entity['customerId'] as string | undefined,
          actorId: context.actor.id,
          at,
        };
        return { record, changedFields, event };
        // What the move decides rests on the deal, written under its version: it need not run as if alone, only its
        // audit entry takes its turn (see `TransactionOptions`).
      }, APPENDS_SERIAL);
      context.events.emit('deal.updated', {
        entity: 'deal',
        id: ids.dealId,
        actorId: context.actor.id,
        at,
        changedFields: moved.changedFields,
      });
      context.events.emit('deal.stageChanged', moved.event);
      // The stored deal as written: a board shows it without reading it again.
      return written<Deal>(moved.record);
    },

    async history(dealId) {
      // The history follows its deal: only someone who may read the deal reads it.
      await loadAt(context.storage, 'deals', dealId);
      const records = await loadHistory(context.storage, dealId);
      return records
        .map((record) => fromStorage(stageChangeSchema, record, 'stage change'))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    },
  };
}

/** Every stage change of a deal, in storage order. */
function loadHistory(ops: StorageOperations, dealId: string): Promise<StoredRecord[]> {
  return loadAll(ops, 'stageChanges', { field: 'dealId', op: 'eq', value: dealId }, { orderBy: [{ field: 'at' }] });
}
