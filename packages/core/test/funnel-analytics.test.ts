import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ValidationError,
  findBottleneck,
  funnelReport,
  rottingDeals,
  weightedForecast,
  zonedCalendar,
  type FunnelReport,
  type FunnelStepReport,
} from '@crmkit/core';
import { DAY, deals, leads, pipeline, stageChanges, stages, window } from './funnel-fixtures.js';

// Every number below is computed by hand from funnel-fixtures.ts (see the story of each deal there).

const report = (options: Partial<Parameters<typeof funnelReport>[1]> = {}, withLeads = false): FunnelReport =>
  funnelReport({ pipeline, deals, stageChanges, ...(withLeads ? { leads } : {}) }, { ...window, ...options });

const step = (r: FunnelReport, id: string): FunnelStepReport => {
  const found = [...r.steps, ...r.lostStages].find((candidate) => candidate.id === id);
  assert.ok(found, id);
  return found;
};

test('cohort: deals entering in January, followed to March 1, counted by the furthest stage reached', () => {
  const r = report();
  assert.equal(r.from, '2026-01-01T00:00:00.000Z');
  assert.equal(r.to, '2026-02-01T00:00:00.000Z'); // a calendar-day end includes the whole day
  assert.deepEqual(
    r.steps.map((s) => s.id),
    ['opp', 'prop', 'won'],
  );
  // Cohort: D1, D2, D3, D4, D6, D9 (D5 entered in December, D7 in February, D8 is another pipeline).
  assert.deepEqual(r.cohort, { deals: 6, open: 2, won: 3, lost: 1, inRemovedStage: 0, leads: null });
  const opp = step(r, 'opp').cohort;
  const prop = step(r, 'prop').cohort;
  const won = step(r, 'won').cohort;
  const lost = step(r, 'lost').cohort;
  // Reached: all 6 the opportunity; D1, D3 (skipped it) and D4 the proposal; D1, D3, D4 won (D4 after reopening).
  assert.deepEqual([opp.reached, prop.reached, won.reached, lost.reached], [6, 3, 3, 2]);
  assert.deepEqual([opp.entered, prop.entered, won.entered, lost.entered], [6, 2, 3, 2]);
  assert.deepEqual([opp.current, prop.current, won.current, lost.current], [2, 0, 3, 1]);
  assert.equal(opp.conversionToNext, 0.5);
  assert.equal(prop.conversionToNext, 1);
  assert.equal(won.conversionToNext, null);
  assert.equal(lost.conversionToNext, null);
  assert.equal(r.conversion.cohort, 0.5);
  assert.equal(r.conversion.cohortFromLeads, null);
});

test('per-stage amounts stay per currency; a total exists only for one currency or with rates', () => {
  const r = report();
  const opp = step(r, 'opp').cohort;
  assert.deepEqual(opp.reachedAmount, { byCurrency: { CNY: 6700, USD: 500 }, total: null });
  assert.deepEqual(opp.currentAmount, { byCurrency: { CNY: 700 }, total: { amountMinor: 700, currency: 'CNY' } });
  assert.deepEqual(step(r, 'prop').cohort.reachedAmount.byCurrency, { CNY: 4000, USD: 500 });
  assert.deepEqual(step(r, 'won').cohort.reachedAmount.byCurrency, { CNY: 4000, USD: 500 });
  // D2 and D4 both entered lost; only D2 is still there.
  assert.deepEqual(step(r, 'lost').cohort.reachedAmount.byCurrency, { CNY: 5000 });
  assert.deepEqual(step(r, 'lost').cohort.currentAmount.byCurrency, { CNY: 2000 });

  const converted = report({ conversion: { currency: 'CNY', rates: { USD: 7 } } });
  // USD 5.00 at 7 = CNY 35.00 = 3500 fen.
  assert.deepEqual(step(converted, 'opp').cohort.reachedAmount.total, { amountMinor: 10_200, currency: 'CNY' });
  assert.throws(
    () => report({ conversion: { currency: 'CNY', rates: {} } }),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'rates.USD',
  );
});

test('snapshot: everything in the pipeline at the end of January, as it stood then', () => {
  const r = report();
  // D1, D2, D3, D4, D5, D6, D9 entered before February; D4 was back in proposal then, D5 in proposal.
  assert.deepEqual(r.snapshot, { deals: 7, open: 4, won: 2, lost: 1, inRemovedStage: 0, leads: null });
  const counts = ['opp', 'prop', 'won', 'lost'].map((id) => step(r, id).snapshot);
  assert.deepEqual(
    counts.map((c) => [c.reached, c.entered, c.current]),
    [
      [7, 7, 2],
      [4, 3, 2],
      [2, 2, 2],
      [2, 2, 1],
    ],
  );
  assert.equal(counts[0]!.conversionToNext, 4 / 7);
  assert.equal(counts[1]!.conversionToNext, 0.5);
  assert.equal(r.conversion.snapshot, 2 / 7);
});

test('time in stage: one sample per visit ending in the window; closing stages have none', () => {
  const r = report();
  // opp: D1 2 d, D2 4 d, D3 2 d, D4 2 d, D5 15 d. prop: D1 5 d, D4 8 d (its second visit ends in February).
  assert.deepEqual(step(r, 'opp').timeInStage, { samples: 5, averageDays: 5, medianDays: 2 });
  assert.deepEqual(step(r, 'prop').timeInStage, { samples: 2, averageDays: 6.5, medianDays: 6.5 });
  assert.equal(step(r, 'won').timeInStage, null);
  assert.equal(step(r, 'lost').timeInStage, null);
});

test('win rates, lost reasons and velocity', () => {
  const r = report();
  // Cohort at March 1: D1, D3, D4 won; D2 lost. Period (closed in January and still closed): D1, D3 won; D2 lost.
  assert.deepEqual(r.winRate.cohort, { won: 3, lost: 1, rate: 0.75 });
  assert.deepEqual(r.winRate.period, { won: 2, lost: 1, rate: 2 / 3 });
  assert.deepEqual(r.lostReasons, [
    {
      reason: 'price',
      count: 1,
      share: 1,
      amount: { byCurrency: { CNY: 2000 }, total: { amountMinor: 2000, currency: 'CNY' } },
    },
  ]);
  // Open at the snapshot: 4. Cycle: D1 7 d, D3 2 d → 4.5 d. Deals per day: 4 × 2/3 / 4.5 = 16/27.
  assert.equal(r.velocity.openDeals, 4);
  assert.equal(r.velocity.averageCycleDays, 4.5);
  assert.ok(Math.abs(r.velocity.dealsPerDay! - 16 / 27) < 1e-12);
  // Won amounts are in CNY and USD: no single-currency average without rates.
  assert.equal(r.velocity.averageWonAmount, null);
  assert.equal(r.velocity.valuePerDay, null);
  const converted = report({ conversion: { currency: 'CNY', rates: { USD: 7 } } });
  // (1000 + 3500) / 2 = 2250 fen; 16/27 × 2250 = 1333.3 → 1333.
  assert.deepEqual(converted.velocity.averageWonAmount, { amountMinor: 2250, currency: 'CNY' });
  assert.deepEqual(converted.velocity.valuePerDay, { amountMinor: 1333, currency: 'CNY' });
});

test('rotting deals: open deals idle longer than their stage allows, longest first', () => {
  const r = report();
  assert.equal(r.rotting.count, 4);
  assert.deepEqual(
    r.rotting.deals.map((d) => [d.dealId, d.stageId, d.idleDays, d.rottingDays]),
    [
      ['D5', 'prop', 56, 5],
      ['D6', 'opp', 45, 10],
      ['D9', 'opp', 40, 10],
      ['D7', 'opp', 24, 10],
    ],
  );
  assert.equal(report({ rottingLimit: 1 }).rotting.deals.length, 1);
  // Just under the limit is not rotting yet.
  const fresh = rottingDeals(deals, pipeline, { asOf: new Date(Date.parse('2026-02-15T00:00:00Z') - 1) });
  assert.deepEqual(
    fresh.deals.map((d) => d.dealId),
    ['D5', 'D6', 'D9'],
  );
});

test('leads carry the first two steps: prospect and qualified lead', () => {
  const r = report({}, true);
  assert.deepEqual(
    r.steps.map((s) => [s.id, s.kind]),
    [
      ['prospect', 'lead'],
      ['qualified', 'lead'],
      ['opp', 'open'],
      ['prop', 'open'],
      ['won', 'won'],
    ],
  );
  // Cohort leads L1–L6: 2 open, 1 qualified, 1 disqualified, 2 converted (L5 into this pipeline, L6 into another).
  assert.deepEqual(r.cohort.leads, {
    leads: 6,
    open: 2,
    qualified: 1,
    disqualified: 1,
    converted: 2,
    convertedToPipeline: 1,
  });
  const prospect = step(r, 'prospect').cohort;
  const qualified = step(r, 'qualified').cohort;
  assert.deepEqual([prospect.reached, prospect.current, prospect.conversionToNext], [6, 2, 0.5]);
  assert.deepEqual([qualified.reached, qualified.current, qualified.conversionToNext], [3, 1, 1 / 3]);
  assert.equal(step(r, 'prospect').timeInStage, null);
  // prospect → won: 1/6 of the leads reached the pipeline, half the pipeline's cohort was won.
  assert.equal(r.conversion.cohortFromLeads, 1 / 12);
  // Snapshot adds L7 (December, converted into D1): 7 leads, 3 converted, 2 of them into this pipeline.
  assert.equal(step(r, 'qualified').snapshot.conversionToNext, 0.5);
  assert.equal(r.conversion.snapshotFromLeads, (2 / 7) * (2 / 7));
});

test('bottleneck: the worst step relative to the others, in words and numbers', () => {
  // With the default minimum of 5, only opportunity has enough data on either measure: no comparison, no verdict.
  assert.equal(report().bottleneck, null);
  const r = report({ minSample: 1 }, true);
  // Conversion: prospect 0.5, qualified 1/3 (others 2/3 → 2×), opp 0.5, prop 1. Dwell (medians): opp 2 d, prop
  // 6.5 d (3.25× the other). Dwell wins.
  const bottleneck = r.bottleneck!;
  assert.equal(bottleneck.kind, 'dwell');
  assert.equal(bottleneck.stepId, 'prop');
  assert.equal(bottleneck.value, 6.5);
  assert.equal(bottleneck.othersAverage, 2);
  assert.equal(bottleneck.ratio, 3.25);
  assert.equal(bottleneck.sample, 2);
  assert.match(bottleneck.reason.en, /6\.5 days \(median of 2\) in Proposal, against 2\.0 days/);
  assert.match(bottleneck.reason['zh-CN'], /报价\/提案/);

  // Without the dwell measure, the qualified → opportunity step is the worst converter.
  const conversionOnly = findBottleneck(
    r.steps.map((s) => ({ ...s, timeInStage: null })),
    { minSample: 1 },
  )!;
  assert.equal(conversionOnly.kind, 'conversion');
  assert.equal(conversionOnly.stepId, 'qualified');
  assert.equal(conversionOnly.nextStepId, 'opp');
  assert.ok(Math.abs(conversionOnly.ratio - 2) < 1e-12);
  assert.match(
    conversionOnly.reason.en,
    /Only 33\.3% of the 3 reaching Qualified lead go on to Opportunity, against 66\.7%/,
  );
});

test('empty stages, an empty window and no data give zeros and nulls, never NaN', () => {
  const withEmpty = {
    ...pipeline,
    stages: [
      ...stages.slice(0, 2),
      { id: 'negotiation', name: { en: 'Negotiation', 'zh-CN': '谈判' }, probability: 0.8, kind: 'open' as const },
      ...stages.slice(2),
      { id: 'lost-2', name: { en: 'Disqualified', 'zh-CN': '无效' }, probability: 0, kind: 'lost' as const },
    ],
  };
  const r = funnelReport({ pipeline: withEmpty, deals, stageChanges }, window);
  // Nobody entered negotiation, but every won deal passed it.
  const negotiation = step(r, 'negotiation');
  assert.deepEqual([negotiation.cohort.reached, negotiation.cohort.entered, negotiation.cohort.current], [3, 0, 0]);
  assert.equal(negotiation.cohort.conversionToNext, 1);
  assert.deepEqual(negotiation.timeInStage, { samples: 0, averageDays: null, medianDays: null });
  const unused = step(r, 'lost-2').cohort;
  assert.deepEqual([unused.reached, unused.entered, unused.current, unused.conversionToNext], [0, 0, 0, null]);

  const empty = funnelReport({ pipeline, deals: [], stageChanges: [], leads: [] }, window);
  assert.deepEqual(empty.cohort, {
    deals: 0,
    open: 0,
    won: 0,
    lost: 0,
    inRemovedStage: 0,
    leads: { leads: 0, open: 0, qualified: 0, disqualified: 0, converted: 0, convertedToPipeline: 0 },
  });
  assert.ok(empty.steps.every((s) => s.cohort.conversionToNext === null && s.snapshot.reached === 0));
  assert.deepEqual(empty.conversion, { cohort: null, snapshot: null, cohortFromLeads: null, snapshotFromLeads: null });
  assert.deepEqual(empty.winRate.period, { won: 0, lost: 0, rate: null });
  assert.equal(empty.velocity.dealsPerDay, null);
  assert.deepEqual(empty.cohortMonths, []);
  assert.equal(empty.bottleneck, null);
  assert.ok(!JSON.stringify(empty).includes('NaN'));
});

test('history in any order gives the same report; a deal in a removed stage is counted apart', () => {
  const shuffled = [...stageChanges].reverse();
  assert.deepEqual(funnelReport({ pipeline, deals, stageChanges: shuffled }, window), report());

  const orphan = {
    ...deals[0]!,
    id: 'D10',
    stageId: 'demo',
    status: 'open' as const,
    stageEnteredAt: '2026-01-15T00:00:00.000Z',
  };
  const history = [
    ...stageChanges,
    { dealId: 'D10', toStageId: 'opp', at: '2026-01-10T00:00:00.000Z' },
    { dealId: 'D10', toStageId: 'demo', at: '2026-01-15T00:00:00.000Z' },
  ];
  const r = funnelReport({ pipeline, deals: [...deals, orphan], stageChanges: history }, window);
  assert.equal(r.cohort.deals, 7);
  assert.equal(r.cohort.inRemovedStage, 1);
  // D10 still reached the opportunity stage, and its 5 days there count.
  assert.equal(step(r, 'opp').cohort.reached, 7);
  assert.equal(step(r, 'opp').timeInStage?.samples, 6);
});

test('time-zone edges: window days and cohort months follow the report time zone', () => {
  const midnight = {
    id: 'TZ',
    pipelineId: 'p1',
    stageId: 'opp',
    status: 'open' as const,
    amount: { amountMinor: 1, currency: 'CNY' },
    createdAt: '2025-12-31T17:00:00.000Z', // 2026-01-01 01:00 in Shanghai, still 2025 in UTC
  };
  const history = [{ dealId: 'TZ', toStageId: 'opp', at: midnight.createdAt }];
  const inShanghai = funnelReport(
    { pipeline, deals: [midnight], stageChanges: history },
    { ...window, timeZone: 'Asia/Shanghai' },
  );
  assert.equal(inShanghai.from, '2025-12-31T16:00:00.000Z');
  assert.equal(inShanghai.cohort.deals, 1);
  assert.deepEqual(
    inShanghai.cohortMonths.map((m) => [m.month, m.deals]),
    [['2026-01', 1]],
  );
  const inUtc = funnelReport({ pipeline, deals: [midnight], stageChanges: history }, window);
  assert.equal(inUtc.cohort.deals, 0);
  const december = funnelReport(
    { pipeline, deals: [midnight], stageChanges: history },
    { from: '2025-12-01', to: '2026-01-31', asOf: window.asOf },
  );
  assert.deepEqual(
    december.cohortMonths.map((m) => [m.month, m.deals, m.reached]),
    [['2025-12', 1, [1, 0, 0]]],
  );
  // The fixtures' cohort is all January in UTC.
  assert.deepEqual(report().cohortMonths, [
    { month: '2026-01', deals: 6, open: 2, won: 3, lost: 1, reached: [6, 3, 3] },
  ]);
});

test('zonedCalendar finds day starts across DST, including a day that starts at 01:00', () => {
  const santiago = zonedCalendar('America/Santiago');
  // Chile springs forward at 24:00 on 2026-09-05: 2026-09-06 begins at 01:00 -03 = 04:00Z.
  const day = Date.UTC(2026, 8, 6) / DAY;
  assert.equal(new Date(santiago.startOfDay(day)).toISOString(), '2026-09-06T04:00:00.000Z');
  assert.equal(santiago.dayOf(Date.parse('2026-09-06T03:59:59.999Z')), day - 1);
  assert.equal(santiago.dayOf(Date.parse('2026-09-06T04:00:00.000Z')), day);
  const newYork = zonedCalendar('America/New_York');
  assert.equal(new Date(newYork.startOfMonth(2026 * 12 + 2)).toISOString(), '2026-03-01T05:00:00.000Z');
  assert.equal(new Date(newYork.startOfMonth(2026 * 12 + 3)).toISOString(), '2026-04-01T04:00:00.000Z');
  assert.throws(() => zonedCalendar('Mars/Olympus'), ValidationError);
});

test('bad options and bad records are refused with the field named', () => {
  const fields = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      return error.fields;
    }
    assert.fail('expected a ValidationError');
  };
  assert.deepEqual(
    fields(() => report({ from: '2026-02-30' })),
    ['from'],
  );
  assert.deepEqual(
    fields(() => report({ from: '2026-02-01', to: '2026-01-01' })),
    ['to'],
  );
  assert.deepEqual(
    fields(() => report({ timeZone: 'Nowhere/City' })),
    ['timeZone'],
  );
  const bad = stageChanges.map((change, index) => (index === 2 ? { ...change, at: 'yesterday' } : change));
  assert.deepEqual(
    fields(() => funnelReport({ pipeline, deals, stageChanges: bad }, window)),
    ['stageChanges.2.at'],
  );
  assert.deepEqual(
    fields(() => funnelReport({ pipeline, deals: [...deals, deals[0]!], stageChanges }, window)),
    ['deals.9.id'],
  );
});

test('weighted forecast: amount × probability by expected-close month, won by local close month, converted', () => {
  const at = (id: string, stageId: string, amountMinor: number, currency: string, extra: object = {}) => ({
    id,
    pipelineId: 'p1',
    stageId,
    amount: { amountMinor, currency },
    ...extra,
  });
  const forecastDeals = [
    at('F1', 'opp', 1000, 'CNY', { expectedCloseDate: '2026-03-15' }), // 1000 × 0.2 = 200
    at('F2', 'prop', 333, 'CNY', { expectedCloseDate: '2026-03-31' }), // 333 × 0.5 = 166.5 → 167
    at('F3', 'prop', 1000, 'USD', { expectedCloseDate: '2026-04-01' }), // $10 × 7.1 = ¥71 → 7100 × 0.5 = 3550
    at('F4', 'opp', 500, 'CNY'), // unscheduled: 500 × 0.2 = 100
    at('F5', 'won', 2000, 'CNY', { closedAt: '2026-03-31T16:30:00Z' }), // April 1 00:30 in Shanghai
    at('F6', 'lost', 800, 'CNY', { closedAt: '2026-03-10T00:00:00Z' }), // lost: not counted
    at('F7', 'won', 100, 'JPY', { closedAt: '2026-02-28T23:30:00-05:00' }), // ¥100 × 0.05 = ¥5 → 500 fen
    { ...at('F8', 'opp', 1, 'CNY'), pipelineId: 'unknown' }, // skipped
  ];
  const input = { pipelines: [pipeline], deals: forecastDeals };
  const rates = { USD: 7.1, JPY: 0.05 };
  const shanghai = weightedForecast(input, { currency: 'CNY', rates, timeZone: 'Asia/Shanghai' });
  assert.deepEqual(shanghai.months, [
    { month: '2026-03', openDeals: 2, pipeline: 1333, weighted: 367, wonDeals: 1, won: 500 },
    { month: '2026-04', openDeals: 1, pipeline: 7100, weighted: 3550, wonDeals: 1, won: 2000 },
  ]);
  assert.deepEqual(shanghai.unscheduled, { openDeals: 1, pipeline: 500, weighted: 100 });
  assert.deepEqual(shanghai.total, { openDeals: 4, pipeline: 8933, weighted: 4017, wonDeals: 2, won: 2500 });
  assert.equal(shanghai.skipped, 1);

  // In UTC both wins fall in March; in New York the yen deal closed on February 28.
  const utc = weightedForecast(input, { currency: 'CNY', rates });
  assert.deepEqual(
    utc.months.map((m) => [m.month, m.wonDeals, m.won]),
    [
      ['2026-03', 2, 2500],
      ['2026-04', 0, 0],
    ],
  );
  const newYork = weightedForecast(input, { currency: 'CNY', rates, timeZone: 'America/New_York' });
  assert.deepEqual(
    newYork.months.map((m) => [m.month, m.wonDeals, m.won, m.openDeals]),
    [
      ['2026-02', 1, 500, 0],
      ['2026-03', 1, 2000, 2],
      ['2026-04', 0, 0, 1],
    ],
  );

  // A month range lists every month in it, empty ones too, and leaves the rest out.
  const ranged = weightedForecast(input, { currency: 'CNY', rates, from: '2026-04', to: '2026-06' });
  assert.deepEqual(
    ranged.months.map((m) => [m.month, m.openDeals]),
    [
      ['2026-04', 1],
      ['2026-05', 0],
      ['2026-06', 0],
    ],
  );
  assert.equal(ranged.total.weighted, 3550 + 100);

  // Different currencies are never added without a rate: the error names the currency.
  assert.throws(
    () => weightedForecast(input, { currency: 'CNY', rates: { USD: 7.1 } }),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'rates.JPY',
  );
  assert.throws(() => weightedForecast(input, { currency: 'CNY', rates: { USD: -1 } }), ValidationError);
});
