import type { ConformanceCase, HarnessFactory } from './harness.js';
import { changeCases } from './cases/changes.js';
import { crudCases } from './cases/crud.js';
import { indexCases } from './cases/indexes.js';
import { matchCases } from './cases/match.js';
import { modelCases } from './cases/model.js';
import { queryCases } from './cases/query.js';
import { snapshotCases } from './cases/snapshot.js';
import { transactionCases } from './cases/transactions.js';

/** The collections the suite writes to; an adapter with a fixed schema must provide them. */
export const CONFORMANCE_COLLECTIONS = ['customers', 'deals', 'tasks'] as const;

/** Every case of the suite, in a stable order. */
export const storageConformanceCases: readonly ConformanceCase[] = [
  ...crudCases,
  ...transactionCases,
  ...queryCases,
  ...matchCases,
  ...indexCases,
  ...changeCases,
  ...snapshotCases,
  ...modelCases,
];

/** The part of a test runner the suite needs: `node:test`'s `test`, Mocha's `it`, Vitest's `test` all fit. */
export type TestFunction = (name: string, fn: () => Promise<void>) => unknown;

/**
 * Registers every conformance case with a test runner. An adapter's test file is one call:
 *
 * ```ts
 * runStorageConformance({ test, createHarness: async ({ now }) => ({ storage: createX({ now }), raw }) });
 * ```
 */
export function runStorageConformance(options: { test: TestFunction; createHarness: HarnessFactory }): void {
  for (const conformanceCase of storageConformanceCases) {
    options.test(conformanceCase.name, () => conformanceCase.run(options.createHarness));
  }
}
