import { parseInstant } from '../time/instant.js';
import { hasOwn, ownPathValue } from '../filter/path.js';
import { compileFilter, type Filter, type Scalar } from '../filter/index.js';

type Predicate = (record: unknown) => boolean;

/** True when `value` can be compared with `===` under the filter language's rules (no instant semantics apply). */
function plain(value: Scalar): value is string | number | boolean {
  if (typeof value === 'string') return Number.isNaN(parseInstant(value));
  return typeof value === 'number' || typeof value === 'boolean';
}

/**
 * Reads the value at a path of two or more segments (own properties only). Two segments are read without a loop, in
 * this closure's own body rather than through a shared helper, for the reason given above `fastLeaf`.
 */
function deepReader(segments: readonly string[]): (record: unknown) => unknown {
  if (segments.length === 2) {
    const [first, second] = segments as [string, string];
    return (record) => {
      if (typeof record !== 'object' || record === null || !hasOwn(record, first)) return undefined;
      const inner: unknown = (record as Record<string, unknown>)[first];
      return typeof inner === 'object' && inner !== null && hasOwn(inner, second)
        ? (inner as Record<string, unknown>)[second]
        : undefined;
    };
  }
  return (record) => ownPathValue(record, segments);
}

/**
 * Compiles a filter with a fast path for the leaves segments use most: `eq`/`ne`/`in`/`nin`/`hasAny` with operands
 * that are not instants (plain `===`), and `gt`/`gte`/`lt`/`lte` with a number. Every other leaf (instants, text
 * operators, `withinLast`…) is compiled by the reference evaluator. The property test holds the result to the
 * reference evaluation. Expects a validated filter.
 */
export function compileFast(node: Filter, now: Date): Predicate {
  return fastNode(node) ?? compileFilter(node, { now });

  function fastNode(node: Filter): Predicate | undefined {
    if ('all' in node || 'any' in node || 'not' in node) return logical(node);
    return fastLeaf(node);
  }

  function logical(node: Filter): Predicate {
    if ('not' in node) {
      const inner = compileFast(node.not, now);
      return (r) => !inner(r);
    }
    const all = 'all' in node;
    const children = (all ? (node as { all: readonly Filter[] }).all : (node as { any: readonly Filter[] }).any).map(
      (child) => compileFast(child, now),
    );
    if (children.length === 0) return all ? () => true : () => false;
    if (children.length === 1) return children[0] as Predicate;
    if (children.length === 2) {
      const [a, b] = children as [Predicate, Predicate];
      return all ? (r) => a(r) && b(r) : (r) => a(r) || b(r);
    }
    if (children.length === 3) {
      const [a, b, c] = children as [Predicate, Predicate, Predicate];
      return all ? (r) => a(r) && b(r) && c(r) : (r) => a(r) || b(r) || c(r);
    }
    // A loop, not `every`/`some`: those would allocate a callback per evaluation.
    return all
      ? (r) => {
          for (let i = 0; i < children.length; i++) if (!(children[i] as Predicate)(r)) return false;
          return true;
        }
      : (r) => {
          for (let i = 0; i < children.length; i++) if ((children[i] as Predicate)(r)) return true;
          return false;
        };
  }
}

/*
 * A one-segment field, the usual case, is read inside each closure below (`key`, with `hasOwn` so that inherited
 * properties are never read) rather than through a shared reader. Each closure body then has its own inline cache
 * for the load, which V8 keeps monomorphic while an operator is used on one field, and the call to the reader is
 * gone. Deeper fields go through `deep`. The gain is measured by bench/segment (see docs/benchmarks.md).
 */
function fastLeaf(node: Filter): Predicate | undefined {
  if ('all' in node || 'any' in node || 'not' in node) return undefined;
  const segments = node.field.split('.');
  const key = segments.length === 1 ? (segments[0] as string) : undefined;
  const deep = deepReader(segments);
  switch (node.op) {
    case 'eq':
    case 'ne': {
      if (!plain(node.value)) return undefined;
      const x = node.value;
      const is =
        key === undefined
          ? (r: unknown): boolean => deep(r) === x
          : (r: unknown): boolean =>
              (typeof r === 'object' && r !== null && hasOwn(r, key)
                ? (r as Record<string, unknown>)[key]
                : undefined) === x;
      return node.op === 'eq' ? is : (r) => !is(r);
    }
    case 'in':
    case 'nin': {
      if (!node.values.every(plain)) return undefined;
      const values = node.values;
      let member: Predicate;
      if (values.length === 0) {
        member = () => false;
      } else if (values.length <= 2) {
        // One or two values, the usual case, are compared directly: no loop over the list.
        const [a, b = a] = values as [Scalar, Scalar?];
        member =
          key === undefined
            ? (r) => {
                const v = deep(r);
                return v === a || v === b;
              }
            : (r) => {
                const v =
                  typeof r === 'object' && r !== null && hasOwn(r, key)
                    ? (r as Record<string, unknown>)[key]
                    : undefined;
                return v === a || v === b;
              };
      } else {
        member = (r) => {
          const v =
            key === undefined
              ? deep(r)
              : typeof r === 'object' && r !== null && hasOwn(r, key)
                ? (r as Record<string, unknown>)[key]
                : undefined;
          for (let i = 0; i < values.length; i++) if (values[i] === v) return true;
          return false;
        };
      }
      return node.op === 'in' ? member : (r) => !member(r);
    }
    case 'hasAny': {
      if (!node.values.every(plain)) return undefined;
      const values = node.values;
      if (values.length === 1) {
        // One value, the usual case: one loop over the array instead of two nested ones.
        const [a] = values as [Scalar];
        return (r) => {
          const v =
            key === undefined
              ? deep(r)
              : typeof r === 'object' && r !== null && hasOwn(r, key)
                ? (r as Record<string, unknown>)[key]
                : undefined;
          if (!Array.isArray(v)) return false;
          for (let i = 0; i < v.length; i++) if (v[i] === a) return true;
          return false;
        };
      }
      return (r) => {
        const v =
          key === undefined
            ? deep(r)
            : typeof r === 'object' && r !== null && hasOwn(r, key)
              ? (r as Record<string, unknown>)[key]
              : undefined;
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) {
          const element: unknown = v[i];
          for (let j = 0; j < values.length; j++) if (values[j] === element) return true;
        }
        return false;
      };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof node.value !== 'number') return undefined;
      const value = node.value;
      // One closure for the four operators (no inner call): a bound is open on the other side. Any value but a number,
      // NaN included, compares false.
      const lo = node.op === 'gt' || node.op === 'gte' ? value : -Infinity;
      const hi = node.op === 'lt' || node.op === 'lte' ? value : Infinity;
      const loOpen = node.op === 'gt';
      const hiOpen = node.op === 'lt';
      return (r) => {
        const v =
          key === undefined
            ? deep(r)
            : typeof r === 'object' && r !== null && hasOwn(r, key)
              ? (r as Record<string, unknown>)[key]
              : undefined;
        return typeof v === 'number' && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
      };
    }
    default:
      return undefined;
  }
}
