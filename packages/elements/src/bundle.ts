/**
 * The self-contained embed, for `<script type="module" src=".../crmkit-elements.bundle.js">` on pages without a build
 * step: Lit, every element (registered), and what a page needs of the core to run them — `createCrm`, the memory
 * storage, the error classes, the filter compiler, the built-in pipeline and money helpers. The rest of the core's
 * API (the pure analytics functions) is for pages with a build step, through `@crmkit/core`, so the embed stays small.
 */
import './define.js';

export * from './index.js';
export {
  createCrm,
  createMemoryStorage,
  CrmErrorCode,
  CrmError,
  ValidationError,
  NotFoundError,
  ConflictError,
  StorageError,
  StorageQuotaError,
  StorageUnavailableError,
  UpgradeBlockedError,
  SchemaVersionError,
  PermissionError,
  StageGateError,
  isCrmError,
  compileFilter,
  DEFAULT_PIPELINE,
  DEFAULT_PIPELINE_ID,
  formatMoney,
  fromMajor,
  toMajor,
} from '@crmkit/core';
