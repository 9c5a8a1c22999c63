/** Deals over the default pipeline with their stage history, and the customers' lifecycle stages that follow them. */
import type { LifecycleStage } from '../model/index.js';
import { IMPORT_TO, SOURCE_WEIGHTS, type CustomerBook } from './customers.js';
import { DEMO_PIPELINE_ID, type DemoDeal, type DemoStageChange } from './model.js';
import type { SeededRandom } from './random.js';
import { idMaker, monthSlices, spread, type Run } from './run.js';
import type { Staff } from './staff.js';
import { DAY, WORK_PER_DAY, WORKING_DAY, dateOf, monthOf } from './time.js';
import { DEAL_PERIODS, DEAL_TITLES, LOST_REASONS, fill, type DemoLanguage } from './vocabulary.js';

export interface DealBook {
  readonly deals: DemoDeal[];
  readonly stageChanges: DemoStageChange[];
  readonly customer: number[];
  readonly created: number[];
  /** When the deal was won or lost; `now` while it is open. */
  readonly until: number[];
  /** Indexes of open deals. */
  readonly open: number[];
  /** Customers (indexes) converted from a lead, which then became their first deal if they have one. */
  readonly converted: number[];
}

/** A deal before it has an id: when it was opened and closed, in working minutes, and for whom. */
interface DealDraft {
  readonly created: number;
  /** The working minute it was closed at, and the month slice that is in; -1 while open. */
  readonly closed: number;
  readonly slice: number;
  customer: number;
  won: boolean;
}

/** Deals closed by `now`, won of those closed, and leads converted into a customer (one each). */
const CLOSED_SHARE = 0.6;
const WON_SHARE = 0.45;
const CONVERTED_SHARE = 0.3;

/** A shuffled copy (Fisher-Yates). */
function shuffled<T>(random: SeededRandom, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** The index of the first draft opened at or after a working minute (drafts in opening order). */
function lowerBound(drafts: readonly DealDraft[], minute: number): number {
  let low = 0;
  let high = drafts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (drafts[mid]!.created < minute) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Deals in creation order over the default pipeline, each with the stage changes that brought it to its stage: it
 * enters `opportunity` at creation, then moves forward in funnel order; won and lost deals are closed.
 *
 * Closed deals are laid out by the month they closed in: every month of the window (when there are enough deals),
 * the rest in proportion to its season and the growth of the business. Each was opened a sales cycle (5–120 days)
 * before, for a customer that existed by then: most often the longest-waiting one without a deal. At least one deal
 * of every month is won, and, for every lead source, the first deal of a customer converted from one of its leads:
 * those customers are chosen here ({@link DealBook.converted}) for the leads to follow.
 */
export function generateDeals(
  run: Run,
  random: SeededRandom,
  count: number,
  staff: Staff,
  book: CustomerBook,
  leadCount: number,
): DealBook {
  const { iso, clock } = run;
  const r = random;
  const { customers, facts } = book;
  const importEnd = clock.at(IMPORT_TO * WORKING_DAY);
  const acquired = shuffled(
    r,
    facts.flatMap((fact, index) => (fact.created >= importEnd ? [index] : [])),
  );
  const convertedCount = Math.min(Math.round(leadCount * CONVERTED_SHARE), acquired.length);
  const result: DealBook = {
    deals: [],
    stageChanges: [],
    customer: [],
    created: [],
    until: [],
    open: [],
    converted: [],
  };

  // When: closed deals by the month they closed in, open ones by their age.
  const drafts: DealDraft[] = [];
  const earliest = count > 0 ? clock.index(facts[0]!.created) : 0;
  const slices = monthSlices(run, earliest + 5 * WORKING_DAY, run.last);
  const closedCount = slices.length > 0 ? Math.round(count * CLOSED_SHARE) : 0;
  spread(r, closedCount, slices).forEach((closings, slice) => {
    const { first, last } = slices[slice]!;
    for (let n = 0; n < closings; n++) {
      const closed = r.int(first, last);
      const cycle = Math.round(Math.exp(r.between(Math.log(5), Math.log(120))) * WORK_PER_DAY);
      // At least two minutes from opening to closing, for a proposal step in between.
      const created = closed - cycle >= earliest ? closed - cycle : r.int(earliest, closed - 2);
      drafts.push({ created, closed, slice, customer: 0, won: false });
    }
  });
  for (let n = closedCount; n < count; n++) {
    const age = Math.round((1 + 149 * r.next() ** 2) * WORK_PER_DAY);
    drafts.push({ created: Math.max(earliest, run.last - age), closed: -1, slice: -1, customer: 0, won: false });
  }
  drafts.sort((a, b) => a.created - b.created);

  // Whose. First, for every lead source, a new customer converted from one of its leads, whose first deal (the first
  // closed one opened after it came) is kept for it and won; it is "pending" until then. Where no customer of the
  // source came early enough, one of another source is said to have come through it (never a referral, which may
  // have brought a partner, and WeChat only in Chinese).
  const closed = drafts.filter((draft) => draft.closed >= 0);
  const reserved = new Map<DealDraft, number>();
  const pending = new Uint8Array(facts.length);
  const converted = new Set<number>();
  /** The first closed draft not yet kept, opened after the customer came; -1 for none. */
  const keepable = (customer: number): number => {
    let draft = lowerBound(closed, clock.index(facts[customer]!.created));
    while (draft < closed.length && reserved.has(closed[draft]!)) draft++;
    return draft < closed.length ? draft : -1;
  };
  for (const source of Object.keys({ ...SOURCE_WEIGHTS.zh, ...SOURCE_WEIGHTS.en }).sort()) {
    let draft = -1;
    let found: number | undefined;
    for (const own of [true, false]) {
      found ??= acquired.find((customer) => {
        const { source: its } = customers[customer]!;
        const fits = own ? its === source : its !== 'referral' && source in SOURCE_WEIGHTS[facts[customer]!.language];
        return fits && !converted.has(customer) && (draft = keepable(customer)) >= 0;
      });
    }
    if (found === undefined || converted.size >= convertedCount) continue;
    customers[found]!.source = source;
    reserved.set(closed[draft]!, found);
    closed[draft]!.won = true;
    pending[found] = 1;
    converted.add(found);
  }
  for (const customer of acquired) if (converted.size < convertedCount) converted.add(customer);
  // One push per item: spreading a million arguments overflows the stack.
  for (const customer of converted) result.converted.push(customer);
  // Then every other deal: most often for the customer waiting longest for a first deal, else any there was by then.
  const hasDeal = new Uint8Array(facts.length);
  let known = 0;
  let waiting = 0;
  drafts.forEach((draft, index) => {
    const at = clock.at(draft.created);
    while (known < facts.length && facts[known]!.created <= at) known++;
    while (waiting < known && (hasDeal[waiting] || pending[waiting])) waiting++;
    let customer = reserved.get(draft);
    if (customer === undefined) {
      customer = waiting < known && r.chance(0.6) ? waiting : r.int(0, known - 1);
      for (let n = 0; n < known && pending[customer]; n++) customer = (customer + 1) % known;
    }
    draft.customer = customer;
    hasDeal[customer] = 1;
    pending[customer] = 0;
    facts[customer]!.deals.push(index);
  });

  // Won: a share of each month's closings (at least one), on top of the deals kept for the lead sources.
  const bySlice = slices.map((): DealDraft[] => []);
  for (const draft of closed) bySlice[draft.slice]!.push(draft);
  const wanted = spread(
    r,
    Math.round(closed.length * WON_SHARE),
    bySlice.map((closings) => ({ weight: closings.length })),
  );
  bySlice.forEach((closings, slice) => {
    let wins = closings.filter((draft) => draft.won).length;
    for (const draft of shuffled(r, closings)) {
      if (wins >= wanted[slice]!) break;
      if (draft.won) continue;
      draft.won = true;
      wins++;
    }
  });

  const dealId = idMaker('del', count);
  // Titles draw from their own stream, so they can change without moving amounts or owners.
  const titleRandom = r.fork('titles');
  const titles = new Map<string, number>();
  const shorts = new Map<string, number>();
  for (const { language, short } of facts) shorts.set(language + short, (shorts.get(language + short) ?? 0) + 1);
  drafts.forEach((draft, index) => {
    const customer = customers[draft.customer]!;
    const { language, short, long, keyAccount } = facts[draft.customer]!;
    const ownerId = r.chance(0.8) ? customer.ownerId! : r.pick(staff.ownerPool(language));
    const open = draft.closed < 0;
    const path = ['opportunity'];
    // Working minutes of each step: strictly increasing, the proposal between opening and closing.
    const minutes = [draft.created];
    if (!open) {
      if (draft.won || r.chance(0.5)) {
        path.push('proposal');
        minutes.push(r.int(draft.created + 1, draft.closed - 1));
      }
      path.push(draft.won ? 'won' : 'lost');
      minutes.push(draft.closed);
    } else if (draft.created < run.last && r.chance(Math.min(0.7, (run.last - draft.created) / (45 * WORK_PER_DAY)))) {
      path.push('proposal');
      minutes.push(r.int(draft.created + 1, run.last));
    }
    const times = minutes.map((minute) => clock.at(minute));
    const id = dealId(index);
    for (let step = 0; step < path.length; step++) {
      const at = iso(times[step]!);
      result.stageChanges.push({
        id: '',
        dealId: id,
        pipelineId: DEMO_PIPELINE_ID,
        fromStageId: step === 0 ? null : path[step - 1]!,
        toStageId: path[step]!,
        at,
        by: ownerId,
        createdAt: at,
        updatedAt: at,
      });
    }

    const stageId = path[path.length - 1]!;
    const [created, lastAt] = [times[0]!, times[times.length - 1]!];
    const currency = customer.country === 'CN' ? 'CNY' : 'USD';
    // Log-uniform amounts, in whole thousands of yuan or hundreds of dollars, stored in minor units.
    const [low, high, unit] = currency === 'CNY' ? [40_000, 800_000, 1_000] : [6_000, 120_000, 100];
    const major = Math.exp(r.between(Math.log(low), Math.log(high))) * (keyAccount ? 2.5 : 1);
    const deal: DemoDeal = {
      id,
      title: dealTitle(
        titleRandom,
        language,
        shorts.get(language + short)! > 1 ? long : short,
        monthOf(clock.day(draft.created)),
        titles,
      ),
      customerId: customer.id,
      pipelineId: DEMO_PIPELINE_ID,
      stageId,
      amount: { amountMinor: Math.max(1, Math.round(major / unit)) * unit * 100, currency },
      ownerId,
      status: open ? 'open' : draft.won ? 'won' : 'lost',
      stageEnteredAt: iso(lastAt),
      customFields: {},
      createdAt: iso(created),
      updatedAt: iso(lastAt),
    };
    if (customer.source) deal.source = customer.source;
    if (open) {
      // Some expected close dates have passed already: overdue deals are part of any real pipeline.
      deal.expectedCloseDate = dateOf(Math.max(clock.day(draft.created), clock.today + r.int(-14, 120)));
      result.open.push(index);
    } else {
      deal.closedAt = iso(lastAt);
      deal.expectedCloseDate = dateOf(clock.day(draft.closed));
      if (!draft.won) deal.lostReason = r.pick(LOST_REASONS[language]);
    }
    result.deals.push(deal);
    result.customer.push(draft.customer);
    result.created.push(created);
    result.until.push(open ? run.now : lastAt);
  });
  const stageChangeId = idMaker('stc', result.stageChanges.length);
  result.stageChanges.forEach((change, index) => (change.id = stageChangeId(index)));
  return result;
}

/**
 * A deal title no other deal has: the customer's name and an offer, the offers of one name taken in turn from a
 * random one; once a title is taken, with the year the deal was opened in, then its quarter, then a number.
 */
function dealTitle(
  random: SeededRandom,
  language: DemoLanguage,
  name: string,
  month: number,
  /** The titles taken, and the turn of each name (`<language> <name>`) among the offers. */
  used: Map<string, number>,
): string {
  const offers = DEAL_TITLES[language];
  const key = `${language} ${name}`;
  const turn = used.get(key) ?? random.int(0, offers.length - 1);
  used.set(key, turn + 1);
  const title = fill(offers[turn % offers.length]!, name);
  const [year, quarter] = DEAL_PERIODS[language].map((pattern) =>
    pattern.replace('{}', String(Math.floor(month / 12))).replace('#', String(Math.floor((month % 12) / 3) + 1)),
  );
  for (const candidate of [title, title + year, title + quarter!]) {
    if (!used.has(candidate)) {
      used.set(candidate, 1);
      return candidate;
    }
  }
  const count = used.get(title + quarter!)! + 1;
  used.set(title + quarter!, count);
  return `${title}${quarter!} #${count}`;
}

/** Lifecycle follows the deals: won → customer (or churned long after), open → opportunity or SQL, none → subscriber. */
export function assignLifecycle(run: Run, random: SeededRandom, book: CustomerBook, dealBook: DealBook): void {
  book.customers.forEach((customer, index) => {
    const facts = book.facts[index]!;
    let lastWon = -1;
    let proposal = false;
    let open = false;
    let lost = false;
    for (const dealIndex of facts.deals) {
      const deal = dealBook.deals[dealIndex]!;
      if (deal.status === 'won') lastWon = Math.max(lastWon, dealBook.until[dealIndex]!);
      else if (deal.status === 'lost') lost = true;
      else {
        open = true;
        if (deal.stageId === 'proposal') proposal = true;
      }
    }
    let stage: LifecycleStage;
    if (lastWon >= 0) stage = run.now - lastWon > 200 * DAY && random.chance(0.5) ? 'churned' : 'customer';
    else if (proposal) stage = 'opportunity';
    else if (open) stage = 'sql';
    else if (lost) stage = random.chance(0.4) ? 'churned' : 'lead';
    else stage = run.now - facts.created < 60 * DAY || random.chance(0.5) ? 'subscriber' : 'lead';
    customer.lifecycleStage = stage;
  });
}
