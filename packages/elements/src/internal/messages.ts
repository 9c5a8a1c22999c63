import { msg, str } from '@lit/localize';

/**
 * The user-visible strings shared by crmkit's elements, each a `msg()` with an explicit id so the catalogue in
 * `src/locales/<locale>.ts` can be keyed by hand or by `lit-localize extract`. Call these at render time (never
 * cache the result) so a locale switch shows up on the next render.
 *
 * Convention for new strings: one function per string, id `crm.<component>.<what>` (or `crm.common.<what>` when
 * shared), English source text here, the translation in every file of `src/locales/`.
 */
export const crmMessages = {
  /** Shown while a live query loads for the first time. */
  loading: (): string => msg('Loading…', { id: 'crm.common.loading' }),
  /** Shown when a live query failed. */
  loadFailed: (): string => msg('Could not load the data.', { id: 'crm.common.load-failed' }),
  /** The label of a control that runs a failed query again. */
  retry: (): string => msg('Retry', { id: 'crm.common.retry' }),
  /** Shown when a list has nothing to show. */
  empty: (): string => msg('Nothing here yet.', { id: 'crm.common.empty' }),
  /** A count of records, e.g. in a column header's accessible name. */
  recordCount: (count: number): string => msg(str`${count} records`, { id: 'crm.common.record-count' }),
};
