import * as z from 'zod/mini';
import { idSchema, instantSchema } from './primitives.js';

/** The fields an adapter maintains on every record (see `RecordMeta` in the storage port). */
export const recordMetaShape = {
  id: idSchema,
  version: z.int().check(z.positive()),
  createdAt: instantSchema,
  updatedAt: instantSchema,
};

type RecordMetaShape = typeof recordMetaShape;

/** The record shape: the entity's fields plus {@link recordMetaShape}. */
export type RecordShape<S extends z.core.$ZodShape> = {
  -readonly [K in keyof S | keyof RecordMetaShape]: K extends keyof RecordMetaShape
    ? RecordMetaShape[K]
    : K extends keyof S
      ? S[K]
      : never;
};

/** The patch shape: every field optional, with defaults removed so an absent field stays absent. */
export type PatchShape<S extends z.core.$ZodShape> = {
  -readonly [K in keyof S]: z.ZodMiniOptional<
    S[K] extends z.ZodMiniDefault<infer T> ? T : S[K] extends z.ZodMiniPrefault<infer T> ? T : S[K]
  >;
};

/** The three schemas of one entity. */
export interface EntitySchemas<S extends z.core.$ZodShape> {
  /** What `create` accepts: no record metadata; defaults applied; an unknown key is an error, never dropped. */
  readonly input: z.ZodMiniObject<S, z.core.$strict>;
  /**
   * A stored record as an adapter returns it: the input plus `id`, `version`, `createdAt`, `updatedAt`. Keys it does
   * not know are dropped rather than refused: a record may carry what an adapter or a newer version added.
   */
  readonly record: z.ZodMiniObject<RecordShape<S>, z.core.$strip>;
  /**
   * What `update` accepts: any subset of the input's fields, no defaults. Whole-object checks are not applied, since
   * they need the full record: merge the patch into the stored record and parse the result with `input`. An unknown
   * key is an error.
   */
  readonly patch: z.ZodMiniObject<PatchShape<S>, z.core.$strict>;
}

function withoutDefault(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as z.core.$ZodTypeDef & { innerType?: z.core.$ZodType };
  return (def.type === 'default' || def.type === 'prefault') && def.innerType ? def.innerType : schema;
}

/**
 * Derives an entity's input, record and patch schemas from one shape, so the three cannot drift apart. `checks`
 * (whole-object rules, e.g. "options are required for a select field") apply to the input and record schemas.
 */
export function defineEntity<S extends z.core.$ZodShape>(
  shape: S,
  ...checks: z.core.$ZodCheck<z.output<z.ZodMiniObject<S, z.core.$strip>>>[]
): EntitySchemas<S> {
  const { id, ...meta } = recordMetaShape;
  const patchShape: Record<string, z.core.$ZodType> = {};
  for (const [key, schema] of Object.entries(shape)) patchShape[key] = z.optional(withoutDefault(schema));
  const input = z.strictObject(shape).check(...checks);
  // The checks read only the entity's own fields, which a record also has.
  const recordShape: z.core.$ZodShape = { id, ...shape, ...meta };
  const record = z.object(recordShape).check(...(checks as z.core.$ZodCheck<Record<string, unknown>>[]));
  return {
    input: input as unknown as EntitySchemas<S>['input'],
    record: record as unknown as EntitySchemas<S>['record'],
    patch: z.strictObject(patchShape) as unknown as EntitySchemas<S>['patch'],
  };
}
