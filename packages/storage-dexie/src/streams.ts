/**
 * Ordered walks: the ids of a collection in a query's order, starting right after a cursor, read from an index
 * without reading records. The planner reads the records of each batch of ids and stops once its page is full, so a
 * page costs about what it returns, on the first page and on every page after a cursor.
 *
 * An index holds its entries by key, and entries with equal keys by id, both in one direction. A query ordered by a
 * field descending orders ties by id ascending (`compareKeys` in core), so walking such an index in reverse, each run
 * of equal keys is read whole (keys only) and handed out reversed.
 */
import { cmp } from 'dexie';
import { KeyCursor, type Engine, type Entry } from './engine.js';
import type { Key, Range } from './ranges.js';

/**
 * Where a walk starts: strictly after (`key`, `id`), or, without an id, at the first entry of `key` (a compound
 * index's key is an array).
 */
export interface WalkStart {
  readonly key: Key | readonly Key[];
  readonly id?: string;
}

/** One walk of an index. */
export interface WalkSpec {
  /** The indexed field; `id` walks the primary key; the fields of a compound index walk it. */
  readonly field: string | readonly string[];
  /** Keys descending. */
  readonly desc: boolean;
  /** Equal keys by id descending (irrelevant for the primary key, which has no ties). */
  readonly tiesDesc: boolean;
  /** Only keys within this range. */
  readonly range?: Range;
  readonly start?: WalkStart;
}

/** Ids in order, a batch at a time. */
export interface KeyStream {
  /** Up to `n` next entries; fewer only at the end. */
  take(n: number): Promise<Entry[]>;
  /** Stops the walk early. */
  close(): void;
}

/** A stream over entries already in order. */
export function arrayStream(entries: readonly Entry[]): KeyStream {
  let at = 0;
  return {
    take: (n) => {
      const batch = entries.slice(at, at + n);
      at += batch.length;
      return Promise.resolve(batch);
    },
    close: () => {
      at = entries.length;
    },
  };
}

/** `a` is a lower bound tighter than or equal to `b` (an undefined bound is unbounded). */
function tighterLower(a: Range, b: Range): boolean {
  if (b.lower === undefined) return true;
  if (a.lower === undefined) return false;
  const order = cmp(a.lower, b.lower);
  return order > 0 || (order === 0 && a.lowerOpen);
}

function tighterUpper(a: Range, b: Range): boolean {
  if (b.upper === undefined) return true;
  if (a.upper === undefined) return false;
  const order = cmp(a.upper, b.upper);
  return order < 0 || (order === 0 && a.upperOpen);
}

/** The keys of both ranges; `null` when none. */
export function intersect(a: Range, b: Range): Range | null {
  const low = tighterLower(a, b) ? a : b;
  const high = tighterUpper(a, b) ? a : b;
  const range: Range = { lower: low.lower, lowerOpen: low.lowerOpen, upper: high.upper, upperOpen: high.upperOpen };
  if (range.lower === undefined || range.upper === undefined) return range;
  const order = cmp(range.lower, range.upper);
  return order > 0 || (order === 0 && (range.lowerOpen || range.upperOpen)) ? null : range;
}

const EVERYTHING: Range = { lower: undefined, upper: undefined, lowerOpen: false, upperOpen: false };

/** The range a walk opens its cursor on: the spec's range from the start on; `null` when nothing is left. */
function openingRange(spec: WalkSpec): Range | null {
  const range = spec.range ?? EVERYTHING;
  const start = spec.start;
  if (!start) return range;
  // The primary key has no ties: start strictly after the id. An index starts at the key, its ties sorted out later.
  const open = spec.field === 'id';
  const bound: Range = spec.desc
    ? { lower: undefined, lowerOpen: false, upper: start.key, upperOpen: open }
    : { lower: start.key, lowerOpen: open, upper: undefined, upperOpen: false };
  return intersect(range, bound);
}

/** A walk of one index (or the primary key) in a query's order, through a key cursor. */
export class IndexStream implements KeyStream {
  private readonly queue: Entry[] = [];
  /** Reversed walks: the run of equal keys being read. */
  private group: Entry[] = [];
  private cursor: KeyCursor | undefined;
  private state: 'new' | 'open' | 'done' = 'new';

  constructor(
    private readonly engine: Engine,
    private readonly spec: WalkSpec,
  ) {}

  async take(n: number): Promise<Entry[]> {
    while (this.queue.length < n && this.state !== 'done') {
      if (this.state === 'new') await this.open();
      else await this.step();
    }
    return this.queue.splice(0, n);
  }

  close(): void {
    this.state = 'done';
    this.cursor?.close();
  }

  /** The index's own order within equal keys is the query's: entries go out as they come. */
  private get natural(): boolean {
    return this.spec.field === 'id' || this.spec.tiesDesc === this.spec.desc;
  }

  /** Opens the cursor and stands it on the first entry of the walk. */
  private async open(): Promise<void> {
    this.state = 'open';
    const range = openingRange(this.spec);
    this.cursor = range ? await KeyCursor.open(this.engine, this.spec.field, range, this.spec.desc) : undefined;
    if (!this.cursor) return this.finish();
    const start = this.spec.start;
    if (start?.id === undefined || this.spec.field === 'id' || !this.natural) return;
    // Within the start's key, skip to the first id after the start's: a seek, not a walk through the ties.
    const first = this.cursor.entry;
    if (cmp(first.key, start.key) !== 0) return;
    if (this.spec.desc ? first.id > start.id : first.id < start.id) {
      if (!(await this.cursor.seek(start.key, start.id))) return this.finish();
    }
    const at = this.cursor.entry;
    if (cmp(at.key, start.key) === 0 && at.id === start.id && !(await this.cursor.next())) this.finish();
  }

  /** Takes the entry the cursor stands on and moves on. */
  private async step(): Promise<void> {
    const cursor = this.cursor!;
    const entry = cursor.entry;
    if (this.natural) {
      this.queue.push(entry);
    } else {
      const current = this.group[0];
      if (current && cmp(current.key, entry.key) !== 0) this.flush();
      this.group.push(entry);
    }
    if (!(await cursor.next())) this.finish();
  }

  /** A run of equal keys, complete: hand it out in the query's order, from after the start. */
  private flush(): void {
    const run = this.group.reverse();
    this.group = [];
    const start = this.spec.start;
    const first = run[0];
    if (start?.id !== undefined && first && cmp(first.key, start.key) === 0) {
      const startId = start.id;
      this.queue.push(...run.filter((entry) => (this.spec.tiesDesc ? entry.id < startId : entry.id > startId)));
    } else {
      this.queue.push(...run);
    }
  }

  private finish(): void {
    if (this.group.length > 0) this.flush();
    this.close();
  }
}
