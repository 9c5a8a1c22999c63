import * as z from 'zod/mini';
import { DEFAULT_PIPELINE } from '../funnel/pipeline.js';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { CrmCollection } from '../crm/collections.js';
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
] as const satisfies readonly (keyof DemoData & CrmCollection)[];
export type DemoCollection = (typeof DEMO_COLLECTIONS)[number];

/** The default `now` of {@link generateDemoData}: fixed, so output never depends on the system clock. */
export const DEMO_NOW = '2026-06-30T00:00:00.000Z';

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
  /** Default `1.5 × customers`; about 15 % converted (at most one per customer). */
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

/** A minute-aligned offset from `from`, at most `to` (or `from` when the range is empty). */
function timeBetween(random: SeededRandom, from: number, to: number): number {
  if (to <= from) return from;
  return from + Math.floor((random.next() * (to - from)) / MINUTE) * MINUTE;
}

/** The same UTC day at a working hour of the language's region (09:00–18:00 in Shanghai or US Central), if in range. */
function officeHours(random: SeededRandom, at: number, language: DemoLanguage, from: number, to: number): number {
  const day = at - (at % DAY);
  const shifted = day + (language === 'zh' ? HOUR : 14 * HOUR) + random.int(0, 9 * 60 - 1) * MINUTE;
  return shifted >= from && shifted <= to ? shifted : at;
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

/** An organisation's name, the short name used in deal titles, and its (reserved) domain. */
interface OrganisationName {
  readonly name: string;
  readonly short: string;
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
      domain: `${trade.latin}-${industry.latin}.example`,
    };
  }
  const trade = random.pick(EN_TRADE_NAMES);
  const industry = random.pick(EN_INDUSTRIES);
  const form = random.pick(EN_LEGAL_FORMS[city.country] ?? ['Ltd.']);
  const slug = `${trade}-${industry}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return { name: `${trade} ${industry} ${form}`, short: trade, domain: `${slug}.example` };
}

/** The lead and customer sources, weighted per language (WeChat is a Chinese channel). */
const SOURCES: Readonly<Record<DemoLanguage, (random: SeededRandom) => string>> = {
  zh: weighted({ website: 20, referral: 20, trade_show: 12, wechat: 28, cold_call: 10, ads: 10 }),
  en: weighted({ website: 30, referral: 22, trade_show: 15, cold_call: 15, ads: 18 }),
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

const LEAD_STATUS = weighted<Exclude<LeadStatus, 'converted'>>({
  new: 25,
  working: 30,
  qualified: 20,
  disqualified: 25,
});
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
}

interface LeadBook {
  readonly leads: DemoLead[];
  readonly language: DemoLanguage[];
  readonly created: number[];
  /** When the lead was converted; `now` otherwise. */
  readonly until: number[];
  /** Indexes of leads still being worked (not disqualified, not converted). */
  readonly open: number[];
}

/**
 * Generates a deterministic, internally consistent demo CRM: users and teams, customers (people and organisations,
 * half in English, half in Chinese) with contacts, leads, the default pipeline with deals and their stage history,
 * activities and tasks, all in the 12 months before `options.now`.
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
  const run: Run = { now, start: now - 365 * DAY, iso: isoFormatter() };
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
  const dealBook = generateDeals(run, root.fork('deals'), dealCount, staff, book);
  assignLifecycle(run, root.fork('lifecycle'), book, dealBook);
  const leadBook = generateLeads(run, root.fork('leads'), leadCount, staff, book, dealBook);
  const activities = generateActivities(run, root.fork('activities'), activityCount, book, dealBook, leadBook);
  const tasks = generateTasks(run, root.fork('tasks'), taskCount, staff, book, dealBook, leadBook);
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
    const created = index === 0 ? run.start : timeBetween(random, run.start, run.start + 7 * DAY);
    const user: DemoUser = {
      id: userId(index),
      name: person.name,
      email,
      role,
      active,
      locale: language === 'zh' ? 'zh-CN' : 'en-US',
      createdAt: iso(created),
      updatedAt: iso(active ? created : timeBetween(random, run.now - 120 * DAY, run.now - 30 * DAY)),
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
  // Two weeks of setup first, and nobody brand new: every customer has had time for a deal.
  const created = Array.from({ length: count }, () => timeBetween(r, run.start + 14 * DAY, run.now - 2 * DAY)).sort(
    (a, b) => a - b,
  );
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
      updatedAt: iso(timeBetween(r, at, run.now)),
    };
    const address: NonNullable<DemoCustomer['address']> = { city: city.city };
    if (city.region) address.region = city.region;
    address.country = city.country;
    let short: string;
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
      short = person.name;
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
      short = organisation.short;
      const contacts = Number(CONTACTS_PER_ORGANISATION(r));
      for (let n = 0; n < contacts; n++) {
        contactDrafts.push({ customer: index, person: personName(r, language), domain: organisation.domain, city });
      }
    }
    customer.address = address;
    customers.push(customer);
    facts.push({ language, short, created: at, keyAccount, contacts: [], deals: [] });
  }

  const contactId = idMaker('con', contactDrafts.length);
  const contactCustomer: number[] = [];
  const contactCreated: number[] = [];
  const contacts = contactDrafts.map((draft, index): DemoContact => {
    const owner = facts[draft.customer]!;
    const at = timeBetween(contactRandom, owner.created, Math.min(owner.created + 3 * DAY, run.now - DAY));
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
      updatedAt: iso(timeBetween(contactRandom, at, run.now)),
    };
  });
  return { customers, facts, contacts, contactCustomer, contactCreated };
}

/**
 * Deals in creation order over the default pipeline, each with the stage changes that brought it to its stage: it
 * enters `opportunity` at creation, then moves forward in funnel order; won and lost deals are closed.
 */
function generateDeals(run: Run, random: SeededRandom, count: number, staff: Staff, book: CustomerBook): DealBook {
  const { iso } = run;
  const r = random;
  const dealId = idMaker('del', count);
  const drafts = Array.from({ length: count }, () => {
    const customer = r.int(0, book.customers.length - 1);
    return { customer, created: timeBetween(r, book.facts[customer]!.created, run.now - HOUR) };
  }).sort((a, b) => a.created - b.created);
  const result: DealBook = { deals: [], stageChanges: [], customer: [], created: [], until: [], open: [] };
  for (let index = 0; index < count; index++) {
    const { customer: customerIndex, created } = drafts[index]!;
    const customer = book.customers[customerIndex]!;
    const facts = book.facts[customerIndex]!;
    facts.deals.push(index);
    const language = facts.language;
    const ownerId = r.chance(0.8) ? customer.ownerId! : r.pick(staff.ownerPool(language));

    // Older deals are more likely closed; about 45 % of closed deals are won.
    const path: string[] = ['opportunity'];
    if (r.chance(Math.min(0.85, (run.now - created) / DAY / 150))) {
      if (r.chance(0.45)) path.push('proposal', 'won');
      else path.push(...(r.chance(0.5) ? ['proposal', 'lost'] : ['lost']));
    } else if (r.chance(0.4)) {
      path.push('proposal');
    }
    // The first entry is at creation, the rest in order within ~6 months, strictly increasing, never after `now`.
    const times = [created];
    const horizon = Math.min(run.now - MINUTE, created + 180 * DAY);
    const later = Array.from({ length: path.length - 1 }, () => timeBetween(r, created, horizon)).sort((a, b) => a - b);
    for (const at of later) times.push(Math.max(at, times[times.length - 1]! + MINUTE));
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
    const lastAt = times[times.length - 1]!;
    const currency = customer.country === 'CN' ? 'CNY' : 'USD';
    // Log-uniform amounts, in whole thousands of yuan or hundreds of dollars, stored in minor units.
    const [low, high, unit] = currency === 'CNY' ? [20_000, 2_000_000, 1_000] : [3_000, 300_000, 100];
    const major = Math.exp(r.between(Math.log(low), Math.log(high))) * (facts.keyAccount ? 2.5 : 1);
    const deal: DemoDeal = {
      id,
      title: fill(r.pick(DEAL_TITLES[language]), facts.short),
      customerId: customer.id,
      pipelineId: DEMO_PIPELINE_ID,
      stageId,
      amount: { amountMinor: Math.max(1, Math.round(major / unit)) * unit * 100, currency },
      ownerId,
      status: stageId === 'won' ? 'won' : stageId === 'lost' ? 'lost' : 'open',
      stageEnteredAt: iso(lastAt),
      customFields: {},
      createdAt: iso(created),
      updatedAt: iso(lastAt),
    };
    if (customer.source) deal.source = customer.source;
    if (deal.status === 'open') {
      // Some expected close dates have passed already: overdue deals are part of any real pipeline.
      deal.expectedCloseDate = iso(Math.max(created, run.now + r.int(-14, 120) * DAY)).slice(0, 10);
      result.open.push(index);
    } else {
      deal.closedAt = iso(lastAt);
      deal.expectedCloseDate = deal.closedAt.slice(0, 10);
      if (deal.status === 'lost') deal.lostReason = r.pick(LOST_REASONS[language]);
    }
    result.deals.push(deal);
    result.customer.push(customerIndex);
    result.created.push(created);
    result.until.push(deal.status === 'open' ? run.now : lastAt);
  }
  const stageChangeId = idMaker('stc', result.stageChanges.length);
  result.stageChanges.forEach((change, index) => (change.id = stageChangeId(index)));
  return result;
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

/**
 * Leads in creation order. About 15 % were converted, each into a distinct customer (and its first deal), before
 * that customer was created; the rest are new (recent), being worked, qualified or disqualified.
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
  const customerCount = book.customers.length;
  // A partial Fisher-Yates shuffle picks which customers came from a lead.
  const convertedCount = Math.min(Math.round(count * 0.15), customerCount);
  const order = Array.from({ length: customerCount }, (_, index) => index);
  for (let index = 0; index < convertedCount; index++) {
    const other = r.int(index, customerCount - 1);
    [order[index], order[other]] = [order[other]!, order[index]!];
  }
  const drafts = Array.from({ length: count }, (_, index) => {
    if (index < convertedCount) {
      const customer = order[index]!;
      const became = book.facts[customer]!.created;
      const created = Math.max(run.start, became - r.int(1, 30) * DAY - r.int(0, 23) * HOUR);
      return { status: 'converted' as LeadStatus, customer, created, until: became };
    }
    const status = LEAD_STATUS(r);
    const created =
      status === 'new' ? timeBetween(r, run.now - 21 * DAY, run.now - HOUR) : timeBetween(r, run.start, run.now - DAY);
    return { status, customer: -1, created, until: run.now };
  }).sort((a, b) => a.created - b.created);

  const leadId = idMaker('led', count);
  const result: LeadBook = { leads: [], language: [], created: [], until: [], open: [] };
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
      if (status !== 'new') lead.updatedAt = iso(timeBetween(r, created, run.now));
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
    const at = officeHours(r, timeBetween(r, from, to), language, from, to);
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
  const { iso, now } = run;
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
    const created = timeBetween(r, from, now - HOUR);
    let due: number;
    let completed: number | undefined;
    if (status === 'open') {
      const timing = OPEN_TASK_TIMING(r);
      if (timing === 'overdue') {
        due = officeHours(r, timeBetween(r, created, now - 30 * MINUTE), language, created, now - MINUTE);
      } else {
        const [soonest, latest] = timing === 'soon' ? [HOUR, 7 * DAY] : [8 * DAY, 60 * DAY];
        due = officeHours(r, timeBetween(r, now + soonest, now + latest), language, now + MINUTE, Infinity);
      }
    } else {
      due = officeHours(r, timeBetween(r, created, created + 14 * DAY), language, created, Infinity);
      if (status === 'done') completed = timeBetween(r, created, Math.min(now, due + 2 * DAY));
    }
    const task: DemoTask = {
      id: '',
      title: related ? fill(TASK_TITLES[language][type]!, name) : r.pick(PERSONAL_TODOS[language]),
      type,
      dueAt: iso(due),
      reminders: taskReminders(r),
      status,
      assigneeId,
      customFields: {},
      createdAt: iso(created),
      updatedAt: iso(completed ?? (status === 'cancelled' ? timeBetween(r, created, now) : created)),
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
