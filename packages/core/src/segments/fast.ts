import { parseInstant } from '../filter/instant.js';
import { ownPathValue } from '../filter/path.js';
import { compileFilter, type Filter, type Scalar } from '../filter/index.js';

type Predicate = (record: unknown) => boolean;

/** True when `value` can be compared with `===` under the filter language's rules (no instant semantics apply). */
function plain(value: Scalar): value is string | number | boolean {
  if (typeof value === 'string') return Number.isNaN(parseInstant(value));
  return typeof value === 'number' || typeof value === 'boolean';
}

/** Reads the value at a pre-split path; one- and two-segment paths are unrolled. */
function reader(field: string): (record: unknown) => unknown {
  const segments = field.split('.');
  if (segments.length === 1) {
    const [key] = segments as [string];
    return (record) =>
      typeof record === 'object' && record !== null && Object.hasOwn(record, key)
        ? (record as Record<string, unknown>)[key]
        : undefined;
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
    return all ? (r) => children.every((p) => p(r)) : (r) => children.some((p) => p(r));
  }
}

function fastLeaf(node: Filter): Predicate | undefined {
  if ('all' in node || 'any' in node || 'not' in node) return undefined;
  const read = reader(node.field);
  switch (node.op) {
    case 'eq':
    case 'ne': {
      if (!plain(node.value)) return undefined;
      const value = node.value;
      return node.op === 'eq' ? (r) => read(r) === value : (r) => read(r) !== value;
    }
    case 'in':
    case 'nin': {
      if (!node.values.every(plain)) return undefined;
      const values = node.values;
      const member = (r: unknown): boolean => {
        const v = read(r);
        for (let i = 0; i < values.length; i++) if (values[i] === v) return true;
        return false;
      };
      return node.op === 'in' ? member : (r) => !member(r);
    }
    case 'hasAny': {
      if (!node.values.every(plain)) return undefined;
      const values = node.values;
      return (r) => {
        const v = read(r);
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
      const at = (r: unknown): number => {
        const v = read(r);
        return typeof v === 'number' ? v : NaN;
      };
      if (node.op === 'gt') return (r) => at(r) > value;
      if (node.op === 'gte') return (r) => at(r) >= value;
      if (node.op === 'lt') return (r) => at(r) < value;
      return (r) => at(r) <= value;
    }
    default:
      return undefined;
  }
}
