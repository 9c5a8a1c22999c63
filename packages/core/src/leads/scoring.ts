/**
 * Rule-based lead scoring (线索评分) with an explanation: points from the lead's attributes (conditions in the filter
 * language) and from its behaviour (activities, each worth less as it ages), summed and clamped. Pure and
 * deterministic given `now`.
 */
import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { filterFields, filterSchema, type Filter } from '../filter/index.js';
import { predicateAt } from './predicate.js';

/** A rule id: a letter, then up to 63 letters, digits, `_`, `-` or `.`. Explanations and history name rules by it. */
export const ruleIdSchema = /* @__PURE__ */ z
  .string()
  .check(
    /* @__PURE__ */ z.regex(
      /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/,
      'Expected a rule id: a letter, then letters, digits, _ - or .',
    ),
  );

const pointsSchema = /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(-1000), /* @__PURE__ */ z.lte(1000));

/** Points when the lead matches `when`, a condition over the lead's fields (`source`, `industry`, `customFields.x`). */
export interface AttributeScoringRule {
  readonly id: string;
  readonly kind: 'attribute';
  readonly when: Filter;
  readonly points: number;
}

/**
 * Points per activity of the lead matching `when` (all activities when absent), e.g. `{ field: 'type', op: 'eq',
 * value: 'meeting' }`. With `halfLifeDays`, an activity `d` days old is worth `points × 0.5^(d / halfLifeDays)`
 * (recency decay); activities older than `withinDays` or later than now count nothing; the rule's total is capped at
 * `maxPoints` (in absolute value).
 */
export interface ActivityScoringRule {
  readonly id: string;
  readonly kind: 'activity';
  readonly when?: Filter;
  readonly points: number;
  readonly halfLifeDays?: number;
  readonly withinDays?: number;
  readonly maxPoints?: number;
}

export type ScoringRule = AttributeScoringRule | ActivityScoringRule;

/** A scoring model: rules in explanation order, and optional bounds for the total. */
export interface ScoringModel {
  readonly rules: readonly ScoringRule[];
  readonly min?: number;
  readonly max?: number;
}

/** The schema of a {@link ScoringModel}: rule ids unique, `min ≤ max`, at most 200 rules. */
export const scoringModelSchema = /* @__PURE__ */ z
  .object({
    rules: /* @__PURE__ */ z
      .array(
        /* @__PURE__ */ z.discriminatedUnion('kind', [
          /* @__PURE__ */ z.strictObject({
            id: ruleIdSchema,
            kind: /* @__PURE__ */ z.literal('attribute'),
            when: filterSchema,
            points: pointsSchema,
          }),
          /* @__PURE__ */ z.strictObject({
            id: ruleIdSchema,
            kind: /* @__PURE__ */ z.literal('activity'),
            when: /* @__PURE__ */ z.optional(filterSchema),
            points: pointsSchema,
            halfLifeDays: /* @__PURE__ */ z.optional(
              /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(3650)),
            ),
            withinDays: /* @__PURE__ */ z.optional(
              /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(36500)),
            ),
            maxPoints: /* @__PURE__ */ z.optional(
              /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.nonnegative(), /* @__PURE__ */ z.lte(100_000)),
            ),
          }),
        ]),
      )
      .check(
        /* @__PURE__ */ z.maxLength(200),
        /* @__PURE__ */ z.superRefine((rules, ctx) => {
          const seen = new Set<string>();
          rules.forEach((rule, index) => {
            if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'Duplicate rule id' });
            seen.add(rule.id);
          });
        }),
      ),
    min: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number()),
    max: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number()),
  })
  .check(
    /* @__PURE__ */ z.refine((model) => model.min === undefined || model.max === undefined || model.min <= model.max, {
      path: ['max'],
      message: 'Must not be less than min',
    }),
  );

/**
 * The model used when a host configures none: 0–100 points for contact data, company, a referral, recent
 * engagement and recent meetings.
 */
export const DEFAULT_SCORING_MODEL: ScoringModel = /* @__PURE__ */ Object.freeze({
  min: 0,
  max: 100,
  rules: /* @__PURE__ */ Object.freeze([
    { id: 'hasEmail', kind: 'attribute', when: { field: 'email', op: 'exists', value: true }, points: 10 },
    { id: 'hasPhone', kind: 'attribute', when: { field: 'phone', op: 'exists', value: true }, points: 10 },
    { id: 'hasCompany', kind: 'attribute', when: { field: 'company', op: 'exists', value: true }, points: 10 },
    { id: 'referral', kind: 'attribute', when: { field: 'source', op: 'eq', value: 'referral' }, points: 15 },
    {
      id: 'engagement',
      kind: 'activity',
      when: { field: 'direction', op: 'eq', value: 'inbound' },
      points: 5,
      halfLifeDays: 30,
      maxPoints: 30,
    },
    {
      id: 'meetings',
      kind: 'activity',
      when: { field: 'type', op: 'eq', value: 'meeting' },
      points: 15,
      halfLifeDays: 60,
      maxPoints: 30,
    },
  ] satisfies ScoringRule[]),
});

/** What scoring reads of an activity: when it happened, plus whatever the rules' conditions read. */
export interface ScoringActivity {
  readonly occurredAt: string;
  readonly [field: string]: unknown;
}

/** One rule's share of a score. */
export interface ScoreContribution {
  readonly ruleId: string;
  readonly kind: ScoringRule['kind'];
  /** Points the rule gave, rounded to an integer (negative for a penalty). */
  readonly points: number;
  /** 1 or 0 for an attribute rule; the number of activities that counted for an activity rule. */
  readonly matched: number;
}

/** A score and its explanation: every rule of the model, in model order, with the points it gave. */
export interface LeadScore {
  readonly score: number;
  readonly contributions: readonly ScoreContribution[];
}

const DAY_MS = 86_400_000;

const validated = new WeakMap<ScoringModel, ScoringModel>();

/** Validates a model (once per object: do not mutate one after use). `ValidationError` naming the bad rule. */
export function parseScoringModel(model: unknown): ScoringModel {
  if (typeof model === 'object' && model !== null) {
    const cached = validated.get(model as ScoringModel);
    if (cached) return cached;
  }
  const parsed = parseOrThrow(scoringModelSchema, model, 'scoring model') as ScoringModel;
  if (typeof model === 'object' && model !== null) validated.set(model as ScoringModel, parsed);
  return parsed;
}

/**
 * Scores a lead: each attribute rule gives its points when `lead` matches; each activity rule sums its points over
 * the matching `activities` (decayed by age, within its window, capped); each rule's points are rounded to an integer;
 * the total is clamped to the model's `min`/`max`. `now` is the instant ages and relative conditions count from.
 */
export function scoreLead(
  lead: object,
  activities: readonly ScoringActivity[],
  model: ScoringModel = DEFAULT_SCORING_MODEL,
  now: Date,
): LeadScore {
  const checked = parseScoringModel(model);
  const nowMs = now.getTime();
  const contributions: ScoreContribution[] = checked.rules.map((rule) => {
    const test = rule.when === undefined ? undefined : predicateAt(rule.when, now);
    if (rule.kind === 'attribute') {
      const matched = test!(lead) ? 1 : 0;
      return { ruleId: rule.id, kind: rule.kind, points: matched ? Math.round(rule.points) + 0 : 0, matched };
    }
    let sum = 0;
    let matched = 0;
    for (const activity of activities) {
      const at = Date.parse(activity.occurredAt);
      if (!Number.isFinite(at) || at > nowMs) continue;
      const ageDays = (nowMs - at) / DAY_MS;
      if (rule.withinDays !== undefined && ageDays > rule.withinDays) continue;
      if (test && !test(activity)) continue;
      matched++;
      sum += rule.halfLifeDays === undefined ? rule.points : rule.points * 0.5 ** (ageDays / rule.halfLifeDays);
    }
    if (rule.maxPoints !== undefined) sum = Math.max(-rule.maxPoints, Math.min(rule.maxPoints, sum));
    return { ruleId: rule.id, kind: rule.kind, points: Math.round(sum) + 0, matched };
  });
  let score = contributions.reduce((total, contribution) => total + contribution.points, 0);
  if (checked.min !== undefined) score = Math.max(checked.min, score);
  if (checked.max !== undefined) score = Math.min(checked.max, score);
  return { score, contributions };
}

/** The field paths a model's attribute rules read: a change to one of them calls for re-scoring. */
export function scoringFields(model: ScoringModel): string[] {
  const fields = new Set<string>();
  for (const rule of parseScoringModel(model).rules) {
    if (rule.kind === 'attribute') for (const field of filterFields(rule.when)) fields.add(field);
  }
  return [...fields].sort();
}
