#!/usr/bin/env node
// `npm start`: the demo portal (examples/portal) and its team server, in this one process, stopping cleanly.
//
// - The team server: crmkit's HTTP handler (`@crmkit/server`) over PostgreSQL in an embedded PGlite data folder
//   (`.crmkit-demo/` at the repository's root, git-ignored), seeded with the demo data on its first start, mounted
//   on the dev server's own origin under `/api` (examples/portal/team-server.ts). `GET /demo/users` hands pages on
//   this machine the five demo users and a random bearer token each, new on every start: the portal's sign-in
//   switcher. Everything from the TypeScript sources: tsx and the `@crmkit/source` condition are registered below.
// - The portal: Vite's dev server through its Node API. In the page, "Team (server)" uses the server as the signed-in
//   demo user; "This browser (IndexedDB)" keeps everything in the browser, as before.
//
// Why not `vite` straight from the npm script: npm runs a script through `sh -c`, and npm passes a SIGTERM (from a
// process manager, an IDE's stop button, `kill`) to that shell only. The shell dies and Vite, its child, is left
// running as an orphan, still holding the port. Here everything runs in this very process, which ends the change
// streams, closes the database and the dev server, and exits on SIGINT, SIGTERM and SIGHUP — and when the process
// that started it goes away without passing a signal on, which is what that shell does.
//
// Options: `--port <n>` (default 5173, the next free one if taken; 0 for any free port), `--host <name>` (default
// localhost), `--data <folder>` (the team server's data folder, default .crmkit-demo), `--browser-only` (no team
// server). `npm start -- --port 0` passes them through npm. To start again from fresh demo data, stop and delete
// the data folder.
import { register } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';
import { createServer } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    'browser-only': { type: 'boolean' },
  },
  strict: true,
});

const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
  console.error(`--port expects a port number, got ${values.port}`);
  process.exit(2);
}
const dataDir = resolve(ROOT, values.data ?? '.crmkit-demo');

let team;
let server;
let closing;
/** Ends the change streams, closes the database and the dev server (watchers, sockets, the optimiser), then exits. */
function stop(reason) {
  closing ??= (async () => {
    // A signal while starting: let the start finish (a half-written seed would be left in the data folder), then stop.
    await startup.catch(() => undefined);
    const failures = [];
    for (const step of [() => team?.close(), () => server?.close()]) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    for (const failure of failures) console.error(failure);
    process.exit(failures.length > 0 ? 1 : reason === 'SIGINT' ? 130 : reason === 'SIGTERM' ? 143 : 0);
  })();
  return closing;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => void stop(signal));

// The launcher went away without a signal for us (npm's `sh -c` dies of npm's SIGTERM and passes nothing on): this
// process now has another parent. Checked once a second, without keeping the process alive.
const launcher = process.ppid;
setInterval(() => {
  if (process.ppid !== launcher) void stop('orphaned');
}, 1000).unref();

const startup = (async () => {
  if (!values['browser-only']) team = await startTeam();
  const ownListeners = { sigterm: process.listeners('SIGTERM'), stdinEnd: process.stdin.listeners('end') };
  server = await createServer({
    configFile: fileURLToPath(new URL('../examples/vite.config.ts', import.meta.url)),
    server: {
      // Same origin only: no page of another origin (another localhost port included) reads the portal's API.
      cors: false,
      ...(port === undefined ? {} : { port }),
      ...(values.host === undefined ? {} : { host: values.host }),
    },
    // The team server on the page's own origin, ahead of Vite's own middleware.
    plugins: team
      ? [
          {
            name: 'crmkit-team-server',
            configureServer(vite) {
              vite.middlewares.use(team.middleware);
            },
          },
        ]
      : [],
  });
  // Vite stops itself and exits on SIGTERM and when its input ends — too soon for the team server to end its
  // streams and close its database. Those are this process's to handle: on SIGTERM above, on the end of input here.
  for (const listener of process.listeners('SIGTERM')) {
    if (!ownListeners.sigterm.includes(listener)) process.off('SIGTERM', listener);
  }
  const viteOnEnd = process.stdin.listeners('end').filter((listener) => !ownListeners.stdinEnd.includes(listener));
  for (const listener of viteOnEnd) process.stdin.off('end', listener);
  if (viteOnEnd.length > 0) process.stdin.once('end', () => void stop('end of input'));
  await server.listen();
})();

try {
  await startup;
} catch (error) {
  console.error(error);
  await stop('failed');
}
server.printUrls();
if (team) {
  const names = team.users.map((user) => `${user.name} (${user.role})`).join(', ');
  console.log(`  Team:    crmkit server at /api over PGlite in ${dataDir}`);
  console.log(`           demo sign-in, this machine only, new tokens each start: ${names}`);
} else {
  console.log('  Team:    off (--browser-only, or the team server could not start): the portal uses IndexedDB');
}
// Vite's keyboard shortcuts (r, u, o, q + Enter) when a terminal is attached; q stops this process's way.
if (process.stdin.isTTY && !closing) {
  server.bindCLIShortcuts({
    print: true,
    customShortcuts: [{ key: 'q', description: 'quit', action: () => stop('quit') }],
  });
}

/**
 * Starts the team server from its TypeScript sources. When it cannot start (the data folder is in use by another
 * `npm start`, a broken folder), the portal is still served: the page then offers the browser-only mode alone.
 */
async function startTeam() {
  // TypeScript through tsx, and the workspace packages from their sources (the condition every tool here uses).
  registerTsx();
  const hook = `export async function resolve(specifier, context, nextResolve) {
    const conditions = context.conditions.includes('@crmkit/source') ? context.conditions : ['@crmkit/source', ...context.conditions];
    return nextResolve(specifier, { ...context, conditions });
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  try {
    const { startTeamServer } = await import('../examples/portal/team-server.ts');
    return await startTeamServer({ dataDir, log: (line) => console.log(line) });
  } catch (error) {
    console.error(`The team server did not start: ${error?.message ?? error}`);
    console.error(`(Another npm start using ${dataDir}? Give this one its own: npm start -- --data <folder>.)`);
    return undefined;
  }
}
