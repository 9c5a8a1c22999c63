#!/usr/bin/env node
// Gzip size of each published entry as a browser would download it: the built entry bundled and minified, once
// with its dependencies external (its own weight) and once with them inlined (what importing it costs). Modules the
// entry loads only on demand (the Chinese catalogue, for a page that switches to Chinese) are shown apart. Fails when a
// cost exceeds its budget in size-budgets.json. Run `npm run build` first.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const budgets = JSON.parse(readFileSync(join(root, 'size-budgets.json'), 'utf8')).entries;

/**
 * Gzip bytes of `file` bundled and minified: what a page downloads on importing it (the entry and every chunk it
 * imports statically), and, apart, what it loads only when asked (a `import()` such as the Chinese catalogue).
 */
async function bundledSize(file, external) {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    splitting: true,
    outdir: '/size',
    minify: true,
    format: 'esm',
    write: false,
    metafile: true,
    platform: 'browser',
    conditions: ['production'],
    external,
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const gzipOf = new Map(result.outputFiles.map((out) => [out.path, gzipSync(out.contents, { level: 9 }).length]));
  const absolute = (path) => join('/', path);
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint);
  const eager = new Set();
  const visit = (path) => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const imported of outputs[path].imports)
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entry);
  let now = 0;
  let lazy = 0;
  for (const path of Object.keys(outputs)) {
    if (path.endsWith('.map')) continue;
    if (eager.has(path)) now += gzipOf.get(absolute(path)) ?? 0;
    else lazy += gzipOf.get(absolute(path)) ?? 0;
  }
  return { now, lazy };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const rows = [];
let over = 0;
for (const [entry, budget] of Object.entries(budgets)) {
  const file = join(root, entry);
  if (!existsSync(file)) {
    console.error(`${entry} does not exist: run npm run build first.`);
    process.exit(1);
  }
  const pkgDir = join(root, entry.split('/').slice(0, 2).join('/'));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  const own = await bundledSize(
    file,
    deps.flatMap((dep) => [dep, `${dep}/*`]),
  );
  const total = await bundledSize(file, []);
  const ok = total.now <= budget;
  if (!ok) over += 1;
  rows.push([entry, kb(own.now), kb(total.now), kb(budget), ok ? 'ok' : 'OVER', total.lazy ? kb(total.lazy) : '']);
}

const header = ['entry', 'own (gzip)', 'with deps (gzip)', 'budget', '', 'loaded on demand (gzip)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
if (over > 0) {
  console.error(`\n${over} entr${over === 1 ? 'y is' : 'ies are'} over budget (size-budgets.json).`);
  process.exit(1);
}
