// Packs the workspace packages as `npm publish` would (their prepack/postpack hooks included), for
// scripts/check-packages.mjs and the install test in test/packages.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { restoreAll } from './pack-manifest.mjs';

const root = new URL('..', import.meta.url).pathname;

/** Every published package, by folder under packages/. */
export const PACKAGES = ['core', 'storage-conformance', 'storage-dexie', 'elements'];

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

/**
 * Packs every package into `destination` and returns, per package, its name, tarball path and packed file paths.
 * Throws with npm's output when packing fails. A package.json a killed pack left stripped is restored before and after.
 */
export function packPackages(destination) {
  restoreAll();
  let result;
  try {
    result = spawnSync(
      'npm',
      [
        'pack',
        ...PACKAGES.flatMap((name) => ['--workspace', `packages/${name}`]),
        '--pack-destination',
        destination,
        '--json',
        '--no-fund',
        '--no-audit',
      ],
      { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
  } finally {
    restoreAll();
  }
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
}
