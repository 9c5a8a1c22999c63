/**
 * Every error crmkit throws on purpose extends {@link CrmError} and carries a stable `code`, so hosts can branch on
 * `err.code` across package versions and bundling boundaries where `instanceof` may fail.
 *
 * Messages never contain record values (names, emails, phone numbers): errors end up in logs and telemetry.
 */

/** The stable codes of crmkit's errors. */
export const CrmErrorCode = {
  validation: 'CRM_VALIDATION',
  notFound: 'CRM_NOT_FOUND',
  conflict: 'CRM_CONFLICT',
  storage: 'CRM_STORAGE',
  storageQuota: 'CRM_STORAGE_QUOTA',
  storageUnavailable: 'CRM_STORAGE_UNAVAILABLE',
  upgradeBlocked: 'CRM_UPGRADE_BLOCKED',
  schemaVersion: 'CRM_SCHEMA_VERSION',
  permission: 'CRM_PERMISSION',
  stageGate: 'CRM_STAGE_GATE',
  duplicate: 'CRM_DUPLICATE',
  hasDependants: 'CRM_HAS_DEPENDANTS',
} as const;
/** A code of core's errors, or of an error a storage adapter adds ({@link AdapterErrorCode}). */
export type CrmErrorCode = (typeof CrmErrorCode)[keyof typeof CrmErrorCode] | AdapterErrorCode;
/**
 * Codes of errors only some storage adapters throw, typed here so every code stays in one union without costing
 * core's bundle: `CRM_CHANGE_LOG_GAP` (PostgreSQL: a change feed cannot resume, its changes were pruned).
 */
export type AdapterErrorCode = 'CRM_CHANGE_LOG_GAP';

/** The base class of every error crmkit throws on purpose. */
export class CrmError extends Error {
  readonly code: CrmErrorCode;

  constructor(code: CrmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem found in an input, with the path of the field it concerns. */
export interface ValidationIssue {
  /** Path from the input's root to the offending field, e.g. `['emails', 0]`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Input failed validation; nothing was written. */
export class ValidationError extends CrmError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], context?: string) {
    super(CrmErrorCode.validation, describeIssues(issues, context));
    this.issues = issues;
  }

  /** The dotted paths of every offending field, e.g. `['name', 'emails.0']`. */
  get fields(): string[] {
    return this.issues.map((issue) => formatPath(issue.path));
  }
}

/** The record asked for does not exist. */
export class NotFoundError extends CrmError {
  readonly collection: string;
  readonly id: string;

  constructor(collection: string, id: string) {
    super(CrmErrorCode.notFound, `No record ${id} in ${collection}`);
    this.collection = collection;
    this.id = id;
  }
}

/** A write was based on a version that is no longer current; it was not applied. */
export class ConflictError extends CrmError {
  readonly collection: string;
  readonly id: string;
  readonly expectedVersion: number;
  /** The version actually stored, or `undefined` when the record no longer exists. */
  readonly actualVersion: number | undefined;

  constructor(collection: string, id: string, expectedVersion: number, actualVersion: number | undefined) {
    super(
      CrmErrorCode.conflict,
      `Record ${id} in ${collection} is at version ${actualVersion ?? 'none'}, not ${expectedVersion}`,
    );
    this.collection = collection;
    this.id = id;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/**
 * A record was not deleted because other records point at it (a customer's contacts, deals, activities, tasks,
 * consents). Nothing was written. `dependants` counts them per collection; it names no record and holds no value.
 */
export class DependantsError extends CrmError {
  readonly collection: string;
  readonly id: string;
  /** How many records of each collection point at the record, e.g. `{ contacts: 2, deals: 1 }`. */
  readonly dependants: Readonly<Record<string, number>>;

  constructor(collection: string, id: string, dependants: Readonly<Record<string, number>>) {
    const counts = Object.entries(dependants)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    super(
      CrmErrorCode.hasDependants,
      `Record ${id} in ${collection} has dependants (${counts}): remove them first, or pass dependants: 'cascade'`,
    );
    this.collection = collection;
    this.id = id;
    this.dependants = dependants;
  }
}

/** The storage engine failed; the engine's own error is kept as `cause`. Subclasses name the failures hosts handle. */
export class StorageError extends CrmError {
  constructor(message: string, options?: { cause?: unknown; code?: CrmErrorCode }) {
    super(options?.code ?? CrmErrorCode.storage, message, options);
  }
}

/** The device or browser refused to store more (a full disk, an exhausted origin quota); nothing was written. */
export class StorageQuotaError extends StorageError {
  constructor(message = 'Storage quota exceeded; nothing was written', options?: { cause?: unknown }) {
    super(message, { ...options, code: CrmErrorCode.storageQuota });
  }
}

/**
 * The storage engine cannot be used here at all (IndexedDB disabled, blocked by the browser, a private window that
 * forbids it). Hosts typically fall back to the memory adapter and tell the user data will not be kept.
 */
export class StorageUnavailableError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: CrmErrorCode.storageUnavailable });
  }
}

/** A schema upgrade is waiting for another connection (another tab) to close; it did not happen. */
export class UpgradeBlockedError extends StorageError {
  constructor(message = 'The storage upgrade is blocked by another open tab', options?: { cause?: unknown }) {
    super(message, { ...options, code: CrmErrorCode.upgradeBlocked });
  }
}

/** The stored data was written by a newer schema than this code knows; it was not opened, so nothing is lost. */
export class SchemaVersionError extends StorageError {
  readonly storedVersion: number;
  readonly supportedVersion: number;

  constructor(storedVersion: number, supportedVersion: number, options?: { cause?: unknown }) {
    super(
      `Stored data has schema version ${storedVersion}, newer than ${supportedVersion}, the newest this code knows: update the application`,
      { ...options, code: CrmErrorCode.schemaVersion },
    );
    this.storedVersion = storedVersion;
    this.supportedVersion = supportedVersion;
  }
}

/** The acting user may not do this. */
export class PermissionError extends CrmError {
  readonly action: string;

  constructor(action: string, message = `Not permitted: ${action}`) {
    super(CrmErrorCode.permission, message);
    this.action = action;
  }
}

/** One condition of a stage gate that a deal failed: where it sits in the gate and the fields it reads. */
export interface FailedGateCondition {
  /** Dotted path of the failing node within `gate.conditions`, e.g. `all.1`; `(root)` for the whole condition. */
  readonly path: string;
  /** The field paths the failing condition reads, e.g. `['amount.amountMinor']`. */
  readonly fields: readonly string[];
}

/**
 * A deal may not enter a stage: it misses fields the stage's gate requires, or fails the gate's conditions. Nothing
 * was written. The error names field paths and condition paths only, never the deal's values.
 */
export class StageGateError extends CrmError {
  readonly dealId: string;
  readonly stageId: string;
  /** Required field paths the deal has not filled in, e.g. `['expectedCloseDate']`. */
  readonly missingFields: readonly string[];
  /** The gate conditions the deal fails. */
  readonly failedConditions: readonly FailedGateCondition[];

  constructor(
    dealId: string,
    stageId: string,
    missingFields: readonly string[],
    failedConditions: readonly FailedGateCondition[] = [],
  ) {
    const parts: string[] = [];
    if (missingFields.length > 0) parts.push(`missing ${missingFields.join(', ')}`);
    for (const condition of failedConditions) {
      parts.push(`fails condition ${condition.path} (${condition.fields.join(', ')})`);
    }
    super(CrmErrorCode.stageGate, `Deal ${dealId} may not enter stage ${stageId}: ${parts.join('; ')}`);
    this.dealId = dealId;
    this.stageId = stageId;
    this.missingFields = missingFields;
    this.failedConditions = failedConditions;
  }
}

/** True when `value` is a crmkit error, optionally of one code; works across bundle copies. */
export function isCrmError(value: unknown, code?: CrmErrorCode): value is CrmError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { code?: unknown };
  const known = Object.values(CrmErrorCode) as unknown[];
  return known.includes(candidate.code) && (code === undefined || candidate.code === code);
}

function formatPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

function describeIssues(issues: readonly ValidationIssue[], context?: string): string {
  const head = context ? `Invalid ${context}` : 'Invalid input';
  const details = issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
  return details ? `${head}: ${details}` : head;
}
