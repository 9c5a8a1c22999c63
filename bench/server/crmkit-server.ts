/**
 * One crmkit server process, as a host would write it: `createPostgresStorage` over a `pg` pool (its change feed on,
 * so this process hears the other's writes), `createCrmHandler` with an `authenticate` mapping bearer tokens to
 * actors, `toNodeListener` on `node:http`, on a free loopback port. Started by main.ts; prints `listening <port>`.
 *
 * The experiments (`setup.experiment`; information contenders, not how crmkit ships) hand the storage a pool that
 * changes how its write transactions meet, to measure two ways out of the collisions on the audit log's next sequence
 * number (see docs/benchmarks.md), without touching crmkit's code:
 *
 * - `serialised`: a session advisory lock per tenant taken before each `BEGIN` and released after `COMMIT` or
 *   `ROLLBACK`. The tenant's write transactions run one at a time across processes, each with a snapshot taken after
 *   the previous one committed.
 * - `audit-tail`: transactions run at READ COMMITTED instead of REPEATABLE READ (records stay guarded by their
 *   `WHERE version = n` writes), and a transaction-level advisory lock per tenant is taken just before the first read
 *   of a record every writer shares (the audit log's newest entry; a capture's lead-assignment state), so only the
 *   tail of each write transaction (from there to `COMMIT`) runs one at a time, and that read sees the newest
 *   committed state.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { createPostgresStorage, type PgListenable, type PgNamedQuery, type PgPoolLike } from '@crmkit/storage-postgres';
import { createCrmHandler, toNodeListener } from '@crmkit/server';
import { SCHEMA, TIME_ZONE, announce, bearer, newPool, readSetup } from './config.js';

const setup = readSetup();
const pool = newPool(setup.poolSize, setup.name);

/**
 * The records every write transaction of a tenant meets (`audit-tail`): the audit log's newest entry, and the lead
 * assignment's round-robin state that each capture reads and rewrites.
 */
const SHARED = new Set(['auditLog', 'assignmentState']);

/** What the experiment's transactions did: how many, their statements, their length, the lock's wait and hold. */
const transactions = { count: 0, statements: 0, lengthMs: 0, locked: 0, waitMs: 0, heldMs: 0 };

/** `pool` with its transactions changed as `experiment` says (see the module's comment). */
function experimentalPool(pool: pg.Pool, tenant: string, experiment: 'serialised' | 'audit-tail'): PgPoolLike {
  const key = `crmkit-bench-writes:${tenant}`;
  const lock = async (client: pg.PoolClient, sql: string) => {
    const asked = performance.now();
    await client.query(sql, [key]);
    transactions.locked++;
    transactions.waitMs += performance.now() - asked;
    return performance.now();
  };
  return {
    query: (statement: string | PgNamedQuery, params?: unknown[]) =>
      typeof statement === 'string' ? pool.query(statement, params) : pool.query(statement),
    async connect() {
      const client = await pool.connect();
      let inTransaction = false;
      let began = 0;
      let lockedAt = 0;
      const wrapped: PgListenable & { release(error?: Error | boolean): void } = {
        async query(statement: string | PgNamedQuery, values?: unknown[]) {
          // The storage's prepared statements come named: their text and values are what the experiment looks at.
          let sql = typeof statement === 'string' ? statement : statement.text;
          const params = typeof statement === 'string' ? values : statement.values;
          if (/^BEGIN\b/i.test(sql)) {
            if (experiment === 'serialised') lockedAt = await lock(client, 'SELECT pg_advisory_lock(hashtext($1))');
            else sql = 'BEGIN ISOLATION LEVEL READ COMMITTED';
            inTransaction = true;
            began = performance.now();
            transactions.count++;
          } else if (
            inTransaction &&
            experiment === 'audit-tail' &&
            lockedAt === 0 &&
            SHARED.has(String(params?.[1])) &&
            /^\s*SELECT\b/i.test(sql)
          ) {
            lockedAt = await lock(client, 'SELECT pg_advisory_xact_lock(hashtext($1))');
          }
          if (inTransaction) transactions.statements++;

          try {
            return await (typeof statement === 'string' ? client.query(sql, params) : client.query(statement));
          } finally {
            if (inTransaction && /^(COMMIT|ROLLBACK)\b/i.test(sql)) {
              inTransaction = false;
              const now = performance.now();
              transactions.lengthMs += now - began;
              if (lockedAt > 0) transactions.heldMs += now - lockedAt;
              lockedAt = 0;
              if (experiment === 'serialised') await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
            }
          }
        },
        on: (event, listener) => client.on(event, listener),
        off: (event, listener) => client.off(event, listener),
        release: (error) => client.release(error),
      };
      return wrapped;
    },
  };
}

const storage = await createPostgresStorage({
  pool: setup.experiment ? experimentalPool(pool, setup.tenant, setup.experiment) : pool,
  tenant: setup.tenant,
  schema: SCHEMA,
});
const tokens = new Map(Object.entries(setup.tokens));

const handler = createCrmHandler({
  storage,
  authenticate: async (request) => {
    const actor = tokens.get(bearer(request.headers.get('authorization')) ?? '');
    return actor && { actor: { id: actor.id, role: actor.role } };
  },
  crm: { timeZone: TIME_ZONE },
  onError: (error) => {
    // Counted by code and SQLSTATE, printed at the end; the first few in full.
    unexpected++;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const kind = `${(error as { code?: string }).code ?? 'no code'}${cause?.code ? ` (SQLSTATE ${cause.code})` : ''}`;
    failures.set(kind, (failures.get(kind) ?? 0) + 1);
    if (unexpected > 3) return;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(`unexpected failure: ${text}${cause ? ` (cause: ${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
  },
});
const failures = new Map<string, number>();
let unexpected = 0;

const server = createServer(toNodeListener(handler));
// Keep-alive connections outlive a pause between rounds of the load.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port));

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  if (unexpected > 0) {
    const kinds = [...failures].map(([kind, n]) => `${n} ${kind}`).join(', ');
    console.error(`unexpected failures (answered 500), warm-up included: ${unexpected}: ${kinds}`);
  }
  if (transactions.count > 0) {
    const { count, statements, lengthMs, locked, waitMs, heldMs } = transactions;
    console.error(
      `write transactions: ${count}, ${(statements / count).toFixed(1)} statements each (BEGIN and COMMIT included), ` +
        `${(lengthMs / count).toFixed(1)} ms long; the lock taken by ${locked}, waited for ` +
        `${(waitMs / Math.max(1, locked)).toFixed(1)} ms and held ${(heldMs / Math.max(1, locked)).toFixed(1)} ms on average`,
    );
  }
  server.closeAllConnections();
  server.close();
  await handler.close();
  await storage.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', () => void close());
process.on('SIGINT', () => void close());
