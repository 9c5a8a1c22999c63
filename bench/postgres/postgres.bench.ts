/**
 * The PostgreSQL benchmark: @crmkit/storage-postgres on a real server, through `createCrm` — the path an application
 * takes — against raw `pg` doing the same task by hand, measured in the same run, in interleaved rounds.
 *
 *   npm run bench:postgres -- [options]            (starts a throwaway cluster unless PGHOST / DATABASE_URL is set)
 *   node --conditions=@crmkit/source --import tsx bench/postgres/postgres.bench.ts [options]   (PG* or DATABASE_URL)
 *
 * Options: `--customers 100000` (parts 1 and 2), `--sizes 10000,100000,1000000` (part 3), `--rounds 5`,
 * `--import-rounds 3` (a pass writes every customer), `--warmup 1`,
 * `--activities 20` (per customer, for the aggregates the segment reads), `--only import,segment,list`, `--quick`
 * (20 000 customers, sizes 10 000 and 100 000, 3 rounds), `--no-json`.
 *
 * 1. Bulk import (import.ts): `crm.backup.restore` of N customers against the hand-written bulk insert. Target ≤ 1.3×.
 * 2. A segment (segment.ts): `crm.segments.memberIds` against the hand-written SQL. Target ≤ 1.2×.
 * 3. A list page (list.ts): the first page by `updatedAt` and the page after 1000, at each size. Target: ≤ 1.5× from
 *    the smallest size to the largest.
 *
 * Everything runs in schemas of the run's own (`bench_<time>`, and `bench_<time>_import` for part 1), dropped at the
 * end, also on failure or Ctrl-C. Data generation and loading are untimed. Prints markdown tables, the plans of the
 * adapter's statements (`EXPLAIN ANALYZE`) and the verdicts against the targets (printed, never enforced); writes
 * bench/results/postgres-<time>.json. Exits 1 when any answer was wrong (every pass of every contender is checked).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { option } from '../harness/shared.js';
import { ACTIVITIES_PER_CUSTOMER, generateScaleData, type ScaleData } from '../scale/data.js';
import { dropSchemasNow, newPool, planSummary, serverLabel, serverSettings, withCrm, type Plan } from './db.js';
import { runImport, type ImportResult } from './import.js';
import {
  LATER_OFFSET,
  createReferenceIndex,
  loadListTenant,
  runLists,
  type ListExpectation,
  type ListResult,
} from './list.js';
import { loadSegmentTenant, runSegment, type SegmentResult } from './segment.js';
import { markdown, ms, ratio, timingTable, type Row, type TimingOptions } from './timing.js';

const IMPORT_TARGET = 1.3;
const SEGMENT_TARGET = 1.2;
const GROWTH_TARGET = 1.5;

const quick = process.argv.includes('--quick');
const customers = Number(option('customers', quick ? '20000' : '100000').replaceAll('_', ''));
const sizes = option('sizes', quick ? '10000,100000' : '10000,100000,1000000')
  .split(',')
  .map((size) => Number(size.replaceAll('_', '')))
  .sort((a, b) => a - b);
const rounds = Number(option('rounds', quick ? '3' : '5'));
// A pass of the import writes every customer; at 100 000 that is seconds per contender, so fewer rounds.
const importRounds = Number(option('import-rounds', '3'));
const warmups = Number(option('warmup', '1'));
const activities = Number(option('activities', String(ACTIVITIES_PER_CUSTOMER)));
const only = new Set(option('only', 'import,segment,list').split(','));
const json = !process.argv.includes('--no-json');
if (
  !Number.isInteger(customers) ||
  customers < 2000 ||
  sizes.some((size) => !Number.isInteger(size) || size < LATER_OFFSET * 2) ||
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !Number.isInteger(importRounds) ||
  importRounds < 1 ||
  !Number.isInteger(warmups) ||
  warmups < 0 ||
  !Number.isInteger(activities) ||
  activities < 4 ||
  [...only].some((part) => !['import', 'segment', 'list'].includes(part))
) {
  console.error(
    'usage: postgres.bench.ts [--customers 100000] [--sizes 10000,100000,1000000] [--rounds 5] [--import-rounds 3] ' +
      '[--warmup 1] ' +
      '[--activities 20] [--only import,segment,list] [--quick] [--no-json]',
  );
  process.exit(2);
}

const log = (message: string) => console.error(`[postgres] ${message}`);
const started = new Date();
const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').toLowerCase();
const schema = `bench_${stamp}`;
const importSchema = `${schema}_import`;
const timing: TimingOptions = { rounds, warmups, log };
const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

// On Ctrl-C or a kill: end the run's connections, drop its schemas, exit. A second signal exits at once.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    log(`${signal}: dropping ${schema} and ${importSchema}`);
    dropSchemasNow([schema, importSchema]).then(
      () => process.exit(130),
      (error: unknown) => {
        log(`could not drop the schemas: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(130);
      },
    );
  });
}

interface Verdict {
  readonly name: string;
  readonly value: number;
  readonly target: number;
  readonly met: boolean;
}
const verdicts: Verdict[] = [];
const verdict = (name: string, value: number, target: number) =>
  verdicts.push({ name, value, target, met: value <= target });

const rowOf = (rows: readonly Row[], prefix: string) => rows.find((row) => row.name.startsWith(prefix));

function printPlans(title: string, plans: readonly Plan[]) {
  console.log(`\n${title}:\n`);
  console.log('```');
  for (const plan of plans) console.log(`${planSummary(plan)}\n`);
  console.log('```');
}

function reportImport(result: ImportResult) {
  const { timed, referenceMs } = result;
  console.log(`\n## 1. Bulk import of ${result.customers.toLocaleString('en-US')} customers\n`);
  console.log(`Reference: the faster hand-written insert (${result.reference}).\n`);
  console.log(timingTable(timed, referenceMs));
  const restore = rowOf(timed.rows, 'crmkit:')!;
  const validation = rowOf(timed.rows, 'checkSnapshotRecords')!;
  const adapter = rowOf(timed.rows, 'storage.importSnapshot')!;
  const parse = rowOf(timed.rows, 'parseSnapshot')!;
  const value = restore.median / referenceMs;
  verdict('import: crm.backup.restore ÷ hand-written insert', value, IMPORT_TARGET);
  console.log(
    `\ncrmkit ${ms(restore.median)} ms, reference ${ms(referenceMs)} ms: **${ratio(value)}** (target ≤ ${IMPORT_TARGET}×). ` +
      `Split (separate medians, so they need not add up): restore's validation alone (checkSnapshotRecords, no ` +
      `database) ${ms(validation.median)} ms, ${share(validation.median, restore.median)} of restore; the adapter's ` +
      `importSnapshot alone ${ms(adapter.median)} ms, ${share(adapter.median, restore.median)}, of which its own ` +
      `parseSnapshot is ${ms(parse.median)} ms; restore − importSnapshot = ${ms(restore.median - adapter.median)} ms.`,
  );
}

const share = (part: number, whole: number) => `${((part / whole) * 100).toFixed(0)} %`;

function reportSegment(result: SegmentResult) {
  console.log(
    `\n## 2. Segment: ${result.members.toLocaleString('en-US')} members of ${customers.toLocaleString('en-US')} ` +
      `customers (${result.candidates.toLocaleString('en-US')} match the attribute part)\n`,
  );
  const [indexed, plain, crmkit] = result.warm.rows;
  const reference = indexed!.median <= plain!.median ? indexed! : plain!;
  console.log(`Reference: the faster hand-written query (${reference.name}).\n`);
  console.log(timingTable(result.warm, reference.median));
  const value = crmkit!.median / reference.median;
  verdict('segment: crm.segments.memberIds ÷ hand-written SQL', value, SEGMENT_TARGET);
  console.log(
    `\ncrmkit ${ms(crmkit!.median)} ms, reference ${ms(reference.median)} ms: **${ratio(value)}** (target ≤ ${SEGMENT_TARGET}×).\n`,
  );
  console.log('First call on a new connection:\n');
  console.log(timingTable(result.cold));
  printPlans('Plans of one memberIds call (EXPLAIN ANALYZE of each statement the adapter sent)', result.plans.crmkit);
  printPlans('Plans of the hand-written queries', result.plans.reference);
}

function reportList(results: readonly ListResult[]) {
  console.log(
    `\n## 3. Customer list page (updatedAt desc, 50) at ${results.map((r) => r.size.toLocaleString('en-US')).join(' / ')}\n`,
  );
  for (const result of results) {
    console.log(`### ${result.size.toLocaleString('en-US')} customers\n`);
    for (const timed of [result.first, result.later, result.cold]) console.log(`${timingTable(timed)}\n`);
  }
  const smallest = results[0]!;
  const largest = results[results.length - 1]!;
  const series: [string, (result: ListResult) => Row | undefined, boolean][] = [
    ['crmkit: list, first page', (r) => r.first.rows[1], true],
    [`crmkit: list, page after ${LATER_OFFSET}`, (r) => r.later.rows[1], true],
    ['crmkit: list, first page, new connection', (r) => r.cold.rows[1], true],
    ['storage.query, first page', (r) => r.first.rows[2], false],
    [`storage.query, page after ${LATER_OFFSET}`, (r) => r.later.rows[2], false],
    ['raw pg: keyset, first page', (r) => r.first.rows[0], false],
    [`raw pg: keyset, page after ${LATER_OFFSET}`, (r) => r.later.rows[0], false],
    ['raw pg: keyset, first page, new connection', (r) => r.cold.rows[0], false],
  ];
  console.log('Growth (median ms at each size; growth = largest ÷ smallest):\n');
  const rows = series.map(([name, pick, targeted]) => {
    const growth = pick(largest)!.median / pick(smallest)!.median;
    if (targeted && results.length > 1) {
      verdict(
        `list growth ${smallest.size.toLocaleString('en-US')} → ${largest.size.toLocaleString('en-US')}: ${name}`,
        growth,
        GROWTH_TARGET,
      );
    }
    return [name, ...results.map((r) => ms(pick(r)!.median)), ratio(growth), targeted ? `≤ ${GROWTH_TARGET}×` : ''];
  });
  console.log(
    markdown(
      ['', ...results.map((r) => `${r.size.toLocaleString('en-US')}`), 'growth', 'target'],
      rows,
      results.map((_, i) => i + 1).concat(results.length + 1),
    ),
  );
  console.log('\ncrmkit ÷ raw pg at each size:\n');
  console.log(
    markdown(
      ['', ...results.map((r) => `${r.size.toLocaleString('en-US')}`)],
      [
        ['first page', ...results.map((r) => ratio(r.first.rows[1]!.median / r.first.rows[0]!.median))],
        [`page after ${LATER_OFFSET}`, ...results.map((r) => ratio(r.later.rows[1]!.median / r.later.rows[0]!.median))],
        ['first page, new connection', ...results.map((r) => ratio(r.cold.rows[1]!.median / r.cold.rows[0]!.median))],
      ],
      results.map((_, i) => i + 1),
    ),
  );
  const label = largest.size.toLocaleString('en-US');
  printPlans(`Plans of one crmkit first-page call at ${label}`, largest.plans.crmkitFirst);
  printPlans(`Plans of one crmkit page-after-${LATER_OFFSET} call at ${label}`, largest.plans.crmkitLater);
  printPlans(`Plan of the reference's first page at ${label}`, largest.plans.referenceFirst);
  printPlans(`Plan of the reference's page after ${LATER_OFFSET} at ${label}`, largest.plans.referenceLater);
}

/** The commit measured, and the files changed since it (the adapter may be mid-change while this runs). */
function codeState(): string {
  const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' }).stdout?.trimEnd() ?? '';
  const head = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const changed = git('status', '--porcelain', '--', 'packages').split('\n').filter(Boolean);
  return changed.length === 0
    ? `${head}, clean`
    : `${head} plus uncommitted changes to ${changed.map((line) => line.slice(3)).join(', ')}`;
}

async function main(): Promise<number> {
  const pool = newPool();
  const settings = await serverSettings(pool);
  const cpu = cpus();
  const environment = {
    node: `${process.version}, ${process.platform}/${process.arch}`,
    machine: `${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, shared; load average at start ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
    server: `${serverLabel()}; ${Object.entries(settings)
      .map(([name, value]) => `${name}=${value}`)
      .join(', ')}`,
    schemas: `${schema} (segment, list), ${importSchema} (import); dropped at the end`,
    run:
      `${rounds} rounds (the import ${importRounds}, the list pages ${Math.max(rounds, 21)}) after ${warmups} warm-up ` +
      "pass(es) (the import's over 5000 customers; 3 for the list pages, 2 for the segment), order rotating",
    code: codeState(),
    started: started.toISOString(),
  };
  log(`schemas ${schema} and ${importSchema} on ${serverLabel()}`);
  let importResult: ImportResult | undefined;
  let segmentResult: SegmentResult | undefined;
  const listResults: ListResult[] = [];
  const failures: string[] = [];
  try {
    let data: ScaleData | undefined;
    if (only.has('import') || only.has('segment')) {
      const at = performance.now();
      data = generateScaleData({ customers, activitiesPerCustomer: activities, log: (m) => log(`data: ${m}`) });
      log(`data: generated in ${seconds(at)}`);
    }
    if (only.has('import')) {
      importResult = await runImport(pool, importSchema, data!.collections['customers']!, {
        ...timing,
        rounds: importRounds,
      });
      failures.push(...importResult.timed.failures);
      await pool.query(`DROP SCHEMA IF EXISTS "${importSchema}" CASCADE`);
    }
    // The main schema, created by the adapter's own migration.
    await withCrm(pool, 'setup', schema, async () => undefined);
    if (only.has('segment')) {
      const at = performance.now();
      await loadSegmentTenant(pool, schema, data!);
      log(`segment: tenant loaded by restore in ${seconds(at)}`);
    }
    const expectations: ListExpectation[] = [];
    if (only.has('list')) {
      for (const size of sizes) expectations.push(await loadListTenant(pool, schema, size, log));
    }
    const at = performance.now();
    await pool.query(`VACUUM (ANALYZE) "${schema}".records, "${schema}".changes`);
    log(`VACUUM (ANALYZE) in ${seconds(at)}`);
    if (only.has('segment')) {
      segmentResult = await runSegment(pool, schema, data!, timing);
      failures.push(...segmentResult.warm.failures, ...segmentResult.cold.failures);
    }
    data = undefined;
    if (expectations.length > 0) await createReferenceIndex(pool, schema);
    if (expectations.length > 0) {
      for (const result of await runLists(pool, schema, expectations, timing)) {
        listResults.push(result);
        failures.push(...result.first.failures, ...result.later.failures, ...result.cold.failures);
      }
    }
  } catch (error) {
    // What was measured before the failure is still reported.
    console.error(error);
    failures.push(`the run stopped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    for (const name of [schema, importSchema]) await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    // A connection still checked out (a storage left open by a failure) would keep `end()` waiting for ever.
    await Promise.race([pool.end(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  }

  console.log('\n# crmkit on PostgreSQL against raw pg\n');
  console.log(
    Object.entries(environment)
      .map(([key, value]) => `- ${key}: ${value}`)
      .join('\n'),
  );
  if (importResult) reportImport(importResult);
  if (segmentResult) reportSegment(segmentResult);
  if (listResults.length > 0) reportList(listResults);
  console.log('\n## Verdicts (printed, never enforced)\n');
  for (const v of verdicts) {
    console.log(`- ${v.met ? 'met' : 'MISSED'}: ${v.name} = ${ratio(v.value)} (target ≤ ${v.target}×)`);
  }
  const counted = new Map<string, number>();
  for (const failure of failures) counted.set(failure, (counted.get(failure) ?? 0) + 1);
  const lines = [...counted].map(([failure, n]) => `- FAILED${n > 1 ? ` (${n} passes)` : ''}: ${failure}`);
  console.log(`\n## Checks\n\n${failures.length === 0 ? '- every answer of every pass agreed' : lines.join('\n')}`);
  if (json) {
    const dir = fileURLToPath(new URL('../results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    const file = `${dir}postgres-${started.toISOString().replaceAll(':', '-')}.json`;
    const options = { customers, sizes, rounds, importRounds, warmups, activities, only: [...only], quick };
    const body = {
      name: 'postgres',
      options,
      environment,
      import: importResult,
      segment: segmentResult,
      list: listResults,
      verdicts,
      failures,
    };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
    console.log(`\nWrote ${file}`);
  }
  console.log(
    `\npostgres: ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s, ${failures.length} failed check(s)`,
  );
  return failures.length === 0 ? 0 : 1;
}

// Exit explicitly: a connection a failure left checked out would otherwise keep the process alive.
process.exit(await main());
