import type { Bottleneck, FunnelStepReport } from './types.js';

/** Options of {@link findBottleneck}. */
export interface BottleneckOptions {
  /**
   * Steps judged on fewer deals (conversion) or visits (dwell) than this are left out: too little data to blame
   * them. Default 5.
   */
  readonly minSample?: number;
}

const MAX_RATIO = 1000;

interface Candidate {
  readonly step: FunnelStepReport;
  readonly next?: FunnelStepReport;
  readonly value: number;
  readonly sample: number;
}

const percent = (rate: number): string => `${(rate * 100).toFixed(1)}%`;
const days = (value: number): string => value.toFixed(1);

/**
 * The bottleneck of a funnel: the step whose cohort conversion to the next step is lowest, or whose median time in
 * stage is longest, relative to the mean of the other steps of the same measure. Of the two measures, the step that
 * is worse by the larger ratio wins (conversion on a tie). `null` when no measure has two steps with enough data, or
 * no step is worse than the others.
 */
export function findBottleneck(steps: readonly FunnelStepReport[], options: BottleneckOptions = {}): Bottleneck | null {
  const minSample = options.minSample ?? 5;
  const conversions: Candidate[] = [];
  const dwells: Candidate[] = [];
  steps.forEach((step, index) => {
    const rate = step.cohort.conversionToNext;
    const next = steps[index + 1];
    if (rate !== null && next && step.cohort.reached >= minSample) {
      conversions.push({ step, next, value: rate, sample: step.cohort.reached });
    }
    const dwell = step.timeInStage;
    if (dwell && dwell.medianDays !== null && dwell.samples >= minSample) {
      dwells.push({ step, value: dwell.medianDays, sample: dwell.samples });
    }
  });

  let best: Bottleneck | null = null;
  const consider = (kind: Bottleneck['kind'], candidates: readonly Candidate[]) => {
    if (candidates.length < 2) return;
    const sum = candidates.reduce((total, candidate) => total + candidate.value, 0);
    for (const candidate of candidates) {
      const others = (sum - candidate.value) / (candidates.length - 1);
      const worse = kind === 'conversion' ? others : candidate.value;
      const better = kind === 'conversion' ? candidate.value : others;
      const ratio = worse <= 0 ? 0 : better <= 0 ? MAX_RATIO : Math.min(MAX_RATIO, worse / better);
      if (ratio > 1 && (best === null || ratio > best.ratio)) {
        best = describe(kind, candidate, others, ratio);
      }
    }
  };
  consider('conversion', conversions);
  consider('dwell', dwells);
  return best;
}

function describe(kind: Bottleneck['kind'], candidate: Candidate, others: number, ratio: number): Bottleneck {
  const { step, next, value, sample } = candidate;
  const times = ratio.toFixed(1);
  if (kind === 'conversion' && next) {
    return {
      kind,
      stuckStepId: step.id,
      unreachedStepId: next.id,
      stepId: step.id,
      nextStepId: next.id,
      value,
      othersAverage: others,
      ratio,
      sample,
      reason: {
        en:
          `Only ${percent(value)} of the ${sample} reaching ${step.name.en} go on to ${next.name.en}, against ` +
          `${percent(others)} on average between the other steps (${times}× lower).`,
        'zh-CN':
          `到达“${step.name['zh-CN']}”的 ${sample} 个中仅 ${percent(value)} 进入“${next.name['zh-CN']}”,` +
          `其他步骤平均为 ${percent(others)}(低 ${times} 倍)。`,
      },
    };
  }
  return {
    kind,
    stuckStepId: step.id,
    stepId: step.id,
    value,
    othersAverage: others,
    ratio,
    sample,
    reason: {
      en:
        `Deals stay ${days(value)} days (median of ${sample}) in ${step.name.en}, against ${days(others)} days on ` +
        `average in the other stages (${times}× longer).`,
      'zh-CN':
        `商机在“${step.name['zh-CN']}”阶段停留 ${days(value)} 天(${sample} 次的中位数),` +
        `其他阶段平均 ${days(others)} 天(长 ${times} 倍)。`,
    },
  };
}
