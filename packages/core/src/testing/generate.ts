/**
 * The demo-data generator's entry: checks the options, derives the counts and runs the phases in order, each in its
 * own module and on its own fork of the seeded random stream — staff.ts (users, teams), customers.ts (customers,
 * contacts), deals.ts (deals, stage history, lifecycle stages), leads.ts, activities.ts, tasks.ts, costs.ts — over
 * the shared run state of run.ts and the working clock of time.ts. The published types live in model.ts.
 */
import * as z from 'zod/mini';
import { DEFAULT_PIPELINE } from '../funnel/pipeline.js';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { toLocal } from '../time/calendar.js';
import { generateActivities } from './activities.js';
import { generateCosts } from './costs.js';
import { generateCustomers } from './customers.js';
import { assignLifecycle, generateDeals } from './deals.js';
import { generateLeads } from './leads.js';
import {
  DEMO_NOW,
  DEMO_PIPELINE_ID,
  DEMO_TIME_ZONE,
  type DemoData,
  type DemoDataOptions,
  type DemoPipeline,
} from './model.js';
import { createRandom } from './random.js';
import type { Run } from './run.js';
import { generateStaff } from './staff.js';
import { generateTasks } from './tasks.js';
import { DAY, MINUTE, isoFormatter, workClock } from './time.js';

const count = (max: number) => z.optional(z.int().check(z.nonnegative(), z.lte(max)));

const optionsSchema = /* @__PURE__ */ z.strictObject({
  seed: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int()),
  // Four-digit years for the whole 12-month window, as instants are stored.
  now: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z
      .date()
      .check(
        /* @__PURE__ */ z.refine(
          (date) => date.getUTCFullYear() > 1000 && date.getUTCFullYear() < 9999,
          'Expected a year 1001–9998',
        ),
      ),
  ),
  timeZone: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.string().check(
      /* @__PURE__ */ z.refine((zone) => {
        try {
          toLocal(0, zone);
          return true;
        } catch {
          return false;
        }
      }, 'Expected an IANA time zone such as Asia/Shanghai'),
    ),
  ),
  scale: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(10_000)),
  ),
  customers: /* @__PURE__ */ count(1_000_000),
  users: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(100_000)),
  ),
  teams: /* @__PURE__ */ count(10_000),
  leads: /* @__PURE__ */ count(1_000_000),
  deals: /* @__PURE__ */ count(1_000_000),
  activities: /* @__PURE__ */ count(10_000_000),
  tasks: /* @__PURE__ */ count(1_000_000),
});

/** The built-in default pipeline (销售漏斗: 商机 → 报价/提案 → 成交, plus 输单) under the demo's id. */
function demoPipeline(createdAt: string): DemoPipeline {
  const { id: _builtInId, ...definition } = structuredClone(DEFAULT_PIPELINE) as DemoPipeline;
  return { ...definition, id: DEMO_PIPELINE_ID, createdAt, updatedAt: createdAt };
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
