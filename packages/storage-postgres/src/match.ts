/**
 * `matchIds`: the ids of the records matching a filter that may read each record's companion (the record with the
 * same id in another collection) and counts over the companion's arrays, as one statement returning ids. The
 * segment service asks it for rules over a customer and its aggregate record, which would otherwise read both
 * documents of every candidate into the process.
 */
import * as z from 'zod/mini';
import { collectionNameSchema, parseFilter, parseOrThrow, type CountField, type MatchQuery } from '@crmkit/core';
import { Params, idKey, numberOf, pathLiteral, pushFilter, pushablePath } from './pushdown.js';
import { collectionIs } from './schema.js';
import type { SqlExecutor } from './driver.js';

/** Dotted identifiers: what the pushdown binds as a path (see `pushablePath`). */
const PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const countSchema = z.strictObject({
  path: z.string().check(z.regex(PATH)),
  each: z.optional(z.boolean()),
  from: z.number(),
  to: z.number(),
});
const matchQuerySchema = z.strictObject({
  where: z.unknown(),
  join: z.optional(
    z.strictObject({
      collection: collectionNameSchema,
      as: z.string().check(z.regex(/^[A-Za-z_$][\w$]*$/)),
      missing: z.record(z.string(), z.unknown()),
    }),
  ),
  counts: z.optional(z.record(z.string(), countSchema)),
});

/** What `matchIds` needs of the storage. */
export interface MatchContext {
  readonly records: string;
  readonly schema: string;
  readonly run: (
    executor: SqlExecutor,
    sql: string,
    params: readonly unknown[],
  ) => Promise<readonly Record<string, unknown>[]>;
}

/**
 * The matching ids in id order, or `undefined` when part of the filter is not pushed exactly (core then reads the
 * records and checks them itself).
 */
export async function matchIds(
  context: MatchContext,
  executor: SqlExecutor,
  tenant: string,
  collection: string,
  query: MatchQuery,
  at: Date,
): Promise<string[] | undefined> {
  const parsed = parseOrThrow(matchQuerySchema, query, 'matchIds');
  query = { ...(parsed as MatchQuery), where: parseFilter(parsed.where) };
  const { join, counts = {} } = query;
  // The stand-in for a missing companion is bound once, as `m.doc`.
  const initial = join ? [tenant, JSON.stringify(join.missing)] : [tenant];
  const params = new Params(initial, context.schema, at);
  /** The record is `c`, its companion `s`; fields under the join's name read the companion (or `missing`). */
  const stored = (segments: readonly string[]) =>
    join && segments[0] === join.as
      ? `(COALESCE(s.doc, m.doc) #> ${pathLiteral(segments.slice(1))})`
      : `(c.doc #> ${pathLiteral(segments)})`;
  /** A count as a `bigint` subquery: the numbers in its range in the array (or arrays) at its path. */
  const counted = (name: string): string | undefined => {
    if (!Object.hasOwn(counts, name)) return undefined;
    const field = counts[name] as CountField;
    const at = stored(pushablePath(field.path) as string[]);
    const only = (value: string, type: 'array' | 'object') =>
      `(CASE WHEN jsonb_typeof(${value}) = '${type}' THEN ${value} ELSE '${type === 'array' ? '[]' : '{}'}'::jsonb END)`;
    const from = field.each
      ? `jsonb_each(${only(at, 'object')}) AS kv, jsonb_array_elements(${only('kv.value', 'array')}) AS e(v)`
      : `jsonb_array_elements(${only(at, 'array')}) AS e(v)`;
    return (
      `(SELECT count(*) FROM ${from} WHERE jsonb_typeof(v) = 'number' ` +
      `AND v::numeric BETWEEN ${params.add(field.from)}::numeric AND ${params.add(field.to)}::numeric)`
    );
  };
  params.reads = {
    // A count compares as a jsonb number, so every operator of the filter language applies to it.
    valueAt: (segments) => {
      const count = counted(segments.join('.'));
      return count ? `to_jsonb(${count})` : stored(segments);
    },
    // The record's own fields keep their keys, which its indexes hold; the companion's are read row by row.
    numberAt: (segments) => {
      const count = counted(segments.join('.'));
      if (count) return `${count}::float8`;
      return join && segments[0] === join.as ? numberOf(stored(segments)) : undefined;
    },
  };
  const pushed = pushFilter(query.where, params);
  if (!pushed?.exact) return undefined;
  const joined = join
    ? ` LEFT JOIN ${context.records} s ON s.tenant_id = $1 AND ${collectionIs(join.collection, 's')} AND s.id = c.id` +
      ` CROSS JOIN (SELECT $2::jsonb AS doc) m`
    : '';
  const rows = await context.run(
    executor,
    `SELECT c.id FROM ${context.records} c${joined} WHERE c.tenant_id = $1 AND ${collectionIs(collection, 'c')} AND ${pushed.sql} ` +
      `ORDER BY ${idKey(context.schema, 'c.id')}`,
    params.values.slice(1),
  );
  return rows.map((row) => row['id'] as string);
}
