/**
 * The pipeline board benchmark: `<crm-pipeline-board>` against a bare Lit board with the same cards, in headless
 * Chromium (bench/board/main.ts).
 *
 *   npm run bench:board [-- --rounds 21] [--warmup 2] [--scales 10,100] [--no-json] [--lit-dev-mode]
 *
 * Prints the results as markdown, writes bench/results/board-<time>.json (unless --no-json), and exits 1 when the page
 * fails or a correctness check does not hold (missed targets are reported, not failed). Results and method:
 * docs/benchmarks.md.
 */
import { readFile } from 'node:fs/promises';
import { flag, option, runBenchmarkCli } from '../harness/run-browser-bench.mjs';

// Lit's production builds, as a host page ships them: Vite picks the packages' `production` export condition over
// `development` (dev mode: extra checks and warnings on every update) only when NODE_ENV says so. --lit-dev-mode
// measures the development builds instead.
if (!flag('lit-dev-mode')) process.env.NODE_ENV = 'production';

// The virtualizer's version, for the report (its exports do not include package.json; it is hoisted to the root).
const virtualizer = JSON.parse(
  await readFile(new URL('../../node_modules/@lit-labs/virtualizer/package.json', import.meta.url), 'utf8'),
);

await runBenchmarkCli({
  name: 'board',
  page: 'board/index.html',
  params: {
    rounds: option('rounds', '21'),
    warmup: option('warmup', '2'),
    scales: option('scales', '10,100'),
    virtualizerVersion: virtualizer.version,
  },
  timeoutMs: 5 * 60_000,
  json: !flag('no-json'),
});
