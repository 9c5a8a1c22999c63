/**
 * The scale benchmark's timing loop, the same in Node and in the browser page. Each operation is timed on its own:
 * one untimed warm-up call, then `rounds` timed calls; an operation with a pure-function reference runs it in the
 * same rounds, the order alternating, so drift on a shared machine reaches both. Timings are never asserted.
 *
 * Caps, so a run finishes while some operations still grow badly (other changes are meant to make them scale, so
 * these caps are expected to bind less and less):
 * - an operation predicted (from the sizes measured before, at the growth they showed) to take longer than
 *   `maxCallMs` per call is skipped, and the report says why;
 * - when the first call and the second both take a second or more, the operation is slow enough that the JIT's
 *   warm-up no longer matters: the first call then counts as a sample, and only as many rounds run as fit in
 *   `opBudgetMs` (a slow first call followed by a fast one was only cold: it stays the warm-up).
 *
 * An operation whose median is under 50 ms after its rounds runs 21 rounds in all: cheap, and steadier on a shared
 * machine. The first call's time is kept apart (`firstMs`) and reported, so work done once on first use is visible.
 */
import { checkOf, type CallCounts, type Operation, type OperationKind } from './operations.js';
import { median } from '../harness/shared.js';

export interface MeasureOptions {
  readonly rounds: number;
  /** The time one operation may take at one size, calls and reference included, before rounds are cut. */
  readonly opBudgetMs: number;
  /** Skip an operation whose predicted call exceeds this. */
  readonly maxCallMs: number;
  /** Medians measured at smaller sizes: operation name → (customers → median ms). */
  readonly earlier: Readonly<Record<string, Readonly<Record<number, number>>>>;
  /** A full collection before each operation, when the platform offers one. */
  readonly collectGarbage?: () => void;
  /** Storage call counts, reset and read around one extra untimed call of `countCalls` operations. */
  readonly calls?: { readonly counts: CallCounts; reset(): void };
  readonly log?: (message: string) => void;
  /** Each operation's result as soon as it is known (the Node runner streams them to its parent). */
  readonly onResult?: (result: OperationResult) => void;
  /**
   * Stops a call still running after `maxCallMs` (one that no earlier size predicted): the runner closes the
   * storage, so the call fails at its next storage call, and opens a new storage and CRM over the same data for the
   * operations after it. Without it, a call runs as long as it takes.
   */
  readonly abandon?: () => Promise<void>;
  /** Operations whose medians in `earlier` are lower bounds (calls abandoned at `maxCallMs`). */
  readonly lowerBounds?: ReadonlySet<string>;
  /**
   * Records the storage read (the memory adapter's `onRead`), reset and read around one extra untimed call of each
   * bounded operation and its background work: a count no neighbour's load can move.
   */
  readonly reads?: { count(): number; reset(): void };
}

/** Thrown when a call ran past `maxCallMs` and was abandoned. */
class CallAbandoned extends Error {
  override readonly name = 'CallAbandoned';
}

/** What one operation gave at one size. */
export interface OperationResult {
  readonly name: string;
  readonly kind: OperationKind;
  /** Timed calls, ms; empty when skipped. */
  readonly samples: readonly number[];
  /** Call plus the background work it started, until `crm.settled()` (writes), ms. */
  readonly settled?: readonly number[];
  readonly reference?: { readonly name: string; readonly samples: readonly number[] };
  /** Storage calls of one call, by method. */
  readonly calls?: CallCounts;
  /** Records the storage read for one call and its background work (bounded operations, when counted). */
  readonly recordsRead?: number;
  /** Why it was not measured. */
  readonly skipped?: string;
  /** Failed checks of its answers. */
  readonly failures: readonly string[];
  /** Whether the first call was kept as a sample (a slow operation), rather than discarded as warm-up. */
  readonly firstCallKept: boolean;
  /** The first call's ms (cold: the JIT, and anything the CRM or the adapter does once), shown apart. */
  readonly firstMs?: number;
  /** A call was abandoned after `maxCallMs`: the operation takes at least that long per call at this size. */
  readonly abandoned?: boolean;
}

/** A call counts as slow from this duration: it is kept as a sample and rounds are fitted to the budget. */
const SLOW_CALL_MS = 1000;
/** An operation whose median is under this many ms after its rounds runs at least {@link FAST_ROUNDS} of them. */
const FAST_MS = 50;
const FAST_ROUNDS = 21;

/** Growth exponent between two measured sizes, clamped to [1, 3]; 1 (linear) with fewer than two. */
function exponentOf(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return 1;
  const [[s1, t1], [s2, t2]] = points.slice(-2) as [[number, number], [number, number]];
  const exponent = Math.log(t2 / t1) / Math.log(s2 / s1);
  return Number.isFinite(exponent) ? Math.min(3, Math.max(1, exponent)) : 1;
}

/**
 * The predicted ms of one call at `size` from the medians at smaller sizes, growing at the exponent the last two
 * showed (linear with only one); `undefined` with none.
 */
export function predictMs(earlier: Readonly<Record<number, number>> | undefined, size: number): number | undefined {
  const points = Object.entries(earlier ?? {})
    .map(([at, ms]) => [Number(at), ms] as const)
    .filter(([at, ms]) => at < size && ms > 0)
    .sort((a, b) => a[0] - b[0]);
  if (points.length === 0) return undefined;
  const [lastSize, lastMs] = points[points.length - 1]!;
  return lastMs * (size / lastSize) ** exponentOf(points);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** Times every operation at one size, in order. */
export async function measureOperations(
  operations: readonly Operation[],
  size: number,
  options: MeasureOptions,
): Promise<OperationResult[]> {
  const results: OperationResult[] = [];
  const log = options.log ?? (() => undefined);
  for (const operation of operations) {
    const result = await measureOne(operation, size, options, log);
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

async function measureOne(
  operation: Operation,
  size: number,
  options: MeasureOptions,
  log: (message: string) => void,
): Promise<OperationResult> {
  try {
    return await measureTimed(operation, size, options, log);
  } catch (error) {
    if (error instanceof CallAbandoned) {
      log(`${operation.name}: ${error.message}`);
      await options.abandon!();
      return {
        name: operation.name,
        kind: operation.kind,
        samples: [],
        skipped: `not measured: ${error.message}`,
        failures: [],
        firstCallKept: false,
        abandoned: true,
      };
    }
    // A failing operation is reported (and fails the run's checks) without stopping the others.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log(`${operation.name}: threw ${message}`);
    return {
      name: operation.name,
      kind: operation.kind,
      samples: [],
      skipped: `failed: ${message}`,
      failures: [`threw ${message}`],
      firstCallKept: false,
    };
  }
}

async function measureTimed(
  operation: Operation,
  size: number,
  options: MeasureOptions,
  log: (message: string) => void,
): Promise<OperationResult> {
  const base = { name: operation.name, kind: operation.kind };
  const earlier = options.earlier[operation.name];
  const predicted = predictMs(earlier, size);
  if (predicted !== undefined && predicted > options.maxCallMs) {
    const [at, ms] = Object.entries(earlier ?? {})
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .pop()!;
    const atLeast = options.lowerBounds?.has(operation.name) ? 'more than ' : '';
    const skipped =
      `skipped: ${atLeast}${seconds(ms)} per call at ${Number(at).toLocaleString('en-US')}, ` +
      `~${seconds(predicted)} predicted here (limit ${seconds(options.maxCallMs)})`;
    log(`${operation.name}: ${skipped}`);
    return { ...base, samples: [], skipped, failures: [], firstCallKept: false };
  }

  /** The call, or `CallAbandoned` once it has run `maxCallMs` (when the runner can abandon calls). */
  const bounded = <T>(running: Promise<T>): Promise<T> => {
    if (!options.abandon) return running;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CallAbandoned(`a call ran past ${seconds(options.maxCallMs)} and was abandoned`)),
        options.maxCallMs,
      );
    });
    // The abandoned call fails once its storage is closed; nothing waits for it any more.
    running.catch(() => undefined);
    return Promise.race([running, limit]).finally(() => clearTimeout(timer));
  };

  const failures: string[] = [];
  const check = checkOf(operation);
  const verify = (result: unknown) => {
    const failure = check?.(result);
    if (failure && failures.length < 3) failures.push(failure);
  };
  const samples: number[] = [];
  const settled: number[] = [];
  const referenceSamples: number[] = [];

  /** One timed call, then (untimed) its background work; the call's ms and the ms until settled. */
  const call = async (round: number): Promise<{ elapsed: number; settled: number }> => {
    const start = performance.now();
    const result = await bounded(operation.run(round));
    const elapsed = performance.now() - start;
    await operation.settle?.();
    const done = performance.now() - start;
    // Reads are checked once (a report's check runs its pure function again); writes every time.
    if (round < 0 || operation.settle) verify(result);
    return { elapsed, settled: done };
  };
  const keep = (timing: { elapsed: number; settled: number }) => {
    samples.push(timing.elapsed);
    if (operation.settle) settled.push(timing.settled);
  };
  const referenceCall = (kept: boolean): number => {
    const start = performance.now();
    operation.reference!.run();
    const elapsed = performance.now() - start;
    if (kept) referenceSamples.push(elapsed);
    return elapsed;
  };

  await operation.prepare?.();
  options.collectGarbage?.();
  const started = performance.now();
  // The first call: a warm-up, unless it is slow enough to be a sample itself.
  const firstCall = await call(-1);
  const first = firstCall.elapsed;
  if (operation.reference) referenceCall(false);
  let firstCallKept = false;
  let rounds = options.rounds;
  let done = 0;
  if (first >= SLOW_CALL_MS) {
    // Slow, or only cold (something done once)? A second call tells. When it is slow too, the first counts as a
    // sample and the rounds left are fitted to the budget; otherwise the first was the warm-up, as usual.
    const second = await call(0);
    keep(second);
    const secondReference = operation.reference ? referenceCall(true) : 0;
    done = 1;
    if (second.elapsed >= SLOW_CALL_MS) {
      firstCallKept = true;
      keep(firstCall);
      const perRound = second.elapsed + secondReference;
      const left = options.opBudgetMs - (performance.now() - started);
      rounds = Math.max(done, Math.min(options.rounds - 1, done + Math.floor(left / perRound)));
      log(`${operation.name}: ${seconds(second.elapsed)} per call, ${rounds + 1} sample(s)`);
    }
  }
  for (let round = done; round < rounds; round++) {
    // The reference goes first on odd rounds.
    if (operation.reference && round % 2 === 1) referenceCall(true);
    keep(await call(round));
    if (operation.reference && round % 2 === 0) referenceCall(true);
    if (!firstCallKept && performance.now() - started > options.opBudgetMs && round + 1 < rounds) {
      log(`${operation.name}: budget of ${seconds(options.opBudgetMs)} spent after ${round + 1} rounds`);
      break;
    }
    // A fast operation gets more rounds: on a shared machine one neighbour's burst moves a median of five.
    if (round + 1 === rounds && rounds < FAST_ROUNDS && median(samples) < FAST_MS) rounds = FAST_ROUNDS;
  }

  let calls: CallCounts | undefined;
  if (operation.countCalls && options.calls) {
    options.calls.reset();
    await operation.run(rounds);
    calls = { ...options.calls.counts };
  }
  let recordsRead: number | undefined;
  if (operation.kind === 'bounded' && options.reads) {
    options.reads.reset();
    await operation.run(rounds + 1);
    await operation.settle?.();
    recordsRead = options.reads.count();
  }
  log(`${operation.name}: median ${median(samples).toFixed(2)} ms over ${samples.length}`);
  return {
    ...base,
    samples,
    ...(operation.settle ? { settled } : {}),
    ...(operation.reference ? { reference: { name: operation.reference.name, samples: referenceSamples } } : {}),
    ...(calls ? { calls } : {}),
    ...(recordsRead === undefined ? {} : { recordsRead }),
    failures,
    firstCallKept,
    firstMs: first,
  };
}

/**
 * Adds one size's medians to `earlier` for the sizes after it; an abandoned operation's entry is `maxCallMs`, a
 * lower bound, and its name joins `lowerBounds`.
 */
export function rememberMedians(
  earlier: Record<string, Record<number, number>>,
  lowerBounds: Set<string>,
  customers: number,
  results: readonly OperationResult[],
  maxCallMs: number,
): void {
  for (const result of results) {
    if (result.abandoned) {
      (earlier[result.name] ??= {})[customers] = maxCallMs;
      lowerBounds.add(result.name);
    } else if (result.samples.length > 0) {
      (earlier[result.name] ??= {})[customers] = median(result.samples);
    }
  }
}
