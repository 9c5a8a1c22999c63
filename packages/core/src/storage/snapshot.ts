import * as z from 'zod/mini';
import { ValidationError } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import type { StorageSnapshot } from './port.js';
import { collectionNameSchema, recordIdSchema } from './query.js';

const instantSchema = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.refine((value) => !Number.isNaN(Date.parse(value)), 'Expected an instant'));

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
 * Validates a snapshot before any of it is imported: its format, collection names, and every record's id, version
 * and timestamps. Records keep their other fields as they are (the entities' own schemas check those on read).
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
