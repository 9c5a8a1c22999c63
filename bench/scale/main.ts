/**
 * The scale benchmark, browser half: the same operations as the Node half (operations.ts), through `createCrm` over
 * `@crmkit/storage-dexie` on IndexedDB, in headless Chromium. bench/scale/run.mjs serves this page and prints its
 * report; see scale.bench.ts for what is measured and how.
 *
 * Each size gets a fresh database. Loading is not timed: the page opens the adapter (which creates its stores and
 * indexes), then adds the generated records through the adapter's own Dexie instance with `bulkAdd` in chunks, one
 * transaction each — the records `importSnapshot` would write (it validates them and `bulkAdd`s them in a single
 * transaction, which at these sizes holds the whole data set a second time while it commits).
 *
 * A size is skipped, with the reason in the report, when the page's heap cannot hold its data (the generated arrays
 * stay in memory for the references) or when IndexedDB refuses it (the origin's quota).
 */
import { Dexie } from 'dexie';
import { createDexieStorage } from '@crmkit/storage-dexie';
import { intParam, log, param, publishFailure, publishReport } from '../harness/page.js';
import { ACTIVITIES_PER_CUSTOMER, NOW, generateScaleData, totalRecords } from './data.js';
import { measureOperations, rememberMedians } from './measure.js';
import { operations, selectOperations } from './operations.js';
import { openSession } from './session.js';
import { scaleTables, sizeLabel, type SizeRun } from './report.js';

/** Heap per customer the page needs at 20 activities each (as measured in Node, with room for the reports). */
const BYTES_PER_CUSTOMER = 16_000;
/** Records per `bulkAdd` transaction while loading. */
const CHUNK = 20_000;
const GIB = 2 ** 30;

const DB_PREFIX = 'bench-scale';

interface ChromeMemory {
  readonly jsHeapSizeLimit: number;
  readonly usedJSHeapSize: number;
}
const heap = (): ChromeMemory | undefined => (performance as unknown as { memory?: ChromeMemory }).memory;
const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;

function isQuotaError(error: unknown): boolean {
  for (
    let at: unknown = error;
    at instanceof Error;
    at = (at as { inner?: unknown; cause?: unknown }).inner ?? at.cause
  ) {
    if (at.name === 'QuotaExceededError' || /quota/i.test(at.message)) return true;
  }
  return false;
}

async function runSize(
  customers: number,
  options: { rounds: number; opBudgetMs: number; maxCallMs: number; activities: number; only: string },
  earlier: Record<string, Record<number, number>>,
  lowerBounds: ReadonlySet<string>,
): Promise<SizeRun> {
  const label = sizeLabel(customers);
  const progress = (message: string) => log(`[scale ${label}] ${message}`);
  const memory = heap();
  const needed = customers * BYTES_PER_CUSTOMER + 512 * 2 ** 20;
  if (memory && needed > memory.jsHeapSizeLimit * 0.8) {
    const skipped =
      `skipped: the data set and the arrays the references read need ~${gib(needed)} of JS heap; ` +
      `this page's heap limit is ${gib(memory.jsHeapSizeLimit)}`;
    progress(skipped);
    return { customers, skipped, results: [] };
  }

  const started = performance.now();
  const data = generateScaleData({ customers, activitiesPerCustomer: options.activities, log: progress });
  progress(
    `generated ${totalRecords(data).toLocaleString('en-US')} records in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );

  const name = `${DB_PREFIX}-${customers}`;
  await Dexie.delete(name);
  let db: Dexie | undefined;
  const storage = createDexieStorage({ name, now: () => NOW, configure: (created) => void (db = created) });
  const loadStart = performance.now();
  let loaded = 0;
  try {
    await storage.open();
    for (const [collection, records] of Object.entries(data.collections)) {
      const table = db!.table(collection);
      for (let i = 0; i < records.length; i += CHUNK) {
        await db!.transaction('rw', table, () => table.bulkAdd(records.slice(i, i + CHUNK)));
        loaded += Math.min(CHUNK, records.length - i);
      }
      progress(`loaded ${collection} (${records.length.toLocaleString('en-US')})`);
    }
  } catch (error) {
    await storage.close();
    await Dexie.delete(name);
    if (!isQuotaError(error)) throw error;
    const estimate = await navigator.storage.estimate();
    const skipped =
      `skipped: IndexedDB refused the data (quota) after ${loaded.toLocaleString('en-US')} of ` +
      `${totalRecords(data).toLocaleString('en-US')} records; quota ${gib(estimate.quota ?? 0)}`;
    progress(skipped);
    return { customers, skipped, results: [] };
  }
  await storage.close();
  const loadMs = performance.now() - loadStart;
  const estimate = await navigator.storage.estimate();
  progress(
    `loaded in ${(loadMs / 1000).toFixed(0)} s; ${gib(estimate.usage ?? 0)} of a ${gib(estimate.quota ?? 0)} quota`,
  );

  // The operations run on a connection of their own (and a new one after an abandoned call).
  const open = async () => {
    const fresh = createDexieStorage({ name, now: () => NOW });
    await fresh.open();
    return fresh;
  };
  const session = await openSession(open, data, progress);
  const results = await measureOperations(selectOperations(operations(session.crm, data), options.only), customers, {
    rounds: options.rounds,
    opBudgetMs: options.opBudgetMs,
    maxCallMs: options.maxCallMs,
    earlier,
    lowerBounds,
    collectGarbage: () => window.gc?.(),
    calls: session.calls,
    log: progress,
    abandon: () => session.abandon(),
  });
  await session.close();
  await Dexie.delete(name);
  return {
    customers,
    activitiesPerCustomer: data.activitiesPerCustomer,
    records: totalRecords(data),
    loadMs,
    note: `IndexedDB use after loading: ${gib(estimate.usage ?? 0)} (quota ${gib(estimate.quota ?? 0)})`,
    results,
  };
}

async function main(): Promise<void> {
  const sizes = param('sizes', '10000,100000,1000000')
    .split(',')
    .map((size) => Number(size.replaceAll('_', '')))
    .sort((a, b) => a - b);
  if (sizes.some((size) => !Number.isInteger(size) || size < 2000 || size > 1_000_000)) {
    throw new Error('sizes must be whole numbers of customers from 2000 (a later page starts after 1000) to 1000000');
  }
  const options = {
    rounds: intParam('rounds', 5),
    opBudgetMs: intParam('opBudget', 60) * 1000,
    maxCallMs: intParam('maxCall', 120) * 1000,
    activities: intParam('activities', ACTIVITIES_PER_CUSTOMER),
    only: param('only', ''),
  };
  const startedAt = new Date();
  const runs: SizeRun[] = [];
  const earlier: Record<string, Record<number, number>> = {};
  const lowerBounds = new Set<string>();
  for (const customers of sizes) {
    const run = await runSize(customers, options, earlier, lowerBounds);
    runs.push(run);
    rememberMedians(earlier, lowerBounds, customers, run.results, options.maxCallMs);
  }
  const { tables, checks } = scaleTables(runs);
  const memory = heap();
  publishReport({
    title: 'Scale: browser, IndexedDB (@crmkit/storage-dexie)',
    environment: {
      browser: navigator.userAgent,
      cores: String(navigator.hardwareConcurrency),
      heap: memory ? `JS heap limit ${gib(memory.jsHeapSizeLimit)}` : 'unknown',
      adapter: 'createDexieStorage on IndexedDB (a profile on disk); loaded with bulkAdd through the adapter’s Dexie',
      run:
        `${options.rounds} rounds after a warm-up; op budget ${options.opBudgetMs / 1000} s; ` +
        `skip above ${options.maxCallMs / 1000} s per call predicted`,
      clock: NOW.toISOString(),
      started: startedAt.toISOString(),
    },
    tables,
    checks,
    data: { options, runs },
  });
}

main().catch(publishFailure);
