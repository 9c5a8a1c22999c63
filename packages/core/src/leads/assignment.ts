/**
 * Lead assignment (线索分配): pure decisions over plain data, each with its reason.
 *
 * - **Round-robin** and **weighted** are one algorithm, stride scheduling: every rep has a *pass*; the eligible rep
 *   with the lowest pass gets the lead (ties in pool order) and its pass grows by `1 / weight`. With equal weights this
 *   is a rotation; over time each rep's share is proportional to its weight. A rep that was inactive or at capacity
 *   re-enters at the current pass, so it is skipped while away and gets no burst of catch-up leads on return.
 * - **Least loaded** picks the eligible rep with the fewest open leads (ties: the most capacity left, then pool order).
 * - **Rules** route by the lead's fields (territory, source, industry, language, … in the filter language) to a pool
 *   with its own strategy and rotation; the first rule that matches and has an eligible rep wins, else the default.
 *
 * Every strategy is capacity-aware: an inactive rep, or one whose open leads reach their capacity, is never picked.
 * The state of each rotation is plain data the caller persists; decisions are deterministic given it.
 */
import * as z from 'zod/mini';
import { parseOrThrow } from '../errors/parse.js';
import { filterSchema, type Filter } from '../filter/index.js';
import { idSchema } from '../model/primitives.js';
import { own, predicateAt } from './predicate.js';
import { ruleIdSchema } from './scoring.js';

/** The pool strategies. */
export const poolStrategyKinds = ['roundRobin', 'weighted', 'leastLoaded'] as const;
export type PoolStrategyKind = (typeof poolStrategyKinds)[number];

/** How a lead is picked from a pool of reps. Weights are relative; a rep without one has weight 1, weight 0 none. */
export type PoolStrategy =
  | { readonly kind: 'roundRobin' }
  | { readonly kind: 'weighted'; readonly weights: Readonly<Record<string, number>> }
  | { readonly kind: 'leastLoaded' };

/** Routes leads matching `when` to `repIds`, picked by `strategy` (round-robin by default). */
export interface AssignmentRule {
  readonly id: string;
  readonly when: Filter;
  readonly repIds: readonly string[];
  readonly strategy?: PoolStrategy;
}

/** The assignment configuration: rules tried in order, then the default pool. */
export interface AssignmentConfig {
  /** The default pool, in rotation order. When absent, the caller supplies every rep it knows (sorted by id). */
  readonly repIds?: readonly string[];
  /** The default pool's strategy; round-robin by default. */
  readonly strategy?: PoolStrategy;
  readonly rules?: readonly AssignmentRule[];
}

const poolStrategySchema = /* @__PURE__ */ z.discriminatedUnion('kind', [
  /* @__PURE__ */ z.strictObject({ kind: /* @__PURE__ */ z.literal('roundRobin') }),
  /* @__PURE__ */ z.strictObject({
    kind: /* @__PURE__ */ z.literal('weighted'),
    weights: /* @__PURE__ */ z.record(
      idSchema,
      /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.nonnegative(), /* @__PURE__ */ z.lte(1_000_000)),
    ),
  }),
  /* @__PURE__ */ z.strictObject({ kind: /* @__PURE__ */ z.literal('leastLoaded') }),
]);

const repIdsSchema = /* @__PURE__ */ z.array(idSchema).check(
  /* @__PURE__ */ z.maxLength(10_000),
  /* @__PURE__ */ z.refine((ids) => new Set(ids).size === ids.length, 'Rep ids must not repeat'),
);

/** The schema of an {@link AssignmentConfig}: rule ids unique. */
export const assignmentConfigSchema = /* @__PURE__ */ z.strictObject({
  repIds: /* @__PURE__ */ z.optional(repIdsSchema),
  strategy: /* @__PURE__ */ z.optional(poolStrategySchema),
  rules: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z
      .array(
        /* @__PURE__ */ z.strictObject({
          id: ruleIdSchema,
          when: filterSchema,
          repIds: /* @__PURE__ */ repIdsSchema.check(/* @__PURE__ */ z.minLength(1)),
          strategy: /* @__PURE__ */ z.optional(poolStrategySchema),
        }),
      )
      .check(
        /* @__PURE__ */ z.maxLength(500),
        /* @__PURE__ */ z.superRefine((rules, ctx) => {
          const seen = new Set<string>();
          rules.forEach((rule, index) => {
            if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'Duplicate rule id' });
            seen.add(rule.id);
          });
        }),
      ),
  ),
});

/** Validates an assignment configuration; `ValidationError` naming the bad option. */
export function parseAssignmentConfig(config: unknown): AssignmentConfig {
  return parseOrThrow(assignmentConfigSchema, config ?? {}, 'assignment config') as AssignmentConfig;
}

/** A rep as assignment sees them. */
export interface AssignmentCandidate {
  readonly id: string;
  /** Inactive reps receive no new leads. */
  readonly active: boolean;
  /** The most open leads the rep may hold; absent means no limit. */
  readonly capacity?: number;
  /** Open leads (new, working, qualified) the rep holds now. */
  readonly openLeads: number;
}

/** The persisted state of one rotation: each rep's pass, and the pass of the last pick. */
export interface RotationState {
  readonly passes: Readonly<Record<string, number>>;
  readonly globalPass: number;
}

/** The state of a rotation that has not run yet. */
export const EMPTY_ROTATION: RotationState = /* @__PURE__ */ Object.freeze({
  passes: /* @__PURE__ */ Object.freeze({}),
  globalPass: 0,
});

/** The schema of a stored {@link RotationState}. */
export const rotationStateSchema = /* @__PURE__ */ z.strictObject({
  passes: /* @__PURE__ */ z.record(idSchema, /* @__PURE__ */ z.number()),
  globalPass: /* @__PURE__ */ z.number(),
});

/** Why a rep was passed over. */
export const skipReasons = ['inactive', 'at_capacity', 'unknown', 'zero_weight'] as const;
export type SkipReason = (typeof skipReasons)[number];

/** Why a lead went (or did not go) to a rep. */
export const assignmentReasonCodes = [
  'explicit',
  'rotation',
  'weighted_rotation',
  'least_loaded',
  'no_eligible_rep',
] as const;
export type AssignmentReasonCode = (typeof assignmentReasonCodes)[number];

/** The strategy behind a decision: a pool strategy, an explicit owner, or none (nobody eligible). */
export type AssignmentStrategyUsed = PoolStrategyKind | 'explicit' | 'none';

/** An assignment decision and its reason. Ids and codes only. */
export interface AssignmentDecision {
  /** The rep chosen; absent when nobody was eligible (the lead stays unassigned). */
  readonly ownerId?: string;
  readonly strategy: AssignmentStrategyUsed;
  readonly code: AssignmentReasonCode;
  /** The rule that routed the lead; absent for the default pool and explicit owners. */
  readonly ruleId?: string;
  /** The rotation whose state the decision advanced: `default` or `rule:<id>`. */
  readonly stateKey?: string;
  /** Rules that matched but had no eligible rep, in order. */
  readonly exhaustedRuleIds: readonly string[];
  /** Reps of the chosen pool that were passed over, and why. */
  readonly skipped: readonly { readonly repId: string; readonly reason: SkipReason }[];
  /** One sentence, ids only, e.g. `rule north: round-robin picked rep-2; skipped rep-1 (inactive)`. */
  readonly summary: string;
}

/** The outcome of {@link decideAssignment}: the decision and the rotation states to persist. */
export interface AssignmentOutcome {
  readonly decision: AssignmentDecision;
  /** Rotation states the decision changed, by state key; persist them together with the assignment. */
  readonly states: Readonly<Record<string, RotationState>>;
}

/** Inputs of {@link decideAssignment}. */
export interface AssignmentInput {
  /** The lead's fields, as the rules' conditions read them. */
  readonly lead: object;
  /** Every rep the configuration can name, or (without `repIds`) the default pool. */
  readonly candidates: readonly AssignmentCandidate[];
  readonly config?: AssignmentConfig;
  /** Rotation states by key (`default`, `rule:<id>`); a missing one starts empty. */
  readonly states?: Readonly<Record<string, RotationState>>;
  /** For rule conditions that count back from now (`withinLast`). */
  readonly now: Date;
}

/** The state key of the default pool's rotation. */
export const DEFAULT_STATE_KEY = 'default';
/** The state key of a rule's rotation. */
export const ruleStateKey = (ruleId: string): string => `rule:${ruleId}`;

/** Why `candidate` is not eligible, or `undefined` when it is. */
export function ineligibility(candidate: AssignmentCandidate | undefined): SkipReason | undefined {
  if (!candidate) return 'unknown';
  if (!candidate.active) return 'inactive';
  if (candidate.capacity !== undefined && candidate.openLeads >= candidate.capacity) return 'at_capacity';
  return undefined;
}

const STRATEGY_LABEL: Readonly<Record<PoolStrategyKind, string>> = {
  roundRobin: 'round-robin',
  weighted: 'weighted round-robin',
  leastLoaded: 'least loaded',
};

interface PoolPick {
  readonly ownerId?: string;
  readonly skipped: { repId: string; reason: SkipReason }[];
  readonly state?: RotationState;
}

/** Picks from one pool; pure. */
function pickFromPool(
  repIds: readonly string[],
  byId: ReadonlyMap<string, AssignmentCandidate>,
  strategy: PoolStrategy,
  state: RotationState,
): PoolPick {
  const skipped: { repId: string; reason: SkipReason }[] = [];
  const eligible: { candidate: AssignmentCandidate; weight: number }[] = [];
  for (const repId of repIds) {
    const candidate = byId.get(repId);
    const reason = ineligibility(candidate);
    const weight = strategy.kind === 'weighted' ? (own(strategy.weights, repId) ?? 1) : 1;
    if (reason) skipped.push({ repId, reason });
    else if (weight <= 0) skipped.push({ repId, reason: 'zero_weight' });
    else eligible.push({ candidate: candidate!, weight });
  }
  if (eligible.length === 0) return { skipped };

  if (strategy.kind === 'leastLoaded') {
    // Fewest open leads; then the most room left (no capacity: unlimited room); then pool order.
    const room = (c: AssignmentCandidate) => (c.capacity === undefined ? Infinity : c.capacity - c.openLeads);
    let best = eligible[0]!;
    for (const entry of eligible.slice(1)) {
      const a = entry.candidate;
      const b = best.candidate;
      if (a.openLeads < b.openLeads || (a.openLeads === b.openLeads && room(a) > room(b))) best = entry;
    }
    return { ownerId: best.candidate.id, skipped };
  }

  // Stride scheduling: the lowest pass wins; a returning rep re-enters at the global pass.
  const passOf = (id: string) => Math.max(own(state.passes, id) ?? state.globalPass, state.globalPass);
  let best = eligible[0]!;
  for (const entry of eligible.slice(1)) {
    if (passOf(entry.candidate.id) < passOf(best.candidate.id)) best = entry;
  }
  const pass = passOf(best.candidate.id);
  return {
    ownerId: best.candidate.id,
    skipped,
    state: { passes: { ...state.passes, [best.candidate.id]: pass + 1 / best.weight }, globalPass: pass },
  };
}

function describeSkipped(skipped: readonly { repId: string; reason: SkipReason }[]): string {
  return skipped.length === 0
    ? ''
    : `; skipped ${skipped.map((entry) => `${entry.repId} (${entry.reason.replace('_', ' ')})`).join(', ')}`;
}

/**
 * Decides who gets a lead: the first rule whose condition matches and whose pool has an eligible rep, else the
 * default pool (`config.repIds`, or every candidate in id order). Never picks an inactive rep or one at capacity;
 * when nobody is eligible the decision has no `ownerId` and code `no_eligible_rep`. Pure: the caller persists
 * `states`.
 */
export function decideAssignment(input: AssignmentInput): AssignmentOutcome {
  const config = input.config ?? {};
  const byId = new Map(input.candidates.map((candidate) => [candidate.id, candidate]));
  const states = input.states ?? {};
  const exhausted: string[] = [];

  const decide = (
    repIds: readonly string[],
    strategy: PoolStrategy,
    stateKey: string,
    ruleId: string | undefined,
  ): AssignmentOutcome | undefined => {
    const pick = pickFromPool(repIds, byId, strategy, states[stateKey] ?? EMPTY_ROTATION);
    if (pick.ownerId === undefined) return undefined;
    const code: AssignmentReasonCode =
      strategy.kind === 'leastLoaded'
        ? 'least_loaded'
        : strategy.kind === 'weighted'
          ? 'weighted_rotation'
          : 'rotation';
    const where = ruleId === undefined ? 'default pool' : `rule ${ruleId}`;
    const passed = exhausted.length ? `; rules without an eligible rep: ${exhausted.join(', ')}` : '';
    return {
      decision: {
        ownerId: pick.ownerId,
        strategy: strategy.kind,
        code,
        ...(ruleId === undefined ? {} : { ruleId }),
        stateKey,
        exhaustedRuleIds: [...exhausted],
        skipped: pick.skipped,
        summary: `${where}: ${STRATEGY_LABEL[strategy.kind]} picked ${pick.ownerId}${describeSkipped(pick.skipped)}${passed}`,
      },
      states: pick.state ? { [stateKey]: pick.state } : {},
    };
  };

  for (const rule of config.rules ?? []) {
    if (!predicateAt(rule.when, input.now)(input.lead)) continue;
    const outcome = decide(rule.repIds, rule.strategy ?? { kind: 'roundRobin' }, ruleStateKey(rule.id), rule.id);
    if (outcome) return outcome;
    exhausted.push(rule.id);
  }
  const pool = config.repIds ?? [...byId.keys()].sort();
  const outcome = decide(pool, config.strategy ?? { kind: 'roundRobin' }, DEFAULT_STATE_KEY, undefined);
  if (outcome) return outcome;
  const skipped = pool.map((repId) => ({ repId, reason: ineligibility(byId.get(repId)) ?? ('zero_weight' as const) }));
  return {
    decision: {
      strategy: 'none',
      code: 'no_eligible_rep',
      exhaustedRuleIds: [...exhausted],
      skipped,
      summary: `no eligible rep${describeSkipped(skipped)}${exhausted.length ? `; rules without an eligible rep: ${exhausted.join(', ')}` : ''}`,
    },
    states: {},
  };
}

/** The decision for an owner named explicitly (by the input or the caller). */
export function explicitAssignment(ownerId: string): AssignmentDecision {
  return {
    ownerId,
    strategy: 'explicit',
    code: 'explicit',
    exhaustedRuleIds: [],
    skipped: [],
    summary: `owner ${ownerId} named explicitly`,
  };
}
