/**
 * The public API keeps its names: every name `@crmkit/core` (and its `./csv` and `./phone` entries) exported when
 * the core was rebuilt around its domains (issue 17) is still exported, as a value or a type. The list in
 * `support/public-api.json` was taken from the entry points before the move; a rename adds the new name and keeps the
 * old one as a deprecated alias, so nothing here ever needs removing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const before = JSON.parse(readFileSync(here('./support/public-api.json'), 'utf8')) as Record<string, string[]>;

/** The names a source entry point exports, types included, as TypeScript resolves them. */
function exportedNames(entries: readonly string[]): Record<string, string[]> {
  const files = entries.map((entry) => here(`../src/${entry}`));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const names: Record<string, string[]> = {};
  entries.forEach((entry, index) => {
    const source = program.getSourceFile(files[index]!);
    const symbol = source && checker.getSymbolAtLocation(source);
    names[entry] = symbol ? checker.getExportsOfModule(symbol).map((exported) => exported.name) : [];
  });
  return names;
}

test('every public name of @crmkit/core, @crmkit/core/csv and @crmkit/core/phone is still exported', () => {
  const now = exportedNames(Object.keys(before));
  for (const [entry, names] of Object.entries(before)) {
    const current = new Set(now[entry]);
    assert.deepEqual(
      names.filter((name) => !current.has(name)),
      [],
      `${entry} no longer exports these names`,
    );
  }
});
