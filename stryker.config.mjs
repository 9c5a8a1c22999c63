// @ts-check
/**
 * Mutation testing of the pure domain modules of @crmkit/core (`npm run test:mutation`; not part of CI: it is slow).
 * See docs/testing.md for the scores, how to run one module and the survivors that cannot change a result.
 *
 * Each test file is one process (the tap runner over node:test, TypeScript through tsx), and per-test coverage means a
 * mutant runs only the files that reached it. The tests import `@crmkit/core` by name: inside the sandbox that name
 * resolves to the sandbox's own packages/core (a package importing its own name, through its `@crmkit/source` export), never
 * to the workspace symlink in node_modules, so the mutated sources are the ones tested.
 */

/** Mutated modules, each at a mutation score of at least 85 % (docs/testing.md). */
const mutate = [
  'filter/compile.ts',
  'filter/values.ts',
  'funnel/gate.ts',
  'funnel/analytics.ts',
  'funnel/analytics-passes.ts',
  'funnel/analytics-views.ts',
  'leads/dedupe.ts',
].map((file) => `packages/core/src/${file}`);

/** Test files of the pure modules (service tests are left out: they are slow and pin little of the maths). */
const testFiles = [
  'filter',
  'filter-edges',
  'filter-properties',
  'funnel-analytics',
  'funnel-forecast-calendar',
  'funnel-gate',
  'funnel-properties',
  'funnel-report-edges',
  'funnel-rotting',
  'leads-assignment',
  'leads-dedupe',
  'leads-merge',
  'leads-normalise',
  'leads-scoring',
  'leads-sla',
].map((name) => `packages/core/test/${name}.test.ts`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  mutate,
  tap: {
    testFiles,
    nodeArgs: [
      '--conditions=@crmkit/source',
      '--import',
      'tsx',
      '--test-reporter=tap',
      '-r',
      '{{hookFile}}',
      '{{testFile}}',
    ],
  },
  coverageAnalysis: 'perTest',
  // Only the core package and the files its tests need are copied into the sandbox.
  ignorePatterns: [
    '/*',
    '!/package.json',
    '!/tsconfig.json',
    '!/packages',
    '/packages/*',
    '!/packages/core',
    '/packages/core/dist',
  ],
  concurrency: 2,
  timeoutMS: 5000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
};
