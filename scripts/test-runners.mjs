// Runs test runners one after another and judges each by its own results, never by what it printed to the terminal:
// every runner writes its counts to a file, which a parser reads. The closing line `N passed, N failed` sums them,
// and a runner that did not finish cleanly counts as at least one failure, named just above that line:
//   - it could not be started, or its preparation step failed;
//   - it was killed by a signal or exited non-zero without reporting a failed test (a crash, a file that would not
//     load, a reporter that threw);
//   - it left no result file, or one that does not parse (it printed no summary);
//   - it ran no test at all.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * @typedef {{ passed: number, failed: number, skipped: number }} Counts
 * @typedef {{ command: string, args: string[], env?: Record<string, string> }} Step
 * @typedef {Step & {
 *   name: string,
 *   prepare?: Step,
 *   resultFile: string,
 *   parse: (text: string) => Counts | undefined,
 * }} Runner
 * @typedef {{ name: string, counts: Counts, reasons: string[], seconds: number }} Outcome
 */

/** Runs a step, returning its exit status and signal, or the error that kept it from starting. */
function runStep(step, { cwd, stdio }) {
  const result = spawnSync(step.command, step.args, { cwd, stdio, env: { ...process.env, ...step.env } });
  return { status: result.status, signal: result.signal, error: result.error };
}

/** Why a finished step counts as failed, or undefined when it exited 0. */
function stepFailure({ status, signal, error }) {
  if (error) return `could not start (${error.message})`;
  if (signal) return `was killed by ${signal}`;
  if (status !== 0) return `exited with ${status}`;
  return undefined;
}

/** The counts a runner left in its result file, or undefined when there is no file or it does not parse. */
function readCounts(runner) {
  if (!existsSync(runner.resultFile)) return undefined;
  let counts;
  try {
    counts = runner.parse(readFileSync(runner.resultFile, 'utf8'));
  } catch {
    return undefined;
  }
  const valid = (value) => Number.isInteger(value) && value >= 0;
  if (!counts || !valid(counts.passed) || !valid(counts.failed) || !valid(counts.skipped)) return undefined;
  return counts;
}

/**
 * Runs one runner (after its preparation step, if any) and judges it.
 * @param {Runner} runner
 * @returns {Outcome}
 */
export function runRunner(runner, { cwd = process.cwd(), stdio = 'inherit' } = {}) {
  const started = Date.now();
  const reasons = [];
  let counts;
  const prepared = runner.prepare ? stepFailure(runStep(runner.prepare, { cwd, stdio })) : undefined;
  if (prepared) {
    reasons.push(`its preparation (${[runner.prepare.command, ...runner.prepare.args].join(' ')}) ${prepared}`);
  } else {
    const ran = runStep(runner, { cwd, stdio });
    counts = readCounts(runner);
    const failure = stepFailure(ran);
    if (failure && !(ran.status !== 0 && !ran.signal && !ran.error && counts && counts.failed > 0)) {
      // Exiting non-zero is expected when tests failed; anything else is the runner itself going wrong.
      reasons.push(failure);
    }
    if (!ran.error && !counts) reasons.push('printed no summary');
    if (counts && counts.passed + counts.failed === 0) reasons.push('ran no test');
  }
  counts ??= { passed: 0, failed: 0, skipped: 0 };
  // A runner that went wrong without counting a failed test still fails the run: it counts as one failure.
  if (reasons.length > 0 && counts.failed === 0) counts = { ...counts, failed: 1 };
  return { name: runner.name, counts, reasons, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/**
 * Runs every runner in turn and prints, last, one line `N passed, N failed` (`, N skipped` when some were), with each
 * runner that went wrong named just above it. Returns the exit code for the whole run: 0 only when nothing failed.
 * @param {Runner[]} runners
 * @param {{ cwd?: string, stdio?: import('node:child_process').StdioOptions, write?: (line: string) => void }} options
 */
export function runAll(runners, { cwd, stdio, write = (line) => console.log(line) } = {}) {
  const outcomes = [];
  for (const runner of runners) {
    write(`\n── ${runner.name} tests ──`);
    outcomes.push(runRunner(runner, { cwd, stdio }));
  }
  const totals = { passed: 0, failed: 0, skipped: 0 };
  write('');
  for (const { name, counts, seconds } of outcomes) {
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
    write(`${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${seconds} s`);
  }
  for (const { name, reasons } of outcomes) {
    if (reasons.length > 0) write(`FAILED: the ${name} runner ${reasons.join(', and ')}`);
  }
  const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
  write(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
  return totals.failed > 0 ? 1 : 0;
}

/** Counts from a node:test TAP report's closing comments (`# pass N`, `# fail N`, …). */
export function parseTap(text) {
  const count = (label) => {
    const match = text.match(new RegExp(`^# ${label} (\\d+)$`, 'm'));
    return match ? Number(match[1]) : undefined;
  };
  const passed = count('pass');
  const failed = count('fail');
  if (passed === undefined || failed === undefined) return undefined;
  return {
    passed,
    failed: failed + (count('cancelled') ?? 0),
    skipped: (count('skipped') ?? 0) + (count('todo') ?? 0),
  };
}

/** Counts from a `{ passed, failed, skipped }` JSON file. */
export function parseCounts(text) {
  const { passed, failed, skipped } = JSON.parse(text);
  return { passed, failed, skipped };
}

/** Counts from Vitest's JSON reporter. */
export function parseVitestJson(text) {
  const report = JSON.parse(text);
  return {
    passed: report.numPassedTests,
    // A test file that failed to load has no tests in it: count it as a failure.
    failed: report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0),
    skipped: report.numPendingTests + report.numTodoTests,
  };
}
