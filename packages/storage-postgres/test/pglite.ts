/** One PGlite per test file (a fresh one takes seconds), and a fresh tenant per case. */
import { PGlite } from '@electric-sql/pglite';
import { pgliteDriver, type SqlDriver } from '@crmkit/storage-postgres';

let shared: Promise<PGlite> | undefined;

/** The test file's PGlite instance, started on first use. */
export function sharedPglite(): Promise<PGlite> {
  return (shared ??= PGlite.create());
}

let tenants = 0;

/** A tenant name no other case of this file uses. */
export function freshTenant(prefix = 'tenant'): string {
  return `${prefix}-${process.pid}-${++tenants}`;
}

let schemas = 0;

/** A schema name no other case of this file uses. */
export function freshSchema(prefix = 'crm'): string {
  return `${prefix}_${++schemas}`;
}

/** A statement the driver ran, with its parameters. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** A driver over `db` that records every statement it runs, transactions included. */
export function recordingDriver(db: PGlite, log: Statement[]): SqlDriver {
  const inner = pgliteDriver(db);
  const record = (sql: string, params: readonly unknown[] = []) => void log.push({ sql, params });
  return {
    query: (sql, params) => (record(sql, params), inner.query(sql, params)),
    transaction: (body) =>
      inner.transaction((tx) => body({ query: (sql, params) => (record(sql, params), tx.query(sql, params)) })),
  };
}
