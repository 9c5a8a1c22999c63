import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { StorageSnapshot } from './port.js';
import { collectionNameSchema, recordIdSchema } from './query.js';

/**
 * Refuses an id that is not a string (a symbol, a number, an object) with a `ValidationError` naming `id`, before it
 * reaches a message or a key lookup that would turn it into a `TypeError` or a wrong answer. A string is not checked
 * further: an unknown one is simply not found.
 */
export function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string') throw new ValidationError([{ path: ['id'], message: 'Expected a string' }], 'id');
}

const instantSchema = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.refine((value) => !Number.isNaN(Date.parse(value)), 'Expected an instant'));

/**
 * True when no object or array inside `record` nests more than 64 levels down, so copying or freezing it cannot
 * exhaust the stack. Walked with an explicit stack, not recursion.
 */
function shallow(record: object): boolean {
  const stack: [object, number][] = [[record, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [value, depth] = item;
    if (depth > 64) return false;
    for (const child of Object.values(value)) if (typeof child === 'object' && child) stack.push([child, depth + 1]);
  }
  return true;
}

const storedRecordSchema = /* @__PURE__ */ z.looseObject({
  id: recordIdSchema,
  version: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive()),
  createdAt: instantSchema,
  updatedAt: instantSchema,
});

const snapshotSchema = /* @__PURE__ */ z.strictObject({
  format: /* @__PURE__ */ z.literal('crmkit.storage'),
  formatVersion: /* @__PURE__ */ z.literal(1),
  collections: /* @__PURE__ */ z.record(collectionNameSchema, /* @__PURE__ */ z.array(storedRecordSchema)),
});

/**
 * What a snapshot must be before anything in it is copied: no collection named like a key every object has (zod
 * skips `__proto__` and accepts `constructor`), and no record nesting more than 64 levels deep. The memory adapter and
 * `crm.backup.restore` check it before `parseSnapshot`.
 */
export function checkSnapshotShape(input: unknown): void {
  const collections = (input as { collections?: unknown } | null)?.collections;
  if (typeof collections !== 'object' || collections === null) return;
  for (const [name, records] of Object.entries(collections)) {
    const path = ['collections', name];
    if (name in Object.prototype)
      throw new ValidationError([{ path, message: 'Expected a collection name' }], 'snapshot');
    if (!Array.isArray(records)) continue;
    records.forEach((record: unknown, index) => {
      if (typeof record === 'object' && record !== null && !shallow(record)) {
        throw new ValidationError([{ path: [...path, index], message: 'Records nest at most 64 deep' }], 'snapshot');
      }
    });
  }
}

/**
 * Validates a snapshot before any of it is imported: its format, collection names, and every record's id, version
 * and timestamps. Records keep their other fields as they are (the entities' own schemas check those on read;
 * `checkSnapshotRecords` checks them all up front).
 */
export function parseSnapshot(input: unknown): StorageSnapshot {
  const snapshot = parseOrThrow(snapshotSchema, input, 'snapshot') as StorageSnapshot;
  for (const [collection, records] of Object.entries(snapshot.collections)) {
    const seen = new Set<string>();
    records.forEach((record, index) => {
      if (seen.has(record.id)) {
        throw new ValidationError(
          [{ path: ['collections', collection, index, 'id'], message: 'Duplicate id' }],
          'snapshot',
        );
      }
      seen.add(record.id);
    });
  }
  return snapshot;
}
