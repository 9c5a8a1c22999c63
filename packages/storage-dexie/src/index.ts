/**
 * crmkit storage on IndexedDB through Dexie: the embedded default in a browser.
 *
 * @packageDocumentation
 * @module @crmkit/storage-dexie
 */
export { createDexieStorage, DEXIE_SCHEMA_VERSION } from './dexie-storage.js';
export type { DexieStorageOptions } from './dexie-storage.js';
