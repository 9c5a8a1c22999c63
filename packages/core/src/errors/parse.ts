import * as z from 'zod/mini';
import { ValidationError, type ValidationIssue } from './errors.js';

/**
 * Parses `input` with `schema`, or throws a {@link ValidationError} whose issues name each offending field.
 * zod's own messages describe the expected shape and never echo the input, so no record value leaks into the error.
 */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, input: unknown, context?: string): z.infer<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw new ValidationError(toValidationIssues(result.error), context);
}

/** Converts zod's issues into crmkit's serialisable {@link ValidationIssue}s. */
export function toValidationIssues(error: z.core.$ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === 'symbol' ? String(key.description) : key)),
    message: issue.message,
  }));
}
