import type { ChangeEvent, ChangeListener } from './port.js';

/** The subscriber list behind an adapter's `subscribe`, shared so every adapter delivers changes alike. */
export interface ChangeFeed {
  subscribe(listener: ChangeListener): () => void;
  /** Delivers one committed batch to every listener; an empty batch is not delivered. */
  emit(events: readonly ChangeEvent[]): void;
  /** Drops every listener (on close). */
  clear(): void;
}

export function createChangeFeed(): ChangeFeed {
  const listeners = new Set<ChangeListener>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(events) {
      if (events.length === 0) return;
      for (const listener of listeners) {
        try {
          listener(events);
        } catch (error) {
          // The write has committed: a failing listener must neither undo it nor starve the others. Re-raise it
          // outside this call stack so it still reaches the host's error reporting.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
