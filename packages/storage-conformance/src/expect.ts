/**
 * Tiny assertions for the suite. It runs in Node and in browsers under any runner, so it cannot lean on `node:assert`
 * or a runner's `expect`. Records are JSON data, so comparing canonical JSON is exact for them.
 */

import { canonicalJson } from '@crmkit/core';

export { canonicalJson };

/** Thrown when a conformance check fails. */
export class ConformanceFailure extends Error {
  override name = 'ConformanceFailure';
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = canonicalJson(actual);
  const e = canonicalJson(expected);
  if (a !== e) throw new ConformanceFailure(`${what}: expected ${e}, got ${a}`);
}

export function expectTrue(condition: boolean, what: string): void {
  if (!condition) throw new ConformanceFailure(what);
}

/** Awaits `promise` and checks it rejected with an error of the given stable `code`. */
export async function expectRejects(promise: Promise<unknown>, code: string, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    const actual = (error as { code?: unknown }).code;
    if (actual !== code)
      throw new ConformanceFailure(`${what}: expected error ${code}, got ${String(actual ?? error)}`);
    return error;
  }
  throw new ConformanceFailure(`${what}: expected error ${code}, but it resolved`);
}
