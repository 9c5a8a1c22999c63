/**
 * crmkit storage on PostgreSQL: every tenant's collections in one table of JSONB documents, over `pg` or an embedded
 * PGlite.
 *
 * @packageDocumentation
 * @module @crmkit/storage-postgres
 */
export { createPostgresStorage, DEFAULT_POSTGRES_SCHEMA } from './postgres-storage.js';
export { ChangeLogGapError, TRANSACTION_ATTEMPTS } from './errors.js';
export type { PostgresStorage } from './postgres-storage.js';
export type { PostgresChangeFeedOptions, PostgresStorageOptions } from './options.js';
export type { PostgresChangeMode } from './feed.js';
export { pgClientDriver, pgPoolDriver, pgliteDriver } from './driver.js';
export type {
  PgDriverOptions,
  PgListenable,
  PgNamedQuery,
  PgNotification,
  PgPoolLike,
  PgQueryable,
  PgliteLike,
  SqlDriver,
  SqlExecutor,
  SqlResult,
  SqlTransactionOptions,
} from './driver.js';
export { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './schema.js';
export type { PostgresMigration } from './schema.js';
export { PUSHED_OPERATORS } from './pushdown.js';
