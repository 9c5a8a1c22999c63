import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as core from '@crmkit/core';
import * as csvEntry from '@crmkit/core/csv';
import { ValidationError } from '@crmkit/core';
import {
  leadSourceAnalysis,
  periodsBetween,
  salesPerformance,
  salesTrend,
  type ReportDeal,
  type ReportLead,
} from '@crmkit/core';
import { csvCell, leadSourcesCsv, performanceCsv, salesTrendCsv, toCsv } from '@crmkit/core/csv';

const usd = (amountMinor: number, currency = 'USD') => ({ amountMinor, currency });
const won = (
  id: string,
  closedAt: string,
  amountMinor: number,
  currency = 'USD',
  extra: Partial<ReportDeal> = {},
): ReportDeal => ({
  id,
  status: 'won',
  amount: usd(amountMinor, currency),
  createdAt: '2025-12-01T00:00:00.000Z',
  closedAt,
  ...extra,
});
const lead = (id: string, createdAt: string, extra: Partial<ReportLead> = {}): ReportLead => ({
  id,
  createdAt,
  status: 'new',
  ...extra,
});

test('sales trend by month in New York: month ends and DST, with period-over-period change', () => {
  const deals: ReportDeal[] = [
    won('d1', '2026-02-01T04:00:00.000Z', 10_000), // 31 Jan 23:00 EST: January in New York
    won('d2', '2026-02-01T05:00:00.000Z', 20_000), // 1 Feb 00:00 EST
    won('d3', '2026-04-01T03:30:00.000Z', 5_000), // 31 Mar 23:30 EDT
    won('d4', '2026-04-01T04:00:00.000Z', 7_000), // 1 Apr 00:00 EDT: outside
    { ...won('d5', '2026-02-10T00:00:00.000Z', 9_999), status: 'lost' },
    won('d6', '2026-02-15T00:00:00.000Z', 1_000, 'EUR'), // 1.1 USD per EUR → 1 100
  ];
  const leads = [
    lead('l1', '2026-02-28T23:59:00.000Z'),
    lead('l2', '2026-03-01T04:59:00.000Z'), // 28 Feb 23:59 EST
    lead('l3', '2026-03-01T05:00:00.000Z'), // 1 Mar 00:00 EST
    lead('l4', '2026-01-10T00:00:00.000Z'),
  ];
  const report = salesTrend(
    { deals, leads },
    {
      from: '2026-02-01',
      to: '2026-03-31',
      granularity: 'month',
      timeZone: 'America/New_York',
      currency: 'USD',
      rates: { EUR: 1.1 },
    },
  );
  assert.deepEqual(
    report.periods.map((p) => [p.key, p.start, p.end, p.wonAmountMinor, p.dealsWon, p.leadsCreated]),
    [
      ['2026-02', '2026-02-01T05:00:00.000Z', '2026-03-01T05:00:00.000Z', 21_100, 2, 2],
      ['2026-03', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z', 5_000, 1, 1],
    ],
  );
  assert.deepEqual(report.periods[0]!.change, {
    wonAmountMinor: { delta: 11_100, ratio: 1.11 },
    dealsWon: { delta: 1, ratio: 1 },
    leadsCreated: { delta: 1, ratio: 1 },
  });
  assert.deepEqual(report.periods[1]!.change, {
    wonAmountMinor: { delta: -16_100, ratio: -16_100 / 21_100 },
    dealsWon: { delta: -1, ratio: -0.5 },
    leadsCreated: { delta: -1, ratio: -0.5 },
  });
  assert.deepEqual(report.totals, { wonAmountMinor: 26_100, dealsWon: 3, leadsCreated: 3 });
  assert.throws(
    () =>
      salesTrend(
        { deals, leads },
        { from: '2026-02-01', to: '2026-03-31', granularity: 'month', timeZone: 'America/New_York', currency: 'USD' },
      ),
    (error: unknown) => error instanceof ValidationError && error.fields.includes('rates.EUR'),
  );
});

test('day and week periods: a 23-hour DST day in New York, Monday weeks in Shanghai, zero previous → null ratio', () => {
  assert.deepEqual(periodsBetween('2026-03-08', '2026-03-08', 'day', 'America/New_York'), [
    { key: '2026-03-07', start: '2026-03-07T05:00:00.000Z', end: '2026-03-08T05:00:00.000Z' },
    { key: '2026-03-08', start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z' },
  ]);
  // Sunday 1 March to Monday 2 March 2026 spans two ISO weeks, keyed by their Mondays.
  const report = salesTrend(
    { deals: [won('d', '2026-03-01T16:00:00.000Z', 800, 'CNY')], leads: [lead('l', '2026-03-01T15:59:59.000Z')] },
    { from: '2026-03-01', to: '2026-03-02', granularity: 'week', timeZone: 'Asia/Shanghai', currency: 'CNY' },
  );
  assert.deepEqual(
    report.periods.map((p) => [p.key, p.start, p.wonAmountMinor, p.leadsCreated, p.change.wonAmountMinor.ratio]),
    [
      ['2026-02-23', '2026-02-22T16:00:00.000Z', 0, 1, null],
      ['2026-03-02', '2026-03-01T16:00:00.000Z', 800, 0, null],
    ],
  );
  assert.throws(
    () => periodsBetween('2026-02-30', '2026-03-01', 'day', 'UTC'),
    (error: unknown) => error instanceof ValidationError && error.fields[0] === 'from',
  );
});

test('lead-source analysis: qualified, converted, won amount, prorated cost, cost per lead and ROI', () => {
  const leads = [
    lead('L1', '2026-03-02T00:00:00.000Z', {
      source: 'web',
      campaign: 'spring',
      status: 'converted',
      convertedDealId: 'W1',
    }),
    lead('L2', '2026-03-03T00:00:00.000Z', { source: 'web', campaign: 'spring', status: 'qualified' }),
    lead('L3', '2026-03-04T00:00:00.000Z', { source: 'web', campaign: 'spring' }),
    lead('L4', '2026-03-05T00:00:00.000Z', { source: 'web', status: 'disqualified' }),
    lead('L5', '2026-03-06T00:00:00.000Z', { source: 'referral', status: 'converted', convertedDealId: 'W2' }),
    lead('L6', '2026-03-07T00:00:00.000Z'),
    lead('L7', '2026-04-01T00:00:00.000Z', { source: 'web' }),
  ];
  const deals = [
    won('W1', '2026-05-01T00:00:00.000Z', 50_000, 'CNY'),
    { ...won('W2', '2026-03-20T00:00:00.000Z', 70_000, 'CNY'), status: 'lost' as const },
  ];
  const costs = [
    { source: 'web', campaign: 'spring', from: '2026-03-01', to: '2026-03-31', amount: usd(31_000, 'CNY') },
    // 15 Feb .. 16 Mar is 30 days; 16 of them in March → 6 000 × 16 / 30 = 3 200.
    { source: 'web', from: '2026-02-15', to: '2026-03-16', amount: usd(6_000, 'CNY') },
    { source: 'referral', from: '2026-04-01', to: '2026-04-30', amount: usd(9_000, 'CNY') },
    { source: 'trade_show', from: '2026-03-10', to: '2026-03-10', amount: usd(1_000, 'CNY') },
  ];
  const report = leadSourceAnalysis(
    { leads, deals, costs },
    { from: '2026-03-01', to: '2026-03-31', timeZone: 'UTC', currency: 'CNY' },
  );
  const pick = (row: {
    leads: number;
    qualified: number;
    converted: number;
    dealsWon: number;
    wonAmountMinor: number;
    costMinor: number;
    costPerLeadMinor: number | null;
    roi: number | null;
  }) => [
    row.leads,
    row.qualified,
    row.converted,
    row.dealsWon,
    row.wonAmountMinor,
    row.costMinor,
    row.costPerLeadMinor,
    row.roi,
  ];
  assert.deepEqual(
    report.sources.map((s) => s.source),
    ['web', 'referral', 'trade_show', null],
  );
  const [web, referral, tradeShow, none] = report.sources;
  assert.deepEqual(pick(web!), [4, 2, 1, 1, 50_000, 34_200, 8_550, 15_800 / 34_200]);
  assert.deepEqual(
    web!.campaigns.map((c) => [c.campaign, ...pick(c)]),
    [
      ['spring', 3, 2, 1, 1, 50_000, 31_000, 10_333, 19_000 / 31_000],
      [null, 1, 0, 0, 0, 0, 0, 0, null],
    ],
  );
  assert.deepEqual(pick(referral!), [1, 1, 1, 0, 0, 0, 0, null]);
  assert.deepEqual(pick(tradeShow!), [0, 0, 0, 0, 0, 1_000, null, -1]);
  assert.deepEqual(pick(none!), [1, 0, 0, 0, 0, 0, 0, null]);
  const csv = leadSourcesCsv(report).split('\r\n');
  assert.equal(
    csv[0],
    'source,campaign,currency,leads,qualified,converted,dealsWon,wonAmountMinor,costMinor,costPerLeadMinor,roi',
  );
  assert.equal(csv[1], `web,,CNY,4,2,1,1,50000,34200,8550,${15_800 / 34_200}`);
  assert.equal(csv[2], `web,spring,CNY,3,2,1,1,50000,31000,10333,${19_000 / 31_000}`);
  assert.equal(csv[3], 'web,(none),CNY,1,0,0,0,0,0,0,');
});

test('salesperson performance in Shanghai: win rate, average size and cycle, activities, quota attainment', () => {
  const deals: ReportDeal[] = [
    won('A', '2026-03-01T00:00:00.000Z', 30_000, 'CNY', { ownerId: 'u1', createdAt: '2026-02-01T00:00:00.000Z' }), // 28 days
    won('B', '2026-03-12T12:00:00.000Z', 10_000, 'CNY', { ownerId: 'u1', createdAt: '2026-03-10T00:00:00.000Z' }), // 2.5 days
    { ...won('C', '2026-03-20T00:00:00.000Z', 1, 'CNY', { ownerId: 'u1' }), status: 'lost' },
    won('D', '2026-02-28T15:59:00.000Z', 5_000, 'CNY', { ownerId: 'u2' }), // 28 Feb 23:59 in Shanghai: outside
    won('E', '2026-03-31T12:00:00.000Z', 8_000, 'CNY', { ownerId: 'u2', createdAt: '2026-03-01T00:00:00.000Z' }), // 30.5 days
    won('F', '2026-03-05T00:00:00.000Z', 4_000, 'CNY'),
    { ...won('G', '2026-03-05T00:00:00.000Z', 4_000, 'CNY', { ownerId: 'u2' }), status: 'open' },
  ];
  const activities = [
    { occurredAt: '2026-03-02T00:00:00.000Z', ownerId: 'u1' },
    { occurredAt: '2026-03-31T15:59:59.000Z', ownerId: 'u1' },
    { occurredAt: '2026-03-15T00:00:00.000Z', ownerId: 'u2' },
    { occurredAt: '2026-02-28T15:00:00.000Z', ownerId: 'u2' },
    { occurredAt: '2026-03-15T00:00:00.000Z', ownerId: 'u3' },
    { occurredAt: '2026-03-15T00:00:00.000Z' },
  ];
  const quotas = [
    { userId: 'u1', month: '2026-03', amount: usd(50_000, 'CNY') },
    { userId: 'u1', month: '2026-04', amount: usd(99_999, 'CNY') },
    { userId: 'u2', month: '2026-03', amount: usd(1_000, 'USD') }, // 7 CNY per USD → 7 000
  ];
  const report = salesPerformance(
    { deals, activities, quotas },
    { from: '2026-03-01', to: '2026-03-31', timeZone: 'Asia/Shanghai', currency: 'CNY', rates: { USD: 7 } },
  );
  assert.deepEqual(report.rows, [
    {
      userId: 'u1',
      wonCount: 2,
      wonAmountMinor: 40_000,
      lostCount: 1,
      winRate: 2 / 3,
      averageDealSizeMinor: 20_000,
      averageCycleDays: 15.25,
      activitiesLogged: 2,
      quotaMinor: 50_000,
      quotaAttainment: 0.8,
    },
    {
      userId: 'u2',
      wonCount: 1,
      wonAmountMinor: 8_000,
      lostCount: 0,
      winRate: 1,
      averageDealSizeMinor: 8_000,
      averageCycleDays: 30.5,
      activitiesLogged: 1,
      quotaMinor: 7_000,
      quotaAttainment: 8_000 / 7_000,
    },
    {
      userId: 'u3',
      wonCount: 0,
      wonAmountMinor: 0,
      lostCount: 0,
      winRate: null,
      averageDealSizeMinor: null,
      averageCycleDays: null,
      activitiesLogged: 1,
      quotaMinor: null,
      quotaAttainment: null,
    },
  ]);
  const csv = performanceCsv(report).split('\r\n');
  assert.equal(csv[3], 'u3,CNY,0,0,0,,,,1,,');
});

test('CSV quotes per RFC 4180 and defuses spreadsheet formulas', () => {
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tx'), "'\tx");
  assert.equal(csvCell('\rx'), `"'\rx"`);
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvCell('plain 中文'), 'plain 中文');
  assert.equal(csvCell(-3), '-3');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(Number.NaN), '');
  assert.equal(
    toCsv([
      ['a', 'b'],
      [1, '=x'],
    ]),
    "a,b\r\n1,'=x\r\n",
  );
  const trend = salesTrend(
    { deals: [], leads: [lead('l', '2026-01-01T00:00:00.000Z', { source: '=cmd|calc' })] },
    { from: '2026-01-01', to: '2026-01-01', granularity: 'day', timeZone: 'UTC', currency: 'CNY' },
  );
  assert.equal(
    salesTrendCsv(trend).split('\r\n')[1],
    '2026-01-01,2026-01-01T00:00:00.000Z,2026-01-02T00:00:00.000Z,CNY,0,0,1,0,,0,1',
  );
  const sources = leadSourceAnalysis(
    { leads: [lead('l', '2026-01-01T00:00:00.000Z', { source: '=cmd|calc', campaign: '@x' })], deals: [], costs: [] },
    { from: '2026-01-01', to: '2026-01-01', timeZone: 'UTC', currency: 'CNY' },
  );
  assert.equal(leadSourcesCsv(sources).split('\r\n')[2], "'=cmd|calc,'@x,CNY,1,0,0,0,0,0,0,");
});

test('the CSV writers are their own entry, @crmkit/core/csv, and not in the main one', () => {
  assert.deepEqual(Object.keys(csvEntry).sort(), [
    'csvCell',
    'leadSourcesCsv',
    'performanceCsv',
    'salesTrendCsv',
    'toCsv',
  ]);
  assert.equal(csvEntry.salesTrendCsv, salesTrendCsv);
  for (const name of Object.keys(csvEntry)) assert.equal(name in core, false, name);
});
