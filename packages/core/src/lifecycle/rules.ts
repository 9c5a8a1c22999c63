/**
 * The customer lifecycle (客户生命周期): configurable stages and the rules that move a customer between them on
 * events. The rule evaluator is pure: the CRM calls it after it updates a customer's aggregate.
 *
 * @module
 */
import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { filterSchema, type Filter } from '../filter/index.js';
import { lifecycleStageIdSchema } from '../model/customer.js';
import { localizedTextSchema } from '../model/primitives.js';
import { compileSegment, type CustomerStats } from '../segments/compile.js';

/** One lifecycle stage: an id, its names in en and zh-CN, and its place in the forward order. */
export interface LifecycleStageDefinition {
  readonly id: string;
  readonly name: { readonly en: string; readonly 'zh-CN': string };
  /** Forward order: a move to a stage of lower order is backward. */
  readonly order: number;
}

/** What triggers rule evaluation: a domain fact about the customer, or the periodic sweep. */
export const lifecycleTriggers = ['deal.created', 'deal.won', 'deal.lost', 'activity.created', 'sweep'] as const;
export type LifecycleTrigger = (typeof lifecycleTriggers)[number];

/** A rule: on a trigger, when the condition holds (a segment filter), move the customer to `to`. */
export interface LifecycleRule {
  readonly id: string;
  /** The triggers it runs on. */
  readonly on: readonly LifecycleTrigger[];
  /** Only from these stages; any stage when absent. */
  readonly from?: readonly string[];
  /** A segment filter over the customer and its aggregate (`stats.*`); always true when absent. */
  readonly when?: Filter;
  readonly to: string;
  /** The explicit exception to forward-only moves. Default false. */
  readonly allowBackward?: boolean;
}

/** The lifecycle configuration: stages and rules, evaluated in order (the first rule that moves wins). */
export interface LifecycleConfig {
  readonly stages: readonly LifecycleStageDefinition[];
  readonly rules: readonly LifecycleRule[];
}

/** The default stages, in forward order. */
export const DEFAULT_LIFECYCLE_STAGES: readonly LifecycleStageDefinition[] = [
  { id: 'subscriber', name: { en: 'Subscriber', 'zh-CN': '订阅者' }, order: 0 },
  { id: 'lead', name: { en: 'Lead', 'zh-CN': '线索' }, order: 1 },
  { id: 'mql', name: { en: 'Marketing qualified lead', 'zh-CN': '市场合格线索' }, order: 2 },
  { id: 'sql', name: { en: 'Sales qualified lead', 'zh-CN': '销售合格线索' }, order: 3 },
  { id: 'opportunity', name: { en: 'Opportunity', 'zh-CN': '商机' }, order: 4 },
  { id: 'customer', name: { en: 'Customer', 'zh-CN': '客户' }, order: 5 },
  { id: 'evangelist', name: { en: 'Evangelist', 'zh-CN': '推荐者' }, order: 6 },
  { id: 'at_risk', name: { en: 'At risk', 'zh-CN': '流失风险' }, order: 7 },
  { id: 'churned', name: { en: 'Churned', 'zh-CN': '已流失' }, order: 8 },
];

/** Builds the default rules; `atRiskDays` and `churnDays` are the days without a purchase. */
export function defaultLifecycleRules(atRiskDays = 90, churnDays = 365): LifecycleRule[] {
  return [
    {
      id: 'won-again',
      on: ['deal.won'],
      from: ['at_risk', 'churned'],
      to: 'customer',
      allowBackward: true,
    },
    {
      id: 'first-won-deal',
      on: ['deal.won'],
      when: { field: 'stats.wonDeals', op: 'gte', value: 1 },
      to: 'customer',
    },
    {
      id: 'open-deal',
      on: ['deal.created'],
      when: { field: 'stats.openDeals', op: 'gte', value: 1 },
      to: 'opportunity',
    },
    {
      id: 'churned',
      on: ['sweep'],
      from: ['customer', 'evangelist', 'at_risk'],
      when: { field: 'stats.lastPurchaseAt', op: 'olderThan', amount: churnDays, unit: 'days' },
      to: 'churned',
    },
    {
      id: 'at-risk',
      on: ['sweep'],
      from: ['customer', 'evangelist'],
      when: { field: 'stats.lastPurchaseAt', op: 'olderThan', amount: atRiskDays, unit: 'days' },
      to: 'at_risk',
    },
  ];
}

/** The default configuration: the default stages and rules (at risk after 90 days, churned after 365). */
export const DEFAULT_LIFECYCLE: LifecycleConfig = {
  stages: DEFAULT_LIFECYCLE_STAGES,
  rules: /* @__PURE__ */ defaultLifecycleRules(),
};

/** A rule id: lower-case letters, digits, `_` and `-`, starting with a letter. */
const ruleIdSchema = /* @__PURE__ */ z
  .string('Expected a rule id')
  .check(
    /* @__PURE__ */ z.maxLength(100),
    /* @__PURE__ */ z.regex(/^[a-z][a-z0-9_-]*$/, 'Expected a rule id such as first-won-deal'),
  );

const configSchema = /* @__PURE__ */ z
  .object({
    stages: /* @__PURE__ */ z
      .array(
        /* @__PURE__ */ z.strictObject({
          id: lifecycleStageIdSchema,
          name: localizedTextSchema,
          order: /* @__PURE__ */ z.number(),
        }),
      )
      .check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(50)),
    rules: /* @__PURE__ */ z
      .array(
        /* @__PURE__ */ z.strictObject({
          id: ruleIdSchema,
          on: /* @__PURE__ */ z.array(/* @__PURE__ */ z.enum(lifecycleTriggers)).check(/* @__PURE__ */ z.minLength(1)),
          from: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(lifecycleStageIdSchema)),
          when: /* @__PURE__ */ z.optional(filterSchema),
          to: lifecycleStageIdSchema,
          allowBackward: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
        }),
      )
      .check(/* @__PURE__ */ z.maxLength(200)),
  })
  .check(
    /* @__PURE__ */ z.superRefine((config, ctx) => {
      const ids = new Set(config.stages.map((stage) => stage.id));
      if (ids.size !== config.stages.length)
        ctx.addIssue({ code: 'custom', path: ['stages'], message: 'Duplicate stage id', input: config });
      config.rules.forEach((rule, i) => {
        if (!ids.has(rule.to))
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'to'], message: 'Unknown stage', input: rule.to });
        rule.from?.forEach((from, j) => {
          if (!ids.has(from))
            ctx.addIssue({ code: 'custom', path: ['rules', i, 'from', j], message: 'Unknown stage', input: from });
        });
      });
    }),
  );

/**
 * Validates a lifecycle configuration: stage ids unique, rules naming known stages, conditions valid filters.
 *
 * @throws ValidationError naming the bad field, e.g. `rules.2.to`.
 */
export function parseLifecycleConfig(input: unknown): LifecycleConfig {
  return parseOrThrow(configSchema, input, 'lifecycle configuration') as LifecycleConfig;
}

/** What the evaluator decides: move to `to` because rule `ruleId` fired. */
export interface LifecycleMove {
  readonly from: string;
  readonly to: string;
  readonly ruleId: string;
}

/** The input of {@link evaluateLifecycle}. */
export interface LifecycleEvaluation {
  readonly config: LifecycleConfig;
  readonly trigger: LifecycleTrigger;
  /** The customer (its `lifecycleStage` is the current stage). */
  readonly customer: { readonly lifecycleStage: string } & Record<string, unknown>;
  readonly stats: CustomerStats | undefined;
  readonly now: Date;
}

/**
 * The pure rule evaluator: the first rule (in configuration order) that runs on `trigger`, applies from the current
 * stage, whose condition holds, whose target differs from the current stage and which moves forward (or is an
 * explicit backward exception) decides the move. `undefined` when no rule moves the customer.
 */
export function evaluateLifecycle(input: LifecycleEvaluation): LifecycleMove | undefined {
  const { config, trigger, customer, stats, now } = input;
  const current = customer.lifecycleStage;
  const order = new Map(config.stages.map((stage) => [stage.id, stage.order]));
  const currentOrder = order.get(current) ?? Number.NEGATIVE_INFINITY;
  for (const rule of config.rules) {
    if (!rule.on.includes(trigger)) continue;
    if (rule.to === current) continue;
    if (rule.from && !rule.from.includes(current)) continue;
    const targetOrder = order.get(rule.to);
    if (targetOrder === undefined) continue;
    if (targetOrder < currentOrder && !rule.allowBackward) continue;
    if (rule.when && !compileSegment(rule.when, { now })(customer, stats)) continue;
    return { from: current, to: rule.to, ruleId: rule.id };
  }
  return undefined;
}
