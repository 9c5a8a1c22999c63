/**
 * The memory adapter's indexes and query planner, as one module the adapter loads on its first query: a page that
 * runs the CRM on another adapter (IndexedDB, a server) never downloads them. Call `install` first.
 */
export { install } from './planner-kit.js';
export { CollectionIndexes } from './memory-indexes.js';
export { countIndexed, queryIndexed } from './memory-query.js';
