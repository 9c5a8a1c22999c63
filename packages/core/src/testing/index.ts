/**
 * Deterministic demo data for crmkit: a seeded generator of a whole CRM (users, teams, customers in English and
 * Chinese, contacts, leads, the default pipeline with deals and stage history, activities, tasks and marketing costs)
 * and a helper that seeds a storage adapter with it. For tests, stories, demos and benchmarks; it runs in browsers, workers and Node.
 *
 * @packageDocumentation
 * @module @crmkit/core/testing
 */
export { generateDemoData } from './generate.js';
export { DEMO_COLLECTIONS, DEMO_NOW, DEMO_PIPELINE_ID, DEMO_TIME_ZONE } from './model.js';
export type {
  DemoDataOptions,
  DemoData,
  DemoCollection,
  DemoRecord,
  DemoUser,
  DemoTeam,
  DemoCustomer,
  DemoContact,
  DemoLead,
  DemoPipeline,
  DemoDeal,
  DemoStageChange,
  DemoActivity,
  DemoTask,
  DemoCostEntry,
} from './model.js';
export { seedStorage, toStorageSnapshot } from './seed.js';
export type { DemoCounts } from './seed.js';
export { createRandom } from './random.js';
export type { SeededRandom } from './random.js';
