// Random filter trees for property tests: `all`, `any` and `not` nodes over the leaves a test draws.
import fc from 'fast-check';
import type { Filter } from '@crmkit/core';

/** Trees of `leaf` conditions, each node with at most `width` children, kept small by fast-check's depth bias. */
export function filterTree(leaf: fc.Arbitrary<Filter>, width = 3): fc.Arbitrary<Filter> {
  return fc.letrec<{ node: Filter }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ all: fc.array(tie('node'), { maxLength: width }) }),
      fc.record({ any: fc.array(tie('node'), { maxLength: width }) }),
      fc.record({ not: tie('node') }),
    ),
  })).node;
}
