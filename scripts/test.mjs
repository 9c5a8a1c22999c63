#!/usr/bin/env node
// Runs every test runner in turn — node:test for the core, @web/test-runner for elements and IndexedDB in headless
// Chromium, Vitest for the stories — and ends with one plain line, `N passed, N failed`, summing them all.
// Exits non-zero when any test fails or any runner fails to run. `node scripts/test.mjs node browser` runs a subset.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureChromium } from './chromium.mjs';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'crmkit-test-'));
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Test files of the packages whose tests run in Node (Node 20's --test takes no globs). */
function nodeTestFiles() {
  const files = [];
  // Node-driven browser checks (a page served with its own headers) live in test-node/.
  for (const [pkg, folder] of [
    ['core', 'test'],
    ['storage-conformance', 'test'],
    ['elements', 'test-node'],
  ]) {
    const dir = join(root, 'packages', pkg, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) if (name.endsWith('.test.ts')) files.push(join(dir, name));
  }
  return files;
}

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

const runners = {
  node() {
    const tap = join(work, 'node.tap');
    const status = run(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        ...nodeTestFiles(),
      ],
      { CHROME_PATH: chromium },
    );
    const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
    const count = (label) =>
      Number(/^# (\w+) (\d+)$/m.test(text) && text.match(new RegExp(`^# ${label} (\\d+)$`, 'm'))?.[1]) || 0;
    return { status, passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') };
  },

  browser() {
    const file = join(work, 'browser.json');
    const status = run(bin('web-test-runner'), ['--config', 'web-test-runner.config.mjs'], {
      CHROME_PATH: chromium,
      CRMKIT_COUNT_FILE: file,
    });
    return { status, ...readCounts(file) };
  },

  stories() {
    const file = join(work, 'stories.json');
    // The stories' docs read the custom-elements manifest, which is generated, not committed.
    if (run('npm', ['run', '--silent', 'analyze']) !== 0) return { status: 1, passed: 0, failed: 0, skipped: 0 };
    const status = run(
      bin('vitest'),
      ['run', '--project', 'storybook', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`],
      { CHROME_PATH: chromium, STORYBOOK_DISABLE_TELEMETRY: '1' },
    );
    if (!existsSync(file)) return { status, passed: 0, failed: 0, skipped: 0 };
    const report = JSON.parse(readFileSync(file, 'utf8'));
    return {
      status,
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped: report.numPendingTests + report.numTodoTests,
    };
  },
};

function readCounts(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { passed: 0, failed: 0, skipped: 0 };
}

const selected = process.argv.slice(2);
for (const name of selected) {
  if (!(name in runners)) {
    console.error(`Unknown runner ${name}; choose from ${Object.keys(runners).join(', ')}`);
    process.exit(2);
  }
}

const wanted = (name) => selected.length === 0 || selected.includes(name);

// Check for the browser before running anything, so a machine without one stops at once with one line.
let chromium;
// Every runner drives Chromium somewhere (the node runner for the strict-CSP page check).
if (wanted('node') || wanted('browser') || wanted('stories')) {
  try {
    chromium = ensureChromium();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const broken = [];
for (const [name, runner] of Object.entries(runners)) {
  if (!wanted(name)) continue;
  console.log(`\n── ${name} tests ──`);
  let result;
  try {
    result = runner();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  // A runner that exits non-zero without a counted failure (a crash, a file that would not load) still fails the run.
  if (result.status !== 0) broken.push(`${name} runner exited with ${result.status}`);
  if (result.passed + result.failed === 0) broken.push(`${name} runner ran no test`);
}

console.log('');
for (const line of broken) console.log(line);
const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed > 0 || broken.length > 0 ? 1 : 0);
