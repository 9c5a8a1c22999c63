/**
 * Failures as `application/problem+json` (RFC 9457). Each carries the error's stable `code` beside the standard
 * members, and the error's own structured data where it has some (validation issues, conflicting versions, a stage
 * gate's missing fields, dependants counts). The `detail` is the error's message only where core writes that
 * message itself from paths, codes and versions, never from entered values; everything else gets a fixed sentence.
 * Unexpected errors become a generic 500: never a stack, never a message that could hold personal data.
 *
 * @module
 */
import { HttpError, ServerErrorCode } from './errors.js';
import { storedJson, type StoredResponse } from './responses.js';

/** Where problem types live: `https://crmkit.dev/problems/conflict`, `…/validation`, … */
export const PROBLEM_TYPE_BASE = 'https://crmkit.dev/problems/';

/** A problem document as the server sends it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly issues?: readonly { readonly path: readonly (string | number)[]; readonly message: string }[];
  readonly [member: string]: unknown;
}

/** What a code answers with. `message: true` sends the error's own message as `detail`. */
interface Mapping {
  readonly status: number;
  readonly title: string;
  readonly message?: true;
  readonly detail?: string;
  /** The error's own members to copy into the problem. */
  readonly members?: readonly string[];
}

const UNAVAILABLE = 'The storage is not available now; try again later';

/** Core's codes (and the PostgreSQL adapter's) and what each answers with. */
const MAPPINGS: Readonly<Record<string, Mapping>> = {
  CRM_VALIDATION: { status: 400, title: 'Invalid input', message: true },
  CRM_PERMISSION: { status: 403, title: 'Not permitted', message: true, members: ['action'] },
  CRM_NOT_FOUND: { status: 404, title: 'Not found', message: true, members: ['collection', 'id'] },
  CRM_CONFLICT: {
    status: 409,
    title: 'Version conflict',
    message: true,
    members: ['collection', 'id', 'expectedVersion', 'actualVersion'],
  },
  CRM_DUPLICATE: { status: 409, title: 'Duplicate', message: true, members: ['matches'] },
  CRM_HAS_DEPENDANTS: {
    status: 409,
    title: 'Has dependants',
    message: true,
    members: ['collection', 'id', 'dependants'],
  },
  CRM_STAGE_GATE: {
    status: 422,
    title: 'Stage gate not met',
    message: true,
    members: ['dealId', 'stageId', 'missingFields', 'failedConditions'],
  },
  CRM_SCHEMA_VERSION: {
    status: 503,
    title: 'Schema version not supported',
    message: true,
    members: ['storedVersion', 'supportedVersion'],
  },
  // Adapters write these messages, possibly from the engine's own text: a fixed sentence instead.
  CRM_STORAGE_UNAVAILABLE: { status: 503, title: 'Storage unavailable', detail: UNAVAILABLE },
  CRM_UPGRADE_BLOCKED: { status: 503, title: 'Storage upgrade blocked', detail: UNAVAILABLE },
  CRM_CHANGE_LOG_GAP: { status: 503, title: 'Change log gap', detail: UNAVAILABLE },
  CRM_STORAGE_QUOTA: {
    status: 507,
    title: 'Storage full',
    detail: 'The storage refused to store more; nothing was written',
  },
  CRM_STORAGE: { status: 500, title: 'Storage failure', detail: 'The storage failed; nothing more is known here' },
};

const TITLES: Readonly<Record<ServerErrorCode, string>> = {
  CRM_UNAUTHENTICATED: 'Not authenticated',
  CRM_ROUTE_NOT_FOUND: 'No such route',
  CRM_METHOD_NOT_ALLOWED: 'Method not allowed',
  CRM_UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  CRM_PAYLOAD_TOO_LARGE: 'Body too large',
  CRM_ORIGIN_NOT_ALLOWED: 'Origin not allowed',
  CRM_RATE_LIMITED: 'Too many requests',
  CRM_IDEMPOTENCY_MISMATCH: 'Idempotency key reused',
  CRM_SERVER_CLOSED: 'Server closed',
  CRM_INTERNAL: 'Internal error',
};

const INTERNAL_DETAIL = 'The server could not complete the request';

/** What the request was, as far as the answer to a failure depends on it. */
export interface ProblemContext {
  /** The request carried `If-Match` to a route with a write guard: a stale version is then 412, not 409. */
  readonly ifMatch: boolean;
}

/** The problem for `error`, and whether it was unexpected (the host's `onError` hears of those). */
export function problemOf(error: unknown, context: ProblemContext): { problem: Problem; unexpected: boolean } {
  if (error instanceof HttpError) {
    const unexpected = error.code === ServerErrorCode.internal;
    return {
      problem: base(error.code, error.status, TITLES[error.code], unexpected ? INTERNAL_DETAIL : error.message),
      unexpected,
    };
  }
  const code = crmCode(error);
  const mapping = code === undefined ? undefined : MAPPINGS[code];
  if (code === undefined || mapping === undefined) {
    return { problem: base(ServerErrorCode.internal, 500, TITLES.CRM_INTERNAL, INTERNAL_DETAIL), unexpected: true };
  }
  const source = error as Record<string, unknown> & Error;
  const status = code === 'CRM_CONFLICT' && context.ifMatch ? 412 : mapping.status;
  const detail = mapping.message ? String(source.message) : (mapping.detail ?? INTERNAL_DETAIL);
  const members: Record<string, unknown> = {};
  for (const name of mapping.members ?? []) {
    // An absent stored version (the record is gone) is sent as null, so the member is always there.
    members[name] = source[name] === undefined ? null : plain(source[name]);
  }
  if (code === 'CRM_VALIDATION') members['issues'] = issuesOf(source['issues']);
  return { problem: { ...base(code, status, mapping.title, detail), ...members }, unexpected: code === 'CRM_STORAGE' };
}

/** The problem as a stored response: `application/problem+json`, with the error's own headers (`Allow`, …). */
export function problemResponse(problem: Problem, headers: Readonly<Record<string, string>> = {}): StoredResponse {
  return storedJson(problem.status, problem, Object.entries(headers), 'application/problem+json; charset=utf-8');
}

/** The `code` of a crmkit error (core's or an adapter's), recognised across bundle copies where `instanceof` fails. */
function crmCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('CRM_') ? code : undefined;
}

function base(code: string, status: number, title: string, detail: string): Problem {
  return {
    type: PROBLEM_TYPE_BASE + code.replace(/^CRM_/, '').toLowerCase().replaceAll('_', '-'),
    title,
    status,
    code,
    detail,
  };
}

/** Validation issues as plain `{ path, message }`s: nothing else an issue may carry leaves the server. */
function issuesOf(value: unknown): { path: (string | number)[]; message: string }[] {
  if (!Array.isArray(value)) return [];
  return value.map((issue: { path?: unknown; message?: unknown }) => ({
    path: Array.isArray(issue.path)
      ? issue.path.map((key: unknown) => (typeof key === 'number' ? key : String(key)))
      : [],
    message: String(issue.message),
  }));
}

/** A JSON copy of an error's member (arrays and records of plain data). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
