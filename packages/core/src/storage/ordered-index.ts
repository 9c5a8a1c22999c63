/**
 * An ordered index for the memory adapter: (key, id) entries sorted by the port's total order of values
 * (`compareValues`), then by id. It is a list of sorted chunks, so an insert or a delete moves at most one chunk
 * (a few hundred entries) and a seek is two binary searches, at any size.
 */
import { kit } from './planner-kit.js';

/** Entries per chunk before it splits in two. */
const CHUNK = 512;

interface Chunk {
  keys: unknown[];
  ids: string[];
  /** Each entry's value, in an index that carries values (the primary index carries the records). */
  values?: unknown[];
}

/** A position in the index: a chunk and an offset in it. `chunk === chunks.length` is the end. */
export interface Position {
  readonly chunk: number;
  readonly offset: number;
}

/** How the index orders keys. */
export type CompareKeys = (a: unknown, b: unknown) => number;

const byValue: CompareKeys = (a, b) => kit.compareValues(a, b);

function compareEntry(compare: CompareKeys, keyA: unknown, idA: string, keyB: unknown, idB: string): number {
  const order = compare(keyA, keyB);
  if (order !== 0) return order;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** The first of `0..length` for which `before` is false (`before` holds for a prefix of them). */
function bisect(length: number, before: (at: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether an entry lies before (`key`, `id`). */
type Before = (key: unknown, id: string) => boolean;
const beforeEntry =
  (compare: CompareKeys, key: unknown, id: string): Before =>
  (k, i) =>
    compareEntry(compare, k, i, key, id) < 0;

export class OrderedIndex {
  private chunks: Chunk[] = [];
  private count = 0;

  /**
   * `compare` orders the keys: the port's order of values unless given (a compound index compares tuples). An index
   * that `carries` values keeps one per entry, read back in order by {@link valuesBetween} without a lookup.
   */
  constructor(
    private readonly compare: CompareKeys = byValue,
    private readonly carries = false,
  ) {}

  /** How many entries the index holds. */
  get size(): number {
    return this.count;
  }

  /** Replaces the content with these entries (any order): one sort instead of one insert each. */
  load(entries: readonly (readonly [key: unknown, id: string, value?: unknown])[]): void {
    const sorted = [...entries].sort((a, b) => compareEntry(this.compare, a[0], a[1], b[0], b[1]));
    this.chunks = [];
    for (let i = 0; i < sorted.length; i += CHUNK) {
      const slice = sorted.slice(i, i + CHUNK);
      this.chunks.push({
        keys: slice.map((entry) => entry[0]),
        ids: slice.map((entry) => entry[1]),
        ...(this.carries ? { values: slice.map((entry) => entry[2]) } : {}),
      });
    }
    this.count = sorted.length;
  }

  insert(key: unknown, id: string, value?: unknown): void {
    if (this.chunks.length === 0) {
      this.chunks.push({ keys: [key], ids: [id], ...(this.carries ? { values: [value] } : {}) });
      this.count = 1;
      return;
    }
    // The first chunk whose last entry is not below (key, id); past the end, the last chunk takes it.
    const before = beforeEntry(this.compare, key, id);
    let c = this.chunkOf(before);
    if (c === this.chunks.length) c--;
    const chunk = this.chunks[c] as Chunk;
    const at = offsetIn(chunk, before);
    chunk.keys.splice(at, 0, key);
    chunk.ids.splice(at, 0, id);
    chunk.values?.splice(at, 0, value);
    this.count++;
    if (chunk.keys.length > 2 * CHUNK) {
      const half = chunk.keys.length >> 1;
      this.chunks.splice(c + 1, 0, {
        keys: chunk.keys.splice(half),
        ids: chunk.ids.splice(half),
        ...(chunk.values ? { values: chunk.values.splice(half) } : {}),
      });
    }
  }

  /** Removes the entry; nothing when there is none. */
  remove(key: unknown, id: string): void {
    const { chunk: c, offset: at } = this.find(beforeEntry(this.compare, key, id));
    const chunk = this.chunks[c];
    if (!chunk) return;
    if (chunk.ids[at] !== id || this.compare(chunk.keys[at], key) !== 0) return;
    chunk.keys.splice(at, 1);
    chunk.ids.splice(at, 1);
    chunk.values?.splice(at, 1);
    this.count--;
    if (chunk.keys.length === 0) this.chunks.splice(c, 1);
  }

  /** The first position whose entry is at or after (`key`, `id`); `id` '' is before every id of `key`. */
  seek(key: unknown, id = ''): Position {
    return this.find(beforeEntry(this.compare, key, id));
  }

  /** The first position whose key is above `key` (every id of `key` is before it). */
  seekAbove(key: unknown): Position {
    return this.find((k) => this.compare(k, key) <= 0);
  }

  /** The first position from `from` on whose key fails `test` (the end when every key passes). */
  scan(from: Position, test: (key: unknown) => boolean): Position {
    let c = from.chunk;
    let o = from.offset;
    while (c < this.chunks.length) {
      const chunk = this.chunks[c] as Chunk;
      for (; o < chunk.keys.length; o++) if (!test(chunk.keys[o])) return { chunk: c, offset: o };
      c++;
      o = 0;
    }
    return this.end();
  }

  start(): Position {
    return this.chunks.length === 0 ? this.end() : { chunk: 0, offset: 0 };
  }

  end(): Position {
    return { chunk: this.chunks.length, offset: 0 };
  }

  /** How many entries lie from `from` (inclusive) to `to` (exclusive). */
  distance(from: Position, to: Position): number {
    if (from.chunk === to.chunk) return Math.max(0, to.offset - from.offset);
    if (from.chunk > to.chunk) return 0;
    let total = ((this.chunks[from.chunk] as Chunk | undefined)?.keys.length ?? 0) - from.offset;
    for (let c = from.chunk + 1; c < to.chunk; c++) total += (this.chunks[c] as Chunk).keys.length;
    return total + to.offset;
  }

  /** The ids of the entries from `from` up to `to` (exclusive), in order: copied chunk by chunk, no iterator. */
  idsBetween(from: Position, to: Position = this.end()): string[] {
    const ids: string[] = [];
    for (let c = from.chunk; c <= to.chunk && c < this.chunks.length; c++) {
      const chunkIds = (this.chunks[c] as Chunk).ids;
      const start = c === from.chunk ? from.offset : 0;
      const stop = c === to.chunk ? to.offset : chunkIds.length;
      for (let o = start; o < stop; o++) ids.push(chunkIds[o] as string);
    }
    return ids;
  }

  /** The values of the entries from `from` up to `to` (exclusive), in order (an index that carries values). */
  valuesBetween(from: Position, to: Position = this.end()): unknown[] {
    const values: unknown[] = [];
    for (let c = from.chunk; c <= to.chunk && c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Chunk;
      const start = c === from.chunk ? from.offset : 0;
      const stop = c === to.chunk ? to.offset : chunk.keys.length;
      for (let o = start; o < stop; o++) values.push(chunk.values?.[o]);
    }
    return values;
  }

  /** Entries from `from` up to `to` (exclusive), in order. */
  *ascend(from: Position, to: Position = this.end()): Generator<[key: unknown, id: string]> {
    let { chunk: c, offset: o } = from;
    while (c < to.chunk || (c === to.chunk && o < to.offset)) {
      const chunk = this.chunks[c];
      if (!chunk) return;
      if (o >= chunk.keys.length) {
        c++;
        o = 0;
        continue;
      }
      yield [chunk.keys[o], chunk.ids[o] as string];
      o++;
    }
  }

  /** Entries before `from` (exclusive), last first. */
  *descend(from: Position = this.end()): Generator<[key: unknown, id: string]> {
    let c = from.chunk;
    let o = from.offset - 1;
    for (;;) {
      while (o < 0) {
        c--;
        if (c < 0) return;
        o = (this.chunks[c] as Chunk).keys.length - 1;
      }
      const chunk = this.chunks[c] as Chunk;
      yield [chunk.keys[o], chunk.ids[o] as string];
      o--;
    }
  }

  /** The first position whose entry `before` is false for. */
  private find(before: Before): Position {
    const c = this.chunkOf(before);
    const chunk = this.chunks[c];
    return chunk ? { chunk: c, offset: offsetIn(chunk, before) } : this.end();
  }

  /** The first chunk whose last entry `before` is false for. */
  private chunkOf(before: Before): number {
    return bisect(this.chunks.length, (mid) => {
      const chunk = this.chunks[mid] as Chunk;
      const last = chunk.keys.length - 1;
      return before(chunk.keys[last], chunk.ids[last] as string);
    });
  }
}

function offsetIn(chunk: Chunk, before: Before): number {
  return bisect(chunk.keys.length, (mid) => before(chunk.keys[mid], chunk.ids[mid] as string));
}
