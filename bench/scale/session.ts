/**
 * The CRM the operations run on, with the proxy that counts its storage calls, and the means to abandon a call that
 * runs too long: close the storage (the call then fails at its next storage call) and open a new storage and CRM
 * over the same stored data. The same in both runners; each says how to open its storage.
 */
import type { Crm, StoragePort } from '@crmkit/core';
import type { ScaleData } from './data.js';
import { countingStorage, openCrm, type CallCounts } from './operations.js';

export interface CrmSession {
  /** The current CRM. */
  crm(): Crm;
  /** Storage calls through the current CRM, by method. */
  readonly calls: { readonly counts: CallCounts; reset(): void };
  /** Closes the storage under whatever still runs on it, then opens a new storage and CRM. */
  abandon(): Promise<void>;
  /** Disposes of the CRM and closes the storage. */
  close(): Promise<void>;
}

/** How long closing waits for the CRM's background work before it goes on without it. */
const DISPOSE_WAIT_MS = 5000;

/** Opens a session over the storage `open` returns (loaded and ready: indexes built, connection open). */
export async function openSession(
  open: () => Promise<StoragePort>,
  data: ScaleData,
  log: (message: string) => void = () => undefined,
): Promise<CrmSession> {
  let storage = await open();
  let counted = countingStorage(storage);
  let crm = await openCrm(counted.storage, data);
  const shut = async () => {
    await storage.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, DISPOSE_WAIT_MS)));
    await Promise.race([crm.dispose().catch(() => undefined), wait]).finally(() => clearTimeout(timer));
  };
  return {
    crm: () => crm,
    calls: {
      get counts() {
        return counted.counts;
      },
      reset: () => counted.reset(),
    },
    async abandon() {
      await shut();
      const started = performance.now();
      storage = await open();
      counted = countingStorage(storage);
      crm = await openCrm(counted.storage, data);
      log(`storage and CRM reopened (untimed, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    },
    close: shut,
  };
}
