/**
 * The conformance suite every crmkit storage adapter must pass, published so third parties can test their own.
 * Cases are data (`{ name, run }`), so Node's test runner, Mocha, Vitest or anything else can register them.
 *
 * @packageDocumentation
 * @module @crmkit/storage-conformance
 */
export { runStorageConformance, storageConformanceCases } from './suite.js';
export type { ConformanceCase, HarnessFactory, RawAccess, StorageHarness, TestFunction } from './suite.js';
export { ConformanceFailure, canonicalJson, expectEqual, expectRejects, expectTrue } from './expect.js';
