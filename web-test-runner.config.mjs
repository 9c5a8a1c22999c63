// Browser tests: elements and IndexedDB run in headless Chromium, importing packages by name through their
// `@crmkit/source` export condition, so no build is needed first and no stale dist/ is ever tested.
import { fileURLToPath } from 'node:url';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { countReporter } from './scripts/wtr-count-reporter.mjs';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';
import { reactAsEsm } from './scripts/wtr-react.mjs';
import { crmServer } from './scripts/wtr-crm-server.mjs';

// The CRM server of the `remote` group (scripts/wtr-crm-server.mjs): createCrmHandler in this process.
const crm = crmServer();

/**
 * The element tests that also run against a remote CRM (packages/elements/test/crm-under-test.ts): their `remote`
 * group runs them again with `createRemoteCrm` over HTTP. With `--files` on the command line, the group runs those
 * files instead, so a focused run still tries both CRMs (`--group default` or `--group remote` picks one).
 */
const REMOTE_FILES = [
  'packages/elements/test/pipeline-board*.test.ts',
  'packages/elements/test/customer-360*.test.ts',
  'packages/elements/test/lead-form*.test.ts',
  'packages/elements/test/lead-convert.test.ts',
  // Local only. The loader's property test feeds loadBoard the change batches a write made as soon as `settled()`
  // resolves, which a remote CRM's change stream delivers later; the elements' live tests cover the stream.
  '!packages/elements/test/pipeline-board-load.test.ts',
  // Local only: its loading state comes from a storage whose deal queries never answer.
  '!packages/elements/test/pipeline-board-layout.test.ts',
];
const filesFromCli = process.argv.some((arg) => arg === '--files' || arg.startsWith('--files='));

/** The test page of the `remote` group: the flag crm-under-test.ts reads, then the test framework. */
const remotePage = (testFramework) =>
  `<!DOCTYPE html><html><head><script>window.__CRMKIT_TEST_CRM__ = 'remote';</script></head>` +
  `<body><script type="module" src="${testFramework}"></script></body></html>`;

export default {
  files: [
    'packages/*/test/**/*.test.ts',
    '!packages/core/test/**',
    '!packages/storage-conformance/test/**',
    '!packages/storage-postgres/test/**',
    '!packages/client/test/**',
    '!packages/server/test/**',
  ],
  groups: [{ name: 'remote', ...(filesFromCli ? {} : { files: REMOTE_FILES }), testRunnerHtml: remotePage }],
  middleware: [crm.middleware],
  nodeResolve: { exportConditions: ['@crmkit/source', 'browser', 'development'] },
  // Two cores: more parallel browser pages only contend with each other.
  concurrency: 2,
  testFramework: { config: { timeout: 10000 } },
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: chromiumPath(),
        headless: true,
        args: chromiumArgs,
      },
    }),
  ],
  plugins: [
    crm.plugin,
    // `executeServerCommand('throttle-cpu', { rate })`: a test runs its page as on a slow device (DevTools CPU
    // throttling; rate 1 ends it), to show that what it waits for is an event, never a length of time.
    {
      name: 'throttle-cpu',
      async executeCommand({ command, payload, session }) {
        if (command !== 'throttle-cpu') return undefined;
        const rate = Number(payload?.rate ?? 1);
        await session.browser.getPage(session.id).emulateCPUThrottling(rate > 1 ? rate : null);
        return true;
      },
    },
    // React is CommonJS only: served as ES modules for the React wrappers' test (@crmkit/elements/react).
    reactAsEsm(import.meta.url),
    // `dexie`'s main entry is a UMD wrapper that fails as an ES module; its .mjs build is the real ES module.
    {
      name: 'dexie-esm',
      resolveImport({ source }) {
        if (source === 'dexie') return '/node_modules/dexie/dist/dexie.mjs';
        return undefined;
      },
    },
    // The esbuild plugin reads this tsconfig raw (no `extends`), which is why the root tsconfig holds every setting.
    esbuildPlugin({ ts: true, tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }),
  ],
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countReporter(process.env.CRMKIT_COUNT_FILE)],
};
