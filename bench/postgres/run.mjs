/**
 * `npm run bench:postgres`: runs bench/postgres/postgres.bench.ts against a real PostgreSQL server.
 *
 *   npm run bench:postgres -- [--customers 100000] [--sizes 10000,100000,1000000] [--rounds 5] [--quick] [--no-json]
 *
 * With `PGHOST` or `DATABASE_URL` set, the benchmark runs against that server (in a schema of its own, dropped at
 * the end). Otherwise this starts a throwaway cluster the way `.ci/run` does — Debian's PostgreSQL 15 binaries run as
 * the `postgres` user, a data directory and a socket directory of its own under a fresh temporary directory, a
 * private port (54339), `--auth=trust -E UTF8 --locale=C.UTF-8`, `fsync=off` — exports `PGHOST`, `PGPORT`, `PGUSER`
 * and `PGDATABASE` to the benchmark, and stops and removes the cluster when the benchmark ends, fails or is
 * interrupted. Must run as root (to switch to the `postgres` user), as `.ci/run` does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const PORT = 54339;
const bench = fileURLToPath(new URL('postgres.bench.ts', import.meta.url));
// Sources, not dist/: the workspace packages resolve through the `@crmkit/source` condition. The 1M-customer size
// generates its records in memory before loading them, which needs more than the default heap.
const nodeArgs = ['--conditions=@crmkit/source', '--import', 'tsx', '--max-old-space-size=8192', bench];

/** Runs a command as the `postgres` user; throws with its output when it fails. */
function asPostgres(command, args) {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

let clusterDir = '';
/** Stops the throwaway cluster and removes its directory; safe to call more than once. */
function stopCluster() {
  if (!clusterDir) return;
  const dir = clusterDir;
  clusterDir = '';
  spawnSync(
    'runuser',
    ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'fast', 'stop'],
    {
      stdio: 'ignore',
    },
  );
  rmSync(dir, { recursive: true, force: true });
  console.error(`[postgres] throwaway cluster stopped and removed (${dir})`);
}

function startCluster() {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`${PG_BIN}/initdb not found: apt-get install -y --no-install-recommends postgresql`);
  }
  clusterDir = mkdtempSync(join(tmpdir(), 'crmkit-bench-pg-'));
  chownSync(clusterDir, uid('postgres'), -1);
  const data = join(clusterDir, 'data');
  asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  asPostgres(join(PG_BIN, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(clusterDir, 'log'),
    '-w',
    'start',
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${PORT} -k ${clusterDir} -c fsync=off`,
  ]);
  console.error(`[postgres] throwaway cluster on 127.0.0.1:${PORT} (${clusterDir})`);
  return { PGHOST: '127.0.0.1', PGPORT: String(PORT), PGUSER: 'postgres', PGDATABASE: 'postgres' };
}

/** The numeric id of a system user. */
function uid(name) {
  const result = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`no user ${name}`);
  return Number(result.stdout.trim());
}

async function main() {
  const external = Boolean(process.env.PGHOST || process.env.DATABASE_URL);
  const env = { ...process.env };
  try {
    if (external) console.error('[postgres] using the server of PGHOST / DATABASE_URL');
    else Object.assign(env, startCluster());
  } catch (error) {
    stopCluster();
    throw error;
  }
  const child = spawn(process.execPath, [...nodeArgs, ...process.argv.slice(2)], { stdio: 'inherit', env });
  // Ctrl-C reaches the benchmark too (same process group); a signal sent to this process alone is passed on. Either
  // way this process waits for the benchmark to end before it stops the cluster.
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  const code = await new Promise((resolve) => {
    child.on('exit', (status, signal) => resolve(status ?? (signal === 'SIGINT' ? 130 : 1)));
    child.on('error', (error) => {
      console.error(error);
      resolve(1);
    });
  });
  stopCluster();
  process.exitCode = code;
}

process.on('exit', stopCluster);
main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  stopCluster();
  process.exitCode = 1;
});
