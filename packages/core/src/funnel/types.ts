/**
 * The plain-data shapes the funnel analytics read and return. Stored records (`Deal`, `StageChange`, `Lead`,
 * `Pipeline`) and the demo data fit the input shapes as they are.
 */
import type { Money } from '../money/money.js';
import type { DealStatus, Stage, StageKind } from '../model/deal.js';
import type { LeadStatus } from '../model/lead.js';
import type { LocalizedText } from '../model/primitives.js';
import type { MoneyTotals } from '../money/exchange.js';

/** What the analytics read of a deal. */
export interface FunnelDeal {
  readonly id: string;
  readonly pipelineId: string;
  readonly stageId: string;
  readonly amount: Money;
  readonly createdAt: string;
  readonly status?: DealStatus;
  readonly ownerId?: string;
  readonly updatedAt?: string;
  readonly stageEnteredAt?: string;
  readonly closedAt?: string;
  readonly lostReason?: string;
  readonly expectedCloseDate?: string;
}

/** What the analytics read of a stage change: the deal entered `toStageId` at `at`. */
export interface FunnelStageChange {
  readonly dealId: string;
  readonly toStageId: string;
  readonly at: string;
  readonly fromStageId?: string | null;
}

/** What the analytics read of a lead. */
export interface FunnelLead {
  readonly id: string;
  readonly status: LeadStatus;
  readonly createdAt: string;
  readonly convertedDealId?: string;
}

/** What the analytics read of a pipeline: its id and stages in funnel order. */
export interface FunnelPipeline {
  readonly id: string;
  readonly name?: LocalizedText;
  readonly stages: readonly Stage[];
}

/** The data a funnel report is computed from. */
export interface FunnelInput {
  readonly pipeline: FunnelPipeline;
  /** Deals; those of other pipelines are ignored. */
  readonly deals: readonly FunnelDeal[];
  /** Stage history of the deals, in any order; changes of deals not in `deals` are ignored. */
  readonly stageChanges: readonly FunnelStageChange[];
  /** Leads, for the funnel's first two steps (prospect, qualified). Left out: the report starts at the deals. */
  readonly leads?: readonly FunnelLead[];
}

/** Counts of one step, in the cohort or in the snapshot. */
export interface FunnelCounts {
  /** Reached the step: entered it or any later step of the funnel (a skipped step counts as passed through). */
  readonly reached: number;
  /** Actually entered the step; `reached − entered` skipped it. */
  readonly entered: number;
  /** In the step at the end (cohort: at `asOf`; snapshot: at `to`). */
  readonly current: number;
  /** Amounts of the deals that reached the step. */
  readonly reachedAmount: MoneyTotals;
  /** Amounts of the deals in the step at the end. */
  readonly currentAmount: MoneyTotals;
  /** `reached(next step) / reached(this step)`; `null` for the last step or when nothing reached this one. */
  readonly conversionToNext: number | null;
}

/** How long deals stayed in a stage: one sample per visit that ended (the deal moved on) within the window. */
export interface DwellStats {
  readonly samples: number;
  /** Mean of the samples, in days; `null` without samples. */
  readonly averageDays: number | null;
  /** Median of the samples, in days; `null` without samples. */
  readonly medianDays: number | null;
}

/** One step of the funnel: a lead step or a stage of the pipeline. */
export interface FunnelStepReport {
  readonly id: string;
  readonly name: LocalizedText;
  /** `lead` for the lead steps, otherwise the stage's kind. */
  readonly kind: 'lead' | StageKind;
  /** The stage's win probability; `null` for lead steps. */
  readonly probability: number | null;
  /** The cohort: what entered the funnel within the window, followed up to `asOf`. */
  readonly cohort: FunnelCounts;
  /** The snapshot: everything in the funnel at `to`, whenever it entered. */
  readonly snapshot: FunnelCounts;
  /** Time in stage, for open stages; `null` for lead steps and closing stages. */
  readonly timeInStage: DwellStats | null;
}

/** Where the deals (and leads) of a cohort or snapshot ended up. Every deal is in exactly one of the deal buckets. */
export interface FunnelOutcomes {
  readonly deals: number;
  readonly open: number;
  readonly won: number;
  readonly lost: number;
  /** Deals sitting in a stage the pipeline no longer has. */
  readonly inRemovedStage: number;
  /** Lead counts by status; `null` when the report has no leads. */
  readonly leads: LeadOutcomes | null;
}

/** Where the leads of a cohort or snapshot are now (leads keep no status history). */
export interface LeadOutcomes {
  readonly leads: number;
  /** `new` or `working`. */
  readonly open: number;
  readonly qualified: number;
  readonly disqualified: number;
  readonly converted: number;
  /** Converted to a deal of this pipeline. */
  readonly convertedToPipeline: number;
}

/** Overall conversion from the first step to won. */
export interface OverallConversion {
  /** Cohort deals that reached won / cohort deals that reached the first deal stage. */
  readonly cohort: number | null;
  /** The same over the snapshot. */
  readonly snapshot: number | null;
  /** From prospect to won: the product of the step rates of the cohort, leads included; `null` without leads. */
  readonly cohortFromLeads: number | null;
  /** The same over the snapshot. */
  readonly snapshotFromLeads: number | null;
}

/** A rate with the counts behind it. */
export interface WinRate {
  readonly won: number;
  readonly lost: number;
  /** `won / (won + lost)`; `null` when nothing closed. */
  readonly rate: number | null;
}

/** Lost deals by reason. */
export interface LostReasonCount {
  /** The deal's lost reason code; `null` when it has none. */
  readonly reason: string | null;
  readonly count: number;
  /** `count` / all deals lost in the window. */
  readonly share: number;
  readonly amount: MoneyTotals;
}

/** Sales velocity over the window. */
export interface SalesVelocity {
  /** Open deals at `to`. */
  readonly openDeals: number;
  /** Deals won within the window (and still won at `asOf`). */
  readonly wonDeals: number;
  /** Deals lost within the window (and still lost at `asOf`). */
  readonly lostDeals: number;
  /** `wonDeals / (wonDeals + lostDeals)`. */
  readonly winRate: number | null;
  /** Mean days from entering the pipeline to being won, over the deals won in the window. */
  readonly averageCycleDays: number | null;
  /** Mean amount of the deals won in the window, in one currency (see {@link MoneyTotals.total}); else `null`. */
  readonly averageWonAmount: Money | null;
  /** `openDeals × winRate / averageCycleDays`: deals expected to be won per day. */
  readonly dealsPerDay: number | null;
  /** `openDeals × averageWonAmount × winRate / averageCycleDays`, rounded to minor units: value won per day. */
  readonly valuePerDay: Money | null;
}

/** The step holding the funnel back, and why. */
export interface Bottleneck {
  /** `conversion`: the step converts worst; `dwell`: deals stay longest there. */
  readonly kind: 'conversion' | 'dwell';
  /** The step deals are stuck in: for `conversion` the step they fail to leave, for `dwell` the one they stay in. */
  readonly stuckStepId: string;
  /** For `conversion`, the step deals fail to reach (the one after `stuckStepId`). */
  readonly unreachedStepId?: string;
  /** @deprecated Use `stuckStepId` (same value); kept for one release. */
  readonly stepId: string;
  /** @deprecated Use `unreachedStepId` (same value); kept for one release. */
  readonly nextStepId?: string;
  /** The step's conversion rate, or its median days in stage. */
  readonly value: number;
  /** The mean of the same measure over the other steps. */
  readonly othersAverage: number;
  /** How much worse: `othersAverage / value` for conversion, `value / othersAverage` for dwell; at most 1000. */
  readonly ratio: number;
  /** The deals (conversion) or visits (dwell) behind `value`. */
  readonly sample: number;
  /** The finding in words and numbers. */
  readonly reason: LocalizedText;
}

/** An open deal idle in its stage for longer than the stage's rotting days. */
export interface RottingDeal {
  readonly dealId: string;
  readonly stageId: string;
  readonly ownerId?: string;
  /** Days since the deal entered its stage. */
  readonly idleDays: number;
  readonly rottingDays: number;
}

/** Cohort deals by the local month they entered the pipeline. */
export interface CohortMonth {
  /** `YYYY-MM` in the report's time zone. */
  readonly month: string;
  readonly deals: number;
  readonly open: number;
  readonly won: number;
  readonly lost: number;
  /** Deals that reached each deal step, aligned with the deal steps of {@link FunnelReport.steps}. */
  readonly reached: readonly number[];
}

/** The funnel report: every metric, computed in one pass over the data. */
export interface FunnelReport {
  readonly pipelineId: string;
  /** The window's start (inclusive) and end (exclusive), as UTC instants. */
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly timeZone: string;
  /** The funnel in order: lead steps (when leads were given), open stages, won stages. */
  readonly steps: readonly FunnelStepReport[];
  /** Lost stages; off the funnel's path, so their conversion is `null`. */
  readonly lostStages: readonly FunnelStepReport[];
  readonly conversion: OverallConversion;
  readonly cohort: FunnelOutcomes;
  readonly snapshot: FunnelOutcomes;
  readonly cohortMonths: readonly CohortMonth[];
  /** Cohort: closed cohort deals at `asOf`. Period: deals closed within the window. */
  readonly winRate: { readonly cohort: WinRate; readonly period: WinRate };
  /** Deals lost within the window, by reason, most frequent first. */
  readonly lostReasons: readonly LostReasonCount[];
  readonly velocity: SalesVelocity;
  readonly bottleneck: Bottleneck | null;
  /** Open deals rotting at `asOf`: how many, and the longest-idle ones (up to `rottingLimit`). */
  readonly rotting: { readonly count: number; readonly deals: readonly RottingDeal[] };
}
