/**
 * The funnel benchmark: the funnel report through a CRM (`crm.reports.funnel` over the memory adapter, the path an
 * application takes) and as the pure `funnelReport` over arrays, against a hand-written single pass over the same
 * arrays (the reference, measured in the same run), over generated deals, their stage history and leads.
 *
 *   node --conditions=@crmkit/source --import tsx bench/funnel/funnel.bench.ts [--deals 1000000] [--rounds 7] [--warmup 1]
 *     [--gc false]
 *
 * Report: the demo pipeline over the window 2025-10-01 … 2026-03-31 in Asia/Shanghai, as of the demo's `now`, with
 * leads, USD converted to CNY. Each round runs every contender once, in an order that rotates from round to round, so
 * drift on a shared machine (thermal, neighbours) spreads over all of them; the table reports medians. A full garbage
 * collection runs before each timed run (untimed), so no contender pays for collecting another's garbage out of a
 * heap of some 2 GB of generated data. Only the report is timed: data generation and loading the CRM's storage
 * happen before. Exits 1 when the contenders disagree on any number.
 */
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createCrm,
  createMemoryStorage,
  funnelReport,
  periodOfDays,
  type FunnelReport,
  type MemoryData,
  type StoredRecord,
} from '@crmkit/core';
import { DEMO_COLLECTIONS, DEMO_NOW, generateDemoData, type DemoData } from '@crmkit/core/testing';
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

/** Reads a canonical `toISOString` instant digit by digit: every timestamp of the data is one (checked untimed). */
function parseCanonical(s: string): number {
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
}

/** True when `value` is exactly what `toISOString` writes for its instant, so text order is instant order. */
const canonical = (value: string): boolean => {
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === value;
};

// Written for this pipeline: stage ids known, their funnel positions (lost is off the funnel) and rotting limits.
const STAGE_IDS = ['opportunity', 'proposal', 'won', 'lost'];
const POSITION = [0, 1, 2, -1];
const ROT = [30 * DAY, 14 * DAY, 0, 0];
const CUT_SNAP = Math.min(TO, AS_OF + 1);
// The same bounds as canonical ISO text, for the passes that only compare instants.
const FROM_ISO = new Date(FROM).toISOString();
const TO_ISO = new Date(TO).toISOString();
const AS_OF_ISO = new Date(AS_OF).toISOString();
const CUT_SNAP_ISO = new Date(CUT_SNAP).toISOString();

/** One view's counters (cohort or snapshot); amounts per currency, CNY = 0 and USD = 1. */
interface View {
  deals: number;
  open: number;
  won: number;
  lost: number;
  /** By furthest position + 1. */
  readonly reachedBy: Int32Array;
  /** [currency][furthest position + 1]. */
  readonly reachedAmount: readonly [Float64Array, Float64Array];
  readonly entered: Int32Array;
  readonly enteredAmount: readonly [Float64Array, Float64Array];
  readonly current: Int32Array;
  readonly currentAmount: readonly [Float64Array, Float64Array];
}

function newView(): View {
  const amounts = () => [new Float64Array(4), new Float64Array(4)] as const;
  return {
    deals: 0,
    open: 0,
    won: 0,
    lost: 0,
    reachedBy: new Int32Array(4),
    reachedAmount: amounts(),
    entered: new Int32Array(4),
    enteredAmount: amounts(),
    current: new Int32Array(4),
    currentAmount: amounts(),
  };
}

function tally(view: View, stage: number, reach: number, mask: number, cur: number, amount: number): void {
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
}

interface LeadCounts {
  leads: number;
  open: number;
  qualified: number;
  disqualified: number;
  converted: number;
  convertedToPipeline: number;
}

const newLeadCounts = (): LeadCounts => ({
  leads: 0,
  open: 0,
  qualified: 0,
  disqualified: 0,
  converted: 0,
  convertedToPipeline: 0,
});

function countLead(counts: LeadCounts, status: string, toPipeline: boolean): void {
  counts.leads++;
  if (status === 'new' || status === 'working') counts.open++;
  else if (status === 'qualified') counts.qualified++;
  else if (status === 'disqualified') counts.disqualified++;
  else {
    counts.converted++;
    if (toPipeline) counts.convertedToPipeline++;
  }
}

/** What the passes over the data leave for {@link derive}. */
interface Tallies {
  readonly cohort: View;
  readonly snapshot: View;
  readonly leadsCohort: LeadCounts;
  readonly leadsSnapshot: LeadCounts;
  /** Time-in-stage samples (ms) of opportunity and proposal. */
  dwell: [Float64Array, Float64Array];
  /** Cohort month (year × 12 + month, UTC+8) → deals, open, won, lost, then deals by furthest position + 1. */
  readonly months: Map<number, number[]>;
  won: number;
  lost: number;
  cycle: number;
  readonly wonAmount: [number, number];
  readonly lostReasons: Map<string, number>;
  rotCount: number;
  /** The 100 deals idle longest, worst first (ties by id). */
  readonly rotTop: { idle: number; id: string }[];
}

function newTallies(): Tallies {
  return {
    cohort: newView(),
    snapshot: newView(),
    leadsCohort: newLeadCounts(),
    leadsSnapshot: newLeadCounts(),
    dwell: [new Float64Array(0), new Float64Array(0)],
    months: new Map(),
    won: 0,
    lost: 0,
    cycle: 0,
    wonAmount: [0, 0],
    lostReasons: new Map(),
    rotCount: 0,
    rotTop: [],
  };
}

/** A deal idle longer than its stage's limit: counted, and kept if among the 100 idle longest. */
function rot(t: Tallies, idle: number, id: string): void {
  t.rotCount++;
  const top = t.rotTop;
  const worst = top[top.length - 1];
  if (top.length < 100 || idle > worst!.idle || (idle === worst!.idle && id < worst!.id)) {
    if (top.length === 100) top.pop();
    let at = top.length;
    while (at > 0 && (top[at - 1]!.idle < idle || (top[at - 1]!.idle === idle && top[at - 1]!.id > id))) at--;
    top.splice(at, 0, { idle, id });
  }
}

/** A month bucket of the cohort: deals, open, won, lost, then deals by furthest position + 1. */
const newMonth = (): number[] => [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * The reference: the fastest correct single pass written by hand for this pipeline and this data (stage ids known,
 * every deal with history, CNY and USD only, a fixed UTC+8 offset for months). Deals come sorted by id and the stage
 * history sorted by deal id, each deal's changes together and in time order (how storage returns them and how the
 * demo data comes), so history joins deals by index: one walk over the deals, each taking its changes from a cursor
 * into the history, with the deal's state in local variables. Instants are read digit by digit where a number is
 * needed (every timestamp is canonical `toISOString` text, checked before timing) and compared as text where only
 * their order matters (the leads). Months are looked up by the bounds of the last one, since deals come in creation
 * order.
 */
function reference(data: DemoData): Numbers {
  const { deals, stageChanges: changes, leads } = data;
  const n = deals.length;
  const m = changes.length;
  const t = newTallies();
  const { cohort, snapshot, months, lostReasons, wonAmount } = t;
  const dwell0 = new Float64Array(m);
  const dwell1 = new Float64Array(m);
  let dwellCount0 = 0;
  let dwellCount1 = 0;
  let monthStart = Infinity;
  let monthEnd = -Infinity;
  let month = newMonth();
  let c = 0;
  for (let i = 0; i < n; i++) {
    const deal = deals[i]!;
    const id = deal.id;
    // History of a deal that is not in the list (there is none here) is skipped.
    while (c < m && changes[c]!.dealId < id) c++;
    let e = NaN;
    let lastAt = 0;
    let stage = -1;
    let furthest = -1;
    let furthestSnap = -1;
    let stageSnap = -1;
    let entered = 0;
    let enteredSnap = 0;
    for (; c < m; c++) {
      const change = changes[c]!;
      if (change.dealId !== id) break;
      const at = parseCanonical(change.at);
      if (at > AS_OF) continue;
      const to = change.toStageId;
      const s = to === 'opportunity' ? 0 : to === 'proposal' ? 1 : to === 'won' ? 2 : 3;
      if (stage < 0) e = at;
      else if (at >= FROM && at < TO && stage <= 1) {
        if (stage === 0) dwell0[dwellCount0++] = at - lastAt;
        else dwell1[dwellCount1++] = at - lastAt;
      }
      stage = s;
      lastAt = at;
      const p = POSITION[s]!;
      if (p > furthest) furthest = p;
      entered |= 1 << s;
      if (at < CUT_SNAP) {
        if (p > furthestSnap) furthestSnap = p;
        enteredSnap |= 1 << s;
        stageSnap = s;
      }
    }
    if (stage < 0) continue;

    const cur = deal.amount.currency === 'CNY' ? 0 : 1;
    const amount = deal.amount.amountMinor;
    if (e >= FROM && e < TO) {
      tally(cohort, stage, furthest, entered, cur, amount);
      if (e < monthStart || e >= monthEnd) {
        const local = new Date(e + SHANGHAI);
        const year = local.getUTCFullYear();
        const monthIndex = local.getUTCMonth();
        monthStart = Date.UTC(year, monthIndex, 1) - SHANGHAI;
        monthEnd = Date.UTC(year, monthIndex + 1, 1) - SHANGHAI;
        const key = year * 12 + monthIndex;
        const known = months.get(key);
        if (known) month = known;
        else months.set(key, (month = newMonth()));
      }
      month[0]!++;
      month[stage === 2 ? 2 : stage === 3 ? 3 : 1]!++;
      month[4 + furthest + 1]!++;
    }
    if (e < CUT_SNAP) tally(snapshot, stageSnap, furthestSnap, enteredSnap, cur, amount);
    if (stage >= 2 && lastAt >= FROM && lastAt < TO) {
      if (stage === 2) {
        t.won++;
        t.cycle += lastAt - e;
        wonAmount[cur] += amount;
      } else {
        t.lost++;
        const reason = deal.lostReason ?? 'null';
        lostReasons.set(reason, (lostReasons.get(reason) ?? 0) + 1);
      }
    }
    if (stage <= 1 && AS_OF - lastAt > ROT[stage]!) rot(t, AS_OF - lastAt, id);
  }
  t.dwell = [dwell0.subarray(0, dwellCount0), dwell1.subarray(0, dwellCount1)];

  for (let i = 0; i < leads.length; i++) {
    const lead = leads[i]!;
    const created = lead.createdAt;
    if (created > AS_OF_ISO) continue;
    // Every generated deal is in the pipeline, so every converted lead converted into it.
    const toPipeline = lead.convertedDealId !== undefined;
    if (created >= FROM_ISO && created < TO_ISO) countLead(t.leadsCohort, lead.status, toPipeline);
    if (created < CUT_SNAP_ISO) countLead(t.leadsSnapshot, lead.status, toPipeline);
  }
  return derive(t);
}

/**
 * For information, the former reference: the same numbers from one pass over the history in the order given, joined
 * to deals through a `Map` from deal id to index, with per-deal state in typed arrays and `Date.parse` for every
 * timestamp, then one pass over the deals (a `Date` per cohort deal for its month) and one over the leads.
 */
function mapAndParse(data: DemoData): Numbers {
  const { deals, stageChanges, leads } = data;
  const n = deals.length;
  const entry = new Float64Array(n).fill(NaN);
  const lastAt = new Float64Array(n);
  const lastStage = new Int8Array(n).fill(-1);
  const furthest = new Int8Array(n).fill(-1);
  const furthestSnap = new Int8Array(n).fill(-1);
  const stageSnap = new Int8Array(n).fill(-1);
  const entered = new Uint8Array(n);
  const enteredSnap = new Uint8Array(n);
  const dwell: number[][] = [[], []];

  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(deals[i]!.id, i);
  for (let c = 0; c < stageChanges.length; c++) {
    const change = stageChanges[c]!;
    const i = index.get(change.dealId) ?? -1;
    if (i < 0) continue;
    const at = Date.parse(change.at);
    if (at > AS_OF) continue;
    const to = change.toStageId;
    const s = to === 'opportunity' ? 0 : to === 'proposal' ? 1 : to === 'won' ? 2 : 3;
    if (Number.isNaN(entry[i]!)) entry[i] = at;
    else if (at >= FROM && at < TO && lastStage[i]! <= 1) dwell[lastStage[i]!]!.push(at - lastAt[i]!);
    lastStage[i] = s;
    lastAt[i] = at;
    const p = POSITION[s]!;
    if (p > furthest[i]!) furthest[i] = p;
    entered[i]! |= 1 << s;
    if (at < CUT_SNAP) {
      if (p > furthestSnap[i]!) furthestSnap[i] = p;
      enteredSnap[i]! |= 1 << s;
      stageSnap[i] = s;
    }
  }

  const t = newTallies();
  t.dwell = [Float64Array.from(dwell[0]!), Float64Array.from(dwell[1]!)];
  for (let i = 0; i < n; i++) {
    const deal = deals[i]!;
    const e = entry[i]!;
    const stage = lastStage[i]!;
    const cur = deal.amount.currency === 'CNY' ? 0 : 1;
    const amount = deal.amount.amountMinor;
    if (e >= FROM && e < TO) {
      tally(t.cohort, stage, furthest[i]!, entered[i]!, cur, amount);
      const local = new Date(e + SHANGHAI);
      const key = local.getUTCFullYear() * 12 + local.getUTCMonth();
      let month = t.months.get(key);
      if (!month) t.months.set(key, (month = newMonth()));
      month[0]!++;
      month[stage === 2 ? 2 : stage === 3 ? 3 : 1]!++;
      month[4 + furthest[i]! + 1]!++;
    }
    if (e < CUT_SNAP) tally(t.snapshot, stageSnap[i]!, furthestSnap[i]!, enteredSnap[i]!, cur, amount);
    const closedAt = lastAt[i]!;
    if (stage >= 2 && closedAt >= FROM && closedAt < TO) {
      if (stage === 2) {
        t.won++;
        t.cycle += closedAt - e;
        t.wonAmount[cur] += amount;
      } else {
        t.lost++;
        const reason = deal.lostReason ?? 'null';
        t.lostReasons.set(reason, (t.lostReasons.get(reason) ?? 0) + 1);
      }
    }
    if (stage >= 0 && stage <= 1 && AS_OF - closedAt > ROT[stage]!) rot(t, AS_OF - closedAt, deal.id);
  }
  for (const lead of leads) {
    const at = Date.parse(lead.createdAt);
    if (at > AS_OF) continue;
    const toPipeline = lead.convertedDealId !== undefined;
    if (at >= FROM && at < TO) countLead(t.leadsCohort, lead.status, toPipeline);
    if (at < CUT_SNAP) countLead(t.leadsSnapshot, lead.status, toPipeline);
  }
  return derive(t);
}

/** The report's numbers from the tallies: sums, rates, medians, months, the bottleneck (not on the hot path). */
function derive(t: Tallies): Numbers {
  const { cohort, snapshot, leadsCohort, leadsSnapshot, months, won, lost, wonAmount } = t;
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
      const at = `${STAGE_IDS[s]}.${name}`;
      const closing = s >= 2;
      const r = closing ? view.entered[s]! : reached(s);
      const amounts = closing
        ? [view.enteredAmount[0][s]!, view.enteredAmount[1][s]!]
        : [reachedSum(0, s), reachedSum(1, s)];
      const conversion = s <= 1 ? rate(reached(s + 1), r) : null;
      rates[name]!.push(conversion);
      out.set(`${at}.reached`, r);
      out.set(`${at}.entered`, view.entered[s]!);
      out.set(`${at}.current`, view.current[s]!);
      out.set(`${at}.conversion`, conversion);
      if (amounts[0]) out.set(`${at}.reached.CNY`, amounts[0]);
      if (amounts[1]) out.set(`${at}.reached.USD`, amounts[1]);
      if (view.currentAmount[0][s]) out.set(`${at}.current.CNY`, view.currentAmount[0][s]!);
      if (view.currentAmount[1][s]) out.set(`${at}.current.USD`, view.currentAmount[1][s]!);
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
    const samples = t.dwell[s]!.sort();
    const mid = samples.length >> 1;
    const median = samples.length % 2 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2;
    out.set(`${STAGE_IDS[s]}.dwell.samples`, samples.length);
    out.set(`${STAGE_IDS[s]}.dwell.average`, samples.reduce((a, b) => a + b, 0) / samples.length / DAY);
    out.set(`${STAGE_IDS[s]}.dwell.median`, median / DAY);
    medians.push(median / DAY);
  }
  out.set('winRate.cohort', rate(cohort.won, cohort.won + cohort.lost));
  out.set('winRate.period', rate(won, won + lost));
  for (const [reason, reasonCount] of t.lostReasons) out.set(`lost.${reason}`, reasonCount);
  const winRate = rate(won, won + lost);
  const cycleDays = won > 0 ? t.cycle / won / DAY : null;
  const dealsPerDay = winRate !== null && cycleDays ? (snapshot.open * winRate) / cycleDays : null;
  const averageWon = won > 0 ? Math.round(wonAmount[0] + wonAmount[1] * RATE_USD) / won : null;
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
  out.set('rotting.count', t.rotCount);
  out.set('rotting.top', t.rotTop.map((entry) => entry.id).join());
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
        bottleneck = `${kind}:${kind === 'dwell' ? STAGE_IDS[i] : steps[i]}`;
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

// What the reference assumes of the data, checked untimed: deals in id order, history in deal id order (so each
// deal's changes are together), every timestamp canonical `toISOString` text.
const sortedBy = <T>(items: readonly T[], key: (item: T) => string, strict: boolean) =>
  items.every((item, i) => i === 0 || (strict ? key(items[i - 1]!) < key(item) : key(items[i - 1]!) <= key(item)));
if (
  !sortedBy(data.deals, (deal) => deal.id, true) ||
  !sortedBy(data.stageChanges, (change) => change.dealId, false) ||
  !data.stageChanges.every((change) => canonical(change.at)) ||
  !data.leads.every((lead) => canonical(lead.createdAt))
) {
  console.error('the data is not what the reference is written for (sorted by id, canonical timestamps)');
  process.exit(1);
}

// The path an application takes: a CRM over the memory adapter holding the same records (handed its backing maps, as
// stored records at version 1; untimed), asked for the same report through `crm.reports.funnel`, which loads the
// pipeline's deals, history and leads through the storage port and runs `funnelReport` on them.
const loading = performance.now();
const maps: MemoryData = new Map();
for (const name of DEMO_COLLECTIONS) {
  const rows = new Map<string, StoredRecord>();
  for (const record of data[name] as readonly { id: string }[]) {
    rows.set(record.id, { ...record, version: 1 } as StoredRecord);
  }
  maps.set(name, rows);
}
const admin = data.users.find((user) => user.role === 'admin') ?? data.users[0]!;
const crm = await createCrm({
  storage: createMemoryStorage({ data: maps, now: () => new Date(DEMO_NOW) }),
  actor: { id: admin.id, role: 'admin' },
  clock: () => new Date(DEMO_NOW),
  timeZone: OPTIONS.timeZone,
  currency: 'CNY',
});
const REQUEST = {
  pipelineId: pipeline.id,
  period: periodOfDays(OPTIONS.from, OPTIONS.to, OPTIONS.timeZone),
  asOf: DEMO_NOW,
  currency: 'CNY',
  rates: { USD: RATE_USD },
  includeLeads: true,
} as const;
console.log(`loaded a memory-adapter CRM in ${((performance.now() - loading) / 1000).toFixed(1)} s`);

const INFORMATIONAL = 'hand-written, Map + Date.parse (info)';
const CRM = 'crm.reports.funnel';
const PURE = 'funnelReport';
const contenders: [name: string, run: () => Numbers | Promise<Numbers>][] = [
  ['hand-written', () => reference(data)],
  [CRM, async () => numbersOf(await crm.reports.funnel(REQUEST))],
  [
    PURE,
    () =>
      numbersOf(
        funnelReport({ pipeline, deals: data.deals, stageChanges: data.stageChanges, leads: data.leads }, OPTIONS),
      ),
  ],
  [INFORMATIONAL, () => mapAndParse(data)],
];

// One untimed run each, so every contender is optimised before its first timed round, and the correctness check.
const expected = await contenders[0]![1]();
let ok = true;
for (const [name, run] of contenders.slice(1)) {
  const actual = await run();
  const different = differences(expected, actual);
  if (different.length > 0) {
    ok = false;
    for (const key of different.slice(0, 20)) {
      console.error(`${name} disagrees on ${key}: ${String(expected.get(key))} vs ${String(actual.get(key))}`);
    }
  }
}
if (!ok) process.exit(1);
console.log(`the contenders agree on all ${expected.size} numbers of the report`);
for (let i = 1; i < warmups; i++) for (const [, run] of contenders) await run();

const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < contenders.length; i++) {
    const [name, run] = contenders[(round + i) % contenders.length]!;
    if (collectBefore) collectGarbage();
    const started = performance.now();
    const numbers = await run();
    times.get(name)!.push(performance.now() - started);
    if (numbers.get('cohort.deals') !== expected.get('cohort.deals')) {
      console.error(`${name} changed its answer in round ${round}`);
      process.exit(1);
    }
  }
}

const referenceMedian = median(times.get('hand-written')!);
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
      `${(m / referenceMedian).toFixed(2)} |`,
  );
}
console.log('');
for (const name of [CRM, PURE]) {
  const ratio = median(times.get(name)!) / referenceMedian;
  console.log(`${name} / hand-written = ${ratio.toFixed(2)} (target ≤ 2): ${ratio <= 2 ? 'met' : 'not met'}`);
}
console.log(
  `load average at the end: ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
