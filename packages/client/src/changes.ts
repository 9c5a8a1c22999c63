/**
 * The change stream: one `GET /changes` (`text/event-stream`, read with `fetch` so the bearer token and the host's
 * headers go along, which `EventSource` cannot send) shared by every subscriber of one client, opened for the first
 * and closed after the last. Batches are delivered as they come, marked `remote: true`. A cut stream is opened again
 * with an exponential backoff with jitter, resuming after the last event id (`Last-Event-ID`).
 *
 * **No change after `subscribe()` is missed.** The stream opens a round trip after the first `subscribe()`, and the
 * server follows its change log only from then on: a change committed in between (say by another user, while the
 * element that subscribed is loading) would never be sent. So every connection resumes from a position the client
 * held before its listeners subscribed: the first one from the position `GET /session` gave when the client was
 * created (`changes.position`; nothing can subscribe before that), later ones from the last event id received. The
 * server sends every batch committed after that position, so a change made between `subscribe()` and the stream's
 * opening arrives as itself, with no reset (those made between the session and `subscribe()` arrive too: at worst
 * needless reads). The position is kept when the last listener leaves, for the next one. Only a
 * connection opened with no position at all (a server whose session gives none, or after a `reset` without an id)
 * cannot tell what it missed: its listeners get a reset batch (below).
 *
 * **Dead connections.** A connection that dies without closing (a NAT mapping that timed out, a laptop that slept, a
 * proxy that stopped forwarding) never ends a read; but the server sends heartbeat comments, so a connection that
 * delivers nothing at all — no answer, no event, no comment — for `idleTimeout` ms (by default 2.5 heartbeat
 * intervals, as the session gives them) is taken as dead: it is aborted and opened again like a cut one, resuming.
 *
 * When changes may have been missed — the server answers `event: reset` (the position is too old, or another
 * process's), a batch is not readable, or a connection is opened with no position to resume from — every subscriber
 * is handed one reset batch: for each collection, one change with `id: '*'` ({@link ANY_RECORD}), meaning "anything
 * here may have changed: read it again".
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

/** The delays the stream reconnects with, how long a connection may be silent, and the jitter's source. */
export interface StreamTiming {
  readonly minDelay: number;
  readonly maxDelay: number;
  /** Milliseconds a connection may deliver nothing (no answer, no byte) before it is taken as dead. */
  readonly idleTimeout: number;
  readonly random?: () => number;
}

/** How many heartbeat intervals a connection may be silent: one missed heartbeat, and half of one for the network. */
export const IDLE_HEARTBEATS = 2.5;

/** The server's default heartbeat interval, assumed when the session gives none. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * The watchdog's clock: the wall clock, which keeps running while the machine sleeps, so that on waking the first
 * timer to fire counts the sleep as silence (a monotonic clock may stop during sleep). A jump forward costs at worst
 * one needless reconnection, which resumes; a jump back is taken as activity.
 */
const now = (): number => Date.now();

/**
 * Aborts a connection that stays silent: `touch()` on everything it delivers; `stop()` once it is over. One timer at a
 * time, re-armed for what is left of the bound when it fires after activity (a throttled or delayed timer only makes
 * the verdict later, never wrong).
 */
class Watchdog {
  private readonly idleTimeout: number;
  private readonly onIdle: () => void;
  private last = now();
  private timer: ReturnType<typeof setTimeout>;

  constructor(idleTimeout: number, onIdle: () => void) {
    this.idleTimeout = idleTimeout;
    this.onIdle = onIdle;
    this.timer = setTimeout(() => this.check(), idleTimeout);
  }

  touch(): void {
    this.last = now();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private check(): void {
    const silent = now() - this.last;
    if (silent >= this.idleTimeout) {
      this.onIdle();
      return;
    }
    if (silent < 0) this.touch(); // the clock went back
    this.timer = setTimeout(() => this.check(), this.idleTimeout - Math.max(0, silent));
  }
}

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
  /**
   * Where the next connection resumes: the last event id received, or first the session's position. Kept while no
   * one listens, so that a later subscriber misses nothing committed after its `subscribe()` either.
   */
  private lastEventId: string | undefined;
  /** The server's `retry:`, which replaces `minDelay` as the backoff's first step. */
  private retry: number | undefined;
  private disposed = false;

  /** `position`: the change log's position before anything could subscribe (the session's), where the stream starts. */
  constructor(transport: Transport, timing: StreamTiming, position?: string) {
    this.transport = transport;
    this.timing = timing;
    this.lastEventId = position;
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
    // The position is kept (see lastEventId): the next subscriber's stream resumes after it.
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

  /** Connects, reads, and connects again after a pause, until `signal` (the whole stream's) aborts. */
  private async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      await this.connect(signal, () => {
        failures = 0;
      });
      if (signal.aborted) return;
      await this.pause(failures++, signal);
    }
  }

  /**
   * One connection: opened, read until it ends, fails or stays silent for `idleTimeout` (then aborted as dead), or
   * until `signal` aborts. `alive` is called on each event or comment.
   */
  private async connect(signal: AbortSignal, alive: () => void): Promise<void> {
    const connection = new AbortController();
    const close = () => connection.abort();
    signal.addEventListener('abort', close, { once: true });
    const watchdog = new Watchdog(this.timing.idleTimeout, close);
    try {
      const resumeFrom = this.lastEventId;
      let response: Response | undefined;
      try {
        response = await this.transport.openChanges(resumeFrom, connection.signal);
      } catch {
        return; // no answer (or none in time): try again after a pause
      }
      watchdog.touch();
      const type = response.headers.get('content-type') ?? '';
      if (connection.signal.aborted || !response.ok || !response.body || !type.includes('text/event-stream')) {
        await response.body?.cancel().catch(() => undefined);
        return;
      }
      // With no position, what was committed before the server began following the log is unknown here: whatever
      // the listeners show may be stale.
      if (resumeFrom === undefined) this.reset();
      await this.read(response.body, connection.signal, alive, () => watchdog.touch());
    } finally {
      watchdog.stop();
      signal.removeEventListener('abort', close);
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

  /** Reads one connection until it ends, fails or `signal` aborts it; `received` on every chunk. */
  private async read(
    body: ReadableStream<Uint8Array>,
    signal: AbortSignal,
    alive: () => void,
    received: () => void,
  ): Promise<void> {
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
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || signal.aborted) return;
        received();
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      return; // the connection failed (or was aborted): the caller decides what next
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
