import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateDemoData, type DemoDataOptions } from '@crmkit/core/testing';

/**
 * The demo data is a fixture other tests, stories and benchmarks rely on, so a refactor of the generator must not
 * change one byte of it. A deliberate change to the demo data updates them, with the reason in the commit message:
 * last, contacts gained their customer's `ownerId`, which the access policy scopes them by.
 */
const expected: readonly (readonly [DemoDataOptions, number, string])[] = [
  [{ seed: 1 }, 357_113, '375661809b56d4c2de0ecde3d058e6354389b156b768252fb7085dc71a02d641'],
  [{ seed: 7, scale: 3 }, 1_027_620, '1b6d57436946af8e4b7b0ef4c6bf394c7943634d1142ed399e08e4718a9ef165'],
];

describe('generateDemoData: the same seed gives the same bytes', () => {
  for (const [options, length, sha256] of expected) {
    test(`${JSON.stringify(options)} serialises to the recorded sha256`, () => {
      const json = JSON.stringify(generateDemoData(options));
      assert.equal(json.length, length);
      assert.equal(createHash('sha256').update(json).digest('hex'), sha256);
    });
  }
});
