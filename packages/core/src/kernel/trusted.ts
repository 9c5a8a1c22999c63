/**
 * Trusted reads. A record the CRM wrote was validated on the way in (service writes, imports, restores, HTTP bodies
 * all parse strictly), so reading it back does not parse it again: it passes a shape check derived once from its
 * schema — each field of the right type, an enum's value among its options, required fields present — which costs a
 * few `typeof`s per record. A record that fails the check is parsed in full: a record written before a field with a
 * default existed gains the default; one that does not fit at all is a `StorageError`.
 *
 * Records from an adapter that declares `foreignData` (something else may have written them) are marked as they are
 * read, and always parsed in full.
 */
import type * as z from 'zod/mini';
import type { StorageOperations, StoragePort } from '../storage/port.js';
import { wrapsOperations } from '../access/unguarded.js';

type Check = (value: unknown) => boolean;

const anything: Check = () => true;
const shapes = new WeakMap<object, Check>();
const foreign = new WeakSet<object>();
/** Whether any record was ever marked: until then no read pays a lookup in `foreign` (which hashes the record). */
let anyForeign = false;

interface Def {
  readonly type: string;
  readonly innerType?: z.core.$ZodType;
  readonly shape?: Record<string, z.core.$ZodType>;
  readonly entries?: Record<string, unknown>;
  readonly values?: readonly unknown[];
}

const defOf = (schema: z.core.$ZodType): Def => schema._zod.def as unknown as Def;

/** The check of one field's value; `undefined` is accepted only where the schema allows it without a default. */
function valueCheck(schema: z.core.$ZodType): Check {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional': {
      const inner = valueCheck(def.innerType as z.core.$ZodType);
      return (value) => value === undefined || inner(value);
    }
    case 'nullable': {
      const inner = valueCheck(def.innerType as z.core.$ZodType);
      return (value) => value === null || inner(value);
    }
    // A missing value with a default is not this record's shape: the full parse fills the default in.
    case 'readonly':
    case 'nonoptional':
    case 'default':
    case 'prefault':
      return valueCheck(def.innerType as z.core.$ZodType);
    case 'string':
      return (value) => typeof value === 'string';
    case 'number':
    case 'int':
      return (value) => typeof value === 'number';
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'enum': {
      const options = new Set(Object.values(def.entries ?? {}));
      return (value) => options.has(value);
    }
    case 'literal': {
      const options = new Set(def.values ?? []);
      return (value) => options.has(value);
    }
    case 'array':
      return Array.isArray;
    case 'object':
    case 'record':
      return (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      // Unions, pipes, lazy and custom types: left to the write-time parse.
      return (value) => value !== undefined;
  }
}

/** The schema asked for last, and its check: reading a list of records asks for one schema many times in a row. */
let lastSchema: object | undefined;
let lastCheck: Check = anything;

/** The shape check of a record schema (an object schema; any other schema checks nothing), built once. */
function shapeCheck(schema: z.core.$ZodType): Check {
  if (schema === lastSchema) return lastCheck;
  let check = shapes.get(schema);
  if (check) {
    lastSchema = schema;
    lastCheck = check;
    return check;
  }
  const shape = defOf(schema).type === 'object' ? defOf(schema).shape : undefined;
  if (!shape) {
    check = anything;
  } else {
    // The record's own keys drive the loop (`for…in` walks a cached key list, no allocation): an absent optional
    // field costs nothing, and counting the required fields seen proves none is missing. Keys the schema does not
    // name are left to the write-time parse, as before.
    const tests: Record<string, Check> = Object.create(null) as Record<string, Check>;
    const required: Record<string, boolean> = Object.create(null) as Record<string, boolean>;
    let requiredCount = 0;
    for (const [key, field] of Object.entries(shape)) {
      const test = valueCheck(field);
      tests[key] = test;
      required[key] = !test(undefined);
      if (required[key]) requiredCount++;
    }
    check = (value) => {
      if (typeof value !== 'object' || value === null) return false;
      const record = value as Record<string, unknown>;
      let seen = 0;
      for (const key in record) {
        const test = tests[key];
        if (test === undefined) continue;
        if (!test(record[key])) return false;
        if (required[key]) seen++;
      }
      return seen === requiredCount;
    };
  }
  shapes.set(schema, check);
  lastSchema = schema;
  lastCheck = check;
  return check;
}

/** True when `record` may be returned as read: it came from the CRM's own storage and has its schema's shape. */
export function isTrustedShape(schema: z.core.$ZodType, record: unknown): boolean {
  return (
    !(anyForeign && typeof record === 'object' && record !== null && foreign.has(record)) && shapeCheck(schema)(record)
  );
}

function mark<T>(record: T): T {
  if (typeof record === 'object' && record !== null) {
    anyForeign = true;
    foreign.add(record);
  }
  return record;
}

function markedOperations<O extends StorageOperations>(ops: O): O {
  return wrapsOperations(
    {
      ...ops,
      get: async (collection, id) => mark(await ops.get(collection, id)),
      getMany: async (collection, ids) => (await ops.getMany(collection, ids)).map(mark),
      query: async (collection, options) => {
        const page = await ops.query(collection, options);
        page.records.forEach(mark);
        return page;
      },
      put: async (collection, record, options) => mark(await ops.put(collection, record, options)),
    } as O,
    ops,
  );
}

/**
 * The port as the CRM reads it: itself, or, when the adapter declares `foreignData`, a port whose every returned
 * record is marked for a full parse.
 */
export function readPolicy(storage: StoragePort): StoragePort {
  if (!storage.capabilities.foreignData) return storage;
  const marked = markedOperations(storage);
  return {
    ...marked,
    transaction: (body, options) => storage.transaction((tx) => body(markedOperations(tx)), options),
    subscribe: (listener) => storage.subscribe(listener),
    exportSnapshot: () => storage.exportSnapshot(),
    importSnapshot: (snapshot) => storage.importSnapshot(snapshot),
    close: () => storage.close(),
  };
}
