/**
 * The small SQL driver the adapter runs on, and its shims for `pg` and PGlite. Every statement goes through
 * `query(sql, params)` with `$n` parameters, so values never become SQL text, whatever the engine.
 */

/** The rows of one statement. */
export interface SqlResult {
  readonly rows: readonly Record<string, unknown>[];
}

/** Runs one parameterised statement. */
export interface SqlExecutor {
  query(sql: string, params?: readonly unknown[]): Promise<SqlResult>;
}

/** How a driver runs one transaction. */
export interface SqlTransactionOptions {
  /**
   * Transactions with the same lock run one at a time, across every connection and process (a session advisory lock
   * taken before the transaction begins, so its snapshot is taken after the previous one committed). A database with
   * one connection may ignore it.
   */
  readonly lock?: string;
  /** READ COMMITTED instead of REPEATABLE READ: each statement sees what was committed before it began. */
  readonly readCommitted?: boolean;
}

/** What the adapter needs of a database: statements, and transactions on one connection. */
export interface SqlDriver extends SqlExecutor {
  /**
   * Runs `body` in one transaction at REPEATABLE READ (unless `options` say otherwise) on one connection: committed
   * when it resolves, rolled back when it rejects (the rejection is passed on).
   */
  transaction<T>(body: (tx: SqlExecutor) => Promise<T>, options?: SqlTransactionOptions): Promise<T>;
  /**
   * Calls `onNotify` with the payload of every notification on `channel` (a lower-case identifier) until the
   * returned function is called, and `onLost` once if the listening connection is lost (the storage then listens
   * again). Without it, the storage reports only its own changes, or polls.
   */
  listen?(
    channel: string,
    onNotify: (payload: string) => void,
    onLost?: (error: Error) => void,
  ): Promise<() => Promise<void>>;
}

/** A statement given to `pg` with a name: prepared once per connection, its plan kept there. */
export interface PgNamedQuery {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

/** The part of a `pg` `Pool`, `Client` or `PoolClient` the shims use. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  query(statement: PgNamedQuery): Promise<{ rows: unknown[] }>;
}

/** Options of the `pg` shims. */
export interface PgDriverOptions {
  /**
   * Prepare the statements the adapter sends repeatedly (from their second use; at most 500 of them), so PostgreSQL
   * plans each once per connection rather than at every call. Default `true`; `false` for a connection pooler that
   * cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
   */
  readonly prepare?: boolean;
}

/** A `pg` notification. */
export interface PgNotification {
  readonly channel: string;
  readonly payload?: string;
}

/** The part of a `pg` `Client` that receives notifications, and says when its connection is lost. */
export interface PgListenable extends PgQueryable {
  on(event: 'notification', listener: (message: PgNotification) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  off?(event: 'notification', listener: (message: PgNotification) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'end', listener: () => void): unknown;
}

/** The part of a `pg` `Pool` the shim uses. */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgListenable & { release(error?: Error | boolean): void }>;
}

/** The part of a PGlite instance (`@electric-sql/pglite`) the shim uses. */
export interface PgliteLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  transaction<T>(
    body: (tx: { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> }) => Promise<T>,
  ): Promise<T>;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

// REPEATABLE READ: a transaction reads one snapshot (a query and a count in it agree) and a concurrent write to a row
// it also writes aborts it with 40001, which the adapter retries. Lost updates are already impossible through the
// version checks, so SERIALIZABLE's predicate locks would only add aborts.
const isolation = (options: SqlTransactionOptions | undefined) =>
  options?.readCommitted ? 'ISOLATION LEVEL READ COMMITTED' : 'ISOLATION LEVEL REPEATABLE READ';

/** How many statements may be prepared; the first uses remembered while they wait for a second are ten times more. */
const MAX_PREPARED = 500;
/** Names by statement text (for `pg`, a name is one text on every connection it is used on). */
const names = /* @__PURE__ */ new Map<string, string>();
const seen = /* @__PURE__ */ new Set<string>();
/** Tells this copy of the module's names from another copy's, should a process load two on one pool. */
const PREFIX = /* @__PURE__ */ `crmkit_${Math.random().toString(36).slice(2, 8)}_`;

/**
 * The name to prepare `sql` under, from its second use; `undefined` for a first use, a statement without parameters
 * (a transaction's `BEGIN`, a migration's script of several statements, which cannot be prepared) and once the budget
 * is spent. The adapter's statements are a few dozen shapes, sent again and again; a filter of a host's own may be
 * sent once, so a first use is only remembered.
 */
function preparedName(sql: string, values: readonly unknown[]): string | undefined {
  let name = names.get(sql);
  if (name === undefined && values.length > 0 && names.size < MAX_PREPARED) {
    if (seen.delete(sql)) names.set(sql, (name = PREFIX + names.size));
    else if (seen.add(sql).size > 10 * MAX_PREPARED) seen.clear();
  }
  return name;
}

/**
 * Runs statements on a `pg` pool or connection (or anything with `query(text, values)` when `prepare` is off), naming
 * those to prepare when it is on.
 */
const executor = (target: PgQueryable | Pick<PgliteLike, 'query'>, prepare?: boolean): SqlExecutor => ({
  query: async (sql, params) => {
    const values = [...(params ?? [])];
    const name = prepare ? preparedName(sql, values) : undefined;
    const result = await (name
      ? (target as PgQueryable).query({ name, text: sql, values })
      : target.query(sql, values));
    return { rows: result.rows as Record<string, unknown>[] };
  },
});

/**
 * `executor` over one connection, its statements sent one after another: a transaction's body may ask for several at
 * once, which a `pg` client must not be given (deprecated, and refused from pg 9).
 */
const inTurn = (connection: PgQueryable, prepare: boolean): SqlExecutor => {
  const plain = executor(connection, prepare);
  let tail: Promise<unknown> = Promise.resolve();
  return {
    query(sql, params) {
      const run = tail.then(() => plain.query(sql, params));
      tail = run.catch(() => undefined);
      return run;
    },
  };
};

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `LISTEN` on `connection`, delivering `channel`'s payloads to `onNotify` and a lost connection to `onLost` (once);
 * resolves to the function that stops.
 */
async function listenOn(
  connection: PgListenable,
  channel: string,
  onNotify: (payload: string) => void,
  onLost: (error: Error) => void = () => undefined,
): Promise<() => Promise<void>> {
  // LISTEN takes no parameters: the channel is spliced, so it must be a plain identifier.
  if (!CHANNEL.test(channel)) throw new Error('Not a channel name');
  let lost = false;
  const listener = (message: PgNotification) => {
    if (message.channel === channel) onNotify(message.payload ?? '');
  };
  const detach = () => {
    connection.off?.('notification', listener);
    connection.off?.('error', onError);
    connection.off?.('end', onEnd);
  };
  function onError(error: Error) {
    if (lost) return;
    lost = true;
    detach();
    onLost(error);
  }
  function onEnd() {
    onError(new Error('The listening connection ended'));
  }
  connection.on('notification', listener);
  connection.on('error', onError);
  connection.on('end', onEnd);
  try {
    await connection.query(`LISTEN ${channel}`);
  } catch (error) {
    detach();
    throw error;
  }
  return async () => {
    lost = true;
    detach();
    await connection.query(`UNLISTEN ${channel}`);
  };
}

/**
 * Runs `body` in a transaction on `connection`, holding the advisory lock `options` name if any; resolves `broken`
 * when the connection's state is unknown after (a connection that ends releases its locks with it).
 */
async function inTransaction<T>(
  connection: PgQueryable,
  body: (tx: SqlExecutor) => Promise<T>,
  broken: (error: Error) => void,
  options: SqlTransactionOptions | undefined,
  prepare: boolean,
): Promise<T> {
  const lock = options?.lock;
  if (lock === undefined) return transactionOn(connection, body, broken, options, prepare);
  await connection.query(`SELECT pg_advisory_lock(${LOCK_KEY})`, [lock]);
  try {
    return await transactionOn(connection, body, broken, options, prepare);
  } finally {
    await connection
      .query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [lock])
      .catch((error: unknown) => broken(error instanceof Error ? error : new Error('Unlock failed')));
  }
}

/** The 64-bit advisory lock key of a lock's name. */
const LOCK_KEY = 'hashtextextended($1::text, 0)';

async function transactionOn<T>(
  connection: PgQueryable,
  body: (tx: SqlExecutor) => Promise<T>,
  broken: (error: Error) => void,
  options: SqlTransactionOptions | undefined,
  prepare: boolean,
): Promise<T> {
  const rollback = () =>
    connection
      .query('ROLLBACK')
      .catch((error: unknown) => broken(error instanceof Error ? error : new Error('ROLLBACK failed')));
  await connection.query(`BEGIN ${isolation(options)}`);
  let result: T;
  try {
    result = await body(inTurn(connection, prepare));
  } catch (error) {
    await rollback();
    throw error;
  }
  try {
    await connection.query('COMMIT');
  } catch (error) {
    // A failed COMMIT (a serialization failure) has already ended the transaction; ROLLBACK is a harmless no-op.
    await rollback();
    throw error;
  }
  return result;
}

/** A driver over a `pg` `Pool`: each transaction on a connection of its own, statements on any. */
export function pgPoolDriver(pool: PgPoolLike, { prepare = true }: PgDriverOptions = {}): SqlDriver {
  return {
    ...executor(pool, prepare),
    async transaction(body, options) {
      const connection = await pool.connect();
      // A connection whose ROLLBACK failed may still be in a transaction: it is discarded, not returned to the pool.
      let broken: Error | undefined;
      try {
        return await inTransaction(connection, body, (error) => (broken = error), options, prepare);
      } finally {
        connection.release(broken);
      }
    },
    // Notifications arrive on the connection that listens, so it is held until the storage closes.
    async listen(channel, onNotify, onLost) {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        const stop = await listenOn(connection, channel, onNotify, (error) => {
          // A lost connection goes back to the pool as broken, so the pool discards it.
          broken = error;
          connection.release(error);
          onLost?.(error);
        });
        return async () => {
          if (broken) return;
          try {
            await stop();
          } finally {
            connection.release();
          }
        };
      } catch (error) {
        connection.release(error instanceof Error ? error : true);
        throw error;
      }
    },
  };
}

/**
 * A driver over one `pg` `Client` (or a `PoolClient` held for the adapter's lifetime). One connection has one
 * transaction at a time, so statements and transactions take turns: a statement never lands inside another caller's
 * transaction.
 */
export function pgClientDriver(
  client: PgQueryable & Partial<Pick<PgListenable, 'on' | 'off'>>,
  { prepare = true }: PgDriverOptions = {},
): SqlDriver {
  let tail: Promise<unknown> = Promise.resolve();
  const turn = <T>(body: () => Promise<T>): Promise<T> => {
    const run = tail.then(body, body);
    tail = run.catch(() => undefined);
    return run;
  };
  const plain = executor(client, prepare);
  return {
    query: (sql, params) => turn(() => plain.query(sql, params)),
    transaction: (body, options) => turn(() => inTransaction(client, body, () => undefined, options, prepare)),
    ...(client.on
      ? {
          listen: (channel, onNotify, onLost) =>
            turn(() => listenOn(client as PgListenable, channel, onNotify, onLost)),
        }
      : {}),
  };
}

/** A driver over PGlite, which has one connection and serialises its transactions itself (so needs no lock). */
export function pgliteDriver(db: PgliteLike): SqlDriver {
  return {
    ...executor(db),
    transaction: (body, options) =>
      db.transaction(async (tx) => {
        await tx.query(`SET TRANSACTION ${isolation(options)}`);
        return body(executor(tx));
      }),
    // An embedded database has no connection to lose.
    listen: (channel, onNotify) => db.listen(channel, onNotify),
  };
}
