/**
 * The IndexedDB benchmark: @crmkit/storage-dexie against raw Dexie in headless Chromium (bench/dexie/main.ts).
 *
 *   node bench/dexie/run.mjs [--sizes 20000,100000] [--rounds 7] [--query-rounds 9] [--top-rounds 21] [--json]
 *
 * Prints the results as markdown, writes bench/results/dexie-<time>.json with --json, and exits 1 when the page fails
 * or a contender returns a wrong answer. Results and method: docs/benchmarks.md.
 */
import { flag, option, runBenchmarkCli } from '../harness/run-browser-bench.mjs';

await runBenchmarkCli({
  name: 'dexie',
  page: 'dexie/index.html',
  params: {
    sizes: option('sizes', '20000,100000'),
    rounds: option('rounds', '7'),
    queryRounds: option('query-rounds', '9'),
    topRounds: option('top-rounds', '21'),
  },
  timeoutMs: 15 * 60_000,
  json: flag('json'),
});
