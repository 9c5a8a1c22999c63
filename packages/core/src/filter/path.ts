const hasOwn = Object.hasOwn;

/**
 * The own property `key` of `value`, or `undefined` when `value` is not an object or has no such own property.
 * Inherited properties are never read, so a filter cannot reach `Object.prototype` or run a getter up the chain.
 */
export function ownValue(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** {@link ownValue} along pre-split path segments. */
export function ownPathValue(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (let i = 0; i < segments.length; i++) {
    const key = segments[i] as string;
    if (typeof current !== 'object' || current === null || !hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * The value at a dotted `path` (or pre-split segments) in `record`, following own properties only; `undefined` when
 * any segment is missing or an intermediate value is not an object. Array elements are reached by index
 * (`tags.0`). This is the lookup the filter evaluator uses.
 */
export function getPath(record: unknown, path: string | readonly string[]): unknown {
  return ownPathValue(record, typeof path === 'string' ? path.split('.') : path);
}
