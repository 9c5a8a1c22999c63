/**
 * Part 1, bulk import: `crm.backup.restore` of a snapshot holding N customers, through `createCrm` on
 * `createPostgresStorage` — the bulk write path an application takes — against the hand-written bulk insert of the
 * same documents through `pg` into an equivalent table (`CREATE TABLE … (LIKE records_p_customers INCLUDING ALL)`, the
 * customers' partition of `records`: the same columns, primary key and expression indexes, so index maintenance is the
 * same).
 *
 * Everything runs in a schema of its own, so each pass starts from empty tables: before every pass (untimed) all four
 * tables are truncated and a `CHECKPOINT` runs, so no pass pays for another's dirty pages; autovacuum is off on them,
 * so none runs during another contender's pass. After every pass (untimed) the written rows are read back as a hash
 * of `(id, version, created_at, updated_at, doc)`: every pass must leave the same rows, whoever wrote them. A pass
 * takes seconds, long past the JIT's warm-up, so the warm-up pass of each contender writes the first 5000 customers
 * only (checked the same way), and the rounds follow.
 *
 * The reference is the faster of two hand-written bulk inserts in one transaction, 1000 rows a statement: `INSERT …
 * SELECT FROM unnest($arrays)` (the bulk write the adapter itself uses) and a multi-row `INSERT … VALUES`. Information
 * rows split crmkit's time: the adapter's `importSnapshot` alone (what restore calls after validating), restore's
 * validation alone (`checkSnapshotRecords`: the shape, `parseSnapshot`, every record against its schema; no
 * database), `parseSnapshot` alone (the adapter validates again with it), and the unnest reference writing the same
 * change-log rows the adapter writes (one `changes` row per record).
 */
import type pg from 'pg';
import { parseSnapshot, type StorageSnapshot, type StoredRecord } from '@crmkit/core';
// Not a public export: restore's whole-snapshot validation, timed alone for the information row.
import { checkSnapshotRecords } from '../../packages/core/src/kernel/snapshot-check.js';
import { withCrm, type CrmSession } from './db.js';
import { contender, timeInterleaved, type AnyContender, type Timed, type TimingOptions } from './timing.js';

/** Rows per statement of the hand-written inserts (the adapter's own batch is 1000 too). */
export const REFERENCE_BATCH = 1000;
const TENANT = 'import';
/** Customers in the warm-up pass. */
const WARMUP_CUSTOMERS = 5000;

export interface ImportResult {
  readonly timed: Timed;
  /** The reference's name: the faster hand-written insert. */
  readonly reference: string;
  readonly referenceMs: number;
  readonly customers: number;
}

type Row = readonly [id: string, version: number, createdAt: string, updatedAt: string, doc: string];

/** The columns a hand-written insert sends: id, version, timestamps and the document as JSON text. */
const rowOf = (record: StoredRecord): Row => [
  record.id,
  record.version,
  record.createdAt,
  record.updatedAt,
  JSON.stringify(record),
];

export function runImport(
  pool: pg.Pool,
  schema: string,
  customers: readonly StoredRecord[],
  timing: TimingOptions,
): Promise<ImportResult> {
  return withCrm(pool, TENANT, schema, (session) => measure(pool, schema, customers, timing, session));
}

async function measure(
  pool: pg.Pool,
  schema: string,
  customers: readonly StoredRecord[],
  timing: TimingOptions,
  { storage, crm }: CrmSession,
): Promise<ImportResult> {
  const q = `"${schema}"`;
  await pool.query(`CREATE TABLE ${q}.ref_records (LIKE ${q}.records_p_customers INCLUDING ALL)`);
  await pool.query(`CREATE TABLE ${q}.ref_changes (LIKE ${q}.changes INCLUDING ALL)`);
  const tables = ['records', 'changes', 'ref_records', 'ref_changes'].map((table) => `${q}.${table}`);
  // A partitioned table has no storage of its own: the customers' partition is where the rows go.
  for (const table of [`${q}.records_p_customers`, ...tables.slice(1)]) {
    await pool.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
  }

  let canCheckpoint = true;
  const empty = async () => {
    await pool.query(`TRUNCATE ${tables.join(', ')}`);
    if (!canCheckpoint) return;
    // CHECKPOINT needs superuser or pg_checkpoint; without them, passes go on without it.
    await pool.query('CHECKPOINT').catch(() => void (canCheckpoint = false));
  };

  /** Every contender, over `customers`: the answers of each call are checked against the others'. */
  const contendersFor = (customers: readonly StoredRecord[]): AnyContender[] => {
    const snapshot: StorageSnapshot = { format: 'crmkit.storage', formatVersion: 1, collections: { customers } };
    let expectedHash: string | undefined;
    /** Reads back the customers written to `table` and checks them against every other pass's. */
    const readBack = (table: string) => async (): Promise<string | undefined> => {
      const { rows } = await pool.query<{ n: number; hash: string | null }>(
        `SELECT count(*)::integer AS n, md5(string_agg(
           id || '/' || version || '/' || (extract(epoch FROM created_at) * 1000)::bigint || '/' ||
           (extract(epoch FROM updated_at) * 1000)::bigint || '/' || doc::text, E'\\n' ORDER BY id)) AS hash
         FROM ${q}.${table} WHERE tenant_id = $1 AND collection = 'customers'`,
        [TENANT],
      );
      const { n, hash } = rows[0]!;
      if (n !== customers.length) return `${n} customers stored, expected ${customers.length}`;
      expectedHash ??= hash!;
      return hash === expectedHash ? undefined : 'the stored customers differ from another pass’s';
    };

    /** The hand-written bulk insert: batches in one transaction on one connection. */
    const inTransaction = async (body: (client: pg.PoolClient) => Promise<void>) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await body(client);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    };
    const batches = function* () {
      for (let start = 0; start < customers.length; start += REFERENCE_BATCH) {
        yield customers.slice(start, start + REFERENCE_BATCH).map(rowOf);
      }
    };
    const unnestArrays = (rows: readonly Row[]) => [
      TENANT,
      rows.map((row) => row[0]),
      rows.map((row) => row[1]),
      rows.map((row) => row[2]),
      rows.map((row) => row[3]),
      rows.map((row) => row[4]),
    ];
    const unnestSelect = `SELECT $1, 'customers', i, v, ca, ua, d::jsonb
      FROM unnest($2::text[], $3::integer[], $4::timestamptz[], $5::timestamptz[], $6::text[]) AS batch (i, v, ca, ua, d)`;
    const columns = '(tenant_id, collection, id, version, created_at, updated_at, doc)';

    const writes = (name: string, table: string, run: () => Promise<void>, info = false, note?: string) =>
      contender({ name, info, ...(note ? { note } : {}), prepare: empty, run, check: readBack(table) });

    const unnest = writes(
      `raw pg: INSERT … SELECT FROM unnest, ${REFERENCE_BATCH} rows a statement`,
      'ref_records',
      () =>
        inTransaction(async (client) => {
          for (const rows of batches()) {
            await client.query(`INSERT INTO ${q}.ref_records ${columns} ${unnestSelect}`, unnestArrays(rows));
          }
        }),
    );
    const values = writes(`raw pg: INSERT … VALUES, ${REFERENCE_BATCH} rows a statement`, 'ref_records', () =>
      inTransaction(async (client) => {
        for (const rows of batches()) {
          const tuples = rows.map(
            (_, k) => `($1, 'customers', $${k * 5 + 2}, $${k * 5 + 3}, $${k * 5 + 4}, $${k * 5 + 5}, $${k * 5 + 6})`,
          );
          await client.query(`INSERT INTO ${q}.ref_records ${columns} VALUES ${tuples.join(', ')}`, [
            TENANT,
            ...rows.flat(),
          ]);
        }
      }),
    );
    const withLog = writes(
      'raw pg: unnest, plus a change-log row per record',
      'ref_records',
      () =>
        inTransaction(async (client) => {
          for (const rows of batches()) {
            await client.query(
              `WITH written AS (INSERT INTO ${q}.ref_records ${columns} ${unnestSelect} RETURNING id, version)
               INSERT INTO ${q}.ref_changes (tenant_id, collection, id, type, version)
               SELECT $1, 'customers', id, 'put', version FROM written`,
              unnestArrays(rows),
            );
          }
        }),
      true,
      'what the adapter writes: records and its change log',
    );
    const restore = writes('crmkit: crm.backup.restore(snapshot)', 'records', () => crm.backup.restore(snapshot));
    const adapterOnly = writes(
      'storage.importSnapshot(snapshot)',
      'records',
      () => storage.importSnapshot(snapshot),
      true,
      'the adapter alone: parseSnapshot, then multi-row VALUES batches with the change log',
    );
    const validation = contender({
      name: 'checkSnapshotRecords(snapshot)',
      info: true,
      note: 'restore’s validation alone, no database: shape, parseSnapshot, every record against its schema',
      run: async () => checkSnapshotRecords(snapshot),
      check: () => undefined,
    });
    const parsing = contender({
      name: 'parseSnapshot(snapshot)',
      info: true,
      note: 'ids, versions, timestamps (zod); importSnapshot runs it again',
      run: async () => parseSnapshot(snapshot),
      check: (parsed) =>
        parsed.collections['customers']?.length === customers.length
          ? undefined
          : 'parsed a different number of records',
    });
    return [unnest, values, restore, adapterOnly, withLog, validation, parsing];
  };

  // One untimed pass of each over the first customers only: a full pass takes seconds, long past the JIT's warm-up;
  // this one runs every path once (and checks it) before the rounds.
  const failures: string[] = [];
  if (timing.warmups > 0) {
    const few = customers.slice(0, Math.min(customers.length, WARMUP_CUSTOMERS));
    const warm = await timeInterleaved(
      `import warm-up, ${few.length.toLocaleString('en-US')} customers`,
      contendersFor(few),
      {
        ...timing,
        rounds: timing.warmups,
        warmups: 0,
      },
    );
    failures.push(...warm.failures);
  }
  const measured = await timeInterleaved(
    `import ${customers.length.toLocaleString('en-US')} customers`,
    contendersFor(customers),
    { ...timing, warmups: 0 },
  );
  const timed = { ...measured, failures: [...failures, ...measured.failures] };
  const [a, b] = timed.rows;
  const fastest = a!.median <= b!.median ? a! : b!;
  return { timed, reference: fastest.name, referenceMs: fastest.median, customers: customers.length };
}
