#!/usr/bin/env node
// `npm start`: serves the demo portal (examples/portal) from source with Vite's dev server, in this process, and stops
// it cleanly.
//
// Why not `vite` straight from the npm script: npm runs a script through `sh -c`, and npm passes a SIGTERM (from a
// process manager, an IDE's stop button, `kill`) to that shell only. The shell dies and Vite, its child, is left
// running as an orphan, still holding the port. Here Vite runs in this very process through its Node API, and this
// process closes the server and exits on SIGINT, SIGTERM and SIGHUP — and when the process that started it goes away
// without passing a signal on, which is what that shell does.
//
// Options: `--port <n>` (default 5173, the next free one if taken; 0 for any free port), `--host <name>` (default
// localhost). `npm start -- --port 0` passes them through npm.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const { values } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string' } },
  strict: true,
});

const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
  console.error(`--port expects a port number, got ${values.port}`);
  process.exit(2);
}

const server = await createServer({
  configFile: fileURLToPath(new URL('../examples/vite.config.ts', import.meta.url)),
  server: {
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
  },
});

let closing;
/** Closes the server (watchers, sockets, the dependency optimiser) once, then exits. */
function stop(reason) {
  closing ??= server.close().then(
    () => process.exit(reason === 'SIGINT' ? 130 : reason === 'SIGTERM' ? 143 : 0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
  return closing;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => void stop(signal));

// The launcher went away without a signal for us (npm's `sh -c` dies of npm's SIGTERM and passes nothing on): this
// process now has another parent. Checked once a second, without keeping the process alive.
const launcher = process.ppid;
setInterval(() => {
  if (process.ppid !== launcher) void stop('orphaned');
}, 1000).unref();

await server.listen();
server.printUrls();
// Vite's keyboard shortcuts (r, u, o, q + Enter) when a terminal is attached.
if (process.stdin.isTTY) server.bindCLIShortcuts({ print: true });
