/**
 * Stage gates: what a deal must satisfy to enter a stage.
 */
import type { FailedGateCondition } from '../errors/errors.js';
import { compileFilter, filterFields, getPath, type Filter, type FilterPredicate } from '../filter/index.js';
import type { Stage } from '../model/deal.js';

/** The outcome of {@link checkStageGate}. */
export interface StageGateResult {
  /** True when the deal may enter the stage. */
  readonly passed: boolean;
  /** Required field paths the deal has not filled in. */
  readonly missingFields: readonly string[];
  /** Gate conditions the deal fails. */
  readonly failedConditions: readonly FailedGateCondition[];
}

/** True when a value counts as not filled in: missing, `null`, blank text, an empty list or an empty object. */
function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

const compiled = new WeakMap<Filter, FilterPredicate>();

/** True when the filter counts back from `now` somewhere (`withinLast`, `olderThan`). */
function readsClock(filter: Filter): boolean {
  if ('all' in filter) return filter.all.some(readsClock);
  if ('any' in filter) return filter.any.some(readsClock);
  if ('not' in filter) return readsClock(filter.not);
  return filter.op === 'withinLast' || filter.op === 'olderThan';
}

function predicate(filter: Filter, now: Date | undefined): FilterPredicate {
  // Time-relative conditions depend on `now`: compile those afresh; cache the rest by identity.
  if (readsClock(filter)) return compileFilter(filter, now === undefined ? {} : { now });
  let compiledFilter = compiled.get(filter);
  if (!compiledFilter) compiled.set(filter, (compiledFilter = compileFilter(filter)));
  return compiledFilter;
}

/**
 * Checks a deal (any object, e.g. a deal with the values of a move merged in) against a stage's gate. A top-level
 * `all` condition is reported child by child (`all.0`, `all.2`), anything else as a whole (`(root)`).
 *
 * @param options.now the instant `withinLast` / `olderThan` conditions count back from; the system clock otherwise.
 */
export function checkStageGate(
  deal: object,
  stage: Pick<Stage, 'gate'>,
  options: { readonly now?: Date } = {},
): StageGateResult {
  const gate = stage.gate;
  if (!gate) return { passed: true, missingFields: [], failedConditions: [] };
  const missingFields = (gate.requiredFields ?? []).filter((path) => isBlank(getPath(deal, path)));
  const failedConditions: FailedGateCondition[] = [];
  const conditions = gate.conditions as Filter | undefined;
  if (conditions) {
    if ('all' in conditions) {
      conditions.all.forEach((child, index) => {
        if (!predicate(child, options.now)(deal))
          failedConditions.push({ path: `all.${index}`, fields: filterFields(child) });
      });
    } else if (!predicate(conditions, options.now)(deal)) {
      failedConditions.push({ path: '(root)', fields: filterFields(conditions) });
    }
  }
  return { passed: missingFields.length === 0 && failedConditions.length === 0, missingFields, failedConditions };
}

/**
 * The field paths a stage's gate reads: its required fields, then the fields its conditions test, each once. None
 * for a stage without a gate. A form creating or moving a deal marks these as needed before the gate is checked.
 */
export function stageGateFields(stage: Pick<Stage, 'gate'>): readonly string[] {
  const gate = stage.gate;
  if (!gate) return [];
  const fields = new Set(gate.requiredFields ?? []);
  if (gate.conditions) for (const field of filterFields(gate.conditions as Filter)) fields.add(field);
  return [...fields];
}

/** A gate a new deal meets at once (see {@link gatesAhead}). */
export interface GateAhead<S extends Pick<Stage, 'id' | 'kind' | 'gate'> = Stage> {
  /** The gated stage. */
  readonly stage: S;
  /** `enter`: the stage the deal is created in; `next`: the open stage its first move forward goes to. */
  readonly step: 'enter' | 'next';
  /** The field paths the gate reads ({@link stageGateFields}). */
  readonly fields: readonly string[];
  /** The draft deal checked against the gate ({@link checkStageGate}). */
  readonly result: StageGateResult;
}

/**
 * The gates a new deal placed in `stageId` meets at once: that stage's own, which creating the deal there must pass,
 * and the gate of the next open stage after it, which its first move forward must pass. A form that creates a deal
 * (converting a lead, say) asks for what both read, so the deal's first move is not refused for a field the form
 * could have asked for. Stages without a gate are left out; a stage id not in `stages` gives none.
 *
 * @param draft the deal as it would be stored (any object; the fields the gates read are looked up by path).
 * @param stages the pipeline's stages, in funnel order.
 * @param options.now the instant time-relative conditions count back from; the system clock otherwise.
 */
export function gatesAhead<S extends Pick<Stage, 'id' | 'kind' | 'gate'>>(
  draft: object,
  stages: readonly S[],
  stageId: string,
  options: { readonly now?: Date } = {},
): GateAhead<S>[] {
  const index = stages.findIndex((stage) => stage.id === stageId);
  if (index < 0) return [];
  const next = stages.slice(index + 1).find((stage) => stage.kind === 'open');
  const ahead: GateAhead<S>[] = [];
  for (const [stage, step] of [
    [stages[index]!, 'enter'],
    [next, 'next'],
  ] as const) {
    if (!stage?.gate) continue;
    ahead.push({ stage, step, fields: stageGateFields(stage), result: checkStageGate(draft, stage, options) });
  }
  return ahead;
}
