/**
 * The filter benchmark: crmkit's compiled filter against a hand-written predicate (the reference, measured in the same
 * run), mingo and sift, on synthetic customers.
 *
 *   node --conditions=@crmkit/source --import tsx bench/filter/filter.bench.ts [--sizes 100000,1000000] [--rounds 7]
 *
 * Rule: country in [CN, US] ∧ revenue > 1000 ∧ lastActivityAt within the last 30 days ∧ tags has 'vip'. The reference
 * compares the window as ISO text (correct here: every timestamp is canonical UTC); the former reference, with
 * `Date.parse` per record, runs as an information row.
 * Each round runs every contender once over the whole array, in an order that rotates from round to round, so drift
 * on a shared machine (thermal, neighbours, GC) spreads over all of them; the table reports medians. Only the
 * filtering is timed: data generation, filter compilation and query construction happen before.
 * Exits 1 when the contenders disagree on the number of matches.
 */
import { Query } from 'mingo';
import sift from 'sift';
import { compileFilter, type Filter } from '@crmkit/core';
import { option, printContenders, prng, timeContenders } from '../harness/shared.js';

// A type alias, not an interface, so that it is assignable to mingo's and sift's plain-object parameter types.
type Customer = {
  id: string;
  name: string;
  country: string;
  revenue: number;
  lastActivityAt: string;
  createdAt: string;
  tags: string[];
  version: number;
};

const DAY = 86_400_000;
// A fixed clock keeps the data, and so the match counts, identical from run to run.
const NOW = Date.parse('2026-03-01T00:00:00.000Z');
const CUTOFF = NOW - 30 * DAY;

const sizes = option('sizes', '100000,1000000')
  .split(',')
  .map((size) => Number(size.replaceAll('_', '')));
const rounds = Number(option('rounds', '7'));
if (sizes.some((size) => !Number.isInteger(size) || size <= 0) || !Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: filter.bench.ts [--sizes 100000,1000000] [--rounds 7]');
  process.exit(2);
}

const COUNTRIES = ['CN', 'CN', 'CN', 'US', 'US', 'DE', 'FR', 'JP', 'BR', 'IN'];
const TAGS = ['vip', 'new', 'churn-risk', 'enterprise', 'smb', 'partner', 'newsletter'];

function customers(count: number): Customer[] {
  const random = prng(20_260_301);
  const list: Customer[] = [];
  for (let i = 0; i < count; i++) {
    const tags = TAGS.filter(() => random() < 0.18);
    list.push({
      id: `cus_${i.toString(36).padStart(6, '0')}`,
      name: `Customer ${i}`,
      country: COUNTRIES[Math.floor(random() * COUNTRIES.length)] as string,
      // Skewed like real revenue: most small, a long tail of large ones.
      revenue: Math.round(random() ** 3 * 20_000),
      lastActivityAt: new Date(NOW - Math.floor(random() * 180 * DAY)).toISOString(),
      createdAt: new Date(NOW - Math.floor(random() * 1000 * DAY)).toISOString(),
      tags,
      version: 1,
    });
  }
  return list;
}

type Predicate = (record: Customer) => boolean;

const INFORMATIONAL = 'hand-written, Date.parse (info)';

const CUTOFF_ISO = new Date(CUTOFF).toISOString();
const NOW_ISO = new Date(NOW).toISOString();

/**
 * The reference: the fastest correct predicate a developer would write by hand for this one rule, in the rule's
 * order. Every generated timestamp is a canonical UTC `toISOString` string, and such strings order like the instants
 * they name, so the window is two string comparisons against bounds computed once (no parsing at all). The clause
 * order is the rule's, the order `compileFilter` gets: reordering the clauses is open to both (see
 * docs/benchmarks.md).
 */
const handWritten: Predicate = (c) =>
  (c.country === 'CN' || c.country === 'US') &&
  c.revenue > 1000 &&
  c.lastActivityAt >= CUTOFF_ISO &&
  c.lastActivityAt <= NOW_ISO &&
  c.tags.includes('vip');

/**
 * Informational, the former reference: the window checked with `Date.parse`, which also reads timestamps written
 * with an offset. It shows how much of a per-record parse costs (about 200 ns a call).
 */
const handWrittenParse: Predicate = (c) => {
  if (c.country !== 'CN' && c.country !== 'US') return false;
  if (!(c.revenue > 1000)) return false;
  const t = Date.parse(c.lastActivityAt);
  if (!(t >= CUTOFF && t <= NOW)) return false;
  return c.tags.includes('vip');
};

const filter: Filter = {
  all: [
    { field: 'country', op: 'in', values: ['CN', 'US'] },
    { field: 'revenue', op: 'gt', value: 1000 },
    { field: 'lastActivityAt', op: 'withinLast', amount: 30, unit: 'days' },
    { field: 'tags', op: 'hasAny', values: ['vip'] },
  ],
};

// The Mongo-query equivalent. Mongo has no "within the last": the window becomes $gte/$lte on the ISO strings, which
// order like instants here because every generated timestamp is UTC in the same format. Equality on an array field
// matches an element.
const mongoQuery = {
  country: { $in: ['CN', 'US'] },
  revenue: { $gt: 1000 },
  lastActivityAt: { $gte: CUTOFF_ISO, $lte: NOW_ISO },
  tags: 'vip',
};

function contenders(): [name: string, predicate: Predicate][] {
  const compiled = compileFilter(filter, { now: new Date(NOW) });
  const mingo = new Query(mongoQuery);
  const sifted = sift(mongoQuery);
  return [
    ['hand-written', handWritten],
    ['compileFilter', compiled],
    ['mingo', (c) => mingo.test(c)],
    ['sift', sifted],
    [INFORMATIONAL, handWrittenParse],
  ];
}

/** One pass over the array; the only code that is timed. */
function countMatches(records: readonly Customer[], predicate: Predicate): number {
  let matches = 0;
  for (let i = 0; i < records.length; i++) if (predicate(records[i] as Customer)) matches++;
  return matches;
}

function run(size: number): boolean {
  const records = customers(size);
  const entries = contenders().map(([name, predicate]) => [name, () => countMatches(records, predicate)] as const);
  const timed = timeContenders(`size ${size}`, entries, rounds);
  if (!timed) return false;
  console.log(`\n### ${size.toLocaleString('en')} customers, ${timed.expected} matches, ${rounds} rounds\n`);
  printContenders(timed.rows, 'compileFilter', ['mingo', 'sift']);
  return true;
}

console.log(`Node ${process.version}, ${process.platform}/${process.arch}`);
let ok = true;
for (const size of sizes) ok = run(size) && ok;
process.exit(ok ? 0 : 1);
