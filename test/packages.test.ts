// The packages as a consumer gets them: packed as `npm publish` packs them (from copies, see
// scripts/pack-packages.mjs; one case packs a replica folder through the real prepack/postpack hooks), installed from
// the tarballs into a scratch project outside the repository; then every export entry is loaded in Node and a
// consumer file that imports every entry is type-checked with `--module nodenext` and without skipLibCheck — both
// with the `source` condition on, as a consumer's monorepo may have it. Builds first if dist/ is missing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
// @ts-expect-error -- a plain .mjs script; its JSDoc types are not read by the type checker.
import { missingBuildOutputs, packPackages, repositoryManifest } from '../scripts/pack-packages.mjs';
// @ts-expect-error -- a plain .mjs script; its JSDoc types are not read by the type checker.
import { BACKUP } from '../scripts/pack-manifest.mjs';

interface Packed {
  name: string;
  version: string;
  dir: string;
  tarball: string;
  files: string[];
}

interface Loaded {
  specifier: string;
  ok: boolean;
  error?: string;
}

const root = new URL('..', import.meta.url).pathname;
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const work = mkdtempSync(join(tmpdir(), 'crmkit-install-'));
const app = join(work, 'app');
let packages: Packed[] = [];

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return { status: result.status ?? 1, output, stdout: result.stdout ?? '' };
}

/** The installed (published) package.json of a package. */
function installedManifest(name: string) {
  return JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
  };
}

/** Every import specifier a package's exports allow; a `*` pattern expands to the files that are installed. */
function specifiersOf(name: string): string[] {
  const specifiers: string[] = [];
  for (const [subpath, target] of Object.entries(installedManifest(name).exports)) {
    if (!subpath.includes('*')) {
      specifiers.push(subpath === '.' ? name : `${name}/${subpath.slice(2)}`);
      continue;
    }
    // `./crm-*` → `./dist/*/crm-*.js`: each folder of dist/ with a matching file is one entry.
    const pattern = (target as { default: string }).default;
    const [folder, file] = pattern.replace(/^\.\/dist\//, '').split('/');
    assert.ok(folder === '*' && file !== undefined, `unexpected pattern ${pattern}`);
    for (const entry of readdirSync(join(app, 'node_modules', name, 'dist'), { withFileTypes: true })) {
      const candidate = file.replace('*', entry.name);
      const files = entry.isDirectory() ? readdirSync(join(app, 'node_modules', name, 'dist', entry.name)) : [];
      if (files.includes(candidate)) specifiers.push(`${name}/${subpath.slice(2).replace('*', entry.name)}`);
    }
  }
  return specifiers;
}

before(() => {
  const missing = missingBuildOutputs() as string[];
  if (missing.length > 0) {
    const build = run('npm', ['run', 'build', '--silent'], root);
    assert.equal(build.status, 0, `npm run build failed:\n${build.output}`);
  }
  mkdirSync(join(work, 'tarballs'));
  packages = packPackages(join(work, 'tarballs')) as Packed[];

  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'crmkit-consumer', private: true, type: 'module' }, null, 2),
  );
  // React and its types for `@crmkit/elements/react` (react is an optional peer); the same versions as the
  // repository's, so a warm npm cache serves them. Dexie, a required peer, npm adds by itself.
  const extras = ['react', '@types/react'].map((name) => `${name}@${rootPackage.devDependencies[name]}`);
  const install = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packages.map((packed) => packed.tarball), ...extras],
    app,
  );
  assert.equal(install.status, 0, `npm install failed:\n${install.output}`);
});

after(() => rmSync(work, { recursive: true, force: true }));

test('each tarball holds dist/, README.md, LICENSE and CHANGELOG.md, and no src/', () => {
  assert.deepEqual(packages.map((packed) => packed.name).sort(), [
    '@crmkit/client',
    '@crmkit/core',
    '@crmkit/elements',
    '@crmkit/server',
    '@crmkit/storage-conformance',
    '@crmkit/storage-dexie',
    '@crmkit/storage-postgres',
  ]);
  for (const packed of packages) {
    const files = new Set(packed.files);
    for (const required of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/index.js',
      'dist/index.d.ts',
    ]) {
      assert.ok(files.has(required), `${packed.name}: ${required} is not packed`);
    }
    assert.deepEqual(
      packed.files.filter((file) => file.startsWith('src/') || (file.endsWith('.ts') && !file.endsWith('.d.ts'))),
      [],
      `${packed.name}: TypeScript sources are packed`,
    );
    assert.equal(
      readFileSync(join(app, 'node_modules', packed.name, 'LICENSE'), 'utf8'),
      readFileSync(join(root, 'LICENSE'), 'utf8'),
      `${packed.name}: LICENSE is not the repository's`,
    );
  }
  const elements = packages.find((packed) => packed.name === '@crmkit/elements');
  assert.ok(elements?.files.includes('custom-elements.json'), 'custom-elements.json is not packed');
});

test('the published package.json names no in-repo condition and nothing under src/', () => {
  for (const packed of packages) {
    const text = readFileSync(join(app, 'node_modules', packed.name, 'package.json'), 'utf8');
    assert.doesNotMatch(text, /@crmkit\/source|"\.\/src\//, `${packed.name}: the published package.json mentions src/`);
    assert.doesNotMatch(text, /"(prepack|postpack)"/, `${packed.name}: repository scripts are published`);
  }
});

test('`npm pack` in a package folder, as `npm publish` runs it, strips the condition and restores the folder', () => {
  // A replica of the repository's layout (the hooks call ../../scripts/pack-manifest.mjs), so the tree is not touched.
  const replica = join(work, 'replica');
  const folder = join(replica, 'packages', 'storage-conformance');
  mkdirSync(join(replica, 'scripts'), { recursive: true });
  cpSync(join(root, 'scripts', 'pack-manifest.mjs'), join(replica, 'scripts', 'pack-manifest.mjs'));
  cpSync(join(root, 'packages', 'storage-conformance'), folder, {
    recursive: true,
    filter: (path) => !['node_modules', BACKUP].includes(basename(path)),
  });
  const own = `${JSON.stringify(repositoryManifest('storage-conformance'), null, 2)}\n`;
  writeFileSync(join(folder, 'package.json'), own);
  assert.match(own, /"@crmkit\/source"/);

  const pack = run('npm', ['pack', '--json', '--pack-destination', replica], folder);
  assert.equal(pack.status, 0, pack.output);
  const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
  const packedManifest = run('tar', ['-xzOf', join(replica, filename), 'package/package.json'], replica);
  assert.equal(packedManifest.status, 0, packedManifest.output);
  assert.doesNotMatch(packedManifest.stdout, /@crmkit\/source|"\.\/src\/|"prepack"/);
  assert.equal(readFileSync(join(folder, 'package.json'), 'utf8'), own, 'postpack did not restore package.json');
  assert.ok(!existsSync(join(folder, BACKUP)), 'postpack left the backup behind');
});

test('every export entry loads in Node; the embed bundle, a browser build, fails only for want of a DOM', () => {
  const specifiers = packages.flatMap((packed) => specifiersOf(packed.name));
  // One child process loads every entry from inside the scratch project. The elements load in full: Lit's Node build
  // brings its own minimal DOM shim (HTMLElement, customElements), so the tags register there too.
  const probe = join(app, 'probe.mjs');
  writeFileSync(
    probe,
    `const results = [];
for (const specifier of ${JSON.stringify(specifiers)}) {
  try {
    if (specifier.endsWith('.json')) await import(specifier, { with: { type: 'json' } });
    else await import(specifier);
    results.push({ specifier, ok: true });
  } catch (error) {
    results.push({ specifier, ok: false, error: String(error?.stack ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));`,
  );
  // Nothing published may answer to a `source` condition, as a consumer's monorepo may set (checked in the
  // manifests: a dependency of ours, eventsource-parser, does publish one, so Node is not run with it).
  for (const packed of packages) {
    const manifest = readFileSync(join(app, 'node_modules', packed.name, 'package.json'), 'utf8');
    assert.doesNotMatch(manifest, /"(@crmkit\/)?source"\s*:/, `${packed.name} publishes a source condition`);
  }
  const result = run(process.execPath, [probe], app);
  assert.equal(result.status, 0, result.output);
  const loaded = JSON.parse(result.stdout) as Loaded[];
  assert.ok(
    loaded.some((entry) => entry.specifier === '@crmkit/elements/crm-money'),
    'the crm-* pattern was expanded',
  );

  // The embed bundle carries Lit's browser build: in Node it can only fail, and only for want of a DOM.
  const domOnly = new Set(['@crmkit/elements/bundle']);
  for (const entry of loaded) {
    if (domOnly.has(entry.specifier)) {
      assert.ok(!entry.ok, `${entry.specifier} loaded without a DOM: expected the browser build`);
      assert.match(
        entry.error ?? '',
        /^ReferenceError: (HTMLElement|window|document|customElements|ShadowRoot|Element|CSSStyleSheet) is not defined/,
        `${entry.specifier} failed for something other than the missing DOM`,
      );
    } else {
      assert.ok(entry.ok, `${entry.specifier} failed to load:\n${entry.error}`);
    }
  }
});

test('a consumer type-checks every entry with nodenext resolution and no skipLibCheck', () => {
  const specifiers = packages.flatMap((packed) => specifiersOf(packed.name));
  const lines = specifiers.map((specifier, index) =>
    specifier.endsWith('.json')
      ? `import entry${index} from '${specifier}' with { type: 'json' };`
      : `import * as entry${index} from '${specifier}';`,
  );
  writeFileSync(
    join(app, 'consumer.ts'),
    `${lines.join('\n')}
import { createCrm, createMemoryStorage, ConflictError } from '@crmkit/core';

export const entries = [${specifiers.map((_, index) => `entry${index}`).join(', ')}];
export const crm = await createCrm({ storage: createMemoryStorage(), actor: { id: 'u1' } });
export const conflict: boolean = new Error('x') instanceof ConflictError;
// The tag map, declared once whichever entries are imported (the bundle's types included).
export const money: HTMLElementTagNameMap['crm-money'] = document.createElement('crm-money');
export const provider: import('@crmkit/elements').CrmProvider = document.createElement('crm-provider');
`,
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = run(
    process.execPath,
    [
      tsc,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--lib',
      'es2023,dom,dom.iterable',
      '--strict',
      '--noEmit',
      '--resolveJsonModule',
      '--types',
      'react',
      '--skipLibCheck',
      'false',
      // As a monorepo consumer may set it (the packages once answered it with raw .ts).
      '--customConditions',
      'source',
      'consumer.ts',
    ],
    app,
  );
  assert.equal(result.status, 0, `tsc reported errors:\n${result.output}`);
});
