/**
 * The few IndexedDB requests the planner makes, through Dexie's DBCore (the layer its own Collection API is built on,
 * with any middleware a host added): counts, key lists, record lists and pausable key cursors that can seek to a
 * primary key within equal index keys (`continuePrimaryKey`), which the Collection API does not expose.
 *
 * Every request names its transaction explicitly, so it runs in the adapter's transaction whatever the caller awaited
 * before (Dexie's ambient transaction zone does not survive native awaits).
 */
import Dexie, {
  type DBCoreCursor,
  type DBCoreIndex,
  type DBCoreKeyRange,
  type DBCoreTable,
  type DBCoreTransaction,
  type Transaction,
} from 'dexie';
import type { StoredRecord } from '@crmkit/core';
import type { Key, Range } from './ranges.js';

/** A table's DBCore and the transaction to run in. */
export interface Engine {
  readonly core: DBCoreTable;
  readonly trans: DBCoreTransaction;
}

/** Dexie's zone API: `newPSD` runs a function with the given properties as its ambient zone. */
const zones = Dexie.Promise as unknown as { newPSD<R>(fn: () => R, props: { trans: Transaction }): R };

/**
 * The table's DBCore with every read entered in `tx`'s zone, as Dexie's own tables enter it: middleware (Dexie's
 * live-query cache, a host's) reads the ambient transaction when a request is made, and a request made after a native
 * await would otherwise find none.
 */
export function engineOf(core: DBCoreTable, tx: Transaction): Engine {
  const within =
    <Q, R>(call: (req: Q) => R) =>
    (req: Q): R =>
      zones.newPSD(() => call(req), { trans: tx });
  return {
    trans: tx.idbtrans as DBCoreTransaction,
    core: {
      ...core,
      get: within(core.get.bind(core)),
      getMany: within(core.getMany.bind(core)),
      query: within(core.query.bind(core)),
      openCursor: within(core.openCursor.bind(core)),
      count: within(core.count.bind(core)),
    },
  };
}

/** One index entry: its key and the record's id (the primary key). */
export interface Entry {
  readonly key: Key;
  readonly id: string;
}

// DBCoreRangeType is a const enum, which isolated modules cannot read from a declaration file.
const RANGE = 2 as DBCoreKeyRange['type'];
const ANY = 3 as DBCoreKeyRange['type'];

/** A DBCore key range; every key when `range` is omitted. Unbounded ends are `undefined`. */
export function coreRange(range?: Partial<Range>): DBCoreKeyRange {
  if (!range || (range.lower === undefined && range.upper === undefined)) {
    return { type: ANY, lower: undefined, upper: undefined };
  }
  return {
    type: RANGE,
    lower: range.lower,
    upper: range.upper,
    lowerOpen: !!range.lowerOpen,
    upperOpen: !!range.upperOpen,
  };
}

/** The DBCore index over `field` (`id` is the primary key), or over the fields of a compound index. */
export function coreIndex(core: DBCoreTable, field: string | readonly string[]): DBCoreIndex {
  if (field === 'id') return core.schema.primaryKey;
  const index = core.schema.getIndexByKeyPath(field as string | string[]);
  if (!index) throw new Error(`No index on ${core.name}.${String(field)}`);
  return index;
}

/** How many index keys `range` holds (no record is read). */
export function countKeys(engine: Engine, field: string | readonly string[], range: Range): Promise<number> {
  return engine.core.count({
    trans: engine.trans,
    query: { index: coreIndex(engine.core, field), range: coreRange(range) },
  });
}

/** The ids of the records in `range` of the index (the first `limit`), in index order (no record is read). */
export async function idsIn(engine: Engine, field: string, range: Range, limit?: number): Promise<string[]> {
  const { result } = await engine.core.query({
    trans: engine.trans,
    values: false,
    ...(limit === undefined ? {} : { limit }),
    query: { index: coreIndex(engine.core, field), range: coreRange(range) },
  });
  return result as string[];
}

/** The records in `range` of the index, in index order. */
export async function recordsIn(engine: Engine, field: string, range: Range): Promise<StoredRecord[]> {
  const { result } = await engine.core.query({
    trans: engine.trans,
    values: true,
    query: { index: coreIndex(engine.core, field), range: coreRange(range) },
  });
  return result as StoredRecord[];
}

/** The records with these ids, in the same order (`undefined` where there is none). */
export function recordsById(engine: Engine, ids: readonly string[]): Promise<(StoredRecord | undefined)[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return engine.core.getMany({ trans: engine.trans, keys: [...ids] }) as Promise<(StoredRecord | undefined)[]>;
}

/** Every record of the table. */
export async function allRecords(engine: Engine): Promise<StoredRecord[]> {
  const { result } = await engine.core.query({
    trans: engine.trans,
    values: true,
    query: { index: engine.core.schema.primaryKey, range: coreRange() },
  });
  return result as StoredRecord[];
}

/**
 * A key cursor (index keys and ids, no record values) that moves only when asked, so the planner can read the records
 * of one batch of ids before deciding whether to go on.
 */
export class KeyCursor {
  private wake: ((more: boolean) => void) | undefined;
  private fail: ((error: unknown) => void) | undefined;
  private ended = false;

  private constructor(private readonly cursor: DBCoreCursor) {
    // `start` calls back once for the current entry right away, then once per move; it settles at the end.
    cursor
      .start(() => this.settle(true))
      .then(
        () => {
          this.ended = true;
          this.settle(false);
        },
        (error: unknown) => {
          this.ended = true;
          const fail = this.fail;
          this.wake = this.fail = undefined;
          fail?.(error);
        },
      );
  }

  /** Opens a key cursor on `field`'s index over `range`; `undefined` when the range is empty. */
  static async open(engine: Engine, field: string | readonly string[], range: Range | undefined, reverse: boolean) {
    const cursor = await engine.core.openCursor({
      trans: engine.trans,
      values: false,
      reverse,
      query: { index: coreIndex(engine.core, field), range: coreRange(range) },
    });
    return cursor ? new KeyCursor(cursor) : undefined;
  }

  get entry(): Entry {
    return { key: this.cursor.key as Key, id: this.cursor.primaryKey as string };
  }

  /** Moves to the next entry; false at the end. */
  next(): Promise<boolean> {
    return this.move(() => this.cursor.continue());
  }

  /**
   * Moves to the first entry at or beyond (`key`, `id`) in the cursor's direction (within equal keys, ids run in the
   * cursor's direction too); false at the end. Only for a secondary index, and only forwards of the current entry.
   */
  seek(key: Key | readonly Key[], id: string): Promise<boolean> {
    return this.move(() => this.cursor.continuePrimaryKey(key, id));
  }

  /** Lets the cursor go (it is never moved again). */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.cursor.stop();
  }

  private move(go: () => void): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      this.wake = resolve;
      this.fail = reject;
      try {
        go();
      } catch (error) {
        this.wake = this.fail = undefined;
        reject(error);
      }
    });
  }

  private settle(more: boolean): void {
    const wake = this.wake;
    this.wake = this.fail = undefined;
    wake?.(more);
  }
}
