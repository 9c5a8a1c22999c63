/**
 * What the memory adapter's planner (loaded on the adapter's first query, see `memory-planner.ts`) uses from the rest
 * of core, handed over by the adapter as it loads the planner. The planner's modules import nothing else of core's at
 * run time: a bundler splits what a lazily loaded module shares with its importer into a chunk of its own, which every
 * bundle of core would then have to load.
 */
import type { compileFilter, getPath } from '../filter/index.js';
import type { parseInstant } from '../time/instant.js';
import type { parseIndexSpec } from './indexes.js';
import type { compareValues, decodeCursor, encodeCursor, queryInMemory } from './query.js';

export interface PlannerKit {
  readonly compareValues: typeof compareValues;
  readonly compileFilter: typeof compileFilter;
  readonly decodeCursor: typeof decodeCursor;
  readonly encodeCursor: typeof encodeCursor;
  readonly getPath: typeof getPath;
  readonly parseIndexSpec: typeof parseIndexSpec;
  readonly parseInstant: typeof parseInstant;
  readonly queryInMemory: typeof queryInMemory;
}

/** The shared functions; filled in by {@link install} before any planner code runs. */
export const kit = {} as PlannerKit;

/** Hands the planner core's functions (the same ones every time, so installing again changes nothing). */
export function install(shared: PlannerKit): void {
  Object.assign(kit, shared);
}
