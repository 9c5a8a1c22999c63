#!/usr/bin/env node
// The package.json a package is packed with. In the repository every `exports` entry starts with the private
// `@crmkit/source` condition (→ ./src/….ts, so tests, Storybook and the demo run from source) and elements'
// `sideEffects` name src/ files too; src/ is not published, so what is packed must not mention it.
//
//   strip    (a package's prepack)   keeps the repository's package.json as package.json.prepack-backup and writes the
//                                    published form: no `@crmkit/source` conditions, no src/ side-effect globs, no
//                                    `scripts` (they call into this repository). Fails when dist/ is missing.
//   restore  (a package's postpack)  puts the backup back.
//   restore --all                    restores every package, e.g. after a pack that was killed between the two;
//                                    `npm run build` runs it first.
//
// A strip after a killed pack restores the leftover backup before anything else, so the backup is always the
// repository's own file. `npm run lint:packages` and the package test never run these hooks in the tree: they pack
// copies with the same publishedManifest (scripts/pack-packages.mjs).
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SOURCE_CONDITION = '@crmkit/source';
export const BACKUP = 'package.json.prepack-backup';
const root = new URL('..', import.meta.url).pathname;

/** The published form of a package.json object. */
export function publishedManifest(pkg) {
  const { scripts: _scripts, ...rest } = pkg;
  const published = { ...rest, exports: withoutSourceCondition(pkg.exports) };
  if (Array.isArray(pkg.sideEffects)) {
    published.sideEffects = pkg.sideEffects.filter((pattern) => !pattern.replace(/^\.\//, '').startsWith('src/'));
  }
  return published;
}

function withoutSourceCondition(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  );
}

/** Puts a package's backup back, if there is one. Returns whether it did. */
export function restore(dir) {
  const backup = join(dir, BACKUP);
  if (!existsSync(backup)) return false;
  JSON.parse(readFileSync(backup, 'utf8')); // never restore a truncated file over a good one
  renameSync(backup, join(dir, 'package.json'));
  return true;
}

export function restoreAll() {
  const restored = [];
  for (const name of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', name);
    if (existsSync(join(dir, 'package.json')) && restore(dir)) restored.push(name);
  }
  return restored;
}

function strip(dir) {
  if (restore(dir)) console.warn(`${dir}: restored package.json left behind by an earlier pack`);
  const file = join(dir, 'package.json');
  const text = readFileSync(file, 'utf8');
  const pkg = JSON.parse(text);
  if (!existsSync(join(dir, 'dist'))) {
    throw new Error(`${pkg.name}: dist/ is missing — run \`npm run build\` at the repository root before packing.`);
  }
  writeFileSync(join(dir, BACKUP), text);
  writeFileSync(file, `${JSON.stringify(publishedManifest(pkg), null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const [command, flag] = process.argv.slice(2);
  try {
    if (command === 'strip') strip(process.cwd());
    else if (command === 'restore' && flag === '--all') {
      for (const name of restoreAll()) console.warn(`packages/${name}: restored package.json left behind by a pack`);
    } else if (command === 'restore') restore(process.cwd());
    else throw new Error('usage: pack-manifest.mjs strip | restore [--all]');
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
