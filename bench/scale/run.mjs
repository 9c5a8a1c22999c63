/**
 * The scale benchmark, browser half: crmkit through `createCrm` over @crmkit/storage-dexie on IndexedDB, in headless
 * Chromium (bench/scale/main.ts; the Node half, on the memory adapter, is bench/scale/scale.bench.ts).
 *
 *   node bench/scale/run.mjs [--sizes 10000,100000,1000000] [--rounds 5] [--op-budget 60] [--max-call 120]
 *     [--activities 20] [--json] [--only capture,overdue]
 *
 * The page runs in a profile on disk (IndexedDB with the disk-based quota, as for a user) and prints a skip line for
 * a size its heap or the quota cannot hold. Prints the results as markdown, writes bench/results/scale-browser-<time>
 * .json with --json, and exits 1 when the page fails or an answer is wrong. Results: bench/scale/RESULTS.md.
 */
import { flag, option, runBenchmarkCli } from '../harness/run-browser-bench.mjs';

await runBenchmarkCli({
  name: 'scale-browser',
  page: 'scale/index.html',
  params: {
    sizes: option('sizes', '10000,100000,1000000'),
    rounds: option('rounds', '5'),
    opBudget: option('op-budget', '60'),
    maxCall: option('max-call', '120'),
    activities: option('activities', '20'),
    only: option('only', ''),
  },
  timeoutMs: 120 * 60_000,
  persistent: true,
  json: flag('json'),
});
