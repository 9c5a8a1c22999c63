#!/usr/bin/env node
// Runs every test runner in turn — node:test for the core and the repository's own scripts, @web/test-runner for
// elements and IndexedDB in headless Chromium, Vitest for the stories — and ends with one plain line,
// `N passed, N failed`, summing what the runners themselves reported (scripts/test-runners.mjs says how a runner that
// crashes or reports nothing is counted). Exits non-zero on any failure.
// `node scripts/test.mjs node browser` runs a subset.
import { mkdtempSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureChromium } from './chromium.mjs';
import { parseCounts, parseTap, parseVitestJson, runAll } from './test-runners.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Test files run in Node (Node 20's --test takes no globs): core, the conformance suite, Node-driven browser checks
 * (a page served with its own headers) and the repository's own scripts and packaging. */
function nodeTestFiles() {
  const files = [];
  for (const folder of [
    'packages/core/test',
    'packages/storage-conformance/test',
    'packages/storage-postgres/test',
    'packages/client/test',
    'packages/server/test',
    'packages/elements/test-node',
    'test',
  ]) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) if (/\.test\.(ts|mjs)$/.test(name)) files.push(join(dir, name));
  }
  return files;
}

/** @param {string} work @param {string} chromium @returns {Record<string, import('./test-runners.mjs').Runner>} */
function runners(work, chromium) {
  const browserEnv = { CHROME_PATH: chromium };
  return {
    node: {
      name: 'node',
      command: process.execPath,
      args: [
        '--conditions=@crmkit/source',
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${join(work, 'node.tap')}`,
        ...nodeTestFiles(),
      ],
      env: browserEnv,
      resultFile: join(work, 'node.tap'),
      parse: parseTap,
    },
    browser: {
      name: 'browser',
      command: bin('web-test-runner'),
      args: ['--config', 'web-test-runner.config.mjs'],
      env: { ...browserEnv, CRMKIT_COUNT_FILE: join(work, 'browser.json') },
      resultFile: join(work, 'browser.json'),
      parse: parseCounts,
    },
    stories: {
      name: 'stories',
      // The stories' docs read the custom-elements manifest, which is generated, not committed.
      prepare: { command: 'npm', args: ['run', '--silent', 'analyze'] },
      command: bin('vitest'),
      args: [
        'run',
        '--project',
        'storybook',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${join(work, 'stories.json')}`,
      ],
      env: { ...browserEnv, STORYBOOK_DISABLE_TELEMETRY: '1' },
      resultFile: join(work, 'stories.json'),
      parse: parseVitestJson,
    },
  };
}

const names = ['node', 'browser', 'stories'];
const selected = process.argv.slice(2);
for (const name of selected) {
  if (!names.includes(name)) {
    console.error(`Unknown runner ${name}; choose from ${names.join(', ')}`);
    process.exit(2);
  }
}

// Every runner drives Chromium somewhere (the node runner for the strict-CSP page check): look for it before running
// anything, so a machine without one stops at once with one line.
let chromium;
try {
  chromium = ensureChromium();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'crmkit-test-'));
const all = runners(work, chromium);
const code = runAll(
  names.filter((name) => selected.length === 0 || selected.includes(name)).map((name) => all[name]),
  { cwd: root },
);
rmSync(work, { recursive: true, force: true });
process.exit(code);
