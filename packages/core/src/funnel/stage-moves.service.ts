/**
 * What the deal, pipeline and lead services share to put deals in stages: reading pipelines for a write (installing
 * the built-in one on first use) and recording stage changes, inside the caller's transaction.
 */
import { underlying } from '../access/unguarded.js';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { fromStorage, insertAudited, type CrmContext } from '../kernel/index.js';
import { pipelineInputSchema, pipelineSchema, stageChangeInputSchema, type Pipeline } from '../model/deal.js';
import type { StorageOperations } from '../storage/port.js';
import { DEFAULT_PIPELINE, DEFAULT_PIPELINE_ID } from './pipeline.js';

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

async function installDefault(context: CrmContext, tx: StorageOperations): Promise<Pipeline> {
  context.assertCanWrite('pipeline.create');
  const { id: _id, ...definition } = DEFAULT_PIPELINE;
  const entity = parseOrThrow(pipelineInputSchema, structuredClone(definition), 'pipeline');
  // The built-in pipeline is the CRM's own, not an actor's configuration: any writer installs it, past the policy.
  const record = await insertAudited(
    context,
    underlying(tx),
    'pipelines',
    entity,
    context.nowIso(),
    DEFAULT_PIPELINE_ID,
  );
  return fromStorage(pipelineSchema, record, 'pipeline');
}
