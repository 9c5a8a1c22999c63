/**
 * The scale benchmark's data set, the same in Node and in the browser page: `generateDemoData` for users, teams, the
 * pipeline, customers, contacts, leads, deals with their stage history, tasks and marketing costs, plus what it cannot
 * make at these sizes, generated here, deterministically (seeded):
 *
 * - activities, 20 per customer by default: `generateDemoData` stops at 10 million activities, and its activities
 *   carry generated prose, which at 20 million would not fit in memory. These are compact (subject, no body; strings
 *   shared): 17 per customer over its life, 60 % of them on one of its deals, and 3 per lead over the lead's life;
 * - each customer's aggregate (`customerStats`), computed with core's own `computeCustomerStats` from its deals and
 *   activities, which is what the CRM's aggregator would have written, so behaviour segments have data;
 * - one saved segment mixing attributes and behaviour ({@link SEGMENT_FILTER});
 * - the `matchKeys` the lead, customer and contact services derive on every write (normalised e-mail addresses,
 *   phone numbers and person names), so duplicate detection finds existing records as it would in a live CRM.
 *
 * Leads, deals and tasks are 1 per customer (contacts follow customers, about 1.05 each), so every collection grows
 * in proportion: `generateDemoData` caps leads, deals and tasks at 1 000 000, which rules out its defaults (1.5, 5/3
 * and 1.5 per customer) at 1M customers. Every record gets `version: 1` in place, so the same objects are both the
 * plain arrays the references compute over and the records a storage snapshot (or the memory adapter's maps) holds.
 */
import {
  computeCustomerStats,
  type ActivityFact,
  type ActivityType,
  type DealFact,
  type Filter,
  type StorageSnapshot,
  type StoredRecord,
} from '@crmkit/core';
import {
  DEMO_NOW,
  DEMO_PIPELINE_ID,
  DEMO_TIME_ZONE,
  generateDemoData,
  type DemoActivity,
  type DemoData,
  type DemoDeal,
} from '@crmkit/core/testing';
// Not a public export: the keys the lead, customer and contact services derive on every write. The benchmark runs
// from source only, and stores what those services would have stored.
import { matchKeysOf } from '../../packages/core/src/leads/match-keys.js';
import { prng } from '../harness/shared.js';

/** The CRM's clock in every run: the demo data's `now`, so relative windows see the generated year. */
export const NOW = new Date(DEMO_NOW);
export const TIME_ZONE = DEMO_TIME_ZONE;
export const PIPELINE_ID = DEMO_PIPELINE_ID;
/** The saved segment's id. */
export const SEGMENT_ID = 'seg-scale-bench';

/**
 * The segment: attributes (country, a tag) pushed down to the customer query, and behaviour and value read from the
 * aggregate (a won deal, a call in the last 90 days). About 2–3 % of the customers.
 */
export const SEGMENT_FILTER: Filter = {
  all: [
    { field: 'country', op: 'in', values: ['CN', 'US'] },
    { field: 'tags', op: 'hasAny', values: ['vip'] },
    { field: 'stats.wonDeals', op: 'gte', value: 1 },
    { field: 'stats.activity.call.last90d', op: 'gte', value: 1 },
  ],
};

/** Activities per customer; the run may lower it (see `activitiesPerCustomer`). */
export const ACTIVITIES_PER_CUSTOMER = 20;
/** Of each customer's share, these are on the customer (often on a deal); the rest go to leads, 1 lead per customer. */
const LEAD_ACTIVITIES = 3;

const MINUTE = 60_000;

/** Activity types with the demo generator's weights, as a cumulative table. */
const TYPE_WEIGHTS: readonly (readonly [ActivityType, number])[] = [
  ['email', 30],
  ['call', 25],
  ['meeting', 12],
  ['note', 10],
  ['chat', 10],
  ['web_visit', 8],
  ['sms', 5],
];
const TYPE_TOTAL = TYPE_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
const OUTBOUND_SHARE: Readonly<Record<ActivityType, number>> = {
  email: 0.6,
  call: 0.7,
  meeting: 0.8,
  note: 0,
  chat: 0.5,
  web_visit: 0,
  sms: 0.85,
};
const CHANNEL: Readonly<Record<ActivityType, string | undefined>> = {
  email: 'email',
  call: 'phone',
  meeting: 'in_person',
  note: undefined,
  chat: 'wechat',
  web_visit: 'website',
  sms: 'sms',
};
const SUBJECT: Readonly<Record<ActivityType, string>> = {
  email: 'Proposal follow-up',
  call: 'Discovery call',
  meeting: 'Quarterly review',
  note: 'Internal note',
  chat: 'Question about pricing',
  web_visit: 'Visited the pricing page',
  sms: 'Delivery confirmation',
};

/** What the runners get: the records per collection, and what the operations need to find in them. */
export interface ScaleData {
  readonly customers: number;
  readonly activitiesPerCustomer: number;
  /** Every collection's records, each with `version: 1`. */
  readonly collections: Readonly<Record<string, readonly StoredRecord[]>>;
  /** The generated demo data (the same objects as in `collections`). */
  readonly demo: DemoData;
  readonly activities: readonly DemoActivity[];
  readonly customerStats: readonly StoredRecord[];
  /** Record counts per collection. */
  readonly counts: Readonly<Record<string, number>>;
}

export interface ScaleDataOptions {
  readonly customers: number;
  /** Default {@link ACTIVITIES_PER_CUSTOMER}. */
  readonly activitiesPerCustomer?: number;
  /** Progress lines. */
  readonly log?: (message: string) => void;
}

/** A picker over the type weights. */
function pickType(draw: number): ActivityType {
  let at = draw * TYPE_TOTAL;
  for (const [type, weight] of TYPE_WEIGHTS) {
    if (at < weight) return type;
    at -= weight;
  }
  return 'sms';
}

/** Generates the data set for `customers` customers; deterministic (same options, same records). */
export function generateScaleData(options: ScaleDataOptions): ScaleData {
  const n = options.customers;
  const perCustomer = options.activitiesPerCustomer ?? ACTIVITIES_PER_CUSTOMER;
  const log = options.log ?? (() => undefined);
  const leadShare = Math.min(LEAD_ACTIVITIES, perCustomer);
  const customerShare = perCustomer - leadShare;

  log(`generateDemoData: ${n} customers, ${n} leads, ${n} deals, ${n} tasks`);
  const demo = generateDemoData({ customers: n, leads: n, deals: n, tasks: n, activities: 0 });
  const nowMs = NOW.getTime();
  const nowIso = NOW.toISOString();

  // ISO strings per minute, shared by every activity of that minute (and its createdAt and updatedAt).
  const isoByMinute = new Map<number, string>();
  const iso = (ms: number): string => {
    const minute = Math.floor(ms / MINUTE);
    let text = isoByMinute.get(minute);
    if (text === undefined) isoByMinute.set(minute, (text = new Date(minute * MINUTE).toISOString()));
    return text;
  };
  const customFields = Object.freeze({}) as Record<string, never>;
  const random = prng(20_260_630 ^ n);

  const dealsByCustomer = new Map<string, DemoDeal[]>();
  for (const deal of demo.deals) {
    let list = dealsByCustomer.get(deal.customerId);
    if (!list) dealsByCustomer.set(deal.customerId, (list = []));
    list.push(deal);
  }

  log(`activities: ${customerShare} per customer, ${leadShare} per lead; aggregates`);
  const activities: DemoActivity[] = [];
  const customerStats: StoredRecord[] = [];
  let sequence = 0;
  const makeActivity = (fromMs: number, toMs: number, ownerId: string | undefined): DemoActivity => {
    const type = pickType(random());
    const at = iso(fromMs + random() * Math.max(0, toMs - fromMs));
    const activity: DemoActivity & { version: number } = {
      id: `act-${String(++sequence).padStart(9, '0')}`,
      type,
      direction: type === 'note' ? 'internal' : random() < OUTBOUND_SHARE[type] ? 'outbound' : 'inbound',
      occurredAt: at,
      subject: SUBJECT[type],
      customFields,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    const channel = CHANNEL[type];
    if (channel !== undefined) activity.channel = channel;
    if (type !== 'web_visit' && ownerId !== undefined) activity.ownerId = ownerId;
    return activity;
  };

  for (const customer of demo.customers) {
    const deals = dealsByCustomer.get(customer.id) ?? [];
    const own: DemoActivity[] = [];
    const createdMs = Date.parse(customer.createdAt);
    for (let k = 0; k < customerShare; k++) {
      let activity: DemoActivity;
      if (deals.length > 0 && random() < 0.6) {
        const deal = deals[Math.floor(random() * deals.length)]!;
        const closed = deal.closedAt === undefined ? nowMs : Date.parse(deal.closedAt);
        activity = makeActivity(Date.parse(deal.createdAt), closed, deal.ownerId);
        activity.dealId = deal.id;
      } else {
        activity = makeActivity(createdMs, nowMs, customer.ownerId);
      }
      activity.customerId = customer.id;
      own.push(activity);
      activities.push(activity);
    }
    const stats = computeCustomerStats(
      customer.id,
      deals as readonly DealFact[],
      own as readonly ActivityFact[],
      own.length,
    );
    customerStats.push({ ...stats, version: 1, createdAt: nowIso, updatedAt: nowIso } as StoredRecord);
  }
  for (const lead of demo.leads) {
    const from = Date.parse(lead.createdAt);
    const to = lead.status === 'converted' ? Date.parse(lead.updatedAt) : nowMs;
    for (let k = 0; k < leadShare; k++) {
      const activity = makeActivity(from, Math.max(from, to), lead.ownerId);
      activity.leadId = lead.id;
      activities.push(activity);
    }
  }

  const segment = {
    id: SEGMENT_ID,
    name: 'VIP buyers in CN or US with a recent call',
    entity: 'customer',
    filter: SEGMENT_FILTER,
    saved: true,
    version: 1,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  for (const name of Object.keys(demo) as (keyof DemoData)[]) {
    for (const record of demo[name]) (record as { version?: number }).version = 1;
  }
  log('match keys of customers, contacts and leads');
  for (const name of ['customers', 'contacts', 'leads'] as const) {
    for (const record of demo[name]) {
      const keys = matchKeysOf(name, record as unknown as Record<string, unknown>);
      if (keys.length > 0) (record as { matchKeys?: string[] }).matchKeys = keys;
    }
  }
  const collections: Record<string, readonly StoredRecord[]> = {
    ...(demo as unknown as Record<string, StoredRecord[]>),
    activities: activities as unknown as StoredRecord[],
    customerStats,
    segments: [segment as unknown as StoredRecord],
  };
  const counts = Object.fromEntries(Object.entries(collections).map(([name, records]) => [name, records.length]));
  return {
    customers: n,
    activitiesPerCustomer: perCustomer,
    collections,
    demo,
    activities,
    customerStats,
    counts,
  };
}

/** The data as a storage snapshot for `importSnapshot`: the same record objects, no copy. */
export function toSnapshot(data: ScaleData): StorageSnapshot {
  return { format: 'crmkit.storage', formatVersion: 1, collections: data.collections };
}

/** Records in all collections. */
export function totalRecords(data: ScaleData): number {
  return Object.values(data.counts).reduce((sum, count) => sum + count, 0);
}
