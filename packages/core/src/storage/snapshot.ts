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
 * True when no object or array inside `record` nests more than 64 levels down (written out rather than named: see
 * filter/schema.ts), so copying or freezing it cannot exhaust the stack. Walked with an explicit stack, not recursion.
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

const storedRecordSchema = /* @__PURE__ */ z
  .looseObject({
    id: recordIdSchema,
    version: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive()),
    createdAt: instantSchema,
    updatedAt: instantSchema,
  })
  .check(/* @__PURE__ */ z.refine(shallow, 'Records nest at most 64 deep'));

const snapshotSchema = /* @__PURE__ */ z.strictObject({
  format: /* @__PURE__ */ z.literal('crmkit.storage'),
  formatVersion: /* @__PURE__ */ z.literal(1),
  collections: /* @__PURE__ */ z.record(collectionNameSchema, /* @__PURE__ */ z.array(storedRecordSchema)),
});

/**
 * Validates a snapshot before any of it is imported: its format, collection names, and every record's id, version
 * and timestamps, and that no record nests more than 64 levels deep. Records keep their other fields as they are (the
 * entities' own schemas check those on read; `checkSnapshotRecords` checks them all up front).
 */
export function parseSnapshot(input: unknown): StorageSnapshot {
  // zod skips a `__proto__` key and accepts `constructor` as a name: a key every object has is refused here.
  for (const name of Object.keys((input as { collections?: object } | null)?.collections ?? {})) {
    if (name in Object.prototype)
      throw new ValidationError([{ path: ['collections', name], message: 'Expected a collection name' }], 'snapshot');
  }
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
