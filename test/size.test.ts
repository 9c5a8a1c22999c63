// The size table's measuring function (scripts/size.mjs) on a tiny fixture: importing one export of a module counts
// only what that export needs once tree-shaken, code loaded by `import()` is counted apart (and only when the import
// can still run), and a target marked "until" is reported without failing the run.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// @ts-expect-error -- a plain .mjs script; its JSDoc types are not read by the type checker.
import { bundledSize, verdict, virtualEntry } from '../scripts/size.mjs';

/** Text gzip cannot shrink, so a few kB of it stand out from a few bytes of code. */
const noise = (bytes: number) => randomBytes(bytes).toString('base64');

describe('bundledSize', () => {
  let dir = '';
  let module = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'crmkit-size-'));
    module = join(dir, 'two.mjs');
    writeFileSync(
      module,
      [
        `export function small() { return 'small'; }`,
        `export function big() { return ${JSON.stringify(noise(3000))}; }`,
        `export function later() { return import('./heavy.mjs').then((heavy) => heavy.text); }`,
      ].join('\n'),
    );
    writeFileSync(join(dir, 'heavy.mjs'), `export const text = ${JSON.stringify(noise(3000))};\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the whole module when the entry is the file', async () => {
    const whole = await bundledSize(module);
    assert.ok(whole.now > 3000, `${whole.now} bytes`);
    assert.ok(whole.lazy > 3000, `${whole.lazy} bytes loaded on demand`);
  });

  it('counts only the imported export once the rest is tree-shaken', async () => {
    const small = await bundledSize(module, { names: ['small'] });
    const big = await bundledSize(module, { names: ['big'] });
    const whole = await bundledSize(module);
    assert.ok(small.now < 200, `small alone: ${small.now} bytes`);
    assert.ok(big.now > 3000, `big alone: ${big.now} bytes`);
    assert.ok(big.now < whole.now);
    // The chunk behind later()'s import() is still emitted, but nothing small imports can load it.
    assert.equal(small.lazy, 0);
    assert.equal(big.lazy, 0);
  });

  it('counts what an export loads on demand apart from what it loads at once', async () => {
    const later = await bundledSize(module, { names: ['later'] });
    assert.ok(later.now < 300, `later: ${later.now} bytes at once`);
    assert.ok(later.lazy > 3000, `later: ${later.lazy} bytes on demand`);
  });

  it('imports exactly the names asked for', () => {
    assert.equal(virtualEntry('/x/index.js', ['a', 'b']), 'import { a, b } from "/x/index.js";\nexport { a, b };\n');
  });
});

describe('verdict', () => {
  it('fails a plain budget exceeded, and passes one kept', () => {
    assert.deepEqual(verdict(1001, 1000), { status: 'OVER', fails: true });
    assert.deepEqual(verdict(1000, 1000), { status: 'ok', fails: false });
  });

  it('reports a target not met yet without failing, until it passes its ceiling', () => {
    const target = { budget: 1000, until: 'issue 17', ceiling: 2000 };
    assert.deepEqual(verdict(1500, target), { status: 'over target (issue 17)', fails: false });
    assert.deepEqual(verdict(2001, target), { status: 'OVER its ceiling (issue 17)', fails: true });
    assert.deepEqual(verdict(900, target), { status: 'ok: target met, drop "until"', fails: false });
    assert.deepEqual(verdict(5000, { budget: 1000, until: 'issue 17' }), {
      status: 'over target (issue 17)',
      fails: false,
    });
  });

  it('refuses a budget it cannot read', () => {
    assert.throws(() => verdict(1, { until: 'issue 17' }), /A budget is a number/);
  });
});
