/**
 * crmkit storage on IndexedDB through Dexie: the embedded default in a browser.
 *
 * @packageDocumentation
 * @module @crmkit/storage-dexie
 */
export { createDexieStorage, DEFAULT_BLOCKED_TIMEOUT_MS } from './dexie-storage.js';
export type { DexieStorage, DexieStorageOptions, DexieVersionChange } from './dexie-storage.js';
export { CRM_INDEXES, DEXIE_SCHEMA_VERSION, SCHEMA_VERSIONS, schemaVersionOf } from './schema.js';
export type { SchemaVersionStep } from './schema.js';
export { isIndexedDbAvailable } from './open.js';
export type { DexieStorageStatus, StorageManagerLike } from './status.js';
