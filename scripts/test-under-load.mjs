#!/usr/bin/env node
// Runs the test command several times in a row while CPU-bound processes compete for the machine, to show the tests
// do not depend on how fast the machine is. Every run must pass; the script stops at the first that does not.
//
//   node scripts/test-under-load.mjs [--runs 3] [--burners 2] [-- <test command…>]
//
// The default test command is `npm test`; after `--` another may be given (e.g. `-- node scripts/test.mjs stories`).
// Each burner is a Node process spinning on arithmetic; all of them are stopped when the script ends, however it ends.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const split = process.argv.indexOf('--');
const own = split === -1 ? process.argv.slice(2) : process.argv.slice(2, split);
const command = split === -1 ? ['npm', 'test'] : process.argv.slice(split + 1);
const { values } = parseArgs({
  args: own,
  options: { runs: { type: 'string', default: '3' }, burners: { type: 'string', default: '2' } },
});
const runs = Number(values.runs);
const burnerCount = Number(values.burners);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(burnerCount) || burnerCount < 0 || command.length === 0) {
  console.error('usage: node scripts/test-under-load.mjs [--runs N ≥ 1] [--burners N ≥ 0] [-- command…]');
  process.exit(2);
}

const SPIN = 'let x = 0; for (;;) { x = (x * 1103515245 + 12345) % 2147483648; }';
const burners = Array.from({ length: burnerCount }, () => spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' }));
const stopBurners = () => {
  for (const burner of burners) if (burner.exitCode === null && burner.signalCode === null) burner.kill('SIGKILL');
};
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopBurners();
    process.exit(130);
  });
}

/** Runs the test command once, echoing its output, and resolves with its exit code and closing summary line. */
function runOnce() {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
    });
    child.on('close', (code, signal) => {
      const summary = tail.match(/^(\d+) passed, (\d+) failed.*$/m)?.[0];
      resolve({ code: code ?? 1, signal, summary });
    });
  });
}

const results = [];
let ok = true;
for (let run = 1; run <= runs && ok; run++) {
  console.log(`\n━━ run ${run} of ${runs}, with ${burnerCount} CPU-bound process(es) beside it: ${command.join(' ')}`);
  const started = Date.now();
  const { code, signal, summary } = await runOnce();
  const seconds = Math.round((Date.now() - started) / 1000);
  results.push({ run, code, signal, summary, seconds });
  ok = code === 0;
}
stopBurners();

console.log(
  `\nUnder load (${burnerCount} CPU-bound process(es) on ${(await import('node:os')).availableParallelism()} cores):`,
);
for (const { run, code, signal, summary, seconds } of results) {
  const outcome = code === 0 ? 'passed' : `FAILED (${signal ? `signal ${signal}` : `exit ${code}`})`;
  console.log(`  run ${run}: ${outcome} in ${seconds} s — ${summary ?? 'no summary line'}`);
}
console.log(ok ? `all ${runs} runs passed` : `stopped after run ${results.length}: it failed`);
process.exit(ok ? 0 : 1);
