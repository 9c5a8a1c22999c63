/**
 * The core's layout as its import graph (docs/architecture.md): no import circle between source files, type imports
 * included; pure domain files (every file of a domain folder that is not a service: `*.service.ts` or under
 * `service/`) never import the write kernel, the storage port or a service. ESLint enforces the second rule too
 * (`eslint.config.mjs`); this test proves both on the whole graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/** The domain folders: each holds pure functions and the service that runs them over the port. */
const DOMAINS = ['customers', 'leads', 'funnel', 'segments', 'lifecycle', 'tasks', 'timeline', 'reports', 'value'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import and re-export of a file (static, dynamic and type-only), as source paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

const files = sourceFiles(src);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const name = (file: string) => relative(src, file);

test('no import circle in the core, type imports included', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map(name).join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('pure domain files import neither the kernel, the storage port nor a service', () => {
  const isService = (file: string) => /\.service\.ts$/.test(file) || /\/service\//.test(file);
  const offences: string[] = [];
  for (const file of files) {
    const [folder] = name(file).split('/');
    if (!DOMAINS.includes(folder!) || isService(file) || file.endsWith('/index.ts')) continue;
    for (const target of graph.get(file) ?? []) {
      const to = name(target);
      if (to.startsWith('kernel/') || to === 'storage/port.ts' || isService(target) || to === 'crm/index.ts') {
        offences.push(`${name(file)} imports ${to}`);
      }
    }
  }
  assert.deepEqual(offences, []);
});
