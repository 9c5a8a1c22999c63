/** One PGlite per test file (a fresh one takes seconds), and a fresh tenant per case. */
import { PGlite } from '@electric-sql/pglite';
import type { StoragePort } from '@crmkit/core';
import type { StorageHarness } from '@crmkit/storage-conformance';
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

/**
 * A conformance harness over the adapter: `open` makes a storage of one tenant (counting records read through
 * `onRead`), `query` reads the stored documents of that tenant as they are in the table `records` of `schema`.
 */
export async function postgresHarness(options: {
  readonly tenant: string;
  readonly schema?: string;
  readonly query: (sql: string, params: unknown[]) => Promise<{ rows: { doc: unknown }[] }>;
  readonly open: (onRead: (records: number) => void) => Promise<StoragePort>;
  readonly dispose: (storage: StoragePort) => Promise<void>;
}): Promise<StorageHarness> {
  const { tenant, query } = options;
  let read = 0;
  const open = () => options.open((records) => (read += records));
  const rawRows = async (collection: string, id?: string) =>
    (
      await query(
        `SELECT doc FROM ${options.schema ?? 'crmkit'}.records WHERE tenant_id = $1 AND collection = $2 AND ($3::text IS NULL OR id = $3)`,
        [tenant, collection, id ?? null],
      )
    ).rows.map((row) => row.doc);
  const storage = await open();
  return {
    storage,
    openAnother: open,
    recordsRead: () => read,
    raw: {
      get: async (collection, id) => (await rawRows(collection, id))[0],
      list: (collection) => rawRows(collection),
    },
    dispose: () => options.dispose(storage),
  };
}
