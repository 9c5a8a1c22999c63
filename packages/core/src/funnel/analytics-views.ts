/** The funnel report's views (cohort and snapshot): their accumulators and how a deal or lead counts into them. */
import type { DwellStats, FunnelOutcomes, LeadOutcomes } from './types.js';

const DAY = 86_400_000;
export const KIND_OPEN = 0;
export const KIND_WON = 1;
export const KIND_LOST = 2;

/** Accumulators of one view (cohort or snapshot). */
export interface View {
  deals: number;
  open: number;
  won: number;
  lost: number;
  removed: number;
  /** Deals by furthest position + 1 (0: reached no funnel stage). */
  readonly furthest: Int32Array;
  /** Amounts by furthest position + 1 and currency. */
  readonly furthestAmount: Float64Array;
  /** Distinct deals that entered each stage. */
  readonly entered: Int32Array;
  /** Their amounts, by stage and currency. */
  readonly enteredAmount: Float64Array;
  /** Deals in each stage at the end. */
  readonly current: Int32Array;
  /** Amounts by stage and currency at the end. */
  readonly currentAmount: Float64Array;
  /** Per stage, the last deal (index + 1) counted in `entered`. */
  readonly seen: Int32Array;
  readonly leads: {
    leads: number;
    open: number;
    qualified: number;
    disqualified: number;
    converted: number;
    toPipeline: number;
  };
}

export function newView(stageCount: number, positions: number, currencies: number): View {
  return {
    deals: 0,
    open: 0,
    won: 0,
    lost: 0,
    removed: 0,
    furthest: new Int32Array(positions + 1),
    furthestAmount: new Float64Array((positions + 1) * currencies),
    entered: new Int32Array(stageCount),
    enteredAmount: new Float64Array(stageCount * currencies),
    current: new Int32Array(stageCount),
    currentAmount: new Float64Array(stageCount * currencies),
    seen: new Int32Array(stageCount),
    leads: { leads: 0, open: 0, qualified: 0, disqualified: 0, converted: 0, toPipeline: 0 },
  };
}

export const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export function dwellStats(samples: number[] | undefined): DwellStats {
  if (!samples || samples.length === 0) return { samples: 0, averageDays: null, medianDays: null };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { samples: sorted.length, averageDays: sum / sorted.length / DAY, medianDays: median / DAY };
}

/**
 * The funnel report of one pipeline over a window: see {@link FunnelReport} for what it holds and
 * docs/guides/funnel.md for every formula. Pure: reads only its arguments (no clock, no storage).
 *
 * - The **cohort** is the deals that entered the pipeline (their first stage change) within `[from, to)`, and the
 *   leads created within it, followed up to `asOf`.
 * - The **snapshot** is every deal in the pipeline at `to` (or `asOf`, when earlier), whenever it entered, as it
 *   stood then.
 * - A deal that skipped a stage counts as having passed through it; a deal that was reopened counts once, with every
 *   stage it ever reached; its visits each count in time in stage.
 * - A deal without history counts as having entered its stage at `stageEnteredAt` (else `createdAt`); a deal whose
 *   history does not end in its stage counts as having entered it at `stageEnteredAt` (else `updatedAt`).
 *
 * @throws ValidationError for bad options (naming the option), a record timestamp that is not an ISO-8601 date-time
 * (naming `deals.<i>.<field>`, `stageChanges.<i>.at` or `leads.<i>.createdAt`), a duplicate deal id, or a currency
 * without a rate when `conversion` is given.
 */

/** Counts a deal into a view: its stage and kind at the end, and how far it got. */
export function tally(
  view: View,
  stage: number,
  kindAtEnd: number,
  furthest: number,
  currency: number,
  amount: number,
  currencyCount: number,
): void {
  view.deals++;
  if (stage < 0) view.removed++;
  else {
    view.current[stage]!++;
    view.currentAmount[stage * currencyCount + currency]! += amount;
    if (kindAtEnd === KIND_OPEN) view.open++;
    else if (kindAtEnd === KIND_WON) view.won++;
    else view.lost++;
  }
  view.furthest[furthest + 1]!++;
  view.furthestAmount[(furthest + 1) * currencyCount + currency]! += amount;
}

export function countLead(counts: View['leads'], status: string, toPipeline: boolean): void {
  counts.leads++;
  if (status === 'new' || status === 'working') counts.open++;
  else if (status === 'qualified') counts.qualified++;
  else if (status === 'disqualified') counts.disqualified++;
  else if (status === 'converted') {
    counts.converted++;
    if (toPipeline) counts.toPipeline++;
  }
}

export function outcomes(view: View, withLeads: boolean): FunnelOutcomes {
  const leads: LeadOutcomes | null = withLeads
    ? {
        leads: view.leads.leads,
        open: view.leads.open,
        qualified: view.leads.qualified,
        disqualified: view.leads.disqualified,
        converted: view.leads.converted,
        convertedToPipeline: view.leads.toPipeline,
      }
    : null;
  return { deals: view.deals, open: view.open, won: view.won, lost: view.lost, inRemovedStage: view.removed, leads };
}

/** Reasons by code unit order, `null` (no reason) last. */
export function compareReasons(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
