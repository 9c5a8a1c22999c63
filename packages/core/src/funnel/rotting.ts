import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { instantInputSchema, recordMs } from '../time/bounds.js';
import type { FunnelDeal, FunnelPipeline, RottingDeal } from './types.js';

const DAY = 86_400_000;

/** Options of {@link rottingDeals}. */
export interface RottingOptions {
  /** The instant idle time is measured to. */
  readonly asOf: Date | string;
  /** At most this many deals are listed, longest idle first. Default 100. */
  readonly limit?: number;
}

const optionsSchema = /* @__PURE__ */ z.strictObject({
  asOf: instantInputSchema,
  limit: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative())),
});

/**
 * Open deals of the pipeline idle in their stage for more than the stage's `rottingDays`, measured from
 * `stageEnteredAt` (else `updatedAt`, else `createdAt`) to `asOf`. Deals in stages without rotting days, in closing
 * stages or in stages the pipeline no longer has are never rotting.
 *
 * @returns how many rot, and the longest-idle ones (ties by deal id).
 */
export function rottingDeals(
  deals: readonly FunnelDeal[],
  pipeline: FunnelPipeline,
  options: RottingOptions,
): { count: number; deals: RottingDeal[] } {
  const parsed = parseOrThrow(optionsSchema, options, 'rotting options');
  const asOf = typeof parsed.asOf === 'string' ? recordMs(parsed.asOf, 'asOf') : parsed.asOf.getTime();
  const limits = new Map<string, number>();
  for (const stage of pipeline.stages) {
    if (stage.kind === 'open' && stage.rottingDays !== undefined) limits.set(stage.id, stage.rottingDays);
  }
  const found: RottingDeal[] = [];
  if (limits.size === 0) return { count: 0, deals: found };
  deals.forEach((deal, index) => {
    if (deal.pipelineId !== pipeline.id) return;
    const rottingDays = limits.get(deal.stageId);
    if (rottingDays === undefined) return;
    const field = deal.stageEnteredAt ? 'stageEnteredAt' : deal.updatedAt ? 'updatedAt' : 'createdAt';
    const idleDays = (asOf - recordMs(deal[field], 'deals', index, field)) / DAY;
    if (idleDays > rottingDays) {
      found.push({
        dealId: deal.id,
        stageId: deal.stageId,
        ...(deal.ownerId === undefined ? {} : { ownerId: deal.ownerId }),
        idleDays,
        rottingDays,
      });
    }
  });
  found.sort((a, b) => b.idleDays - a.idleDays || (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
  return { count: found.length, deals: found.slice(0, parsed.limit ?? 100) };
}
