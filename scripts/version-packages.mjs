#!/usr/bin/env node
// `changeset version`, except for one rule that does not fit a 0.x fixed group. Changesets gives a package a major
// bump when a peer dependency of it gets a minor one (the storage packages peer on @crmkit/core), and the fixed group
// then carries every package to 1.0.0 — for what is, in 0.x, an ordinary breaking minor release
// (https://github.com/changesets/changesets/issues/794). Here such an implied major of a 0.x package becomes a
// minor; a major that a changeset asks for stays major. Everything else — reading the changesets, the versions,
// the dependency ranges, the changelogs — is changesets' own code, loaded from the installed @changesets/cli.
// It also moves the root package.json's ranges on the packages (changesets leaves the private root alone), so npm
// keeps linking the workspace packages instead of fetching a registry copy; run `npm install` afterwards for the lock.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const fromCli = createRequire(createRequire(import.meta.url).resolve('@changesets/cli/package.json'));
const { getPackages } = fromCli('@manypkg/get-packages');
const { read: readConfig } = fromCli('@changesets/config');
const { readPreState } = fromCli('@changesets/pre');
const readChangesets = fromCli('@changesets/read').default;
const assembleReleasePlan = fromCli('@changesets/assemble-release-plan').default;
const applyReleasePlan = fromCli('@changesets/apply-release-plan').default;
const semverInc = fromCli('semver/functions/inc');
const semverSatisfies = fromCli('semver/functions/satisfies');

const packages = await getPackages(root);
const config = await readConfig(root, packages);
const preState = await readPreState(root);
if (preState?.mode === 'pre') {
  console.error('In changesets pre mode: run `npx changeset version` instead.');
  process.exit(1);
}
const changesets = await readChangesets(root);
if (changesets.length === 0) {
  console.log('No unreleased changesets.');
  process.exit(0);
}

const askedMajor = changesets.some((changeset) => changeset.releases.some((release) => release.type === 'major'));
const plan = assembleReleasePlan(changesets, packages, config, preState);
for (const release of plan.releases) {
  if (release.type === 'major' && !askedMajor && release.oldVersion.startsWith('0.')) {
    release.type = 'minor';
    release.newVersion = semverInc(release.oldVersion, 'minor');
  }
}
await applyReleasePlan(plan, packages, config);

const rootFile = join(root, 'package.json');
const rootPackage = JSON.parse(readFileSync(rootFile, 'utf8'));
let rootChanged = false;
for (const release of plan.releases) {
  for (const field of ['dependencies', 'devDependencies']) {
    const range = rootPackage[field]?.[release.name];
    if (range !== undefined && !semverSatisfies(release.newVersion, range)) {
      rootPackage[field][release.name] = `^${release.newVersion}`;
      rootChanged = true;
    }
  }
}
if (rootChanged) writeFileSync(rootFile, `${JSON.stringify(rootPackage, null, 2)}\n`);
for (const release of plan.releases.filter((release) => release.type !== 'none')) {
  console.log(`${release.name}: ${release.oldVersion} → ${release.newVersion}`);
}
console.log('Run `npm install` to update package-lock.json, review the versions and changelogs, and commit them.');
