// The link checker (scripts/check-links.mjs) over a small git repository made for the test: what it flags, what it
// accepts and what it does not read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkLinks, parseMarkdown, slugger } from '../scripts/check-links.mjs';

const README = `# Fixture

Good links:

- [guide](docs/guide.md), [a folder](docs/), [the root](./), [this page](#fixture)
- [a repeated heading](docs/guide.md#setup-1) and [a Chinese one](docs/guide.md#跟进时效-follow-up)
- [on GitHub](https://github.com/crmkit/crmkit/blob/main/docs/guide.md#setup) and
  [a folder there](https://github.com/crmkit/crmkit/tree/main/docs)
- [elsewhere](https://example.com/not-fetched) and [mail](mailto:someone@example.com)
- <a href="docs/guide.md#setup">html</a> <img src="docs/logo.svg" alt="">
- [by reference][ref]

[ref]: docs/guide.md#notes-and-more

Broken links:

- [missing](docs/missing.md)
- [generated](generated/page.md)
- [untracked](notes.md)
- [bad fragment](docs/guide.md#no-such-heading)
- [gone from the repository](https://github.com/crmkit/crmkit/blob/main/docs/gone.md)
- [outside](../outside.md)
- <a href="docs/nope.html">html</a>
- [a bad reference][bad]

[bad]: docs/nope.md

Not links: \`[in code](docs/code-span.md)\` and

\`\`\`md
[in a fence](docs/fenced.md)
\`\`\`

~~~
<img src="docs/fenced.png">
~~~
`;

const GUIDE = `# Guide

## Setup

## Setup

## 跟进时效 (follow-up)

Notes _and_ more
----------------

Back to [the fixture](../README.md#fixture).
`;

let root;

function write(path, text) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

const git = (...args) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
    cwd: root,
    stdio: 'pipe',
  });

before(() => {
  root = mkdtempSync(join(tmpdir(), 'check-links-'));
  write('README.md', README);
  write('docs/guide.md', GUIDE);
  write('docs/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
  write('.gitignore', 'generated/\n');
  git('init', '-q');
  git('add', 'README.md', 'docs', '.gitignore');
  git('-c', 'commit.gpgsign=false', 'commit', '-q', '--no-verify', '-m', 'fixture');
  // Present in the work tree, absent from the repository: generated and ignored, or never added.
  write('generated/page.md', '# Generated\n');
  write('notes.md', '# Notes\n');
});

after(() => rmSync(root, { recursive: true, force: true }));

const lineOf = (target) =>
  README.split('\n').findIndex((line) => line.includes(`(${target})`) || line.includes(target)) + 1;

describe('checkLinks', () => {
  it('flags exactly the broken links, each with its line and reason', () => {
    const { broken, files } = checkLinks(root);
    assert.equal(files, 2);
    const byTarget = new Map(broken.map((link) => [link.target, link]));
    const expected = {
      'docs/missing.md': /docs\/missing\.md is not in the repository/,
      'generated/page.md': /git-ignored \(\.gitignore:1: generated\/\)/,
      'notes.md': /exists here but is not committed/,
      'docs/guide.md#no-such-heading': /no heading or anchor #no-such-heading in docs\/guide\.md/,
      'https://github.com/crmkit/crmkit/blob/main/docs/gone.md': /docs\/gone\.md is not in the repository/,
      '../outside.md': /outside the repository/,
      'docs/nope.html': /not in the repository/,
      'docs/nope.md': /not in the repository/,
    };
    assert.deepEqual([...byTarget.keys()].sort(), Object.keys(expected).sort());
    for (const [target, reason] of Object.entries(expected)) {
      const link = byTarget.get(target);
      assert.equal(link.file, 'README.md');
      assert.equal(link.line, lineOf(target), target);
      assert.match(link.reason, reason);
    }
  });

  it('does not read links in code spans or fences', () => {
    const targets = parseMarkdown(README).links.map(({ target }) => target);
    for (const ignored of ['docs/code-span.md', 'docs/fenced.md', 'docs/fenced.png']) {
      assert.ok(!targets.includes(ignored), ignored);
    }
  });

  it('reads inline, reference, HTML and bare repository links', () => {
    const { links } = parseMarkdown(
      '[a](x.md "title") ![b](<y z.png>)\n\n[c]: w.md\n\n<a href=\'v.md\'>v</a>\n\n' +
        'See https://github.com/crmkit/crmkit/blob/main/u.md.\n',
    );
    assert.deepEqual(links, [
      { target: 'x.md', line: 1 },
      { target: 'y z.png', line: 1 },
      { target: 'w.md', line: 3 },
      { target: 'v.md', line: 5 },
      { target: 'https://github.com/crmkit/crmkit/blob/main/u.md', line: 7 },
    ]);
  });
});

describe('slugger', () => {
  it("makes GitHub's heading anchors", () => {
    const slug = slugger();
    assert.equal(slug('The follow-up SLA (跟进时效)'), 'the-follow-up-sla-跟进时效');
    assert.equal(slug('Win rate, lost reasons, velocity'), 'win-rate-lost-reasons-velocity');
    assert.equal(slug('A & B'), 'a--b');
    assert.equal(slug('snake_case'), 'snake_case');
    assert.equal(slug('Results'), 'results');
    assert.equal(slug('Results'), 'results-1');
    assert.equal(slug('Results'), 'results-2');
  });
});
