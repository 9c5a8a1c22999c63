#!/usr/bin/env node
// Gzip size of each published entry as a browser would download it: the built entry bundled and minified, once
// with its dependencies external (its own weight) and once with them inlined (what importing it costs). Modules the
// entry loads only on demand (the Chinese catalogue, for a page that switches to Chinese) are shown apart. Then the
// same for ONE named export of an entry (`import { compileFilter } from '…/core/dist/index.js'`, tree-shaken), so a
// pure function that starts to drag in the rest of the package shows. Fails when a cost exceeds its budget in
// size-budgets.json; a budget marked `{ "budget": n, "until": "issue 17" }` is a target not met yet, reported as
// "over target (issue 17)" without failing. Run `npm run build` first.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The module text that imports `names` from `file` and nothing else: bundled, it costs what a consumer importing
 * just those names downloads once tree-shaking has dropped the rest.
 *
 * @param {string} file absolute path of the module
 * @param {readonly string[]} names its named exports
 */
export function virtualEntry(file, names) {
  const list = names.join(', ');
  return `import { ${list} } from ${JSON.stringify(file)};\nexport { ${list} };\n`;
}

/**
 * Gzip bytes of `file` (or, with `names`, of importing only those exports of it) bundled, tree-shaken and minified:
 * what a page downloads on importing it (`now`: the entry and every chunk it imports statically), and, apart, what it
 * loads only when asked (`lazy`: an `import()` such as the Chinese catalogue or the phone metadata).
 *
 * @param {string} file absolute path of the built module
 * @param {{ names?: readonly string[], external?: readonly string[] }} [options] `external`: packages left out
 * @returns {Promise<{ now: number, lazy: number }>}
 */
export async function bundledSize(file, { names, external = [] } = {}) {
  const input = names
    ? { stdin: { contents: virtualEntry(file, names), resolveDir: dirname(file), sourcefile: 'size-entry.js' } }
    : { entryPoints: [file] };
  const result = await build({
    ...input,
    bundle: true,
    splitting: true,
    outdir: '/size',
    minify: true,
    format: 'esm',
    write: false,
    metafile: true,
    platform: 'browser',
    conditions: ['production'],
    external: [...external],
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const gzipOf = new Map(result.outputFiles.map((out) => [out.path, gzipSync(out.contents, { level: 9 }).length]));
  const absolute = (path) => join('/', path);
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint);
  /** The chunks reachable from `from`, through static imports only or through `import()` too. */
  const reach = (from, dynamic) => {
    const seen = new Set();
    const visit = (path) => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const imported of outputs[path].imports)
        if (!imported.external && (dynamic || imported.kind === 'import-statement')) visit(imported.path);
    };
    visit(from);
    return seen;
  };
  // esbuild emits a chunk for every `import()` in the input even where tree-shaking dropped the code that makes it
  // (importing one export of an index): only chunks the entry can reach count.
  const eager = reach(entry, false);
  let now = 0;
  let lazy = 0;
  for (const path of reach(entry, true)) {
    if (eager.has(path)) now += gzipOf.get(absolute(path)) ?? 0;
    else lazy += gzipOf.get(absolute(path)) ?? 0;
  }
  return { now, lazy };
}

/**
 * A budget as size-budgets.json writes it: a number of gzip bytes, or `{ budget, until, ceiling }` for a target not
 * met yet (`until` names the work that will meet it, e.g. "issue 17"; `ceiling`, optional, still fails meanwhile).
 *
 * @param {number | { budget: number, until?: string, ceiling?: number }} spec
 * @returns {{ budget: number, until?: string, ceiling?: number }}
 */
export function budgetOf(spec) {
  if (typeof spec === 'number') return { budget: spec };
  if (spec && typeof spec.budget === 'number' && (spec.ceiling === undefined || typeof spec.ceiling === 'number'))
    return spec;
  throw new Error(
    `A budget is a number of bytes or { "budget": bytes, "until": "…", "ceiling": bytes }, not ${JSON.stringify(spec)}`,
  );
}

/**
 * How a measured size stands against its budget. A plain budget exceeded fails. A target marked `until` is "over
 * target (…)" while exceeded, without failing unless the size passes its `ceiling` too, and says so once met, so the
 * mark can go.
 *
 * @param {number} bytes gzip bytes loaded on import
 * @param {number | { budget: number, until?: string, ceiling?: number }} spec
 * @returns {{ status: string, fails: boolean }}
 */
export function verdict(bytes, spec) {
  const { budget, until, ceiling } = budgetOf(spec);
  if (bytes <= budget) return { status: until ? 'ok: target met, drop "until"' : 'ok', fails: false };
  if (!until) return { status: 'OVER', fails: true };
  if (ceiling !== undefined && bytes > ceiling) return { status: `OVER its ceiling (${until})`, fails: true };
  return { status: `over target (${until})`, fails: false };
}

/** The package.json of the workspace package holding a built file given relative to the root (`packages/x/…`). */
function dependenciesOf(entry) {
  const pkgDir = join(root, entry.split('/').slice(0, 2).join('/'));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  return deps.flatMap((dep) => [dep, `${dep}/*`]);
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;

async function main() {
  const config = JSON.parse(readFileSync(join(root, 'size-budgets.json'), 'utf8'));
  /** What to measure: every entry file, then each named export of an entry on its own. */
  const rows = [
    ...Object.entries(config.entries).map(([entry, spec]) => ({ label: entry, entry, spec })),
    ...Object.entries(config.exports ?? {}).flatMap(([entry, names]) =>
      Object.entries(names).map(([name, spec]) => ({ label: `${entry} { ${name} }`, entry, names: [name], spec })),
    ),
  ];
  const table = [];
  let over = 0;
  let targets = 0;
  for (const { label, entry, names, spec } of rows) {
    const file = join(root, entry);
    if (!existsSync(file)) {
      console.error(`${entry} does not exist: run npm run build first.`);
      process.exit(1);
    }
    const own = await bundledSize(file, { names, external: dependenciesOf(entry) });
    const total = await bundledSize(file, { names });
    const { status, fails } = verdict(total.now, spec);
    if (fails) over += 1;
    if (status.startsWith('over target')) targets += 1;
    const { budget, until } = budgetOf(spec);
    table.push([
      label,
      kb(own.now),
      kb(total.now),
      until ? `${kb(budget)} target` : kb(budget),
      status,
      total.lazy ? kb(total.lazy) : '',
    ]);
  }

  const header = ['entry { export }', 'own (gzip)', 'with deps (gzip)', 'budget', '', 'loaded on demand (gzip)'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(row));
  if (targets > 0) {
    console.log(
      `\n${targets} target${targets === 1 ? ' is' : 's are'} not met yet: reported, not failing, until the work named` +
        ' meets them (size-budgets.json, "until").',
    );
  }
  if (over > 0) {
    console.error(`\n${over} row${over === 1 ? ' is' : 's are'} over budget (size-budgets.json).`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
