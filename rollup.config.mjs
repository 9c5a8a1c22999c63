// Builds every workspace package to ESM + .d.ts in its own dist/, plus one self-contained ESM bundle of the
// elements for `<script type="module">` embeds. `npm run build` runs this from a clean tree; nothing depends on a
// previous build's output, because packages import each other as externals (or, for the bundle, from source).
import { readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const TARGET = 'es2022';
const root = new URL('.', import.meta.url).pathname;

/** Entry points per package, named as their dist/ paths. Elements add one registering module per component. */
function entriesOf(dir) {
  const entries = { index: 'src/index.ts' };
  if (dir === 'core') {
    entries['testing/index'] = 'src/testing/index.ts';
    entries.csv = 'src/csv.ts';
    entries.phone = 'src/phone.ts';
  }
  // The `crmkit` command's module, which bin/crmkit.js runs.
  if (dir === 'server') entries.cli = 'src/cli/main.ts';
  if (dir === 'elements') {
    entries.define = 'src/define.ts';
    // React wrappers (`@crmkit/elements/react`); react is a peer dependency, so it stays external like lit.
    entries['react/index'] = 'src/react/index.ts';
    for (const folder of readdirSync(join(root, 'packages/elements/src'), { withFileTypes: true })) {
      if (!folder.isDirectory() || folder.name === 'internal') continue;
      const tag = `crm-${folder.name}`;
      if (existsSync(join(root, 'packages/elements/src', folder.name, `${tag}.ts`))) {
        entries[`${folder.name}/${tag}`] = `src/${folder.name}/${tag}.ts`;
      }
    }
  }
  return entries;
}

function packageConfigs(dir) {
  const base = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8'));
  const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  // External by prefix, so deep imports such as `lit/decorators.js` stay imports rather than being inlined.
  const external = (id) => id.startsWith('node:') || deps.some((dep) => id === dep || id.startsWith(`${dep}/`));
  const input = Object.fromEntries(Object.entries(entriesOf(dir)).map(([name, file]) => [name, join(base, file)]));
  rmSync(join(base, 'dist'), { recursive: true, force: true });
  return [
    {
      input,
      external,
      plugins: [esbuild({ target: TARGET, tsconfig: join(root, 'tsconfig.json'), sourceMap: true })],
      output: {
        dir: join(base, 'dist'),
        format: 'es',
        // One output file per source module: consumers' bundlers tree-shake per file, and sideEffects globs match.
        preserveModules: true,
        preserveModulesRoot: join(base, 'src'),
        sourcemap: true,
      },
    },
    {
      input,
      external,
      plugins: [dts({ tsconfig: join(root, 'tsconfig.json') })],
      output: {
        dir: join(base, 'dist'),
        format: 'es',
        entryFileNames: '[name].d.ts',
        chunkFileNames: '_chunks/[name]-[hash].d.ts',
      },
    },
  ];
}

const elements = join(root, 'packages/elements');

/** Lit, the core and every element in one minified module with no bare imports left (plus its on-demand chunks). */
const embedBundle = [
  {
    input: join(elements, 'src/bundle.ts'),
    // The page's module is the chunk itself, not a facade over a shared chunk: one request before the app runs.
    preserveEntrySignatures: 'allow-extension',
    plugins: [
      nodeResolve({
        exportConditions: ['@crmkit/source', 'browser', 'production'],
        extensions: ['.ts', '.js', '.mjs'],
      }),
      esbuild({ target: TARGET, tsconfig: join(root, 'tsconfig.json'), minify: true }),
      bundleTypes(),
    ],
    onwarn,
    output: {
      dir: join(elements, 'dist'),
      entryFileNames: 'crmkit-elements.bundle.js',
      // What the module imports only on demand sits beside it: the Chinese messages, fetched when a page switches to
      // Chinese (an English page never downloads them), and the phone rules (libphonenumber-js with its full
      // metadata), fetched when a phone number is first typed, stored or shown; and what the pipeline board's
      // "Move to…" and stage-gate dialogs hold, fetched when one first opens.
      chunkFileNames: 'crmkit-elements.[name].js',
      // Everything else stays in the one module the page imports.
      manualChunks: (id) =>
        /[\\/]locales[\\/]zh-CN/.test(id)
          ? 'zh-CN'
          : /[\\/]node_modules[\\/]libphonenumber-js[\\/]|[\\/]core[\\/]src[\\/]leads[\\/]phone\.ts$/.test(id)
            ? 'phone'
            : /[\\/]pipeline-board[\\/](move-dialogs-content|dialog-messages|move-dialogs\.styles)\.ts$/.test(id)
              ? 'board-dialogs'
              : 'bundle',
      format: 'es',
      sourcemap: true,
    },
  },
];

/**
 * The bundle's types are the package's own declarations, re-exported: a second copy of them (what rollup-plugin-dts
 * would inline) declares every tag in HTMLElementTagNameMap again with a different class, which a consumer that
 * imports the bundle and any entry gets as TS2717 unless they skip library checks.
 */
/** The core's names that src/bundle.ts re-exports, read from its one `export { … } from '@crmkit/core'`. */
function bundleCoreExports() {
  const source = readFileSync(join(elements, 'src/bundle.ts'), 'utf8');
  const list = source.match(/export \{([^}]*)\} from '@crmkit\/core'/)?.[1];
  if (!list) throw new Error("src/bundle.ts has no export { … } from '@crmkit/core'");
  return list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

function bundleTypes() {
  return {
    name: 'crmkit-bundle-types',
    generateBundle() {
      this.emitFile({
        type: 'asset',
        fileName: 'bundle.d.ts',
        source: [
          '// Types of crmkit-elements.bundle.js: the same declarations as the package entries.',
          "import './define.js';",
          "export * from './index.js';",
          // The same names as src/bundle.ts exports from the core, and every type of the core.
          `export { ${bundleCoreExports().join(', ')} } from '@crmkit/core';`,
          "export type * from '@crmkit/core';",
          '',
        ].join('\n'),
      });
    },
  };
}

/** zod's sources carry comments and a cycle that Rollup reports but handles correctly; ours must stay clean. */
function onwarn(warning, warn) {
  const inDependency = (warning.id ?? warning.ids?.[0] ?? '').includes('/node_modules/');
  if (inDependency && (warning.code === 'INVALID_ANNOTATION' || warning.code === 'CIRCULAR_DEPENDENCY')) return;
  warn(warning);
}

export default [
  ...['core', 'storage-conformance', 'storage-dexie', 'storage-postgres', 'client', 'server', 'elements'].flatMap(
    packageConfigs,
  ),
  ...embedBundle,
];
