import * as z from 'zod/mini';
import { idSchema, instantSchema } from './primitives.js';

/** The fields an adapter maintains on every record (see `RecordMeta` in the storage port). */
export const recordMetaShape = {
  id: idSchema,
  version: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive()),
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

/** A whole-object rule of an entity (e.g. "options are required for a select field"). */
export type EntityCheck<S extends z.core.$ZodShape> = z.core.$ZodCheck<z.output<z.ZodMiniObject<S, z.core.$strip>>>;

/**
 * The input schema of an entity ({@link EntitySchemas.input}). Each of the three schemas has its own function, so a
 * bundle that uses one of them (a stored deal, say) can drop the other two.
 */
export function entityInput<S extends z.core.$ZodShape>(
  shape: S,
  checks: readonly EntityCheck<S>[] = [],
): EntitySchemas<S>['input'] {
  return z.strictObject(shape).check(...checks) as unknown as EntitySchemas<S>['input'];
}

/** The stored-record schema of an entity ({@link EntitySchemas.record}). */
export function entityRecord<S extends z.core.$ZodShape>(
  shape: S,
  checks: readonly EntityCheck<S>[] = [],
): EntitySchemas<S>['record'] {
  const { id, ...meta } = recordMetaShape;
  // The checks read only the entity's own fields, which a record also has.
  const recordShape: z.core.$ZodShape = { id, ...shape, ...meta };
  return z
    .object(recordShape)
    .check(
      ...(checks as readonly z.core.$ZodCheck<Record<string, unknown>>[]),
    ) as unknown as EntitySchemas<S>['record'];
}

/** The patch schema of an entity ({@link EntitySchemas.patch}). */
export function entityPatch<S extends z.core.$ZodShape>(shape: S): EntitySchemas<S>['patch'] {
  const patchShape: Record<string, z.core.$ZodType> = {};
  for (const [key, schema] of Object.entries(shape)) patchShape[key] = z.optional(withoutDefault(schema));
  return z.strictObject(patchShape) as unknown as EntitySchemas<S>['patch'];
}

/**
 * Derives an entity's input, record and patch schemas from one shape, so the three cannot drift apart. `checks`
 * (whole-object rules, e.g. "options are required for a select field") apply to the input and record schemas.
 */
export function defineEntity<S extends z.core.$ZodShape>(shape: S, ...checks: EntityCheck<S>[]): EntitySchemas<S> {
  return { input: entityInput(shape, checks), record: entityRecord(shape, checks), patch: entityPatch(shape) };
}
