/** The options of `createPostgresStorage`, and their strict parsing. */
import * as z from 'zod/mini';
import type { StorageOptions } from '@crmkit/core';
import type { PgPoolLike, PgQueryable, PgliteLike, SqlDriver } from './driver.js';
import { isSchemaName } from './schema.js';

/** Options of `createPostgresStorage`: exactly one of `driver`, `pool`, `client` or `pglite`, and the tenant. */
export interface PostgresStorageOptions extends StorageOptions {
  /** A driver of your own over any PostgreSQL client. */
  readonly driver?: SqlDriver;
  /** A `pg` `Pool`: statements on any connection, each transaction on one. */
  readonly pool?: PgPoolLike;
  /** One `pg` `Client` (connected): statements and transactions take turns on it. */
  readonly client?: PgQueryable;
  /** An embedded PGlite instance (`@electric-sql/pglite`). */
  readonly pglite?: PgliteLike;
  /** The tenant every statement is scoped to: 1 to 128 characters. */
  readonly tenant: string;
  /** The PostgreSQL schema holding the tables: lower-case letters, digits and `_`. Default `crmkit`. */
  readonly schema?: string;
  /**
   * Called with the number of stored records each read received from the database: a query the database answers
   * exactly receives about as many as it returns. For tests and diagnostics.
   */
  readonly onRead?: (records: number) => void;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const hasMethods =
  (...names: string[]) =>
  (value: unknown) =>
    isObject(value) && names.every((name) => typeof value[name] === 'function');

export const optionsSchema = /* @__PURE__ */ z
  .strictObject({
    driver: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.custom<SqlDriver>(hasMethods('query', 'transaction'))),
    pool: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.custom<PgPoolLike>(hasMethods('query', 'connect'))),
    client: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.custom<PgQueryable>(hasMethods('query'))),
    pglite: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.custom<PgliteLike>(hasMethods('query', 'transaction'))),
    tenant: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(128)),
    schema: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.refine(isSchemaName, 'Expected a lower-case schema name')),
    ),
    now: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.custom<() => Date>((value) => typeof value === 'function')),
    onRead: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z.custom<(records: number) => void>((value) => typeof value === 'function'),
    ),
  })
  .check(
    /* @__PURE__ */ z.refine(
      (options) => [options.driver, options.pool, options.client, options.pglite].filter(Boolean).length === 1,
      'Expected exactly one of driver, pool, client or pglite',
    ),
  );
