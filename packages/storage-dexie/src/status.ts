/**
 * What the browser says about this origin's storage: whether it is persistent (kept under storage pressure), how
 * much is used and how much is allowed. Through the Storage API (`navigator.storage`) where the browser has it.
 */
import { DEXIE_SCHEMA_VERSION } from './schema.js';

/** The part of the Storage API the adapter uses; any member may be missing in older browsers. */
export type StorageManagerLike = Partial<Pick<StorageManager, 'persisted' | 'persist' | 'estimate'>>;

/** The storage status a host can show (e.g. "data kept on this device: 2 MB of 60 GB, persistent"). */
export interface DexieStorageStatus {
  /**
   * True when the browser will not evict this origin's data under storage pressure; false when it may;
   * `undefined` when the browser cannot tell (no Storage API).
   */
  readonly persisted: boolean | undefined;
  /** Bytes this origin uses (all of its storage, not only this database), when the browser tells. */
  readonly usage?: number;
  /** Bytes this origin may use, when the browser tells. */
  readonly quota?: number;
  /** The schema version this adapter keeps the database at ({@link DEXIE_SCHEMA_VERSION}). */
  readonly schemaVersion: number;
}

/** The Storage API to use: `option` when given (`null` meaning "none"), else `navigator.storage` when present. */
export function resolveStorageManager(option: StorageManagerLike | null | undefined): StorageManagerLike | undefined {
  if (option !== undefined) return option ?? undefined;
  return typeof navigator === 'object' && navigator !== null ? navigator.storage : undefined;
}

/** Reads the status; never rejects (what the browser will not tell is left out). */
export async function readStatus(manager: StorageManagerLike | undefined): Promise<DexieStorageStatus> {
  const [persisted, estimate] = await Promise.all([
    manager?.persisted ? manager.persisted().catch(() => undefined) : Promise.resolve(undefined),
    manager?.estimate ? manager.estimate().catch(() => undefined) : Promise.resolve(undefined),
  ]);
  return {
    persisted,
    ...(typeof estimate?.usage === 'number' ? { usage: estimate.usage } : {}),
    ...(typeof estimate?.quota === 'number' ? { quota: estimate.quota } : {}),
    schemaVersion: DEXIE_SCHEMA_VERSION,
  };
}

/**
 * Asks the browser to keep this origin's data persistently; resolves to whether it is now persistent. Browsers
 * decide by their own rules (an installed app, site engagement, a permission prompt in some); false when the
 * browser has no Storage API or refuses.
 */
export async function requestPersistence(manager: StorageManagerLike | undefined): Promise<boolean> {
  if (!manager?.persist) return false;
  try {
    return await manager.persist();
  } catch {
    return false;
  }
}
