/**
 * The Node half of the browser benchmark harness: serves the bench/ folder with Vite (workspace packages from their
 * TypeScript sources), opens one benchmark page in headless Chromium, waits for the report the page publishes
 * (bench/harness/page.ts), prints it as markdown, optionally writes it as JSON to bench/results/, and exits non-zero
 * when the page failed or a correctness check did not hold.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer, defaultClientConditions } from 'vite';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';

/** The folder Vite serves: pages are addressed relative to it (`dexie/index.html`). */
const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** @typedef {{ label: string, align?: 'left' | 'right' }} BenchColumn */
/** @typedef {{ caption: string, columns: BenchColumn[], rows: string[][] }} BenchTable */
/** @typedef {{ name: string, ok: boolean, detail?: string }} BenchCheck */
/**
 * @typedef {{ title: string, environment: Record<string, string>, tables: BenchTable[], checks: BenchCheck[],
 *   data?: unknown }} BenchReport
 */

/** A port nobody listens on right now, on the loopback interface only. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Serves bench/, opens `page` with `params` as its query string, and resolves to the report it publishes.
 * Everything started here is closed again, whatever happens.
 *
 * By default the page runs in a fresh incognito-like context, whose IndexedDB lives in memory. `persistent: true`
 * runs it in a profile in a new temporary directory instead (deleted afterwards), so IndexedDB is on disk with the
 * disk-based quota, as for a user. `jsFlags` are V8 flags added to `--expose-gc` (a larger heap, say).
 *
 * @param {{ page: string, params?: Record<string, string>, timeoutMs?: number, persistent?: boolean,
 *   jsFlags?: string[] }} options
 * @returns {Promise<BenchReport>}
 */
export async function runBrowserBenchmark({
  page: pagePath,
  params = {},
  timeoutMs = 10 * 60_000,
  persistent = false,
  jsFlags = [],
}) {
  const port = await freePort();
  const server = await createServer({
    configFile: false,
    root: BENCH_ROOT,
    logLevel: 'warn',
    clearScreen: false,
    // Workspace packages load from src/, never from a stale dist/.
    resolve: { conditions: ['@crmkit/source', ...defaultClientConditions] },
    // Discover every dependency up front: a dependency found mid-run would make Vite reload the page.
    optimizeDeps: { entries: [pagePath] },
    // No file watching and no HMR: other engineers edit the tree while a run is going, and a reload would restart it.
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
  });
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  /** @type {import('playwright-core').BrowserContext | undefined} */
  let persistentContext;
  /** @type {string | undefined} */
  let profile;
  try {
    await server.listen();
    const launchOptions = {
      executablePath: chromiumPath(),
      headless: true,
      // The background flags in chromiumArgs keep timers and the renderer at full speed; --expose-gc lets the page
      // collect garbage before each timed region.
      args: [...chromiumArgs, `--js-flags=${['--expose-gc', ...jsFlags].join(' ')}`],
    };
    let context;
    if (persistent) {
      profile = await mkdtemp(join(tmpdir(), 'crmkit-bench-profile-'));
      context = persistentContext = await chromium.launchPersistentContext(profile, launchOptions);
    } else {
      browser = await chromium.launch(launchOptions);
      context = await browser.newContext();
    }
    const page = await context.newPage();
    /** @type {string[]} */
    const pageErrors = [];
    page.on('console', (message) => {
      const text = message.text();
      // Vite's client announces itself; the page's own lines are what matter.
      if (!text.startsWith('[vite]')) console.log(message.type() === 'log' ? text : `[${message.type()}] ${text}`);
    });
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));

    const url = `http://127.0.0.1:${port}/${pagePath}?${new URLSearchParams(params)}`;
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(
      () => window.__benchResults !== undefined || window.__benchError !== undefined,
      undefined,
      { timeout: timeoutMs, polling: 500 },
    );
    const outcome = await page.evaluate(() => ({ report: window.__benchResults, error: window.__benchError }));
    if (outcome.error !== undefined) throw new Error(`The benchmark page failed:\n${outcome.error}`);
    if (pageErrors.length > 0) throw new Error(`Uncaught errors in the page:\n${pageErrors.join('\n')}`);
    return /** @type {BenchReport} */ (outcome.report);
  } finally {
    await persistentContext?.close();
    await browser?.close();
    await server.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  }
}

/**
 * One table as GitHub markdown, padded so it is readable as plain text too.
 *
 * @param {BenchTable} table
 */
export function markdownTable(table) {
  const widths = table.columns.map((column, index) =>
    Math.max(3, column.label.length, ...table.rows.map((row) => (row[index] ?? '').length)),
  );
  const cell = (text, index) =>
    table.columns[index].align === 'right' ? text.padStart(widths[index]) : text.padEnd(widths[index]);
  const line = (cells) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((width, index) => (table.columns[index].align === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [
    line(table.columns.map((column) => column.label)),
    rule,
    ...table.rows.map((row) => line(row.map(String))),
  ].join('\n');
}

/** @param {BenchReport} report */
export function formatReport(report) {
  const environment = Object.entries(report.environment).map(([key, value]) => `- ${key}: ${value}`);
  const tables = report.tables.map((table) => `${table.caption}\n\n${markdownTable(table)}`);
  const checks = report.checks.map(
    (check) => `- ${check.ok ? 'ok' : 'FAILED'}: ${check.name}${check.detail ? ` (${check.detail})` : ''}`,
  );
  return [`## ${report.title}`, environment.join('\n'), ...tables, `Checks:\n\n${checks.join('\n')}`].join('\n\n');
}

/**
 * A benchmark's command line: runs the page, prints the report, writes `bench/results/<name>.json` with `--json`,
 * and sets the exit code (1 on a failure or a failed check). `persistent` and `jsFlags` as for
 * {@link runBrowserBenchmark}.
 *
 * @param {{ name: string, page: string, params?: Record<string, string>, timeoutMs?: number, json?: boolean,
 *   persistent?: boolean, jsFlags?: string[] }} options
 */
export async function runBenchmarkCli({ name, page, params, timeoutMs, json = false, persistent, jsFlags }) {
  const started = Date.now();
  try {
    const report = await runBrowserBenchmark({ page, params, timeoutMs, persistent, jsFlags });
    console.log(`\n${formatReport(report)}\n`);
    if (json) {
      await mkdir(RESULTS_DIR, { recursive: true });
      const file = `${RESULTS_DIR}${name}-${new Date(started).toISOString().replaceAll(':', '-')}.json`;
      await writeFile(file, `${JSON.stringify({ name, params, ...report }, null, 2)}\n`);
      console.log(`Wrote ${file}`);
    }
    const failed = report.checks.filter((check) => !check.ok);
    console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(0)} s, ${failed.length} failed check(s)`);
    process.exitCode = failed.length > 0 ? 1 : 0;
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  }
}

/**
 * `--name value` or `--name=value` from the command line, else `fallback`.
 *
 * @param {string} name
 * @param {string} fallback
 */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const inline = args.find((arg) => arg.startsWith(`--${name}=`));
  if (inline) return inline.slice(name.length + 3);
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined && !args[at + 1].startsWith('--') ? args[at + 1] : fallback;
}

/** @param {string} name */
export function flag(name) {
  return process.argv.slice(2).includes(`--${name}`);
}
