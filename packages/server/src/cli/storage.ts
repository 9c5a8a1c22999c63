/**
 * The storage of `crmkit serve`: `@crmkit/storage-postgres` over an embedded PGlite database in a folder, or over a
 * `pg` pool. Both are optional peers of `@crmkit/server`, imported only here and only when used: a missing one is a
 * `CliError` naming the package to install. Opening the storage creates or migrates the schema.
 *
 * PGlite is one process's database: a lock file in the folder (`crmkit.lock`, holding the process id) keeps a
 * second `crmkit serve` out, since two processes writing one folder would corrupt it.
 *
 * @module
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoragePort } from '@crmkit/core';
import { CliError } from './cli-error.js';

/** Where the records are kept. */
export type StorageChoice =
  { readonly kind: 'pglite'; readonly dataDir: string } | { readonly kind: 'postgres'; readonly url: string };

/** An open storage, what it is (for the log: never a password), and how to close it with its database. */
export interface OpenedStorage {
  readonly storage: StoragePort;
  readonly description: string;
  close(): Promise<void>;
}

/** The lock file of a PGlite data folder. */
export const LOCK_FILE = 'crmkit.lock';

/** Opens the storage of `tenant`; failures the operator can fix are `CliError`s. */
export async function openStorage(
  choice: StorageChoice,
  tenant: string,
  log: (line: string) => void,
): Promise<OpenedStorage> {
  return choice.kind === 'pglite' ? openPglite(choice.dataDir, tenant) : openPostgres(choice.url, tenant, log);
}

/** `load()`, with a missing `name` turned into a `CliError` saying to install it. */
export async function loadPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      typeof message === 'string' &&
      (message.includes(`'${name}'`) || message.includes(`/node_modules/${name}/`));
    if (missing) throw new CliError(`crmkit serve needs ${name}, which is not installed here: npm install ${name}`);
    throw error;
  }
}

const storageModule = () => loadPeer('@crmkit/storage-postgres', () => import('@crmkit/storage-postgres'));

async function openPglite(dataDir: string, tenant: string): Promise<OpenedStorage> {
  const [{ PGlite }, { createPostgresStorage }] = await Promise.all([
    loadPeer('@electric-sql/pglite', () => import('@electric-sql/pglite')),
    storageModule(),
  ]);
  await prepareFolder(dataDir);
  const unlock = await lockFolder(dataDir);
  let db: InstanceType<typeof PGlite>;
  try {
    db = await PGlite.create(dataDir);
  } catch (error) {
    await unlock();
    throw new CliError(`Cannot open the database in ${dataDir}: ${reason(error)}`);
  }
  try {
    const storage = await createPostgresStorage({ pglite: db, tenant });
    return {
      storage,
      description: `PGlite in ${dataDir}`,
      close: () => closeAll([() => storage.close(), () => db.close(), unlock]),
    };
  } catch (error) {
    await closeAll([() => db.close(), unlock]).catch(() => undefined);
    throw new CliError(`Cannot prepare the database in ${dataDir}: ${reason(error)}`);
  }
}

async function openPostgres(url: string, tenant: string, log: (line: string) => void): Promise<OpenedStorage> {
  const [pg, { createPostgresStorage }] = await Promise.all([loadPeer('pg', () => import('pg')), storageModule()]);
  const where = location(url);
  const pool = new pg.default.Pool({ connectionString: url, connectionTimeoutMillis: 15_000 });
  // An idle connection's failure is emitted on the pool, and an unheard 'error' event would end the process.
  pool.on('error', (error: Error & { code?: unknown }) =>
    log(`crmkit: a database connection failed (${typeof error.code === 'string' ? error.code : error.name})`),
  );
  try {
    const storage = await createPostgresStorage({ pool, tenant });
    return {
      storage,
      description: `PostgreSQL at ${where}`,
      close: () => closeAll([() => storage.close(), () => pool.end()]),
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new CliError(`Cannot open the PostgreSQL database at ${where}: ${reason(error)}`);
  }
}

/** Creates the folder; refuses one that holds something other than a database (PGlite would write into it). */
async function prepareFolder(dataDir: string): Promise<void> {
  let entries: string[];
  try {
    await mkdir(dataDir, { recursive: true });
    entries = await readdir(dataDir);
  } catch (error) {
    throw new CliError(`Cannot use ${dataDir} as the data folder: ${reason(error)}`);
  }
  const others = entries.filter((name) => name !== LOCK_FILE && !name.startsWith('.'));
  if (others.length > 0 && !others.includes('PG_VERSION')) {
    throw new CliError(`--data ${dataDir} holds other files and no database: give an empty or a new folder.`);
  }
}

/** Takes the folder's lock file (replacing one left by a process that is gone); resolves to its release. */
async function lockFolder(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') {
        throw new CliError(`Cannot write ${file}: ${reason(error)}`);
      }
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(pid) && pid > 0 && isRunning(pid)) {
      throw new CliError(
        `The data folder ${dataDir} is in use by process ${pid}: one process at a time (for several, use ` +
          `PostgreSQL with --database-url). If that process is not crmkit, delete ${file}.`,
      );
    }
    await rm(file, { force: true });
  }
  throw new CliError(`Cannot take the lock ${file}: another process keeps taking it.`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** Runs every step even when one fails; the first failure is thrown at the end. */
async function closeAll(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/** Host, port and database of a PostgreSQL URL, without the user or password. */
function location(url: string): string {
  try {
    const { hostname, port, pathname } = new URL(url);
    return `${hostname || 'localhost'}${port ? `:${port}` : ''}${pathname.length > 1 ? pathname : ''}`;
  } catch {
    return 'the given URL';
  }
}

/** An error's message and its causes' (a storage error wraps the engine's). */
export function reason(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const text = current.message || (current as { code?: unknown }).code;
    if (typeof text === 'string' && text !== '' && !parts.includes(text)) parts.push(text);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}
