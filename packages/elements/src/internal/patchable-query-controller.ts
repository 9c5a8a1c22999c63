import type { ChangeEvent } from '@crmkit/core';
import { CrmQueryController, CrmQueryStatus } from './crm-query-controller.js';

/**
 * A live query whose host also writes what it shows, and gets the stored record back from the write (a board's
 * move): the host {@link hold}s re-runs while its write is in flight, then {@link patch}es the result in, so storage's
 * report of that write is not read back. Only such a host pays for this; other elements use `CrmQueryController`.
 */
export class PatchableQueryController<T> extends CrmQueryController<T> {
  /** Writes in flight whose results the host applies itself; re-runs wait for them. */
  private readonly writes = new Set<Promise<void>>();
  /** The latest version of each record (`collection/id`) a {@link patch} applied. */
  private readonly written = new Map<string, number>();

  /**
   * Holds re-runs while the host writes something whose stored result it will {@link patch} in: changes committed
   * meanwhile (the host's own write among them) wait instead of being read back. Returns the release; changes still
   * waiting then run as usual.
   */
  hold(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.writes.add(held);
    return () => {
      if (!this.writes.delete(held)) return;
      release();
      if (this.writes.size === 0) this.resume();
    };
  }

  /**
   * Applies a write the host made and already holds the stored result of: `update` gives the new value, and the
   * changes it `covers` (a collection, an id and the version written) are not read again when storage reports them.
   * A load in flight, which read before the write, is dropped; changes it had not applied yet run again on the new
   * value. Does nothing, and returns false, before a first value or while a full load is due (it reads the write).
   */
  patch(update: (previous: T) => T, covers: readonly ChangeEvent[]): boolean {
    if (this.value === undefined || this.fullLoad) return false;
    this.abort?.abort();
    this.abort = undefined;
    this.value = update(this.value);
    for (const { collection, id, version = 0 } of covers) this.written.set(`${collection}/${id}`, version);
    this.changes = this.changes.filter((change) => !this.known(change));
    this.status = CrmQueryStatus.COMPLETE;
    this.host.requestUpdate();
    if (this.changes.length > 0) this.schedule();
    return true;
  }

  override hostDisconnected(): void {
    super.hostDisconnected();
    this.written.clear();
  }

  protected override holds(): readonly Promise<unknown>[] {
    return [...this.writes];
  }

  /** A write of a record that a {@link patch} applied at this version or a later one. */
  protected override known(change: ChangeEvent): boolean {
    const key = `${change.collection}/${change.id}`;
    if (change.type === 'delete') this.written.delete(key);
    return change.type === 'put' && (change.version ?? 0) <= (this.written.get(key) ?? -1);
  }
}
