/**
 * The funnel benchmark: `funnelReport` from `@crmkit/core` against a hand-written single pass (the reference,
 * measured in the same run), over generated deals, their stage history and leads.
 *
 *   node --conditions=@crmkit/source --import tsx bench/funnel/funnel.bench.ts [--deals 1000000] [--rounds 7] [--warmup 1]
 *     [--gc false]
 *
 * Report: the demo pipeline over the window 2025-10-01 … 2026-03-31 in Asia/Shanghai, as of the demo's `now`, with
 * leads, USD converted to CNY. Each round runs every contender once, in an order that rotates from round to round, so
 * drift on a shared machine (thermal, neighbours) spreads over all of them; the table reports medians. A full garbage
 * collection runs before each timed run (untimed), so no contender pays for collecting another's garbage out of a
 * heap of some 2 GB of generated data. Only the report is timed: data generation happens before. Exits 1 when the
 * contenders disagree on any number.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { funnelReport, type FunnelReport } from '@crmkit/core';
import { DEMO_NOW, generateDemoData, type DemoData } from '@crmkit/core/testing';
import { median, option } from '../harness/shared.js';

const dealCount = Number(option('deals', '1000000').replaceAll('_', ''));
const rounds = Number(option('rounds', '7'));
// Untimed runs before the rounds. At small sizes one call is too short for V8 to finish optimising a large function;
// at a million deals the first call is long enough (on-stack replacement), and more would only lengthen the run.
const warmups = Number(option('warmup', dealCount <= 200_000 ? '5' : '1'));
const collectBefore = option('gc', 'true') !== 'false';
if (
  !Number.isInteger(dealCount) ||
  dealCount <= 0 ||
  dealCount > 1_000_000 ||
  !Number.isInteger(rounds) ||
  rounds < 1
) {
  console.error('usage: funnel.bench.ts [--deals 1000000] [--rounds 7] [--warmup 1]');
  process.exit(2);
}

// `gc()` without a command-line flag: expose it, then fetch it from a fresh context.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const RATE_USD = 7.2;
// Asia/Shanghai has had no daylight saving time since 1991: a hand-written pass may use a fixed offset.
const SHANGHAI = 8 * HOUR;
const OPTIONS = {
  from: '2025-10-01',
  to: '2026-03-31',
  asOf: DEMO_NOW,
  timeZone: 'Asia/Shanghai',
  conversion: { currency: 'CNY', rates: { USD: RATE_USD } },
} as const;
const FROM = Date.parse('2025-10-01T00:00:00+08:00');
const TO = Date.parse('2026-04-01T00:00:00+08:00');
const AS_OF = Date.parse(DEMO_NOW);

/** Every number a report holds, by a flat key, so two reports compare key by key. */
type Numbers = Map<string, number | string | null>;

/** The numbers of a `funnelReport` result. */
function numbersOf(report: FunnelReport): Numbers {
  const out: Numbers = new Map();
  for (const view of ['cohort', 'snapshot'] as const) {
    const o = report[view];
    for (const key of ['deals', 'open', 'won', 'lost'] as const) out.set(`${view}.${key}`, o[key]);
    for (const [key, value] of Object.entries(o.leads ?? {})) out.set(`${view}.leads.${key}`, value);
  }
  for (const step of [...report.steps, ...report.lostStages]) {
    for (const view of ['cohort', 'snapshot'] as const) {
      const c = step[view];
      const at = `${step.id}.${view}`;
      out.set(`${at}.reached`, c.reached);
      out.set(`${at}.entered`, c.entered);
      out.set(`${at}.current`, c.current);
      out.set(`${at}.conversion`, c.conversionToNext);
      for (const [currency, sum] of Object.entries(c.reachedAmount.byCurrency))
        out.set(`${at}.reached.${currency}`, sum);
      for (const [currency, sum] of Object.entries(c.currentAmount.byCurrency))
        out.set(`${at}.current.${currency}`, sum);
      out.set(`${at}.reached.total`, c.reachedAmount.total?.amountMinor ?? null);
    }
    if (step.timeInStage) {
      out.set(`${step.id}.dwell.samples`, step.timeInStage.samples);
      out.set(`${step.id}.dwell.average`, step.timeInStage.averageDays);
      out.set(`${step.id}.dwell.median`, step.timeInStage.medianDays);
    }
  }
  for (const [key, value] of Object.entries(report.conversion)) out.set(`conversion.${key}`, value);
  out.set('winRate.cohort', report.winRate.cohort.rate);
  out.set('winRate.period', report.winRate.period.rate);
  for (const reason of report.lostReasons) out.set(`lost.${reason.reason}`, reason.count);
  const v = report.velocity;
  out.set('velocity', [v.openDeals, v.wonDeals, v.lostDeals].join());
  out.set('velocity.cycle', v.averageCycleDays);
  out.set('velocity.dealsPerDay', v.dealsPerDay);
  out.set('velocity.valuePerDay', v.valuePerDay?.amountMinor ?? null);
  for (const month of report.cohortMonths) {
    out.set(`month.${month.month}`, [month.deals, month.open, month.won, month.lost, ...month.reached].join());
  }
  out.set('rotting.count', report.rotting.count);
  out.set('rotting.top', report.rotting.deals.map((deal) => deal.dealId).join());
  out.set('bottleneck', report.bottleneck ? `${report.bottleneck.kind}:${report.bottleneck.stepId}` : null);
  return out;
}

type Parse = (iso: string) => number;

/** Reads a canonical `toISOString` instant digit by digit (what the tuned variant assumes every timestamp is). */
const parseCanonical: Parse = (s) => {
  const year = s.charCodeAt(0) * 1000 + s.charCodeAt(1) * 100 + s.charCodeAt(2) * 10 + s.charCodeAt(3) - 53_328;
  const month = s.charCodeAt(5) * 10 + s.charCodeAt(6) - 528;
  const day = s.charCodeAt(8) * 10 + s.charCodeAt(9) - 528;
  const hour = s.charCodeAt(11) * 10 + s.charCodeAt(12) - 528;
  const minute = s.charCodeAt(14) * 10 + s.charCodeAt(15) - 528;
  const second = s.charCodeAt(17) * 10 + s.charCodeAt(18) - 528;
  const millis = s.charCodeAt(20) * 100 + s.charCodeAt(21) * 10 + s.charCodeAt(22) - 5328;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const days = era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
  return days * DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
};

/**
 * The reference: one pass over the stage history (in the order given; each deal's changes in time order, as the data
 * has them), keeping per-deal state in typed arrays, then one pass over the deals and one over the leads. Written for
 * this pipeline and this data: stages known by id, deals always with history, CNY and USD only, a fixed UTC+8 offset.
 * `merge` joins history to deals by walking both in id order instead of through a map.
 */
function handWritten(data: DemoData, parse: Parse, merge: boolean): Numbers {
  const { deals, stageChanges, leads } = data;
  const ids = ['opportunity', 'proposal', 'won', 'lost'];
  const POSITION = [0, 1, 2, -1];
  const ROT = [30 * DAY, 14 * DAY, 0, 0];
  const n = deals.length;
  const cutSnap = Math.min(TO, AS_OF + 1);
  const entry = new Float64Array(n).fill(NaN);
  const lastAt = new Float64Array(n);
  const lastStage = new Int8Array(n).fill(-1);
  const furthest = new Int8Array(n).fill(-1);
  const furthestSnap = new Int8Array(n).fill(-1);
  const stageSnap = new Int8Array(n).fill(-1);
  const entered = new Uint8Array(n);
  const enteredSnap = new Uint8Array(n);
  const dwell: number[][] = [[], []];

  let index: Map<string, number> | undefined;
  if (!merge) {
    index = new Map();
    for (let i = 0; i < n; i++) index.set(deals[i]!.id, i);
  }
  let cursor = 0;
  for (let c = 0; c < stageChanges.length; c++) {
    const change = stageChanges[c]!;
    let i: number;
    if (index) {
      i = index.get(change.dealId) ?? -1;
    } else {
      while (cursor < n && deals[cursor]!.id < change.dealId) cursor++;
      i = cursor;
    }
    if (i < 0) continue;
    const t = parse(change.at);
    if (t > AS_OF) continue;
    const to = change.toStageId;
    const s = to === 'opportunity' ? 0 : to === 'proposal' ? 1 : to === 'won' ? 2 : 3;
    if (Number.isNaN(entry[i]!)) entry[i] = t;
    else if (t >= FROM && t < TO && lastStage[i]! <= 1) dwell[lastStage[i]!]!.push(t - lastAt[i]!);
    lastStage[i] = s;
    lastAt[i] = t;
    const p = POSITION[s]!;
    if (p > furthest[i]!) furthest[i] = p;
    entered[i]! |= 1 << s;
    if (t < cutSnap) {
      if (p > furthestSnap[i]!) furthestSnap[i] = p;
      enteredSnap[i]! |= 1 << s;
      stageSnap[i] = s;
    }
  }

  const zero = () => ({
    deals: 0,
    open: 0,
    won: 0,
    lost: 0,
    reachedBy: new Int32Array(4), // by furthest position + 1
    reachedAmount: [new Float64Array(4), new Float64Array(4)], // [currency][furthest + 1]
    entered: new Int32Array(4),
    enteredAmount: [new Float64Array(4), new Float64Array(4)],
    current: new Int32Array(4),
    currentAmount: [new Float64Array(4), new Float64Array(4)],
  });
  const cohort = zero();
  const snapshot = zero();
  const tally = (
    view: ReturnType<typeof zero>,
    stage: number,
    reach: number,
    mask: number,
    cur: number,
    amount: number,
  ) => {
    view.deals++;
    if (stage === 2) view.won++;
    else if (stage === 3) view.lost++;
    else view.open++;
    view.reachedBy[reach + 1]!++;
    view.reachedAmount[cur]![reach + 1]! += amount;
    view.current[stage]!++;
    view.currentAmount[cur]![stage]! += amount;
    for (let s = 0; s < 4; s++) {
      if (mask & (1 << s)) {
        view.entered[s]!++;
        view.enteredAmount[cur]![s]! += amount;
      }
    }
  };
  const months = new Map<number, number[]>();
  let won = 0;
  let lost = 0;
  let cycle = 0;
  const wonAmount = [0, 0];
  const lostReasons = new Map<string, number>();
  let rotCount = 0;
  const rotTop: { idle: number; id: string }[] = [];

  for (let i = 0; i < n; i++) {
    const deal = deals[i]!;
    const e = entry[i]!;
    const stage = lastStage[i]!;
    const cur = deal.amount.currency === 'CNY' ? 0 : 1;
    const amount = deal.amount.amountMinor;
    if (e >= FROM && e < TO) {
      tally(cohort, stage, furthest[i]!, entered[i]!, cur, amount);
      const local = new Date(e + SHANGHAI);
      const key = local.getUTCFullYear() * 12 + local.getUTCMonth();
      let month = months.get(key);
      if (!month) months.set(key, (month = [0, 0, 0, 0, 0, 0, 0, 0]));
      month[0]!++;
      month[stage === 2 ? 2 : stage === 3 ? 3 : 1]!++;
      month[4 + furthest[i]! + 1]!++;
    }
    if (e < cutSnap) tally(snapshot, stageSnap[i]!, furthestSnap[i]!, enteredSnap[i]!, cur, amount);
    const closedAt = lastAt[i]!;
    if (stage >= 2 && closedAt >= FROM && closedAt < TO) {
      if (stage === 2) {
        won++;
        cycle += closedAt - e;
        wonAmount[cur]! += amount;
      } else {
        lost++;
        const reason = deal.lostReason ?? 'null';
        lostReasons.set(reason, (lostReasons.get(reason) ?? 0) + 1);
      }
    }
    if (stage <= 1 && AS_OF - closedAt > ROT[stage]!) {
      rotCount++;
      const idle = AS_OF - closedAt;
      const worst = rotTop[rotTop.length - 1];
      if (rotTop.length < 100 || idle > worst!.idle || (idle === worst!.idle && deal.id < worst!.id)) {
        if (rotTop.length === 100) rotTop.pop();
        let at = rotTop.length;
        while (
          at > 0 &&
          (rotTop[at - 1]!.idle < idle || (rotTop[at - 1]!.idle === idle && rotTop[at - 1]!.id > deal.id))
        )
          at--;
        rotTop.splice(at, 0, { idle, id: deal.id });
      }
    }
  }

  const leadCounts = () => ({ leads: 0, open: 0, qualified: 0, disqualified: 0, converted: 0, convertedToPipeline: 0 });
  const leadsCohort = leadCounts();
  const leadsSnapshot = leadCounts();
  const count = (counts: ReturnType<typeof leadCounts>, status: string, toPipeline: boolean) => {
    counts.leads++;
    if (status === 'new' || status === 'working') counts.open++;
    else if (status === 'qualified') counts.qualified++;
    else if (status === 'disqualified') counts.disqualified++;
    else {
      counts.converted++;
      if (toPipeline) counts.convertedToPipeline++;
    }
  };
  for (const lead of leads) {
    const t = parse(lead.createdAt);
    if (t > AS_OF) continue;
    // Every generated deal is in the pipeline, so every converted lead converted into it.
    const toPipeline = lead.convertedDealId !== undefined;
    if (t >= FROM && t < TO) count(leadsCohort, lead.status, toPipeline);
    if (t < cutSnap) count(leadsSnapshot, lead.status, toPipeline);
  }

  // Derive the report's numbers.
  const out: Numbers = new Map();
  const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  const total = (cny: number, usd: number) => Math.round(cny + usd * RATE_USD);
  const rates: Record<string, (number | null)[]> = {};
  for (const [name, view, leadView] of [
    ['cohort', cohort, leadsCohort],
    ['snapshot', snapshot, leadsSnapshot],
  ] as const) {
    out.set(`${name}.deals`, view.deals);
    out.set(`${name}.open`, view.open);
    out.set(`${name}.won`, view.won);
    out.set(`${name}.lost`, view.lost);
    for (const [key, value] of Object.entries(leadView)) out.set(`${name}.leads.${key}`, value);
    const reached = (p: number) => view.reachedBy.slice(p + 1).reduce((a, b) => a + b, 0);
    const reachedSum = (currency: number, p: number) =>
      view.reachedAmount[currency]!.slice(p + 1).reduce((a, b) => a + b, 0);
    const qualified = leadView.qualified + leadView.converted;
    const leadSteps = [
      ['prospect', leadView.leads, leadView.leads, leadView.open, rate(qualified, leadView.leads)],
      ['qualified', qualified, qualified, leadView.qualified, rate(leadView.convertedToPipeline, qualified)],
    ] as const;
    for (const [id, r, e, c, conversion] of leadSteps) {
      out.set(`${id}.${name}.reached`, r);
      out.set(`${id}.${name}.entered`, e);
      out.set(`${id}.${name}.current`, c);
      out.set(`${id}.${name}.conversion`, conversion);
      out.set(`${id}.${name}.reached.total`, 0);
    }
    rates[name] = [];
    for (let s = 0; s < 4; s++) {
      const at = `${ids[s]}.${name}`;
      const closing = s >= 2;
      const r = closing ? view.entered[s]! : reached(s);
      const amounts = closing
        ? [view.enteredAmount[0]![s]!, view.enteredAmount[1]![s]!]
        : [reachedSum(0, s), reachedSum(1, s)];
      const conversion = s <= 1 ? rate(reached(s + 1), r) : null;
      rates[name]!.push(conversion);
      out.set(`${at}.reached`, r);
      out.set(`${at}.entered`, view.entered[s]!);
      out.set(`${at}.current`, view.current[s]!);
      out.set(`${at}.conversion`, conversion);
      if (amounts[0]) out.set(`${at}.reached.CNY`, amounts[0]);
      if (amounts[1]) out.set(`${at}.reached.USD`, amounts[1]);
      if (view.currentAmount[0]![s]) out.set(`${at}.current.CNY`, view.currentAmount[0]![s]!);
      if (view.currentAmount[1]![s]) out.set(`${at}.current.USD`, view.currentAmount[1]![s]!);
      out.set(`${at}.reached.total`, total(amounts[0]!, amounts[1]!));
    }
    const overall = rate(reached(2), reached(0));
    out.set(`conversion.${name}`, overall);
    out.set(
      `conversion.${name}FromLeads`,
      overall !== null && leadView.leads > 0 ? (leadView.convertedToPipeline / leadView.leads) * overall : null,
    );
  }
  const medians: number[] = [];
  for (let s = 0; s < 2; s++) {
    const samples = Float64Array.from(dwell[s]!).sort();
    const mid = samples.length >> 1;
    const median = samples.length % 2 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2;
    out.set(`${ids[s]}.dwell.samples`, samples.length);
    out.set(`${ids[s]}.dwell.average`, samples.reduce((a, b) => a + b, 0) / samples.length / DAY);
    out.set(`${ids[s]}.dwell.median`, median / DAY);
    medians.push(median / DAY);
  }
  out.set('winRate.cohort', rate(cohort.won, cohort.won + cohort.lost));
  out.set('winRate.period', rate(won, won + lost));
  for (const [reason, reasonCount] of lostReasons) out.set(`lost.${reason}`, reasonCount);
  const winRate = rate(won, won + lost);
  const cycleDays = won > 0 ? cycle / won / DAY : null;
  const dealsPerDay = winRate !== null && cycleDays ? (snapshot.open * winRate) / cycleDays : null;
  const averageWon = won > 0 ? Math.round(wonAmount[0]! + wonAmount[1]! * RATE_USD) / won : null;
  out.set('velocity', [snapshot.open, won, lost].join());
  out.set('velocity.cycle', cycleDays);
  out.set('velocity.dealsPerDay', dealsPerDay);
  out.set(
    'velocity.valuePerDay',
    dealsPerDay !== null && averageWon !== null ? Math.round(dealsPerDay * averageWon) : null,
  );
  for (const [key, month] of [...months].sort(([a], [b]) => a - b)) {
    const label = `${Math.floor(key / 12)}-${String((key % 12) + 1).padStart(2, '0')}`;
    const reachedAt = (p: number) => month.slice(4 + p + 1).reduce((a, b) => a + b, 0);
    out.set(
      `month.${label}`,
      [month[0], month[1], month[2], month[3], reachedAt(0), reachedAt(1), reachedAt(2)].join(),
    );
  }
  out.set('rotting.count', rotCount);
  out.set('rotting.top', rotTop.map((entry) => entry.id).join());
  // The bottleneck: worst cohort conversion or median dwell relative to the mean of the others (≥ 5 each).
  const steps = ['prospect', 'qualified', 'opportunity', 'proposal'];
  const conversions = [
    rate(leadsCohort.qualified + leadsCohort.converted, leadsCohort.leads),
    rate(leadsCohort.convertedToPipeline, leadsCohort.qualified + leadsCohort.converted),
    ...rates['cohort']!.slice(0, 2),
  ];
  let bottleneck: string | null = null;
  let best = 1;
  const consider = (kind: string, values: (number | null)[], worse: (value: number, others: number) => number) => {
    const present = values.flatMap((value, i) => (value === null ? [] : [[i, value] as const]));
    const sum = present.reduce((a, [, value]) => a + value, 0);
    for (const [i, value] of present) {
      const ratio = Math.min(1000, worse(value, (sum - value) / (present.length - 1)));
      if (present.length > 1 && ratio > best) {
        best = ratio;
        bottleneck = `${kind}:${kind === 'dwell' ? ids[i] : steps[i]}`;
      }
    }
  };
  consider('conversion', conversions, (value, others) => (others <= 0 ? 0 : value <= 0 ? 1000 : others / value));
  consider('dwell', medians, (value, others) => (value <= 0 ? 0 : others <= 0 ? 1000 : value / others));
  out.set('bottleneck', bottleneck);
  return out;
}

/** The keys whose values differ (numbers within a relative 1e-9: sums in another order round differently). */
function differences(expected: Numbers, actual: Numbers): string[] {
  const keys = new Set([...expected.keys(), ...actual.keys()]);
  return [...keys].filter((key) => {
    const a = expected.get(key);
    const b = actual.get(key);
    if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a));
    return a !== b;
  });
}

console.log(`Node ${process.version}, ${process.platform}/${process.arch}`);
const generating = performance.now();
const data = generateDemoData({
  customers: Math.max(60, Math.round(dealCount / 16)),
  deals: dealCount,
  leads: Math.max(90, Math.round(dealCount / 10)),
  activities: 0,
  tasks: 0,
});
const pipeline = data.pipelines[0]!;
console.log(
  `generated ${data.deals.length.toLocaleString('en')} deals, ${data.stageChanges.length.toLocaleString('en')} stage ` +
    `changes, ${data.leads.length.toLocaleString('en')} leads in ${((performance.now() - generating) / 1000).toFixed(1)} s`,
);

const INFORMATIONAL = 'hand-written, tuned (info)';
const contenders: [name: string, run: () => Numbers][] = [
  ['hand-written', () => handWritten(data, Date.parse, false)],
  [
    'funnelReport',
    () =>
      numbersOf(
        funnelReport({ pipeline, deals: data.deals, stageChanges: data.stageChanges, leads: data.leads }, OPTIONS),
      ),
  ],
  [INFORMATIONAL, () => handWritten(data, parseCanonical, true)],
];

// One untimed run each, so every contender is optimised before its first timed round, and the correctness check.
const expected = contenders[0]![1]();
let ok = true;
for (const [name, run] of contenders.slice(1)) {
  const different = differences(expected, run());
  if (different.length > 0) {
    ok = false;
    for (const key of different.slice(0, 20)) {
      console.error(
        `${name} disagrees on ${key}: ${String(contenders[0]![1]().get(key))} vs ${String(run().get(key))}`,
      );
    }
  }
}
if (!ok) process.exit(1);
console.log(`the contenders agree on all ${expected.size} numbers of the report`);
for (let i = 1; i < warmups; i++) for (const [, run] of contenders) run();

const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < contenders.length; i++) {
    const [name, run] = contenders[(round + i) % contenders.length]!;
    if (collectBefore) collectGarbage();
    const started = performance.now();
    const numbers = run();
    times.get(name)!.push(performance.now() - started);
    if (numbers.get('cohort.deals') !== expected.get('cohort.deals')) {
      console.error(`${name} changed its answer in round ${round}`);
      process.exit(1);
    }
  }
}

const reference = median(times.get('hand-written')!);
console.log(
  `\n### ${data.deals.length.toLocaleString('en')} deals, ${data.stageChanges.length.toLocaleString('en')} stage ` +
    `changes, ${data.leads.length.toLocaleString('en')} leads; cohort ${String(expected.get('cohort.deals'))} deals; ` +
    `${rounds} rounds\n`,
);
console.log('| contender | median ms | min–max ms | × hand-written |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name] of contenders) {
  const samples = times.get(name)!;
  const m = median(samples);
  console.log(
    `| ${name} | ${m.toFixed(0)} | ${Math.min(...samples).toFixed(0)}–${Math.max(...samples).toFixed(0)} | ` +
      `${(m / reference).toFixed(2)} |`,
  );
}
const ratio = median(times.get('funnelReport')!) / reference;
console.log(`\nfunnelReport / hand-written = ${ratio.toFixed(2)} (target ≤ 2): ${ratio <= 2 ? 'met' : 'not met'}`);
