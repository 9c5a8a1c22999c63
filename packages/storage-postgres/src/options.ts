/** The options of `createPostgresStorage`, and their strict parsing. */
import * as z from 'zod/mini';
import { collectionNameSchema, parseIndexSpec, type IndexDesign, type StorageOptions } from '@crmkit/core';
import type { PgPoolLike, PgQueryable, PgliteLike, SqlDriver } from './driver.js';
import { isObject } from './errors.js';
import { parsePosition, type PostgresChangeMode } from './feed.js';
import { isSchemaName } from './schema.js';

/** How a storage hears of other processes' changes. */
export interface PostgresChangeFeedOptions {
  /**
   * `notify` (the default where the driver can listen): `LISTEN`/`NOTIFY` says when to read the change log. `poll`:
   * the log is read every `interval` milliseconds and writes send no notification, for databases without them
   * (CockroachDB, YugabyteDB); every process sharing the tables should then poll. `off`: only this storage's own
   * changes are reported.
   */
  readonly mode?: PostgresChangeMode;
  /** Milliseconds between reads in `poll` mode: 10 to 3 600 000, default 1000. */
  readonly interval?: number;
  /**
   * A position from `changePosition()` of an earlier storage: the changes committed since are delivered first.
   * Refused with `ChangeLogGapError` when some of them were pruned.
   */
  readonly resumeFrom?: string;
}

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
   * Indexes for a host's own collections, or added to a CRM collection's, in the port's syntax
   * (`{ accounts: ['region', '*labels', '[region+status]'] }`): created on open when missing, reported in
   * `capabilities.indexes`, and used by the queries like the CRM's own.
   */
  readonly indexes?: IndexDesign;
  /** How other processes' changes are heard of; see {@link PostgresChangeFeedOptions}. */
  readonly changeFeed?: PostgresChangeFeedOptions;
  /**
   * With `pool` or `client`: prepare the statements sent repeatedly, so each is planned once per connection (see
   * `PgDriverOptions.prepare`). Default `true`; `false` behind a pooler that cannot keep prepared statements.
   */
  readonly prepare?: boolean;
  /**
   * Other programs write these tables too: the CRM then parses every record it reads in full against its schema
   * (`capabilities.foreignData`). Default `false`: records crmkit wrote were validated as they were written, so
   * reading them back checks only their shape (each field's type, enums, required fields), and a record that does not
   * fit is parsed in full.
   */
  readonly foreignData?: boolean;
  /**
   * Called with the number of stored records each read received from the database: a query the database answers
   * exactly receives about as many as it returns. For tests and diagnostics.
   */
  readonly onRead?: (records: number) => void;
}

/** Whether `spec` is an index spec of the port's syntax (`field`, `a.b`, `*field`, `[a+b]`). */
function isIndexSpec(spec: string): boolean {
  try {
    parseIndexSpec(spec);
    return true;
  } catch {
    return false;
  }
}

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
    indexes: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z.record(
        collectionNameSchema,
        /* @__PURE__ */ z.array(
          /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.refine(isIndexSpec, 'Expected an index spec')),
        ),
      ),
    ),
    changeFeed: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z.strictObject({
        mode: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['notify', 'poll', 'off'])),
        interval: /* @__PURE__ */ z.optional(
          /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.minimum(10), /* @__PURE__ */ z.maximum(3_600_000)),
        ),
        resumeFrom: /* @__PURE__ */ z.optional(
          /* @__PURE__ */ z
            .string()
            .check(
              /* @__PURE__ */ z.refine(
                (text) => parsePosition(text) !== undefined,
                'Expected a position from changePosition()',
              ),
            ),
        ),
      }),
    ),
    prepare: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
    foreignData: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
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
