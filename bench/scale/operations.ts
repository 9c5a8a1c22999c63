/**
 * The operations the scale benchmark times, through `createCrm` and its services over whichever storage the runner
 * loaded (memory in Node, IndexedDB in the browser), each with what it is compared against and how its answer is
 * checked. The same list runs in both runners.
 *
 * Reads come first, while the store still holds exactly the generated data (their answers are checked against the
 * generated arrays); writes (capture, convert, move) come last. After each write the run waits, untimed, for the
 * CRM's background work (`crm.settled()`: aggregates, lead re-scoring), and reports that time separately.
 */
import {
  compareRecords,
  compileSegment,
  createCrm,
  funnelReport,
  leadSourceAnalysis,
  periodOfDays,
  salesPerformance,
  salesTrend,
  type CostEntry,
  type Crm,
  type CustomerStats,
  type ExchangeRates,
  type ReportActivity,
  type ReportDeal,
  type ReportLead,
  type StorageOperations,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';
import type { DemoCustomer, DemoDeal, DemoLead, DemoTask } from '@crmkit/core/testing';
import { NOW, PIPELINE_ID, SEGMENT_FILTER, SEGMENT_ID, TIME_ZONE, type ScaleData } from './data.js';

/** How an operation should grow with the CRM, which decides its target. */
export type OperationKind = 'bounded' | 'whole';

/** One timed operation. `run` is timed; everything else is not. */
export interface Operation {
  readonly name: string;
  readonly kind: OperationKind;
  /** Untimed, once before the first call: what the calls need (a cursor). */
  readonly prepare?: () => Promise<void>;
  /** The timed call; `round` counts from 0 (the first call, -1, is the warm-up or the first sample). */
  run(round: number): Promise<unknown>;
  /** Untimed: the background work the call started, timed separately (writes). */
  readonly settle?: () => Promise<void>;
  /** Untimed check of a result: a failure's description, or `undefined`. */
  check?(result: unknown): string | undefined;
  /** The same computation as a pure function over arrays already in memory, timed in the same rounds. */
  readonly reference?: { readonly name: string; run(): unknown };
  /** Storage calls per call, counted once after the timing (`view360`). */
  readonly countCalls?: boolean;
}

/** The operations whose name contains one of `only` (comma-separated name fragments); all of them when it is empty. */
export function selectOperations(all: readonly Operation[], only: string): Operation[] {
  const parts = only
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return all.filter((operation) => parts.length === 0 || parts.some((part) => operation.name.includes(part)));
}

/** Counts of storage calls by method. */
export type CallCounts = Record<string, number>;

const COUNTED = new Set(['get', 'getMany', 'put', 'delete', 'query', 'count', 'transaction']);

/**
 * The storage port behind a proxy that counts every call by method, calls inside transactions included (the
 * transaction's operations are wrapped too). Other members (an adapter's own, such as Dexie's `status`) pass through.
 */
export function countingStorage(storage: StoragePort): { storage: StoragePort; counts: CallCounts; reset(): void } {
  const counts: CallCounts = {};
  const bump = (method: string) => void (counts[method] = (counts[method] ?? 0) + 1);
  const wrapOps = (ops: StorageOperations): StorageOperations =>
    new Proxy(ops, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof property !== 'string' || typeof value !== 'function' || !COUNTED.has(property)) return value;
        return (...args: unknown[]) => {
          bump(property);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const wrapped = new Map<PropertyKey, unknown>();
  const proxy = new Proxy(storage, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(property);
      if (!fn) {
        const original = value as (...args: unknown[]) => unknown;
        fn =
          property === 'transaction'
            ? (body: (tx: StorageOperations) => Promise<unknown>) => {
                bump('transaction');
                return original.call(target, (tx: StorageOperations) => body(wrapOps(tx)));
              }
            : typeof property === 'string' && COUNTED.has(property)
              ? (...args: unknown[]) => {
                  bump(property);
                  return original.apply(target, args);
                }
              : original.bind(target);
        wrapped.set(property, fn);
      }
      return fn;
    },
  });
  return {
    storage: proxy,
    counts,
    reset: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
  };
}

/** Exchange rates of the CRM (the demo deals are in CNY and USD), used by its reports and by the references. */
export const RATES: ExchangeRates = { USD: 7.1 };
/** The reports' window: the six calendar months before the clock (January–June 2026 in Asia/Shanghai). */
export const PERIOD = periodOfDays('2026-01-01', '2026-06-30', TIME_ZONE);
const PAGE = 50;
const LATER_PAGE_OFFSET = 1000;
const BY_UPDATED_DESC = [{ field: 'updatedAt', direction: 'desc' }] as const;

/** The CRM the operations run on, over `storage` (already loaded), with the benchmark's clock. */
export async function openCrm(storage: StoragePort, data: ScaleData): Promise<Crm> {
  const admin = data.demo.users.find((user) => user.role === 'admin') ?? data.demo.users[0]!;
  return createCrm({
    storage,
    actor: { id: admin.id, role: 'admin' },
    clock: () => NOW,
    timeZone: TIME_ZONE,
    currency: 'CNY',
    exchangeRates: { asOf: '2026-06-30', rates: RATES },
  });
}

/** `count` ids spread evenly over `items` (never the first or last few), for the per-round targets. */
function spread<T>(items: readonly T[], count: number): T[] {
  const picked: T[] = [];
  if (items.length === 0) return picked;
  for (let i = 0; i < count; i++) picked.push(items[Math.floor(((i + 0.5) * items.length) / count)]!);
  return picked;
}

const idsOf = (records: readonly { id: string }[]) => records.map((record) => record.id);
const sameIds = (label: string, actual: readonly string[], expected: readonly string[]): string | undefined => {
  if (actual.length === expected.length && actual.every((id, i) => id === expected[i])) return undefined;
  const at = expected.findIndex((id, i) => id !== actual[i]);
  return `${label}: ${actual.length} ids, expected ${expected.length}; first difference at ${at}`;
};
const sameJson = (label: string, actual: unknown, expected: unknown): string | undefined =>
  JSON.stringify(actual) === JSON.stringify(expected) ? undefined : `${label}: differs from the pure function's`;

/** How many targets a write needs: one per round, warm-up included, with some to spare. */
const WRITE_TARGETS = 64;

/**
 * The operations, in the order they run, over the generated `data` and the CRM `crm()` returns at each call (the
 * runner replaces the CRM when it abandons a call that ran too long; see `MeasureOptions.abandon`).
 */
export function operations(crm: () => Crm, data: ScaleData): Operation[] {
  const customers = data.demo.customers as unknown as readonly (DemoCustomer & StoredRecord)[];
  const stats = data.customerStats as unknown as readonly CustomerStats[];
  const deals = data.demo.deals as unknown as readonly (DemoDeal & StoredRecord)[];
  const leads = data.demo.leads as unknown as readonly (DemoLead & StoredRecord)[];
  const tasks = data.demo.tasks as unknown as readonly (DemoTask & StoredRecord)[];
  const pipeline = data.demo.pipelines.find((candidate) => candidate.id === PIPELINE_ID)!;
  const nowIso = NOW.toISOString();

  // Expected answers, computed once from the generated arrays.
  const byUpdated = [...customers].sort(compareRecords([...BY_UPDATED_DESC]));
  const firstPage = idsOf(byUpdated.slice(0, PAGE));
  const laterPage = idsOf(byUpdated.slice(LATER_PAGE_OFFSET, LATER_PAGE_OFFSET + PAGE));
  byUpdated.length = 0;
  const countCn = customers.reduce((sum, customer) => sum + (customer.country === 'CN' ? 1 : 0), 0);
  const overdue = idsOf(
    tasks
      .filter((task) => task.status === 'open' && task.dueAt < nowIso)
      .sort(compareRecords([{ field: 'dueAt' }]))
      .slice(0, PAGE),
  );

  // Targets that change per round: customers with history, open leads, open deals ready for the proposal stage.
  const withDeals = new Set(deals.map((deal) => deal.customerId));
  const viewed = idsOf(
    spread(
      customers.filter((customer) => withDeals.has(customer.id)),
      16,
    ),
  );
  const openLeads = idsOf(
    spread(
      leads.filter((lead) => ['new', 'working', 'qualified'].includes(lead.status)),
      WRITE_TARGETS,
    ),
  );
  const movable = idsOf(
    spread(
      deals.filter(
        (deal) =>
          deal.pipelineId === PIPELINE_ID &&
          deal.stageId === 'opportunity' &&
          deal.expectedCloseDate !== undefined &&
          deal.amount.amountMinor > 0,
      ),
      WRITE_TARGETS,
    ),
  );
  const pick = (ids: readonly string[], round: number) => ids[(round + 1 + ids.length) % ids.length]!;
  let captures = 0;
  let converts = 0;
  let moves = 0;
  const nextTarget = (ids: readonly string[], used: number, what: string): string => {
    if (used >= ids.length) throw new Error(`Out of ${what} for the write rounds (${ids.length})`);
    return ids[used]!;
  };

  const reportOptions = { period: PERIOD, timeZone: TIME_ZONE, currency: 'CNY', rates: RATES };
  const segmentPredicate = () => compileSegment(SEGMENT_FILTER, { now: NOW });
  const settle = () => crm().settled();
  let laterCursor: string | undefined;

  return [
    {
      name: 'customers.list, first page (updatedAt desc, 50)',
      kind: 'bounded',
      run: () => crm().customers.list({ orderBy: [...BY_UPDATED_DESC], limit: PAGE }),
      check: (result) => sameIds('first page', idsOf((result as { records: { id: string }[] }).records), firstPage),
    },
    {
      name: `customers.list, page after ${LATER_PAGE_OFFSET} (cursor)`,
      kind: 'bounded',
      async prepare() {
        const skipped = await crm().customers.list({ orderBy: [...BY_UPDATED_DESC], limit: LATER_PAGE_OFFSET });
        if (skipped.next === undefined) throw new Error(`No cursor after the first ${LATER_PAGE_OFFSET} customers`);
        laterCursor = skipped.next;
      },
      run: () => crm().customers.list({ orderBy: [...BY_UPDATED_DESC], limit: PAGE, after: laterCursor! }),
      check: (result) => sameIds('later page', idsOf((result as { records: { id: string }[] }).records), laterPage),
    },
    {
      name: 'customers.count (country = CN)',
      kind: 'bounded',
      run: () => crm().customers.count({ field: 'country', op: 'eq', value: 'CN' }),
      check: (result) => (result === countCn ? undefined : `count ${String(result)}, expected ${countCn}`),
    },
    {
      name: 'customers.get',
      kind: 'bounded',
      run: (round) => crm().customers.get(pick(viewed, round)),
      check: (result) => (viewed.includes((result as { id: string }).id) ? undefined : 'unexpected customer'),
    },
    {
      name: 'customers.view360',
      kind: 'bounded',
      run: (round) => crm().customers.view360(pick(viewed, round)),
      check: (result) => {
        const view = result as { customer: { id: string }; timeline: { records: unknown[] } };
        return viewed.includes(view.customer.id) && view.timeline.records.length > 0
          ? undefined
          : 'view360 without the customer or its timeline';
      },
      countCalls: true,
    },
    {
      name: 'segments.memberIds (attributes + behaviour)',
      kind: 'whole',
      run: () => crm().segments.memberIds(SEGMENT_ID),
      reference: {
        name: 'compileSegment over the arrays',
        run() {
          const predicate = segmentPredicate();
          const ids: string[] = [];
          for (let i = 0; i < customers.length; i++) {
            if (predicate(customers[i], stats[i])) ids.push(customers[i]!.id);
          }
          return ids;
        },
      },
      check: (result) => {
        const predicate = segmentPredicate();
        const expected = customers.filter((customer, i) => predicate(customer, stats[i])).map((c) => c.id);
        return sameIds('segment members', result as string[], expected);
      },
    },
    {
      name: 'reports.funnel (6 months)',
      kind: 'whole',
      run: () => crm().reports.funnel({ pipelineId: PIPELINE_ID, period: PERIOD }),
      reference: {
        name: 'funnelReport over the arrays',
        run: () =>
          funnelReport(
            { pipeline, deals, stageChanges: data.demo.stageChanges, leads },
            {
              period: PERIOD,
              asOf: NOW,
              timeZone: TIME_ZONE,
              conversion: { currency: 'CNY', rates: RATES },
            },
          ),
      },
    },
    {
      name: 'reports.salesTrend (6 months by month)',
      kind: 'whole',
      run: () => crm().reports.salesTrend({ period: PERIOD, granularity: 'month' }),
      reference: {
        name: 'salesTrend over the arrays',
        run: () =>
          salesTrend(
            { deals: deals as readonly ReportDeal[], leads: leads as readonly ReportLead[] },
            { ...reportOptions, granularity: 'month' },
          ),
      },
    },
    {
      name: 'reports.leadSources (6 months)',
      kind: 'whole',
      run: () => crm().reports.leadSources({ period: PERIOD }),
      reference: {
        name: 'leadSourceAnalysis over the arrays',
        run: () =>
          leadSourceAnalysis(
            {
              leads: leads as readonly ReportLead[],
              deals: deals as readonly ReportDeal[],
              costs: data.demo.costEntries as readonly CostEntry[],
            },
            reportOptions,
          ),
      },
    },
    {
      name: 'reports.performance (6 months)',
      kind: 'whole',
      run: () => crm().reports.performance({ period: PERIOD }),
      reference: {
        name: 'salesPerformance over the arrays',
        run: () =>
          salesPerformance(
            {
              deals: deals as readonly ReportDeal[],
              activities: data.activities as readonly ReportActivity[],
              quotas: [],
            },
            reportOptions,
          ),
      },
    },
    {
      name: 'tasks.overdue (first 50)',
      kind: 'bounded',
      run: () => crm().tasks.overdue({ limit: PAGE }),
      check: (result) => sameIds('overdue', idsOf((result as { records: { id: string }[] }).records), overdue),
    },
    {
      name: 'leads.capture (web form, email + phone)',
      kind: 'bounded',
      run() {
        const k = ++captures;
        return crm().leads.capture(
          {
            name: `Scale Bench ${k}`,
            company: `Scale Bench Trading ${k}`,
            email: `scale.bench.${k}@example.org`,
            phone: `+86 139 ${String(1000 + (k % 9000)).padStart(4, '0')} ${String(k % 10_000).padStart(4, '0')}`,
          },
          { source: 'web', campaign: 'scale-bench' },
        );
      },
      settle,
      check: (result) => ((result as { lead?: { id?: string } }).lead?.id ? undefined : 'no lead captured'),
    },
    {
      name: 'leads.convert',
      kind: 'bounded',
      run: () => crm().leads.convert(nextTarget(openLeads, converts++, 'open leads')),
      settle,
      check: (result) =>
        (result as { lead: { status: string } }).lead.status === 'converted' ? undefined : 'lead not converted',
    },
    {
      name: 'deals.moveToStage (opportunity → proposal)',
      kind: 'bounded',
      // By id, as a script would: the measured cost is the move's, not a read before it.
      run: () => crm().deals.moveToStage(nextTarget(movable, moves++, 'movable deals'), 'proposal', { force: true }),
      settle,
      check: (result) => ((result as { stageId: string }).stageId === 'proposal' ? undefined : 'deal not moved'),
    },
  ];
}

/**
 * The check of an operation: its own, or for a report, that its answer equals its pure function's over the arrays
 * (the store still holds exactly the generated data when the reports run).
 */
export function checkOf(operation: Operation): ((result: unknown) => string | undefined) | undefined {
  if (operation.check) return operation.check;
  const reference = operation.reference;
  return reference && ((result) => sameJson(operation.name, result, reference.run()));
}
