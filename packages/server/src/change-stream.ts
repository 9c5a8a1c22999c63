/**
 * `GET /changes`: the tenant's change log as `text/event-stream`, filtered to what the actor may see.
 *
 * - A `put` is sent when the record, read now through the actor's CRM (`crm.records.getMany`, which applies the
 *   access policy), is visible to them; a record they may not read never appears, not even its id.
 * - A `delete` cannot be checked that way (the record is gone), and a client that listed a record must still hear
 *   that it went: deletes are sent to every stream of the tenant, as collection, id and type only. They tell that
 *   some record id was removed, never what it held or whose it was; ids are opaque.
 * - A batch of which nothing is visible is not sent at all.
 *
 * Every batch sent has `id:` its position in the log; `Last-Event-ID` resumes after it, or gets `event: reset` when
 * it cannot (another process's, or older than the log keeps), after which the client re-reads what it shows. A client
 * too slow to keep up gets a `reset` too, instead of an unbounded queue; one that stops reading is disconnected.
 * Comments keep the connection alive; the stream ends when the request is aborted or the handler closes.
 *
 * @module
 */
import type { Crm } from '@crmkit/core';
import type { ChangeLog, LoggedBatch, LoggedChange } from './change-log.js';

/** What a change stream needs. */
export interface ChangeStreamOptions {
  readonly log: ChangeLog;
  /** The actor's CRM: what they may see. */
  readonly crm: Pick<Crm, 'records'>;
  /** The `Last-Event-ID` header, if any. */
  readonly lastEventId: string | undefined;
  /** The request's signal: the stream ends when it aborts. */
  readonly signal: AbortSignal;
  /** Milliseconds between heartbeat comments. */
  readonly heartbeatMs: number;
  /** The reconnection delay suggested to the client (`retry:`), in milliseconds. */
  readonly retryMs: number;
  /** Batches waiting to be filtered before the stream gives up on them and sends `reset`. */
  readonly maxPending: number;
  /** Hears of failures reading visibility (the batch's collection is then left out). */
  readonly onError: (error: unknown) => void;
  /** Called once when the stream ends, however it ends. */
  readonly onClose: () => void;
}

/** An open change stream. */
export interface ChangeStream {
  readonly response: Response;
  /** Ends the stream (the handler closing). */
  close(): void;
}

type Item = { readonly batch: LoggedBatch } | { readonly reset: string; readonly reason: 'position' | 'overflow' };

/** Bytes a client may leave unread before it is disconnected (it resumes, or gets `reset`, when it reconnects). */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

/** Opens the stream and starts following the log. */
export function openChangeStream(options: ChangeStreamOptions): ChangeStream {
  const { log, crm, signal } = options;
  const encoder = new TextEncoder();
  const queue: Item[] = [];
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let draining = false;
  let stop = () => {};

  const finish = () => {
    if (closed) return;
    closed = true;
    stop();
    clearInterval(heartbeat);
    signal.removeEventListener('abort', finish);
    queue.length = 0;
    try {
      controller.close();
    } catch {
      // Already closed or cancelled by the reader.
    }
    options.onClose();
  };

  const write = (text: string) => {
    if (closed) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      finish();
      return;
    }
    if ((controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) finish();
  };

  const drain = async () => {
    if (draining) return;
    draining = true;
    try {
      while (!closed && queue.length > 0) {
        const item = queue.shift()!;
        if ('reset' in item) {
          write(frame(item.reset, 'reset', { reason: item.reason }));
          continue;
        }
        const changes = await visibleChanges(crm, item.batch.changes, options.onError);
        if (changes.length > 0) write(frame(log.positionOf(item.batch.seq), 'change', changes));
      }
    } finally {
      draining = false;
    }
  };

  const push = (item: Item) => {
    if (closed) return;
    if (queue.length >= options.maxPending && 'batch' in item) {
      // Too far behind: what is queued is dropped and the client told to re-read; live batches follow.
      queue.length = 0;
      queue.push({ reset: log.positionOf(item.batch.seq), reason: 'overflow' });
    } else {
      queue.push(item);
    }
    void drain();
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );

  // Like the connection it runs on, an open stream keeps a process alive: it ends on abort or close().
  const heartbeat = setInterval(() => write(': ping\n\n'), options.heartbeatMs);
  write(`retry: ${options.retryMs}\n: connected\n\n`);
  const following = log.follow(options.lastEventId, (batch) => push({ batch }));
  stop = following.stop;
  if (closed) following.stop();
  if (following.backlog === 'reset') push({ reset: following.position, reason: 'position' });
  else for (const batch of following.backlog) push({ batch });
  if (signal.aborted) finish();
  else signal.addEventListener('abort', finish, { once: true });

  const response = new Response(stream, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Proxies such as nginx would otherwise hold events back until a buffer fills.
      'x-accel-buffering': 'no',
    },
  });
  return { response, close: finish };
}

/**
 * The changes of a batch the actor may see: puts of records their CRM reads now (one `getMany` per collection), and
 * every delete (see the module comment).
 */
export async function visibleChanges(
  crm: Pick<Crm, 'records'>,
  changes: readonly LoggedChange[],
  onError: (error: unknown) => void,
): Promise<LoggedChange[]> {
  const puts = new Map<string, Set<string>>();
  for (const change of changes) {
    if (change.type !== 'put') continue;
    let ids = puts.get(change.collection);
    if (!ids) puts.set(change.collection, (ids = new Set()));
    ids.add(change.id);
  }
  const visible = new Set<string>();
  for (const [collection, idSet] of puts) {
    const ids = [...idSet];
    try {
      const records = await crm.records.getMany(collection, ids);
      records.forEach((record, index) => {
        if (record !== undefined) visible.add(`${collection}\u0000${ids[index]}`);
      });
    } catch (error) {
      // Not knowing is not seeing: the collection's puts are left out.
      onError(error);
    }
  }
  return changes.filter((change) => change.type === 'delete' || visible.has(`${change.collection}\u0000${change.id}`));
}

/** One event: `id:`, `event:` and the JSON `data:` (JSON text holds no line breaks). */
function frame(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
