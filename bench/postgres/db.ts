/**
 * The PostgreSQL side of the benchmark: connections (from `DATABASE_URL` or the `PG*` variables, as `pg` reads them),
 * the CRM sessions every part runs through (`createPostgresStorage` and `createCrm`, always closed), a pool that records
 * the statements the adapter sends (to replay them and show their plans with `EXPLAIN ANALYZE`), the server's settings
 * for the report, and the clean-up of the run's schemas on a signal.
 */
// Not declared in the root package.json (it is @crmkit/storage-postgres's dev dependency, hoisted by npm workspaces).
import pg from 'pg';
import { createCrm, type Crm } from '@crmkit/core';
import {
  createPostgresStorage,
  type PgListenable,
  type PgNamedQuery,
  type PgPoolLike,
  type PostgresStorage,
} from '@crmkit/storage-postgres';
import { NOW, TIME_ZONE } from '../scale/data.js';

/** Tags every connection of the run, so a clean-up after a signal can end the ones still busy. */
export const APPLICATION_NAME = `crmkit-bench-${process.pid}`;

const connectionConfig = (): pg.ClientConfig => ({
  ...(process.env['DATABASE_URL'] ? { connectionString: process.env['DATABASE_URL'] } : {}),
  application_name: APPLICATION_NAME,
});

/** A new pool: `pg`'s defaults (10 connections), the run's application name. */
export function newPool(): pg.Pool {
  return new pg.Pool(connectionConfig());
}

/** A new connected client: a fresh backend, for timings where an application is cold. */
export async function newClient(): Promise<pg.Client> {
  const client = new pg.Client(connectionConfig());
  await client.connect();
  return client;
}

/** The CRM of the benchmark: an admin (restore needs the `backup` capability), the data's clock. */
function benchCrm(storage: PostgresStorage): Promise<Crm> {
  return createCrm({
    storage,
    actor: { id: 'usr-bench-admin', role: 'admin' },
    clock: () => NOW,
    timeZone: TIME_ZONE,
  });
}

/** An open storage of one tenant and the CRM over it. */
export interface CrmSession {
  readonly storage: PostgresStorage;
  readonly crm: Crm;
  /** Closes the storage (its listening connection goes back to the pool) and disposes of the CRM. */
  close(): Promise<void>;
}

/** Opens the storage of `tenant` in `schema` over `pool` (migrating the schema on first use) and a CRM over it. */
export async function openCrm(pool: PgPoolLike, tenant: string, schema: string): Promise<CrmSession> {
  const storage = await createPostgresStorage({ pool, tenant, schema });
  try {
    const crm = await benchCrm(storage);
    return {
      storage,
      crm,
      async close() {
        await storage.close();
        await crm.dispose();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/** Runs `body` with a session, closed whatever happens (an unclosed storage would keep `pool.end()` waiting). */
export async function withCrm<T>(
  pool: PgPoolLike,
  tenant: string,
  schema: string,
  body: (session: CrmSession) => Promise<T>,
): Promise<T> {
  const session = await openCrm(pool, tenant, schema);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

/** Where the server is, for the report (never the password). */
export function serverLabel(): string {
  const url = process.env['DATABASE_URL'];
  if (url) {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  }
  return `${process.env['PGHOST'] ?? 'localhost'}:${process.env['PGPORT'] ?? 5432}/${process.env['PGDATABASE'] ?? ''}`;
}

/** The server's version and the settings that move these timings. */
export async function serverSettings(pool: pg.Pool): Promise<Record<string, string>> {
  const names = [
    'server_version',
    'shared_buffers',
    'work_mem',
    'maintenance_work_mem',
    'effective_cache_size',
    'jit',
    'fsync',
    'synchronous_commit',
    'max_wal_size',
    'lc_collate',
  ];
  const { rows } = await pool.query<{ name: string; setting: string }>(
    'SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name',
    [names],
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
}

/** A statement the adapter sent, with its parameters. */
export interface Recorded {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * A pool handed to `createPostgresStorage` that, while `recording` is on, keeps every statement sent through it or
 * through the connections it hands out (transactions, the listener). Off, it only forwards.
 */
export function recordingPool(pool: pg.Pool): { pool: PgPoolLike; start(): void; stop(): Recorded[] } {
  let recorded: Recorded[] | undefined;
  const note = (sql: string, params: unknown[] | undefined) => recorded?.push({ sql, params: params ?? [] });
  return {
    pool: {
      query(statement: string | PgNamedQuery, params?: unknown[]) {
        if (typeof statement !== 'string') return (note(statement.text, statement.values), pool.query(statement));
        note(statement, params);
        return pool.query(statement, params);
      },
      async connect() {
        const client = await pool.connect();
        const wrapped: PgListenable & { release(error?: Error | boolean): void } = {
          query(statement: string | PgNamedQuery, params?: unknown[]) {
            if (typeof statement !== 'string') return (note(statement.text, statement.values), client.query(statement));
            note(statement, params);
            return client.query(statement, params);
          },
          on: (event, listener) => client.on(event, listener),
          off: (event, listener) => client.off(event, listener),
          release: (error) => client.release(error),
        };
        return wrapped;
      },
    },
    start: () => void (recorded = []),
    stop() {
      const out = recorded ?? [];
      recorded = undefined;
      return out;
    },
  };
}

/** Whether a recorded statement only reads (`SELECT …`). */
export const isRead = (statement: Recorded) => /^\s*SELECT\b/i.test(statement.sql);

/** Sends recorded statements again through `pool`, in order, as the adapter sent them; the rows they returned. */
export async function replay(pool: pg.Pool, statements: readonly Recorded[]): Promise<number> {
  let rows = 0;
  for (const { sql, params } of statements) rows += (await pool.query(sql, [...params])).rows.length;
  return rows;
}

/** One statement's plan as the server ran it. */
export interface Plan {
  readonly sql: string;
  /** `EXPLAIN (ANALYZE, BUFFERS)` output, one line per entry. */
  readonly plan: readonly string[];
  readonly executionMs: number;
}

/** `EXPLAIN (ANALYZE, BUFFERS)` of each read statement (`SELECT …`) among `statements`, run again with its parameters. */
export async function explain(pool: pg.Pool, statements: readonly Recorded[]): Promise<Plan[]> {
  const plans: Plan[] = [];
  for (const { sql, params } of statements.filter(isRead)) {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [...params]);
    const plan = rows.map((row) => row['QUERY PLAN']);
    const time = plan.map((line) => /Execution Time: ([\d.]+) ms/.exec(line)?.[1]).find(Boolean);
    plans.push({ sql: sql.replace(/\s+/g, ' ').trim(), plan, executionMs: Number(time ?? NaN) });
  }
  return plans;
}

/** A plan in a few lines for the printed report: the statement, then the plan's nodes and its execution time. */
export function planSummary(plan: Plan, maxLines = 14): string {
  const sql = plan.sql.length > 160 ? `${plan.sql.slice(0, 157)}…` : plan.sql;
  const lines = plan.plan.filter(
    (line) => !/^\s*(Buffers|Planning|Filter|Rows Removed|Sort Method|Heap Blocks)/.test(line),
  );
  // Long lines (id lists, key expressions) are cut here; the JSON keeps them whole.
  const shown = lines.slice(0, maxLines).map((line) => (line.length > 220 ? `${line.slice(0, 219)}…` : line));
  if (lines.length > maxLines) shown.push(`  … ${lines.length - maxLines} more lines (in the JSON)`);
  return [`    ${sql}`, ...shown.map((line) => `      ${line}`)].join('\n');
}

/**
 * Drops the run's schemas from a fresh connection, first ending the run's other connections (a statement still
 * running would hold locks the drop waits for). Used on a signal; the normal path drops them through its pool.
 */
export async function dropSchemasNow(schemas: readonly string[]): Promise<void> {
  const client = await newClient();
  try {
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [APPLICATION_NAME],
    );
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
