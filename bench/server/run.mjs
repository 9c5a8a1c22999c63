/**
 * `npm run bench:server`: runs bench/server/main.ts (crmkit's HTTP server under load against a bare `node:http`
 * reference, see there) against a real PostgreSQL server.
 *
 *   npm run bench:server -- [--seconds 30] [--clients 50] [--rounds 2] [--quick] [--no-json] [--no-fetch-info]
 *                           [--no-experiment] [--mix read=30,list=25,move=30,capture=15] [--statements] [--profile DIR]
 *
 * With `PGHOST` or `DATABASE_URL` set, the benchmark runs against that server (in a schema of its own, dropped at the
 * end). Otherwise this starts a throwaway cluster (bench/harness/pg-cluster.mjs, as `npm run bench:postgres` does, on
 * its own port 54341), exports `PGHOST`, `PGPORT`, `PGUSER` and `PGDATABASE` to the benchmark, and stops and removes
 * the cluster when the benchmark ends, fails or is interrupted; the benchmark stops its server processes itself.
 * Everything listens on 127.0.0.1 only. Must run as root (to switch to the `postgres` user).
 */
import { fileURLToPath } from 'node:url';
import { runOnCluster } from '../harness/pg-cluster.mjs';

const bench = fileURLToPath(new URL('main.ts', import.meta.url));
// `--statements` (where the time goes in the database) needs pg_stat_statements loaded at start. Two crmkit and two
// reference processes with a pool each, and the coordinator's: well under the default 100 connections.
await runOnCluster({
  port: 54341,
  settings: process.argv.includes('--statements')
    ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track_planning=on']
    : [],
  // Sources, not dist/: the workspace packages resolve through the `@crmkit/source` condition.
  nodeArgs: ['--conditions=@crmkit/source', '--import', 'tsx', bench],
});
