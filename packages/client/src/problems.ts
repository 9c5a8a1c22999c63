/**
 * Failures as core's typed errors: a `application/problem+json` answer becomes the error the service threw on the
 * server (same class, same `code`, same structured fields), so a host, or an element, handles a remote failure exactly
 * as a local one. Messages are rebuilt by the error classes from ids, collection names and field paths: the server's
 * `detail` and any other text of the answer never reach a message.
 */
import {
  ConflictError,
  type CrmError,
  CrmErrorCode,
  DependantsError,
  DuplicateError,
  NotFoundError,
  PermissionError,
  SchemaVersionError,
  StageGateError,
  StorageError,
  StorageQuotaError,
  StorageUnavailableError,
  UpgradeBlockedError,
  ValidationError,
  type DuplicateMatch,
  type FailedGateCondition,
  type ValidationIssue,
} from '@crmkit/core';
import { isObject } from './requests.js';

type Problem = Readonly<Record<string, unknown>>;

const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
const whole = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;

/** The issues of a validation problem that have the shape of one; the others are dropped. */
function issuesOf(value: unknown): ValidationIssue[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((issue): ValidationIssue[] => {
    if (!isObject(issue) || !Array.isArray(issue['path']) || typeof issue['message'] !== 'string') return [];
    const path = (issue['path'] as unknown[]).filter(
      (key): key is string | number => typeof key === 'string' || typeof key === 'number',
    );
    return [{ path, message: issue['message'] }];
  });
}

function failedConditionsOf(value: unknown): FailedGateCondition[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): FailedGateCondition[] =>
    isObject(item) && typeof item['path'] === 'string' ? [{ path: item['path'], fields: strings(item['fields']) }] : [],
  );
}

function dependantsOf(value: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  if (isObject(value)) {
    for (const [collection, count] of Object.entries(value)) {
      const n = whole(count);
      if (n !== undefined) counts[collection] = n;
    }
  }
  return counts;
}

/** Duplicate matches name kinds, ids, rules, field names and scores only (never a matched value). */
function matchesOf(value: unknown): DuplicateMatch[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (match): match is DuplicateMatch =>
      isObject(match) && typeof match['kind'] === 'string' && typeof match['id'] === 'string',
  );
}

/** The error a problem with a known `code` stands for, or `undefined` for a code this client does not know. */
function byCode(code: string, problem: Problem, status: number): CrmError | undefined {
  switch (code) {
    case CrmErrorCode.validation:
      return new ValidationError(issuesOf(problem['issues']), text(problem['context'], 'request'));
    case CrmErrorCode.notFound:
      return new NotFoundError(text(problem['collection'], 'records'), text(problem['id']));
    case CrmErrorCode.conflict:
      return new ConflictError(
        text(problem['collection'], 'records'),
        text(problem['id']),
        whole(problem['expectedVersion']) ?? 0,
        whole(problem['actualVersion']),
      );
    case CrmErrorCode.hasDependants:
      return new DependantsError(
        text(problem['collection'], 'records'),
        text(problem['id']),
        dependantsOf(problem['dependants']),
      );
    case CrmErrorCode.permission:
      return new PermissionError(text(problem['action'], 'request'));
    case CrmErrorCode.stageGate:
      return new StageGateError(
        text(problem['dealId']),
        text(problem['stageId']),
        strings(problem['missingFields']),
        failedConditionsOf(problem['failedConditions']),
      );
    case CrmErrorCode.duplicate:
      return new DuplicateError(matchesOf(problem['matches']));
    case CrmErrorCode.storageQuota:
      return new StorageQuotaError();
    case CrmErrorCode.storageUnavailable:
      return new StorageUnavailableError(`The CRM server's storage is unavailable (HTTP ${status})`);
    case CrmErrorCode.upgradeBlocked:
      return new UpgradeBlockedError();
    case CrmErrorCode.schemaVersion:
      return new SchemaVersionError(whole(problem['storedVersion']) ?? 0, whole(problem['supportedVersion']) ?? 0);
    case CrmErrorCode.storage:
    case 'CRM_CHANGE_LOG_GAP':
      return new StorageError(`The CRM server's storage failed (HTTP ${status})`, { code });
    default:
      return undefined;
  }
}

/**
 * The typed error of a failed answer: by the problem's `code` (core's codes keep their class and code); the server's
 * own codes and answers without a known code (a proxy's page, an older server) by the status. `request` names the
 * route (`PATCH /deals/{id}`), never the ids in its path.
 */
export function errorFromProblem(status: number, body: unknown, request: string): CrmError {
  const problem = isObject(body) ? body : {};
  const code = problem['code'];
  const known = typeof code === 'string' ? byCode(code, problem, status) : undefined;
  if (known) return known;
  if (status === 401) {
    return new PermissionError(
      'authenticate',
      `Not authenticated: the CRM server refused the credentials (${request})`,
    );
  }
  if (status === 403) return new PermissionError(request);
  if (status === 413) {
    return new ValidationError([{ path: [], message: 'Larger than the CRM server accepts' }], 'request');
  }
  if (status === 408 || status === 429 || status === 502 || status === 503 || status === 504) {
    return new StorageUnavailableError(`The CRM server is unavailable (HTTP ${status} to ${request})`);
  }
  return new StorageError(`The CRM server answered HTTP ${status} to ${request}`);
}

/** A request that got no answer at all: offline, refused, reset, blocked by CORS. */
export function networkError(cause: unknown, request: string): StorageUnavailableError {
  return new StorageUnavailableError(`The CRM server cannot be reached (${request})`, { cause });
}

/** An answer that is not what the protocol promises (malformed JSON, say). */
export function protocolError(request: string, cause?: unknown): StorageError {
  return new StorageError(`The CRM server's answer to ${request} is not valid JSON`, { cause });
}
