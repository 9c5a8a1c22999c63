/**
 * `npm run bench:server` (through run.mjs, which provides the PostgreSQL server): crmkit's HTTP server under load,
 * against a bare `node:http` server doing the same operations with hand-written SQL, in the same run.
 *
 *   npm run bench:server -- [--seconds 30] [--clients 50] [--rounds 2] [--warmup 3] [--scale 20] [--pool 10]
 *     [--hot 0.3] [--mix read=30,list=25,move=30,capture=15] [--experiments serialised,audit-tail]
 *     [--no-fetch-info] [--statements] [--profile DIR] [--quick] [--no-json]
 *
 * 1. Seeds one tenant per contender server pair, in one schema, with the same demo snapshot (`generateDemoData`,
 *    restored through `crm.backup.restore`): customers, contacts, leads, deals across the pipeline's stages with
 *    their history, activities, tasks, users and teams. The clients act as the admin and four reps of that data.
 * 2. Starts two crmkit server processes (crmkit-server.ts) and two reference processes (reference-server.ts), each on
 *    a loopback port with its own `pg` pool; and two more crmkit processes per experiment.
 * 3. For each contender, `--clients` clients (spread evenly over its two processes and the five actors) run the mix of
 *    load.ts: untimed for `--warmup` seconds, then `--seconds` in all, split into `--rounds` rounds whose order
 *    alternates (forwards, then backwards) so drift on a shared machine reaches every contender alike. CPU time of
 *    the server processes and of their PostgreSQL backends is read from /proc around each timed round.
 * 4. Checks, per tenant, that no update was lost (verify.ts), then probes `Idempotency-Key` across two processes.
 * 5. Prints the tables and writes bench/results/server-<time>.json (not with `--no-json`) and, for a full run with the
 *    default mix, bench/server/RESULTS.md. Exits 1 on any 5xx, unexpected answer, given-up move or lost update.
 *
 * Contenders: `crmkit` (createRemoteCrm, how an application calls the server: the ratio's subject) and `reference`
 * (plain fetch against the bare server); information rows: `crmkit, plain fetch` (the same requests to crmkit without
 * the client library) and the experiments of crmkit-server.ts (crmkit with its write transactions changed from the
 * outside, to measure ways out of the audit log's contention). `--statements` adds pg_stat_statements' top
 * statements over the timed rounds; `--profile DIR` writes the crmkit processes' CPU profiles there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { format, resolveConfig } from 'prettier';
import { createCrm } from '@crmkit/core';
import { createPostgresStorage } from '@crmkit/storage-postgres';
import { generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { option } from '../harness/shared.js';
import {
  CRMKIT_TENANT,
  READY_PREFIX,
  REFERENCE_TENANT,
  SCHEMA,
  EXPERIMENT_TENANTS,
  SETUP_VARIABLE,
  TIME_ZONE,
  APPLICATION_PREFIX,
  newPool,
  type BenchActor,
  type ServerSetup,
} from './config.js';
import {
  Client,
  KINDS,
  StatusCounter,
  fetchApi,
  parseMix,
  remoteCrmApi,
  runPhase,
  type Api,
  type PhaseStats,
  type Reach,
  type WriteLog,
} from './load.js';
import { verifyTenant, type SeedFacts, type Verification } from './verify.js';
import { markdown, ratio } from '../postgres/timing.js';

const flag = (name: string) => process.argv.includes(`--${name}`);
const quick = flag('quick');
const seconds = Number(option('seconds', quick ? '4' : '30'));
const clientCount = Number(option('clients', '50'));
const rounds = Number(option('rounds', quick ? '1' : '2'));
const scale = Number(option('scale', quick ? '5' : '20'));
const poolSize = Number(option('pool', '10'));
const hotShare = Number(option('hot', '0.3'));
const warmup = Number(option('warmup', quick ? '1' : '3'));
const fetchInfo = !flag('no-fetch-info');
/**
 * The experiments run as information contenders (crmkit-server.ts), only when asked: `--experiments
 * serialised,audit-tail`. The adapter's own `'appends'` transactions supersede both; wrapped around them they only cost.
 */
const experiments = flag('no-experiment')
  ? []
  : option('experiments', '')
      .split(',')
      .filter((name): name is keyof typeof EXPERIMENT_TENANTS => {
        if (name === '') return false;
        if (name in EXPERIMENT_TENANTS) return true;
        throw new Error(`--experiments: unknown ${name} (known: ${Object.keys(EXPERIMENT_TENANTS).join(', ')})`);
      });
const EXPERIMENT_NAMES = {
  serialised: 'crmkit, write transactions serialised (experiment)',
  'audit-tail': 'crmkit, READ COMMITTED, audit append serialised (experiment)',
} as const;
/** A folder to write the crmkit processes' CPU profiles to (`--cpu-prof`), for finding where their time goes. */
const profileDir = option('profile', '');
/** Where the database's time goes: pg_stat_statements over the timed rounds (run.mjs loads it with this flag). */
const statements = flag('statements');
const mix = parseMix(option('mix', 'read=30,list=25,move=30,capture=15'));
const log = (message: string) => console.error(`[server-bench] ${message}`);

// ---------------------------------------------------------------------------------------------------------------
// Seed

const ADMIN_SYSTEM = { id: 'usr-bench-seed', role: 'admin' as const };
const REP_COUNT = 4;
const HOT_PER_REP = 5;

async function seedTenants(pool: pg.Pool) {
  const data = generateDemoData({ scale, users: 12, teams: 2 });
  const snapshot = toStorageSnapshot(data);
  const tenants = [CRMKIT_TENANT, REFERENCE_TENANT, ...experiments.map((name) => EXPERIMENT_TENANTS[name])];
  for (const tenant of tenants) {
    const storage = await createPostgresStorage({ pool, tenant, schema: SCHEMA, changeFeed: { mode: 'off' } });
    const crm = await createCrm({ storage, actor: ADMIN_SYSTEM, timeZone: TIME_ZONE });
    try {
      await crm.backup.restore(snapshot);
    } finally {
      await crm.dispose();
      await storage.close();
    }
  }
  await pool.query(`ANALYZE "${SCHEMA}".records`);
  const admin = data.users.find((user) => user.role === 'admin')!;
  // Movable: deals whose every stage's gate passes (an amount and an expected close date), so every move may succeed.
  const movable = data.deals.filter(
    (deal) => deal.expectedCloseDate !== undefined && (deal.amount?.amountMinor ?? 0) > 0,
  );
  const ownerCounts = new Map<string, number>();
  for (const { ownerId } of movable) if (ownerId) ownerCounts.set(ownerId, (ownerCounts.get(ownerId) ?? 0) + 1);
  const reps = data.users
    .filter((user) => user.role === 'rep' && (ownerCounts.get(user.id) ?? 0) >= HOT_PER_REP)
    .sort((a, b) => (ownerCounts.get(b.id) ?? 0) - (ownerCounts.get(a.id) ?? 0))
    .slice(0, REP_COUNT);
  if (reps.length < REP_COUNT) throw new Error(`only ${reps.length} reps own enough deals: raise --scale`);
  const actors: BenchActor[] = [
    { id: admin.id, role: 'admin' },
    ...reps.map((rep) => ({ id: rep.id, role: 'rep' as const })),
  ];
  const hot = reps.flatMap((rep) =>
    movable
      .filter((deal) => deal.ownerId === rep.id)
      .slice(0, HOT_PER_REP)
      .map((deal) => deal.id),
  );
  const reach = (actor: BenchActor): Reach => {
    const own = <T extends { ownerId?: string; sharedWith?: readonly string[] }>(record: T) =>
      actor.role === 'admin' || record.ownerId === actor.id || (record.sharedWith ?? []).includes(actor.id);
    const mine = movable.filter((deal) => actor.role === 'admin' || deal.ownerId === actor.id).map((deal) => deal.id);
    return {
      readableDeals: data.deals.filter(own).map((deal) => deal.id),
      customers: data.customers.filter(own).map((customer) => customer.id),
      movableDeals: mine,
      hotDeals: hot.filter((id) => mine.includes(id)),
    };
  };
  const facts: SeedFacts = {
    dealStages: new Map(data.deals.map((deal) => [deal.id, deal.stageId])),
    stageChangeIds: new Set(data.stageChanges.map((change) => change.id)),
    leads: data.leads.length,
  };
  const counts = Object.fromEntries(Object.entries(snapshot.collections).map(([name, list]) => [name, list.length]));
  return { actors, reach, facts, counts, movable: movable.length, hot: hot.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Server processes

const children = new Set<ChildProcess>();
const serverFile = (name: string) => fileURLToPath(new URL(name, import.meta.url));

interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
}

function startServer(file: string, setup: ServerSetup): Promise<ServerProcess> {
  const profile = profileDir && file === 'crmkit-server.ts' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, '--conditions=@crmkit/source', '--import', 'tsx', serverFile(file)],
    {
      env: { ...process.env, [SETUP_VARIABLE]: JSON.stringify(setup) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(prefixed(setup.name, chunk.toString())));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${setup.name} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${setup.name} exited (${code}) before listening`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        const url = `http://127.0.0.1:${line.slice(READY_PREFIX.length).trim()}`;
        log(`${setup.name} listening on ${url} (pid ${child.pid})`);
        resolve({ name: setup.name, url, child });
      } else process.stderr.write(prefixed(setup.name, `${line}\n`));
    });
  });
}

const prefixed = (name: string, text: string) =>
  text
    .split('\n')
    .map((line, i, all) => (line === '' && i === all.length - 1 ? '' : `[${name}] ${line}\n`))
    .join('');

async function stopServers(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** CPU seconds (user + system) a process has used, from /proc; `NaN` where there is no /proc. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Contenders and the run

interface Contender {
  readonly name: string;
  readonly info: boolean;
  readonly tenant: string;
  readonly servers: readonly ServerProcess[];
  readonly clients: Client[];
  readonly statuses: StatusCounter;
  readonly writes: WriteLog;
  readonly phases: PhaseStats[];
  readonly cpu: { servers: number; load: number; database: number };
  /** How long creating the clients took (createRemoteCrm reads GET /session). */
  setupMs: number;
}

async function makeContender(
  name: string,
  info: boolean,
  tenant: string,
  servers: readonly ServerProcess[],
  tokens: ReadonlyMap<BenchActor, string>,
  reach: (actor: BenchActor) => Reach,
  actors: readonly BenchActor[],
  api: (url: string, token: string, statuses: StatusCounter) => Api | Promise<Api>,
  writes: WriteLog,
): Promise<Contender> {
  const statuses = new StatusCounter();
  const started = performance.now();
  const reaches = new Map(actors.map((actor) => [actor, reach(actor)]));
  const clients = await Promise.all(
    Array.from({ length: clientCount }, async (_, i) => {
      const actor = actors[i % actors.length]!;
      const server = servers[Math.floor(i / actors.length) % servers.length]!;
      const client = await api(server.url, tokens.get(actor)!, statuses);
      // Names differ between contenders: two of them write to the crmkit tenant, and captured e-mails must not repeat.
      return new Client(
        `${name.replace(/\W+/g, '')}-c${i}`,
        actor,
        client,
        reaches.get(actor)!,
        1000 + i,
        hotShare,
        mix,
      );
    }),
  );
  return {
    name,
    info,
    tenant,
    servers,
    clients,
    statuses,
    writes,
    phases: [],
    cpu: { servers: 0, load: 0, database: 0 },
    setupMs: performance.now() - started,
  };
}

/** The PostgreSQL backends serving the contender's processes: their pids, from `pg_stat_activity`. */
async function backends(pool: pg.Pool, contender: Contender): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = ANY ($1::text[])',
    [contender.servers.map((server) => `${APPLICATION_PREFIX}${server.name}`)],
  );
  return rows.map((row) => row.pid);
}

async function phase(pool: pg.Pool, contender: Contender, length: number, timed: boolean): Promise<void> {
  const databaseBefore = new Map((await backends(pool, contender)).map((pid) => [pid, cpuSeconds(pid)]));
  const before = contender.servers.map((server) => cpuSeconds(server.child.pid));
  const load = process.cpuUsage();
  const counted = new Map(contender.statuses.counts);
  const stats = await runPhase(contender.clients, length, contender.writes);
  if (!timed) return;
  // The answers of this phase: what the contender's counter gained while it ran.
  for (const [status, count] of contender.statuses.counts) {
    const gained = count - (counted.get(status) ?? 0);
    if (gained > 0) stats.statuses.counts.set(status, gained);
  }
  const after = contender.servers.map((server) => cpuSeconds(server.child.pid));
  contender.cpu.servers += after.reduce((sum, value, i) => sum + value - before[i]!, 0);
  // Backends opened during the phase count from zero; one that ended during it is missed (pools keep theirs open).
  for (const pid of await backends(pool, contender)) {
    const now = cpuSeconds(pid);
    if (Number.isFinite(now)) contender.cpu.database += now - (databaseBefore.get(pid) ?? 0);
  }
  const used = process.cpuUsage(load);
  contender.cpu.load += (used.user + used.system) / 1e6;
  contender.phases.push(stats);
}

const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

interface Summary {
  readonly name: string;
  readonly info: boolean;
  readonly seconds: number;
  readonly operations: number;
  readonly opsPerSecond: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latency: Record<string, { count: number; p50: number; p99: number }>;
  readonly conflicts: number;
  readonly spuriousConflicts: number;
  readonly staleStage: number;
  readonly retries: number;
  readonly gaveUp: number;
  readonly errors: number;
  readonly failedByKind: Record<string, number>;
  readonly errorSamples: readonly string[];
  readonly statuses: Record<string, number>;
  readonly fiveHundreds: number;
  readonly serverCpuMsPerOp: number;
  readonly databaseCpuMsPerOp: number;
  readonly loadCpuMsPerOp: number;
  readonly clientSetupMs: number;
}

function summarise(contender: Contender): Summary {
  const phases = contender.phases;
  const elapsed = phases.reduce((sum, stats) => sum + (stats.ended - stats.started), 0) / 1000;
  const operations = phases.reduce((sum, stats) => sum + stats.operations, 0);
  const sum = (key: 'conflicts' | 'spuriousConflicts' | 'staleStage' | 'retries' | 'gaveUp' | 'errorCount') =>
    phases.reduce((total, stats) => total + stats[key], 0);
  const latency: Summary['latency'] = {};
  for (const kind of KINDS) {
    const values = phases.flatMap((stats) => stats.latencies[kind]);
    latency[kind] = { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99) };
  }
  const endToEnd = phases.flatMap((stats) => stats.moveEndToEnd);
  latency['move, with retries'] = {
    count: endToEnd.length,
    p50: percentile(endToEnd, 50),
    p99: percentile(endToEnd, 99),
  };
  const all = phases.flatMap((stats) => KINDS.flatMap((kind) => stats.latencies[kind]));
  latency['all'] = { count: all.length, p50: percentile(all, 50), p99: percentile(all, 99) };
  const statuses = new StatusCounter();
  for (const stats of phases) {
    for (const [status, count] of stats.statuses.counts)
      statuses.counts.set(status, (statuses.counts.get(status) ?? 0) + count);
  }
  const requests = statuses.total();
  return {
    name: contender.name,
    info: contender.info,
    seconds: elapsed,
    operations,
    opsPerSecond: operations / elapsed,
    requests,
    requestsPerSecond: requests / elapsed,
    latency,
    conflicts: sum('conflicts'),
    spuriousConflicts: sum('spuriousConflicts'),
    staleStage: sum('staleStage'),
    retries: sum('retries'),
    gaveUp: sum('gaveUp'),
    errors: sum('errorCount'),
    failedByKind: Object.fromEntries(
      KINDS.map((kind) => [kind, phases.reduce((total, stats) => total + stats.failed[kind], 0)]),
    ),
    errorSamples: phases.flatMap((stats) => stats.errors).slice(0, 20),
    statuses: Object.fromEntries([...statuses.counts].sort(([a], [b]) => a - b)),
    fiveHundreds: statuses.total((status) => status >= 500),
    serverCpuMsPerOp: (contender.cpu.servers * 1000) / operations,
    databaseCpuMsPerOp: (contender.cpu.database * 1000) / operations,
    loadCpuMsPerOp: (contender.cpu.load * 1000) / operations,
    clientSetupMs: contender.setupMs,
  };
}

/** The statements that took the database's time, most first. */
async function statementTimes(pool: pg.Pool) {
  // Planning counts: a statement planned at every call can spend longer planning than executing.
  const { rows } = await pool.query<{
    query: string;
    calls: string;
    total: number;
    plan: number;
    mean: number;
    rows: string;
  }>(
    `SELECT query, calls, total_exec_time + total_plan_time AS total, total_plan_time AS plan,
       (total_exec_time + total_plan_time) / calls AS mean, rows
     FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat%' ORDER BY 3 DESC LIMIT 20`,
  );
  return rows.map((row) => ({ ...row, calls: Number(row.calls), rows: Number(row.rows) }));
}

/** Sends the same capture, with the same `Idempotency-Key`, to each of two processes; whether both created a lead. */
async function idempotencyProbe(servers: readonly ServerProcess[], token: string, dialect: 'crmkit' | 'reference') {
  const key = `probe-${randomBytes(8).toString('hex')}`;
  const body = JSON.stringify({
    input: { name: `Probe ${dialect}`, email: `${key}@example.com` },
    options: { source: 'web' },
  });
  const answers: { status: number; replayed: boolean; id: string }[] = [];
  for (const server of [servers[0]!, servers[0]!, servers[1]!]) {
    const response = await fetch(`${server.url}/leads/capture`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body,
    });
    const json = (await response.json()) as { lead?: { id?: string } };
    answers.push({
      status: response.status,
      replayed: response.headers.get('idempotent-replayed') === 'true',
      id: json.lead?.id ?? '',
    });
  }
  return {
    sameProcessReplayed: answers[1]!.replayed && answers[1]!.id === answers[0]!.id,
    otherProcessReplayed: answers[2]!.replayed && answers[2]!.id === answers[0]!.id,
    leadsCreated: new Set(answers.map((answer) => answer.id)).size,
    answers,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const num = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
const msText = (value: number) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : '–');

function throughputTable(summaries: readonly Summary[], reference: Summary): string {
  return markdown(
    [
      'contender',
      'ops/s',
      'requests/s',
      '× reference',
      'ops',
      'p50 ms',
      'p99 ms',
      '5xx',
      'server CPU ms/op',
      'PostgreSQL CPU ms/op',
      'client CPU ms/op',
    ],
    summaries.map((s) => [
      s.info ? `(info) ${s.name}` : s.name,
      num(s.opsPerSecond, 1),
      num(s.requestsPerSecond, 1),
      ratio(s.opsPerSecond / reference.opsPerSecond),
      num(s.operations),
      msText(s.latency['all']!.p50),
      msText(s.latency['all']!.p99),
      String(s.fiveHundreds),
      msText(s.serverCpuMsPerOp),
      msText(s.databaseCpuMsPerOp),
      msText(s.loadCpuMsPerOp),
    ]),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
}

function latencyTable(summaries: readonly Summary[]): string {
  const kinds = [...KINDS, 'move, with retries'];
  return markdown(
    ['operation', ...summaries.flatMap((s) => [`${s.name} p50`, `p99`])],
    kinds.map((kind) => [
      `${kind} (${summaries.map((s) => num(s.latency[kind]!.count)).join(' / ')})`,
      ...summaries.flatMap((s) => [msText(s.latency[kind]!.p50), msText(s.latency[kind]!.p99)]),
    ]),
    summaries.flatMap((_, i) => [1 + 2 * i, 2 + 2 * i]),
  );
}

function answersTable(summaries: readonly Summary[]): string {
  return markdown(
    [
      'contender',
      'moves ok',
      '412s',
      '412s not on the deal',
      'stage refusals',
      'retries',
      'given up',
      'captures ok',
      'failed ops',
      'statuses',
    ],
    summaries.map((s) => [
      s.name,
      num(s.latency['move, with retries']!.count),
      num(s.conflicts),
      num(s.spuriousConflicts),
      num(s.staleStage),
      num(s.retries),
      num(s.gaveUp),
      num(s.latency['capture']!.count),
      s.errors === 0
        ? '0'
        : `${num(s.errors)} (${Object.entries(s.failedByKind)
            .filter(([, n]) => n > 0)
            .map(([kind, n]) => `${n} ${kind}`)
            .join(', ')})`,
      Object.entries(s.statuses)
        .map(([status, count]) => `${status}: ${count}`)
        .join(', '),
    ]),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
}

function verificationTable(checks: readonly Verification[]): string {
  return markdown(
    ['tenant', 'successful moves', 'deals moved', 'history entries added', 'captured leads stored', 'inconsistencies'],
    checks.map((check) => [
      check.tenant,
      num(check.successfulMoves),
      num(check.dealsMoved),
      num(check.historyEntries),
      num(check.capturedLeads),
      check.problemCount === 0 ? 'none' : `**${check.problemCount}**: ${check.problems.slice(0, 3).join('; ')}`,
    ]),
    [1, 2, 3, 4],
  );
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const pool = newPool(4, 'coordinator');
  const startedAt = new Date();
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    log(`seeding the tenants (demo data at scale ${scale})`);
    const seed = await seedTenants(pool);
    log(`seeded: ${JSON.stringify(seed.counts)}; ${seed.movable} movable deals, ${seed.hot} hot`);
    const tokens = new Map(seed.actors.map((actor) => [actor, randomBytes(16).toString('hex')]));
    const tokenTable = Object.fromEntries([...tokens].map(([actor, token]) => [token, actor]));
    const setup = (name: string, tenant: string, experiment?: ServerSetup['experiment']): ServerSetup => ({
      tokens: tokenTable,
      tenant,
      poolSize,
      name,
      ...(experiment ? { experiment } : {}),
    });
    const crmkitServers = await Promise.all([
      startServer('crmkit-server.ts', setup('crmkit-1', CRMKIT_TENANT)),
      startServer('crmkit-server.ts', setup('crmkit-2', CRMKIT_TENANT)),
    ]);
    const referenceServers = await Promise.all([
      startServer('reference-server.ts', setup('reference-1', REFERENCE_TENANT)),
      startServer('reference-server.ts', setup('reference-2', REFERENCE_TENANT)),
    ]);
    const experimentServers = await Promise.all(
      experiments.map((name) =>
        Promise.all([
          startServer('crmkit-server.ts', setup(`${name}-1`, EXPERIMENT_TENANTS[name], name)),
          startServer('crmkit-server.ts', setup(`${name}-2`, EXPERIMENT_TENANTS[name], name)),
        ]),
      ),
    );
    const crmkitWrites: WriteLog = { moves: [], captures: [] };
    const referenceWrites: WriteLog = { moves: [], captures: [] };
    const crmkit = await makeContender(
      'crmkit',
      false,
      CRMKIT_TENANT,
      crmkitServers,
      tokens,
      seed.reach,
      seed.actors,
      remoteCrmApi,
      crmkitWrites,
    );
    const reference = await makeContender(
      'reference',
      false,
      REFERENCE_TENANT,
      referenceServers,
      tokens,
      seed.reach,
      seed.actors,
      (url, token, statuses) => fetchApi(url, token, statuses, 'reference'),
      referenceWrites,
    );
    const contenders = [crmkit, reference];
    if (fetchInfo) {
      contenders.push(
        await makeContender(
          'crmkit, plain fetch',
          true,
          CRMKIT_TENANT,
          crmkitServers,
          tokens,
          seed.reach,
          seed.actors,
          (url, token, statuses) => fetchApi(url, token, statuses, 'crmkit'),
          crmkitWrites,
        ),
      );
    }
    for (const [i, name] of experiments.entries()) {
      contenders.push(
        await makeContender(
          EXPERIMENT_NAMES[name],
          true,
          EXPERIMENT_TENANTS[name],
          experimentServers[i]!,
          tokens,
          seed.reach,
          seed.actors,
          remoteCrmApi,
          { moves: [], captures: [] },
        ),
      );
    }
    const loadStart = loadavg()[0]!;
    for (const contender of contenders) {
      log(`warm-up: ${contender.name}, ${warmup} s`);
      await phase(pool, contender, warmup, false);
    }
    if (statements) {
      await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await pool.query('SELECT pg_stat_statements_reset()');
    }
    const roundSeconds = seconds / rounds;
    for (let round = 0; round < rounds; round++) {
      // crmkit, reference, … then the reverse: each contender runs first and last alike.
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        log(`round ${round + 1}/${rounds}: ${contender.name}, ${roundSeconds} s, ${clientCount} clients`);
        await phase(pool, contender, roundSeconds, true);
        const last = contender.phases[contender.phases.length - 1]!;
        log(
          `  ${num(last.operations / ((last.ended - last.started) / 1000), 1)} ops/s, ${last.conflicts} conflicts, ` +
            `${last.errorCount} errors, load ${loadavg()[0]!.toFixed(2)}`,
        );
      }
    }
    const loadEnd = loadavg()[0]!;
    // Background work (aggregates) done before reading the tables back.
    const adminToken = tokens.get(seed.actors[0]!)!;
    for (const server of [...crmkitServers, ...experimentServers.flat()]) {
      await fetch(`${server.url}/settled`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    }
    const checks = new Map<string, Verification>();
    const byTenant = new Map<string, Verification>();
    for (const contender of contenders) {
      if (!byTenant.has(contender.tenant)) {
        byTenant.set(contender.tenant, await verifyTenant(pool, contender.tenant, seed.facts, contender.writes));
      }
      checks.set(contender.name, byTenant.get(contender.tenant)!);
    }
    const probes = {
      crmkit: await idempotencyProbe(crmkitServers, adminToken, 'crmkit'),
      reference: await idempotencyProbe(referenceServers, adminToken, 'reference'),
    };
    const topStatements = statements ? await statementTimes(pool) : [];
    const summaries = contenders.map(summarise);
    const subject = summaries[0]!;
    const base = summaries[1]!;
    const throughputRatio = subject.opsPerSecond / base.opsPerSecond;

    const settings = await pool.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name`,
      [['server_version', 'max_connections', 'shared_buffers', 'fsync', 'synchronous_commit']],
    );
    const commit = (() => {
      try {
        return readFileSync(fileURLToPath(new URL('../../.git/HEAD', import.meta.url)), 'utf8').trim();
      } catch {
        return '';
      }
    })();
    const setupText =
      `${clientCount} clients (the admin and ${REP_COUNT} reps, ${clientCount / seed.actors.length} clients each), ` +
      `spread over two processes per contender; ${seconds} s timed per contender in ${rounds} round(s) ` +
      `(order alternating), ${warmup} s warm-up each; mix ${KINDS.map((kind) => `${kind} ${Math.round(mix[kind] * 100)} %`).join(', ')}; demo data at scale ${scale} ` +
      `(${Object.entries(seed.counts)
        .map(([name, n]) => `${n} ${name}`)
        .join(', ')}); ${seed.hot} hot deals (${hotShare * 100} % of moves); pg pool ${poolSize} per process; ` +
      `PostgreSQL ${settings.rows.map((row) => `${row.name}=${row.setting}`).join(', ')}; ` +
      `load average ${loadStart.toFixed(2)} → ${loadEnd.toFixed(2)}.`;
    const failures: string[] = [];
    for (const s of summaries) {
      if (s.fiveHundreds > 0) failures.push(`${s.name}: ${s.fiveHundreds} answers were 5xx`);
      if (s.errors > 0)
        failures.push(`${s.name}: ${s.errors} operations failed (${s.errorSamples.slice(0, 3).join('; ')})`);
      if (s.gaveUp > 0) failures.push(`${s.name}: ${s.gaveUp} moves gave up after retrying`);
    }
    for (const check of new Set(checks.values())) {
      if (check.problemCount > 0) {
        failures.push(
          `${check.tenant}: ${check.problemCount} inconsistencies: ${check.problems.slice(0, 5).join('; ')}`,
        );
      }
    }
    const report = [
      `Server under load, ${startedAt.toISOString()}: ${setupText}`,
      '',
      throughputTable(summaries, base),
      '',
      `crmkit / reference throughput: **${ratio(throughputRatio)}** (target ≥ 0.50×: ${throughputRatio >= 0.5 ? 'met' : '**not met**'})`,
      '',
      'Latency per operation, ms (count per contender in brackets):',
      '',
      latencyTable(summaries),
      '',
      'Answers over the timed rounds (a move counts once, however many times it was retried):',
      '',
      answersTable(summaries),
      '',
      'The lost-update check, per tenant, over every write the clients made (warm-up included; the crmkit tenant',
      'is written by both crmkit contenders):',
      '',
      verificationTable([...new Set(checks.values())]),
      '',
      `Idempotency-Key across processes: crmkit replays on the same process ${probes.crmkit.sameProcessReplayed ? 'yes' : 'no'}, ` +
        `on the other process ${probes.crmkit.otherProcessReplayed ? 'yes' : '**no**'} (${probes.crmkit.leadsCreated} lead(s) from one key); ` +
        `reference: same ${probes.reference.sameProcessReplayed ? 'yes' : 'no'}, other ${probes.reference.otherProcessReplayed ? 'yes' : 'no'}.`,
      '',
      failures.length === 0 ? 'No failures.' : `Failures:\n${failures.map((f) => `- ${f}`).join('\n')}`,
      ...(topStatements.length === 0
        ? []
        : [
            '',
            'Statements by total time, planning and execution, over the timed rounds (pg_stat_statements, every contender):',
            '',
            markdown(
              ['total ms', 'planning ms', 'calls', 'mean ms', 'rows', 'statement'],
              topStatements.map((row) => [
                num(row.total, 0),
                num(row.plan, 0),
                num(row.calls),
                msText(row.mean),
                num(row.rows),
                `\`${row.query.replace(/\s+/g, ' ').replaceAll('|', '\\|').slice(0, 160)}\``,
              ]),
              [0, 1, 2, 3, 4],
            ),
          ]),
    ].join('\n');
    console.log(`\n${report}\n`);

    const result = {
      benchmark: 'server',
      startedAt: startedAt.toISOString(),
      commit,
      options: { seconds, clients: clientCount, rounds, scale, poolSize, hotShare, warmup, quick, mix },
      seed: { counts: seed.counts, movable: seed.movable, hot: seed.hot, actors: seed.actors },
      postgres: Object.fromEntries(settings.rows.map((row) => [row.name, row.setting])),
      loadAverage: { start: loadStart, end: loadEnd },
      summaries,
      throughputRatio,
      verification: Object.fromEntries(checks),
      idempotency: probes,
      statements: topStatements,
      failures,
    };
    if (!flag('no-json')) {
      const dir = fileURLToPath(new URL('../results/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      const file = `${dir}server-${startedAt.toISOString().replaceAll(':', '-')}.json`;
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${file}`);
    }
    if (!quick && !process.argv.some((arg) => arg.startsWith('--mix'))) {
      const file = fileURLToPath(new URL('RESULTS.md', import.meta.url));
      const text = [
        '# Server under load: results',
        '',
        'Written by `npm run bench:server` (bench/server/main.ts); the method is described in',
        '[docs/benchmarks.md](../../docs/benchmarks.md#server-under-load). Latest run:',
        '',
        report,
        '',
      ].join('\n');
      // Formatted as the repository formats Markdown, so `prettier --check` passes on the file as written.
      writeFileSync(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
      log(`wrote ${file}`);
    }
    return failures.length === 0 ? 0 : 1;
  } finally {
    await stopServers();
    await pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

const onSignal = (signal: NodeJS.Signals) => {
  log(`${signal}: stopping the servers`);
  void stopServers().then(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    console.error(error);
    await stopServers();
    process.exitCode = 1;
  },
);
