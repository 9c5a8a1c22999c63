/**
 * Opening the database safely: find out what is stored before Dexie touches it, never open (or patch) a database
 * written by newer code, and never wait forever for another tab to let an upgrade through.
 *
 * Dexie alone would do two things we must not: on `VersionError` (the stored database is newer than the code) it
 * reopens without a version and uses the newer database anyway, and a blocked upgrade simply waits. So the adapter
 * hands Dexie an `IDBFactory` whose `open` watches each request of our database: it refuses a too-new database as it
 * opens, bounds the time a request may wait, and, once an attempt was given up, aborts or closes whatever the
 * abandoned request still delivers (the native request cannot be cancelled), so it never upgrades nor lingers.
 */
import type { Dexie } from 'dexie';
import { SchemaVersionError, UpgradeBlockedError } from '@crmkit/core';
import { isUnavailableError, toCrmError, unavailable } from './errors.js';
import { DEXIE_SCHEMA_VERSION, schemaVersionOf } from './schema.js';

/** Dexie's own meta store (it keeps a patch version there); not a collection. */
const DEXIE_META_STORE = '$meta';

/**
 * The IndexedDB factory to use: `option` when given (`null` meaning "none"), else the global one. Throws
 * `StorageUnavailableError` when there is none, or when merely touching the global throws (sandboxed frames).
 */
export function resolveFactory(option: IDBFactory | null | undefined): IDBFactory {
  let factory: IDBFactory | null | undefined = option;
  if (factory === undefined) {
    try {
      factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    } catch (error) {
      throw unavailable(error);
    }
  }
  if (!factory || typeof factory.open !== 'function') {
    throw unavailable(Object.assign(new Error('No indexedDB'), { name: 'MissingAPIError' }));
  }
  return factory;
}

/** What is stored under a name before we open it. */
export interface StoredDatabase {
  /** The native IndexedDB version (ours × 10, see `schemaVersionOf`). */
  readonly nativeVersion: number;
  /** The object stores it holds, Dexie's meta store left out. */
  readonly storeNames: readonly string[];
}

/**
 * Looks at a database without creating, upgrading or keeping it open: resolves to its version and stores, or to
 * `undefined` when there is no such database (the creation an open without version starts is aborted). Rejects with
 * `StorageUnavailableError` when IndexedDB refuses to open at all, and with `UpgradeBlockedError` when the look has
 * to wait longer than `timeoutMs` (another tab's upgrade holds the database).
 */
export function probeDatabase(
  factory: IDBFactory,
  name: string,
  timeoutMs: number,
): Promise<StoredDatabase | undefined> {
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(name);
    } catch (error) {
      reject(unavailable(error));
      return;
    }
    let settled = false;
    let creating = false;
    const timer = setTimeout(
      () => settle(() => reject(new UpgradeBlockedError('Opening storage waits for another tab to finish an upgrade'))),
      timeoutMs,
    );
    function settle(finish: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    }
    request.onupgradeneeded = () => {
      // Only a database that does not exist yet gets here (we asked for no version): do not create it.
      creating = true;
      request.transaction?.abort();
    };
    request.onsuccess = () => {
      const db = request.result;
      const stored: StoredDatabase = {
        nativeVersion: db.version,
        storeNames: Array.from(db.objectStoreNames).filter((store) => store !== DEXIE_META_STORE),
      };
      db.close();
      settle(() => resolve(stored));
    };
    request.onerror = (event) => {
      event?.preventDefault?.();
      if (creating) settle(() => resolve(undefined));
      else settle(() => reject(unavailable(request.error ?? new Error('indexedDB.open failed'))));
    };
  });
}

/**
 * Whether IndexedDB can be used here: false without an `indexedDB`, or when opening a database throws or fails (a
 * browser policy, some private modes). Creates nothing. Use it to choose a storage adapter up front.
 */
export async function isIndexedDbAvailable(options: { indexedDB?: IDBFactory | null; timeoutMs?: number } = {}) {
  try {
    const factory = resolveFactory(options.indexedDB);
    await probeDatabase(factory, '__crmkit_probe__', options.timeoutMs ?? 5000);
    return true;
  } catch {
    return false;
  }
}

/**
 * One attempt to open our database through Dexie, with the guards described above. `run` resolves when Dexie has
 * opened (and upgraded) the database, or rejects with a typed error; the attempt is then finished either way.
 */
export class OpenAttempt {
  private abandoned = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failWith: ((error: unknown) => void) | undefined;

  constructor(
    private readonly name: string,
    private readonly blockedTimeoutMs: number,
  ) {}

  /** A factory for Dexie that watches the requests of our database and passes everything else through. */
  factory(real: IDBFactory): IDBFactory {
    const guarded: Partial<IDBFactory> = {
      open: (dbName: string, version?: number) => {
        const request = version === undefined ? real.open(dbName) : real.open(dbName, version);
        if (dbName === this.name) this.watch(request);
        return request;
      },
      deleteDatabase: (dbName: string) => real.deleteDatabase(dbName),
      cmp: (first: unknown, second: unknown) => real.cmp(first, second),
    };
    if (typeof real.databases === 'function') guarded.databases = () => real.databases();
    return guarded as IDBFactory;
  }

  /** Opens `db` (which must have been built with {@link factory}). */
  run(db: Dexie): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.failWith = (error) => {
        if (this.abandoned) return;
        this.abandoned = true;
        this.disarm();
        // Cancels Dexie's open; whatever the native request still delivers is cleaned up by `watch`.
        db.close();
        reject(error);
      };
      db.open().then(
        () => {
          if (this.abandoned) return;
          this.abandoned = true;
          this.disarm();
          resolve();
        },
        (error: unknown) => {
          if (this.abandoned) return;
          this.abandoned = true;
          this.disarm();
          db.close();
          reject(isUnavailableError(error) ? unavailable(error) : toCrmError(error, 'open'));
        },
      );
    });
  }

  private fail(error: unknown): void {
    this.failWith?.(error);
  }

  private arm(): void {
    this.disarm();
    this.timer = setTimeout(
      () =>
        this.fail(
          new UpgradeBlockedError(
            `The storage upgrade is blocked by another open tab (waited ${this.blockedTimeoutMs} ms); close the other tabs of this application and try again`,
          ),
        ),
      this.blockedTimeoutMs,
    );
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Our listeners are added before Dexie sets its `on…` handlers, so they run first and, for an abandoned attempt or
   * a too-new database, can stop Dexie's handlers from ever seeing the event.
   */
  private watch(request: IDBOpenDBRequest): void {
    // Waiting (blocked by another connection, or queued behind another tab's upgrade) is bounded.
    if (!this.abandoned) this.arm();
    request.addEventListener('upgradeneeded', (event) => {
      if (this.abandoned) {
        event.stopImmediatePropagation();
        request.transaction?.abort();
        return;
      }
      // The upgrade is running: it is no longer blocked, and a long data migration is not a hang.
      this.disarm();
    });
    request.addEventListener('success', (event) => {
      if (this.abandoned) {
        event.stopImmediatePropagation();
        request.result.close();
        return;
      }
      this.disarm();
      const stored = schemaVersionOf(request.result.version);
      if (stored > DEXIE_SCHEMA_VERSION) {
        // Dexie reopened without a version after VersionError: refuse the newer database instead of using it.
        event.stopImmediatePropagation();
        request.result.close();
        this.fail(new SchemaVersionError(stored, DEXIE_SCHEMA_VERSION));
      }
    });
    request.addEventListener('error', (event) => {
      if (this.abandoned) {
        event.stopImmediatePropagation();
        event.preventDefault();
        return;
      }
      this.disarm();
    });
  }
}
