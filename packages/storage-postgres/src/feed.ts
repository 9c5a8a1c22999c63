/**
 * Other processes' committed changes, read back from the change log in order.
 *
 * The log is read by position: a transaction id and a sequence number. A read takes the rows past the position whose
 * transaction is older than the oldest one still running (the snapshot's `xmin`): every such transaction has ended, so
 * nothing can still appear before the new position, whatever order transactions committed in. Notifications (`LISTEN`)
 * only say when to read; a poll on a timer does the same where the database has no notifications.
 */
import type { ChangeEvent } from '@crmkit/core';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { ChangeLogGapError } from './errors.js';

/** How a storage learns of other processes' changes. */
export type PostgresChangeMode = 'notify' | 'poll' | 'off';

/** What the feed needs of the storage. */
export interface FeedContext {
  readonly driver: SqlDriver;
  /** The quoted change log and pruning tables. */
  readonly changes: string;
  readonly pruning: string;
  readonly tenant: string;
  /** This storage's own mark in the log, skipped when read back. */
  readonly origin: string;
  readonly channel: string;
  readonly mode: PostgresChangeMode;
  /** Milliseconds between polls. */
  readonly interval: number;
  /** A position to resume from; the current end of the log when absent. */
  readonly resumeFrom: string | undefined;
  /** Runs a statement with the tenant bound as `$1` ahead of `params`. */
  run(executor: SqlExecutor, sql: string, params: readonly unknown[]): Promise<readonly Record<string, unknown>[]>;
  /** Delivers one transaction's changes. */
  emit(events: ChangeEvent[]): void;
}

/** The running feed. */
export interface RemoteFeed {
  /** The position delivered through, to resume from after a restart. */
  position(): string;
  close(): Promise<void>;
}

/** Rows read per statement; a longer backlog takes several reads. */
const PAGE = 1000;
/** Waits before reading again when a notified transaction is not readable yet (an older one still runs). */
const RETRY_MIN = 20;
const RETRY_MAX = 1000;
/** Waits before listening again after the listening connection was lost. */
const RELISTEN_MIN = 100;
const RELISTEN_MAX = 30_000;

const POSITION = /^(\d{1,19}):(\d{1,19})$/;

interface Position {
  readonly tx: bigint;
  readonly seq: bigint;
}

const format = ({ tx, seq }: Position) => `${tx}:${seq}`;
const after = (a: Position, b: Position) => a.tx > b.tx || (a.tx === b.tx && a.seq > b.seq);

/** Parses a position handed out by {@link RemoteFeed.position}; `undefined` when it is not one. */
export function parsePosition(text: string): Position | undefined {
  const match = POSITION.exec(text);
  return match ? { tx: BigInt(match[1]!), seq: BigInt(match[2]!) } : undefined;
}

/** A timer that does not keep a Node process alive by itself. */
function timer(body: () => void, ms: number): ReturnType<typeof setTimeout> {
  const handle = setTimeout(body, ms);
  (handle as { unref?: () => void }).unref?.();
  return handle;
}

/**
 * Starts delivering other processes' changes: from `resumeFrom` when given (after checking the log still holds
 * everything past it), else from the current end of the log.
 *
 * @throws ChangeLogGapError when changes past `resumeFrom` were pruned.
 */
export async function startRemoteFeed(context: FeedContext): Promise<RemoteFeed> {
  const { driver, changes, run, mode } = context;
  let position: Position;
  if (context.resumeFrom === undefined) {
    const [row] = await run(
      driver,
      `SELECT txid_snapshot_xmin(txid_current_snapshot())::text AS horizon, $1::text AS tenant`,
      [],
    );
    position = { tx: BigInt(row!['horizon'] as string), seq: 0n };
  } else {
    position = parsePosition(context.resumeFrom)!;
    const [pruned] = await run(
      driver,
      `SELECT tx::text AS tx, seq::text AS seq FROM ${context.pruning} WHERE tenant_id = $1`,
      [],
    );
    if (pruned && after({ tx: BigInt(pruned['tx'] as string), seq: BigInt(pruned['seq'] as string) }, position)) {
      throw new ChangeLogGapError(context.resumeFrom);
    }
  }

  let closed = false;
  /** The newest transaction a notification announced; reading continues until the position is past it. */
  let announced = -1n;
  let reading: Promise<void> | undefined;
  let again = false;
  let retry = RETRY_MIN;
  let pending: ReturnType<typeof setTimeout> | undefined;

  /** Reads the log from the position to the horizon, delivering each transaction's changes as one batch. */
  const readToHorizon = async () => {
    for (;;) {
      const rows = await run(
        driver,
        `SELECT h.horizon::text AS horizon, c.tx::text AS tx, c.seq::text AS seq, c.collection, c.id, c.type,
           c.version, c.origin
         FROM (SELECT txid_snapshot_xmin(txid_current_snapshot()) AS horizon) AS h
         LEFT JOIN ${changes} AS c
           ON c.tenant_id = $1 AND (c.tx, c.seq) > ($2::bigint, $3::bigint) AND c.tx < h.horizon
         ORDER BY c.tx, c.seq LIMIT ${PAGE}`,
        [position.tx.toString(), position.seq.toString()],
      );
      if (closed) return;
      let batch: ChangeEvent[] = [];
      let batchTx: string | undefined;
      const flush = () => {
        if (batch.length > 0) context.emit(batch);
        batch = [];
      };
      for (const row of rows) {
        if (row['tx'] === null || row['tx'] === undefined) continue;
        const tx = row['tx'] as string;
        if (tx !== batchTx) flush();
        batchTx = tx;
        position = { tx: BigInt(tx), seq: BigInt(row['seq'] as string) };
        if (row['origin'] === context.origin) continue;
        const base = { collection: row['collection'] as string, id: row['id'] as string, remote: true };
        batch.push(
          row['type'] === 'delete'
            ? { ...base, type: 'delete' }
            : { ...base, type: 'put', version: Number(row['version']) },
        );
      }
      flush();
      if (rows.length < PAGE) {
        const horizon = BigInt(rows[0]?.['horizon'] as string);
        if (horizon > position.tx) position = { tx: horizon, seq: 0n };
        return;
      }
    }
  };

  const schedule = (ms: number) => {
    if (closed || pending !== undefined) return;
    pending = timer(() => {
      pending = undefined;
      void read();
    }, ms);
  };

  /** One reader at a time; a request while it runs makes it read once more. */
  const read = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        do {
          again = false;
          await readToHorizon();
        } while (again && !closed);
      } catch {
        // A failed read delivers nothing and moves nothing: the next one starts from the same position.
        announced = announced < position.tx ? position.tx : announced;
      } finally {
        reading = undefined;
      }
      if (mode === 'poll') schedule(context.interval);
      else if (announced >= position.tx) {
        // An announced transaction is past the horizon: an older one still runs. Read again shortly.
        schedule(retry);
        retry = Math.min(retry * 2, RETRY_MAX);
      } else {
        retry = RETRY_MIN;
      }
    })();
    return reading;
  };

  const onNotify = (payload: string) => {
    const [from, txid, ...rest] = payload.split(':');
    if (closed || from === context.origin || rest.join(':') !== context.tenant || !/^\d{1,19}$/.test(txid ?? '')) {
      return;
    }
    const tx = BigInt(txid!);
    if (tx > announced) announced = tx;
    void read();
  };

  let unlisten: (() => Promise<void>) | undefined;
  let relistenWait = RELISTEN_MIN;
  const listen = async (): Promise<void> => {
    const stop = await driver.listen!(context.channel, onNotify, () => {
      // The listening connection is gone: listen again, then read what was committed meanwhile.
      unlisten = undefined;
      if (closed) return;
      timer(relisten, relistenWait);
    });
    if (closed) await stop().catch(() => undefined);
    else unlisten = stop;
  };
  const relisten = () => {
    if (closed) return;
    listen().then(
      () => {
        relistenWait = RELISTEN_MIN;
        void read();
      },
      () => {
        relistenWait = Math.min(relistenWait * 2, RELISTEN_MAX);
        timer(relisten, relistenWait);
      },
    );
  };

  if (mode === 'notify') await listen();
  // Changes past a resumed position are delivered at once, as is the first poll.
  if (mode === 'poll' || context.resumeFrom !== undefined) void read();

  return {
    position: () => format(position),
    async close() {
      closed = true;
      if (pending !== undefined) clearTimeout(pending);
      await unlisten?.().catch(() => undefined);
      await reading;
    },
  };
}
