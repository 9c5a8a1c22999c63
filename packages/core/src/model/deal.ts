import * as z from 'zod/mini';
import { filterSchema } from '../filter/schema.js';
import { currencyCodeSchema } from '../money/money.js';
import { customFieldsProperty } from './custom-fields.js';
import { entityInput, entityPatch, entityRecord } from './entity.js';
import {
  dateOnlySchema,
  fieldPathSchema,
  idSchema,
  instantSchema,
  localizedTextSchema,
  nameSchema,
  sourceSchema,
  trimmedString,
  sharedWithSchema,
} from './primitives.js';

/** Whether a deal is still being worked, or was won or lost. */
export const dealStatuses = ['open', 'won', 'lost'] as const;
export type DealStatus = (typeof dealStatuses)[number];

/** Whether a stage is a working stage or a closing one. */
export const stageKinds = ['open', 'won', 'lost'] as const;
export type StageKind = (typeof stageKinds)[number];

/** A sales stage (销售阶段) of a pipeline. */
export const stageSchema = /* @__PURE__ */ z.strictObject({
  id: idSchema,
  name: localizedTextSchema,
  /** Win probability, 0..1, used to weight the forecast. */
  probability: /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(0), /* @__PURE__ */ z.lte(1)),
  kind: /* @__PURE__ */ z.enum(stageKinds),
  /** A deal idle this many days in the stage is flagged as rotting. */
  rottingDays: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
  /**
   * What a deal must satisfy to enter the stage (a stage gate): fields that must be filled in (not missing, `null`,
   * blank, or an empty list or object), and optionally conditions in the filter language, e.g.
   * `{ field: 'amount.amountMinor', op: 'gt', value: 0 }`. `crm.deals.moveToStage` refuses a deal that fails it.
   */
  gate: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.strictObject({
      requiredFields: /* @__PURE__ */ z._default(
        /* @__PURE__ */ z.array(fieldPathSchema).check(/* @__PURE__ */ z.maxLength(100)),
        () => [],
      ),
      conditions: /* @__PURE__ */ z.optional(filterSchema),
    }),
  ),
});
export type Stage = z.infer<typeof stageSchema>;

const stagesSchema = /* @__PURE__ */ z.array(stageSchema).check(
  /* @__PURE__ */ z.minLength(1),
  /* @__PURE__ */ z.maxLength(100),
  /* @__PURE__ */ z.superRefine((stages, ctx) => {
    const seen = new Set<string>();
    stages.forEach((stage, index) => {
      if (seen.has(stage.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'Duplicate stage id' });
      seen.add(stage.id);
    });
  }),
);

const pipelineShape = {
  name: localizedTextSchema,
  /** The stages in funnel order. */
  stages: stagesSchema,
  /** The pipeline new deals go to when none is named. */
  isDefault: /* @__PURE__ */ z._default(/* @__PURE__ */ z.boolean(), false),
};

/** What creating a pipeline accepts. */
export const pipelineInputSchema = /* @__PURE__ */ entityInput(pipelineShape);
/** A stored pipeline. */
export const pipelineSchema = /* @__PURE__ */ entityRecord(pipelineShape);
/** An update to a pipeline. */
export const pipelinePatchSchema = /* @__PURE__ */ entityPatch(pipelineShape);
export type PipelineInput = z.input<typeof pipelineInputSchema>;
export type Pipeline = z.infer<typeof pipelineSchema>;
export type PipelinePatch = z.input<typeof pipelinePatchSchema>;

/** A deal's value: money, never negative. */
const dealAmountSchema = /* @__PURE__ */ z.strictObject({
  amountMinor: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative()),
  currency: currencyCodeSchema,
});

const dealShape = {
  title: nameSchema,
  customerId: idSchema,
  pipelineId: idSchema,
  stageId: idSchema,
  amount: dealAmountSchema,
  ownerId: /* @__PURE__ */ z.optional(idSchema),
  sharedWith: sharedWithSchema,
  status: /* @__PURE__ */ z._default(/* @__PURE__ */ z.enum(dealStatuses), 'open'),
  /** The day the deal is expected to close, in the owner's calendar. */
  expectedCloseDate: /* @__PURE__ */ z.optional(dateOnlySchema),
  closedAt: /* @__PURE__ */ z.optional(instantSchema),
  lostReason: /* @__PURE__ */ z.optional(/* @__PURE__ */ trimmedString(2000)),
  /** When the deal entered its current stage; drives rotting. */
  stageEnteredAt: /* @__PURE__ */ z.optional(instantSchema),
  source: /* @__PURE__ */ z.optional(sourceSchema),
  /** When the latest activity about it happened; kept by `crm.activities.log`. */
  lastActivityAt: /* @__PURE__ */ z.optional(instantSchema),
  customFields: customFieldsProperty,
};

/** What creating a deal accepts. */
export const dealInputSchema = /* @__PURE__ */ entityInput(dealShape);
/** A stored deal. */
export const dealSchema = /* @__PURE__ */ entityRecord(dealShape);
/** An update to a deal. */
export const dealPatchSchema = /* @__PURE__ */ entityPatch(dealShape);
export type DealInput = z.input<typeof dealInputSchema>;
export type Deal = z.infer<typeof dealSchema>;
export type DealPatch = z.input<typeof dealPatchSchema>;

const stageChangeShape = {
  dealId: idSchema,
  pipelineId: idSchema,
  /** `null` when the deal entered the pipeline. */
  fromStageId: /* @__PURE__ */ z.nullable(idSchema),
  toStageId: idSchema,
  at: instantSchema,
  /** The user who moved the deal. */
  by: idSchema,
};

/** What recording a stage change accepts. */
export const stageChangeInputSchema = /* @__PURE__ */ entityInput(stageChangeShape);
/** A stored stage change. */
export const stageChangeSchema = /* @__PURE__ */ entityRecord(stageChangeShape);
/** An update to a stage change (history is normally append-only). */
export const stageChangePatchSchema = /* @__PURE__ */ entityPatch(stageChangeShape);
export type StageChangeInput = z.input<typeof stageChangeInputSchema>;
export type StageChange = z.infer<typeof stageChangeSchema>;
export type StageChangePatch = z.input<typeof stageChangePatchSchema>;
