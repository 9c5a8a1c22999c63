/**
 * JSON Schemas of the bodies and results the OpenAPI document names, generated from core's zod schemas with zod's
 * `toJSONSchema` (input form for what a client sends, output form for stored records). Where core exports no schema
 * (report requests, option objects), the document says "an object" and the service's own strict parsing is the
 * reference. Custom fields a host defines are checked by core at write time and are not in these schemas.
 *
 * @module
 */
import { toJSONSchema } from 'zod/mini';
import {
  activityInputSchema,
  activityPatchSchema,
  activitySchema,
  contactInputSchema,
  contactPatchSchema,
  contactSchema,
  costEntryInputSchema,
  customerInputSchema,
  customerPatchSchema,
  customerSchema,
  customFieldDefinitionInputSchema,
  customFieldDefinitionPatchSchema,
  customFieldDefinitionSchema,
  dealInputSchema,
  dealPatchSchema,
  dealSchema,
  extendedLeadInputSchema,
  extendedLeadPatchSchema,
  extendedLeadSchema,
  LEAD_MANAGED_FIELDS,
  localizedTextSchema,
  pipelineInputSchema,
  pipelinePatchSchema,
  pipelineSchema,
  quotaInputSchema,
  segmentInputSchema,
  segmentPatchSchema,
  segmentSchema,
  stageSchema,
  stageUpdateSchema,
  taskInputSchema,
  taskPatchSchema,
  taskSchema,
  teamInputSchema,
  teamPatchSchema,
  teamSchema,
  userInputSchema,
  userPatchSchema,
  userSchema,
} from '@crmkit/core';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses) as plain data. */
export type JsonSchema = Record<string, unknown>;

/** A reference to a schema of `components.schemas`. */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** One entity service's schemas: its name in the document, the stored record, the input and the patch. */
interface EntitySchemas {
  readonly name: string;
  readonly record: unknown;
  readonly input: unknown;
  readonly patch: unknown;
  /** Keys of the input the service sets itself, left out of the input and patch. */
  readonly managed?: readonly string[];
  /** Keys of the input the service defaults, so a client may leave them out. */
  readonly defaulted?: readonly string[];
}

/** The entity services by route service name. */
export const ENTITY_SCHEMAS: Readonly<Record<string, EntitySchemas>> = {
  customers: { name: 'Customer', record: customerSchema, input: customerInputSchema, patch: customerPatchSchema },
  contacts: { name: 'Contact', record: contactSchema, input: contactInputSchema, patch: contactPatchSchema },
  leads: {
    name: 'Lead',
    record: extendedLeadSchema,
    input: extendedLeadInputSchema,
    patch: extendedLeadPatchSchema,
    managed: LEAD_MANAGED_FIELDS,
  },
  deals: { name: 'Deal', record: dealSchema, input: dealInputSchema, patch: dealPatchSchema },
  pipelines: { name: 'Pipeline', record: pipelineSchema, input: pipelineInputSchema, patch: pipelinePatchSchema },
  activities: { name: 'Activity', record: activitySchema, input: activityInputSchema, patch: activityPatchSchema },
  tasks: {
    name: 'Task',
    record: taskSchema,
    input: taskInputSchema,
    patch: taskPatchSchema,
    defaulted: ['assigneeId'],
  },
  segments: { name: 'Segment', record: segmentSchema, input: segmentInputSchema, patch: segmentPatchSchema },
  users: { name: 'User', record: userSchema, input: userInputSchema, patch: userPatchSchema },
  teams: { name: 'Team', record: teamSchema, input: teamInputSchema, patch: teamPatchSchema },
  customFields: {
    name: 'CustomFieldDefinition',
    record: customFieldDefinitionSchema,
    input: customFieldDefinitionInputSchema,
    patch: customFieldDefinitionPatchSchema,
  },
};

/** Written by hand: the filter language is checked by a parser of its own, which zod cannot describe. */
const FILTER: JsonSchema = {
  type: 'object',
  description:
    'A condition of the filter language: { all: [...] }, { any: [...] }, { not: ... } or a field comparison ' +
    '{ field, op, value | values | min, max }. See docs/guides/filter-language.md.',
};

const LIST_OPTIONS: JsonSchema = {
  type: 'object',
  properties: {
    where: ref('Filter'),
    orderBy: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, direction: { enum: ['asc', 'desc'] } },
        required: ['field'],
        additionalProperties: false,
      },
    },
    limit: { type: 'integer', minimum: 1 },
    after: { type: 'string', description: 'The `next` cursor of the previous page' },
  },
  additionalProperties: false,
};

const PROBLEM: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details with the error’s stable code',
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'The stable code, e.g. CRM_VALIDATION, CRM_CONFLICT' },
    detail: { type: 'string' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'array', items: { type: ['string', 'integer'] } },
          message: { type: 'string' },
        },
        required: ['path', 'message'],
      },
    },
  },
  required: ['type', 'title', 'status', 'code', 'detail'],
};

/**
 * A zod schema as JSON Schema; an object schema when it cannot be described. Definitions zod puts under `$defs`
 * (a schema used twice) are hoisted into `components.schemas` as `<name>_<def>`, since `#/$defs/…` would resolve
 * against the OpenAPI document's root.
 */
function convert(
  schema: unknown,
  io: 'input' | 'output',
  name: string,
  hoisted: Record<string, JsonSchema>,
): JsonSchema {
  let json: JsonSchema;
  try {
    json = toJSONSchema(schema as Parameters<typeof toJSONSchema>[0], {
      io,
      target: 'draft-2020-12',
      unrepresentable: 'any',
    }) as JsonSchema;
  } catch {
    return { type: 'object' };
  }
  const { $schema: _dialect, $defs: defs, ...rest } = json;
  const rename = (pointer: string) => pointer.replace(/^#\/\$defs\//, `#/components/schemas/${name}_`);
  for (const [key, definition] of Object.entries((defs ?? {}) as Record<string, unknown>)) {
    hoisted[`${name}_${key}`] = rewriteRefs(definition, rename) as JsonSchema;
  }
  return rewriteRefs(rest, rename) as JsonSchema;
}

/** A copy of a JSON Schema with every `$ref` passed through `rename`. */
function rewriteRefs(node: unknown, rename: (pointer: string) => string): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, rename));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' ? rename(value) : rewriteRefs(value, rename),
    ]),
  );
}

/** `schema` without `keys` among its properties, and without `optional` among those it requires. */
function adjusted(schema: JsonSchema, keys: readonly string[] = [], optional: readonly string[] = []): JsonSchema {
  const properties = { ...(schema['properties'] as Record<string, unknown> | undefined) };
  for (const key of keys) delete properties[key];
  const required = Array.isArray(schema['required'])
    ? (schema['required'] as string[]).filter((key) => !keys.includes(key) && !optional.includes(key))
    : undefined;
  return { ...schema, properties, ...(required ? { required } : {}) };
}

/** Every schema the document references, by component name. */
export function componentSchemas(): Record<string, JsonSchema> {
  const hoisted: Record<string, JsonSchema> = {};
  const input = (schema: unknown, name: string) => convert(schema, 'input', name, hoisted);
  const schemas: Record<string, JsonSchema> = {
    Problem: PROBLEM,
    Filter: FILTER,
    ListOptions: LIST_OPTIONS,
    LocalizedText: input(localizedTextSchema, 'LocalizedText'),
    Stage: input(stageSchema, 'Stage'),
    StageUpdate: input(stageUpdateSchema, 'StageUpdate'),
    CostEntryInput: input(costEntryInputSchema, 'CostEntryInput'),
    QuotaInput: input(quotaInputSchema, 'QuotaInput'),
    SegmentRef: {
      oneOf: [
        { type: 'string', description: 'The id of a saved segment' },
        { type: 'object', properties: { filter: ref('Filter') }, required: ['filter'], additionalProperties: false },
      ],
    },
  };
  for (const entity of Object.values(ENTITY_SCHEMAS)) {
    schemas[entity.name] = convert(entity.record, 'output', entity.name, hoisted);
    schemas[`${entity.name}Input`] = adjusted(
      input(entity.input, `${entity.name}Input`),
      entity.managed,
      entity.defaulted,
    );
    schemas[`${entity.name}Patch`] = adjusted(input(entity.patch, `${entity.name}Patch`), entity.managed);
  }
  return { ...schemas, ...hoisted };
}
