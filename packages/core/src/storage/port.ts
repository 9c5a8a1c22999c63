/**
 * The storage port: the one contract every adapter (memory, IndexedDB, PostgreSQL, REST) implements. The CRM services
 * are written against it alone, so an adapter can be swapped without touching domain code.
 */
import type { Filter, FilterOperator } from '../filter/index.js';

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

/** One sort key. Records are always finally ordered by `id`, so every order is total and cursors are stable. */
export interface OrderBy {
  /** A dotted field path, as in filters. */
  readonly field: string;
  readonly direction?: 'asc' | 'desc';
}

export interface QueryOptions {
  /** Only records matching this filter; all records when omitted. */
  readonly where?: Filter;
  /** Sort keys, most significant first; `id` ascending is always the last key. Default: by `id`. */
  readonly orderBy?: readonly OrderBy[];
  /** At most this many records (a positive integer). Default: all. */
  readonly limit?: number;
  /** The `next` cursor of a previous page with the same `where` and `orderBy`: continue after its last record. */
  readonly after?: string;
}

/** One page of a query. */
export interface QueryPage<T extends object = Record<string, unknown>> {
  readonly records: StoredRecord<T>[];
  /** Pass as `after` to get the next page; absent on the last page. */
  readonly next?: string;
}

/** What changed in one committed write. Events carry ids, never record contents: listeners re-read what they need. */
export interface ChangeEvent {
  readonly collection: string;
  readonly id: string;
  readonly type: 'put' | 'delete';
  /** The version written; absent for deletes. */
  readonly version?: number;
  /** True when the change was made through another connection (another tab, another user). */
  readonly remote?: boolean;
}

/** A listener for committed changes; one call per committed write or transaction. */
export type ChangeListener = (events: readonly ChangeEvent[]) => void;

/** Everything stored, as plain data: the unit of backups and of moving data between adapters. */
export interface StorageSnapshot {
  readonly format: 'crmkit.storage';
  readonly formatVersion: 1;
  /** Collection name → its records, ordered by id. */
  readonly collections: Readonly<Record<string, readonly StoredRecord[]>>;
}

/**
 * The indexes of each collection, by collection name (a collection not named has only its primary key, `id`). One
 * index is written as in {@link parseIndexSpec}: `ownerId`, `amount.amountMinor` (a nested field), `*tags` (one entry
 * per element of an array) or `[customerId+occurredAt]` (compound). `CRM_INDEXES` is the CRM's design.
 */
export type IndexDesign = Readonly<Record<string, readonly string[]>>;

/** What an adapter does natively; everything else it still does, only in memory. */
export interface StorageCapabilities {
  /** Filter operators evaluated by the engine (index ranges, SQL) rather than by core's evaluator in memory. */
  readonly pushdown: readonly FilterOperator[];
  /** How far the change feed reaches: this connection, other tabs of this browser, or other users. */
  readonly changeFeed: 'connection' | 'browser' | 'remote';
  /**
   * The indexes the adapter maintains. A query whose filter or order an index serves reads about as many records as
   * its answer holds (the conformance suite counts them); any other query still works, by reading the collection.
   */
  readonly indexes: IndexDesign;
  /**
   * The engine may hold records crmkit did not write (a database other programs write to, a file restored by
   * hand). The CRM then validates every record it reads against its schema in full; otherwise it trusts its own
   * records and checks only their shape (docs/architecture.md, "Trusted reads").
   */
  readonly foreignData?: boolean;
}

/** The reads and writes available inside a transaction, and (with `transaction` and the rest) on the port. */
export interface StorageOperations {
  /** The record, or `undefined` when there is none. */
  get<T extends object = Record<string, unknown>>(collection: string, id: string): Promise<StoredRecord<T> | undefined>;
  /** The records with these ids, in the same order; `undefined` where there is none. */
  getMany<T extends object = Record<string, unknown>>(
    collection: string,
    ids: readonly string[],
  ): Promise<(StoredRecord<T> | undefined)[]>;
  /** Creates or replaces a record under an optimistic version check; resolves to what was stored. */
  put<T extends object = Record<string, unknown>>(
    collection: string,
    record: RecordInput<T>,
    options: PutOptions,
  ): Promise<StoredRecord<T>>;
  /** Removes a record; `NotFoundError` when there is none. */
  delete(collection: string, id: string, options?: DeleteOptions): Promise<void>;
  /** One page of matching records in order. */
  query<T extends object = Record<string, unknown>>(collection: string, options?: QueryOptions): Promise<QueryPage<T>>;
  /** How many records match. */
  count(collection: string, where?: Filter): Promise<number>;
  /**
   * Optional: how many records match each filter, in order, in one pass where the engine can (the lead assignment
   * counts every rep's open leads at once). Absent: the caller counts each with `count`.
   */
  countEach?: ((collection: string, filters: readonly Filter[]) => Promise<number[]>) | undefined;
  /**
   * Optional, inside a transaction: from here until it ends, the transaction runs alone among the storage's
   * transactions that do too (see {@link TransactionOptions}), and what it reads next includes every commit before.
   * Absent where transactions always run alone.
   */
  serialize?: (() => Promise<void>) | undefined;
}

/**
 * A computed number a {@link MatchQuery} filters on: how many numbers within `[from, to]` the array at `path` holds
 * (with `each`, the arrays that are the values of the object at `path`, summed). Anything else counts nothing.
 */
export interface CountField {
  readonly path: string;
  readonly each?: boolean;
  readonly from: number;
  readonly to: number;
}

/** The ids of the records of a collection matching a filter that may also read each record's companion. */
export interface MatchQuery {
  /** The filter. Fields under `join.as` read the companion; fields named in `counts` read the computed number. */
  readonly where: Filter;
  /** The record of `collection` with the same id; `missing` stands in for one that is absent. */
  readonly join?: {
    readonly collection: string;
    readonly as: string;
    readonly missing: object;
  };
  readonly counts?: Readonly<Record<string, CountField>>;
}

/** How a transaction meets the others of its storage. */
export interface TransactionOptions {
  /**
   * How much of the body must run as if alone, for an adapter whose transactions take turns (so each audit entry
   * follows the one before):
   *
   * - `'all'` (the default): everything; what the body read stays as read until it commits.
   * - `'appends'`: only what follows its call of `serialize` (which the CRM makes before it reads what it appends
   *   to: the audit log's newest entry, the lead rotation), to the commit. What it decides before that rests on the
   *   records it writes, each under a version check: a write refused there reruns the body (in the end with
   *   `'all'`), so only a stale version the caller gave is refused. After `serialize`, the body writes only records it read after it,
   *   or new ones. A body that never calls it (one that appends no audit entry) never waits for others.
   *
   * An adapter that runs every transaction alone may ignore it.
   */
  readonly serial?: 'all' | 'appends';
}

/** The adapter contract. Every method rejects with a `CrmError` subclass; engine errors arrive as `StorageError`. */
export interface StoragePort extends StorageOperations {
  readonly capabilities: StorageCapabilities;
  /**
   * Optional: the ids of the matching records in id order, computed by the engine without reading the records into
   * the caller, or `undefined` when the engine cannot answer this filter exactly (the caller then reads and checks
   * the records itself). The segment service uses it for rules over a customer and its aggregate record.
   */
  matchIds?: ((collection: string, query: MatchQuery) => Promise<string[] | undefined>) | undefined;
  /**
   * Runs `body` all or nothing: when it throws (or a write in it is refused), no write in it is kept, in any
   * collection. Other readers never see its writes before it commits. Resolves to what `body` resolved to.
   */
  transaction<T>(body: (tx: StorageOperations) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Calls `listener` after every committed change; returns the function that unsubscribes it. */
  subscribe(listener: ChangeListener): () => void;
  /** Every record of every collection. */
  exportSnapshot(): Promise<StorageSnapshot>;
  /**
   * Replaces everything stored with the snapshot, all or nothing, keeping each record's version and timestamps.
   * The snapshot is validated first; a bad one is refused with `ValidationError` and nothing changes.
   */
  importSnapshot(snapshot: StorageSnapshot): Promise<void>;
  /** Releases the engine's resources; the adapter is unusable afterwards. */
  close(): Promise<void>;
}

/** Options shared by the adapters' factories. */
export interface StorageOptions {
  /** The clock stamping `createdAt` and `updatedAt`; defaults to the system clock. */
  readonly now?: () => Date;
}
