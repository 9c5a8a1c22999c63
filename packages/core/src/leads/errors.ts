/**
 * The error lead capture throws when a duplicate is found under a `block` policy.
 */
import { CrmError, CrmErrorCode } from '../errors/errors.js';
import type { DuplicateMatch } from './dedupe.js';

/** The stable code of {@link DuplicateError}. */
export const DUPLICATE_ERROR_CODE = CrmErrorCode.duplicate;

/**
 * The input duplicates records that a `block` de-duplication policy protects; nothing was written. `matches` lists
 * each existing record (kind and id), the rules that matched, the field names that matched and a score — never the
 * matched values, so the error is safe to log.
 */
export class DuplicateError extends CrmError {
  /** The blocking matches, strongest first. */
  readonly matches: readonly DuplicateMatch[];

  constructor(matches: readonly DuplicateMatch[], context = 'lead') {
    const listed = matches
      .slice(0, 5)
      .map((match) => `${match.kind} ${match.id} (${match.fields.join(', ')})`)
      .join('; ');
    const more = matches.length > 5 ? `; and ${matches.length - 5} more` : '';
    super(DUPLICATE_ERROR_CODE, `The ${context} duplicates ${matches.length} existing record(s): ${listed}${more}`);
    this.matches = matches;
  }
}
