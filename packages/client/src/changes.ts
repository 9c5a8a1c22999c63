/**
 * The change stream: one `GET /changes` (`text/event-stream`, read with `fetch` so the bearer token and the host's
 * headers go along, which `EventSource` cannot send) shared by every subscriber of one client, opened for the first
 * and closed after the last. Batches are delivered as they come, marked `remote: true`. A cut stream is opened again
 * with an exponential backoff with jitter, resuming after the last event id (`Last-Event-ID`).
 *
 * When changes may have been missed — the server answers `event: reset` (the position is too old), a batch is not
 * readable, or the stream is opened again with no position to resume from — every subscriber is handed one reset
 * batch: for each collection, one change with `id: '*'` ({@link ANY_RECORD}), meaning "anything here may have
 * changed: read it again".
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CRM_COLLECTIONS, type ChangeEvent, type ChangeListener } from '@crmkit/core';
import type { Transport } from './transport.js';
import { isObject } from './requests.js';

/** The id of a reset batch's changes: any record of the collection may have changed. */
export const ANY_RECORD = '*';

/** True for a change of a reset batch: read the collection again rather than the record. */
export function isResetChange(change: ChangeEvent): boolean {
  return change.id === ANY_RECORD && change.version === undefined;
}

/** The delays the stream reconnects with, and the jitter's source. */
export interface StreamTiming {
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly random?: () => number;
}

/** Why reading one connection stopped. */
type Ending = 'ended' | 'failed' | 'closed';

/** The changes of one `change` event's data, or `undefined` when it is not a batch of them. */
function readBatch(data: string): ChangeEvent[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const batch: ChangeEvent[] = [];
  for (const item of parsed) {
    if (!isObject(item)) return undefined;
    const { collection, id, type, version } = item;
    if (typeof collection !== 'string' || typeof id !== 'string' || (type !== 'put' && type !== 'delete')) {
      return undefined;
    }
    if (version !== undefined && version !== null && !Number.isSafeInteger(version)) return undefined;
    batch.push({
      collection,
      id,
      type,
      ...(typeof version === 'number' ? { version } : {}),
      remote: true,
    });
  }
  return batch;
}

/** The shared change stream of one client. */
export class ChangeStream {
  private readonly listeners = new Set<ChangeListener>();
  private readonly transport: Transport;
  private readonly timing: StreamTiming;
  /** Collections seen on the stream besides the CRM's own: a reset names them too. */
  private readonly seen = new Set<string>();
  private abort: AbortController | undefined;
  private lastEventId: string | undefined;
  /** The server's `retry:`, which replaces `minDelay` as the backoff's first step. */
  private retry: number | undefined;
  private disposed = false;

  constructor(transport: Transport, timing: StreamTiming) {
    this.transport = transport;
    this.timing = timing;
  }

  /** Adds a listener; the first opens the stream. Returns the function that removes it (and closes the stream after the last). */
  subscribe(listener: ChangeListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('subscribe expects a function');
    if (this.disposed) return () => undefined;
    // A function subscribed twice gets its own entry each time, as it would from core's change feed.
    const entry: ChangeListener = (events) => listener(events);
    this.listeners.add(entry);
    if (!this.abort) this.start();
    return () => {
      if (!this.listeners.delete(entry) || this.listeners.size > 0) return;
      this.stop();
    };
  }

  /** Closes the stream and drops every listener; later subscriptions deliver nothing. */
  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
    this.stop();
  }

  private start(): void {
    const abort = new AbortController();
    this.abort = abort;
    void this.run(abort.signal);
  }

  private stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    // A later subscriber loads afresh: it wants changes from now, not those made while nobody listened.
    this.lastEventId = undefined;
    this.retry = undefined;
  }

  private deliver(events: readonly ChangeEvent[]): void {
    if (events.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(events);
      } catch (error) {
        // As core's change feed: one failing listener neither starves the others nor is lost.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Tells every listener that anything may have changed. */
  private reset(): void {
    const collections = new Set<string>([...CRM_COLLECTIONS, ...this.seen]);
    this.deliver([...collections].map((collection) => ({ collection, id: ANY_RECORD, type: 'put', remote: true })));
  }

  private async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    /** Whether an attempt came before this one: a connection, or a failure to connect. */
    let tried = false;
    while (!signal.aborted) {
      const resumeFrom = this.lastEventId;
      let response: Response | undefined;
      try {
        response = await this.transport.openChanges(resumeFrom, signal);
      } catch {
        response = undefined; // no answer: try again after a pause
      }
      if (signal.aborted) {
        await response?.body?.cancel().catch(() => undefined);
        return;
      }
      const type = response?.headers.get('content-type') ?? '';
      if (response?.ok && response.body && type.includes('text/event-stream')) {
        // Changes since the first attempt cannot be asked for: whatever the listeners show may be stale.
        if (tried && resumeFrom === undefined) this.reset();
        const ending = await this.read(response.body, signal, () => {
          failures = 0;
        });
        if (ending === 'closed') return;
      } else {
        await response?.body?.cancel().catch(() => undefined);
      }
      tried = true;
      await this.pause(failures++, signal);
    }
  }

  /** Waits before the next connection: exponential in the failures so far, with jitter; cut short by `signal`. */
  private pause(failures: number, signal: AbortSignal): Promise<void> {
    const base = this.retry ?? this.timing.minDelay;
    const cap = Math.min(this.timing.maxDelay, base * 2 ** Math.min(failures, 30));
    const random = this.timing.random ?? Math.random;
    const delay = cap / 2 + (cap / 2) * random();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Reads one connection until it ends, fails or is closed. */
  private async read(body: ReadableStream<Uint8Array>, signal: AbortSignal, alive: () => void): Promise<Ending> {
    const parser = createParser({
      onEvent: (message) => {
        alive();
        this.onMessage(message);
      },
      onComment: alive, // heartbeats
      onRetry: (retry) => {
        if (retry > 0) this.retry = Math.min(retry, this.timing.maxDelay);
      },
    });
    const reader = body.getReader();
    const cancel = () => void reader.cancel().catch(() => undefined);
    signal.addEventListener('abort', cancel, { once: true });
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (signal.aborted) return 'closed';
        if (done) return 'ended';
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      return signal.aborted ? 'closed' : 'failed';
    } finally {
      signal.removeEventListener('abort', cancel);
      reader.releaseLock();
    }
  }

  private onMessage(message: EventSourceMessage): void {
    if (message.event === 'change') {
      const batch = readBatch(message.data);
      if (batch) {
        for (const change of batch) this.seen.add(change.collection);
        this.deliver(batch);
      } else {
        this.reset(); // an unreadable batch was missed: nothing is known about what it held
      }
    } else if (message.event === 'reset') {
      // The server could not resume: it continues from now, after the id it gives, if any.
      this.lastEventId = undefined;
      this.reset();
    }
    // As in EventSource: an empty id forgets the position.
    if (message.id !== undefined) this.lastEventId = message.id === '' ? undefined : message.id;
  }
}
