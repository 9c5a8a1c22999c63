// The weighted forecast's month range, skips and rounding, and the zoned calendar's arithmetic against Date and Intl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError, weightedForecast, zonedCalendar, type ForecastDeal } from '@crmkit/core';
import { civilFromDays, monthKey, monthNumberOf } from '../src/time/calendar.js';
import { pipeline } from './funnel-fixtures.js';

const DAY = 86_400_000;

test('civilFromDays agrees with Date for any day from year -9999 to 9999', () => {
  fc.assert(
    fc.property(fc.integer({ min: -4_371_587, max: 2_932_896 }), (days) => {
      const date = new Date(days * DAY);
      assert.deepEqual(civilFromDays(days), [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]);
    }),
  );
  for (const [days, civil] of [
    [0, [1970, 1, 1]],
    [-1, [1969, 12, 31]],
    [59, [1970, 3, 1]],
    [11_016, [2000, 2, 29]],
    [11_017, [2000, 3, 1]],
    [-719_468, [0, 3, 1]],
    [-719_469, [0, 2, 29]],
  ] as const) {
    assert.deepEqual(civilFromDays(days), civil, String(days));
  }
});

test('month keys and month numbers: two-digit months, across year ends, and what is not a month', () => {
  assert.equal(monthKey(2026 * 12), '2026-01');
  assert.equal(monthKey(2026 * 12 + 8), '2026-09');
  assert.equal(monthKey(2026 * 12 + 9), '2026-10');
  assert.equal(monthKey(2026 * 12 + 11), '2026-12');
  assert.equal(monthNumberOf('2026-01'), 2026 * 12);
  assert.equal(monthNumberOf('2026-12-31'), 2026 * 12 + 11);
  for (const text of ['2026-00', '2026-13', '2026-1', '26-01', '2026-01-1', ' 2026-01', '2026-01x']) {
    assert.ok(Number.isNaN(monthNumberOf(text)), text);
  }
  fc.assert(
    fc.property(fc.integer({ min: 1000 * 12, max: 9999 * 12 + 11 }), (month) => {
      assert.equal(monthNumberOf(monthKey(month)), month);
    }),
  );
});

test('zoned days and months agree with Intl, and every instant lies in its own day', () => {
  const zones = [
    'UTC',
    'Asia/Shanghai',
    'America/New_York',
    'America/Santiago',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...zones),
      fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }),
      (zone, ms) => {
        const calendar = zonedCalendar(zone);
        const day = calendar.dayOf(ms);
        assert.ok(calendar.startOfDay(day) <= ms && ms < calendar.startOfDay(day + 1));
        const parts = new Intl.DateTimeFormat('en-CA', {
          timeZone: zone,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
        }).format(ms);
        assert.deepEqual(civilFromDays(day).join('-'), parts.split('-').map(Number).join('-'));
        const [year, month] = civilFromDays(day);
        assert.equal(calendar.monthOf(ms), year * 12 + month - 1);
        assert.ok(calendar.startOfMonth(calendar.monthOf(ms)) <= ms);
      },
    ),
  );
  assert.equal(zonedCalendar('Asia/Shanghai'), zonedCalendar('Asia/Shanghai'), 'one calendar per zone');
  assert.equal(zonedCalendar('Asia/Shanghai').timeZone, 'Asia/Shanghai');
  assert.equal(new Date(zonedCalendar('Asia/Kathmandu').startOfDay(0)).toISOString(), '1969-12-31T18:30:00.000Z');
});

const deal = (id: string, stageId: string, amountMinor: number, extra: Partial<ForecastDeal> = {}): ForecastDeal => ({
  id,
  pipelineId: 'p1',
  stageId,
  amount: { amountMinor, currency: 'CNY' },
  ...extra,
});

test('forecast month range: both ends included, deals outside it left out (not skipped), empty months listed', () => {
  const deals = [
    deal('A', 'opp', 1000, { expectedCloseDate: '2026-02-28' }),
    deal('B', 'prop', 1000, { expectedCloseDate: '2026-03-01' }),
    deal('C', 'prop', 1000, { expectedCloseDate: '2026-05-31' }),
    deal('D', 'prop', 1000, { expectedCloseDate: '2026-06-01' }),
    deal('E', 'won', 700, { closedAt: '2026-02-28T23:59:59.999Z' }),
    deal('F', 'won', 300, { closedAt: '2026-05-31T23:59:59.999Z' }),
    deal('G', 'won', 100, { closedAt: '2026-06-01T00:00:00.000Z' }),
  ];
  const f = weightedForecast({ pipelines: [pipeline], deals }, { currency: 'CNY', from: '2026-03', to: '2026-05' });
  assert.deepEqual(f.months, [
    { month: '2026-03', openDeals: 1, pipeline: 1000, weighted: 500, wonDeals: 0, won: 0 },
    { month: '2026-04', openDeals: 0, pipeline: 0, weighted: 0, wonDeals: 0, won: 0 },
    { month: '2026-05', openDeals: 1, pipeline: 1000, weighted: 500, wonDeals: 1, won: 300 },
  ]);
  assert.deepEqual(f.total, { openDeals: 2, pipeline: 2000, weighted: 1000, wonDeals: 1, won: 300 });
  assert.equal(f.skipped, 0);
  assert.equal(f.currency, 'CNY');
  assert.equal(f.timeZone, 'UTC');

  const one = weightedForecast({ pipelines: [pipeline], deals }, { currency: 'CNY', from: '2026-05', to: '2026-05' });
  assert.deepEqual(
    one.months.map((m) => [m.month, m.openDeals, m.wonDeals]),
    [['2026-05', 1, 1]],
  );
  // Open-ended on one side: from the first month with data, or up to the last.
  const from = weightedForecast({ pipelines: [pipeline], deals }, { currency: 'CNY', from: '2026-05' });
  assert.deepEqual(
    from.months.map((m) => m.month),
    ['2026-05', '2026-06'],
  );
  const to = weightedForecast({ pipelines: [pipeline], deals }, { currency: 'CNY', to: '2026-02' });
  assert.deepEqual(
    to.months.map((m) => [m.month, m.openDeals, m.wonDeals]),
    [['2026-02', 1, 1]],
  );
  // Across a year end.
  const yearEnd = weightedForecast(
    { pipelines: [pipeline], deals: [deal('Y', 'opp', 10, { expectedCloseDate: '2027-01-15' })] },
    { currency: 'CNY', from: '2026-11' },
  );
  assert.deepEqual(
    yearEnd.months.map((m) => m.month),
    ['2026-11', '2026-12', '2027-01'],
  );
});

test('forecast without deals: no months unless both ends are given; without a range, first to last month', () => {
  const none = weightedForecast({ pipelines: [pipeline], deals: [] }, { currency: 'CNY' });
  assert.deepEqual(none.months, []);
  assert.deepEqual(none.total, { openDeals: 0, pipeline: 0, weighted: 0, wonDeals: 0, won: 0 });
  assert.deepEqual(none.unscheduled, { openDeals: 0, pipeline: 0, weighted: 0 });
  assert.deepEqual(
    weightedForecast({ pipelines: [pipeline], deals: [] }, { currency: 'CNY', from: '2026-01' }).months,
    [],
  );
  assert.deepEqual(
    weightedForecast(
      { pipelines: [pipeline], deals: [] },
      { currency: 'CNY', from: '2026-01', to: '2026-02' },
    ).months.map((m) => m.month),
    ['2026-01', '2026-02'],
  );
  const spread = weightedForecast(
    {
      pipelines: [pipeline],
      deals: [
        deal('A', 'opp', 1, { expectedCloseDate: '2026-04-10' }),
        deal('B', 'opp', 1, { expectedCloseDate: '2026-01-10' }),
        deal('C', 'opp', 1, { expectedCloseDate: '2026-03-10' }),
      ],
    },
    { currency: 'CNY' },
  );
  assert.deepEqual(
    spread.months.map((m) => [m.month, m.openDeals]),
    [
      ['2026-01', 1],
      ['2026-02', 0],
      ['2026-03', 1],
      ['2026-04', 1],
    ],
  );
});

test('forecast skips deals of other pipelines, unknown stages and wins without a date; lost deals are not skipped', () => {
  const f = weightedForecast(
    {
      pipelines: [pipeline],
      deals: [
        deal('A', 'opp', 1, { pipelineId: 'p2' }),
        deal('B', 'gone', 1),
        deal('C', 'won', 1),
        deal('D', 'lost', 1, { closedAt: '2026-01-01T00:00:00.000Z' }),
        deal('E', 'opp', 3),
      ],
    },
    { currency: 'CNY' },
  );
  assert.equal(f.skipped, 3);
  assert.deepEqual(f.unscheduled, { openDeals: 1, pipeline: 3, weighted: 1 });
  assert.deepEqual(f.total, { openDeals: 1, pipeline: 3, weighted: 1, wonDeals: 0, won: 0 });
});

test('forecast rounds each deal to minor units before adding: weighted halves round per deal', () => {
  const f = weightedForecast(
    {
      pipelines: [pipeline],
      deals: [
        deal('A', 'prop', 3, { expectedCloseDate: '2026-01-01' }),
        deal('B', 'prop', 3, { expectedCloseDate: '2026-01-02' }),
        deal('C', 'won', 1, { amount: { amountMinor: 1, currency: 'USD' }, closedAt: '2026-01-05T00:00:00.000Z' }),
        deal('D', 'won', 1, { amount: { amountMinor: 1, currency: 'USD' }, closedAt: '2026-01-06T00:00:00.000Z' }),
      ],
    },
    { currency: 'CNY', rates: { USD: 7.25 } },
  );
  // 3 × 0.5 = 1.5 → 2, twice; USD 0.01 × 7.25 = 7.25 fen → 7, twice.
  assert.deepEqual(f.months, [{ month: '2026-01', openDeals: 2, pipeline: 6, weighted: 4, wonDeals: 2, won: 14 }]);
});

test('forecast errors name the option or the record', () => {
  const fields = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      return `${error.fields.join()} | ${error.message}`;
    }
    assert.fail('expected a ValidationError');
  };
  const input = { pipelines: [pipeline], deals: [] };
  assert.match(
    fields(() => weightedForecast(input, { currency: 'CNY', from: '2026-03', to: '2026-02' })),
    /^to \| .*forecast options/,
  );
  assert.match(
    fields(() => weightedForecast(input, { currency: 'CNY', from: '2026-13' })),
    /^from \| /,
  );
  assert.match(
    fields(() =>
      weightedForecast(
        { pipelines: [pipeline], deals: [deal('A', 'opp', 1), deal('B', 'opp', 1, { expectedCloseDate: 'soon' })] },
        { currency: 'CNY' },
      ),
    ),
    /^deals\.1\.expectedCloseDate \| .*forecast data/,
  );
  assert.match(
    fields(() =>
      weightedForecast(
        { pipelines: [pipeline], deals: [deal('A', 'opp', 1), deal('B', 'won', 1, { closedAt: 'yesterday' })] },
        { currency: 'CNY' },
      ),
    ),
    /^deals\.1\.closedAt \| /,
  );
  assert.match(
    fields(() => weightedForecast(input, { currency: 'CNY', timeZone: 'Nowhere/Land' })),
    /^timeZone \| /,
  );
});
