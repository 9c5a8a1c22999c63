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
import { fileURLToPath } from 'node:url';
import { runOnCluster } from '../harness/pg-cluster.mjs';

const bench = fileURLToPath(new URL('postgres.bench.ts', import.meta.url));
await runOnCluster({
  port: 54339,
  // Sources, not dist/: the workspace packages resolve through the `@crmkit/source` condition. The 1M-customer size
  // generates its records in memory before loading them, which needs more than the default heap.
  nodeArgs: ['--conditions=@crmkit/source', '--import', 'tsx', '--max-old-space-size=8192', bench],
});
