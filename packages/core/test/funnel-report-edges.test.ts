// Edges of funnelReport that the hand-computed fixtures in funnel-analytics.test.ts do not reach: events exactly at
// `from`, `to`, `asOf` and the snapshot cut, the order of lists, empty reports, secondary fields and input order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ValidationError,
  funnelReport,
  type FunnelDeal,
  type FunnelReport,
  type FunnelStageChange,
  type FunnelStepReport,
} from '@crmkit/core';
import { DAY, deals, leads, pipeline, stageChanges, window } from './funnel-fixtures.js';

const FROM = Date.parse('2026-01-01T00:00:00.000Z');
const TO = Date.parse('2026-02-01T00:00:00.000Z');
const AS_OF = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const instants = { from: new Date(FROM), to: new Date(TO), asOf: new Date(AS_OF) };

/** A deal of pipeline p1 whose history is `moves` ([stage, ms]…); it stands in the last stage. */
function story(id: string, moves: [string, number][], extra: Partial<FunnelDeal> = {}) {
  const last = moves.at(-1)!;
  const deal: FunnelDeal = {
    id,
    pipelineId: 'p1',
    stageId: last[0],
    amount: { amountMinor: 1, currency: 'CNY' },
    createdAt: iso(moves[0]![1]),
    stageEnteredAt: iso(last[1]),
    ...extra,
  };
  const changes: FunnelStageChange[] = moves.map(([toStageId, at]) => ({ dealId: id, toStageId, at: iso(at) }));
  return { deal, changes };
}

function run(stories: ReturnType<typeof story>[], options: Partial<Parameters<typeof funnelReport>[1]> = {}) {
  return funnelReport(
    { pipeline, deals: stories.map((s) => s.deal), stageChanges: stories.flatMap((s) => s.changes) },
    { ...instants, ...options },
  );
}

const step = (r: FunnelReport, id: string): FunnelStepReport => {
  const found = [...r.steps, ...r.lostStages].find((candidate) => candidate.id === id);
  assert.ok(found, id);
  return found;
};

/** Every number anywhere in `value` (JSON.stringify would print NaN as null and hide it). */
function assertNoNaN(value: unknown, path = 'report'): void {
  if (typeof value === 'number') assert.ok(!Number.isNaN(value), `${path} is NaN`);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) assertNoNaN(child, `${path}.${key}`);
  }
}

test('the cohort window includes `from` and excludes `to`, to the millisecond; the snapshot is taken before `to`', () => {
  const r = run([
    story('A', [['opp', FROM - 1]], { amount: { amountMinor: 1, currency: 'CNY' } }),
    story('B', [['opp', FROM]], { amount: { amountMinor: 10, currency: 'CNY' } }),
    story('C', [['opp', TO - 1]], { amount: { amountMinor: 100, currency: 'CNY' } }),
    story('D', [['opp', TO]], { amount: { amountMinor: 1000, currency: 'CNY' } }),
  ]);
  assert.equal(r.cohort.deals, 2);
  assert.deepEqual(step(r, 'opp').cohort.reachedAmount.byCurrency, { CNY: 110 });
  assert.equal(r.snapshot.deals, 3);
  assert.deepEqual(step(r, 'opp').snapshot.reachedAmount.byCurrency, { CNY: 111 });
  assert.deepEqual(
    r.cohortMonths.map((m) => [m.month, m.deals, m.open]),
    [['2026-01', 2, 2]],
  );
  assert.equal(r.from, iso(FROM));
  assert.equal(r.to, iso(TO));
  assert.equal(r.asOf, iso(AS_OF));
  assert.equal(r.timeZone, 'UTC');
});

test('a move exactly at the snapshot cut is not in the snapshot; one a millisecond before is', () => {
  const r = run([
    story('A', [
      ['opp', FROM + DAY],
      ['prop', TO],
    ]),
    story('B', [
      ['opp', FROM + DAY],
      ['prop', TO - 1],
    ]),
  ]);
  assert.deepEqual(
    ['opp', 'prop'].map((id) => step(r, id).snapshot.current),
    [1, 1],
  );
  assert.deepEqual(
    ['opp', 'prop'].map((id) => step(r, id).snapshot.entered),
    [2, 1],
  );
  // The cohort follows both to asOf: both in proposal.
  assert.deepEqual(
    ['opp', 'prop'].map((id) => step(r, id).cohort.current),
    [0, 2],
  );
  assert.equal(step(r, 'opp').snapshot.conversionToNext, 0.5);
  assert.equal(step(r, 'opp').cohort.conversionToNext, 1);
});

test('asOf before `to`: history up to and including asOf counts, anything later does not', () => {
  const asOf = FROM + 10 * DAY;
  const r = run(
    [
      story('A', [['opp', asOf]]),
      story('B', [['opp', asOf + 1]]),
      story('C', [
        ['opp', FROM],
        ['prop', asOf],
      ]),
      story('D', [
        ['opp', FROM],
        ['prop', asOf + 1],
      ]),
    ],
    { asOf: new Date(asOf) },
  );
  // B entered after asOf: not yet in the pipeline. D's move to proposal is in the future.
  assert.deepEqual(r.cohort, { deals: 3, open: 3, won: 0, lost: 0, inRemovedStage: 0, leads: null });
  assert.deepEqual(r.snapshot, { deals: 3, open: 3, won: 0, lost: 0, inRemovedStage: 0, leads: null });
  assert.deepEqual(
    ['opp', 'prop'].map((id) => step(r, id).snapshot.current),
    [2, 1],
  );
  // C's day in opportunity ended in the window; D's visit has not ended at asOf.
  assert.deepEqual(step(r, 'opp').timeInStage, { samples: 1, averageDays: 10, medianDays: 10 });
});

test('a visit ending exactly at `from` is a time-in-stage sample; one ending exactly at `to` is not', () => {
  const r = run([
    story('A', [
      ['opp', FROM - 2 * DAY],
      ['prop', FROM],
    ]),
    story('B', [
      ['opp', FROM + DAY],
      ['prop', TO],
    ]),
    story('C', [
      ['opp', FROM + DAY],
      ['prop', TO - DAY],
    ]),
  ]);
  // A: 2 days; C: 29 days; B's visit ends at `to`, outside.
  assert.deepEqual(step(r, 'opp').timeInStage, { samples: 2, averageDays: 15.5, medianDays: 15.5 });
  assert.deepEqual(step(r, 'prop').timeInStage, { samples: 0, averageDays: null, medianDays: null });
});

test('time in stage: the median of an odd and of an even count, from samples out of order', () => {
  const days = [9, 1, 4, 25, 16];
  const stories = days.map((d, i) =>
    story(`S${i}`, [
      ['opp', FROM + DAY],
      ['prop', FROM + DAY + d * DAY],
    ]),
  );
  assert.deepEqual(step(run(stories), 'opp').timeInStage, { samples: 5, averageDays: 11, medianDays: 9 });
  assert.deepEqual(step(run(stories.slice(0, 4)), 'opp').timeInStage, {
    samples: 4,
    averageDays: 9.75,
    medianDays: 6.5,
  });
});

test('the period counts deals closed in [from, to): a close exactly at `to` is next period’s', () => {
  const r = run([
    story('A', [
      ['opp', FROM - 5 * DAY],
      ['won', FROM],
    ]),
    story('B', [
      ['opp', FROM + DAY],
      ['won', TO],
    ]),
    story('C', [
      ['opp', FROM + DAY],
      ['lost', TO],
    ]),
    story('D', [
      ['opp', FROM + DAY],
      ['lost', TO - 1],
    ]),
  ]);
  assert.deepEqual(r.winRate.period, { won: 1, lost: 1, rate: 0.5 });
  assert.equal(r.velocity.wonDeals, 1);
  assert.equal(r.velocity.lostDeals, 1);
  assert.equal(r.velocity.averageCycleDays, 5);
  // The cohort (B, C, D) at asOf: B won, C and D lost.
  assert.deepEqual(r.winRate.cohort, { won: 1, lost: 2, rate: 1 / 3 });
  assert.deepEqual(
    r.lostReasons.map((l) => [l.reason, l.count]),
    [[null, 1]],
  );
});

test('lost reasons: by count, then reason in code-unit order, no reason last; shares and amounts per reason', () => {
  const lost = (id: string, reason: string | undefined, amountMinor: number) =>
    story(
      id,
      [
        ['opp', FROM + DAY],
        ['lost', FROM + 2 * DAY],
      ],
      { amount: { amountMinor, currency: 'CNY' }, ...(reason === undefined ? {} : { lostReason: reason }) },
    );
  const r = run([
    lost('L1', undefined, 1),
    lost('L2', 'timing', 2),
    lost('L3', 'budget', 4),
    lost('L4', 'price', 8),
    lost('L5', undefined, 16),
    lost('L6', 'timing', 32),
    lost('L7', 'price', 64),
    lost('L8', 'Zebra', 128),
  ]);
  assert.deepEqual(
    r.lostReasons.map((l) => [l.reason, l.count, l.share, l.amount.total?.amountMinor]),
    [
      ['price', 2, 0.25, 72],
      ['timing', 2, 0.25, 34],
      [null, 2, 0.25, 17],
      ['Zebra', 1, 0.125, 128],
      ['budget', 1, 0.125, 4],
    ],
  );
});

test('rotting deals: ownerId when the deal has one, ties by id, idle exactly at the limit is not rotting', () => {
  // opp rots after 10 days. asOf is March 1.
  const r = run([
    story('R3', [['opp', AS_OF - 20 * DAY]], { ownerId: 'u1' }),
    story('R1', [['opp', AS_OF - 20 * DAY]]),
    story('R2', [['opp', AS_OF - 30 * DAY]], { ownerId: 'u2' }),
    story('R4', [['opp', AS_OF - 10 * DAY]]),
    story('R5', [['opp', AS_OF - 10 * DAY - 1]]),
    story('R6', [['won', AS_OF - 90 * DAY]]),
  ]);
  assert.deepEqual(r.rotting, {
    count: 4,
    deals: [
      { dealId: 'R2', stageId: 'opp', ownerId: 'u2', idleDays: 30, rottingDays: 10 },
      { dealId: 'R1', stageId: 'opp', idleDays: 20, rottingDays: 10 },
      { dealId: 'R3', stageId: 'opp', ownerId: 'u1', idleDays: 20, rottingDays: 10 },
      { dealId: 'R5', stageId: 'opp', idleDays: 10 + 1 / DAY, rottingDays: 10 },
    ],
  });
  assert.deepEqual(run([story('R1', [['opp', AS_OF - 20 * DAY]])], { rottingLimit: 0 }).rotting, {
    count: 1,
    deals: [],
  });
});

test('rotting: the kept deals are the longest idle, in order, whatever the input order and limit', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ id: fc.constantFrom(...'ABCDEFGHIJKL'), idle: fc.integer({ min: 11, max: 15 }) }), {
        selector: (d) => d.id,
        maxLength: 12,
      }),
      fc.integer({ min: 0, max: 6 }),
      (rotting, limit) => {
        const r = run(
          rotting.map(({ id, idle }) => story(id, [['opp', AS_OF - idle * DAY]])),
          { rottingLimit: limit },
        );
        const expected = [...rotting]
          .sort((a, b) => b.idle - a.idle || (a.id < b.id ? -1 : 1))
          .slice(0, limit)
          .map((d) => [d.id, d.idle]);
        assert.equal(r.rotting.count, rotting.length);
        assert.deepEqual(
          r.rotting.deals.map((d) => [d.dealId, d.idleDays]),
          expected,
        );
      },
    ),
  );
});

test('a report without wins: every velocity figure is null, and no number anywhere is NaN', () => {
  const open = run([story('A', [['opp', FROM + DAY]])]);
  assert.deepEqual(open.velocity, {
    openDeals: 1,
    wonDeals: 0,
    lostDeals: 0,
    winRate: null,
    averageCycleDays: null,
    averageWonAmount: null,
    dealsPerDay: null,
    valuePerDay: null,
  });
  assertNoNaN(open);
  const empty = funnelReport({ pipeline, deals: [], stageChanges: [], leads: [] }, window);
  assert.equal(empty.velocity.averageCycleDays, null);
  assert.deepEqual(empty.lostReasons, []);
  assert.deepEqual(empty.rotting, { count: 0, deals: [] });
  assertNoNaN(empty);
  // Won the moment it entered: a cycle of 0 days gives no deals-per-day rate (it would divide by zero).
  const instant = run([story('W', [['won', FROM + DAY]]), story('O', [['opp', FROM + DAY]])]);
  assert.equal(instant.velocity.averageCycleDays, 0);
  assert.equal(instant.velocity.dealsPerDay, null);
  assert.equal(instant.velocity.valuePerDay, null);
  assert.deepEqual(instant.velocity.averageWonAmount, { amountMinor: 1, currency: 'CNY' });
  assertNoNaN(instant);
  assertNoNaN(funnelReport({ pipeline, deals, stageChanges, leads }, window));
});

test('leads: created exactly at `from` is in the cohort, exactly at `to` only past it, after asOf nowhere', () => {
  const r = funnelReport(
    {
      pipeline,
      deals: [],
      stageChanges: [],
      leads: [
        { id: 'L0', status: 'new', createdAt: iso(FROM - 1) },
        { id: 'L1', status: 'qualified', createdAt: iso(FROM) },
        { id: 'L2', status: 'disqualified', createdAt: iso(TO - 1) },
        { id: 'L3', status: 'working', createdAt: iso(TO) },
        { id: 'L4', status: 'converted', createdAt: iso(AS_OF + 1) },
      ],
    },
    instants,
  );
  assert.deepEqual(r.cohort.leads, {
    leads: 2,
    open: 0,
    qualified: 1,
    disqualified: 1,
    converted: 0,
    convertedToPipeline: 0,
  });
  assert.deepEqual(r.snapshot.leads, {
    leads: 3,
    open: 1,
    qualified: 1,
    disqualified: 1,
    converted: 0,
    convertedToPipeline: 0,
  });
});

test('deals and history in any order, mixed with other pipelines, give the same report', () => {
  const expected = funnelReport({ pipeline, deals, stageChanges, leads }, window);
  fc.assert(
    fc.property(
      fc.shuffledSubarray(deals, { minLength: deals.length }),
      fc.shuffledSubarray(stageChanges, { minLength: stageChanges.length }),
      (someDeals, someChanges) => {
        assert.deepEqual(
          funnelReport({ pipeline, deals: someDeals, stageChanges: someChanges, leads }, window),
          expected,
        );
      },
    ),
    { numRuns: 50 },
  );
  // History sorted by deal id against sorted deals (the merging pass) with deals that have none, and changes of
  // deals that are not in the input.
  const byId = [...stageChanges, { dealId: 'D0', toStageId: 'opp', at: '2026-01-05T00:00:00.000Z' }].sort((a, b) =>
    a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0,
  );
  assert.deepEqual(funnelReport({ pipeline, deals, stageChanges: byId, leads }, window), expected);
});

test('a duplicate deal id is named at its second occurrence, in sorted and in unsorted input', () => {
  const fields = (input: FunnelDeal[]) => {
    try {
      funnelReport({ pipeline, deals: input, stageChanges }, window);
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return error.fields;
    }
    return [];
  };
  const [d1, d2, d3] = deals as [FunnelDeal, FunnelDeal, FunnelDeal];
  const elsewhere = { ...d1, pipelineId: 'p2' };
  assert.deepEqual(fields([d1, elsewhere, d1, d2]), ['deals.2.id']);
  assert.deepEqual(fields([d3, d1, elsewhere, d2, d1]), ['deals.4.id']);
  assert.deepEqual(fields([d1, elsewhere, d2]), [], 'the same id in another pipeline is another deal');
});

test('a bad timestamp of a deal without history is named at its index in the whole input', () => {
  const elsewhere = { ...deals[0]!, id: 'X', pipelineId: 'p2' };
  const bad = { ...deals[0]!, id: 'Y', createdAt: 'soon', stageEnteredAt: undefined };
  assert.throws(
    () => funnelReport({ pipeline, deals: [elsewhere, bad], stageChanges: [] }, window),
    (error: unknown) => error instanceof ValidationError && error.fields.join() === 'deals.1.createdAt',
  );
});

const stage = (id: string, kind: 'open' | 'won' | 'lost', probability = 0.5) => ({
  id,
  name: { en: id, 'zh-CN': id },
  probability,
  kind,
});

test('a deal that went straight to lost reached no open stage; one in a removed stage counts nowhere else', () => {
  const r = run([story('A', [['lost', FROM + DAY]], { lostReason: 'spam' }), story('Z', [['demo', FROM + DAY]])]);
  assert.deepEqual(
    ['opp', 'prop', 'won', 'lost'].map((id) => step(r, id).cohort.reached),
    [0, 0, 0, 1],
  );
  assert.deepEqual(
    ['opp', 'prop', 'won', 'lost'].map((id) => step(r, id).snapshot.reached),
    [0, 0, 0, 1],
  );
  assert.deepEqual(r.cohort, { deals: 2, open: 0, won: 0, lost: 1, inRemovedStage: 1, leads: null });
  assert.deepEqual(r.snapshot, { deals: 2, open: 0, won: 0, lost: 1, inRemovedStage: 1, leads: null });
  assert.deepEqual(r.cohortMonths, [{ month: '2026-01', deals: 2, open: 0, won: 0, lost: 1, reached: [0, 0, 0] }]);
  assert.deepEqual(r.winRate.period, { won: 0, lost: 1, rate: 0 });
  assert.deepEqual(step(r, 'lost').snapshot.reachedAmount, {
    byCurrency: { CNY: 1 },
    total: { amountMinor: 1, currency: 'CNY' },
  });
});

test('two won stages: each counts the deals that entered it, and neither converts further', () => {
  const twoWins = { id: 'p1', stages: [stage('opp', 'open'), stage('won-a', 'won', 1), stage('won-b', 'won', 1)] };
  const stories = [
    story('A', [
      ['opp', FROM + DAY],
      ['won-a', FROM + 2 * DAY],
    ]),
    story('B', [
      ['opp', FROM + DAY],
      ['won-b', FROM + 2 * DAY],
    ]),
    story('C', [['opp', FROM + DAY]]),
  ];
  const r = funnelReport(
    { pipeline: twoWins, deals: stories.map((s) => s.deal), stageChanges: stories.flatMap((s) => s.changes) },
    instants,
  );
  assert.deepEqual(
    r.steps.map((s) => [s.id, s.cohort.reached, s.cohort.entered, s.cohort.conversionToNext]),
    [
      ['opp', 3, 3, 2 / 3],
      ['won-a', 1, 1, null],
      ['won-b', 1, 1, null],
    ],
  );
  assert.equal(r.conversion.cohort, 2 / 3);
  assert.deepEqual(r.winRate.period, { won: 2, lost: 0, rate: 1 });
});

test('a pipeline without a won stage: its last open stage converts to nothing', () => {
  const noWin = { id: 'p1', stages: [stage('opp', 'open'), stage('prop', 'open'), stage('lost', 'lost', 0)] };
  const s = story('A', [
    ['opp', FROM + DAY],
    ['prop', FROM + 2 * DAY],
  ]);
  const r = funnelReport({ pipeline: noWin, deals: [s.deal], stageChanges: s.changes }, instants);
  assert.deepEqual(
    r.steps.map((x) => [x.id, x.cohort.reached, x.cohort.conversionToNext]),
    [
      ['opp', 1, 1],
      ['prop', 1, null],
    ],
  );
  assert.equal(r.conversion.cohort, 0);
});

test('conversion from leads is null without path stages, without leads in the view, or without deals', () => {
  const onlyLost = { id: 'p1', stages: [stage('lost', 'lost', 0)] };
  const lead = { id: 'L', status: 'converted' as const, convertedDealId: 'A', createdAt: iso(FROM + DAY) };
  const bare = funnelReport({ pipeline: onlyLost, deals: [], stageChanges: [], leads: [lead] }, instants);
  assert.deepEqual(
    bare.steps.map((x) => [x.id, x.cohort.reached, x.cohort.conversionToNext]),
    [
      ['prospect', 1, 1],
      ['qualified', 1, null],
    ],
  );
  assert.deepEqual(bare.conversion, { cohort: null, snapshot: null, cohortFromLeads: null, snapshotFromLeads: null });

  const s = story('A', [['opp', FROM + DAY]]);
  const noLeads = funnelReport({ pipeline, deals: [s.deal], stageChanges: s.changes, leads: [] }, instants);
  assert.deepEqual(noLeads.conversion, { cohort: 0, snapshot: 0, cohortFromLeads: null, snapshotFromLeads: null });
  const noDeals = funnelReport({ pipeline, deals: [], stageChanges: [], leads: [lead] }, instants);
  assert.deepEqual(noDeals.conversion, {
    cohort: null,
    snapshot: null,
    cohortFromLeads: null,
    snapshotFromLeads: null,
  });
  assert.equal(step(noDeals, 'qualified').cohort.conversionToNext, 0);
});

test('a history that does not end in the deal’s stage is closed at stageEnteredAt, else updatedAt, else createdAt', () => {
  const closing = (extra: Partial<FunnelDeal>) => {
    const deal: FunnelDeal = {
      id: 'J',
      pipelineId: 'p1',
      stageId: 'prop',
      amount: { amountMinor: 1, currency: 'CNY' },
      createdAt: iso(FROM),
      ...extra,
    };
    const r = funnelReport(
      { pipeline, deals: [deal], stageChanges: [{ dealId: 'J', toStageId: 'opp', at: iso(FROM + DAY) }] },
      instants,
    );
    assert.equal(step(r, 'prop').cohort.current, 1);
    return step(r, 'opp').timeInStage;
  };
  assert.deepEqual(closing({ stageEnteredAt: iso(FROM + 5 * DAY), updatedAt: iso(FROM + 9 * DAY) }), {
    samples: 1,
    averageDays: 4,
    medianDays: 4,
  });
  assert.deepEqual(closing({ updatedAt: iso(FROM + 6 * DAY) }), { samples: 1, averageDays: 5, medianDays: 5 });
  // Never before the last recorded move.
  assert.deepEqual(closing({}), { samples: 1, averageDays: 0, medianDays: 0 });
  assert.deepEqual(closing({ stageEnteredAt: iso(FROM) }), { samples: 1, averageDays: 0, medianDays: 0 });
});

test('moves at the same instant keep their input order when a deal’s history is sorted by time', () => {
  // A (earlier id) has later moves in the slots before B's.
  const a = story('A', [['opp', FROM + 20 * DAY]]);
  const b = story('B', [
    ['opp', FROM + DAY],
    ['won', FROM + 3 * DAY],
  ]);
  const changes = [
    ...a.changes,
    b.changes[0]!,
    b.changes[1]!,
    { dealId: 'B', toStageId: 'prop', at: iso(FROM + DAY) }, // recorded after opp, at the same instant
  ];
  const r = funnelReport({ pipeline, deals: [a.deal, b.deal], stageChanges: changes }, instants);
  assert.deepEqual(step(r, 'opp').timeInStage, { samples: 1, averageDays: 0, medianDays: 0 });
  assert.deepEqual(step(r, 'prop').timeInStage, { samples: 1, averageDays: 2, medianDays: 2 });
  assert.equal(step(r, 'prop').cohort.entered, 1);
});

test('unsorted deals with history sorted by deal id', () => {
  const stories = ['C', 'A', 'B'].map((id, i) =>
    story(id, [
      ['opp', FROM + DAY],
      ['prop', FROM + (2 + i) * DAY],
    ]),
  );
  const changes = stories.flatMap((s) => s.changes).sort((x, y) => (x.dealId < y.dealId ? -1 : 1));
  const r = funnelReport({ pipeline, deals: stories.map((s) => s.deal), stageChanges: changes }, instants);
  // C 1 day, A 2 days, B 3 days in opportunity.
  assert.deepEqual(step(r, 'opp').timeInStage, { samples: 3, averageDays: 2, medianDays: 2 });
  assert.equal(step(r, 'prop').cohort.current, 3);
});

test('cohort months: a deal entering exactly at the first instant of a month belongs to that month', () => {
  const feb = Date.parse('2026-02-01T00:00:00.000Z');
  const r = run(
    [
      story('A', [['opp', FROM + DAY]]),
      story('B', [['opp', feb]]),
      story('C', [['opp', feb - 1]]),
      story('D', [['opp', feb + DAY]]),
    ],
    { to: new Date('2026-03-01T00:00:00.000Z'), asOf: new Date('2026-03-02T00:00:00.000Z') },
  );
  assert.deepEqual(
    r.cohortMonths.map((m) => [m.month, m.deals]),
    [
      ['2026-01', 2],
      ['2026-02', 2],
    ],
  );
});

test('errors name the option, the record and the context', () => {
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      return `${error.fields.join()} | ${error.message}`;
    }
    assert.fail('expected a ValidationError');
  };
  const same = message(() => run([], { from: new Date(FROM), to: new Date(FROM) }));
  assert.match(same, /^to \| /);
  assert.match(same, /funnel options/);
  assert.match(same, /Expected the end of the window after its start/);
  assert.match(
    message(() => run([], { rottingLimit: -1 })),
    /^rottingLimit \| .*funnel options/,
  );
  assert.match(
    message(() => funnelReport({ pipeline: { id: 'p1', stages: [] }, deals: [], stageChanges: [] }, instants)),
    /^stages \| .*pipeline/,
  );
  const [d1] = deals as [FunnelDeal];
  assert.match(
    message(() => funnelReport({ pipeline, deals: [d1, d1], stageChanges: [] }, instants)),
    /^deals\.1\.id \| .*funnel data.*Duplicate deal id|^deals\.1\.id \| .*Duplicate deal id.*funnel data/,
  );
  // A bad instant in history that is not sorted by deal id, and in a lead.
  const reversed = [...stageChanges].reverse().map((c, i) => (i === 3 ? { ...c, at: 'later' } : c));
  assert.match(
    message(() => funnelReport({ pipeline, deals, stageChanges: reversed }, window)),
    /^stageChanges\.3\.at \| .*funnel data/,
  );
  assert.match(
    message(() =>
      funnelReport(
        {
          pipeline,
          deals: [],
          stageChanges: [],
          leads: [leads[0]!, { id: 'L', status: 'new', createdAt: 'today' }],
        },
        window,
      ),
    ),
    /^leads\.1\.createdAt \| /,
  );
});

test('a visit or a close before `from` is outside the window; a lead created after an early asOf is not yet counted', () => {
  const r = run([
    story('A', [
      ['opp', FROM - 10 * DAY],
      ['prop', FROM - 1],
      ['won', FROM + DAY],
    ]),
    story('B', [
      ['opp', FROM - 10 * DAY],
      ['won', FROM - 1],
    ]),
  ]);
  // A's opportunity visit ended before the window; its proposal visit (1 day + 1 ms) ended inside it.
  assert.deepEqual(step(r, 'opp').timeInStage, { samples: 0, averageDays: null, medianDays: null });
  assert.equal(step(r, 'prop').timeInStage?.samples, 1);
  assert.deepEqual(r.winRate.period, { won: 1, lost: 0, rate: 1 });

  const asOf = FROM + 10 * DAY;
  const early = funnelReport(
    {
      pipeline,
      deals: [],
      stageChanges: [],
      leads: [
        { id: 'L1', status: 'new', createdAt: iso(asOf) },
        { id: 'L2', status: 'new', createdAt: iso(asOf + 1) },
      ],
    },
    { ...instants, asOf: new Date(asOf) },
  );
  assert.equal(early.cohort.leads?.leads, 1);
  assert.equal(early.snapshot.leads?.leads, 1);
});
