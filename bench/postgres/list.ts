/**
 * Part 3, a page of the customer list at several sizes: `crm.customers.list({ orderBy: [{ field: 'updatedAt',
 * direction: 'desc' }], limit: 50 })`, its first page and the page after the first 1000 (by the cursor), against the
 * keyset query a user would write through `pg`. The figure is how each grows from the smallest size to the largest.
 *
 * Each size is a tenant of its own in the run's schema (`list_<size>`), so the sizes share one table, as tenants of a
 * real deployment do. Its customers come from core's demo generator (`generateDemoData`, no leads, deals or tasks),
 * stored as the CRM stores them (`version: 1` and the duplicate-detection `matchKeys` the customer service derives,
 * as bench/scale/data.ts does), and are loaded untimed with `INSERT … SELECT FROM unnest` in batches of 5000. The
 * caller runs `ANALYZE` once every size is loaded.
 *
 * The reference is the keyset query a user would write for this table: ordered by the `updated_at` column (every
 * `updatedAt` is canonical ISO text, checked when loading, so instant order is core's string order), ties by id as
 * core breaks them, over an index of its own, `(tenant_id, updated_at DESC, id) WHERE collection = 'customers'`,
 * created untimed just before these timings (the adapter orders by its own key expressions); the later page is a
 * keyset condition on the 1000th row's `(updated_at, id)`, bounded so the index seeks to it. It reads 51 rows, as the
 * adapter does, to know whether a next page exists. Every answer is checked against the order computed in memory.
 * Information rows: the adapter's `storage.query` alone with the same options, and the statements one crmkit call
 * sends, replayed through `pg` (the database's and the driver's share of crmkit's time). A third table times the first
 * page on a fresh connection (a CRM or client opened just before, untimed), the way an application opening it sees it.
 *
 * Every size runs in the same rounds (21 at least: a page takes milliseconds), so the growth compares medians taken
 * side by side rather than one size after another.
 */
import type pg from 'pg';
import type { OrderBy, QueryPage, StoredRecord } from '@crmkit/core';
import { generateDemoData } from '@crmkit/core/testing';
// Not a public export: the keys the customer service derives on every write (as bench/scale/data.ts stores them).
import { matchKeysOf } from '../../packages/core/src/leads/match-keys.js';
import {
  explain,
  isRead,
  newClient,
  newPool,
  openCrm,
  recordingPool,
  replay,
  type CrmSession,
  type Plan,
  type Recorded,
} from './db.js';
import { contender, timeInterleaved, type AnyContender, type Timed, type TimingOptions } from './timing.js';

export const PAGE = 50;
/** The later page starts after this many customers. */
export const LATER_OFFSET = 1000;
/** Rounds of the page timings at least (each call takes milliseconds). */
const FAST_ROUNDS = 21;
/** Rows per INSERT when loading. */
const LOAD_BATCH = 5000;
const ORDER: readonly OrderBy[] = [{ field: 'updatedAt', direction: 'desc' }];

export const tenantOf = (size: number) => `list_${size}`;

/** What a size's checks need: the ids of the first pages in order, and the key the later page starts after. */
export interface ListExpectation {
  readonly size: number;
  /** Ids of the first `LATER_OFFSET + PAGE` customers in list order. */
  readonly ids: readonly string[];
  /** `updatedAt` and id of customer number `LATER_OFFSET` (the last one before the later page). */
  readonly after: { readonly updatedAt: string; readonly id: string };
}

/** Core's order of strings (UTF-16 code units), then id. */
const byUpdatedDesc = (a: StoredRecord, b: StoredRecord) =>
  a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Generates `size` customers as stored records, loads them into the size's tenant, and returns what checks need. */
export async function loadListTenant(
  pool: pg.Pool,
  schema: string,
  size: number,
  log: (message: string) => void,
): Promise<ListExpectation> {
  let started = performance.now();
  const { customers: generated } = generateDemoData({ customers: size, leads: 0, deals: 0, tasks: 0, activities: 0 });
  // In place, as bench/scale/data.ts does: at a million customers a copy would not leave room for the batches.
  for (const customer of generated) {
    const record = customer as unknown as Record<string, unknown>;
    const keys = matchKeysOf('customers', record);
    record['version'] = 1;
    if (keys.length > 0) record['matchKeys'] = keys;
  }
  const customers = generated as unknown as StoredRecord[];
  // The reference orders by the updated_at column: the same order as core's only where every updatedAt is canonical
  // (what toISOString writes), so instants and their text sort alike. Checked here, untimed.
  const odd = customers.find((record) => new Date(Date.parse(record.updatedAt)).toISOString() !== record.updatedAt);
  if (odd) throw new Error(`list ${size}: ${odd.id} has a non-canonical updatedAt, ${odd.updatedAt}`);
  log(`list ${size}: generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (let start = 0; start < customers.length; start += LOAD_BATCH) {
      const batch = customers.slice(start, start + LOAD_BATCH);
      await client.query(
        `INSERT INTO "${schema}".records (tenant_id, collection, id, version, created_at, updated_at, doc)
         SELECT $1, 'customers', i, 1, ca, ua, d::jsonb
         FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[]) AS batch (i, ca, ua, d)`,
        [
          tenantOf(size),
          batch.map((record) => record.id),
          batch.map((record) => record.createdAt),
          batch.map((record) => record.updatedAt),
          batch.map((record) => JSON.stringify(record)),
        ],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  log(`list ${size}: loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const ordered = customers.sort(byUpdatedDesc);
  const last = ordered[LATER_OFFSET - 1]!;
  return {
    size,
    ids: ordered.slice(0, LATER_OFFSET + PAGE).map((record) => record.id),
    after: { updatedAt: last.updatedAt, id: last.id },
  };
}

export interface ListResult {
  readonly size: number;
  readonly first: Timed;
  readonly later: Timed;
  readonly cold: Timed;
  readonly plans: {
    readonly crmkitFirst: readonly Plan[];
    readonly crmkitLater: readonly Plan[];
    readonly referenceFirst: readonly Plan[];
    readonly referenceLater: readonly Plan[];
  };
}

/**
 * The reference's own index: what a user paging customers by `updated_at` would create. Created untimed just before
 * the list is measured (after the segment, so no other part's plans can use it), partial to the customers.
 */
export const REFERENCE_INDEX = 'bench_ref_updated_at';

/** Creates {@link REFERENCE_INDEX} on the records table; the adapter's statements never use it. */
export async function createReferenceIndex(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(
    `CREATE INDEX ${REFERENCE_INDEX} ON "${schema}".records (tenant_id, updated_at DESC, id) WHERE collection = 'customers'`,
  );
}

const firstSql = (schema: string) => `SELECT doc FROM "${schema}".records
  WHERE tenant_id = $1 AND collection = 'customers'
  ORDER BY updated_at DESC, id LIMIT ${PAGE + 1}`;
const laterSql = (schema: string) => `SELECT doc FROM "${schema}".records
  WHERE tenant_id = $1 AND collection = 'customers'
    AND updated_at <= $2::timestamptz AND (updated_at < $2::timestamptz OR id > $3)
  ORDER BY updated_at DESC, id LIMIT ${PAGE + 1}`;

/** Whether a page holds the expected ids from `offset` and says whether more follow. */
function checkPage(ids: readonly string[], hasNext: boolean, expected: readonly string[], offset: number) {
  const want = expected.slice(offset, offset + PAGE);
  if (ids.length !== want.length || ids.some((id, i) => id !== want[i])) {
    const at = want.findIndex((id, i) => id !== ids[i]);
    return `page at ${offset}: ${ids.length} ids, first difference at ${at}`;
  }
  return hasNext ? undefined : `page at ${offset}: no next page`;
}

const pageIds = (page: QueryPage | { records: readonly { id: string }[]; next?: string }) =>
  page.records.map((record) => (record as { id: string }).id);

/** One size's contenders, its open CRM and what its plans and checks need. */
interface SizeSetup {
  readonly expected: ListExpectation;
  readonly session: CrmSession;
  readonly first: AnyContender[];
  readonly later: AnyContender[];
  readonly cold: AnyContender[];
  readonly plans: () => Promise<ListResult['plans']>;
}

/** `[10,000] `: the prefix of a size's contender names while all sizes share the rounds. */
const prefixOf = (size: number) => `[${size.toLocaleString('en-US')}] `;

/** A size's rows and failures out of a timing shared by every size, its names without the prefix. */
function sizePart(timed: Timed, size: number, label: string): Timed {
  const prefix = prefixOf(size);
  return {
    label,
    rows: timed.rows
      .filter((row) => row.name.startsWith(prefix))
      .map((row) => ({ ...row, name: row.name.slice(prefix.length) })),
    failures: timed.failures.filter((failure) => failure.includes(prefix)),
  };
}

/**
 * Times every size in the same rounds: one interleaved timing per page (first, later, first on a new connection),
 * holding every size's contenders, so the JIT's state and the machine's drift reach all sizes alike and the growth
 * from the smallest to the largest compares medians of the same rounds.
 */
export async function runLists(
  pool: pg.Pool,
  schema: string,
  expectations: readonly ListExpectation[],
  timing: TimingOptions,
): Promise<ListResult[]> {
  const recording = recordingPool(pool);
  const setups: SizeSetup[] = [];
  try {
    for (const expected of expectations) {
      const session = await openCrm(recording.pool, tenantOf(expected.size), schema);
      try {
        setups.push(await setUp(pool, schema, recording, expected, session));
      } catch (error) {
        await session.close();
        throw error;
      }
    }
    // A page takes milliseconds: more rounds cost little and steady the medians on a shared machine (as bench/scale
    // does for operations under 50 ms), and a few more warm-up passes let the JIT settle.
    const fast = { ...timing, rounds: Math.max(timing.rounds, FAST_ROUNDS), warmups: Math.max(timing.warmups, 3) };
    const first = await timeInterleaved(
      'list, first page',
      setups.flatMap((setup) => setup.first),
      fast,
    );
    const later = await timeInterleaved(
      `list, page after ${LATER_OFFSET}`,
      setups.flatMap((setup) => setup.later),
      fast,
    );
    const cold = await timeInterleaved(
      'list, first page on a new connection',
      setups.flatMap((setup) => setup.cold),
      { ...fast, warmups: 1 },
    );
    const results: ListResult[] = [];
    for (const setup of setups) {
      const { size } = setup.expected;
      const label = `list ${size.toLocaleString('en-US')} customers`;
      results.push({
        size,
        first: sizePart(first, size, `${label}, first page`),
        later: sizePart(later, size, `${label}, page after ${LATER_OFFSET}`),
        cold: sizePart(cold, size, `${label}, first page on a new connection`),
        plans: await setup.plans(),
      });
    }
    return results;
  } finally {
    for (const setup of setups) await setup.session.close();
  }
}

/** One size's cursors, recorded statements and contenders. */
async function setUp(
  pool: pg.Pool,
  schema: string,
  recording: ReturnType<typeof recordingPool>,
  expected: ListExpectation,
  session: CrmSession,
): Promise<SizeSetup> {
  const { storage, crm } = session;
  const tenant = tenantOf(expected.size);
  const prefix = prefixOf(expected.size);
  const laterParams = [tenant, expected.after.updatedAt, expected.after.id];
  const raw = (client: () => pg.Pool | pg.Client, sql: string, params: unknown[]) => async () => {
    const { rows } = await client().query<{ doc: StoredRecord }>(sql, params);
    return { ids: rows.slice(0, PAGE).map((row) => row.doc.id), hasNext: rows.length > PAGE };
  };
  type RawPage = { ids: string[]; hasNext: boolean };
  const checkRaw = (offset: number) => (page: RawPage) => checkPage(page.ids, page.hasNext, expected.ids, offset);
  const checkCrm = (offset: number) => (page: QueryPage | { records: readonly unknown[]; next?: string }) =>
    checkPage(pageIds(page as QueryPage), page.next !== undefined, expected.ids, offset);

  // Each path's own cursor: the CRM's read policy hands the adapter a query of its own, whose cursors differ.
  const cursor = (await crm.customers.list({ orderBy: [...ORDER], limit: LATER_OFFSET })).next;
  const storageCursor = (await storage.query('customers', { orderBy: [...ORDER], limit: LATER_OFFSET })).next;
  if (!cursor || !storageCursor) throw new Error(`list ${expected.size}: no cursor after ${LATER_OFFSET} customers`);
  // The statements one call of each page sends, for the replay rows and the plans.
  recording.start();
  await crm.customers.list({ orderBy: [...ORDER], limit: PAGE });
  const firstStatements = recording.stop().filter(isRead);
  recording.start();
  await crm.customers.list({ orderBy: [...ORDER], limit: PAGE, after: cursor });
  const laterStatements = recording.stop().filter(isRead);
  const replayRow = (statements: readonly Recorded[]) =>
    contender({
      name: `${prefix}raw pg: the statements crmkit sends, replayed`,
      info: true,
      note: `${statements.length} statement(s); no CRM, no validation`,
      run: () => replay(pool, statements),
      check: (rows: number) => (rows >= PAGE ? undefined : `${rows} rows`),
    });

  let coldClient: pg.Client | undefined;
  let coldPool: pg.Pool | undefined;
  let coldSession: CrmSession | undefined;
  return {
    expected,
    session,
    first: [
      contender({
        name: `${prefix}raw pg: keyset, first page`,
        run: raw(() => pool, firstSql(schema), [tenant]),
        check: checkRaw(0),
      }),
      contender({
        name: `${prefix}crmkit: crm.customers.list, first page`,
        run: () => crm.customers.list({ orderBy: [...ORDER], limit: PAGE }),
        check: checkCrm(0),
      }),
      contender({
        name: `${prefix}storage.query('customers'), first page`,
        info: true,
        run: () => storage.query('customers', { orderBy: [...ORDER], limit: PAGE }),
        check: checkCrm(0),
      }),
      replayRow(firstStatements),
    ],
    later: [
      contender({
        name: `${prefix}raw pg: keyset, page after ${LATER_OFFSET}`,
        run: raw(() => pool, laterSql(schema), laterParams),
        check: checkRaw(LATER_OFFSET),
      }),
      contender({
        name: `${prefix}crmkit: crm.customers.list, page after ${LATER_OFFSET} (cursor)`,
        run: () => crm.customers.list({ orderBy: [...ORDER], limit: PAGE, after: cursor }),
        check: checkCrm(LATER_OFFSET),
      }),
      contender({
        name: `${prefix}storage.query('customers'), page after ${LATER_OFFSET}`,
        info: true,
        run: () => storage.query('customers', { orderBy: [...ORDER], limit: PAGE, after: storageCursor }),
        check: checkCrm(LATER_OFFSET),
      }),
      replayRow(laterStatements),
    ],
    cold: [
      contender({
        name: `${prefix}raw pg: keyset, first page, new connection`,
        prepare: async () => void (coldClient = await newClient()),
        run: raw(() => coldClient!, firstSql(schema), [tenant]),
        cleanup: async () => void (await coldClient?.end()),
        check: checkRaw(0),
      }),
      contender({
        name: `${prefix}crmkit: list, first page, new pool, storage and CRM`,
        prepare: async () => {
          coldPool = newPool();
          coldSession = await openCrm(coldPool, tenant, schema);
        },
        run: () => coldSession!.crm.customers.list({ orderBy: [...ORDER], limit: PAGE }),
        cleanup: async () => {
          await coldSession?.close();
          await coldPool?.end();
        },
        check: checkCrm(0),
      }),
    ],
    plans: async () => ({
      crmkitFirst: await explain(pool, firstStatements),
      crmkitLater: await explain(pool, laterStatements),
      referenceFirst: await explain(pool, [{ sql: firstSql(schema), params: [tenant] }]),
      referenceLater: await explain(pool, [{ sql: laterSql(schema), params: laterParams }]),
    }),
  };
}
