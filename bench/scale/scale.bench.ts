/**
 * The scale benchmark, Node half: how crmkit's operations grow with the size of the CRM, on the memory adapter
 * (`createMemoryStorage`), through `createCrm` and its services — the path an application takes.
 *
 *   node --conditions=@crmkit/source --import tsx bench/scale/scale.bench.ts [--sizes 10000,100000,1000000]
 *     [--rounds 5] [--op-budget 60] [--max-call 120] [--activities 20] [--load maps|snapshot] [--json]
 *     [--adapter memory|indexeddb|both] [--only capture,overdue]
 *
 * (`npm run bench:scale -- <options>`.) With `--adapter both`, the default, the browser half runs after this one with
 * the same options. `--only capture,overdue` runs just the operations whose name contains one of those fragments.
 *
 * At each size (customers; leads, deals and tasks 1 each per customer, contacts about 1.05, activities 20: see
 * data.ts) it times, each as median (min–max) of `--rounds` calls after a warm-up (21 calls for an operation under
 * 50 ms): a customers list page by
 * `updatedAt` (the first, and one after 1000 via the cursor), a count on an indexed field, a get, the 360° view, the
 * members of a segment mixing attributes and behaviour, the funnel and the sales reports over six months, the first
 * page of overdue tasks, and the writes: lead capture, lead conversion, a deal's move to the next stage (each also
 * until the background work it started has settled). It prints the growth from each size to the next against the
 * targets (paged, indexed and single-record operations ≤ ×1.5 from the smallest size to the largest; whole-collection
 * ones ≤ ×12 per 10× and ≤ 2× their pure function over arrays already in memory, timed in the same rounds), and the
 * storage calls of one `view360` per size, counted by a proxy around the port. Verdicts are printed, never enforced:
 * the process fails only when an answer is wrong (a list page, a count, the segment's members, a report that differs
 * from its pure function, a write that did not happen).
 *
 * Each size runs in its own Node process (a fresh heap, sized for it, garbage collected before each operation), so
 * one size's garbage never lands in another's timings; the parent prints the tables. Loading is not timed. The
 * memory adapter is handed its maps directly (`createMemoryStorage({ data })`, `--load maps`, the default):
 * `importSnapshot` (`--load snapshot`) validates with zod, which copies every record, and then clones the snapshot,
 * three copies at once that do not fit in memory at 1M customers. Both paths hold the same records.
 *
 * Caps (see measure.ts): an operation predicted to take more than `--max-call` seconds per call from the smaller
 * sizes is skipped with the reason printed; calls of a second or more run only as many rounds as fit in
 * `--op-budget` seconds. A size whose data would not fit in the memory available is skipped, and so are activities
 * beyond 2^24 per collection: the memory adapter keeps a collection in one `Map`, and V8 caps a `Map` at 2^24
 * entries, so 1M customers get 16 activities each instead of 20.
 *
 * The browser half (IndexedDB through @crmkit/storage-dexie) is bench/scale/run.mjs; `--adapter indexeddb` runs only
 * it, `--adapter memory` only this one.
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createMemoryStorage, type MemoryData, type StoredRecord } from '@crmkit/core';
import { option } from '../harness/shared.js';
import { ACTIVITIES_PER_CUSTOMER, NOW, generateScaleData, toSnapshot, totalRecords } from './data.js';
import { measureOperations, rememberMedians, type OperationResult } from './measure.js';
import { operations, selectOperations } from './operations.js';
import { openSession } from './session.js';
import { markdownTable, scaleTables, sizeLabel, type SizeRun } from './report.js';

/** The most records one memory-adapter collection can hold: V8's limit on a `Map`'s entries, less one. */
const MAX_COLLECTION = 2 ** 24 - 1;
/**
 * Bytes of heap per customer at 20 activities each (28 records), the memory adapter's indexes built, measured: 2.7 GiB
 * at 100k customers. 1M customers (24 M records) would need about 28 GiB, so a machine with less skips that size up
 * front instead of aborting while the indexes are built.
 */
const BYTES_PER_CUSTOMER = 29_000;
const MB = 1024 * 1024;

interface RunOptions {
  readonly rounds: number;
  readonly opBudgetMs: number;
  readonly maxCallMs: number;
  readonly activities: number;
  readonly load: 'maps' | 'snapshot';
  /** Comma-separated name fragments: only the operations whose name contains one of them run (all when empty). */
  readonly only: string;
}

/** What the parent sends a child: one size to run, and the medians of the sizes before it. */
interface ChildRequest {
  readonly customers: number;
  readonly options: RunOptions;
  readonly earlier: Record<string, Record<number, number>>;
  /** Operations whose entries in `earlier` are lower bounds (calls abandoned). */
  readonly lowerBounds: readonly string[];
}

type ChildMessage =
  | { readonly type: 'result'; readonly result: OperationResult }
  | { readonly type: 'done'; readonly run: SizeRun }
  | { readonly type: 'failed'; readonly reason: string };

const progress = (label: string) => (message: string) => console.error(`[scale ${label}] ${message}`);

// ---- child: one size ----------------------------------------------------------------------------------------------

async function runSize(request: ChildRequest): Promise<void> {
  const { customers, options } = request;
  const log = progress(sizeLabel(customers));
  const send = (message: ChildMessage) =>
    new Promise<void>((resolve, reject) =>
      process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  const perCustomer = Math.min(options.activities, Math.floor(MAX_COLLECTION / customers));
  const note =
    perCustomer < options.activities
      ? `${perCustomer} activities per customer, not ${options.activities}: a memory-adapter collection is one Map, ` +
        `at most 2^24 entries`
      : undefined;

  const started = performance.now();
  const data = generateScaleData({ customers, activitiesPerCustomer: perCustomer, log });
  log(
    `generated ${totalRecords(data).toLocaleString('en-US')} records in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  const loadStart = performance.now();
  // The memory adapter is handed its maps (or imports the snapshot); a reopened one gets the same maps (or import).
  let maps: MemoryData | undefined;
  if (options.load === 'maps') {
    maps = new Map();
    for (const [name, records] of Object.entries(data.collections)) {
      const rows = new Map<string, StoredRecord>();
      for (const record of records) rows.set(record.id, record);
      maps.set(name, rows);
    }
  }
  let recordsRead = 0;
  const open = async () => {
    const storage = createMemoryStorage({
      ...(maps ? { data: maps } : {}),
      now: () => NOW,
      onRead: (records) => (recordsRead += records),
    });
    if (!maps) await storage.importSnapshot(toSnapshot(data));
    // The adapter builds a collection's indexes on first use: a count of each collection builds them here, untimed,
    // so no operation's first call pays for them (they are part of loading, shown in the data table).
    for (const name of Object.keys(data.collections)) await storage.count(name);
    return storage;
  };
  const session = await openSession(open, data, log);
  const loadMs = performance.now() - loadStart;
  log(
    `loaded (${options.load}) and indexed in ${(loadMs / 1000).toFixed(1)} s; heap ` +
      `${(process.memoryUsage().heapUsed / 2 ** 30).toFixed(1)} GiB`,
  );

  const gc = (globalThis as { gc?: () => void }).gc;
  const chosen = selectOperations(operations(session.crm, data), options.only);
  const results = await measureOperations(chosen, customers, {
    rounds: options.rounds,
    opBudgetMs: options.opBudgetMs,
    maxCallMs: options.maxCallMs,
    earlier: request.earlier,
    lowerBounds: new Set(request.lowerBounds),
    ...(gc ? { collectGarbage: gc } : {}),
    calls: session.calls,
    reads: {
      count: () => recordsRead,
      reset: () => void (recordsRead = 0),
    },
    log,
    onResult: (result) => void send({ type: 'result', result }),
    abandon: () => session.abandon(),
  });
  await session.close();
  await send({
    type: 'done',
    run: {
      customers,
      activitiesPerCustomer: perCustomer,
      records: totalRecords(data),
      loadMs,
      ...(note ? { note } : {}),
      results,
    },
  });
}

// ---- parent: every size, then the report ---------------------------------------------------------------------------

/** Runs one size in a child process with a heap sized for it; what it measured, even if it died midway. */
function runChild(request: ChildRequest, heapMb: number): Promise<SizeRun> {
  return new Promise((resolve) => {
    const results: OperationResult[] = [];
    let done: SizeRun | undefined;
    let failure: string | undefined;
    const child = fork(fileURLToPath(import.meta.url), ['--child'], {
      execArgv: [...process.execArgv, `--max-old-space-size=${heapMb}`, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'result') results.push(message.result);
      else if (message.type === 'done') done = message.run;
      else failure = message.reason;
    });
    child.on('exit', (code, signal) => {
      resolve(
        done ?? {
          customers: request.customers,
          skipped:
            `the run stopped (${signal ?? `exit code ${code}`}) after ${results.length} operation(s)` +
            (failure ? `: ${failure}` : ''),
          results,
        },
      );
    });
    child.send(request);
  });
}

async function main(): Promise<void> {
  const sizes = option('sizes', '10000,100000,1000000')
    .split(',')
    .map((size) => Number(size.replaceAll('_', '')));
  const options: RunOptions = {
    rounds: Number(option('rounds', '5')),
    opBudgetMs: Number(option('op-budget', '60')) * 1000,
    maxCallMs: Number(option('max-call', '120')) * 1000,
    activities: Number(option('activities', String(ACTIVITIES_PER_CUSTOMER))),
    load: option('load', 'maps') === 'snapshot' ? 'snapshot' : 'maps',
    only: option('only', ''),
  };
  const json = process.argv.includes('--json');
  const adapter = option('adapter', 'both');
  if (
    sizes.some((size) => !Number.isInteger(size) || size < 2000 || size > 1_000_000) ||
    !Number.isInteger(options.rounds) ||
    options.rounds < 1 ||
    !(options.opBudgetMs > 0) ||
    !(options.maxCallMs > 0) ||
    !Number.isInteger(options.activities) ||
    options.activities < 3 ||
    !['memory', 'indexeddb', 'both'].includes(adapter)
  ) {
    console.error(
      'usage: scale.bench.ts [--sizes 10000,100000,1000000] [--rounds 5] [--op-budget 60] [--max-call 120] ' +
        '[--activities 20] [--load maps|snapshot] [--json] [--adapter memory|indexeddb|both] [--only name,…]',
    );
    process.exit(2);
  }
  sizes.sort((a, b) => a - b);
  if (adapter === 'indexeddb') {
    process.exitCode = runBrowserHalf();
    return;
  }

  const started = new Date();
  const runs: SizeRun[] = [];
  const earlier: Record<string, Record<number, number>> = {};
  const lowerBounds = new Set<string>();
  for (const customers of sizes) {
    const copies = options.load === 'snapshot' ? 3 : 1;
    const needed = customers * BYTES_PER_CUSTOMER * copies + 512 * MB;
    const available = freemem();
    if (needed > available * 0.9) {
      const reason = `skipped: needs ~${(needed / 2 ** 30).toFixed(0)} GiB of memory, ${(available / 2 ** 30).toFixed(0)} GiB available`;
      progress(sizeLabel(customers))(reason);
      runs.push({ customers, skipped: reason, results: [] });
      continue;
    }
    const heapMb = Math.max(4096, Math.min(Math.floor((totalmem() * 0.85) / MB), Math.ceil((needed * 1.4) / MB)));
    const run = await runChild({ customers, options, earlier, lowerBounds: [...lowerBounds] }, heapMb);
    runs.push(run);
    rememberMedians(earlier, lowerBounds, customers, run.results, options.maxCallMs);
  }

  const { tables, checks } = scaleTables(runs);
  const cpu = cpus();
  const environment = {
    node: `${process.version}, ${process.platform}/${process.arch}`,
    machine: `${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, shared; load average at start ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
    adapter: `memory (createMemoryStorage), loaded with ${options.load === 'maps' ? 'its backing maps' : 'importSnapshot'}`,
    run: `${options.rounds} rounds after a warm-up; op budget ${options.opBudgetMs / 1000} s; skip above ${options.maxCallMs / 1000} s per call predicted`,
    clock: NOW.toISOString(),
    started: started.toISOString(),
  };
  console.log('\n## Scale: Node, memory adapter\n');
  console.log(
    Object.entries(environment)
      .map(([key, value]) => `- ${key}: ${value}`)
      .join('\n'),
  );
  for (const table of tables) console.log(`\n${table.caption}\n\n${markdownTable(table)}`);
  console.log(
    `\nChecks:\n\n${checks.map((check) => `- ${check.ok ? 'ok' : 'FAILED'}: ${check.name}${check.detail ? ` (${check.detail})` : ''}`).join('\n')}`,
  );
  if (json) {
    const dir = fileURLToPath(new URL('../results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    const file = `${dir}scale-node-${started.toISOString().replaceAll(':', '-')}.json`;
    await writeFile(file, `${JSON.stringify({ name: 'scale-node', options, environment, runs }, null, 2)}\n`);
    console.log(`\nWrote ${file}`);
  }
  const seconds = ((Date.now() - started.getTime()) / 1000).toFixed(0);
  console.log(`\nscale: ${seconds} s, ${checks.filter((check) => !check.ok).length} failed check(s)`);
  const memoryOk = checks.every((check) => check.ok);
  const browserCode = adapter === 'both' ? runBrowserHalf() : 0;
  process.exitCode = memoryOk && browserCode === 0 ? 0 : 1;
}

/** Runs the browser half (run.mjs) with this command's options; its exit code. */
function runBrowserHalf(): number {
  const script = fileURLToPath(new URL('run.mjs', import.meta.url));
  const child = spawnSync(process.execPath, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
  return child.status ?? 1;
}

if (process.argv.includes('--child')) {
  process.once('message', (request: ChildRequest) => {
    runSize(request).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        // The first frame says where (a generator's limit, say), for the report's skip line.
        const frame = error instanceof Error ? /\((.*?)\)/.exec(error.stack?.split('\n')[1] ?? '')?.[1] : undefined;
        const where = frame?.replace(`${process.cwd()}/`, '');
        const reason =
          error instanceof Error ? `${error.name}: ${error.message}${where ? ` at ${where}` : ''}` : String(error);
        process.send!({ type: 'failed', reason } satisfies ChildMessage, () => process.exit(1));
      },
    );
  });
} else {
  await main();
}
