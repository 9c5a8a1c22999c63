/**
 * The storage port: the one contract every adapter (memory, IndexedDB, PostgreSQL, REST) implements. The CRM services
 * are written against it alone, so an adapter can be swapped without touching domain code.
 */

/** Fields every stored record carries; the adapter maintains `version`, `createdAt` and `updatedAt`. */
export interface RecordMeta {
  readonly id: string;
  /** 1 after the first write, incremented on every later write. */
  readonly version: number;
  /** ISO-8601 UTC instant of the first write. */
  readonly createdAt: string;
  /** ISO-8601 UTC instant of the latest write. */
  readonly updatedAt: string;
}

/** A stored record: its metadata plus the entity's own fields. */
export type StoredRecord<T extends object = Record<string, unknown>> = T & RecordMeta;

/** What a caller hands to `put`: the entity with an id; the adapter fills in the metadata. */
export type RecordInput<T extends object = Record<string, unknown>> = T & { readonly id: string };

export interface PutOptions {
  /**
   * The version the caller last read: `0` to create a record that must not yet exist, otherwise the stored version.
   * A mismatch rejects with `ConflictError` and writes nothing.
   */
  readonly expectedVersion: number;
}

export interface DeleteOptions {
  /** When given, the delete only happens at this version; otherwise `ConflictError`. */
  readonly expectedVersion?: number;
}

export interface QueryOptions {
  /** At most this many records, ordered by id. */
  readonly limit?: number;
}

/** The adapter contract. Every method rejects with a `CrmError` subclass; engine errors arrive as `StorageError`. */
export interface StoragePort {
  /** The record, or `undefined` when there is none. */
  get<T extends object>(collection: string, id: string): Promise<StoredRecord<T> | undefined>;
  /** Creates or replaces a record under an optimistic version check; resolves to what was stored. */
  put<T extends object>(collection: string, record: RecordInput<T>, options: PutOptions): Promise<StoredRecord<T>>;
  /** Removes a record; `NotFoundError` when there is none. */
  delete(collection: string, id: string, options?: DeleteOptions): Promise<void>;
  /** Records of a collection ordered by id. */
  query<T extends object>(collection: string, options?: QueryOptions): Promise<StoredRecord<T>[]>;
  /** Releases the engine's resources; the adapter is unusable afterwards. */
  close(): Promise<void>;
}

/** Options shared by the adapters' factories. */
export interface StorageOptions {
  /** The clock stamping `createdAt` and `updatedAt`; defaults to the system clock. */
  readonly now?: () => Date;
}
