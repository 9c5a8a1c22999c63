/**
 * The IndexedDB benchmark page: `@crmkit/storage-dexie` against raw Dexie on the same index layout, in one page run.
 *
 * 1. Bulk import of 20k and 100k customers: `importSnapshot` (the storage port's import, what a host calls to load a
 *    snapshot) vs `table.bulkAdd` (the adapter writes with `bulkAdd` too), each into a fresh database.
 * 2. A segment query over 100k customers: `crm.customers.list({ where })` on a CRM over the adapter vs the fastest
 *    hand-written Dexie code for it: the most selective index, then a hand-written predicate.
 * 3. Top 50 by `updatedAt`: `crm.customers.list` with `orderBy` and `limit` vs `orderBy().reverse().limit()`, each
 *    timed cold: the first query of a connection (and CRM) opened for that round, so nothing either side remembers
 *    from an earlier query is reused.
 *
 * Run it with `node bench/dexie/run.mjs` (see docs/benchmarks.md); the page publishes its report for the runner.
 */
import { Dexie, type Table } from 'dexie';
import {
  CRM_COLLECTIONS,
  compileFilter,
  createCrm,
  type Crm,
  type Filter,
  type StorageSnapshot,
  type StoredRecord,
} from '@crmkit/core';
import { DEMO_NOW, generateDemoData } from '@crmkit/core/testing';
import { createDexieStorage, CRM_INDEXES } from '@crmkit/storage-dexie';
import {
  formatMs,
  formatRange,
  formatRatio,
  intParam,
  log,
  measureRounds,
  param,
  publishFailure,
  publishReport,
  summarize,
  type BenchCheck,
  type BenchTable,
  type Contender,
  type Samples,
} from '../harness/page.js';

/**
 * The adapter's customers index layout (a plain string), declared on the reference database so both maintain the
 * same indexes. The run compares it with the layout the adapter actually creates and stops when they differ.
 */
const CUSTOMER_INDEXES: string = CRM_INDEXES.customers;

/** The demo data's clock: every timestamp lies in the year before it, and `withinLast` counts back from it. */
const NOW = new Date(DEMO_NOW);

/** A typical saved segment; on the demo customers about 2.6 % match (CN/US ~74 %, vip ~12 %, last 30 days ~30 %). */
const SEGMENT: Filter = {
  all: [
    { field: 'country', op: 'in', values: ['CN', 'US'] },
    { field: 'tags', op: 'hasAny', values: ['vip'] },
    { field: 'updatedAt', op: 'withinLast', amount: 30, unit: 'days' },
  ],
};
const TOP_LIMIT = 50;

/** Database names; imports use one per size, so the database kept for the queries is never deleted by another size. */
const RAW_DB = 'bench-dexie-raw';
const CRMKIT_DB = 'bench-dexie-crmkit';
const sized = (name: string, size: number) => `${name}-${size}`;

const REFERENCE_IMPORT = 'raw Dexie bulkAdd';
const CRMKIT_IMPORT = 'crmkit importSnapshot';
const REFERENCE_SEGMENT = 'raw Dexie where(tags).equals(vip) + hand-written predicate';
const KEYS_SEGMENT = 'raw Dexie primary keys of tags=vip ∩ updatedAt window, bulkGet (info)';
const CRMKIT_SEGMENT = 'crm.customers.list({ where })';
const PORT_SEGMENT = 'crmkit storage.query({ where }), no CRM (info)';
const REFERENCE_TOP = 'raw Dexie orderBy(updatedAt).reverse().limit(50)';
const CRMKIT_TOP = 'crm.customers.list({ orderBy: updatedAt desc, limit: 50 })';

/** The segment's window as canonical ISO text (every stored `updatedAt` is `toISOString` text, checked untimed). */
const CUTOFF_ISO = new Date(NOW.getTime() - 30 * 86_400_000).toISOString();
const NOW_ISO = NOW.toISOString();

/**
 * The segment written by hand for records already selected by the `tags` index ('vip'): the other two conditions,
 * the window compared as text, which orders like the instants because every timestamp is canonical UTC.
 */
const handWrittenRest = (c: StoredRecord): boolean => {
  const country = c['country'];
  const updatedAt = c['updatedAt'] as string;
  return (country === 'CN' || country === 'US') && updatedAt >= CUTOFF_ISO && updatedAt <= NOW_ISO;
};

type Customers = Table<StoredRecord, string>;

/**
 * Seeded demo customers, as stored records. The generator stamps whole minutes, so 30 % of `updatedAt` values tie;
 * ties are moved apart by a few milliseconds so "top 50 by updatedAt" has exactly one answer (the adapter orders
 * ties by id, IndexedDB's reversed index by id descending).
 */
function customerRecords(count: number): StoredRecord[] {
  const data = generateDemoData({ customers: count, leads: 0, deals: 0, activities: 0, tasks: 0 });
  const seen = new Map<string, number>();
  return data.customers.map((customer) => {
    const earlier = seen.get(customer.updatedAt) ?? 0;
    seen.set(customer.updatedAt, earlier + 1);
    const updatedAt =
      earlier === 0 ? customer.updatedAt : new Date(Date.parse(customer.updatedAt) + earlier).toISOString();
    return { ...customer, updatedAt, version: 1 } as StoredRecord;
  });
}

/** Only customers: the reference imports one table, so the snapshot carries nothing else. */
function customersSnapshot(records: readonly StoredRecord[]): StorageSnapshot {
  return { format: 'crmkit.storage', formatVersion: 1, collections: { customers: records } };
}

function openCrmkit(name: string) {
  return createDexieStorage({ name, collections: CRM_COLLECTIONS, now: () => NOW });
}

/** A CRM over `storage`, as an application creates it; the benchmark's clock so `withinLast` counts from the data's. */
function crmOver(storage: ReturnType<typeof openCrmkit>): Promise<Crm> {
  return createCrm({ storage, actor: { id: 'usr_bench', role: 'admin' }, clock: () => NOW });
}

/** A table's primary key and indexes in spec notation, indexes sorted (their order carries no meaning). */
function describeLayout(table: Customers): string {
  const spec = (index: (typeof table.schema.indexes)[number]) => {
    const path = Array.isArray(index.keyPath) ? `[${index.keyPath.join('+')}]` : String(index.keyPath);
    return `${index.unique ? '&' : ''}${index.multi ? '*' : ''}${path}`;
  };
  return [spec(table.schema.primKey), ...table.schema.indexes.map(spec).sort()].join(', ');
}

/** The layout of an existing database's customers store, read back from IndexedDB (Dexie without a schema). */
async function storedLayout(name: string): Promise<string> {
  const db = new Dexie(name);
  await db.open();
  try {
    return describeLayout(db.table('customers'));
  } finally {
    db.close();
  }
}

/** Stops the run unless the adapter creates exactly the reference's indexes: otherwise the comparison is unfair. */
async function checkSameLayout(): Promise<BenchCheck> {
  await Dexie.delete(CRMKIT_DB);
  const storage = openCrmkit(CRMKIT_DB);
  await storage.count('customers');
  await storage.close();
  const adapter = await storedLayout(CRMKIT_DB);
  await Dexie.delete(CRMKIT_DB);
  const reference = new Dexie(RAW_DB);
  reference.version(1).stores({ customers: CUSTOMER_INDEXES });
  const expected = describeLayout(reference.table('customers'));
  if (adapter !== expected) {
    throw new Error(
      `The adapter's customers indexes differ from the reference's, so the comparison would be unfair.\n` +
        `  adapter:   ${adapter}\n  reference: ${expected}\n` +
        'Update CUSTOMER_INDEXES in bench/dexie/main.ts once the adapter has its final layout.',
    );
  }
  return { name: 'same customers index layout in both databases', ok: true, detail: adapter };
}

/** Records the first disagreement of a contender with the expected answer, per check. */
class Verifier {
  private readonly failures = new Map<string, string | undefined>();

  expect(check: string, contender: string, actual: readonly unknown[], expected: readonly unknown[]): void {
    if (!this.failures.has(check)) this.failures.set(check, undefined);
    if (this.failures.get(check) !== undefined) return;
    const same = actual.length === expected.length && actual.every((value, index) => value === expected[index]);
    if (!same) {
      const at = expected.findIndex((value, index) => value !== actual[index]);
      this.failures.set(
        check,
        `${contender}: ${JSON.stringify(actual.slice(0, 3))}… (${actual.length}), expected ` +
          `${JSON.stringify(expected.slice(0, 3))}… (${expected.length}); first difference at ${at}`,
      );
    }
  }

  checks(): BenchCheck[] {
    return [...this.failures].map(([name, failure]) => ({ name, ok: failure === undefined, detail: failure ?? '' }));
  }
}

const ids = (records: readonly { id: string }[]) => records.map((record) => record.id);

type CrmkitStorage = ReturnType<typeof openCrmkit>;

/**
 * Both import contenders for `records`. When `handOver` is given, the crmkit database of that timed round is kept
 * open and handed over instead of deleted: the queries then run on it, which saves importing 100k customers again.
 */
function importContenders(
  records: readonly StoredRecord[],
  verifier: Verifier,
  handOver?: { readonly round: number; readonly keep: (storage: CrmkitStorage) => void },
): Contender[] {
  const snapshot = customersSnapshot(records);
  const rawName = sized(RAW_DB, records.length);
  const crmkitName = sized(CRMKIT_DB, records.length);
  const check = `${records.length} customers stored after each import`;
  const expectCount = (name: string, stored: number) => verifier.expect(check, name, [stored], [records.length]);
  return [
    {
      name: REFERENCE_IMPORT,
      async prepare() {
        await Dexie.delete(rawName);
        const db = new Dexie(rawName);
        db.version(1).stores({ customers: CUSTOMER_INDEXES });
        await db.open();
        const table: Customers = db.table('customers');
        return {
          run: () => table.bulkAdd(records as StoredRecord[]),
          async after() {
            // In an explicit transaction, which Dexie resolves only once it has completed: closing while a read is
            // still finishing would block the delete below (harmless, but Dexie warns).
            expectCount(REFERENCE_IMPORT, await db.transaction('r', table, () => table.count()));
            db.close();
            await Dexie.delete(rawName);
          },
        };
      },
    },
    {
      name: CRMKIT_IMPORT,
      async prepare(round) {
        await Dexie.delete(crmkitName);
        const storage = openCrmkit(crmkitName);
        // Dexie opens lazily: open (create the stores and indexes) here, outside the timed region.
        await storage.count('customers');
        return {
          run: () => storage.importSnapshot(snapshot),
          async after() {
            expectCount(CRMKIT_IMPORT, await storage.count('customers'));
            if (handOver?.round === round) return handOver.keep(storage);
            await storage.close();
            await Dexie.delete(crmkitName);
          },
        };
      },
    },
  ];
}

function summaryRow(samples: Samples, name: string, reference: string, leading: string[], extra: string[] = []) {
  const summary = summarize(samples.get(name)!);
  const ratio = summary.median / summarize(samples.get(reference)!).median;
  return {
    ratio,
    row: [...leading, name, ...extra, formatMs(summary.median), formatRange(summary), formatRatio(ratio)],
  };
}

async function main(): Promise<void> {
  // Dexie turns on its debug mode (async stack tagging on every operation) on localhost; production runs without it.
  Dexie.debug = false;
  const sizes = param('sizes', '20000,100000')
    .split(',')
    .map((size) => Number(size.replaceAll('_', '')));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error('sizes: positive integers');
  const importRounds = intParam('rounds', 7);
  const queryRounds = intParam('queryRounds', 9);
  const topRounds = intParam('topRounds', 21);
  const largest = Math.max(...sizes);

  log(`generating ${largest} customers`);
  const records = customerRecords(largest);
  const verifier = new Verifier();
  const checks: BenchCheck[] = [await checkSameLayout()];
  const distinctUpdatedAt = new Set(records.map((record) => record.updatedAt)).size;
  checks.push({ name: 'no two customers share updatedAt', ok: distinctUpdatedAt === records.length });
  // What the hand-written segment predicate assumes: `updatedAt` is canonical `toISOString` text everywhere.
  checks.push({
    name: 'every updatedAt is canonical toISOString text (the hand-written window compares text)',
    ok: records.every((record) => new Date(Date.parse(record.updatedAt)).toISOString() === record.updatedAt),
  });

  // 1. Bulk import: every repetition imports into a fresh database; creating and deleting it is not timed. The first
  // size gets a warm-up round; the code paths are the same for the others, and a 100k round costs ~15 s here.
  const importRows: string[][] = [];
  const ratios: Record<string, number> = {};
  const importSamples: Record<number, Record<string, number[]>> = {};
  let queryStorage: CrmkitStorage | undefined;
  for (const [index, size] of sizes.entries()) {
    const warmupRounds = index === 0 ? 1 : 0;
    log(`bulk import of ${size} customers: ${warmupRounds} warm-up + ${importRounds} rounds`);
    const handOver =
      size === largest && !queryStorage
        ? { round: importRounds - 1, keep: (storage: CrmkitStorage) => void (queryStorage = storage) }
        : undefined;
    const samples = await measureRounds(importContenders(records.slice(0, size), verifier, handOver), {
      rounds: importRounds,
      warmupRounds,
      onRound: (round, total) => log(`  import ${size}: round ${round}/${total}`),
    });
    importSamples[size] = Object.fromEntries(samples);
    for (const name of [REFERENCE_IMPORT, CRMKIT_IMPORT]) {
      const { row, ratio } = summaryRow(samples, name, REFERENCE_IMPORT, [size.toLocaleString('en-US')]);
      importRows.push(row);
      if (name === CRMKIT_IMPORT) ratios[`import ${size}`] = ratio;
    }
  }

  // 2 and 3 run on the database of the last crmkit import of all customers; raw Dexie opens that same database
  // without a schema, so both read identical stores and indexes.
  log(`queries over ${largest} customers`);
  const storage = queryStorage!;
  const raw = new Dexie(sized(CRMKIT_DB, largest));
  await raw.open();
  const customers: Customers = raw.table('customers');

  // The expected answers, computed in memory from the generated records.
  const segmentExpected = ids(records.filter(compileFilter(SEGMENT, { now: NOW }))).sort();
  const topExpected = ids(
    [...records].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0)),
  ).slice(0, TOP_LIMIT);
  const selectivity = segmentExpected.length / records.length;
  checks.push({
    name: 'segment selects 1–5 % of the customers',
    ok: selectivity >= 0.01 && selectivity <= 0.05,
    detail: `${segmentExpected.length} of ${records.length} (${(selectivity * 100).toFixed(1)} %)`,
  });

  const segmentCheck = 'segment query: same ids (in id order) as compileFilter over all records';
  const segmentCrm = await crmOver(storage);
  const segmentSamples = await measureRounds(
    [
      {
        name: REFERENCE_SEGMENT,
        prepare: () => ({
          async run() {
            const candidates = await customers.where('tags').equals('vip').toArray();
            return candidates.filter(handWrittenRest);
          },
          after: (result) =>
            verifier.expect(segmentCheck, REFERENCE_SEGMENT, ids(result as StoredRecord[]), segmentExpected),
        }),
      },
      {
        name: CRMKIT_SEGMENT,
        prepare: () => ({
          run: async () => (await segmentCrm.customers.list({ where: SEGMENT })).records,
          after: (result) =>
            verifier.expect(segmentCheck, CRMKIT_SEGMENT, ids(result as { id: string }[]), segmentExpected),
        }),
      },
      {
        name: PORT_SEGMENT,
        prepare: () => ({
          run: async () => (await storage.query('customers', { where: SEGMENT })).records,
          after: (result) =>
            verifier.expect(segmentCheck, PORT_SEGMENT, ids(result as StoredRecord[]), segmentExpected),
        }),
      },
      {
        name: KEYS_SEGMENT,
        prepare: () => ({
          async run() {
            // Keys only from both indexes (no records read), intersected, then the survivors' records by key. The
            // multi-entry index lists keys in primary-key order for one value, so the result is in id order.
            const [vip, recent] = await Promise.all([
              customers.where('tags').equals('vip').primaryKeys(),
              customers.where('updatedAt').between(CUTOFF_ISO, NOW_ISO, true, true).primaryKeys(),
            ]);
            const inWindow = new Set(recent);
            const records = await customers.bulkGet(vip.filter((id) => inWindow.has(id)));
            return records.filter((c) => c !== undefined && (c['country'] === 'CN' || c['country'] === 'US'));
          },
          after: (result) =>
            verifier.expect(segmentCheck, KEYS_SEGMENT, ids(result as StoredRecord[]), segmentExpected),
        }),
      },
    ],
    { rounds: queryRounds, warmupRounds: 1 },
  );
  await segmentCrm.dispose();

  // Cold: every trial opens its own connection (raw Dexie) or storage and CRM (crmkit) on the same database, untimed,
  // and times its first query, then closes it. The adapter remembers per storage whether every record is in the
  // `updatedAt` index (it counts that once, until the collection changes); a fresh storage has to count again, as
  // the first list a page shows after loading does. Warm-up rounds (fresh connections too) only warm the JIT.
  const topCheck = `top ${TOP_LIMIT}: same ids in the same order as sorting all records`;
  const queryDb = sized(CRMKIT_DB, largest);
  const topSamples = await measureRounds(
    [
      {
        name: REFERENCE_TOP,
        async prepare() {
          const db = new Dexie(queryDb);
          await db.open();
          const table: Customers = db.table('customers');
          return {
            run: () => table.orderBy('updatedAt').reverse().limit(TOP_LIMIT).toArray(),
            after(result) {
              db.close();
              verifier.expect(topCheck, REFERENCE_TOP, ids(result as StoredRecord[]), topExpected);
            },
          };
        },
      },
      {
        name: CRMKIT_TOP,
        async prepare() {
          const fresh = openCrmkit(queryDb);
          await fresh.open();
          const crm = await crmOver(fresh);
          return {
            run: async () =>
              (
                await crm.customers.list({
                  orderBy: [{ field: 'updatedAt', direction: 'desc' }],
                  limit: TOP_LIMIT,
                })
              ).records,
            async after(result) {
              await crm.dispose();
              await fresh.close();
              verifier.expect(topCheck, CRMKIT_TOP, ids(result as { id: string }[]), topExpected);
            },
          };
        },
      },
    ],
    { rounds: topRounds, warmupRounds: 3 },
  );
  raw.close();
  await storage.close();
  await Dexie.delete(sized(CRMKIT_DB, largest));

  const segment = summaryRow(
    segmentSamples,
    CRMKIT_SEGMENT,
    REFERENCE_SEGMENT,
    ['segment'],
    [`${segmentExpected.length}`],
  );
  const top = summaryRow(topSamples, CRMKIT_TOP, REFERENCE_TOP, ['top 50'], [`${TOP_LIMIT}`]);
  ratios.segment = segment.ratio;
  ratios.top = top.ratio;

  const importTable: BenchTable = {
    caption: `Bulk import into a fresh database (median of ${importRounds} rotated rounds)`,
    columns: [
      { label: 'customers', align: 'right' },
      { label: 'contender' },
      { label: 'median ms', align: 'right' },
      { label: 'min–max ms', align: 'right' },
      { label: '× raw Dexie', align: 'right' },
    ],
    rows: importRows,
  };
  const queryTable: BenchTable = {
    caption: `Queries over ${largest.toLocaleString('en-US')} customers (segment: median of ${queryRounds} rounds; top 50: ${topRounds})`,
    columns: [
      { label: 'query' },
      { label: 'contender' },
      { label: 'results', align: 'right' },
      { label: 'median ms', align: 'right' },
      { label: 'min–max ms', align: 'right' },
      { label: '× reference', align: 'right' },
    ],
    rows: [
      summaryRow(segmentSamples, REFERENCE_SEGMENT, REFERENCE_SEGMENT, ['segment'], [`${segmentExpected.length}`]).row,
      segment.row,
      summaryRow(segmentSamples, PORT_SEGMENT, REFERENCE_SEGMENT, ['segment'], [`${segmentExpected.length}`]).row,
      summaryRow(segmentSamples, KEYS_SEGMENT, REFERENCE_SEGMENT, ['segment'], [`${segmentExpected.length}`]).row,
      summaryRow(topSamples, REFERENCE_TOP, REFERENCE_TOP, ['top 50'], [`${TOP_LIMIT}`]).row,
      top.row,
    ],
  };
  const verdict = (ratio: number, target: number) => (ratio <= target ? 'met' : 'not met');
  const targetTable: BenchTable = {
    caption: 'Targets',
    columns: [
      { label: 'benchmark' },
      { label: 'target' },
      { label: 'crmkit × reference', align: 'right' },
      { label: 'result' },
    ],
    rows: [
      ...sizes.map((size) => [
        `import ${size.toLocaleString('en-US')}`,
        '≤ 1.30',
        formatRatio(ratios[`import ${size}`]!),
        verdict(ratios[`import ${size}`]!, 1.3),
      ]),
      ['segment query', '≤ 1.20', formatRatio(ratios.segment), verdict(ratios.segment, 1.2)],
      ['top 50 by updatedAt', 'none', formatRatio(ratios.top), 'reported only'],
    ],
  };

  publishReport({
    title: 'IndexedDB (Dexie)',
    environment: {
      browser: navigator.userAgent,
      cores: String(navigator.hardwareConcurrency),
      dexie: Dexie.semVer,
      customers: `${largest} generated with generateDemoData (seed 1), clock ${DEMO_NOW}`,
    },
    tables: [importTable, queryTable, targetTable],
    checks: [...checks, ...verifier.checks()],
    data: {
      ratios,
      importSamples,
      segmentSamples: Object.fromEntries(segmentSamples),
      topSamples: Object.fromEntries(topSamples),
    },
  });
}

main().catch((error: unknown) => publishFailure(error));
