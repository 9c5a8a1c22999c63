/**
 * The framework-agnostic domain core of crmkit. It imports no DOM, no Lit and no adapter, so it runs unchanged in a
 * browser, a worker, Node or a serverless function.
 *
 * @packageDocumentation
 * @module @crmkit/core
 */
export {
  CrmError,
  CrmErrorCode,
  ValidationError,
  NotFoundError,
  ConflictError,
  StorageError,
  PermissionError,
  isCrmError,
} from './errors/errors.js';
export type { ValidationIssue } from './errors/errors.js';
export { parseOrThrow, toValidationIssues } from './errors/parse.js';

export {
  money,
  moneySchema,
  currencyCodeSchema,
  currencyDigits,
  fromMajor,
  toMajor,
  addMoney,
  formatMoney,
} from './money/money.js';
export type { Money } from './money/money.js';

export type {
  StoragePort,
  StorageOptions,
  StoredRecord,
  RecordInput,
  RecordMeta,
  PutOptions,
  DeleteOptions,
  QueryOptions,
} from './storage/port.js';
export { stampWrite } from './storage/stamp.js';
export { createMemoryStorage } from './storage/memory.js';
export type { MemoryStorageOptions, MemoryData } from './storage/memory.js';
