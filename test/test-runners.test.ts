// The closing line of `npm test` tells the truth: a runner that fails, crashes, prints no summary or runs nothing
// counts as at least one failure, named just above that line, and the whole run exits non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
// @ts-expect-error -- a plain .mjs script; its JSDoc types are not read by the type checker.
import { parseCounts, parseTap, parseVitestJson, runAll } from '../scripts/test-runners.mjs';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const work = mkdtempSync(join(tmpdir(), 'crmkit-runners-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

let serial = 0;
/** A runner that is a small Node program: it may write a result file, then ends as `body` says. */
function fakeRunner(name: string, body: string, prepare?: string) {
  const resultFile = join(work, `${name}-${(serial += 1)}.json`);
  const script = `const fs = require('node:fs'); const write = (counts) => fs.writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify(counts)); ${body}`;
  return {
    name,
    command: process.execPath,
    args: ['-e', script],
    resultFile,
    parse: parseCounts,
    ...(prepare ? { prepare: { command: process.execPath, args: ['-e', prepare] } } : {}),
  };
}

/** Runs the runners as `npm test` does and returns what it printed and its exit code. */
function run(runners: unknown[]) {
  const lines: string[] = [];
  const code = runAll(runners, { stdio: 'ignore', write: (line: string) => lines.push(line) });
  return { code, lines, closing: lines[lines.length - 1] };
}

const passing = () => fakeRunner('unit', 'write({ passed: 3, failed: 0, skipped: 1 });');

test('runners that all pass: the closing line sums them and the run exits 0', () => {
  const { code, closing, lines } = run([passing(), fakeRunner('e2e', 'write({ passed: 2, failed: 0, skipped: 0 });')]);
  assert.equal(closing, '5 passed, 0 failed, 1 skipped');
  assert.equal(code, 0);
  assert.ok(!lines.some((line) => line.startsWith('FAILED')));
});

test('no skipped tests: the closing line has no skipped part', () => {
  const { closing } = run([fakeRunner('e2e', 'write({ passed: 2, failed: 0, skipped: 0 });')]);
  assert.equal(closing, '2 passed, 0 failed');
});

test('a runner whose tests fail: its own failures are counted, and nothing more is added', () => {
  const { code, closing, lines } = run([
    passing(),
    fakeRunner('browser', 'write({ passed: 4, failed: 2, skipped: 0 }); process.exit(1);'),
  ]);
  assert.equal(closing, '7 passed, 2 failed, 1 skipped');
  assert.equal(code, 1);
  assert.ok(!lines.some((line) => line.startsWith('FAILED')), 'failed tests are not a broken runner');
});

test('a runner that crashes (killed by a signal) after reporting passes counts as a failure, named above the line', () => {
  const { code, closing, lines } = run([
    passing(),
    fakeRunner('stories', "write({ passed: 5, failed: 0, skipped: 0 }); process.kill(process.pid, 'SIGKILL');"),
  ]);
  assert.equal(closing, '8 passed, 1 failed, 1 skipped');
  assert.equal(code, 1);
  assert.equal(lines[lines.length - 2], 'FAILED: the stories runner was killed by SIGKILL');
});

test('a runner that exits non-zero without a failed test (a reporter that threw) counts as a failure', () => {
  const { code, closing, lines } = run([
    fakeRunner(
      'stories',
      "write({ passed: 39, failed: 0, skipped: 0 }); throw new TypeError('Map.groupBy is not a function');",
    ),
  ]);
  assert.equal(closing, '39 passed, 1 failed');
  assert.equal(code, 1);
  assert.equal(lines[lines.length - 2], 'FAILED: the stories runner exited with 1');
});

test('a runner that prints nothing and exits 0 counts as a failure', () => {
  const { code, closing, lines } = run([passing(), fakeRunner('silent', '')]);
  assert.equal(closing, '3 passed, 1 failed, 1 skipped');
  assert.equal(code, 1);
  assert.equal(lines[lines.length - 2], 'FAILED: the silent runner printed no summary');
});

test('a runner whose summary does not parse counts as printing none', () => {
  const runner = fakeRunner('garbled', "require('node:fs').writeFileSync(process.argv[1] ?? '', '');");
  runner.args.push(runner.resultFile);
  const half = fakeRunner('half', "write({ passed: 'many' });");
  const { closing, lines } = run([runner, half]);
  assert.equal(closing, '0 passed, 2 failed');
  assert.ok(lines.includes('FAILED: the garbled runner printed no summary'));
  assert.ok(lines.includes('FAILED: the half runner printed no summary'));
});

test('a runner that ran no test counts as a failure', () => {
  const { code, closing, lines } = run([fakeRunner('empty', 'write({ passed: 0, failed: 0, skipped: 2 });')]);
  assert.equal(closing, '0 passed, 1 failed, 2 skipped');
  assert.equal(code, 1);
  assert.equal(lines[lines.length - 2], 'FAILED: the empty runner ran no test');
});

test('a runner that cannot start, or whose preparation fails, counts as a failure and the others still run', () => {
  const missing = { ...passing(), name: 'missing', command: join(work, 'no-such-runner') };
  const unprepared = fakeRunner('stories', 'write({ passed: 9, failed: 0, skipped: 0 });', 'process.exit(3)');
  const { code, closing, lines } = run([missing, unprepared, passing()]);
  assert.equal(closing, '3 passed, 2 failed, 1 skipped');
  assert.equal(code, 1);
  assert.ok(lines.some((line) => /^FAILED: the missing runner could not start \(.*ENOENT/.test(line)));
  assert.ok(lines.some((line) => /^FAILED: the stories runner its preparation \(.*\) exited with 3$/.test(line)));
  assert.ok(
    lines.some((line) => line.startsWith('unit: 3 passed')),
    'the runner after the broken ones ran',
  );
});

test('the TAP, count-file and Vitest parsers read their runners’ summaries', () => {
  const tap = 'TAP version 13\nok 1 - a\n1..9\n# tests 9\n# pass 6\n# fail 1\n# cancelled 1\n# skipped 1\n# todo 0\n';
  assert.deepEqual(parseTap(tap), { passed: 6, failed: 2, skipped: 1 } satisfies Counts);
  assert.equal(parseTap('TAP version 13\nok 1 - a\n'), undefined, 'a TAP stream cut short has no summary');
  assert.deepEqual(parseCounts('{"passed":1,"failed":2,"skipped":3}'), { passed: 1, failed: 2, skipped: 3 });
  const vitest = { numPassedTests: 39, numFailedTests: 0, numPendingTests: 1, numTodoTests: 1, numFailedTestSuites: 0 };
  assert.deepEqual(parseVitestJson(JSON.stringify(vitest)), { passed: 39, failed: 0, skipped: 2 });
  assert.deepEqual(
    parseVitestJson(JSON.stringify({ ...vitest, numFailedTestSuites: 1 })),
    { passed: 39, failed: 1, skipped: 2 },
    'a story file that would not load is a failure',
  );
});

test('npm test refuses an unknown runner name', () => {
  const result = spawnSync(process.execPath, [join(import.meta.dirname, '../scripts/test.mjs'), 'nope'], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /Unknown runner nope; choose from node, browser, stories/);
});
