/**
 * The deal service: CRUD from the entity service, plus stage moves that keep the stage history complete. A deal's
 * stage, status, close time and lost reason change only through {@link DealService.moveToStage} (and stage removal),
 * so every stage a deal was ever in has a `StageChange` record.
 */
import * as z from 'zod/mini';
import { NotFoundError, StageGateError, ValidationError, type ValidationIssue } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { checkStageGate } from '../funnel/gate.js';
import { lostReasonCodeSchema } from '../funnel/pipeline.js';
import { withCustomFields } from '../model/custom-fields.js';
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
import { changedFieldNames } from './audit.js';
import type { CrmContext } from './context.js';
import { createEntityService, type EntityService } from './entity-service.js';
import type { DealStageChangedEvent } from './events.js';
import { enterStage, fromStorage, pipelineForWrite, recordStageChange, withoutMeta } from './stage-moves.js';

/** The fields {@link DealService.moveToStage} owns; `create` derives them, `update` refuses them. */
export const DEAL_STAGE_FIELDS = [
  'pipelineId',
  'stageId',
  'status',
  'closedAt',
  'stageEnteredAt',
  'lostReason',
] as const;

/** Options of {@link DealService.moveToStage}. */
export interface MoveToStageOptions {
  /**
   * Field values to set with the move, validated like an update (not the stage fields), e.g. the expected close
   * date the stage's gate asks for. The gate is checked on the deal with these applied.
   */
  readonly values?: DealPatch;
  /** Required when the stage is a lost stage, refused otherwise: one of the CRM's lost reason codes. */
  readonly lostReason?: string;
  /** The version last read; when the stored deal is at another, `ConflictError` and nothing is written. */
  readonly expectedVersion?: number;
}

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
  /** Deletes the deal together with its stage history. */
  remove(id: string, options?: { readonly expectedVersion?: number }): Promise<void>;
  /**
   * Moves a deal to another stage of its pipeline, in one transaction: checks the stage's gate (`StageGateError`
   * listing the missing fields and failed conditions; nothing written), updates the deal (stage, `stageEnteredAt`;
   * status and `closedAt` for won and lost; the lost reason), records a `StageChange` (from, to, at, by) and an audit
   * entry, then emits `deal.updated` and `deal.stageChanged`. Moving a won or lost deal back to an open stage reopens
   * it: its status returns to `open` and its `closedAt` and lost reason are cleared; the move is recorded like any
   * other.
   *
   * @throws ValidationError for an unknown stage, the deal's current stage, bad `values`, or a missing or unknown
   * lost reason; `NotFoundError` for an unknown deal; `ConflictError` for a stale `expectedVersion`;
   * `PermissionError` for a viewer.
   */
  moveToStage(dealId: string, stageId: string, options?: MoveToStageOptions): Promise<Deal>;
  /** The deal's stage changes, oldest first. */
  history(dealId: string): Promise<StageChange[]>;
}

const moveOptionsSchema = z.strictObject({
  values: z.optional(z.unknown()),
  lostReason: z.optional(lostReasonCodeSchema),
  expectedVersion: z.optional(z.int().check(z.positive())),
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

/** Builds the deal service over the CRM's context and its configured lost reasons. */
export function createDealService(context: CrmContext, lostReasons: readonly string[]): DealService {
  const base = createEntityService(context, {
    name: 'deal',
    collection: 'deals',
    schemas: { input: dealInputSchema, record: dealSchema, patch: dealPatchSchema },
    ownerField: 'ownerId',
    customFields: 'deal',
  });
  const allowedReasons: ReadonlySet<string> = new Set(lostReasons);

  const inputSchema = async (tx: StorageOperations) =>
    withCustomFields(dealInputSchema, await context.customFieldDefinitions(tx, 'deal'));

  const stageOf = (pipeline: Pipeline, stageId: string, path: string): Stage => {
    const stage = pipeline.stages.find((candidate) => candidate.id === stageId);
    if (!stage) throw new ValidationError([{ path: [path], message: 'No such stage in the pipeline' }], 'deal');
    return stage;
  };

  const gate = (entity: object, dealId: string, stage: Stage) => {
    const result = checkStageGate(entity, stage, { now: context.now() });
    if (!result.passed) throw new StageGateError(dealId, stage.id, result.missingFields, result.failedConditions);
  };

  return {
    ...base,

    async create(input) {
      context.assertCanWrite('deal.create');
      const at = context.nowIso();
      const { stored, installed } = await context.storage.transaction(async (tx) => {
        const raw = { ...(input as Record<string, unknown>) };
        if (raw['ownerId'] === undefined) raw['ownerId'] = context.actor.id;
        const entity = parseOrThrow(await inputSchema(tx), raw, 'deal') as Record<string, unknown>;
        const { pipeline, installed } = await pipelineForWrite(context, tx, entity['pipelineId'] as string, [
          'pipelineId',
        ]);
        const stage = stageOf(pipeline, entity['stageId'] as string, 'stageId');
        if (raw['status'] !== undefined && raw['status'] !== stage.kind) {
          throw new ValidationError(
            [{ path: ['status'], message: `Expected ${stage.kind}, the stage's kind` }],
            'deal',
          );
        }
        if (stage.kind === 'open' && entity['closedAt'] !== undefined) {
          throw new ValidationError([{ path: ['closedAt'], message: 'Only a won or lost deal is closed' }], 'deal');
        }
        checkLostReason(stage, entity['lostReason'] as string | undefined, allowedReasons, ['lostReason']);
        const enteredAt = (entity['stageEnteredAt'] as string | undefined) ?? at;
        const deal = parseOrThrow(
          await inputSchema(tx),
          {
            ...entity,
            status: stage.kind,
            stageEnteredAt: enteredAt,
            ...(stage.kind === 'open' ? {} : { closedAt: (entity['closedAt'] as string | undefined) ?? enteredAt }),
          },
          'deal',
        ) as Record<string, unknown>;
        const id = context.newId();
        gate(deal, id, stage);
        const record = await tx.put<Record<string, unknown>>('deals', { ...deal, id }, { expectedVersion: 0 });
        await recordStageChange(context, tx, {
          dealId: id,
          pipelineId: pipeline.id,
          fromStageId: null,
          toStageId: stage.id,
          at: enteredAt,
        });
        await context.audit(tx, {
          action: 'create',
          entity: 'deals',
          entityId: id,
          at,
          changedFields: Object.keys(deal).sort(),
        });
        return { stored: record, installed };
      });
      if (installed) {
        context.events.emit('pipeline.created', { entity: 'pipeline', id: installed, actorId: context.actor.id, at });
      }
      context.events.emit('deal.created', { entity: 'deal', id: stored.id, actorId: context.actor.id, at });
      return fromStorage(dealSchema, stored, 'deal');
    },

    async update(id, patch, options) {
      context.assertCanWrite('deal.update');
      refuseStageFields(patch, [], 'deal update');
      return base.update(id, patch, options);
    },

    async remove(id, options) {
      context.assertCanWrite('deal.delete');
      const at = context.nowIso();
      await context.storage.transaction(async (tx) => {
        await tx.delete(
          'deals',
          id,
          options?.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion },
        );
        for (const change of await loadHistory(tx, id)) await tx.delete('stageChanges', change.id);
        await context.audit(tx, { action: 'delete', entity: 'deals', entityId: id, at, changedFields: [] });
      });
      context.events.emit('deal.deleted', { entity: 'deal', id, actorId: context.actor.id, at });
    },

    async moveToStage(dealId, stageId, options = {}) {
      context.assertCanWrite('deal.moveToStage');
      const opts = parseOrThrow(moveOptionsSchema, options, 'move options');
      const ids = parseOrThrow(z.strictObject({ dealId: idSchema, stageId: idSchema }), { dealId, stageId }, 'move');
      refuseStageFields(opts.values, ['values'], 'move options');
      const values = (
        opts.values === undefined ? {} : parseOrThrow(dealPatchSchema, opts.values, 'move options')
      ) as Record<string, unknown>;
      const at = context.nowIso();
      const moved = await context.storage.transaction(async (tx) => {
        const current = await tx.get('deals', ids.dealId);
        if (!current) throw new NotFoundError('deals', ids.dealId);
        const before = withoutMeta(current);
        const { pipeline } = await pipelineForWrite(context, tx, before['pipelineId'] as string, ['pipelineId']);
        const target = stageOf(pipeline, ids.stageId, 'stageId');
        if (target.id === before['stageId']) {
          throw new ValidationError([{ path: ['stageId'], message: 'The deal is in this stage already' }], 'move');
        }
        checkLostReason(target, opts.lostReason, allowedReasons, ['lostReason']);
        const merged: Record<string, unknown> = { ...before, ...values };
        if (values['customFields'] !== undefined) {
          merged['customFields'] = { ...(before['customFields'] as object), ...(values['customFields'] as object) };
        }
        const entity = parseOrThrow(
          await inputSchema(tx),
          enterStage(merged, target, at, opts.lostReason),
          'deal',
        ) as Record<string, unknown>;
        gate(entity, ids.dealId, target);
        const changedFields = changedFieldNames(before, entity);
        const record = await tx.put<Record<string, unknown>>(
          'deals',
          { ...entity, id: ids.dealId },
          { expectedVersion: opts.expectedVersion ?? current.version },
        );
        const stageChangeId = await recordStageChange(context, tx, {
          dealId: ids.dealId,
          pipelineId: pipeline.id,
          fromStageId: before['stageId'] as string,
          toStageId: target.id,
          at,
        });
        await context.audit(tx, { action: 'update', entity: 'deals', entityId: ids.dealId, at, changedFields });
        const event: DealStageChangedEvent = {
          dealId: ids.dealId,
          pipelineId: pipeline.id,
          fromStageId: before['stageId'] as string,
          toStageId: target.id,
          stageChangeId,
          actorId: context.actor.id,
          at,
        };
        return { record, changedFields, event };
      });
      context.events.emit('deal.updated', {
        entity: 'deal',
        id: ids.dealId,
        actorId: context.actor.id,
        at,
        changedFields: moved.changedFields,
      });
      context.events.emit('deal.stageChanged', moved.event);
      return fromStorage(dealSchema, moved.record, 'deal');
    },

    async history(dealId) {
      const records = await loadHistory(context.storage, dealId);
      return records
        .map((record) => fromStorage(stageChangeSchema, record, 'stage change'))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    },
  };
}

/** Every stage change of a deal, in storage order. */
async function loadHistory(ops: StorageOperations, dealId: string): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  let after: string | undefined;
  do {
    const page = await ops.query('stageChanges', {
      where: { field: 'dealId', op: 'eq', value: dealId },
      orderBy: [{ field: 'at' }],
      ...(after === undefined ? {} : { after }),
    });
    for (const record of page.records) records.push(record);
    after = page.next;
  } while (after !== undefined);
  return records;
}
