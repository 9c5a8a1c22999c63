// Packs the workspace packages as `npm publish` would, for scripts/check-packages.mjs and the install test in
// test/packages.test.ts — without touching the working tree: each package is copied to a temporary folder, given the
// package.json its prepack hook would write (pack-manifest.mjs's publishedManifest), and packed there with npm's own
// file selection. Other work in the same tree never sees a stripped package.json, and a killed run leaves nothing
// behind in it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BACKUP, publishedManifest } from './pack-manifest.mjs';

const root = new URL('..', import.meta.url).pathname;

/** Every published package, by folder under packages/. */
export const PACKAGES = [
  'core',
  'storage-conformance',
  'storage-dexie',
  'storage-postgres',
  'client',
  'server',
  'elements',
];

/** Build outputs a package's `files` need, relative to its folder. */
const BUILT = { elements: ['dist', 'custom-elements.json'] };

/** What `npm run build` should have made and has not; empty when every package is built. */
export function missingBuildOutputs() {
  return PACKAGES.flatMap((name) =>
    (BUILT[name] ?? ['dist'])
      .map((path) => join('packages', name, path))
      .filter((path) => !existsSync(join(root, path))),
  );
}

/** The repository's package.json of a package; the backup if a pack is under way (or was killed) there. */
export function repositoryManifest(name) {
  const dir = join(root, 'packages', name);
  const file = existsSync(join(dir, BACKUP)) ? join(dir, BACKUP) : join(dir, 'package.json');
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Packs every package into `destination` and returns, per package, its name, version, repository folder, tarball
 * path and packed file paths. Throws with npm's output when packing fails.
 */
export function packPackages(destination) {
  const staging = mkdtempSync(join(tmpdir(), 'crmkit-staging-'));
  try {
    const folders = PACKAGES.map((name) => {
      const folder = join(staging, name);
      const skip = new Set(['node_modules', BACKUP]);
      cpSync(join(root, 'packages', name), folder, { recursive: true, filter: (path) => !skip.has(basename(path)) });
      writeFileSync(
        join(folder, 'package.json'),
        `${JSON.stringify(publishedManifest(repositoryManifest(name)), null, 2)}\n`,
      );
      return folder;
    });
    // The hooks' work is done above; they would look for ../../scripts from the copies.
    const result = spawnSync(
      'npm',
      ['pack', ...folders, '--pack-destination', destination, '--json', '--ignore-scripts', '--no-fund', '--no-audit'],
      { cwd: staging, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.status !== 0) {
      throw new Error(`npm pack failed (exit ${result.status ?? result.signal}):\n${result.stderr}${result.stdout}`);
    }
    return JSON.parse(result.stdout).map((packed) => ({
      name: packed.name,
      version: packed.version,
      dir: join(root, 'packages', PACKAGES.find((name) => packed.name === `@crmkit/${name}`) ?? packed.name),
      tarball: join(destination, packed.filename),
      files: packed.files.map((file) => file.path),
    }));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
