/**
 * The built-in sales funnel (销售漏斗) and pure helpers that edit a pipeline's stages.
 *
 * The source document's funnel runs 潜在客户 prospect → 合格线索 qualified lead → 商机 opportunity → 报价/提案
 * quote/proposal → 成交 won. Leads carry the first two steps ({@link DEFAULT_LEAD_STEPS}); the deal pipeline
 * {@link DEFAULT_PIPELINE} carries the rest, plus a lost stage.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { stageSchema, type Pipeline, type Stage } from '../model/deal.js';
import { idSchema, localizedTextSchema, trimmedString, type LocalizedText } from '../model/primitives.js';

/** The id of the built-in pipeline, installed by `crm.pipelines.ensureDefault()` or on first use. */
export const DEFAULT_PIPELINE_ID = 'default';

/** A pipeline's definition without the record metadata storage adds. */
export type PipelineDefinition = Omit<Pipeline, 'version' | 'createdAt' | 'updatedAt'>;

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};

/**
 * The built-in deal pipeline: 商机 opportunity (20 %) → 报价/提案 quote/proposal (60 %) → 成交 won, plus 输单 lost.
 * Entering the proposal stage needs an expected close date and an amount above zero.
 */
export const DEFAULT_PIPELINE: Readonly<PipelineDefinition> = /* @__PURE__ */ deepFreeze({
  id: DEFAULT_PIPELINE_ID,
  name: { en: 'Sales pipeline', 'zh-CN': '销售漏斗' },
  isDefault: true,
  stages: [
    {
      id: 'opportunity',
      name: { en: 'Opportunity', 'zh-CN': '商机' },
      probability: 0.2,
      kind: 'open',
      rottingDays: 30,
    },
    {
      id: 'proposal',
      name: { en: 'Quote / proposal', 'zh-CN': '报价/提案' },
      probability: 0.6,
      kind: 'open',
      rottingDays: 14,
      gate: {
        requiredFields: ['expectedCloseDate'],
        conditions: { field: 'amount.amountMinor', op: 'gt', value: 0 },
      },
    },
    { id: 'won', name: { en: 'Won', 'zh-CN': '成交' }, probability: 1, kind: 'won' },
    { id: 'lost', name: { en: 'Lost', 'zh-CN': '输单' }, probability: 0, kind: 'lost' },
  ],
} satisfies PipelineDefinition);

/** A step of the funnel carried by leads rather than deals. */
export interface LeadStep {
  readonly id: 'prospect' | 'qualified';
  readonly name: LocalizedText;
}

/**
 * The funnel's lead steps: every lead is a 潜在客户 prospect; a lead whose status is `qualified` or `converted` is a
 * 合格线索 qualified lead. A converted lead continues as its deal.
 */
export const DEFAULT_LEAD_STEPS: readonly LeadStep[] = /* @__PURE__ */ deepFreeze([
  { id: 'prospect', name: { en: 'Prospect', 'zh-CN': '潜在客户' } },
  { id: 'qualified', name: { en: 'Qualified lead', 'zh-CN': '合格线索' } },
] as const);

/** A reason a deal was lost: a stable code stored on the deal, and its labels. */
export interface LostReason {
  readonly code: string;
  readonly label: LocalizedText;
}

/** The lost reasons a CRM accepts unless `createCrm({ lostReasons })` names others. */
export const DEFAULT_LOST_REASONS: readonly LostReason[] = /* @__PURE__ */ deepFreeze([
  { code: 'price', label: { en: 'Price too high', 'zh-CN': '价格过高' } },
  { code: 'competitor', label: { en: 'Chose a competitor', 'zh-CN': '选择了竞争对手' } },
  { code: 'budget', label: { en: 'No budget', 'zh-CN': '预算不足' } },
  { code: 'timing', label: { en: 'Bad timing', 'zh-CN': '时机不合适' } },
  { code: 'no_decision', label: { en: 'No decision made', 'zh-CN': '未做决定' } },
  { code: 'requirements', label: { en: 'Requirements not met', 'zh-CN': '需求不匹配' } },
  { code: 'unresponsive', label: { en: 'Stopped responding', 'zh-CN': '客户失联' } },
  { code: 'other', label: { en: 'Other', 'zh-CN': '其他' } },
]);

/** The codes of {@link DEFAULT_LOST_REASONS}. */
export const DEFAULT_LOST_REASON_CODES: readonly string[] = /* @__PURE__ */ Object.freeze(
  /* @__PURE__ */ DEFAULT_LOST_REASONS.map((r) => r.code),
);

/** A lost-reason code: trimmed, 1–100 characters. */
export const lostReasonCodeSchema = /* @__PURE__ */ trimmedString(100);

/** A configured list of lost-reason codes: 1–200 distinct codes. */
export const lostReasonsSchema = /* @__PURE__ */ z.array(lostReasonCodeSchema).check(
  /* @__PURE__ */ z.minLength(1),
  /* @__PURE__ */ z.maxLength(200),
  /* @__PURE__ */ z.superRefine((codes, ctx) => {
    const seen = new Set<string>();
    codes.forEach((code, index) => {
      if (seen.has(code)) ctx.addIssue({ code: 'custom', path: [index], message: 'Duplicate lost reason' });
      seen.add(code);
    });
  }),
);

const stagesContext = 'pipeline stages';

function indexOfStage(stages: readonly Stage[], stageId: string, path: string): number {
  const index = stages.findIndex((stage) => stage.id === stageId);
  if (index < 0) throw new ValidationError([{ path: [path], message: 'No such stage in the pipeline' }], stagesContext);
  return index;
}

/**
 * The stages with `stage` inserted at `index` (default: before the first closing stage, or at the end).
 * `ValidationError` when the stage is invalid or its id is taken.
 */
export function addStage(stages: readonly Stage[], stage: z.input<typeof stageSchema>, index?: number): Stage[] {
  const parsed = parseOrThrow(stageSchema, stage, 'stage');
  if (stages.some((existing) => existing.id === parsed.id)) {
    throw new ValidationError([{ path: ['id'], message: 'A stage with this id exists already' }], 'stage');
  }
  const closing = stages.findIndex((existing) => existing.kind !== 'open');
  const at = index ?? (parsed.kind === 'open' && closing >= 0 ? closing : stages.length);
  if (!Number.isInteger(at) || at < 0 || at > stages.length) {
    throw new ValidationError(
      [{ path: ['index'], message: `Expected an integer from 0 to ${stages.length}` }],
      'stage',
    );
  }
  return [...stages.slice(0, at), parsed, ...stages.slice(at)];
}

/** The stages without `stageId`. `ValidationError` when it is not there or is the only stage. */
export function removeStage(stages: readonly Stage[], stageId: string): Stage[] {
  const index = indexOfStage(stages, stageId, 'stageId');
  if (stages.length === 1) {
    throw new ValidationError([{ path: ['stageId'], message: 'A pipeline keeps at least one stage' }], stagesContext);
  }
  return stages.filter((_, i) => i !== index);
}

/** The stages in the order of `stageIds`, which must name every stage exactly once. */
export function reorderStages(stages: readonly Stage[], stageIds: readonly string[]): Stage[] {
  const ids = parseOrThrow(z.array(idSchema), stageIds, 'stage order');
  const byId = new Map(stages.map((stage) => [stage.id, stage]));
  const seen = new Set<string>();
  const ordered = ids.map((id, index) => {
    const stage = byId.get(id);
    if (!stage || seen.has(id)) {
      throw new ValidationError(
        [{ path: [index], message: stage ? 'Stage listed twice' : 'No such stage in the pipeline' }],
        'stage order',
      );
    }
    seen.add(id);
    return stage;
  });
  if (ordered.length !== stages.length) {
    throw new ValidationError([{ path: [], message: 'Expected every stage of the pipeline once' }], 'stage order');
  }
  return ordered;
}

/** What {@link updateStage} may change: everything but the id and the kind (deals' status follows the kind). */
export const stageUpdateSchema = /* @__PURE__ */ z.strictObject({
  name: /* @__PURE__ */ z.optional(localizedTextSchema),
  probability: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(0), /* @__PURE__ */ z.lte(1)),
  ),
  rottingDays: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.nullable(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive())),
  ),
  gate: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.nullable(stageSchema.shape.gate.def.innerType)),
});
export type StageUpdate = z.input<typeof stageUpdateSchema>;

/**
 * The stages with one stage's name, probability, rotting days or gate changed (`null` clears the last two).
 * Ids and kinds are fixed: to change a kind, add a stage and remove the old one, moving its deals.
 */
export function updateStage(stages: readonly Stage[], stageId: string, update: StageUpdate): Stage[] {
  const index = indexOfStage(stages, stageId, 'stageId');
  const changes = parseOrThrow(z.strictObject(stageUpdateSchema.shape), update, 'stage update');
  const current = stages[index] as Stage;
  const next: Stage = { ...current };
  if (changes.name !== undefined) next.name = changes.name;
  if (changes.probability !== undefined) next.probability = changes.probability;
  if (changes.rottingDays === null) delete next.rottingDays;
  else if (changes.rottingDays !== undefined) next.rottingDays = changes.rottingDays;
  if (changes.gate === null) delete next.gate;
  else if (changes.gate !== undefined) next.gate = changes.gate;
  return stages.map((stage, i) => (i === index ? parseOrThrow(stageSchema, next, 'stage') : stage));
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

/**
 * The built-in pipeline as defined, before anything installed it (version 0, no timestamps): what reading `default`
 * answers on a CRM that has not stored it yet. Reading never installs anything.
 */
export function uninstalledDefaultPipeline(): Pipeline {
  return { ...structuredClone(DEFAULT_PIPELINE), version: 0, createdAt: '', updatedAt: '' } as Pipeline;
}
