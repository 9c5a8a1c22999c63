import * as z from 'zod/mini';
import { filterSchema } from '../filter/schema.js';
import { currencyCodeSchema } from '../money/money.js';
import { customFieldsProperty } from './custom-fields.js';
import { defineEntity } from './entity.js';
import {
  dateOnlySchema,
  fieldPathSchema,
  idSchema,
  instantSchema,
  localizedTextSchema,
  nameSchema,
  sourceSchema,
  trimmedString,
} from './primitives.js';

/** Whether a deal is still being worked, or was won or lost. */
export const dealStatuses = ['open', 'won', 'lost'] as const;
export type DealStatus = (typeof dealStatuses)[number];

/** Whether a stage is a working stage or a closing one. */
export const stageKinds = ['open', 'won', 'lost'] as const;
export type StageKind = (typeof stageKinds)[number];

/** A sales stage (销售阶段) of a pipeline. */
export const stageSchema = z.strictObject({
  id: idSchema,
  name: localizedTextSchema,
  /** Win probability, 0..1, used to weight the forecast. */
  probability: z.number().check(z.gte(0), z.lte(1)),
  kind: z.enum(stageKinds),
  /** A deal idle this many days in the stage is flagged as rotting. */
  rottingDays: z.optional(z.int().check(z.positive())),
  /**
   * What a deal must satisfy to enter the stage (a stage gate): fields that must be filled in (not missing, `null`,
   * blank, or an empty list or object), and optionally conditions in the filter language, e.g.
   * `{ field: 'amount.amountMinor', op: 'gt', value: 0 }`. `crm.deals.moveToStage` refuses a deal that fails it.
   */
  gate: z.optional(
    z.strictObject({
      requiredFields: z._default(z.array(fieldPathSchema).check(z.maxLength(100)), () => []),
      conditions: z.optional(filterSchema),
    }),
  ),
});
export type Stage = z.infer<typeof stageSchema>;

const stagesSchema = z.array(stageSchema).check(
  z.minLength(1),
  z.maxLength(100),
  z.superRefine((stages, ctx) => {
    const seen = new Set<string>();
    stages.forEach((stage, index) => {
      if (seen.has(stage.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'Duplicate stage id' });
      seen.add(stage.id);
    });
  }),
);

const pipeline = defineEntity({
  name: localizedTextSchema,
  /** The stages in funnel order. */
  stages: stagesSchema,
  /** The pipeline new deals go to when none is named. */
  isDefault: z._default(z.boolean(), false),
});

/** What creating a pipeline accepts. */
export const pipelineInputSchema = pipeline.input;
/** A stored pipeline. */
export const pipelineSchema = pipeline.record;
/** An update to a pipeline. */
export const pipelinePatchSchema = pipeline.patch;
export type PipelineInput = z.input<typeof pipelineInputSchema>;
export type Pipeline = z.infer<typeof pipelineSchema>;
export type PipelinePatch = z.input<typeof pipelinePatchSchema>;

/** A deal's value: money, never negative. */
const dealAmountSchema = z.strictObject({
  amountMinor: z.int().check(z.nonnegative()),
  currency: currencyCodeSchema,
});

const deal = defineEntity({
  title: nameSchema,
  customerId: idSchema,
  pipelineId: idSchema,
  stageId: idSchema,
  amount: dealAmountSchema,
  ownerId: z.optional(idSchema),
  status: z._default(z.enum(dealStatuses), 'open'),
  /** The day the deal is expected to close, in the owner's calendar. */
  expectedCloseDate: z.optional(dateOnlySchema),
  closedAt: z.optional(instantSchema),
  lostReason: z.optional(trimmedString(2000)),
  /** When the deal entered its current stage; drives rotting. */
  stageEnteredAt: z.optional(instantSchema),
  source: z.optional(sourceSchema),
  /** When the latest activity about it happened; kept by `crm.activities.log`. */
  lastActivityAt: z.optional(instantSchema),
  customFields: customFieldsProperty,
});

/** What creating a deal accepts. */
export const dealInputSchema = deal.input;
/** A stored deal. */
export const dealSchema = deal.record;
/** An update to a deal. */
export const dealPatchSchema = deal.patch;
export type DealInput = z.input<typeof dealInputSchema>;
export type Deal = z.infer<typeof dealSchema>;
export type DealPatch = z.input<typeof dealPatchSchema>;

const stageChange = defineEntity({
  dealId: idSchema,
  pipelineId: idSchema,
  /** `null` when the deal entered the pipeline. */
  fromStageId: z.nullable(idSchema),
  toStageId: idSchema,
  at: instantSchema,
  /** The user who moved the deal. */
  by: idSchema,
});

/** What recording a stage change accepts. */
export const stageChangeInputSchema = stageChange.input;
/** A stored stage change. */
export const stageChangeSchema = stageChange.record;
/** An update to a stage change (history is normally append-only). */
export const stageChangePatchSchema = stageChange.patch;
export type StageChangeInput = z.input<typeof stageChangeInputSchema>;
export type StageChange = z.infer<typeof stageChangeSchema>;
export type StageChangePatch = z.input<typeof stageChangePatchSchema>;
