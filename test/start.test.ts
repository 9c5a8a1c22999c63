// `npm start` stops cleanly: started for real (npm → its shell → scripts/start.mjs with Vite's dev server on a free
// loopback port and the team server over PGlite in a temporary data folder), used (a demo user's token from
// /demo/users, the API, a live change stream left open), asked to stop the way a process manager (SIGTERM to npm
// alone) and a terminal's Ctrl-C (SIGINT to the whole process group) do, and then no process it started may be left,
// nor anything listening on its port, and the database must have been closed (its folder's lock released).
// Linux's /proc tells which processes descend from npm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
/** Bounds a broken run only: starting takes a second or two, stopping less. */
const LIMIT = 60_000;

/** A process as /proc shows it: its parent, and its start time (so a reused pid is not taken for it). */
function processInfo(pid: number): { ppid: number; started: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie has exited; only its exit status is left to collect
    return { ppid: Number(fields[1]), started: fields[19]! };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (itself included), with its start time. */
function descendants(root: number): Map<number, string> {
  const children = new Map<number, number[]>();
  const infos = new Map<number, { ppid: number; started: string }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const info = processInfo(pid);
    if (!info) continue;
    infos.set(pid, info);
    children.set(info.ppid, [...(children.get(info.ppid) ?? []), pid]);
  }
  const found = new Map<number, string>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    const info = infos.get(pid);
    if (!info || found.has(pid)) continue;
    found.set(pid, info.started);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Those of `processes` still running (same pid, same start time). */
const survivors = (processes: Map<number, string>): number[] =>
  [...processes].filter(([pid, started]) => processInfo(pid)?.started === started).map(([pid]) => pid);

const commandOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '?';
  }
};

/** Resolves with the dev server's URL once `npm start` prints it. */
function urlPrinted(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // eslint-disable-next-line no-control-regex -- Vite colours its output when it thinks it may
      const match = /Local:\s+(http:\/\/\S+)/.exec(output.replace(/\u001b\[[0-9;]*m/g, ''));
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before serving:\n${output}`)));
  });
}

/** Waits until `check` is true, testing on each turn of a short poll; only the limit bounds a broken run. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + LIMIT;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** True when nothing accepts connections on the port any more. */
function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/**
 * Starts `npm start` in a process group of its own, waits until it serves the portal and its team server, and
 * returns what it started, with a live change stream open as the manager.
 */
async function start(
  dataDir: string,
): Promise<{ npm: ChildProcess; url: URL; processes: Map<number, string>; stream: AbortController }> {
  const npm = spawn('npm', ['start', '--', '--port', '0', '--host', '127.0.0.1', '--data', dataDir], {
    cwd: ROOT,
    detached: true,
    // stdin stays open, as a terminal's would: Vite also stops when its input ends.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const url = new URL(await urlPrinted(npm));
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Lumen Lighting/);

  // The team server answers on the same origin: the demo users, and the API as one of them.
  const users = (await (await fetch(new URL('/demo/users', url))).json()) as {
    users: { id: string; role: string; token: string }[];
  };
  assert.deepEqual(
    users.users.map((user) => user.role),
    ['admin', 'manager', 'rep', 'rep', 'viewer'],
  );
  const manager = users.users[1]!;
  const session = await fetch(new URL('/api/session', url), { headers: { authorization: `Bearer ${manager.token}` } });
  assert.equal(session.status, 200);
  assert.equal(((await session.json()) as { actor: { id: string } }).actor.id, manager.id);
  assert.equal((await fetch(new URL('/api/session', url))).status, 401, 'no token, no API');
  // A change stream stays open while the server stops: stopping must end it, not wait for it.
  const stream = new AbortController();
  const changes = await fetch(new URL('/api/changes', url), {
    headers: { authorization: `Bearer ${manager.token}`, accept: 'text/event-stream' },
    signal: stream.signal,
  });
  assert.equal(changes.status, 200);
  void changes.body?.pipeTo(new WritableStream()).catch(() => undefined);

  const processes = descendants(npm.pid!);
  const commands = [...processes.keys()].map(commandOf);
  assert.ok(
    commands.some((command) => command.includes('scripts/start.mjs')),
    `the dev server runs: ${commands.join(' | ')}`,
  );
  return { npm, url, processes, stream };
}

async function stopsCleanly(signalling: (npm: ChildProcess) => void): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crmkit-start-'));
  const { npm, url, processes, stream } = await start(dataDir);
  try {
    const exited = new Promise((resolve) => npm.once('exit', resolve));
    signalling(npm);
    await exited;
    await until(() => survivors(processes).length === 0, 'every process npm start began has exited');
    assert.equal(await portClosed(Number(url.port)), true, `nothing listens on ${url.port} any more`);
    assert.equal(existsSync(join(dataDir, 'crmkit.lock')), false, 'the database was closed and its folder unlocked');
  } finally {
    stream.abort();
    const left = survivors(processes);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    assert.deepEqual(left.map(commandOf), [], 'processes left running');
  }
}

test('npm start stops cleanly on SIGTERM to npm alone (a process manager, kill)', { timeout: 2 * LIMIT }, () =>
  stopsCleanly((npm) => npm.kill('SIGTERM')),
);

test('npm start stops cleanly on Ctrl-C (SIGINT to its whole process group)', { timeout: 2 * LIMIT }, () =>
  stopsCleanly((npm) => process.kill(-npm.pid!, 'SIGINT')),
);
