/**
 * The pipeline service: CRUD from the entity service, the built-in pipeline, and stage edits that keep deals and
 * their stage history consistent: a stage holding deals is never dropped silently; removing one moves its deals to a
 * chosen stage, recording each move.
 */
import * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import {
  createEntityService,
  fromStorage,
  guardedWrite,
  guardedWriteSchema,
  loadAll,
  loadAt,
  objectInput,
  updateAudited,
  versionedWriteSchema,
  withoutMeta,
  written,
  type EntityService,
  type GuardedWrite,
  type RemoveOptions,
} from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import {
  pipelineInputSchema,
  pipelinePatchSchema,
  pipelineSchema,
  type stageSchema,
  type Pipeline,
  type PipelineInput,
  type PipelinePatch,
  type Stage,
} from '../model/deal.js';
import { dealInputSchema, dealSchema } from '../model/deal.js';
import { idSchema, localizedTextSchema, type LocalizedText } from '../model/primitives.js';
import type { StorageOperations } from '../storage/port.js';
import { activityRemovalHooks } from '../timeline/activity.service.js';
import type { DealStageChangedEvent } from './events.js';
import {
  DEFAULT_PIPELINE_ID,
  addStage,
  enterStage,
  lostReasonCodeSchema,
  removeStage,
  reorderStages,
  uninstalledDefaultPipeline,
  updateStage,
  type StageUpdate,
} from './pipeline.js';
import { pipelineForWrite, recordStageChange } from './stage-moves.service.js';

/** Options of a stage edit: the pipeline version last read (stale → `ConflictError`). */
export interface PipelineEditOptions {
  readonly expectedVersion?: number;
}

/**
 * Options of {@link PipelineService.removeStage}: the pipeline version last read (`expectedVersion`) or
 * `force: true`, one of them required.
 */
export type RemoveStageOptions = GuardedWrite & {
  /** Where the stage's deals go; required when it holds any. */
  readonly moveDealsTo?: string;
  /** The lost reason of deals moved to a lost stage (deals that were lost already keep theirs). */
  readonly lostReason?: string;
};

/** Pipelines: CRUD, the built-in pipeline, and stage edits. */
export interface PipelineService extends EntityService<PipelineInput, Pipeline, PipelinePatch> {
  /**
   * Installs the built-in pipeline (`DEFAULT_PIPELINE`, id `default`) unless it exists, and returns it. Creating a
   * deal in pipeline `default` installs it too. Idempotent.
   */
  ensureDefault(): Promise<Pipeline>;
  /**
   * As for any entity; a new `stages` list may drop a stage or change a stage's kind only when no deal is in it
   * (`ValidationError` at `stages` otherwise: use {@link PipelineService.removeStage}).
   */
  update(id: string, patch: PipelinePatch, options: { readonly expectedVersion: number }): Promise<Pipeline>;
  /**
   * Deletes a pipeline that holds no deals: counted inside the delete's transaction, so a deal created meanwhile is
   * never stranded (`DependantsError` otherwise, unless `dependants: 'cascade'` deletes them too).
   */
  remove(id: string, options: RemoveOptions): Promise<void>;
  /** Renames the pipeline, at the version last read (`expectedVersion`) or with `force: true`. */
  rename(pipelineId: string, name: LocalizedText, options: GuardedWrite): Promise<Pipeline>;
  /** Adds a stage at `index` (default: before the first closing stage for an open stage, else at the end). */
  addStage(
    pipelineId: string,
    stage: z.input<typeof stageSchema>,
    options?: PipelineEditOptions & { readonly index?: number },
  ): Promise<Pipeline>;
  /**
   * Changes a stage's name, probability, rotting days or gate, at the pipeline version last read (`expectedVersion`)
   * or with `force: true`; ids and kinds are fixed.
   */
  updateStage(pipelineId: string, stageId: string, update: StageUpdate, options: GuardedWrite): Promise<Pipeline>;
  /** Puts the stages in the order of `stageIds` (every stage exactly once). History is untouched: ids are kept. */
  reorderStages(pipelineId: string, stageIds: readonly string[], options?: PipelineEditOptions): Promise<Pipeline>;
  /**
   * Removes a stage. Its deals move to `moveDealsTo` in the same transaction, each with a `StageChange`, an audit
   * entry and (after commit) `deal.updated` and `deal.stageChanged`; then `pipeline.updated` and
   * `pipeline.stageRemoved`. Administrative moves skip the target's gate. Past stage changes keep naming the removed
   * stage: history records what happened.
   */
  removeStage(
    pipelineId: string,
    stageId: string,
    options: RemoveStageOptions,
  ): Promise<{ pipeline: Pipeline; movedDeals: number }>;
}

const editOptionsSchema = /* @__PURE__ */ z.strictObject({
  expectedVersion: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
});
const addStageOptionsSchema = /* @__PURE__ */ z.extend(editOptionsSchema, {
  index: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int()),
});
const removeStageOptionsSchema = /* @__PURE__ */ guardedWrite({
  moveDealsTo: /* @__PURE__ */ z.optional(idSchema),
  lostReason: /* @__PURE__ */ z.optional(lostReasonCodeSchema),
});

const dealsInStage = (pipelineId: string, stageId: string) => ({
  all: [
    { field: 'pipelineId', op: 'eq' as const, value: pipelineId },
    { field: 'stageId', op: 'eq' as const, value: stageId },
  ],
});

/** Builds the pipeline service over the CRM's context and its configured lost reasons. */
export function createPipelineService(context: CrmContext, lostReasons: readonly string[]): PipelineService {
  const base = createEntityService(context, {
    name: 'pipeline',
    collection: 'pipelines',
    schemas: { input: pipelineInputSchema, record: pipelineSchema, patch: pipelinePatchSchema },
    removalHooks: activityRemovalHooks(context),
  });
  const allowedReasons: ReadonlySet<string> = new Set(lostReasons);

  /** Refuses a stage list that drops a stage holding deals, or changes the kind of one. */
  const checkStagesKeepDeals = async (tx: StorageOperations, current: Pipeline, next: readonly Stage[]) => {
    const nextById = new Map(next.map((stage) => [stage.id, stage]));
    for (const stage of current.stages) {
      const replacement = nextById.get(stage.id);
      if (replacement && replacement.kind === stage.kind) continue;
      const held = await tx.count('deals', dealsInStage(current.id, stage.id));
      if (held > 0) {
        throw new ValidationError(
          [
            {
              path: ['stages'],
              message: `Stage ${stage.id} holds ${held} deal(s): ${
                replacement ? 'its kind cannot change' : 'remove it with pipelines.removeStage and moveDealsTo'
              }`,
            },
          ],
          'pipeline update',
        );
      }
    }
  };

  /** Reads, edits and writes a pipeline in one transaction, with its audit entry; emits `pipeline.updated`. */
  const edit = async <T>(
    pipelineId: string,
    expectedVersion: number | undefined,
    change: (
      tx: StorageOperations,
      current: Pipeline,
      at: string,
    ) => Promise<{ next: Record<string, unknown>; extra: T }>,
  ): Promise<{ pipeline: Pipeline; extra: T; at: string }> => {
    context.assertCanWrite('pipeline.update');
    const at = context.nowIso();
    const { record, changedFields, extra } = await context.storage.transaction(async (tx) => {
      const stored = await loadAt(tx, 'pipelines', pipelineId);
      const current = fromStorage(pipelineSchema, stored, 'pipeline');
      const { next, extra } = await change(tx, current, at);
      const entity = parseOrThrow(pipelineInputSchema, next, 'pipeline') as Record<string, unknown>;
      const { record, changedFields } = await updateAudited(context, tx, 'pipelines', stored, entity, at, {
        expectedVersion,
      });
      return { record, changedFields, extra };
    });
    context.events.emit('pipeline.updated', {
      entity: 'pipeline',
      id: pipelineId,
      actorId: context.actor.id,
      at,
      changedFields,
    });
    return { pipeline: written<Pipeline>(record), extra, at };
  };

  const editStages = async (
    pipelineId: string,
    expectedVersion: number | undefined,
    stages: (current: Pipeline) => Stage[],
  ): Promise<Pipeline> => {
    const { pipeline } = await edit(pipelineId, expectedVersion, async (_tx, current) => ({
      next: { ...withoutMeta(current), stages: stages(current) },
      extra: undefined,
    }));
    return pipeline;
  };

  return {
    ...base,

    async get(id) {
      try {
        return await base.get(id);
      } catch (error) {
        // The built-in pipeline is there from the start: until a write installs it, it reads as defined.
        if (error instanceof NotFoundError && id === DEFAULT_PIPELINE_ID) return uninstalledDefaultPipeline();
        throw error;
      }
    },

    async ensureDefault() {
      const existing = await context.storage.get('pipelines', DEFAULT_PIPELINE_ID);
      if (existing) return fromStorage(pipelineSchema, existing, 'pipeline');
      const at = context.nowIso();
      const { pipeline, installed } = await context.storage.transaction((tx) =>
        pipelineForWrite(context, tx, DEFAULT_PIPELINE_ID, ['pipelineId']),
      );
      if (installed)
        context.events.emit('pipeline.created', { entity: 'pipeline', id: installed, actorId: context.actor.id, at });
      return pipeline;
    },

    async update(id, patch, options) {
      context.assertCanWrite('pipeline.update');
      const changes = parseOrThrow(
        pipelinePatchSchema,
        objectInput(patch, 'pipeline update'),
        'pipeline update',
      ) as Record<string, unknown>;
      const { expectedVersion } = parseOrThrow(versionedWriteSchema, options, 'options');
      const { pipeline } = await edit(id, expectedVersion, async (tx, current) => {
        if (changes['stages'] !== undefined) await checkStagesKeepDeals(tx, current, changes['stages'] as Stage[]);
        return { next: { ...withoutMeta(current), ...changes }, extra: undefined };
      });
      return pipeline;
    },

    rename(pipelineId, name, options) {
      const parsed = parseOrThrow(localizedTextSchema, name, 'pipeline name');
      const { expectedVersion } = parseOrThrow(guardedWriteSchema, options ?? {}, 'options');
      return edit(pipelineId, expectedVersion, async (_tx, current) => ({
        next: { ...withoutMeta(current), name: parsed },
        extra: undefined,
      })).then((result) => result.pipeline);
    },

    addStage(pipelineId, stage, options) {
      const { index, expectedVersion } = parseOrThrow(addStageOptionsSchema, options ?? {}, 'options');
      return editStages(pipelineId, expectedVersion, (current) => addStage(current.stages, stage, index));
    },

    updateStage(pipelineId, stageId, update, options) {
      const { expectedVersion } = parseOrThrow(guardedWriteSchema, options ?? {}, 'options');
      return editStages(pipelineId, expectedVersion, (current) => updateStage(current.stages, stageId, update));
    },

    reorderStages(pipelineId, stageIds, options) {
      const { expectedVersion } = parseOrThrow(editOptionsSchema, options ?? {}, 'options');
      return editStages(pipelineId, expectedVersion, (current) => reorderStages(current.stages, stageIds));
    },

    async removeStage(pipelineId, stageId, options) {
      const opts = parseOrThrow(removeStageOptionsSchema, options ?? {}, 'options');
      const { pipeline, extra, at } = await edit(pipelineId, opts.expectedVersion, async (tx, current, at) => {
        const stages = removeStage(current.stages, stageId);
        const target = opts.moveDealsTo === undefined ? undefined : stages.find((s) => s.id === opts.moveDealsTo);
        if (opts.moveDealsTo !== undefined && !target) {
          throw new ValidationError(
            [{ path: ['moveDealsTo'], message: 'Expected another stage of the pipeline' }],
            'options',
          );
        }
        const deals = await loadAll(tx, 'deals', dealsInStage(pipelineId, stageId));
        const events: DealStageChangedEvent[] = [];
        const changed: string[][] = [];
        if (deals.length > 0) {
          if (!target) {
            throw new ValidationError(
              [{ path: ['moveDealsTo'], message: 'The stage holds deals: name the stage they move to' }],
              'options',
            );
          }
          for (const stored of deals) {
            const deal = fromStorage(dealSchema, stored, 'deal');
            const before = withoutMeta(stored);
            const reason =
              target.kind === 'lost' ? (deal.status === 'lost' ? deal.lostReason : opts.lostReason) : undefined;
            if (
              target.kind === 'lost' &&
              (reason === undefined || (deal.status !== 'lost' && !allowedReasons.has(reason)))
            ) {
              throw new ValidationError(
                [{ path: ['lostReason'], message: 'Moving deals to a lost stage needs a configured lost reason' }],
                'options',
              );
            }
            // Administrative: the base schema only, so a custom field made required later does not block the move.
            const entity = parseOrThrow(dealInputSchema, enterStage(before, target, at, reason), 'deal') as Record<
              string,
              unknown
            >;
            const stageChangeId = await recordStageChange(context, tx, {
              dealId: deal.id,
              pipelineId,
              fromStageId: stageId,
              toStageId: target.id,
              at,
            });
            const { changedFields } = await updateAudited(context, tx, 'deals', stored, entity, at);
            changed.push(changedFields);
            events.push({
              dealId: deal.id,
              pipelineId,
              fromStageId: stageId,
              toStageId: target.id,
              stageChangeId,
              status: target.kind,
              customerId: entity['customerId'] as string | undefined,
              actorId: context.actor.id,
              at,
            });
          }
        }
        return { next: { ...withoutMeta(current), stages }, extra: { events, changed, target: target?.id } };
      });
      extra.events.forEach((event, index) => {
        context.events.emit('deal.updated', {
          entity: 'deal',
          id: event.dealId,
          actorId: context.actor.id,
          at,
          changedFields: extra.changed[index] ?? [],
        });
        context.events.emit('deal.stageChanged', event);
      });
      context.events.emit('pipeline.stageRemoved', {
        pipelineId,
        stageId,
        ...(extra.events.length > 0 && extra.target ? { movedToStageId: extra.target } : {}),
        movedDeals: extra.events.length,
        actorId: context.actor.id,
        at,
      });
      return { pipeline, movedDeals: extra.events.length };
    },
  };
}
