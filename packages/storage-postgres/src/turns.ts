/**
 * How a tenant's writing transactions take turns, in every process: each appends to the tenant's audit chain (the
 * next entry's id follows the last one's), so two at once would collide on it and one would be aborted.
 *
 * By default a transaction holds the tenant's lock from before it begins (a session advisory lock, so its REPEATABLE
 * READ snapshot follows the previous commit): it runs as if alone. With `serial: 'appends'` it runs at READ COMMITTED
 * without the lock and takes it (for the transaction) when the CRM calls `serialize` before reading what it appends
 * to, so only its appends wait for the others', and what it reads after that is fresh; one that never calls it never
 * waits. Its writes are version-checked, and a refused one reruns the whole transaction (as a serial one after a few
 * refusals), which alone answers a caller whose expected version is stale.
 *
 * A transaction waiting for the lock may hold rows it wrote. It is never waited for by the lock's holder: what a body
 * writes after `serialize` is new, or read after it, so no holder of the lock writes a row another holds unless that
 * one also took the lock first. (Should a host's body break that rule, PostgreSQL finds the deadlock and aborts one
 * transaction, which is retried.)
 */
import type { ChangeEvent, StorageOperations, TransactionOptions } from '@crmkit/core';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { retrying } from './errors.js';

/** What a transaction's operations tell it and ask of it. */
export interface WriteTurn {
  /** The port's `serialize`: takes the tenant's lock, once. */
  serialize(): Promise<void>;
  /** A write was refused (a stale version, a missing record). */
  refused(error: Error): void;
}

/** What {@link tenantTransactions} runs on: the adapter's statements and operations. */
export interface TurnSetup {
  readonly driver: SqlDriver;
  readonly schemaName: string;
  readonly tenant: string;
  /** Runs one statement binding the tenant as `$1` before `params`. */
  run(executor: SqlExecutor, sql: string, params: readonly unknown[]): Promise<unknown>;
  /** The port's operations inside a transaction, collecting its changes in `events`. */
  operations(executor: SqlExecutor, events: ChangeEvent[], turn: WriteTurn): StorageOperations;
  /** Reports a committed transaction's changes. */
  emit(events: ChangeEvent[]): void;
}

/** Thrown out of a transaction that is not wholly serial whose write was refused, to run it again. */
const RERUN = Symbol('rerun');

/** How often a transaction that is not wholly serial runs before it runs alone. */
const APPENDS_ATTEMPTS = 2;

/** The port's `transaction` for one tenant, and the name of the tenant's lock (for its other writers to take). */
export function tenantTransactions({ driver, schemaName, tenant, run, operations, emit }: TurnSetup) {
  const tenantLock = `crmkit:${schemaName}:${tenant}`;

  /** One run of `body` in a transaction, as `serial` says. */
  const attempt = async <T>(
    body: (tx: StorageOperations) => Promise<T>,
    serial: NonNullable<TransactionOptions['serial']>,
  ): Promise<T> => {
    const events: ChangeEvent[] = [];
    const result = await retrying((passOn) => {
      events.length = 0;
      return driver.transaction(
        async (tx) => {
          let locked = serial === 'all';
          let refusal: Error | undefined;
          const turn: WriteTurn = {
            serialize: async () => {
              if (locked) return;
              // The key of `tenantLock`, the tenant bound as every statement's `$1`.
              await run(tx, `SELECT pg_advisory_xact_lock(hashtextextended($2::text || $1::text, 0))`, [
                `crmkit:${schemaName}:`,
              ]);
              locked = true;
            },
            refused: (error) => void (refusal ??= error),
          };
          let result: T;
          try {
            result = await body(operations(tx, events, turn));
          } catch (error) {
            return passOn(serial === 'all' || !refusal ? error : RERUN);
          }
          // A body that went on after a refused write must not commit the rest (the port's promise).
          if (refusal) return passOn(serial === 'all' ? refusal : RERUN);
          return result;
        },
        serial === 'all' ? { lock: tenantLock } : { readCommitted: true },
      );
    });
    emit(events);
    return result;
  };

  const transaction = async <T>(
    body: (tx: StorageOperations) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> => {
    const serial = options?.serial ?? 'all';
    if (serial !== 'all') {
      // A refusal means another writer committed in between: run again as before, each statement now seeing that
      // commit (a caller's stale version is then found stale before anything is written). A body refused again runs
      // alone, where no concurrent commit can refuse it.
      for (let attempts = 0; attempts < APPENDS_ATTEMPTS; attempts++) {
        try {
          return await attempt(body, serial);
        } catch (error) {
          if (error !== RERUN) throw error;
        }
      }
    }
    return attempt(body, 'all');
  };

  return { transaction, tenantLock };
}
