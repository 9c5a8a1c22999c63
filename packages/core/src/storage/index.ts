/**
 * The storage port, the query helpers every adapter shares (ordering, cursors, snapshots, change feed) and the
 * reference in-memory adapter.
 *
 * @module
 */
export type {
  StoragePort,
  StorageOperations,
  StorageCapabilities,
  IndexDesign,
  StorageOptions,
  StorageSnapshot,
  StoredRecord,
  RecordInput,
  RecordMeta,
  PutOptions,
  DeleteOptions,
  QueryOptions,
  QueryPage,
  OrderBy,
  ChangeEvent,
  ChangeListener,
  MatchQuery,
  CountField,
  TransactionOptions,
} from './port.js';
export { stampWrite } from './stamp.js';
export { CRM_INDEXES, indexesIn, parseIndexSpec } from './indexes.js';
export type { IndexSpec } from './indexes.js';
export {
  queryInMemory,
  compareValues,
  sortRank,
  compareRecords,
  encodeCursor,
  decodeCursor,
  isAfterCursor,
  parseQueryOptions,
  checkCollection,
  collectionNameSchema,
  recordIdSchema,
} from './query.js';
export { checkSnapshotShape, parseSnapshot } from './snapshot.js';
export { createMemoryStorage } from './memory.js';
export { createChangeFeed } from './change-feed.js';
export type { ChangeFeed } from './change-feed.js';
export type { MemoryStorageOptions, MemoryData } from './memory.js';
