// React ships CommonJS only, and the browser test runner serves ES modules. This plugin serves `react`,
// `react-dom`, `react-dom/client` and `react/jsx-runtime` as ES modules bundled by esbuild in one build with code
// splitting, so every one of them shares a single copy of React (two copies would break hooks). Each module exports
// what the CommonJS module exports, by name and as `default`.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const PREFIX = '/__react-esm__/';
/** Bare specifier → the file it is served as under PREFIX. */
const MODULES = {
  react: 'react.js',
  'react/jsx-runtime': 'react-jsx-runtime.js',
  'react-dom': 'react-dom.js',
  'react-dom/client': 'react-dom-client.js',
};

/**
 * An ES module re-exporting a CommonJS module's exports by name. The names are read by loading the module in a child
 * Node process: React's development build inspects `console` when loaded, which the runner's own console refuses.
 */
function facade(specifier, root) {
  const script = 'process.stdout.write(JSON.stringify(Object.keys(require(process.argv[1]))))';
  const resolved = createRequire(root).resolve(specifier);
  const keys = JSON.parse(execFileSync(process.execPath, ['-e', script, resolved], { encoding: 'utf8' }));
  const names = keys.filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
  return [
    `import m from ${JSON.stringify(specifier)};`,
    'export default m;',
    names.length > 0 ? `export const { ${names.join(', ')} } = m;` : '',
  ].join('\n');
}

async function bundle(root) {
  const result = await build({
    entryPoints: Object.fromEntries(
      Object.entries(MODULES).map(([specifier, file]) => [file.replace(/\.js$/, ''), `facade:${specifier}`]),
    ),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: '/out',
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
    plugins: [
      {
        name: 'facade',
        setup(b) {
          b.onResolve({ filter: /^facade:/ }, (args) => ({
            path: args.path.slice('facade:'.length),
            namespace: 'facade',
          }));
          b.onLoad({ filter: /.*/, namespace: 'facade' }, (args) => ({
            contents: facade(args.path, root),
            resolveDir: new URL('.', root).pathname,
            loader: 'js',
          }));
        },
      },
    ],
  });
  return new Map(result.outputFiles.map((file) => [file.path.slice('/out/'.length), file.text]));
}

/** The plugin; `root` is a file URL in the folder whose node_modules hold react and react-dom. */
export function reactAsEsm(root) {
  let files;
  return {
    name: 'react-esm',
    resolveImport({ source }) {
      return Object.hasOwn(MODULES, source) ? `${PREFIX}${MODULES[source]}` : undefined;
    },
    async serve(context) {
      if (!context.path.startsWith(PREFIX)) return undefined;
      files ??= bundle(root);
      const body = (await files).get(context.path.slice(PREFIX.length));
      return body === undefined ? undefined : { body, type: 'js' };
    },
  };
}
