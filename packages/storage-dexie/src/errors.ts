/**
 * Turning what IndexedDB and Dexie throw into crmkit's typed errors. Dexie wraps errors in its own classes (an error
 * thrown inside a transaction may come back as Dexie's `AbortError` with the original as `inner`), so every
 * classification walks the whole chain.
 */
import { Dexie } from 'dexie';
import { StorageError, StorageQuotaError, StorageUnavailableError, isCrmError, type CrmError } from '@crmkit/core';

/** The names engines give a full disk or an exhausted origin quota. */
const QUOTA_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);
/** The legacy `DOMException.code` of `QuotaExceededError`. */
const QUOTA_CODE = 22;
/** Names meaning IndexedDB cannot be used here at all. */
const UNAVAILABLE_NAMES = new Set(['MissingAPIError', 'SecurityError', 'InvalidStateError', 'UnknownError']);

/** Every error in the chain `error`, `error.inner`, `error.cause`, `error.failures[…]`, breadth first, bounded. */
export function errorChain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 16) {
    const current = queue.shift();
    if (current === null || current === undefined || seen.includes(current)) continue;
    seen.push(current);
    if (typeof current !== 'object') continue;
    const links = current as { inner?: unknown; cause?: unknown; failures?: unknown };
    queue.push(links.inner, links.cause);
    if (Array.isArray(links.failures)) queue.push(...(links.failures as unknown[]));
  }
  return seen;
}

function nameOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** Our own error, wherever Dexie wrapped it. */
export function findCrmError(error: unknown): CrmError | undefined {
  return errorChain(error).find((link): link is CrmError => isCrmError(link));
}

/**
 * True when `error` means "out of space": a `QuotaExceededError` anywhere in the chain, or an abort whose
 * transaction failed with one (IndexedDB reports a commit refused for space as `AbortError` on the requests, with
 * the quota error only on the transaction).
 */
export function isQuotaError(error: unknown, transaction?: Pick<IDBTransaction, 'error'> | undefined): boolean {
  const chain = errorChain(error);
  const isQuota = (link: unknown) =>
    QUOTA_NAMES.has(nameOf(link) ?? '') ||
    (typeof DOMException === 'function' && link instanceof DOMException && link.code === QUOTA_CODE);
  if (chain.some(isQuota)) return true;
  if (!chain.some((link) => nameOf(link) === 'AbortError')) return false;
  let transactionError: unknown;
  try {
    transactionError = transaction?.error;
  } catch {
    // Reading `error` of a transaction that has not finished throws InvalidStateError in some engines.
    return false;
  }
  return errorChain(transactionError).some(isQuota);
}

function isEngineError(error: unknown): boolean {
  return error instanceof Dexie.DexieError || (typeof DOMException === 'function' && error instanceof DOMException);
}

/**
 * What the caller sees for `error`: our own `CrmError` unwrapped, quota failures as `StorageQuotaError`, other engine
 * errors as `StorageError` with the engine's error as `cause`. Anything else (the transaction body's own error) is
 * returned unchanged.
 */
export function toCrmError(error: unknown, operation: string, transaction?: IDBTransaction): unknown {
  const own = findCrmError(error);
  if (own) return own;
  if (isQuotaError(error, transaction)) return new StorageQuotaError(undefined, { cause: error });
  if (!isEngineError(error)) return error;
  const chain = errorChain(error);
  if (chain.some((link) => nameOf(link) === 'MissingAPIError')) return unavailable(error);
  const name = nameOf(error) ?? 'Error';
  if (name === 'DatabaseClosedError') {
    return new StorageError(`IndexedDB ${operation} failed: the database connection was closed`, { cause: error });
  }
  return new StorageError(`IndexedDB ${operation} failed (${name})`, { cause: error });
}

/** The error for "IndexedDB cannot be used here", naming the engine's reason. */
export function unavailable(cause: unknown): StorageUnavailableError {
  const name = nameOf(cause);
  return new StorageUnavailableError(
    `IndexedDB is not available here${name ? ` (${name})` : ''}; use createMemoryStorage() from @crmkit/core`,
    { cause },
  );
}

/** True when an error opening the database means IndexedDB cannot be used here (rather than a passing failure). */
export function isUnavailableError(error: unknown): boolean {
  return errorChain(error).some((link) => UNAVAILABLE_NAMES.has(nameOf(link) ?? ''));
}

/** Something holding an IndexedDB transaction, as Dexie's `Transaction` does (set once the transaction starts). */
export interface HasIdbTransaction {
  readonly idbtrans: IDBTransaction | null;
}

/**
 * Runs `body`, translating what it throws with {@link toCrmError}. `body` hands its Dexie transaction to `capture`,
 * so a failure can be classified by the IndexedDB transaction's own `error` too.
 */
export async function guard<T>(
  operation: string,
  body: (capture: (transaction: HasIdbTransaction) => void) => Promise<T>,
): Promise<T> {
  let captured: HasIdbTransaction | undefined;
  try {
    return await body((transaction) => {
      captured = transaction;
    });
  } catch (error) {
    throw toCrmError(error, operation, captured?.idbtrans ?? undefined);
  }
}
