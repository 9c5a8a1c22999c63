/**
 * The segment benchmark: a saved segment compiled by crmkit (`compileSegment`) against a hand-written predicate (the
 * reference, measured in the same run), mingo and sift, on synthetic customers with their aggregate records.
 *
 *   node --conditions=@crmkit/source --import tsx bench/segment/segment.bench.ts [--sizes 100000,1000000] [--rounds 7]
 *
 * Segment: country in [CN, US] ∧ tags has 'vip' ∧ lifetime value ≥ ¥1,000 ∧ an open deal in stage 'proposal' ∧ a
 * purchase within the last 365 days ∧ ≥ 2 meetings in the last 30 days. The first two clauses read the customer, the
 * rest its aggregate (`stats.*`). crmkit and the hand-written predicate take `(customer, stats)`; mingo and sift get
 * `{ ...customer, stats }` objects built before timing (they need one document), and the meeting window as a
 * precomputed count (`stats.meetings30d`), since the Mongo language cannot count an array slice by time: both are
 * advantages for them. Each round runs every contender once over the whole population, in an order that rotates from
 * round to round; the table reports medians. Exits 1 when the contenders disagree on the number of matches.
 */
import { Query } from 'mingo';
import sift from 'sift';
import { type Filter } from '@crmkit/core';
import { compileSegment, emptyStats, type CustomerStats } from '../../packages/core/src/segments/index.js';
import { option, printContenders, prng, timeContenders } from '../harness/shared.js';

type Customer = { id: string; name: string; country: string; tags: string[]; createdAt: string; version: number };
type Doc = Customer & { stats: CustomerStats & { meetings30d: number } };

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-01T00:00:00.000Z');

const sizes = option('sizes', '100000,1000000')
  .split(',')
  .map((size) => Number(size.replaceAll('_', '')));
const rounds = Number(option('rounds', '7'));
if (sizes.some((size) => !Number.isInteger(size) || size <= 0) || !Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: segment.bench.ts [--sizes 100000,1000000] [--rounds 7]');
  process.exit(2);
}

const COUNTRIES = ['CN', 'CN', 'CN', 'US', 'US', 'DE', 'FR', 'JP', 'BR', 'IN'];
const TAGS = ['vip', 'new', 'churn-risk', 'enterprise', 'smb', 'partner', 'newsletter'];
const STAGES = ['qualified', 'proposal', 'negotiation'];

function population(count: number): { customers: Customer[]; stats: CustomerStats[]; docs: Doc[] } {
  const random = prng(20_260_301);
  const customers: Customer[] = [];
  const stats: CustomerStats[] = [];
  const docs: Doc[] = [];
  for (let i = 0; i < count; i++) {
    const id = `cus_${i.toString(36).padStart(6, '0')}`;
    const customer: Customer = {
      id,
      name: `Customer ${i}`,
      country: COUNTRIES[Math.floor(random() * COUNTRIES.length)] as string,
      tags: TAGS.filter(() => random() < 0.3),
      createdAt: new Date(NOW - Math.floor(random() * 1000 * DAY)).toISOString(),
      version: 1,
    };
    const won = Math.floor(random() ** 2 * 6);
    const meetings = Array.from({ length: Math.floor(random() * 6) }, () => NOW - Math.floor(random() * 60 * DAY)).sort(
      (a, b) => b - a,
    );
    const s: CustomerStats = {
      ...emptyStats(id),
      wonDeals: won,
      openDeals: random() < 0.5 ? 1 : 0,
      lifetimeValue: won ? { CNY: Math.round(random() ** 3 * 1_000_000) } : {},
      ...(won ? { lastPurchaseAt: new Date(NOW - Math.floor(random() * 500 * DAY)).toISOString() } : {}),
      recentActivity: { meeting: meetings },
    };
    const withStages = { ...s, openDealStageIds: s.openDeals ? [STAGES[Math.floor(random() * 3)] as string] : [] };
    customers.push(customer);
    stats.push(withStages);
    const meetings30d = meetings.filter((at) => at >= NOW - 30 * DAY && at <= NOW).length;
    docs.push({ ...customer, stats: { ...withStages, meetings30d } });
  }
  return { customers, stats, docs };
}

const segment: Filter = {
  all: [
    { field: 'country', op: 'in', values: ['CN', 'US'] },
    { field: 'tags', op: 'hasAny', values: ['vip'] },
    { field: 'stats.lifetimeValue.CNY', op: 'gte', value: 100_000 },
    { field: 'stats.openDealStageIds', op: 'hasAny', values: ['proposal'] },
    { field: 'stats.lastPurchaseAt', op: 'withinLast', amount: 365, unit: 'days' },
    { field: 'stats.activity.meeting.last30d', op: 'gte', value: 2 },
  ],
};

const YEAR_AGO = NOW - 365 * DAY;
const MONTH_AGO = NOW - 30 * DAY;
const YEAR_AGO_ISO = new Date(YEAR_AGO).toISOString();
const NOW_ISO = new Date(NOW).toISOString();

/**
 * The reference: the fastest correct predicate a developer would write by hand for this one segment, clauses in the
 * segment's order. Every generated timestamp is canonical UTC `toISOString` text, which orders like the instants it
 * names, so the purchase window is two string comparisons against bounds computed once, no parsing.
 */
function handWritten(c: Customer, s: CustomerStats): boolean {
  if (c.country !== 'CN' && c.country !== 'US') return false;
  if (!c.tags.includes('vip')) return false;
  const ltv = s.lifetimeValue['CNY'];
  if (!(ltv !== undefined && ltv >= 100_000)) return false;
  if (!s.openDealStageIds.includes('proposal')) return false;
  const last = s.lastPurchaseAt;
  if (last === undefined || last < YEAR_AGO_ISO || last > NOW_ISO) return false;
  const meetings = s.recentActivity['meeting'];
  if (meetings === undefined) return false;
  let count = 0;
  for (let i = 0; i < meetings.length; i++) {
    const at = meetings[i]!;
    if (at < MONTH_AGO) break;
    if (at <= NOW) count++;
  }
  return count >= 2;
}

const mongoQuery = {
  country: { $in: ['CN', 'US'] },
  tags: 'vip',
  'stats.lifetimeValue.CNY': { $gte: 100_000 },
  'stats.openDealStageIds': 'proposal',
  'stats.lastPurchaseAt': { $gte: YEAR_AGO_ISO, $lte: NOW_ISO },
  'stats.meetings30d': { $gte: 2 },
};

type Runner = (customers: readonly Customer[], stats: readonly CustomerStats[], docs: readonly Doc[]) => number;

function contenders(): [name: string, run: Runner][] {
  const compiled = compileSegment(segment, { now: new Date(NOW) });
  const mingo = new Query(mongoQuery);
  const sifted = sift(mongoQuery);
  const overPairs =
    (predicate: (c: Customer, s: CustomerStats) => boolean): Runner =>
    (customers, stats) => {
      let matches = 0;
      for (let i = 0; i < customers.length; i++)
        if (predicate(customers[i] as Customer, stats[i] as CustomerStats)) matches++;
      return matches;
    };
  const overDocs =
    (predicate: (d: Doc) => boolean): Runner =>
    (_c, _s, docs) => {
      let matches = 0;
      for (let i = 0; i < docs.length; i++) if (predicate(docs[i] as Doc)) matches++;
      return matches;
    };
  return [
    ['hand-written', overPairs(handWritten)],
    ['compileSegment', overPairs(compiled)],
    ['mingo', overDocs((d) => mingo.test(d))],
    ['sift', overDocs(sifted)],
  ];
}

function run(size: number): boolean {
  const { customers, stats, docs } = population(size);
  const entries = contenders().map(([name, runner]) => [name, () => runner(customers, stats, docs)] as const);
  const timed = timeContenders(`size ${size}`, entries, rounds);
  if (!timed) return false;
  console.log(`\n### ${size.toLocaleString('en')} customers, ${timed.expected} members, ${rounds} rounds\n`);
  printContenders(timed.rows, 'compileSegment', ['mingo', 'sift']);
  return true;
}

console.log(`Node ${process.version}, ${process.platform}/${process.arch}`);
let ok = true;
for (const size of sizes) ok = run(size) && ok;
process.exit(ok ? 0 : 1);
