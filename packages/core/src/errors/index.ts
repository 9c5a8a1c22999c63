/**
 * Typed errors with stable codes, zod issues turned into `ValidationError`, and suggestions for unknown keys.
 *
 * @module
 */
export {
  CrmError,
  CrmErrorCode,
  ValidationError,
  NotFoundError,
  ConflictError,
  DependantsError,
  StorageError,
  StorageQuotaError,
  StorageUnavailableError,
  UpgradeBlockedError,
  SchemaVersionError,
  PermissionError,
  isCrmError,
} from './errors.js';
export type { AdapterErrorCode, ValidationIssue } from './errors.js';
export { StageGateError } from './errors.js';
export type { FailedGateCondition } from './errors.js';
export { parseOrThrow, toValidationIssues } from './parse.js';
export { editDistance, suggestKey, suggestionThreshold, unknownKeyMessage } from './suggest.js';
