import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  funnelReport,
  weightedForecast,
  type FunnelCounts,
  type FunnelDeal,
  type FunnelLead,
  type FunnelReport,
  type FunnelStageChange,
} from '@crmkit/core';
import { DAY, pipeline } from './funnel-fixtures.js';

// Random pipelines' worth of deals: each deal walks a random path through the fixture pipeline's stages (forwards,
// skipping, losing, reopening, staying put), at random times around the window; some are in another currency, some
// have no history at all, some sit in a stage the pipeline no longer has.

const START = Date.parse('2025-11-01T00:00:00Z');
const STAGES = ['opp', 'prop', 'won', 'lost', 'gone'] as const;
const OWNERS = ['u1', 'u2', 'u3'] as const;

const dealArbitrary = fc.record({
  path: fc.array(fc.constantFrom(...STAGES), { minLength: 0, maxLength: 6 }),
  gaps: fc.array(fc.integer({ min: 0, max: 40 * 24 }), { minLength: 6, maxLength: 6 }),
  start: fc.integer({ min: 0, max: 150 * 24 }),
  amount: fc.nat({ max: 1_000_000 }),
  usd: fc.boolean(),
  owner: fc.constantFrom(...OWNERS),
  expected: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
});

type DealSpec = typeof dealArbitrary extends fc.Arbitrary<infer T> ? T : never;

interface World {
  deals: FunnelDeal[];
  stageChanges: FunnelStageChange[];
  leads: FunnelLead[];
}

function world(specs: DealSpec[]): World {
  const deals: FunnelDeal[] = [];
  const stageChanges: FunnelStageChange[] = [];
  specs.forEach((spec, index) => {
    const id = `d${String(index).padStart(3, '0')}`;
    // Collapse repeats: a move to the stage a deal is in is no move.
    const path = spec.path.filter((stage, i) => i === 0 || stage !== spec.path[i - 1]);
    let time = START + spec.start * 3_600_000;
    const times: number[] = [];
    path.forEach((stage, step) => {
      time += (spec.gaps[step] ?? 0) * 3_600_000;
      times.push(time);
      stageChanges.push({ dealId: id, toStageId: stage, at: new Date(time).toISOString() });
    });
    const last = path[path.length - 1] ?? 'opp';
    const status = last === 'won' ? 'won' : last === 'lost' ? 'lost' : 'open';
    const created = new Date(times[0] ?? START + spec.start * 3_600_000).toISOString();
    deals.push({
      id,
      pipelineId: 'p1',
      stageId: last,
      status,
      amount: { amountMinor: spec.amount, currency: spec.usd ? 'USD' : 'CNY' },
      ownerId: spec.owner,
      createdAt: created,
      stageEnteredAt: new Date(times[times.length - 1] ?? Date.parse(created)).toISOString(),
      ...(status === 'open' ? {} : { closedAt: new Date(times[times.length - 1]!).toISOString() }),
      ...(status === 'lost' ? { lostReason: index % 2 ? 'price' : 'timing' } : {}),
      ...(status === 'open' && spec.expected !== undefined
        ? { expectedCloseDate: new Date(START + spec.expected * DAY).toISOString().slice(0, 10) }
        : {}),
    });
  });
  const leads: FunnelLead[] = deals.map((deal, index) => ({
    id: `l${index}`,
    status: (['new', 'working', 'qualified', 'disqualified', 'converted'] as const)[index % 5]!,
    createdAt: deal.createdAt,
    ...(index % 5 === 4 ? { convertedDealId: deal.id } : {}),
  }));
  return { deals, stageChanges, leads };
}

const options = {
  from: '2025-12-01',
  to: '2026-01-31',
  asOf: '2026-04-01T00:00:00Z',
  timeZone: 'Asia/Shanghai',
  conversion: { currency: 'CNY', rates: { USD: 7.25 } },
  minSample: 1,
} as const;

const rates = (report: FunnelReport): (number | null)[] => [
  ...[...report.steps, ...report.lostStages].flatMap((s) => [s.cohort.conversionToNext, s.snapshot.conversionToNext]),
  report.conversion.cohort,
  report.conversion.snapshot,
  report.conversion.cohortFromLeads,
  report.conversion.snapshotFromLeads,
  report.winRate.cohort.rate,
  report.winRate.period.rate,
  report.velocity.winRate,
  ...report.lostReasons.map((r) => r.share),
];

test('every rate is within [0, 1] (or null when its denominator is 0)', () => {
  fc.assert(
    fc.property(fc.array(dealArbitrary, { maxLength: 40 }), (specs) => {
      const report = funnelReport({ pipeline, ...world(specs) }, options);
      for (const value of rates(report)) assert.ok(value === null || (value >= 0 && value <= 1), String(value));
    }),
    { numRuns: 300 },
  );
});

test('counts are conserved: every deal ends in exactly one place, reach never grows along the funnel', () => {
  fc.assert(
    fc.property(fc.array(dealArbitrary, { maxLength: 40 }), (specs) => {
      const data = world(specs);
      const report = funnelReport({ pipeline, ...data }, options);
      for (const view of ['cohort', 'snapshot'] as const) {
        const outcome = report[view];
        assert.equal(outcome.deals, outcome.open + outcome.won + outcome.lost + outcome.inRemovedStage);
        const dealSteps = [...report.steps.filter((s) => s.kind !== 'lead'), ...report.lostStages];
        const current = dealSteps.reduce((sum, s) => sum + s[view].current, 0);
        assert.equal(current + outcome.inRemovedStage, outcome.deals);
        const path = report.steps.filter((s) => s.kind === 'open' || s.kind === 'won').map((s) => s[view]);
        path.forEach((counts: FunnelCounts, i) => {
          assert.ok(counts.entered <= counts.reached);
          assert.ok(counts.reached <= outcome.deals);
          if (i > 0) assert.ok(counts.reached <= path[i - 1]!.reached);
        });
        const leads = outcome.leads!;
        assert.equal(leads.leads, leads.open + leads.qualified + leads.disqualified + leads.converted);
      }
      assert.equal(
        report.cohortMonths.reduce((sum, month) => sum + month.deals, 0),
        report.cohort.deals,
      );
      assert.equal(
        report.lostReasons.reduce((sum, reason) => sum + reason.count, 0),
        report.winRate.period.lost,
      );
      // Time-in-stage samples are visits that ended: never more than the moves there were.
      const samples = report.steps.reduce((sum, s) => sum + (s.timeInStage?.samples ?? 0), 0);
      assert.ok(samples <= data.stageChanges.length);
    }),
    { numRuns: 300 },
  );
});

test('the order of deals and history does not matter (sorted input is merged, any other is indexed)', () => {
  fc.assert(
    fc.property(fc.array(dealArbitrary, { maxLength: 25 }), fc.nat(), fc.boolean(), (specs, seed, reverseDeals) => {
      const data = world(specs);
      // Reorder whole deals' histories, keeping each deal's own changes in order (same-instant moves stay ordered).
      const rank = (id: string) => (Number(id.slice(1)) * 7919 + seed) % 101;
      const shuffled = [...data.stageChanges].sort((a, b) => rank(a.dealId) - rank(b.dealId));
      const deals = reverseDeals ? [...data.deals].reverse() : data.deals;
      assert.deepEqual(
        funnelReport({ pipeline, ...data, deals, stageChanges: shuffled }, options),
        funnelReport({ pipeline, ...data }, options),
      );
    }),
    { numRuns: 150 },
  );
});

test('instants with offsets give the same report as canonical UTC ones', () => {
  const offset = (iso: string) => {
    // The same instant written at +05:30.
    const local = new Date(Date.parse(iso) + 5.5 * 3_600_000).toISOString().slice(0, 23);
    return `${local}+05:30`;
  };
  fc.assert(
    fc.property(fc.array(dealArbitrary, { maxLength: 25 }), (specs) => {
      const data = world(specs);
      const rewritten = {
        ...data,
        stageChanges: data.stageChanges.map((change) => ({ ...change, at: offset(change.at) })),
        leads: data.leads.map((lead) => ({ ...lead, createdAt: offset(lead.createdAt) })),
      };
      assert.deepEqual(funnelReport({ pipeline, ...rewritten }, options), funnelReport({ pipeline, ...data }, options));
    }),
    { numRuns: 100 },
  );
});

test('cohort counts are additive over owners', () => {
  fc.assert(
    fc.property(fc.array(dealArbitrary, { maxLength: 40 }), (specs) => {
      const data = world(specs);
      const whole = funnelReport({ pipeline, deals: data.deals, stageChanges: data.stageChanges }, options);
      const parts = OWNERS.map((owner) =>
        funnelReport(
          { pipeline, deals: data.deals.filter((d) => d.ownerId === owner), stageChanges: data.stageChanges },
          options,
        ),
      );
      whole.steps.forEach((s, i) => {
        assert.equal(
          parts.reduce((sum, part) => sum + part.steps[i]!.cohort.reached, 0),
          s.cohort.reached,
        );
        assert.equal(
          parts.reduce((sum, part) => sum + part.steps[i]!.snapshot.current, 0),
          s.snapshot.current,
        );
      });
    }),
    { numRuns: 100 },
  );
});

test('the weighted forecast is additive over owners, month by month, to the minor unit', () => {
  fc.assert(
    fc.property(fc.array(dealArbitrary, { maxLength: 60 }), fc.constantFrom('UTC', 'Asia/Shanghai'), (specs, zone) => {
      const { deals } = world(specs);
      const forecastOptions = { currency: 'CNY', rates: { USD: 7.1337 }, timeZone: zone };
      const whole = weightedForecast({ pipelines: [pipeline], deals }, forecastOptions);
      const byMonth = new Map<string, number[]>();
      const add = (key: string, values: number[]) =>
        byMonth.set(
          key,
          (byMonth.get(key) ?? [0, 0, 0, 0, 0]).map((v, i) => v + values[i]!),
        );
      for (const owner of OWNERS) {
        const part = weightedForecast(
          { pipelines: [pipeline], deals: deals.filter((d) => d.ownerId === owner) },
          forecastOptions,
        );
        for (const m of part.months) add(m.month, [m.openDeals, m.pipeline, m.weighted, m.wonDeals, m.won]);
        add('unscheduled', [part.unscheduled.openDeals, part.unscheduled.pipeline, part.unscheduled.weighted, 0, 0]);
      }
      for (const m of whole.months) {
        assert.deepEqual(byMonth.get(m.month) ?? [0, 0, 0, 0, 0], [
          m.openDeals,
          m.pipeline,
          m.weighted,
          m.wonDeals,
          m.won,
        ]);
        assert.ok(m.weighted <= m.pipeline);
      }
      const u = whole.unscheduled;
      assert.deepEqual(byMonth.get('unscheduled'), [u.openDeals, u.pipeline, u.weighted, 0, 0]);
    }),
    { numRuns: 200 },
  );
});
