import * as z from 'zod/mini';
import { ValidationError, type ValidationIssue } from './errors.js';
import { unknownKeyMessage } from './suggest.js';

interface RawUnknownKeysIssue {
  code: 'unrecognized_keys';
  keys: string[];
  inst?: { _zod?: { def?: { shape?: Record<string, unknown> } } };
}

/**
 * The keys the schema that refused them knows, by the issue's `keys` array: zod hands the raw issue (with its schema)
 * to the error map, then copies its fields into the final issue, so the same array identifies it there.
 */
const knownKeysOf = new WeakMap<readonly string[], readonly string[]>();

/**
 * The error map {@link parseOrThrow} passes zod: records known keys; `undefined` keeps zod's own message. zod asks it
 * only when the schema has no message of its own for the issue.
 */
function recordKnownKeys(issue: unknown): undefined {
  const raw = issue as Partial<RawUnknownKeysIssue>;
  if (raw.code === 'unrecognized_keys' && Array.isArray(raw.keys)) {
    const shape = raw.inst?._zod?.def?.shape;
    knownKeysOf.set(raw.keys, shape ? Object.keys(shape) : []);
  }
  return undefined;
}

/**
 * Parses `input` with `schema`, or throws a {@link ValidationError} whose issues name each offending field.
 * zod's own messages describe the expected shape and never echo the input, so no record value leaks into the error.
 * An unknown key (schemas are strict) is one issue per key, at the key's own path, suggesting the known key it was
 * most likely meant to be: `Unknown key "email" (did you mean "emails"?)`.
 */
export function parseOrThrow<S extends z.ZodMiniType>(
  schema: S,
  input: unknown,
  context?: string,
  /** Where `input` sits in what the caller was given (e.g. `['deal']` inside convert options): prefixes each path. */
  at: readonly (string | number)[] = [],
): z.infer<S> {
  const result = z.safeParse(schema, input, { error: recordKnownKeys });
  if (result.success) return result.data;
  const issues = toValidationIssues(result.error);
  throw new ValidationError(
    at.length === 0 ? issues : issues.map((issue) => ({ ...issue, path: [...at, ...issue.path] })),
    context,
  );
}

/**
 * {@link parseOrThrow} for a schema that names unknown keys itself (the filter language): the same errors, without the
 * error map and the key suggestions, which such a schema never asks for, so a light function does not bundle them.
 */
export function parseOwnMessages<S extends z.ZodMiniType>(schema: S, input: unknown, context?: string): z.infer<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map(plainIssue), context);
}

/** One zod issue as a {@link ValidationIssue}, its path with symbols named. */
function plainIssue(issue: z.core.$ZodIssue): ValidationIssue {
  return {
    path: issue.path.map((key) => (typeof key === 'symbol' ? String(key.description) : key)),
    message: issue.message,
  };
}

/**
 * Converts zod's issues into crmkit's serialisable {@link ValidationIssue}s. In an error from {@link parseOrThrow}, an
 * `unrecognized_keys` issue becomes one issue per unknown key, its path ending in the key, with a suggestion.
 */
export function toValidationIssues(error: z.core.$ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    const known = issue.code === 'unrecognized_keys' ? knownKeysOf.get(issue.keys) : undefined;
    // Not from parseOrThrow, or from a schema with its own message for unknown keys (the filter language): as is.
    if (issue.code !== 'unrecognized_keys' || known === undefined) return [plainIssue(issue)];
    const { path } = plainIssue(issue);
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known) }));
  });
}
