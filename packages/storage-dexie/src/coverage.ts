/**
 * What the planner knows about a collection's size and its indexes' coverage, kept until the collection changes.
 *
 * An index can serve an order only when every record of the collection sits in it with a number or a string: a record
 * whose value is missing, `null`, a boolean or an object is not in the index at all (IndexedDB cannot index it), a
 * date or binary value sorts elsewhere than the reference order puts it, and the reference sorts missing values
 * first. IndexedDB answers "is every record in it" by counting keys, which costs about as much as reading a page, so
 * the answer is kept until the collection changes: the adapter forgets a collection on each write (its own, inside
 * transactions too, and those other tabs announce).
 */
import type { DBCoreTable, DBCoreTransaction } from 'dexie';
import { coreIndex, coreRange } from './engine.js';

/** The smallest key above every string: binary keys sort after strings (and arrays after those). */
const ABOVE_STRINGS = /* @__PURE__ */ new ArrayBuffer(0);

export interface IndexCoverage {
  /** Forget what is known about one collection. */
  forget(collection: string): void;
  /** How many records the collection holds. */
  total(core: DBCoreTable, trans: DBCoreTransaction): Promise<number>;
  /** Whether every record has a number or a string at `field`, whose index then holds each of them once. */
  complete(core: DBCoreTable, trans: DBCoreTransaction, field: string): Promise<boolean>;
}

/** A fresh, empty memory of coverage, one per adapter instance. */
export function createIndexCoverage(): IndexCoverage {
  const totals = new Map<string, number>();
  const complete = new Map<string, boolean>();

  const total = async (core: DBCoreTable, trans: DBCoreTransaction): Promise<number> => {
    const known = totals.get(core.name);
    if (known !== undefined) return known;
    const counted = await core.count({ trans, query: { index: core.schema.primaryKey, range: coreRange() } });
    totals.set(core.name, counted);
    return counted;
  };

  return {
    forget(collection) {
      totals.delete(collection);
      for (const key of complete.keys()) if (key.startsWith(`${collection}/`)) complete.delete(key);
    },
    total,
    async complete(core, trans, field) {
      const key = `${core.name}/${field}`;
      const known = complete.get(key);
      if (known !== undefined) return known;
      const index = coreIndex(core, field);
      const [all, numbers, strings] = await Promise.all([
        total(core, trans),
        core.count({
          trans,
          query: { index, range: coreRange({ lower: -Infinity, upper: Infinity, lowerOpen: false, upperOpen: false }) },
        }),
        core.count({
          trans,
          query: { index, range: coreRange({ lower: '', upper: ABOVE_STRINGS, lowerOpen: false, upperOpen: true }) },
        }),
      ]);
      const answer = numbers + strings === all;
      complete.set(key, answer);
      return answer;
    },
  };
}
