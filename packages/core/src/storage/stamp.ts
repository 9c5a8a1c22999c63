import { ConflictError } from '../errors/errors.js';
import type { RecordInput, RecordMeta, StoredRecord } from './port.js';

/**
 * Checks an optimistic write against the stored version and returns the record to store. Shared by every adapter so
 * they cannot drift apart on the versioning rules; each adapter calls it inside its own atomic section.
 */
export function stampWrite<T extends object>(
  collection: string,
  input: RecordInput<T>,
  current: RecordMeta | undefined,
  expectedVersion: number,
  now: Date,
): StoredRecord<T> {
  const actual = current?.version ?? 0;
  if (actual !== expectedVersion) {
    throw new ConflictError(collection, input.id, expectedVersion, current?.version);
  }
  const at = now.toISOString();
  return {
    ...input,
    version: actual + 1,
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
  } as StoredRecord<T>;
}
