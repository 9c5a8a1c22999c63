import type { StoragePort } from '@crmkit/core';

/** Reads stored data without going through the adapter, so a round trip cannot pass by two bugs cancelling out. */
export interface RawAccess {
  /** The record exactly as the engine holds it, or `undefined`. */
  get(collection: string, id: string): Promise<unknown>;
  /** Every record of a collection as the engine holds it, in any order; empty for an unknown collection. */
  list(collection: string): Promise<unknown[]>;
}

/** A fresh, empty adapter for one case, with raw access to the same data. */
export interface StorageHarness {
  readonly storage: StoragePort;
  readonly raw: RawAccess;
  /**
   * A second, independent handle on the same data (another tab, another server connection), when the adapter has
   * such a thing. Cases that race two handles use it; without it they race two callers of one handle.
   */
  openAnother?(): Promise<StoragePort>;
  /**
   * How many stored records the engine has handed to the adapter since the harness was created (records a query
   * looked at, not only those it returned). The cases on indexed queries need it, to check that a page served by an
   * index reads about as many records as it returns.
   */
  recordsRead?(): number;
  /** Called after the case, pass or fail: close connections, delete databases. */
  dispose?(): Promise<void>;
}

/** A harness factory; `now` is the clock the adapter must use for its timestamps and relative filters. */
export type HarnessFactory = (options: { now: () => Date }) => Promise<StorageHarness>;

/** One conformance case: data, so any runner can register it. */
export interface ConformanceCase {
  readonly name: string;
  run(createHarness: HarnessFactory): Promise<void>;
}

/** The start of every case's clock. */
export const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

/** A clock that advances one second per reading, so every write has a distinct, predictable time. */
export function steppingClock(start = T0): () => Date {
  let tick = 0;
  return () => new Date(start + 1000 * tick++);
}

/** Runs `body` on a fresh harness and always disposes of it. */
export async function withHarness(
  createHarness: HarnessFactory,
  body: (harness: StorageHarness) => Promise<void>,
  now: () => Date = steppingClock(),
): Promise<void> {
  const harness = await createHarness({ now });
  try {
    await body(harness);
  } finally {
    await harness.storage.close();
    await harness.dispose?.();
  }
}

/** A case whose body gets a fresh harness. */
export function harnessCase(name: string, body: (harness: StorageHarness) => Promise<void>): ConformanceCase {
  return { name, run: (createHarness) => withHarness(createHarness, body) };
}

/** Every raw record of the given collections, sorted by id: compare before and after to prove nothing changed. */
export async function rawState(raw: RawAccess, collections: readonly string[]): Promise<Record<string, unknown[]>> {
  const state: Record<string, unknown[]> = {};
  for (const collection of collections) {
    const rows = (await raw.list(collection)) as { id: string }[];
    state[collection] = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  return state;
}
