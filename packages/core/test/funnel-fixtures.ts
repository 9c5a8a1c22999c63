// Shared, hand-written fixtures for the funnel tests. Every expected number in funnel-analytics.test.ts is computed by
// hand from these records; the comments next to each deal give its story.
import type { FunnelDeal, FunnelLead, FunnelPipeline, FunnelStageChange, Stage } from '@crmkit/core';

export const DAY = 86_400_000;

export const stages: Stage[] = [
  { id: 'opp', name: { en: 'Opportunity', 'zh-CN': '商机' }, probability: 0.2, kind: 'open', rottingDays: 10 },
  { id: 'prop', name: { en: 'Proposal', 'zh-CN': '报价/提案' }, probability: 0.5, kind: 'open', rottingDays: 5 },
  { id: 'won', name: { en: 'Won', 'zh-CN': '成交' }, probability: 1, kind: 'won' },
  { id: 'lost', name: { en: 'Lost', 'zh-CN': '输单' }, probability: 0, kind: 'lost' },
];

export const pipeline: FunnelPipeline = { id: 'p1', name: { en: 'Sales', 'zh-CN': '销售' }, stages };

const at = (text: string) => `${text}:00.000Z`;

interface Story {
  deal: Omit<FunnelDeal, 'pipelineId' | 'createdAt'> & { createdAt?: string; pipelineId?: string };
  moves: [stageId: string, when: string][];
}

const cny = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });

/**
 * The window is January 2026 (UTC); the report is made on 2026-03-01T00:00Z.
 */
const stories: Story[] = [
  // D1: opportunity Jan 1 → proposal Jan 3 → won Jan 8. Cycle 7 days; dwell opp 2 d, prop 5 d.
  {
    deal: { id: 'D1', stageId: 'won', status: 'won', amount: cny(1000), closedAt: at('2026-01-08T00:00') },
    moves: [
      ['opp', '2026-01-01T00:00'],
      ['prop', '2026-01-03T00:00'],
      ['won', '2026-01-08T00:00'],
    ],
  },
  // D2: opportunity Jan 2 → lost Jan 6 (price). Dwell opp 4 d.
  {
    deal: {
      id: 'D2',
      stageId: 'lost',
      status: 'lost',
      amount: cny(2000),
      closedAt: at('2026-01-06T00:00'),
      lostReason: 'price',
    },
    moves: [
      ['opp', '2026-01-02T00:00'],
      ['lost', '2026-01-06T00:00'],
    ],
  },
  // D3: opportunity Jan 5 → won Jan 7, skipping the proposal. USD 5.00. Cycle 2 days; dwell opp 2 d.
  {
    deal: {
      id: 'D3',
      stageId: 'won',
      status: 'won',
      amount: { amountMinor: 500, currency: 'USD' },
      closedAt: at('2026-01-07T00:00'),
    },
    moves: [
      ['opp', '2026-01-05T00:00'],
      ['won', '2026-01-07T00:00'],
    ],
  },
  // D4: opportunity Jan 10 → proposal Jan 12 → lost Jan 20 → reopened to proposal Jan 25 → won Feb 10 (after the
  // window). Dwell opp 2 d, prop 8 d (the second proposal visit ends after the window).
  {
    deal: { id: 'D4', stageId: 'won', status: 'won', amount: cny(3000), closedAt: at('2026-02-10T00:00') },
    moves: [
      ['opp', '2026-01-10T00:00'],
      ['prop', '2026-01-12T00:00'],
      ['lost', '2026-01-20T00:00'],
      ['prop', '2026-01-25T00:00'],
      ['won', '2026-02-10T00:00'],
    ],
  },
  // D5: entered Dec 20 (before the window) → proposal Jan 4, still there. Dwell opp 15 d. Rotting: 56 d > 5.
  {
    deal: { id: 'D5', stageId: 'prop', status: 'open', amount: cny(4000), stageEnteredAt: at('2026-01-04T00:00') },
    moves: [
      ['opp', '2025-12-20T00:00'],
      ['prop', '2026-01-04T00:00'],
    ],
  },
  // D6: opportunity Jan 15, still there. Rotting: 45 d > 10.
  {
    deal: { id: 'D6', stageId: 'opp', status: 'open', amount: cny(600), stageEnteredAt: at('2026-01-15T00:00') },
    moves: [['opp', '2026-01-15T00:00']],
  },
  // D7: opportunity Feb 5 (after the window): in neither the cohort nor the snapshot. Rotting: 24 d > 10.
  {
    deal: { id: 'D7', stageId: 'opp', status: 'open', amount: cny(700), stageEnteredAt: at('2026-02-05T00:00') },
    moves: [['opp', '2026-02-05T00:00']],
  },
  // D8: another pipeline: ignored everywhere.
  {
    deal: { id: 'D8', pipelineId: 'p2', stageId: 'opp', status: 'open', amount: cny(9999) },
    moves: [['opp', '2026-01-03T00:00']],
  },
  // D9: no history at all (written before stage history existed): counts as entering `opp` at createdAt Jan 20.
  // Rotting: 40 d > 10.
  {
    deal: {
      id: 'D9',
      stageId: 'opp',
      status: 'open',
      amount: cny(100),
      createdAt: at('2026-01-20T00:00'),
      updatedAt: at('2026-01-20T00:00'),
    },
    moves: [],
  },
];

export const deals: FunnelDeal[] = stories.map(({ deal, moves }) => ({
  pipelineId: 'p1',
  createdAt: moves[0] ? at(moves[0][1]) : at('2026-01-01T00:00'),
  ...deal,
}));

export const stageChanges: FunnelStageChange[] = stories.flatMap(({ deal, moves }) =>
  moves.map(([toStageId, when], index) => ({
    dealId: deal.id,
    fromStageId: index === 0 ? null : moves[index - 1]![0],
    toStageId,
    at: at(when),
  })),
);

/** Leads: six created in January, one in December (snapshot only), one in February (neither). */
export const leads: FunnelLead[] = [
  { id: 'L1', status: 'new', createdAt: at('2026-01-02T00:00') },
  { id: 'L2', status: 'working', createdAt: at('2026-01-03T00:00') },
  { id: 'L3', status: 'qualified', createdAt: at('2026-01-04T00:00') },
  { id: 'L4', status: 'disqualified', createdAt: at('2026-01-05T00:00') },
  { id: 'L5', status: 'converted', convertedDealId: 'D3', createdAt: at('2026-01-06T00:00') },
  { id: 'L6', status: 'converted', convertedDealId: 'D8', createdAt: at('2026-01-07T00:00') },
  { id: 'L7', status: 'converted', convertedDealId: 'D1', createdAt: at('2025-12-30T00:00') },
  { id: 'L8', status: 'new', createdAt: at('2026-02-10T00:00') },
];

export const window = { from: '2026-01-01', to: '2026-01-31', asOf: '2026-03-01T00:00:00Z' } as const;
