#!/usr/bin/env node
// Lints the packages as they are published: packs each one as `npm publish` would (scripts/pack-packages.mjs, from a
// copy, so the working tree is never touched) into a temporary folder, then checks every tarball with publint
// (strict: warnings fail too) and with @arethetypeswrong/cli under its ESM-only profile (node16 from ESM and bundler
// resolution; the packages are ESM only), plus what neither knows about this repository: no src/ and no in-repo
// `@crmkit/source` condition in what is packed, LICENSE, README.md, CHANGELOG.md and dist/ in it, and the
// prepack/postpack hooks that make `npm publish` pack the same. Needs a build: run `npm run build` first.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { SOURCE_CONDITION } from './pack-manifest.mjs';
import { PACKAGES, missingBuildOutputs, packPackages, repositoryManifest } from './pack-packages.mjs';

const root = new URL('..', import.meta.url).pathname;
const attwBin = join(root, 'node_modules', '.bin', 'attw');
/** What strips the in-repo condition when `npm publish` packs a package in place. */
const HOOKS = {
  prepack: 'node ../../scripts/pack-manifest.mjs strip',
  postpack: 'node ../../scripts/pack-manifest.mjs restore',
};

const missing = missingBuildOutputs();
if (missing.length > 0) {
  console.error(`check-packages: ${missing.join(', ')} missing — run \`npm run build\` first.`);
  process.exit(1);
}

/** Problems the general tools cannot know: what this repository must and must not publish. */
function contentProblems(packed, manifest) {
  const problems = [];
  const files = new Set(packed.files);
  for (const required of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md']) {
    if (!files.has(required)) problems.push(`${required} is not packed`);
  }
  if (!packed.files.some((file) => file.startsWith('dist/'))) problems.push('dist/ is not packed');
  const sources = packed.files.filter((file) => file.startsWith('src/'));
  if (sources.length > 0) problems.push(`src/ is packed (${sources.length} files); the source maps carry the sources`);
  if (JSON.stringify(manifest).includes(SOURCE_CONDITION)) {
    problems.push(`the packed package.json still names the in-repo ${SOURCE_CONDITION} condition`);
  }
  const { scripts } = repositoryManifest(PACKAGES.find((name) => packed.name === `@crmkit/${name}`));
  if (scripts?.prepack !== HOOKS.prepack || scripts?.postpack !== HOOKS.postpack) {
    problems.push(`package.json needs "prepack": "${HOOKS.prepack}" and "postpack": "${HOOKS.postpack}"`);
  }
  const license = readFileSync(join(packed.dir, 'LICENSE'), 'utf8');
  if (license !== readFileSync(join(root, 'LICENSE'), 'utf8')) problems.push('LICENSE differs from the root LICENSE');
  return problems;
}

async function publintProblems(packed) {
  const data = readFileSync(packed.tarball);
  const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball }, strict: true, level: 'suggestion' });
  const format = (message) => `publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`;
  return {
    manifest: pkg,
    errors: messages.filter((message) => message.type === 'error').map(format),
    notes: messages.filter((message) => message.type !== 'error').map(format),
  };
}

/** attw on one tarball; the `./crm-*` pattern (dist/<name>/crm-<name>.js) is expanded to each tag: attw skips it. */
function attw(packed) {
  const tags = packed.files
    .map((file) => /^dist\/([^/]+)\/crm-\1\.js$/.exec(file)?.[1])
    .filter((name) => name !== undefined)
    .map((name) => `./crm-${name}`);
  const args = [packed.tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color'];
  if (tags.length > 0) args.push('--include-entrypoints', ...tags);
  return new Promise((resolve) => {
    const child = spawn(attwBin, args, { cwd: root });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ status: 1, output: String(error) }));
    child.on('close', (status) => resolve({ status: status ?? 1, output }));
  });
}

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'crmkit-packages-'));
let failed = 0;
try {
  const packages = packPackages(work);
  const typeChecks = packages.map(attw);
  for (const [index, packed] of packages.entries()) {
    const lint = await publintProblems(packed);
    const types = await typeChecks[index];
    const problems = [...lint.errors, ...contentProblems(packed, lint.manifest)];
    if (types.status !== 0) problems.push(`attw (esm-only) found problems:\n${types.output.trim()}`);
    const label = `${packed.name}@${packed.version} (${packed.files.length} files)`;
    if (problems.length === 0) console.log(`ok   ${label}`);
    else {
      failed += 1;
      console.log(`FAIL ${label}`);
      for (const problem of problems) console.log(`  - ${problem.replaceAll('\n', '\n    ')}`);
    }
    for (const note of lint.notes) console.log(`  · ${note}`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  failed += 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(failed === 0 ? `packages ok (${seconds} s)` : `${failed} package check(s) failed (${seconds} s)`);
process.exit(failed === 0 ? 0 : 1);
