/**
 * A throwaway PostgreSQL cluster for the benchmarks that need a real server (bench/postgres, bench/server), started
 * the way `.ci/run` does: Debian's PostgreSQL 15 binaries run as the `postgres` user, a data directory and a socket
 * directory of its own under a fresh temporary directory, a private port, `--auth=trust -E UTF8 --locale=C.UTF-8`,
 * `fsync=off`. Must run as root (to switch to the `postgres` user).
 *
 * `runOnCluster` runs a benchmark against it (or a server the environment names). `startCluster(port)` answers the
 * `PG*` variables to hand to the benchmark; `stopCluster()` stops the cluster and removes its directory, and is safe to
 * call more than once (call it on exit, failure and signals).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Runs a command as the `postgres` user; throws with its output when it fails. */
function asPostgres(command, args) {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

/** The numeric id of a system user. */
function uid(name) {
  const result = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`no user ${name}`);
  return Number(result.stdout.trim());
}

let clusterDir = '';

/** Stops the throwaway cluster and removes its directory; safe to call more than once. */
export function stopCluster() {
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

/**
 * Starts a cluster on 127.0.0.1:`port` with `settings` (`name=value` server settings, e.g. `max_connections=200`)
 * added to the command line; resolves to the `PG*` variables naming it.
 */
export function startCluster(port, settings = []) {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`${PG_BIN}/initdb not found: apt-get install -y --no-install-recommends postgresql`);
  }
  clusterDir = mkdtempSync(join(tmpdir(), 'crmkit-bench-pg-'));
  chownSync(clusterDir, uid('postgres'), -1);
  const data = join(clusterDir, 'data');
  asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const extra = settings.map((setting) => ` -c ${setting}`).join('');
  asPostgres(join(PG_BIN, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(clusterDir, 'log'),
    '-w',
    'start',
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${clusterDir} -c fsync=off${extra}`,
  ]);
  console.error(`[postgres] throwaway cluster on 127.0.0.1:${port} (${clusterDir})`);
  return { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
}

/**
 * Runs `node <nodeArgs> <this process's arguments>` against a PostgreSQL server: the one `PGHOST` or `DATABASE_URL`
 * names, or else a throwaway cluster on `port` (with `settings`), stopped and removed when the child ends, fails or is
 * interrupted. Ctrl-C reaches the child too (same process group); a signal sent to this process alone is passed on, and
 * either way the cluster is stopped only after the child has ended. Sets `process.exitCode` to the child's.
 *
 * @param {{ port: number, settings?: string[], nodeArgs: string[] }} options
 */
export async function runOnCluster({ port, settings = [], nodeArgs }) {
  const env = { ...process.env };
  process.on('exit', stopCluster);
  try {
    if (process.env.PGHOST || process.env.DATABASE_URL)
      console.error('[postgres] using the server of PGHOST / DATABASE_URL');
    else Object.assign(env, startCluster(port, settings));
    const child = spawn(process.execPath, [...nodeArgs, ...process.argv.slice(2)], { stdio: 'inherit', env });
    const forward = (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    process.on('SIGINT', () => forward('SIGINT'));
    process.on('SIGTERM', () => forward('SIGTERM'));
    process.exitCode = await new Promise((resolve) => {
      child.on('exit', (status, signal) => resolve(status ?? (signal === 'SIGINT' ? 130 : 1)));
      child.on('error', (error) => {
        console.error(error);
        resolve(1);
      });
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    stopCluster();
  }
}
