/**
 * The PostgreSQL adapter: every collection of one tenant in one table of JSONB documents, versioned writes checked by
 * the database itself, so any number of processes may share it.
 */
import {
  ConflictError,
  NotFoundError,
  StorageError,
  ValidationError,
  checkCollection,
  checkSnapshotShape,
  createChangeFeed,
  parseOrThrow,
  parseQueryOptions,
  parseSnapshot,
  queryInMemory,
  recordIdSchema,
  stampWrite,
  type ChangeEvent,
  type PutOptions,
  type QueryOptions,
  type QueryPage,
  type RecordInput,
  type StorageOperations,
  type StoragePort,
  type StoredRecord,
} from '@crmkit/core';
import { pgClientDriver, pgPoolDriver, pgliteDriver, type SqlDriver, type SqlExecutor } from './driver.js';
import { candidates, countEach } from './counts.js';
import { engineError, retrying } from './errors.js';
import { tenantTransactions, type WriteTurn } from './turns.js';
import { startRemoteFeed, type RemoteFeed } from './feed.js';
import { matchIds } from './match.js';
import { pushedPage, type PageContext } from './paging.js';
import { PUSHED_OPERATORS } from './pushdown.js';
import { optionsSchema, type PostgresStorageOptions } from './options.js';
import { collectionIs, ensureHostIndexes, mergeIndexes, migrate } from './schema.js';

/** The PostgreSQL storage: a `StoragePort` plus what it runs on. */
export interface PostgresStorage extends StoragePort {
  /** The tenant this storage reads and writes. */
  readonly tenant: string;
  /** The PostgreSQL schema holding its tables. */
  readonly schema: string;
  /**
   * The change-log position this storage has delivered other processes' changes through: pass it as
   * `changeFeed.resumeFrom` to a storage opened later to receive everything committed since. `undefined` when the
   * feed is off.
   */
  changePosition(): string | undefined;
  /**
   * Deletes this tenant's change-log entries older than `before` and resolves to how many. A storage resuming from a
   * position before them is then refused with `ChangeLogGapError`, never silently short of changes.
   */
  pruneChanges(before: Date): Promise<number>;
}

/** The default PostgreSQL schema. */
export const DEFAULT_POSTGRES_SCHEMA = 'crmkit';

/** Whether `value` can be a stored version (the column is a PostgreSQL `integer`); any other one never matches. */
const isVersion = (value: number) => Number.isInteger(value) && value >= 0 && value <= 2_147_483_647;

/**
 * `pg_notify` of a committed change to other processes, its channel and `origin:` prefix the parameters `$first`
 * and `$first + 1`: the payload is `origin:transaction id:tenant`, short whatever the transaction wrote.
 */
const notifyCall = (first: number) => `pg_notify($${first}, $${first + 1} || txid_current()::text || ':' || $1)`;

/**
 * Opens the PostgreSQL storage of one tenant: checks the options, brings the schema up to date (once, under an
 * advisory lock) and resolves to the port.
 *
 * @throws ValidationError when the options are not valid.
 * @throws SchemaVersionError when the database was migrated by newer code.
 * @throws StorageError when the database fails.
 */
export async function createPostgresStorage(options: PostgresStorageOptions): Promise<PostgresStorage> {
  const parsed = parseOrThrow(optionsSchema, options, 'options');
  const driver: SqlDriver =
    parsed.driver ??
    (parsed.pool
      ? pgPoolDriver(parsed.pool, { prepare: parsed.prepare ?? true })
      : parsed.client
        ? pgClientDriver(parsed.client, { prepare: parsed.prepare ?? true })
        : pgliteDriver(parsed.pglite!));
  const tenant = parsed.tenant;
  const schemaName = parsed.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const now = parsed.now ?? (() => new Date());
  const onRead = parsed.onRead ?? (() => undefined);
  const quotedSchema = `"${schemaName}"`;
  const records = `${quotedSchema}.records`;
  const changes = `"${schemaName}".changes`;
  const pruning = `"${schemaName}".change_pruning`;
  const feedMode = parsed.changeFeed?.mode ?? (driver.listen ? 'notify' : 'off');
  if (feedMode === 'notify' && !driver.listen) {
    throw new ValidationError(
      [{ path: ['changeFeed', 'mode'], message: "This driver cannot listen for notifications: use 'poll'" }],
      'options',
    );
  }
  // Databases without notifications (CockroachDB, YugabyteDB) poll instead, and their writes send none.
  const notifies = feedMode !== 'poll';
  const indexes = mergeIndexes(parsed.indexes);
  try {
    await migrate(driver, schemaName);
    if (parsed.indexes) await ensureHostIndexes(driver, schemaName, parsed.indexes);
  } catch (error) {
    throw engineError(error);
  }

  const feed = createChangeFeed();
  let closed = false;
  let remoteFeed: RemoteFeed | undefined;
  /** Tells this storage's own notifications from other processes'. */
  const origin = globalThis.crypto.randomUUID();
  const channel = `crmkit_${schemaName}`.slice(0, 63);
  const assertOpen = () => {
    if (closed) throw new StorageError('Storage is closed');
  };

  /** Runs one statement; every statement binds the tenant as `$1`. */
  const run = async (executor: SqlExecutor, sql: string, params: readonly unknown[]) => {
    try {
      return (await executor.query(sql, [tenant, ...params])).rows;
    } catch (error) {
      throw engineError(error);
    }
  };
  const docs = (rows: readonly Record<string, unknown>[]): StoredRecord[] => {
    onRead(rows.length);
    return rows.map((row) => row['doc'] as StoredRecord);
  };
  const checkId = (id: unknown) => parseOrThrow(recordIdSchema, id, 'record id');
  const versionOf = async (executor: SqlExecutor, collection: string, id: string) => {
    const rows = await run(
      executor,
      `SELECT version FROM ${records} WHERE tenant_id = $1 AND ${collectionIs(collection)} AND id = $2`,
      [id],
    );
    return rows[0] === undefined ? undefined : Number(rows[0]['version']);
  };

  /** Checks the storage is open, the collection's name and, given, the record's id. */
  const check = (collection: string, id?: string) => {
    assertOpen();
    checkCollection(collection);
    if (id !== undefined) checkId(id);
  };
  /**
   * The refusal of a write that changed nothing: `NotFoundError` for a delete of a record that is not there (`missing`),
   * otherwise `ConflictError` with the version stored now.
   */
  const refused = async (
    executor: SqlExecutor,
    collection: string,
    id: string,
    expected?: number,
    missing?: boolean,
  ) => {
    const actual = await versionOf(executor, collection, id);
    if (missing && actual === undefined) return new NotFoundError(collection, id);
    return new ConflictError(collection, id, (expected ?? actual) as number, actual);
  };

  const pageContext: PageContext = { tenant, records, schema: quotedSchema, run, docs };

  /**
   * Reads and writes through `executor`; `events` collects a transaction's changes, reported after it commits. Every
   * write notifies other processes in its own statement: PostgreSQL sends a transaction's notifications when it
   * commits, the same payload once, so a transaction needs no statement of its own for it. `turn` is the
   * transaction's, when it is one.
   */
  const operations = (executor: SqlExecutor, events: ChangeEvent[], turn?: WriteTurn): StorageOperations => {
    /** The `pg_notify` column of a write whose channel and origin are its parameters `$first`, `$first+1`. */
    const poke = (first: number) => (notifies ? `, ${notifyCall(first)} AS notified` : '');
    const pokeParams = notifies ? [channel, `${origin}:`] : [];
    /** The refusal of a write, which a transaction's `turn` learns of (one not wholly serial then reruns). */
    const refusedHere: typeof refused = (...args) => refused(...args).then((error) => (turn?.refused(error), error));
    return {
      async get<T extends object>(collection: string, id: string) {
        check(collection, id);
        const rows = await run(
          executor,
          `SELECT doc FROM ${records} WHERE tenant_id = $1 AND ${collectionIs(collection)} AND id = $2`,
          [id],
        );
        return docs(rows)[0] as StoredRecord<T> | undefined;
      },
      async getMany<T extends object>(collection: string, ids: readonly string[]) {
        check(collection);
        ids.forEach(checkId);
        if (ids.length === 0) return [];
        const rows = await run(
          executor,
          `SELECT doc FROM ${records} WHERE tenant_id = $1 AND ${collectionIs(collection)} AND id = ANY ($2::text[])`,
          [[...new Set(ids)]],
        );
        const found = new Map(docs(rows).map((record) => [record.id, record]));
        // A record asked for twice is returned as two copies, so mutating one cannot change the other.
        const seen = new Set<string>();
        return ids.map((id) => {
          const record = found.get(id);
          if (!record) return undefined;
          const copy = seen.has(id) ? structuredClone(record) : record;
          seen.add(id);
          return copy as StoredRecord<T>;
        });
      },
      async put<T extends object>(collection: string, record: RecordInput<T>, { expectedVersion }: PutOptions) {
        check(collection, record.id);
        if (!isVersion(expectedVersion)) {
          throw await refusedHere(executor, collection, record.id, expectedVersion);
        }
        const at = now();
        if (expectedVersion === 0) {
          const stored = stampWrite(collection, structuredClone(record), undefined, 0, at) as StoredRecord<T>;
          const rows = await run(
            executor,
            `WITH written AS (
             INSERT INTO ${records} (tenant_id, collection, id, version, created_at, updated_at, doc)
             VALUES ($1, $2, $3, 1, $4::timestamptz, $4::timestamptz, $5::jsonb)
             ON CONFLICT DO NOTHING RETURNING id, version),
           logged AS (
             INSERT INTO ${changes} (tenant_id, collection, id, type, version, origin)
             SELECT $1, $2, id, 'put', version, $6 FROM written)
           SELECT version${poke(7)} FROM written`,
            [collection, record.id, stored.updatedAt, JSON.stringify(stored), origin, ...pokeParams],
          );
          if (rows.length === 0) {
            throw await refusedHere(executor, collection, record.id, 0);
          }
          events.push({ collection, id: record.id, type: 'put', version: 1 });
          return stored;
        }
        // The version check is the UPDATE's own predicate, so it holds against every other connection.
        const updatedAt = at.toISOString();
        const rows = await run(
          executor,
          `WITH written AS (
           UPDATE ${records}
           SET version = version + 1, updated_at = $5::timestamptz,
             doc = $6::jsonb || jsonb_build_object('version', version + 1, 'createdAt', doc -> 'createdAt')
           WHERE tenant_id = $1 AND ${collectionIs(collection)} AND id = $3 AND version = $4
           RETURNING id, version, doc),
         logged AS (
           INSERT INTO ${changes} (tenant_id, collection, id, type, version, origin)
           SELECT $1, $2, id, 'put', version, $7 FROM written)
         SELECT doc${poke(8)} FROM written`,
          [
            collection,
            record.id,
            expectedVersion,
            updatedAt,
            JSON.stringify({ ...record, updatedAt }),
            origin,
            ...pokeParams,
          ],
        );
        const stored = rows[0]?.['doc'] as StoredRecord<T> | undefined;
        if (!stored) {
          throw await refusedHere(executor, collection, record.id, expectedVersion);
        }
        events.push({ collection, id: record.id, type: 'put', version: stored.version });
        return stored;
      },
      async delete(collection, id, deleteOptions) {
        check(collection, id);
        const expected = deleteOptions?.expectedVersion;
        if (expected !== undefined && !isVersion(expected))
          throw await refusedHere(executor, collection, id, expected, true);
        const rows = await run(
          executor,
          `WITH removed AS (
           DELETE FROM ${records}
           WHERE tenant_id = $1 AND ${collectionIs(collection)} AND id = $3 AND ($4::integer IS NULL OR version = $4::integer)
           RETURNING id),
         logged AS (
           INSERT INTO ${changes} (tenant_id, collection, id, type, origin)
           SELECT $1, $2, id, 'delete', $5 FROM removed)
         SELECT id${poke(6)} FROM removed`,
          [collection, id, expected ?? null, origin, ...pokeParams],
        );
        if (rows.length === 0) throw await refusedHere(executor, collection, id, expected, true);
        events.push({ collection, id, type: 'delete' });
      },
      async query<T extends object>(collection: string, queryOptions?: QueryOptions) {
        check(collection);
        const query = parseQueryOptions(queryOptions);
        const at = now();
        const page = await pushedPage(pageContext, executor, collection, query, at);
        if (page) return page as QueryPage<T>;
        return queryInMemory(
          await candidates(pageContext, executor, collection, query.where, at),
          query,
          at,
        ) as QueryPage<T>;
      },
      async count(collection, where) {
        check(collection);
        return (await countEach(pageContext, executor, collection, [where], now()))[0]!;
      },
      async countEach(collection, filters) {
        check(collection);
        return countEach(pageContext, executor, collection, filters, now());
      },
      ...(turn ? { serialize: () => turn.serialize() } : {}),
    };
  };

  const { transaction: inTurn, tenantLock } = tenantTransactions({
    driver,
    schemaName,
    tenant,
    run,
    operations,
    emit: (events) => feed.emit(events),
  });
  const transaction: StoragePort['transaction'] = (body, options) => {
    assertOpen();
    return inTurn(body, options);
  };

  /** A single write: one statement, atomic on its own, reported once it has returned. */
  const single = async <T>(body: (ops: StorageOperations) => Promise<T>): Promise<T> => {
    const events: ChangeEvent[] = [];
    const result = await body(operations(driver, events));
    feed.emit(events);
    return result;
  };

  if (feedMode !== 'off') {
    try {
      remoteFeed = await startRemoteFeed({
        driver,
        changes,
        pruning,
        tenant,
        origin,
        channel,
        mode: feedMode,
        interval: parsed.changeFeed?.interval ?? DEFAULT_POLL_INTERVAL,
        resumeFrom: parsed.changeFeed?.resumeFrom,
        run,
        emit: (events) => {
          if (!closed) feed.emit(events);
        },
      });
    } catch (error) {
      throw engineError(error);
    }
  }

  const reads = operations(driver, []);
  return {
    tenant,
    schema: schemaName,
    capabilities: {
      pushdown: PUSHED_OPERATORS,
      changeFeed: remoteFeed ? 'remote' : 'connection',
      indexes,
      // The schema is crmkit's: what it holds was validated on the way in, so the CRM checks the shape of what it
      // reads (another version's records included) and parses in full only a misfit, unless other programs write.
      foreignData: parsed.foreignData ?? false,
    },
    get: reads.get,
    getMany: reads.getMany,
    query: reads.query,
    count: reads.count,
    put: (collection, record, putOptions) => single((ops) => ops.put(collection, record, putOptions)),
    delete: (collection, id, deleteOptions) => single((ops) => ops.delete(collection, id, deleteOptions)),
    transaction,
    subscribe: feed.subscribe,
    changePosition: () => remoteFeed?.position(),
    async matchIds(collection, query) {
      check(collection);
      return matchIds({ records, schema: quotedSchema, run }, driver, tenant, collection, query, now());
    },

    async pruneChanges(before) {
      assertOpen();
      if (!(before instanceof Date) || Number.isNaN(before.getTime())) {
        throw new ValidationError([{ path: ['before'], message: 'Expected a valid Date' }], 'pruneChanges');
      }
      // The newest position removed is kept, so a resume from before it is refused rather than short of changes.
      const rows = await run(
        driver,
        `WITH removed AS (
           DELETE FROM ${changes} WHERE tenant_id = $1 AND at < $2::timestamptz RETURNING tx, seq),
         newest AS (SELECT tx, seq FROM removed ORDER BY tx DESC, seq DESC LIMIT 1),
         marked AS (
           INSERT INTO ${pruning} AS p (tenant_id, tx, seq) SELECT $1, tx, seq FROM newest
           ON CONFLICT (tenant_id) DO UPDATE SET tx = excluded.tx, seq = excluded.seq
           WHERE (p.tx, p.seq) < (excluded.tx, excluded.seq))
         SELECT count(*)::integer AS n FROM removed`,
        [before.toISOString()],
      );
      return Number(rows[0]?.['n'] ?? 0);
    },

    async exportSnapshot() {
      assertOpen();
      const rows = await run(driver, `SELECT collection, doc FROM ${records} WHERE tenant_id = $1`, []);
      onRead(rows.length);
      const collections: Record<string, StoredRecord[]> = {};
      for (const row of rows) (collections[row['collection'] as string] ??= []).push(row['doc'] as StoredRecord);
      const sorted: Record<string, StoredRecord[]> = {};
      for (const name of Object.keys(collections).sort()) {
        sorted[name] = collections[name]!.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      }
      return { format: 'crmkit.storage', formatVersion: 1, collections: sorted };
    },

    async importSnapshot(snapshot) {
      assertOpen();
      checkSnapshotShape(snapshot);
      const parsed = parseSnapshot(snapshot);
      const rows = Object.entries(parsed.collections).flatMap(([collection, list]) =>
        list.map((record) => ({ collection, record })),
      );
      const events: ChangeEvent[] = [];
      await retrying(() => {
        events.length = 0;
        return driver.transaction(
          async (tx) => {
            const removed = await run(
              tx,
              `WITH removed AS (DELETE FROM ${records} WHERE tenant_id = $1 RETURNING collection, id)
               INSERT INTO ${changes} (tenant_id, collection, id, type, origin)
               SELECT $1, collection, id, 'delete', $2 FROM removed RETURNING collection, id`,
              [origin],
            );
            for (const row of removed) {
              events.push({ collection: row['collection'] as string, id: row['id'] as string, type: 'delete' });
            }
            // A thousand records a statement, as multi-row VALUES (measured faster than unnest of arrays here).
            for (let start = 0; start < rows.length; start += IMPORT_BATCH) {
              const batch = rows.slice(start, start + IMPORT_BATCH);
              const values: unknown[] = [origin];
              const tuples = batch.map(({ collection, record }) => {
                const at = values.length + 2;
                values.push(collection, record.id, record.version, record.createdAt, record.updatedAt);
                values.push(JSON.stringify(record));
                return `($1, $${at}, $${at + 1}, $${at + 2}::integer, $${at + 3}::timestamptz, $${at + 4}::timestamptz, $${at + 5}::jsonb)`;
              });
              await run(
                tx,
                `WITH written AS (
                   INSERT INTO ${records} (tenant_id, collection, id, version, created_at, updated_at, doc)
                   VALUES ${tuples.join(', ')}
                   RETURNING collection, id, version)
                 INSERT INTO ${changes} (tenant_id, collection, id, type, version, origin)
                 SELECT $1, collection, id, 'put', version, $2 FROM written`,
                values,
              );
              for (const { collection, record } of batch) {
                events.push({ collection, id: record.id, type: 'put', version: record.version });
              }
            }
            if (events.length > 0 && notifies) await run(tx, `SELECT ${notifyCall(2)}`, [channel, `${origin}:`]);
          },
          { lock: tenantLock },
        );
      });
      feed.emit(events);
    },

    async close() {
      // The pool, client or PGlite instance belongs to the caller, who closes it.
      closed = true;
      feed.clear();
      await remoteFeed?.close();
    },
  };
}

/** Milliseconds between two reads of the change log in `poll` mode, unless the options say otherwise. */
const DEFAULT_POLL_INTERVAL = 1000;

/** Records per INSERT when importing a snapshot. */
const IMPORT_BATCH = 1000;
