/**
 * The `crmkit` command (`bin/crmkit.js` runs {@link main}): `crmkit serve` runs the CRM server over an embedded
 * PGlite database or PostgreSQL; `crmkit --help`, `crmkit serve --help` and `crmkit --version` say what there is.
 *
 * `main` resolves to the exit code rather than exiting, and takes what it would otherwise read from the process
 * (environment, working directory, output streams, the stop signal), so tests run it in process.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { parseCommandLine, type Command } from './arguments.js';
import { CliError, ExitCode } from './cli-error.js';
import { serve, type ServeOptions } from './serve.js';

export { serve, API_PATH } from './serve.js';
export type { RunningServer, ServeOptions } from './serve.js';
export type { AuthOptions } from './auth.js';
export type { StorageChoice } from './storage.js';
export { CliError, ExitCode } from './cli-error.js';

/** Something text is written to: `process.stdout`, or a test's collector. */
export interface TextSink {
  write(text: string): unknown;
}

/** What {@link main} reads from the process, replaceable for tests. */
export interface MainContext {
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where relative paths start. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Help and the version. Default `process.stdout`. */
  readonly stdout?: TextSink;
  /** Errors and the server's log lines. Default `process.stderr`. */
  readonly stderr?: TextSink;
  /**
   * Aborting it stops a running server gracefully. Given, no process signal is listened to; by default SIGINT and
   * SIGTERM stop the server, and a second one exits at once.
   */
  readonly signal?: AbortSignal;
  /** Called with the server's address once it listens (with `--port 0`, where it is). */
  readonly onListening?: (url: string) => void;
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], context: MainContext = {}): Promise<number> {
  const stdout = context.stdout ?? process.stdout;
  const stderr = context.stderr ?? process.stderr;
  let command: Command;
  try {
    command = parseCommandLine(argv, { cwd: context.cwd ?? process.cwd(), env: context.env ?? process.env });
  } catch (error) {
    return report(error, stderr);
  }
  switch (command.kind) {
    case 'help':
      stdout.write(command.text);
      return ExitCode.ok;
    case 'version':
      stdout.write(`${version()}\n`);
      return ExitCode.ok;
    case 'serve':
      return runServe(command.options, context, stderr);
  }
}

async function runServe(options: ServeOptions, context: MainContext, stderr: TextSink): Promise<number> {
  const log = (line: string) => void stderr.write(`${line}\n`);
  const stop = context.signal ? { signal: context.signal, dispose: () => undefined } : processSignals(log);
  try {
    const server = await serve({ ...options, log });
    context.onListening?.(server.url);
    await aborted(stop.signal);
    await server.close();
    return ExitCode.ok;
  } catch (error) {
    return report(error, stderr);
  } finally {
    stop.dispose();
  }
}

/** SIGINT and SIGTERM as an abort signal; a second one exits the process at once. */
function processSignals(log: (line: string) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      log(`crmkit: ${name}: stopping (send it again to stop at once)`);
      controller.abort();
      return;
    }
    log(`crmkit: ${name} again: exiting without waiting`);
    process.exit(ExitCode.failure);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Writes the failure as one line (a command line problem as it is) and resolves to its exit code. */
function report(error: unknown, stderr: TextSink): number {
  if (error instanceof CliError) {
    stderr.write(`crmkit: ${error.message}\n`);
    return error.exitCode;
  }
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  stderr.write(`crmkit: failed: ${what}\n`);
  return ExitCode.failure;
}

/** This package's version, read from its package.json (which the package exports). */
function version(): string {
  try {
    const manifest = createRequire(import.meta.url)('@crmkit/server/package.json') as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
