/** Engine failures as crmkit's typed errors, and the retry of transactions the database aborted. */
import { CrmError, StorageError, StorageQuotaError, StorageUnavailableError } from '@crmkit/core';

/**
 * A change feed cannot resume from the position it was given: changes past it were pruned from the change log. The
 * subscriber missed changes, so it reads what it shows afresh and starts from the current end of the log.
 */
export class ChangeLogGapError extends StorageError {
  /** The position asked for. */
  readonly position: string;

  constructor(position: string) {
    super(`Changes past position ${position} were pruned from the change log: read afresh instead of resuming`, {
      code: 'CRM_CHANGE_LOG_GAP',
    });
    this.position = position;
  }
}

/** Whether `value` is an object (not null): an engine error, or an option that must be one. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** How often a transaction is tried when the database aborts it for a conflict with another (SQLSTATE 40001, 40P01). */
export const TRANSACTION_ATTEMPTS = 3;

// SQLSTATE serialization_failure and deadlock_detected: the database gave up on the transaction, which may simply be
// run again.
const RETRYABLE = new Set(['40001', '40P01']);

function sqlState(error: unknown): string | undefined {
  for (let current = error, depth = 0; isObject(current) && depth < 3; current = current['cause'], depth++) {
    const code = current['code'];
    if (!(current instanceof CrmError) && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Wraps an engine failure in `StorageError` (`StorageQuotaError` for a full disk, `StorageUnavailableError` when the
 * server cannot be reached or is shutting down); crmkit's own errors pass through.
 */
export function engineError(error: unknown): CrmError {
  if (error instanceof CrmError) return error;
  const state = sqlState(error);
  if (state === '53100') return new StorageQuotaError(undefined, { cause: error });
  if (state?.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03') {
    return new StorageUnavailableError(`PostgreSQL is unavailable (SQLSTATE ${state})`, { cause: error });
  }
  return new StorageError(`PostgreSQL failed${state ? ` (SQLSTATE ${state})` : ''}`, { cause: error });
}

/**
 * Runs a transaction, again when the database aborted it for a conflict, up to {@link TRANSACTION_ATTEMPTS} times.
 * Failures of the database become `StorageError`; anything else the body threw is passed on as it is.
 */
export async function retrying<T>(attempt: (passOn: (error: unknown) => never) => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    let own: { error: unknown } | undefined;
    try {
      return await attempt((error) => {
        own = { error };
        throw error;
      });
    } catch (error) {
      if (tries < TRANSACTION_ATTEMPTS && RETRYABLE.has(sqlState(error) ?? '')) {
        // A random pause, longer each time, so the transactions that collided do not collide again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * tries));
        continue;
      }
      throw own?.error === error ? error : engineError(error);
    }
  }
}
