/**
 * `GET /openapi.json`: an OpenAPI 3.1 document generated from the route table, so it lists exactly what the handler
 * serves: every route with its path parameters, `q`, `If-Match` (write guards), `Idempotency-Key` (POST), its body
 * (core's schemas where it exports them), its answers with `ETag`, and `application/problem+json` failures; plus the
 * server's own `/session`, `/changes`, `/health` and `/openapi.json`.
 *
 * @module
 */
import { ROUTES, type Route } from '@crmkit/client';
import { bodyFields, GUARD_OPTIONS_FIELD, guardOptionsIn, takesQuery } from './arguments.js';
import { componentSchemas, ENTITY_SCHEMAS, ref, type JsonSchema } from './openapi-schemas.js';
import type { OpenApiOptions } from './options.js';
import { routeSegments } from './routing.js';

/** An OpenAPI document as plain data. */
export type OpenApiDocument = Record<string, unknown>;

const JSON_TYPE = 'application/json';
const PROBLEM_TYPE = 'application/problem+json';
const ANY: JsonSchema = {};
const OBJECT: JsonSchema = { type: 'object' };
const STRING: JsonSchema = { type: 'string' };

/**
 * Builds the document for a handler mounted at `basePath`; `webToLead` adds the public form endpoint (one path for
 * every form: the keys are the host's, and the document does not list them).
 */
export function createOpenApiDocument(
  options: { basePath?: string; openApi?: OpenApiOptions; webToLead?: boolean } = {},
): OpenApiDocument {
  const info = options.openApi ?? {};
  const paths: Record<string, Record<string, unknown>> = {};
  const add = (path: string, verb: string, operation: unknown) => {
    (paths[path] ??= {})[verb.toLowerCase()] = operation;
  };
  for (const route of ROUTES) add(route.path, route.verb, operationOf(route));
  for (const [path, operation] of Object.entries(serverOperations(info.security !== undefined)))
    add(path, 'GET', operation);
  if (options.webToLead) add('/public/leads/{formKey}', 'POST', webToLeadOperation(info.security !== undefined));
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'crmkit',
      version: info.version ?? '1',
      ...(info.description === undefined ? {} : { description: info.description }),
    },
    servers: info.servers ?? [{ url: options.basePath || '/' }],
    ...(info.security ? { security: info.security } : {}),
    paths,
    components: {
      schemas: componentSchemas(),
      responses: { Problem: problemResponse('A failure: see `code`') },
      headers: {
        ETag: {
          description: 'The record’s version, `"n"`, on an answer holding one record: send it back as If-Match',
          schema: STRING,
        },
      },
      parameters: {
        IfMatch: {
          name: 'If-Match',
          in: 'header',
          description: 'The write guard: `"n"`, the version last read (a stale one answers 412), or `*` to force',
          schema: { type: 'string', pattern: '^(\\*|"[0-9]+")$' },
        },
        IfNoneMatch: {
          name: 'If-None-Match',
          in: 'header',
          description: 'The ETag held: 304 when the record is still at that version',
          schema: STRING,
        },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          description: 'The same key from the same actor within a day answers the first response again',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
      ...(info.securitySchemes ? { securitySchemes: info.securitySchemes } : {}),
    },
  };
}

function operationOf(route: Route): Record<string, unknown> {
  const service = route.service === '' ? 'crm' : route.service;
  const parameters: unknown[] = routeSegments(route.path).flatMap((segment) =>
    'param' in segment ? [{ name: segment.param, in: 'path', required: true, schema: STRING }] : [],
  );
  if (takesQuery(route)) {
    parameters.push({
      name: 'q',
      in: 'query',
      description: guardOptionsIn(route) === 'query' ? 'The guard’s other options, as JSON' : 'The options, as JSON',
      content: { [JSON_TYPE]: { schema: querySchema(route) } },
    });
  }
  const guarded = route.args.some((arg) => 'guard' in arg);
  if (guarded) parameters.push({ $ref: '#/components/parameters/IfMatch' });
  if (route.verb === 'POST') parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  if (route.method === 'get' && route.verb === 'GET') parameters.push({ $ref: '#/components/parameters/IfNoneMatch' });

  const responses: Record<string, unknown> = {};
  if (route.status === 204) {
    responses['204'] = { description: 'Done' };
  } else {
    responses[String(route.status)] = {
      description: route.status === 201 ? 'Created' : 'The result',
      headers: { ETag: { $ref: '#/components/headers/ETag' } },
      content: { [JSON_TYPE]: { schema: resultSchema(route) } },
    };
  }
  if (route.method === 'get' && route.verb === 'GET') responses['304'] = { description: 'Not modified' };
  const failures = ['400', '401', '403', '404'];
  if (route.verb !== 'GET') failures.push('409', '413', '415', '422');
  if (guarded) failures.push('412');
  for (const status of failures.sort()) responses[status] = { $ref: '#/components/responses/Problem' };
  responses['default'] = { $ref: '#/components/responses/Problem' };

  const body = requestBody(route);
  return {
    operationId: `${service}.${route.method}`,
    tags: [service],
    summary: `${service}.${route.method}`,
    parameters,
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

function requestBody(route: Route): Record<string, unknown> | undefined {
  const whole = route.args.find((arg): arg is { readonly body: true } => 'body' in arg);
  if (whole) {
    return { required: false, content: { [JSON_TYPE]: { schema: wholeBodySchema(route) } } };
  }
  const fields = bodyFields(route) ?? [];
  if (fields.length === 0) return undefined;
  const properties: Record<string, JsonSchema> = {};
  for (const name of fields) {
    properties[name] =
      name === GUARD_OPTIONS_FIELD && !route.args.some((arg) => 'field' in arg && arg.field === name)
        ? { type: 'object', description: 'The write guard’s other options (its version travels as If-Match)' }
        : fieldSchema(route, name);
  }
  return {
    required: false,
    content: { [JSON_TYPE]: { schema: { type: 'object', properties, additionalProperties: false } } },
  };
}

function wholeBodySchema(route: Route): JsonSchema {
  const entity = ENTITY_SCHEMAS[route.service];
  if (entity && route.method === 'create') return ref(`${entity.name}Input`);
  if (entity && route.method === 'update') return ref(`${entity.name}Patch`);
  switch (`${route.service}.${route.method}`) {
    case 'activities.log':
      return ref('ActivityInput');
    case 'pipelines.updateStage':
      return ref('StageUpdate');
    case 'reports.addCost':
      return ref('CostEntryInput');
    case 'reports.setQuota':
      return ref('QuotaInput');
    case 'leads.rescoreAll':
      return { type: 'object', properties: { where: ref('Filter') }, additionalProperties: false };
    case 'leads.findDuplicates':
      return { oneOf: [{ type: 'string', description: 'A stored lead’s id' }, OBJECT] };
    default:
      return OBJECT;
  }
}

function fieldSchema(route: Route, name: string): JsonSchema {
  const key = `${route.service}.${route.method}.${name}`;
  if (key === 'leads.capture.input') return ref('LeadInput');
  if (key === 'pipelines.addStage.stage') return ref('Stage');
  if (key === 'pipelines.rename.name') return ref('LocalizedText');
  if (name === 'segment') return ref('SegmentRef');
  if (name === 'segments') return { type: 'array', items: ref('SegmentRef') };
  if (name === 'ids' || name === 'stageIds') return { type: 'array', items: STRING };
  if (key === 'customers.setLifecycleStage.stage') return STRING;
  if (name === 'options') return OBJECT;
  return ['stageId', 'otherId', 'customerId', 'until', 'currency'].includes(name) ? STRING : ANY;
}

function querySchema(route: Route): JsonSchema {
  if (guardOptionsIn(route) === 'query') return { type: 'object', description: 'e.g. { "dependants": "cascade" }' };
  if (route.method === 'list') return ref('ListOptions');
  if (route.method === 'count') return ref('Filter');
  return OBJECT;
}

function resultSchema(route: Route): JsonSchema {
  const entity = ENTITY_SCHEMAS[route.service];
  if (entity && ['get', 'create', 'update'].includes(route.method)) return ref(entity.name);
  if (entity && route.method === 'list') {
    return {
      type: 'object',
      properties: { records: { type: 'array', items: ref(entity.name) }, next: STRING },
      required: ['records'],
    };
  }
  if (route.method === 'count') return { type: 'integer', minimum: 0 };
  return ANY;
}

function problemResponse(description: string): Record<string, unknown> {
  return { description, content: { [PROBLEM_TYPE]: { schema: ref('Problem') } } };
}

/** `POST /public/leads/{formKey}`: a public form post, without authentication. */
function webToLeadOperation(secured: boolean): Record<string, unknown> {
  const fields: JsonSchema = {
    type: 'object',
    description:
      'The form’s fields (name, company, email, phone, country, territory, industry, language, message: those the ' +
      'form takes), consent (the purposes ticked) and the honeypot field, if any',
    additionalProperties: STRING,
  };
  const problem = { $ref: '#/components/responses/Problem' };
  return {
    operationId: 'webToLead',
    tags: ['public'],
    summary: 'A web form’s lead, captured as the form’s owner',
    ...(secured ? { security: [] } : {}),
    parameters: [{ name: 'formKey', in: 'path', required: true, schema: STRING }],
    requestBody: {
      required: true,
      content: { [JSON_TYPE]: { schema: fields }, 'application/x-www-form-urlencoded': { schema: fields } },
    },
    responses: {
      '202': {
        description: 'Accepted: nothing tells a captured lead from a duplicate or a bot’s post',
        content: { [JSON_TYPE]: { schema: { type: 'object', properties: { receipt: STRING } } } },
      },
      '303': { description: 'Accepted, for a plain HTML form with a thank-you page' },
      ...Object.fromEntries(['400', '403', '404', '413', '415', '429'].map((status) => [status, problem])),
      default: problem,
    },
  };
}

/** The server's own routes. `open`: the document has `security`, which these two do not need. */
function serverOperations(secured: boolean): Record<string, Record<string, unknown>> {
  const open = secured ? { security: [] } : {};
  const failures = {
    '401': { $ref: '#/components/responses/Problem' },
    default: { $ref: '#/components/responses/Problem' },
  };
  return {
    '/session': {
      operationId: 'session',
      tags: ['server'],
      summary: 'Who the server acts for, and the CRM’s settings',
      responses: {
        '200': {
          description: 'The session',
          content: {
            [JSON_TYPE]: {
              schema: {
                type: 'object',
                properties: {
                  actor: {
                    type: 'object',
                    properties: { id: STRING, role: { enum: ['admin', 'manager', 'rep', 'viewer'] } },
                  },
                  timeZone: STRING,
                  currency: STRING,
                  defaultRegion: STRING,
                  exchangeRates: OBJECT,
                  lostReasons: { type: 'array', items: STRING },
                  changes: {
                    type: 'object',
                    description:
                      'Following GET /changes: `position`, the change log’s position now (send it as Last-Event-ID ' +
                      'when the stream first opens); `heartbeatMs`, the interval of its heartbeat comments',
                    properties: { position: STRING, heartbeatMs: { type: 'integer' } },
                  },
                },
                required: ['actor', 'timeZone', 'currency', 'lostReasons'],
              },
            },
          },
        },
        ...failures,
      },
    },
    '/changes': {
      operationId: 'changes',
      tags: ['server'],
      summary: 'Live changes the actor may see, as server-sent events (change, reset)',
      parameters: [
        { name: 'Last-Event-ID', in: 'header', description: 'The id of the last event received', schema: STRING },
      ],
      responses: {
        '200': {
          description:
            '`event: change` with `id:` a resume position and `data:` [{ collection, id, type, version? }]; ' +
            '`event: reset` when the position cannot be resumed (re-read what is shown); `:` heartbeats',
          content: { 'text/event-stream': { schema: STRING } },
        },
        ...failures,
      },
    },
    '/health': {
      operationId: 'health',
      tags: ['server'],
      summary: 'Liveness, without authentication',
      ...open,
      responses: {
        '200': {
          description: 'Up',
          content: { [JSON_TYPE]: { schema: { type: 'object', properties: { status: { const: 'ok' } } } } },
        },
      },
    },
    '/openapi.json': {
      operationId: 'openapi',
      tags: ['server'],
      summary: 'This document, without authentication',
      ...open,
      responses: { '200': { description: 'The OpenAPI document', content: { [JSON_TYPE]: { schema: OBJECT } } } },
    },
  };
}
