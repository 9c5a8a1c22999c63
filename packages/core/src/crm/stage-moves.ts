/**
 * What the deal and pipeline services share to move deals between stages: reading pipelines for a write (installing
 * the built-in one on first use), applying a stage to a deal, recording the stage change, and loading whole result
 * sets through the port.
 */
import * as z from 'zod/mini';
import { StorageError, ValidationError } from '../errors/errors.js';
import { parseOrThrow, toValidationIssues } from '../errors/parse.js';
import { DEFAULT_PIPELINE, DEFAULT_PIPELINE_ID } from '../funnel/pipeline.js';
import type { Filter } from '../filter/index.js';
import {
  pipelineInputSchema,
  pipelineSchema,
  stageChangeInputSchema,
  type Pipeline,
  type Stage,
} from '../model/deal.js';
import type { StorageOperations, StoredRecord } from '../storage/port.js';
import type { CrmContext } from './context.js';

const META_KEYS = ['id', 'version', 'createdAt', 'updatedAt'] as const;

/** A record's entity fields, without the metadata the adapter keeps. */
export function withoutMeta(record: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...record };
  for (const key of META_KEYS) delete copy[key];
  return copy;
}

/** Parses what an adapter returned; a record that does not fit its schema is a `StorageError`. */
export function fromStorage<T>(schema: z.ZodMiniType<T>, record: unknown, name: string): T {
  const result = z.safeParse(schema, record);
  if (result.success) return result.data;
  throw new StorageError(`A stored ${name} record does not match its schema`, {
    cause: new ValidationError(toValidationIssues(result.error), `stored ${name}`),
  });
}

/**
 * The deal's fields after entering `stage` at `at`: stage, `stageEnteredAt`, status from the stage's kind, `closedAt`
 * kept when it was closed already and stays closed, set when it closes now, cleared when it reopens; the lost reason
 * set for a lost stage and cleared otherwise.
 */
export function enterStage(
  deal: Record<string, unknown>,
  stage: Stage,
  at: string,
  lostReason: string | undefined,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...deal, stageId: stage.id, status: stage.kind, stageEnteredAt: at };
  const wasClosed = deal['status'] === 'won' || deal['status'] === 'lost';
  if (stage.kind === 'open') delete next['closedAt'];
  else if (!wasClosed || deal['closedAt'] === undefined) next['closedAt'] = at;
  if (stage.kind === 'lost') next['lostReason'] = lostReason;
  else delete next['lostReason'];
  return next;
}

/** Writes the stage change record of a move inside the caller's transaction; resolves to its id. */
export async function recordStageChange(
  context: CrmContext,
  tx: StorageOperations,
  change: { dealId: string; pipelineId: string; fromStageId: string | null; toStageId: string; at: string },
): Promise<string> {
  const id = context.newId();
  const record = parseOrThrow(stageChangeInputSchema, { ...change, by: context.actor.id }, 'stage change');
  await tx.put('stageChanges', { ...record, id }, { expectedVersion: 0 });
  return id;
}

/**
 * The pipeline a write needs, read inside the caller's transaction. The built-in pipeline is installed when it is
 * asked for and missing (`installed` then holds its id, for the caller's event). `ValidationError` at `path` when
 * there is no such pipeline.
 */
export async function pipelineForWrite(
  context: CrmContext,
  tx: StorageOperations,
  pipelineId: string,
  path: readonly (string | number)[],
): Promise<{ pipeline: Pipeline; installed?: string }> {
  const stored = await tx.get('pipelines', pipelineId);
  if (stored) return { pipeline: fromStorage(pipelineSchema, stored, 'pipeline') };
  if (pipelineId !== DEFAULT_PIPELINE_ID) {
    throw new ValidationError([{ path, message: 'No such pipeline' }], 'deal');
  }
  return { pipeline: await installDefault(context, tx), installed: DEFAULT_PIPELINE_ID };
}

/**
 * The built-in pipeline as defined, before anything installed it (version 0, no timestamps): what reading `default`
 * answers on a CRM that has not stored it yet. Reading never installs anything.
 */
export function uninstalledDefaultPipeline(): Pipeline {
  return { ...structuredClone(DEFAULT_PIPELINE), version: 0, createdAt: '', updatedAt: '' } as Pipeline;
}

async function installDefault(context: CrmContext, tx: StorageOperations): Promise<Pipeline> {
  context.assertCanWrite('pipeline.create');
  const { id: _id, ...definition } = DEFAULT_PIPELINE;
  const entity = parseOrThrow(pipelineInputSchema, structuredClone(definition), 'pipeline');
  const record = await tx.put('pipelines', { ...entity, id: DEFAULT_PIPELINE_ID }, { expectedVersion: 0 });
  await context.audit(tx, {
    action: 'create',
    entity: 'pipelines',
    entityId: DEFAULT_PIPELINE_ID,
    at: context.nowIso(),
    changedFields: Object.keys(entity).sort(),
  });
  return fromStorage(pipelineSchema, record, 'pipeline');
}

/** Every record of a collection matching `where`, following `next` until the last page. */
export async function loadAll(
  ops: StorageOperations,
  collection: string,
  where: Filter | undefined,
): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  let after: string | undefined;
  do {
    const page = await ops.query(collection, { ...(where ? { where } : {}), ...(after ? { after } : {}) });
    for (const record of page.records) records.push(record);
    after = page.next;
  } while (after !== undefined);
  return records;
}
