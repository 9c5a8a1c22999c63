/** JSON with object keys sorted, so two equal values always serialise alike; `undefined` becomes `null`. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
    ) ?? 'null'
  );
}

/**
 * The names of the fields that differ between two versions of an entity, e.g. `['amount', 'customFields.region']`.
 * Only names: the audit log records that a phone number changed, never the number.
 */
export function changedFieldNames(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const changed: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of [...keys].sort()) {
    if (key === 'customFields') {
      const a = (before[key] ?? {}) as Record<string, unknown>;
      const b = (after[key] ?? {}) as Record<string, unknown>;
      for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (canonicalJson(a[field]) !== canonicalJson(b[field])) changed.push(`customFields.${field}`);
      }
    } else if (canonicalJson(before[key]) !== canonicalJson(after[key])) {
      changed.push(key);
    }
  }
  return changed;
}
