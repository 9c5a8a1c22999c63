/**
 * The change log of one tenant: every batch the tenant's storage reports (this process's writes and, through an
 * adapter with a remote feed such as PostgreSQL, other processes') gets the next sequence number and is kept in a
 * bounded ring, so a stream that reconnects with `Last-Event-ID` gets what it missed.
 *
 * Positions are `run:seq`, where `run` is random per log: a position from another server process, from before a
 * restart, or older than the ring is not resumable, and the stream says `reset` instead of silently skipping.
 *
 * @module
 */
import type { ChangeEvent, ChangeListener } from '@crmkit/core';

/** One change as the stream sends it: what changed, never contents (and without the adapter's `remote` flag). */
export interface LoggedChange {
  readonly collection: string;
  readonly id: string;
  readonly type: 'put' | 'delete';
  readonly version?: number;
}

/** One committed batch with its sequence number. */
export interface LoggedBatch {
  readonly seq: number;
  readonly changes: readonly LoggedChange[];
}

/** What following the log from a position gives: the batches missed (or a reset), then live batches. */
export interface Following {
  /** The batches after the position asked for, oldest first; `reset` when they are not all kept. */
  readonly backlog: readonly LoggedBatch[] | 'reset';
  /** The position live batches continue after. */
  readonly position: string;
  /** Stops the live batches. */
  stop(): void;
}

/** The log of one tenant. */
export class ChangeLog {
  /** Random per log, so positions of another process or run are told apart. */
  readonly run: string;
  readonly #slots: (LoggedBatch | undefined)[];
  readonly #listeners = new Set<(batch: LoggedBatch) => void>();
  readonly #unsubscribe: () => void;
  #seq = 0;

  /** Starts logging what `subscribe` reports; keeps the last `capacity` batches. */
  constructor(subscribe: (listener: ChangeListener) => () => void, capacity: number) {
    this.run = randomRun();
    this.#slots = new Array<LoggedBatch | undefined>(capacity);
    this.#unsubscribe = subscribe((events) => this.#append(events));
  }

  /** The position of the newest batch. */
  get position(): string {
    return this.positionOf(this.#seq);
  }

  /** The position of batch `seq`. */
  positionOf(seq: number): string {
    return `${this.run}:${seq}`;
  }

  /**
   * Follows the log after `lastEventId` (none: from now): the missed batches, or `reset` when the position is not
   * this log's or its batches are no longer all kept; then `listener` gets each new batch. Registered in the same
   * step as the backlog is read, so no batch is missed or sent twice.
   */
  follow(lastEventId: string | undefined, listener: (batch: LoggedBatch) => void): Following {
    const backlog = lastEventId === undefined ? [] : this.#since(lastEventId);
    const position = this.position;
    this.#listeners.add(listener);
    return { backlog, position, stop: () => void this.#listeners.delete(listener) };
  }

  /** Stops logging and drops every listener. */
  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }

  #append(events: readonly ChangeEvent[]): void {
    const changes = events.map(({ collection, id, type, version }): LoggedChange =>
      version === undefined ? { collection, id, type } : { collection, id, type, version },
    );
    const batch: LoggedBatch = { seq: ++this.#seq, changes };
    this.#slots[batch.seq % this.#slots.length] = batch;
    for (const listener of this.#listeners) listener(batch);
  }

  #since(lastEventId: string): readonly LoggedBatch[] | 'reset' {
    const match = /^([0-9a-z]+):(\d{1,15})$/.exec(lastEventId.trim());
    if (!match || match[1] !== this.run) return 'reset';
    const after = Number(match[2]);
    const kept = Math.min(this.#seq, this.#slots.length);
    // Resumable when every batch after `after` is still in the ring (and `after` is not from the future).
    if (after > this.#seq || after < this.#seq - kept) return 'reset';
    const batches: LoggedBatch[] = [];
    for (let seq = after + 1; seq <= this.#seq; seq++) batches.push(this.#slots[seq % this.#slots.length]!);
    return batches;
  }
}

function randomRun(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(36).padStart(2, '0')).join('');
}
