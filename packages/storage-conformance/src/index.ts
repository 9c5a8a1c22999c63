/**
 * The conformance suite every crmkit storage adapter must pass, published so third parties can test their own.
 * Cases are data (`{ name, run }`), so Node's test runner, Mocha, Vitest or anything else can register them.
 *
 * @packageDocumentation
 * @module @crmkit/storage-conformance
 */
export { runStorageConformance, storageConformanceCases, CONFORMANCE_COLLECTIONS } from './suite.js';
export type { TestFunction } from './suite.js';
export { steppingClock, withHarness, rawState } from './harness.js';
export type { ConformanceCase, HarnessFactory, RawAccess, StorageHarness } from './harness.js';
export { filterArbitrary, orderByArbitrary, recordArbitrary, recordsArbitrary } from './arbitraries.js';
export { ConformanceFailure, canonicalJson, expectEqual, expectRejects, expectTrue } from './expect.js';
