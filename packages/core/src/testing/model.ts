/** The shape of the demo data, its options and its fixed defaults: what `@crmkit/core/testing` publishes as types. */
import type { CrmCollection } from '../kernel/collections.js';
import type { StoredCostEntry } from '../reports/sales.service.js';
import type { Activity, Contact, Customer, Lead, Task, Team, User } from '../model/index.js';
// Straight from their module: the declaration bundle puts the model index and deal.ts in different chunks.
import type { Deal, Pipeline, StageChange } from '../model/deal.js';

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
