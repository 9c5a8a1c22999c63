import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface OptimisticWriteOptions {
  /**
   * The live query showing what the writes change. It is held while a write is in flight, so the host applies the
   * stored result itself (`PatchableQueryController.patch`) instead of reading its own write back.
   */
  readonly query?: { hold(): () => void };
}

/**
 * Writes an element shows before storage confirms them, as a reactive controller: `pending` holds what each write in
 * flight is changing (a deal's new stage, a task being completed), keyed by record, for the host to render at once.
 * When the write settles its entry goes, so a write storage refuses rolls back to what storage holds; the host's
 * `rollBack` runs first, to say why. {@link settled} waits for every write started so far.
 */
export class OptimisticWriteController<K, V = true> implements ReactiveController {
  /** The writes in flight: their keys and what each will change. */
  pending: ReadonlyMap<K, V> = new Map();

  private readonly host: ReactiveControllerHost;
  private readonly options: OptimisticWriteOptions;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(host: ReactiveControllerHost, options: OptimisticWriteOptions = {}) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  hostDisconnected(): void {
    // Writes outlive the host's connection: storage finishes them either way, and `pending` goes with each.
  }

  /** True while a write for `key` is in flight. */
  has(key: K): boolean {
    return this.pending.has(key);
  }

  /**
   * Shows `value` for `key` at once and runs `write`. When it throws, `rollBack` is given the error while the entry
   * is still shown; either way the entry then goes. Resolves with whether the write succeeded.
   */
  run(key: K, value: V, write: () => Promise<void>, rollBack?: (error: unknown) => void): Promise<boolean> {
    this.set(key, value);
    const release = this.options.query?.hold();
    const run = (async () => {
      try {
        await write();
        return true;
      } catch (error) {
        rollBack?.(error);
        return false;
      } finally {
        this.set(key, undefined);
        release?.();
      }
    })();
    this.writes = this.writes.then(() => run);
    return run;
  }

  /** Resolves once every write started so far, and any started while waiting, has settled. */
  async settled(): Promise<void> {
    let writes: Promise<unknown>;
    do {
      writes = this.writes;
      await writes;
    } while (writes !== this.writes);
  }

  private set(key: K, value: V | undefined): void {
    const pending = new Map(this.pending);
    if (value === undefined) pending.delete(key);
    else pending.set(key, value);
    this.pending = pending;
    this.host.requestUpdate();
  }
}
