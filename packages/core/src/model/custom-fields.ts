import * as z from 'zod/mini';
import { ValidationError, type ValidationIssue } from '../errors/errors.js';
import { parseOrThrow } from '../errors/parse.js';
import { currencyCodeSchema, moneySchema } from '../money/money.js';
import { entityInput, entityPatch, entityRecord, type EntityCheck } from './entity.js';
import { LONG_TEXT_MAX, dateOnlySchema, localizedTextSchema, trimmedString } from './primitives.js';

/** The storage collection holding {@link CustomFieldDefinition} records. */
export const CUSTOM_FIELDS_COLLECTION = 'customFieldDefinitions';

/** Entities a host can extend with custom fields. */
export const customFieldEntities = ['customer', 'contact', 'lead', 'deal', 'activity', 'task'] as const;
export type CustomFieldEntity = (typeof customFieldEntities)[number];

/** The value types a custom field can have. */
export const customFieldTypes = ['text', 'number', 'money', 'date', 'select', 'multiselect', 'boolean'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];

/** Longest text value when a definition sets no `maxLength`. */
const DEFAULT_TEXT_MAX = 2000;

// Names that would shadow or replace Object.prototype members on a plain object; `__*` is already ruled out.
const RESERVED_KEYS: ReadonlySet<string> = new Set([
  'constructor',
  'prototype',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'toString',
  'valueOf',
]);

/** A custom field key: an identifier of 1..64 characters starting with a lower-case letter, not a reserved name. */
export const customFieldKeySchema = /* @__PURE__ */ z.string().check(
  /* @__PURE__ */ z.regex(
    /^[a-z][a-zA-Z0-9_]{0,63}$/,
    'Expected an identifier: a lower-case letter, then letters, digits or _',
  ),
  /* @__PURE__ */ z.refine((key) => !RESERVED_KEYS.has(key), 'Reserved name'),
);

/** Any value a custom field can hold, before definitions narrow it. */
export const customFieldValueSchema = /* @__PURE__ */ z.union([
  /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.maxLength(LONG_TEXT_MAX)),
  /* @__PURE__ */ z.number(),
  /* @__PURE__ */ z.boolean(),
  moneySchema,
  /* @__PURE__ */ z
    .array(/* @__PURE__ */ z.string().check(/* @__PURE__ */ z.maxLength(LONG_TEXT_MAX)))
    .check(/* @__PURE__ */ z.maxLength(200)),
]);
export type CustomFieldValue = z.infer<typeof customFieldValueSchema>;
export type CustomFieldValues = Record<string, CustomFieldValue>;

/**
 * The `customFields` object of an entity without definitions at hand: known value types and valid keys only. Use
 * {@link withCustomFields} to check values against the host's definitions.
 */
export const customFieldValuesSchema: z.ZodMiniType<CustomFieldValues, CustomFieldValues> = /* @__PURE__ */ z.record(
  customFieldKeySchema,
  customFieldValueSchema,
);

/** The `customFields` property of an entity shape: defaults to `{}`. */
export const customFieldsProperty = /* @__PURE__ */ z._default(customFieldValuesSchema, () => ({}));

const optionSchema = /* @__PURE__ */ z.strictObject({
  value: /* @__PURE__ */ trimmedString(100),
  label: localizedTextSchema,
});

const customFieldDefinitionShape = {
  entity: /* @__PURE__ */ z.enum(customFieldEntities),
  key: customFieldKeySchema,
  label: localizedTextSchema,
  type: /* @__PURE__ */ z.enum(customFieldTypes),
  /** The choices of a `select` or `multiselect` field, in display order. */
  options: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(optionSchema).check(/* @__PURE__ */ z.maxLength(500))),
  required: /* @__PURE__ */ z._default(/* @__PURE__ */ z.boolean(), false),
  /** Bounds of a `number`, or of a `money` field's `amountMinor`. */
  min: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number()),
  max: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number()),
  /** Longest value of a `text` field; defaults to 2000. */
  maxLength: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(LONG_TEXT_MAX)),
  ),
};
const customFieldDefinitionChecks: EntityCheck<typeof customFieldDefinitionShape>[] = [
  /* @__PURE__ */ z.superRefine((definition, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const choice = definition.type === 'select' || definition.type === 'multiselect';
    if (choice && !definition.options?.length) issue(['options'], 'Required and non-empty for select fields');
    if (!choice && definition.options !== undefined) issue(['options'], 'Only select fields have options');
    const seen = new Set<string>();
    definition.options?.forEach((option, index) => {
      if (seen.has(option.value)) issue(['options', index, 'value'], 'Duplicate option value');
      seen.add(option.value);
    });
    const ranged = definition.type === 'number' || definition.type === 'money';
    if (!ranged && definition.min !== undefined) issue(['min'], 'Only number and money fields have a minimum');
    if (!ranged && definition.max !== undefined) issue(['max'], 'Only number and money fields have a maximum');
    if (definition.min !== undefined && definition.max !== undefined && definition.min > definition.max) {
      issue(['max'], 'Must not be less than min');
    }
    if (definition.type !== 'text' && definition.maxLength !== undefined) {
      issue(['maxLength'], 'Only text fields have a maximum length');
    }
  }),
];

/** What creating a custom field definition accepts. */
export const customFieldDefinitionInputSchema = /* @__PURE__ */ entityInput(
  customFieldDefinitionShape,
  customFieldDefinitionChecks,
);
/** A stored custom field definition. */
export const customFieldDefinitionSchema = /* @__PURE__ */ entityRecord(
  customFieldDefinitionShape,
  customFieldDefinitionChecks,
);
/** An update to a custom field definition; re-check the merged result with the input schema. */
export const customFieldDefinitionPatchSchema = /* @__PURE__ */ entityPatch(customFieldDefinitionShape);
export type CustomFieldDefinitionInput = z.input<typeof customFieldDefinitionInputSchema>;
export type CustomFieldDefinition = z.infer<typeof customFieldDefinitionSchema>;
export type CustomFieldDefinitionPatch = z.input<typeof customFieldDefinitionPatchSchema>;
export type CustomFieldOption = z.infer<typeof optionSchema>;

type ParsedDefinition = z.infer<typeof customFieldDefinitionInputSchema>;

function bounded<T extends number>(schema: z.ZodMiniType<T>, definition: ParsedDefinition) {
  const checks: z.core.$ZodCheck<T>[] = [];
  if (definition.min !== undefined) checks.push(z.gte(definition.min));
  if (definition.max !== undefined) checks.push(z.lte(definition.max));
  return checks.length ? schema.check(...checks) : schema;
}

function valueSchema(definition: ParsedDefinition): z.core.$ZodType {
  const values = (definition.options ?? []).map((option) => option.value);
  switch (definition.type) {
    case 'text':
      return trimmedString(definition.maxLength ?? DEFAULT_TEXT_MAX, definition.required ? 1 : 0);
    case 'number':
      return bounded(z.number(), definition);
    case 'money':
      return z.strictObject({ amountMinor: bounded(z.int(), definition), currency: currencyCodeSchema });
    case 'date':
      return dateOnlySchema;
    case 'boolean':
      return z.boolean();
    case 'select':
      return z.enum(values, 'Expected one of the field’s options');
    case 'multiselect':
      return z.array(z.enum(values, 'Expected one of the field’s options')).check(
        z.minLength(definition.required ? 1 : 0),
        z.refine((chosen) => new Set(chosen).size === chosen.length, 'Options must not repeat'),
      );
  }
}

function compile(
  definitions: readonly CustomFieldDefinitionInput[],
): z.ZodMiniType<CustomFieldValues, CustomFieldValues> {
  // Definitions normally arrive parsed from storage; re-checking here costs nothing after the cache and keeps a
  // hand-built array from slipping a reserved key or a malformed option list into the compiled schema.
  // A stored definition carries record metadata, which is no part of the definition's input.
  const inputs = definitions.map((definition) => {
    const {
      id: _id,
      version: _version,
      createdAt: _createdAt,
      updatedAt: _updatedAt,
      ...input
    } = definition as Record<string, unknown>;
    return input;
  });
  const parsed = parseOrThrow(z.array(customFieldDefinitionInputSchema), inputs, 'custom field definitions');
  const issues: ValidationIssue[] = [];
  const shape: Record<string, z.core.$ZodType> = {};
  parsed.forEach((definition, index) => {
    if (definition.entity !== parsed[0]?.entity) {
      issues.push({ path: [index, 'entity'], message: 'Definitions must all be for one entity' });
    }
    if (Object.hasOwn(shape, definition.key)) issues.push({ path: [index, 'key'], message: 'Duplicate key' });
    const schema = valueSchema(definition);
    shape[definition.key] = definition.required ? schema : z.optional(schema);
  });
  if (issues.length) throw new ValidationError(issues, 'custom field definitions');
  // A catchall that always fails reports each undefined key at its own path (`customFields.<key>`); zod drops
  // `__proto__` keys before any of this runs.
  return z.catchall(
    z.strictObject(shape),
    z.custom(() => false, 'No custom field with this key is defined'),
  ) as unknown as z.ZodMiniType<CustomFieldValues, CustomFieldValues>;
}

const compiledFields = new WeakMap<
  readonly CustomFieldDefinitionInput[],
  z.ZodMiniType<CustomFieldValues, CustomFieldValues>
>();

/**
 * The schema of one entity's `customFields` under `definitions` (all for that entity): each value has its field's
 * type, select values are among the options, required fields are present, and keys without a definition are
 * rejected. Compiled once per array (by identity), so pass the same array while the definitions are unchanged and
 * never mutate it. Throws `ValidationError` for malformed or conflicting definitions.
 */
export function customFieldsSchema(
  definitions: readonly CustomFieldDefinitionInput[],
): z.ZodMiniType<CustomFieldValues, CustomFieldValues> {
  let schema = compiledFields.get(definitions);
  if (!schema) {
    schema = compile(definitions);
    compiledFields.set(definitions, schema);
  }
  return schema;
}

type ObjectWithCustomFields = z.ZodMiniObject<{ customFields: z.core.$ZodType }, z.core.$strip>;

const extendedSchemas = new WeakMap<
  readonly CustomFieldDefinitionInput[],
  WeakMap<ObjectWithCustomFields, ObjectWithCustomFields>
>();

/**
 * Returns `schema` (an entity's input, record or patch schema) with its `customFields` checked against
 * `definitions`, so one `parseOrThrow` validates the whole entity and errors name e.g. `customFields.region`.
 * The field keeps its optionality: absent is `{}` for an input (so required fields are still enforced), absent stays
 * absent for a patch. Cached per (definitions, schema) pair.
 */
export function withCustomFields<S extends ObjectWithCustomFields>(
  schema: S,
  definitions: readonly CustomFieldDefinitionInput[],
): S {
  let perSchema = extendedSchemas.get(definitions);
  if (!perSchema) {
    perSchema = new WeakMap();
    extendedSchemas.set(definitions, perSchema);
  }
  let extended = perSchema.get(schema);
  if (!extended) {
    const fields = customFieldsSchema(definitions);
    const kind = schema.shape.customFields._zod.def.type;
    const customFields =
      kind === 'optional'
        ? z.optional(fields)
        : kind === 'default' || kind === 'prefault'
          ? z.prefault(fields, {})
          : fields;
    extended = z.extend(schema, { customFields }) as unknown as ObjectWithCustomFields;
    perSchema.set(schema, extended);
  }
  return extended as S;
}
