import * as z from 'zod/mini';
import { DEFAULT_PIPELINE } from '../funnel/pipeline.js';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { fromLocal, toLocal } from '../tasks/zoned.js';
import type { CrmCollection } from '../crm/collections.js';
import type { StoredCostEntry } from '../reports/sales.service.js';
import type {
  Activity,
  ActivityType,
  Contact,
  Customer,
  Deal,
  Lead,
  LeadStatus,
  LifecycleStage,
  Pipeline,
  Reminder,
  StageChange,
  Task,
  TaskRelatedKind,
  TaskStatus,
  TaskType,
  Team,
  User,
  UserRole,
} from '../model/index.js';
import { createRandom, weighted, type SeededRandom } from './random.js';
import {
  ACTIVITY_BODIES,
  ACTIVITY_SUBJECTS,
  CAMPAIGNS,
  CN_CITIES,
  CN_MOBILE_PREFIXES,
  CONTACT_TITLES,
  DEAL_PERIODS,
  DEAL_TITLES,
  DISQUALIFY_REASONS,
  EN_FAMILY_NAMES,
  EN_GIVEN_NAMES,
  EN_INDUSTRIES,
  EN_LEGAL_FORMS,
  EN_OTHER_CITIES,
  EN_STREETS,
  EN_TRADE_NAMES,
  LOST_REASONS,
  PERSONAL_EMAIL_DOMAINS,
  PERSONAL_TODOS,
  TASK_TITLES,
  TEAM_NAMES,
  US_CITIES,
  ZH_FAMILY_NAMES,
  ZH_GIVEN_NAMES,
  ZH_INDUSTRIES,
  ZH_OTHER_CITIES,
  ZH_STREETS,
  ZH_TRADE_NAMES,
  fill,
  type DemoCity,
  type DemoLanguage,
} from './vocabulary.js';

/** A generated record: the entity's fields in their parsed (defaults applied) form, its id and its timestamps. */
export type DemoRecord<T extends { version: number }> = Omit<T, 'version'>;

export type DemoUser = DemoRecord<User>;
export type DemoTeam = DemoRecord<Team>;
export type DemoCustomer = DemoRecord<Customer>;
export type DemoContact = DemoRecord<Contact>;
export type DemoLead = DemoRecord<Lead>;
export type DemoPipeline = DemoRecord<Pipeline>;
export type DemoDeal = DemoRecord<Deal>;
export type DemoStageChange = DemoRecord<StageChange>;
export type DemoActivity = DemoRecord<Activity>;
export type DemoTask = DemoRecord<Task>;
export type DemoCostEntry = DemoRecord<StoredCostEntry>;

/**
 * A generated CRM: one array per storage collection, each in id order. Related records come before the records that
 * point at them in {@link DEMO_COLLECTIONS}, so writing in that order never leaves a dangling reference.
 */
export interface DemoData {
  readonly users: DemoUser[];
  readonly teams: DemoTeam[];
  readonly pipelines: DemoPipeline[];
  readonly customers: DemoCustomer[];
  readonly contacts: DemoContact[];
  readonly leads: DemoLead[];
  readonly deals: DemoDeal[];
  readonly stageChanges: DemoStageChange[];
  readonly activities: DemoActivity[];
  readonly tasks: DemoTask[];
  /** Marketing spend per lead source and month of the last 365 days, for the lead-source ROI report. */
  readonly costEntries: DemoCostEntry[];
}

/** The collections of {@link DemoData}, in write order; the names are those of `CRM_COLLECTIONS`. */
export const DEMO_COLLECTIONS = [
  'users',
  'teams',
  'pipelines',
  'customers',
  'contacts',
  'leads',
  'deals',
  'stageChanges',
  'activities',
  'tasks',
  'costEntries',
] as const satisfies readonly (keyof DemoData & CrmCollection)[];
export type DemoCollection = (typeof DEMO_COLLECTIONS)[number];

/** The default `now` of {@link generateDemoData}: fixed, so output never depends on the system clock. */
export const DEMO_NOW = '2026-06-30T00:00:00.000Z';

/** The default `timeZone` of {@link generateDemoData}: the demo CRM's. */
export const DEMO_TIME_ZONE = 'Asia/Shanghai';

/** The id of the generated default pipeline. Its stages are `opportunity`, `proposal`, `won` and `lost`. */
export const DEMO_PIPELINE_ID = 'pip-0001';

/** Options of {@link generateDemoData}. Counts left out follow from `customers` (which follows from `scale`). */
export interface DemoDataOptions {
  /** The PRNG seed: an integer, of which the low 32 bits count. Default 1. Same seed and options → same data. */
  readonly seed?: number;
  /**
   * The instant the data is generated "at", rounded down to the minute: everything happens in the 12 months before
   * it (only open tasks are due after it). Default {@link DEMO_NOW}, never the system clock.
   */
  readonly now?: Date;
  /**
   * The CRM's IANA time zone. Its users work weekdays 09:00–18:00 there: activities happen, tasks fall due and
   * records are entered in those hours, and marketing costs are booked per month of its calendar. Default
   * {@link DEMO_TIME_ZONE}.
   */
  readonly timeZone?: string;
  /**
   * Multiplies the default customer count (60), and with it every derived count: `scale: 100` gives 6 000 customers
   * and 10 000 deals, for benchmarks. Default 1.
   */
  readonly scale?: number;
  /** Default `60 × scale`. About 40 % are people, the rest organisations with 1–3 contacts each. */
  readonly customers?: number;
  /** Sales users: one admin, one manager per team, the rest reps. Default `customers / 8`, between 4 and 200. */
  readonly users?: number;
  /** Sales teams. Default one per five non-admin users. */
  readonly teams?: number;
  /** Default `1.5 × customers`; about 30 % converted, each into one of the customers that came after the set-up week. */
  readonly leads?: number;
  /** Default `5/3 × customers` (100 for 60 customers). */
  readonly deals?: number;
  /** Default `4 × deals`. */
  readonly activities?: number;
  /** Default `1.5 × customers`. */
  readonly tasks?: number;
}

const count = (max: number) => z.optional(z.int().check(z.nonnegative(), z.lte(max)));

const optionsSchema = z.strictObject({
  seed: z.optional(z.int()),
  // Four-digit years for the whole 12-month window, as instants are stored.
  now: z.optional(
    z
      .date()
      .check(
        z.refine((date) => date.getUTCFullYear() > 1000 && date.getUTCFullYear() < 9999, 'Expected a year 1001–9998'),
      ),
  ),
  timeZone: z.optional(
    z.string().check(
      z.refine((zone) => {
        try {
          toLocal(0, zone);
          return true;
        } catch {
          return false;
        }
      }, 'Expected an IANA time zone such as Asia/Shanghai'),
    ),
  ),
  scale: z.optional(z.number().check(z.positive(), z.lte(10_000))),
  customers: count(1_000_000),
  users: z.optional(z.int().check(z.positive(), z.lte(100_000))),
  teams: count(10_000),
  leads: count(1_000_000),
  deals: count(1_000_000),
  activities: count(10_000_000),
  tasks: count(1_000_000),
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The built-in default pipeline (销售漏斗: 商机 → 报价/提案 → 成交, plus 输单) under the demo's id. */
function demoPipeline(createdAt: string): DemoPipeline {
  const { id: _builtInId, ...definition } = structuredClone(DEFAULT_PIPELINE) as DemoPipeline;
  return { ...definition, id: DEMO_PIPELINE_ID, createdAt, updatedAt: createdAt };
}

/** `prefix-0001`: zero-padded to at least four digits, and to the count's width so ids sort in creation order. */
function idMaker(prefix: string, total: number): (index: number) => string {
  const width = Math.max(4, String(total).length);
  return (index) => `${prefix}-${String(index + 1).padStart(width, '0')}`;
}

/**
 * `Date#toISOString` for the whole minutes the generator produces, with each day's prefix cached: formatting
 * timestamps was a quarter of the cost of generating 10 000 deals. Any other instant takes the slow, exact path.
 */
function isoFormatter(): (ms: number) => string {
  const days = new Map<number, string>();
  const pad = (value: number) => (value < 10 ? `0${value}` : `${value}`);
  return (ms) => {
    if (ms % MINUTE !== 0) return new Date(ms).toISOString();
    const day = Math.floor(ms / DAY);
    let prefix = days.get(day);
    if (prefix === undefined) days.set(day, (prefix = new Date(day * DAY).toISOString().slice(0, 11)));
    const minutes = (ms - day * DAY) / MINUTE;
    return `${prefix}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:00.000Z`;
  };
}

/** Working hours of the CRM's users, weekdays in its time zone. */
const OPENS = 9;
const CLOSES = 18;
/** The working minutes of a working day, and per calendar day on average (five working days a week). */
const WORKING_DAY = (CLOSES - OPENS) * 60;
const WORK_PER_DAY = (5 * WORKING_DAY) / 7;

/** The `YYYY-MM-DD` of a day number (days since 1970-01-01), and the month number (`year × 12 + month − 1`). */
const dateOf = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
const monthOf = (day: number): number => {
  const date = new Date(day * DAY);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
};
/** The day number of the first day of a month number. */
const firstDayOf = (month: number): number => Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY;

/**
 * Working time in the CRM's zone as a clock of working minutes, numbered from the first one of the day after the
 * window starts (its first whole local day) to 70 days after `now` (the latest due date). Local opening and closing
 * times go through `Intl` once per day, so daylight saving time moves them as it moves the users' clocks.
 */
interface WorkClock {
  readonly timeZone: string;
  /** Today's local day number at `now`. */
  readonly today: number;
  /** The instant of a working minute; indexes outside the clock are clamped to it. */
  at(index: number): number;
  /** The first working minute at or after an instant, or with `down` the last one at or before it. */
  index(ms: number, down?: boolean): number;
  /** The local day number of a working minute. */
  day(index: number): number;
  /** The first working minute on or after a local day. */
  startOf(day: number): number;
}

function workClock(timeZone: string, start: number, now: number): WorkClock {
  const dayOf = (ms: number) => {
    const { year, month, day } = toLocal(ms, timeZone);
    return Date.UTC(year, month - 1, day) / DAY;
  };
  const today = dayOf(now);
  const days: number[] = [];
  const opens: number[] = [];
  /** Working minutes before each working day. */
  const before: number[] = [];
  let total = 0;
  // From the first whole local day after `start`, and within the last 365 local days even across a change of offset.
  for (let day = Math.max(dayOf(start) + 1, today - 364); day <= today + 70; day++) {
    // Day 0, 1970-01-01, was a Thursday: (day + 4) mod 7 is 0 on Sundays and 6 on Saturdays.
    const weekday = (((day + 4) % 7) + 7) % 7;
    if (weekday === 0 || weekday === 6) continue;
    const date = new Date(day * DAY);
    const local = (hour: number) =>
      fromLocal(
        {
          year: date.getUTCFullYear(),
          month: date.getUTCMonth() + 1,
          day: date.getUTCDate(),
          hour,
          minute: 0,
          second: 0,
          millisecond: 0,
        },
        timeZone,
      );
    const open = local(OPENS);
    days.push(day);
    opens.push(open);
    before.push(total);
    total += (local(CLOSES) - open) / MINUTE;
  }
  /** The last index whose value is at most `value` in an ascending array, or -1. */
  const floor = (values: readonly number[], value: number): number => {
    let low = 0;
    let high = values.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (values[mid]! <= value) low = mid + 1;
      else high = mid - 1;
    }
    return high;
  };
  const clamp = (index: number) => Math.min(Math.max(index, 0), total - 1);
  return {
    timeZone,
    today,
    at(index) {
      const minute = clamp(index);
      const day = floor(before, minute);
      return opens[day]! + (minute - before[day]!) * MINUTE;
    },
    index(ms, down) {
      const day = floor(opens, ms);
      if (day < 0) return down ? -1 : 0;
      const length = (before[day + 1] ?? total) - before[day]!;
      const into = (ms - opens[day]!) / MINUTE;
      return before[day]! + (down ? Math.min(Math.floor(into), length - 1) : Math.min(Math.ceil(into), length));
    },
    day: (index) => days[floor(before, clamp(index))]!,
    startOf(day) {
      const next = floor(days, day - 1) + 1;
      return before[next] ?? total;
    },
  };
}

const digits = (random: SeededRandom, length: number): string =>
  String(random.int(0, 10 ** length - 1)).padStart(length, '0');
/** Subscriber digits of a landline: they never start with 0 or 1 (trunk and special prefixes). */
const local = (random: SeededRandom, length: number): string => `${random.int(2, 9)}${digits(random, length - 1)}`;

/** A mobile number in the city's format; fictional ranges where the regulator reserves one (UK, AU, US). */
function mobilePhone(random: SeededRandom, city: DemoCity): string {
  switch (city.country) {
    case 'CN':
      return `+86 ${random.pick(CN_MOBILE_PREFIXES)} ${digits(random, 4)} ${digits(random, 4)}`;
    case 'US':
    case 'CA':
      return `+1 ${city.area}-555-01${digits(random, 2)}`;
    case 'GB':
      return `+44 7700 900${digits(random, 3)}`;
    case 'DE':
      return `+49 151 ${digits(random, 4)} ${digits(random, 4)}`;
    case 'SG':
      return `+65 9${digits(random, 3)} ${digits(random, 4)}`;
    case 'HK':
      return `+852 9${digits(random, 3)} ${digits(random, 4)}`;
    case 'AU':
      return `+61 491 570 ${digits(random, 3)}`;
    default:
      return `+81 90 ${digits(random, 4)} ${digits(random, 4)}`;
  }
}

/** An office number in the city's format. */
function officePhone(random: SeededRandom, city: DemoCity): string {
  switch (city.country) {
    case 'CN':
      return `+86 ${city.area} ${local(random, 4)} ${digits(random, 4)}`;
    case 'US':
    case 'CA':
      return `+1 ${city.area}-555-01${digits(random, 2)}`;
    case 'GB':
      return `+44 20 7946 0${digits(random, 3)}`;
    case 'DE':
      return `+49 30 ${local(random, 4)} ${digits(random, 4)}`;
    case 'SG':
      return `+65 6${digits(random, 3)} ${digits(random, 4)}`;
    case 'HK':
      return `+852 2${digits(random, 3)} ${digits(random, 4)}`;
    case 'AU':
      return `+61 2 5550 ${digits(random, 4)}`;
    default:
      return `+81 3 ${local(random, 4)} ${digits(random, 4)}`;
  }
}

/** A person's name parts plus the romanised parts for email addresses. */
interface PersonName {
  readonly name: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly latinGiven: string;
  readonly latinFamily: string;
}

function personName(random: SeededRandom, language: DemoLanguage): PersonName {
  if (language === 'zh') {
    const family = random.pick(ZH_FAMILY_NAMES);
    const given = random.pick(ZH_GIVEN_NAMES);
    // Chinese order: family name first, no space (张伟).
    return {
      name: family.text + given.text,
      givenName: given.text,
      familyName: family.text,
      latinGiven: given.latin,
      latinFamily: family.latin,
    };
  }
  const given = random.pick(EN_GIVEN_NAMES);
  const family = random.pick(EN_FAMILY_NAMES);
  return {
    name: `${given} ${family}`,
    givenName: given,
    familyName: family,
    latinGiven: given.toLowerCase(),
    latinFamily: family.toLowerCase(),
  };
}

/** A work email: `zhangwei@…` in Chinese companies, `emily.johnson@…` in English-speaking ones. */
function workEmail(person: PersonName, language: DemoLanguage, domain: string): string {
  return language === 'zh'
    ? `${person.latinFamily}${person.latinGiven}@${domain}`
    : `${person.latinGiven}.${person.latinFamily}@${domain}`;
}

/** An organisation's name, its short names for titles (trade name; with the industry), its (reserved) domain. */
interface OrganisationName {
  readonly name: string;
  readonly short: string;
  readonly long: string;
  readonly domain: string;
}

function organisationName(random: SeededRandom, language: DemoLanguage, city: DemoCity): OrganisationName {
  if (language === 'zh') {
    const trade = random.pick(ZH_TRADE_NAMES);
    const industry = random.pick(ZH_INDUSTRIES);
    const form = random.chance(0.15) ? '股份有限公司' : '有限公司';
    return {
      name: `${city.city}${trade.text}${industry.text}${form}`,
      short: trade.text,
      long: trade.text + industry.text,
      domain: `${trade.latin}-${industry.latin}.example`,
    };
  }
  const trade = random.pick(EN_TRADE_NAMES);
  const industry = random.pick(EN_INDUSTRIES);
  const form = random.pick(EN_LEGAL_FORMS[city.country] ?? ['Ltd.']);
  const slug = `${trade}-${industry}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    name: `${trade} ${industry} ${form}`,
    short: trade,
    long: `${trade} ${industry}`,
    domain: `${slug}.example`,
  };
}

/** The lead and customer sources, weighted per language (WeChat is a Chinese channel). */
const SOURCE_WEIGHTS: Readonly<Record<DemoLanguage, Readonly<Record<string, number>>>> = {
  zh: { website: 20, referral: 20, trade_show: 12, wechat: 28, cold_call: 10, ads: 10 },
  en: { website: 30, referral: 22, trade_show: 15, cold_call: 15, ads: 18 },
};
const SOURCES: Readonly<Record<DemoLanguage, (random: SeededRandom) => string>> = {
  zh: weighted(SOURCE_WEIGHTS.zh),
  en: weighted(SOURCE_WEIGHTS.en),
};

const ACTIVITY_TYPE = weighted<ActivityType>({
  email: 30,
  call: 25,
  meeting: 12,
  note: 10,
  chat: 10,
  web_visit: 8,
  sms: 5,
});

/** How often an activity of each type is outbound (the rest inbound); notes are internal, web visits inbound. */
const OUTBOUND_SHARE: Readonly<Record<ActivityType, number>> = {
  email: 0.6,
  call: 0.7,
  meeting: 0.8,
  note: 0,
  chat: 0.5,
  web_visit: 0,
  sms: 0.85,
};

/** Score ranges by status: qualified leads score high, disqualified ones low. Converted: 65–100. */
const LEAD_SCORES: Readonly<Record<Exclude<LeadStatus, 'converted'>, readonly [number, number]>> = {
  new: [0, 40],
  working: [20, 70],
  qualified: [55, 95],
  disqualified: [0, 30],
};
const TASK_STATUS = weighted<TaskStatus>({ open: 55, done: 38, cancelled: 7 });
const OPEN_TASK_TIMING = weighted({ overdue: 35, soon: 40, later: 25 });
const TASK_TYPE = weighted<TaskType>({ call: 25, email: 20, meeting: 15, follow_up: 30, todo: 10 });
const CONTACTS_PER_ORGANISATION = weighted({ '1': 45, '2': 35, '3': 20 });

/** State shared by the phases of one generation run. */
interface Run {
  /** The instant the data is generated at, in ms, on a whole minute. */
  readonly now: number;
  /** `now` minus 365 days: nothing happens before it. */
  readonly start: number;
  readonly iso: (ms: number) => string;
  readonly clock: WorkClock;
  /** The last working minute before `now`. */
  readonly last: number;
  /**
   * A working minute between two instants, drawn with one number from `random` (so the draws that follow do not
   * depend on the clock), or `from` itself when no working minute lies between them.
   */
  between(random: SeededRandom, from: number, to: number): number;
}

/**
 * How busy each calendar month is (January first): the Spring Festival empties February, National Day week October;
 * quarter ends, and above all the year end, close more business.
 */
const SEASON = [1, 0.65, 1.1, 0.95, 0.95, 1.15, 0.85, 0.85, 1.1, 0.85, 1.05, 1.3];

/** A stretch of working minutes, `first` to `last`, inside one local month, weighted by how much happens in it. */
interface MonthSlice {
  readonly first: number;
  readonly last: number;
  readonly weight: number;
}

/**
 * The local months between two working minutes, each weighted by its working minutes, its season and a growth of
 * the business from 0.8 to 1.2 over the year: how many deals close, and how many leads come in, in each.
 */
function monthSlices(run: Run, first: number, last: number): MonthSlice[] {
  const { clock } = run;
  const slices: MonthSlice[] = [];
  for (let month = monthOf(clock.day(first)); ; month++) {
    const from = Math.max(first, clock.startOf(firstDayOf(month)));
    if (from > last) return slices;
    const to = Math.min(last, clock.startOf(firstDayOf(month + 1)) - 1);
    const growth = 0.8 + (0.2 * (from + to)) / (run.last + 1);
    if (from <= to) slices.push({ first: from, last: to, weight: (to - from + 1) * SEASON[month % 12]! * growth });
  }
}

/** Users and teams, plus who may be given new records. */
interface Staff {
  readonly users: DemoUser[];
  readonly teams: DemoTeam[];
  readonly languageOf: ReadonlyMap<string, DemoLanguage>;
  readonly isActive: ReadonlyMap<string, boolean>;
  /** Active users, or everyone when nobody is active. */
  readonly available: readonly string[];
  /** Who new records of a language go to: active reps of that language, else any active rep, else anyone. */
  ownerPool(language: DemoLanguage): readonly string[];
}

/** What the generator remembers about a customer beyond its record. */
interface CustomerFacts {
  readonly language: DemoLanguage;
  /** The name used in deal and task titles: the trade name of an organisation, a person's full name. */
  readonly short: string;
  /** The name deal titles use when another customer has the same short one: the trade name and industry. */
  readonly long: string;
  readonly created: number;
  readonly keyAccount: boolean;
  /** Indexes of its contacts, the primary one first. */
  readonly contacts: number[];
  /** Indexes of its deals, oldest first. */
  readonly deals: number[];
}

interface CustomerBook {
  readonly customers: DemoCustomer[];
  readonly facts: CustomerFacts[];
  readonly contacts: DemoContact[];
  readonly contactCustomer: number[];
  readonly contactCreated: number[];
}

interface DealBook {
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

interface LeadBook {
  readonly leads: DemoLead[];
  readonly language: DemoLanguage[];
  readonly created: number[];
  /** When the lead was converted; `now` otherwise. */
  readonly until: number[];
  /** Indexes of leads still being worked (not disqualified, not converted). */
  readonly open: number[];
  /** The index of the deal each lead was converted into; -1 for none. */
  readonly deal: number[];
}

/**
 * Generates a deterministic, internally consistent demo CRM: users and teams, customers (people and organisations,
 * half in English, half in Chinese) with contacts, leads, the default pipeline with deals and their stage history,
 * activities, tasks and marketing costs, all in the 12 months before `options.now`.
 *
 * The history reads like a real year in the reports: deals are won in every month of it, more in busy seasons and as
 * the business grows; every lead source has won deals and costs giving it a plausible ROI (most pay off, trade shows
 * a little less than they cost); deal titles are unique; and the users' work (activities, due dates, records they
 * enter) falls on weekdays between 09:00 and 18:00 in `options.timeZone`.
 *
 * Every record is in the parsed form of its entity's input schema (defaults filled in, emails lower-cased), plus
 * `id`, `createdAt` and `updatedAt`. Nothing is validated here, to stay fast (10 000 deals in a fraction of a second);
 * the tests parse every record. Same options → byte-identical output: no clock, no `Math.random`.
 *
 * @throws ValidationError when an option is out of range, or when deals or activities are asked for without the
 *   customers (or leads) they need.
 */
export function generateDemoData(options: DemoDataOptions = {}): DemoData {
  const checked = parseOrThrow(optionsSchema, options, 'demo data options');
  const now = Math.floor((checked.now ?? new Date(DEMO_NOW)).getTime() / MINUTE) * MINUTE;
  const start = now - 365 * DAY;
  const clock = workClock(checked.timeZone ?? DEMO_TIME_ZONE, start, now);
  const run: Run = {
    now,
    start,
    iso: isoFormatter(),
    clock,
    last: clock.index(now - MINUTE, true),
    between(random, from, to) {
      const draw = random.next();
      const first = clock.index(from);
      const last = clock.index(to, true);
      return first <= last ? clock.at(first + Math.floor(draw * (last - first + 1))) : from;
    },
  };
  const root = createRandom(checked.seed ?? 1);

  const customerCount = checked.customers ?? Math.round(60 * (checked.scale ?? 1));
  const userCount = checked.users ?? Math.min(200, Math.max(4, Math.round(customerCount / 8)));
  const teamCount = checked.teams ?? (userCount > 1 ? Math.ceil((userCount - 1) / 5) : 0);
  const leadCount = checked.leads ?? Math.round(customerCount * 1.5);
  const dealCount = checked.deals ?? Math.round((customerCount * 5) / 3);
  const activityCount = checked.activities ?? dealCount * 4;
  const taskCount = checked.tasks ?? Math.round(customerCount * 1.5);
  if (dealCount > 0 && customerCount === 0) {
    throw new ValidationError([{ path: ['deals'], message: 'Deals need at least one customer' }], 'demo data options');
  }
  if (activityCount > 0 && customerCount === 0 && leadCount === 0) {
    throw new ValidationError(
      [{ path: ['activities'], message: 'Activities need at least one customer or lead' }],
      'demo data options',
    );
  }

  // Each phase draws from its own fork, so changing one count leaves the other collections as they were.
  const staff = generateStaff(run, root.fork('users'), userCount, teamCount);
  const book = generateCustomers(run, root.fork('customers'), root.fork('contacts'), customerCount, staff);
  const dealBook = generateDeals(run, root.fork('deals'), dealCount, staff, book, leadCount);
  assignLifecycle(run, root.fork('lifecycle'), book, dealBook);
  const leadBook = generateLeads(run, root.fork('leads'), leadCount, staff, book, dealBook);
  const activities = generateActivities(run, root.fork('activities'), activityCount, book, dealBook, leadBook);
  const tasks = generateTasks(run, root.fork('tasks'), taskCount, staff, book, dealBook, leadBook);
  const costEntries = generateCosts(run, root.fork('costs'), leadBook, dealBook);
  return {
    users: staff.users,
    teams: staff.teams,
    pipelines: [demoPipeline(run.iso(run.start))],
    customers: book.customers,
    contacts: book.contacts,
    leads: leadBook.leads,
    deals: dealBook.deals,
    stageChanges: dealBook.stageChanges,
    activities,
    tasks,
    costEntries,
  };
}

/** One admin, a manager per team, the rest reps spread over the teams; teams alternate Chinese and English. */
function generateStaff(run: Run, random: SeededRandom, userCount: number, teamCount: number): Staff {
  const { iso } = run;
  const teamId = idMaker('team', teamCount);
  const userId = idMaker('usr', userCount);
  const teamLanguage = (index: number): DemoLanguage => (index % 2 === 0 ? 'zh' : 'en');
  const setupAt = iso(run.start);
  const teams: DemoTeam[] = [];
  for (let index = 0; index < teamCount; index++) {
    const names = TEAM_NAMES[teamLanguage(index)];
    const round = Math.floor(index / 2 / names.length);
    const name = names[Math.floor(index / 2) % names.length]!;
    teams.push({
      id: teamId(index),
      name: round === 0 ? name : `${name} ${round + 1}`,
      memberIds: [],
      createdAt: setupAt,
      updatedAt: setupAt,
    });
  }

  const users: DemoUser[] = [];
  const languageOf = new Map<string, DemoLanguage>();
  const isActive = new Map<string, boolean>();
  const activeUsers: string[] = [];
  const activeReps: Record<DemoLanguage, string[]> = { zh: [], en: [] };
  const usedEmails = new Set<string>();
  let repIndex = 0;
  for (let index = 0; index < userCount; index++) {
    const managerOf = index >= 1 && index <= teamCount ? index - 1 : undefined;
    const role: UserRole = index === 0 ? 'admin' : managerOf !== undefined ? 'manager' : 'rep';
    const team = role === 'rep' && teamCount > 0 ? repIndex % teamCount : managerOf;
    const language = team === undefined ? random.pick(['zh', 'en'] as const) : teamLanguage(team);
    const person = personName(random, language);
    const local = `${person.latinGiven}.${person.latinFamily}`;
    let email = `${local}@crmkit-demo.example`;
    for (let n = 2; usedEmails.has(email); n++) email = `${local}${n}@crmkit-demo.example`;
    usedEmails.add(email);
    // Every fifth rep has left: their records stay theirs, but assignment skips them.
    const active = role !== 'rep' || repIndex % 5 !== 4;
    // The CRM is set up on the first working day: its users first, then the customers already on the books.
    const created = index === 0 ? run.start : run.between(random, run.start, run.clock.at(WORKING_DAY - 1));
    const user: DemoUser = {
      id: userId(index),
      name: person.name,
      email,
      role,
      active,
      locale: language === 'zh' ? 'zh-CN' : 'en-US',
      createdAt: iso(created),
      updatedAt: iso(active ? created : run.between(random, run.now - 120 * DAY, run.now - 30 * DAY)),
    };
    if (team !== undefined) {
      user.teamId = teams[team]!.id;
      teams[team]!.memberIds.push(user.id);
      if (managerOf !== undefined) teams[team]!.managerId = user.id;
    }
    if (role === 'rep') user.capacity = random.int(4, 12) * 5;
    else if (role === 'manager') user.capacity = random.int(2, 4) * 5;
    users.push(user);
    languageOf.set(user.id, language);
    isActive.set(user.id, active);
    if (active) activeUsers.push(user.id);
    if (active && role === 'rep') activeReps[language].push(user.id);
    if (role === 'rep') repIndex++;
  }
  const available = activeUsers.length > 0 ? activeUsers : users.map((user) => user.id);
  return {
    users,
    teams,
    languageOf,
    isActive,
    available,
    ownerPool(language) {
      const own = activeReps[language];
      if (own.length > 0) return own;
      const other = activeReps[language === 'zh' ? 'en' : 'zh'];
      return other.length > 0 ? other : available;
    },
  };
}

/** The share of customers already on the books when the CRM was set up, entered in its first week of use. */
const IMPORTED = 0.3;
/** Working days: the imported customers are entered from the 2nd to the 6th, the rest come after. */
const IMPORT_FROM = 1;
const IMPORT_TO = 6;

/**
 * When a customer was created, from a uniform draw, in an order-keeping way: the imported book during the first
 * working week, then new customers up to two days before `now` at a pace growing by half over the year.
 */
function customerCreated(run: Run, draw: number): number {
  const { clock } = run;
  const importFrom = IMPORT_FROM * WORKING_DAY;
  const importTo = IMPORT_TO * WORKING_DAY;
  if (draw < IMPORTED) return clock.at(Math.floor(importFrom + (draw / IMPORTED) * (importTo - importFrom)));
  // The inverse of F(x) = 0.8x + 0.2x², the share of new customers by x of the way: a density from 0.8 to 1.2.
  const share = (draw - IMPORTED) / (1 - IMPORTED);
  const x = (Math.sqrt(0.64 + 0.8 * share) - 0.8) / 0.4;
  const last = clock.index(run.now - 2 * DAY, true);
  return clock.at(Math.floor(importTo + x * (last - importTo)));
}

/** Customers in creation order, half Chinese and half English, ~40 % people; organisations get 1–3 contacts. */
function generateCustomers(
  run: Run,
  random: SeededRandom,
  contactRandom: SeededRandom,
  count: number,
  staff: Staff,
): CustomerBook {
  const { iso } = run;
  const r = random;
  const customerId = idMaker('cus', count);
  const created = Array.from({ length: count }, () => customerCreated(run, r.next())).sort((a, b) => a - b);
  const customers: DemoCustomer[] = [];
  const facts: CustomerFacts[] = [];
  const contactDrafts: { customer: number; person: PersonName; domain: string; city: DemoCity }[] = [];
  const usedOrganisations = new Set<string>();
  for (let index = 0; index < count; index++) {
    const language: DemoLanguage = r.chance(0.5) ? 'zh' : 'en';
    const city =
      language === 'zh'
        ? r.chance(0.88)
          ? r.pick(CN_CITIES)
          : r.pick(ZH_OTHER_CITIES)
        : r.chance(0.6)
          ? r.pick(US_CITIES)
          : r.pick(EN_OTHER_CITIES);
    const isPerson = r.chance(0.4);
    const at = created[index]!;
    const source = SOURCES[language](r);
    const keyAccount = !isPerson && r.chance(0.2);
    const tags: string[] = [];
    if (r.chance(0.12)) tags.push('vip');
    if (keyAccount) tags.push('key_account');
    if (!isPerson) tags.push(r.chance(0.3) ? 'enterprise' : 'smb');
    if (source === 'referral' && r.chance(0.3)) tags.push('partner');
    if (r.chance(0.3)) tags.push('newsletter');
    const customer: DemoCustomer = {
      id: customerId(index),
      kind: isPerson ? 'person' : 'organisation',
      name: '',
      emails: [],
      phones: [],
      source,
      ownerId: r.pick(staff.ownerPool(language)),
      tags,
      // Set by assignLifecycle once the deals are known.
      lifecycleStage: 'subscriber',
      country: city.country,
      customFields: {},
      createdAt: iso(at),
      updatedAt: iso(run.between(r, at, run.now)),
    };
    const address: NonNullable<DemoCustomer['address']> = { city: city.city };
    if (city.region) address.region = city.region;
    address.country = city.country;
    let short: string;
    let long: string;
    if (isPerson) {
      const person = personName(r, language);
      customer.name = person.name;
      customer.givenName = person.givenName;
      customer.familyName = person.familyName;
      customer.emails.push(
        language === 'zh' && r.chance(0.3)
          ? `${r.int(10_000_000, 2_999_999_999)}@${r.pick(PERSONAL_EMAIL_DOMAINS)}`
          : `${person.latinGiven}.${person.latinFamily}${r.int(1, 99)}@${r.pick(PERSONAL_EMAIL_DOMAINS)}`,
      );
      customer.phones.push(mobilePhone(r, city));
      if (r.chance(0.5)) customer.company = organisationName(r, language, city).name;
      short = long = person.name;
    } else {
      let organisation = organisationName(r, language, city);
      // A few retries keep names unique in small data sets; huge ones may repeat, as real data does.
      for (let attempt = 0; attempt < 5 && usedOrganisations.has(organisation.name); attempt++) {
        organisation = organisationName(r, language, city);
      }
      usedOrganisations.add(organisation.name);
      customer.name = organisation.name;
      customer.company = organisation.name;
      customer.website = `https://www.${organisation.domain}`;
      customer.emails.push(`${language === 'zh' ? 'info' : 'sales'}@${organisation.domain}`);
      customer.phones.push(officePhone(r, city));
      address.line1 =
        language === 'zh' ? `${r.pick(ZH_STREETS)}${r.int(1, 999)}号` : `${r.int(1, 2999)} ${r.pick(EN_STREETS)}`;
      ({ short, long } = organisation);
      const contacts = Number(CONTACTS_PER_ORGANISATION(r));
      for (let n = 0; n < contacts; n++) {
        contactDrafts.push({ customer: index, person: personName(r, language), domain: organisation.domain, city });
      }
    }
    customer.address = address;
    customers.push(customer);
    facts.push({ language, short, long, created: at, keyAccount, contacts: [], deals: [] });
  }

  const contactId = idMaker('con', contactDrafts.length);
  const contactCustomer: number[] = [];
  const contactCreated: number[] = [];
  const contacts = contactDrafts.map((draft, index): DemoContact => {
    const owner = facts[draft.customer]!;
    const at = run.between(contactRandom, owner.created, Math.min(owner.created + 3 * DAY, run.now - DAY));
    contactCustomer.push(draft.customer);
    contactCreated.push(at);
    const primary = owner.contacts.length === 0;
    owner.contacts.push(index);
    return {
      id: contactId(index),
      customerId: customers[draft.customer]!.id,
      name: draft.person.name,
      givenName: draft.person.givenName,
      familyName: draft.person.familyName,
      title: contactRandom.pick(CONTACT_TITLES[owner.language]),
      emails: [workEmail(draft.person, owner.language, draft.domain)],
      phones: [mobilePhone(contactRandom, draft.city)],
      primary,
      customFields: {},
      createdAt: iso(at),
      updatedAt: iso(run.between(contactRandom, at, run.now)),
    };
  });
  return { customers, facts, contacts, contactCustomer, contactCreated };
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
 * `total` things spread over weighted slices: one each when there are enough, the rest in proportion to the weights
 * (systematic sampling, so no slice gets much more or less than its share).
 */
function spread(random: SeededRandom, total: number, slices: readonly { readonly weight: number }[]): number[] {
  const counts = slices.map(() => (total >= slices.length ? 1 : 0));
  const rest = total >= slices.length ? total - slices.length : total;
  const step = slices.reduce((sum, slice) => sum + slice.weight, 0) / rest;
  let edge = slices[0]?.weight ?? 0;
  let slice = 0;
  for (let n = 0, target = random.next() * step; n < rest; n++, target += step) {
    while (target >= edge && slice < slices.length - 1) edge += slices[++slice]!.weight;
    counts[slice]!++;
  }
  return counts;
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
function generateDeals(
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
  result.converted.push(...converted);
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
function assignLifecycle(run: Run, random: SeededRandom, book: CustomerBook, dealBook: DealBook): void {
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

/** The status of a lead that was not converted, by its age in days: recent ones are new, old ones were decided. */
const LEAD_STATUS = [
  [14, weighted({ new: 60, working: 30, disqualified: 10 })],
  [60, weighted({ new: 5, working: 45, qualified: 25, disqualified: 25 })],
  [Infinity, weighted({ working: 20, qualified: 30, disqualified: 50 })],
] as const;

/**
 * Leads in creation order. About 30 % were converted, each into a distinct customer (and its first deal) that came
 * after the set-up week, up to 30 days before that customer was created; the rest came in over the whole year, more in
 * busy months, and are new (recent), being worked, qualified or disqualified.
 */
function generateLeads(
  run: Run,
  random: SeededRandom,
  count: number,
  staff: Staff,
  book: CustomerBook,
  dealBook: DealBook,
): LeadBook {
  const { iso } = run;
  const r = random;
  const slices = monthSlices(run, 0, run.last);
  const converted = dealBook.converted.length;
  const perSlice = spread(r, count - converted, slices);
  let slice = 0;
  const drafts = Array.from({ length: count }, (_, index) => {
    const customer = dealBook.converted[index];
    if (customer !== undefined) {
      const became = book.facts[customer]!.created;
      const created = run.between(r, Math.max(run.start, became - 30 * DAY), became - MINUTE);
      return { status: 'converted' as LeadStatus, customer, created, until: became };
    }
    while (perSlice[slice] === 0) slice++;
    perSlice[slice]!--;
    const created = run.clock.at(r.int(slices[slice]!.first, slices[slice]!.last));
    const status: LeadStatus = LEAD_STATUS.find(([days]) => run.now - created < days * DAY)![1](r);
    return { status, customer: -1, created, until: run.now };
  }).sort((a, b) => a.created - b.created);

  const leadId = idMaker('led', count);
  const result: LeadBook = { leads: [], language: [], created: [], until: [], open: [], deal: [] };
  drafts.forEach((draft, index) => {
    const { status, created } = draft;
    let language: DemoLanguage;
    const lead: DemoLead = {
      id: leadId(index),
      name: '',
      status,
      score: 0,
      customFields: {},
      createdAt: iso(created),
      updatedAt: iso(created),
    };
    if (draft.customer >= 0) {
      // The lead as captured: the person (an organisation's primary contact) who became the customer.
      const customer = book.customers[draft.customer]!;
      const facts = book.facts[draft.customer]!;
      language = facts.language;
      const contact = facts.contacts.length > 0 ? book.contacts[facts.contacts[0]!] : undefined;
      lead.name = contact?.name ?? customer.name;
      if (customer.company) lead.company = customer.company;
      const email = contact?.emails[0] ?? customer.emails[0];
      if (email) lead.email = email;
      const phone = contact?.phones[0] ?? customer.phones[0];
      if (phone) lead.phone = phone;
      if (customer.source) lead.source = customer.source;
      lead.score = r.int(65, 100);
      if (customer.ownerId) lead.ownerId = customer.ownerId;
      lead.convertedCustomerId = customer.id;
      const firstDeal = facts.deals[0];
      if (firstDeal !== undefined) lead.convertedDealId = dealBook.deals[firstDeal]!.id;
      result.deal.push(firstDeal ?? -1);
      lead.updatedAt = iso(draft.until);
    } else {
      language = r.chance(0.5) ? 'zh' : 'en';
      const city = language === 'zh' ? r.pick(CN_CITIES) : r.chance(0.7) ? r.pick(US_CITIES) : r.pick(EN_OTHER_CITIES);
      const person = personName(r, language);
      lead.name = person.name;
      const organisation = r.chance(0.7) ? organisationName(r, language, city) : undefined;
      if (organisation) lead.company = organisation.name;
      if (r.chance(0.85)) {
        lead.email = organisation
          ? workEmail(person, language, organisation.domain)
          : `${person.latinGiven}.${person.latinFamily}${r.int(1, 99)}@${r.pick(PERSONAL_EMAIL_DOMAINS)}`;
      }
      if (r.chance(0.6)) lead.phone = mobilePhone(r, city);
      lead.source = SOURCES[language](r);
      const [low, high] = LEAD_SCORES[status as Exclude<LeadStatus, 'converted'>];
      lead.score = r.int(low, high);
      // Some new leads still wait for assignment.
      if (status !== 'new' || r.chance(0.6)) lead.ownerId = r.pick(staff.ownerPool(language));
      if (status === 'disqualified') lead.disqualifyReason = r.pick(DISQUALIFY_REASONS[language]);
      else result.open.push(index);
      result.deal.push(-1);
      if (status !== 'new') lead.updatedAt = iso(run.between(r, created, run.now));
    }
    const campaigns = lead.source ? CAMPAIGNS[language][lead.source] : undefined;
    if (campaigns && r.chance(0.7)) lead.campaign = r.pick(campaigns);
    result.leads.push(lead);
    result.language.push(language);
    result.created.push(created);
    result.until.push(draft.until);
  });
  return result;
}

/**
 * Activities in time order: most on a deal (and its customer, often with a contact), some on a customer alone, some
 * on a lead while it was a lead. Each falls within the life of what it is about.
 */
function generateActivities(
  run: Run,
  random: SeededRandom,
  count: number,
  book: CustomerBook,
  dealBook: DealBook,
  leadBook: LeadBook,
): DemoActivity[] {
  const r = random;
  const dealCount = dealBook.deals.length;
  const customerCount = book.customers.length;
  const leadCount = leadBook.leads.length;
  const link = weighted({
    deal: dealCount > 0 ? 60 : 0,
    customer: customerCount > 0 ? 25 : 0,
    lead: leadCount > 0 ? 15 : 0,
  });
  const drafts: { at: number; activity: DemoActivity }[] = [];
  for (let index = 0; index < count; index++) {
    const type = ACTIVITY_TYPE(r);
    const about = link(r);
    const activity: DemoActivity = {
      id: '',
      type,
      direction: type === 'note' ? 'internal' : r.chance(OUTBOUND_SHARE[type]) ? 'outbound' : 'inbound',
      occurredAt: '',
      customFields: {},
      createdAt: '',
      updatedAt: '',
    };
    let from: number;
    let to: number;
    let language: DemoLanguage;
    let ownerId: string | undefined;
    if (about === 'lead') {
      const leadIndex = r.int(0, leadCount - 1);
      const lead = leadBook.leads[leadIndex]!;
      activity.leadId = lead.id;
      language = leadBook.language[leadIndex]!;
      from = leadBook.created[leadIndex]!;
      to = leadBook.until[leadIndex]!;
      ownerId = lead.ownerId;
    } else {
      let customerIndex: number;
      if (about === 'deal') {
        const dealIndex = r.int(0, dealCount - 1);
        const deal = dealBook.deals[dealIndex]!;
        customerIndex = dealBook.customer[dealIndex]!;
        activity.dealId = deal.id;
        from = dealBook.created[dealIndex]!;
        to = dealBook.until[dealIndex]!;
        ownerId = deal.ownerId;
      } else {
        customerIndex = r.int(0, customerCount - 1);
        from = book.facts[customerIndex]!.created;
        to = run.now;
        ownerId = book.customers[customerIndex]!.ownerId;
      }
      const facts = book.facts[customerIndex]!;
      language = facts.language;
      activity.customerId = book.customers[customerIndex]!.id;
      if (facts.contacts.length > 0 && type !== 'note' && type !== 'web_visit' && r.chance(0.7)) {
        // A contact can only take part once it exists.
        const contactIndex = r.pick(facts.contacts);
        activity.contactId = book.contacts[contactIndex]!.id;
        from = Math.max(from, book.contactCreated[contactIndex]!);
      }
    }
    const channel = activityChannel(r, type, language);
    if (channel) activity.channel = channel;
    const subject = r.pick(ACTIVITY_SUBJECTS[language][type]!);
    activity.subject = subject;
    if (type === 'email' || type === 'note' || type === 'meeting') {
      activity.body = fill(r.pick(ACTIVITY_BODIES[language]), subject);
    }
    if (type === 'call') activity.durationMinutes = r.int(2, 45);
    else if (type === 'meeting') activity.durationMinutes = r.int(2, 8) * 15;
    // Web visits are captured, not had by a user.
    if (type !== 'web_visit' && ownerId) activity.ownerId = ownerId;
    const at = run.between(r, from, to);
    activity.occurredAt = activity.createdAt = activity.updatedAt = run.iso(at);
    drafts.push({ at, activity });
  }
  // Ids follow time, so a timeline in id order is a timeline in time order.
  drafts.sort((a, b) => a.at - b.at);
  const activityId = idMaker('act', count);
  return drafts.map(({ activity }, index) => {
    activity.id = activityId(index);
    return activity;
  });
}

/**
 * Tasks in creation order: open ones (some overdue, some due within a week, some later) only on open deals and
 * leads, assigned to active users; done ones with `completedAt`; a few cancelled; some personal weekly to-dos.
 */
function generateTasks(
  run: Run,
  random: SeededRandom,
  count: number,
  staff: Staff,
  book: CustomerBook,
  dealBook: DealBook,
  leadBook: LeadBook,
): DemoTask[] {
  const { iso, now, between } = run;
  const r = random;
  const { customers, contacts, facts } = book;
  const relatedFor = (open: boolean) =>
    weighted<TaskRelatedKind | 'none'>({
      deal: (open ? dealBook.open : dealBook.deals).length > 0 ? 45 : 0,
      customer: customers.length > 0 ? 20 : 0,
      lead: (open ? leadBook.open : leadBook.leads).length > 0 ? 15 : 0,
      contact: contacts.length > 0 ? 5 : 0,
      none: 15,
    });
  const relatedOpen = relatedFor(true);
  const relatedAny = relatedFor(false);
  const drafts: { created: number; task: DemoTask }[] = [];
  for (let index = 0; index < count; index++) {
    const status = TASK_STATUS(r);
    const kind = (status === 'open' ? relatedOpen : relatedAny)(r);
    let type = TASK_TYPE(r);
    let from = run.start;
    let name = '';
    let language: DemoLanguage | undefined;
    let ownerId: string | undefined;
    let related: DemoTask['related'];
    if (kind === 'deal') {
      const dealIndex = status === 'open' ? r.pick(dealBook.open) : r.int(0, dealBook.deals.length - 1);
      const deal = dealBook.deals[dealIndex]!;
      related = { kind, id: deal.id };
      from = dealBook.created[dealIndex]!;
      ({ language, short: name } = facts[dealBook.customer[dealIndex]!]!);
      ownerId = deal.ownerId;
    } else if (kind === 'customer') {
      const customerIndex = r.int(0, customers.length - 1);
      const customer = customers[customerIndex]!;
      related = { kind, id: customer.id };
      ({ language, created: from } = facts[customerIndex]!);
      name = customer.name;
      ownerId = customer.ownerId;
    } else if (kind === 'lead') {
      const leadIndex = status === 'open' ? r.pick(leadBook.open) : r.int(0, leadBook.leads.length - 1);
      const lead = leadBook.leads[leadIndex]!;
      related = { kind, id: lead.id };
      language = leadBook.language[leadIndex]!;
      from = leadBook.created[leadIndex]!;
      name = lead.name;
      ownerId = lead.ownerId;
    } else if (kind === 'contact') {
      const contactIndex = r.int(0, contacts.length - 1);
      const contact = contacts[contactIndex]!;
      const customerIndex = book.contactCustomer[contactIndex]!;
      related = { kind, id: contact.id };
      from = book.contactCreated[contactIndex]!;
      language = facts[customerIndex]!.language;
      name = contact.name;
      ownerId = customers[customerIndex]!.ownerId;
    } else {
      type = 'todo';
    }
    // Open work goes to someone who is still here.
    const assigneeId =
      ownerId && (status !== 'open' || staff.isActive.get(ownerId)) ? ownerId : r.pick(staff.available);
    language ??= staff.languageOf.get(assigneeId) ?? 'en';
    const created = between(r, from, now - HOUR);
    let due: number;
    let completed: number | undefined;
    if (status === 'open') {
      const timing = OPEN_TASK_TIMING(r);
      if (timing === 'overdue') {
        due = between(r, created, now - 30 * MINUTE);
      } else {
        const [soonest, latest] = timing === 'soon' ? [HOUR, 7 * DAY] : [8 * DAY, 60 * DAY];
        due = between(r, now + soonest, now + latest);
      }
    } else {
      due = between(r, created, created + 14 * DAY);
      if (status === 'done') completed = between(r, created, Math.min(now, due + 2 * DAY));
    }
    const task: DemoTask = {
      id: '',
      title: related ? fill(TASK_TITLES[language][type]!, name) : r.pick(PERSONAL_TODOS[language]),
      type,
      dueAt: iso(due),
      reminders: taskReminders(r),
      timeZone: run.clock.timeZone,
      status,
      assigneeId,
      customFields: {},
      createdAt: iso(created),
      updatedAt: iso(completed ?? (status === 'cancelled' ? between(r, created, now) : created)),
    };
    if (completed !== undefined) task.completedAt = iso(completed);
    if (related) task.related = related;
    else if (r.chance(0.5)) task.recurrence = { every: 1, unit: 'week' };
    drafts.push({ created, task });
  }
  drafts.sort((a, b) => a.created - b.created);
  const taskId = idMaker('tsk', count);
  return drafts.map(({ task }, index) => {
    task.id = taskId(index);
    return task;
  });
}

/** The concrete tool of an activity: WeChat in China, WhatsApp or Zoom elsewhere. */
function activityChannel(random: SeededRandom, type: ActivityType, language: DemoLanguage): string | undefined {
  switch (type) {
    case 'email':
      return 'email';
    case 'call':
      return 'phone';
    case 'meeting':
      return random.chance(0.5) ? 'in_person' : language === 'zh' ? 'tencent_meeting' : 'zoom';
    case 'chat':
      return language === 'zh' ? 'wechat' : random.chance(0.6) ? 'whatsapp' : 'slack';
    case 'web_visit':
      return 'website';
    case 'sms':
      return 'sms';
    default:
      return undefined;
  }
}

const REMINDERS: readonly (readonly Reminder[])[] = [
  [{ minutesBefore: 15 }],
  [{ minutesBefore: 60 }],
  [{ minutesBefore: 1440 }],
  [{ minutesBefore: 1440 }, { minutesBefore: 15 }],
  [],
];

/** A fresh copy of a typical reminder set, so no two tasks share (and could co-mutate) one array. */
function taskReminders(random: SeededRandom): Reminder[] {
  return random.pick(REMINDERS).map((reminder) => ({ ...reminder }));
}

/** The ROI of each lead source over the year, drawn from its range: referrals pay best, trade shows do not pay off. */
const SOURCE_ROI: Readonly<Record<string, readonly [number, number]>> = {
  referral: [2.5, 4.5],
  website: [1.2, 2.2],
  wechat: [0.8, 1.6],
  cold_call: [0.3, 0.8],
  ads: [0, 0.3],
  trade_show: [-0.25, -0.05],
};

/**
 * Marketing spend: a cost entry per lead source, currency and local month of the last 365 days, in whole yuan or
 * dollars. Each source costs what gives it its ROI over the year (drawn from {@link SOURCE_ROI}), in each currency
 * its converted leads won revenue in, so the ROI holds at any exchange rate; a month's share follows how many of the
 * source's leads came in then. A source whose leads won nothing costs ¥300 a lead, and shows it: −100 %.
 */
function generateCosts(run: Run, random: SeededRandom, leadBook: LeadBook, dealBook: DealBook): DemoCostEntry[] {
  const { clock } = run;
  const months: (readonly [from: number, to: number])[] = [];
  for (let day = clock.today - 364; day <= clock.today;) {
    const next = firstDayOf(monthOf(day) + 1);
    months.push([day, Math.min(next - 1, clock.today)]);
    day = next;
  }
  const sources = new Map<string, { leads: number[]; won: Map<string, number> }>();
  leadBook.leads.forEach((lead, index) => {
    if (!lead.source) return;
    let source = sources.get(lead.source);
    if (!source) sources.set(lead.source, (source = { leads: months.map(() => 0.5), won: new Map() }));
    const day = clock.day(clock.index(leadBook.created[index]!));
    const month = months.findIndex(([from, to]) => day >= from && day <= to);
    if (month >= 0) source.leads[month]!++;
    const deal = dealBook.deals[leadBook.deal[index]!];
    if (deal?.status === 'won') {
      const { currency, amountMinor } = deal.amount;
      source.won.set(currency, (source.won.get(currency) ?? 0) + amountMinor);
    }
  });
  const spend = [...sources.keys()].sort().map((source) => {
    const { leads, won } = sources.get(source)!;
    const [low, high] = SOURCE_ROI[source] ?? [0.3, 1];
    const roi = random.between(low, high);
    const total = leads.reduce((sum, n) => sum + n, 0);
    const amounts =
      won.size > 0
        ? [...won].sort().map(([currency, amount]) => [currency, amount / (1 + roi)] as const)
        : ([['CNY', Math.round(total - months.length / 2) * 30_000]] as const);
    return { source, leads, total, amounts };
  });
  const entries: Omit<DemoCostEntry, 'id'>[] = [];
  months.forEach(([from, to], month) => {
    const at = run.iso(clock.at(Math.min(clock.startOf(from), run.last)));
    for (const { source, leads, total, amounts } of spend) {
      for (const [currency, amount] of amounts) {
        const amountMinor = Math.round((amount * leads[month]!) / total / 100) * 100;
        if (amountMinor === 0) continue;
        entries.push({
          source,
          from: dateOf(from),
          to: dateOf(to),
          amount: { amountMinor, currency },
          createdAt: at,
          updatedAt: at,
        });
      }
    }
  });
  const costId = idMaker('cst', entries.length);
  return entries.map((entry, index) => ({ id: costId(index), ...entry }));
}
