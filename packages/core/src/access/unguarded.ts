/**
 * Which storage operations a guarded port wraps, so the CRM's own work (audit appends, background aggregates) can
 * reach past the actor's policy. Apart from the guard so that the modules it uses can wrap ports too.
 *
 * @module
 */
import type { StorageOperations } from '../storage/port.js';

/** Guarded operations → the operations underneath them. */
export const unguarded = new WeakMap<StorageOperations, StorageOperations>();

/** The operations a guarded `ops` wraps (itself when it is not guarded): for the CRM's own writes, e.g. the audit log. */
export function underlying(ops: StorageOperations): StorageOperations {
  return unguarded.get(ops) ?? ops;
}

/** Records that `outer` wraps `inner` (a port of the CRM's own, e.g. one keeping match keys), so `underlying` sees through it. */
export function wrapsOperations<O extends StorageOperations>(outer: O, inner: StorageOperations): O {
  const raw = unguarded.get(inner);
  if (raw) unguarded.set(outer, raw);
  return outer;
}
