/**
 * Match keys: the normalised contact points and name of a lead, customer or contact, kept on the record as
 * `matchKeys` (a multi-entry index in every adapter), so duplicate detection finds candidates with one indexed
 * `hasAny` query instead of reading whole collections.
 *
 * - `e:<email>`: each e-mail address, trimmed and lower-cased;
 * - `p:<phone>`: each phone number as stored (E.164, since every service normalises numbers before writing); a value
 *   in another form is keyed by its digits and `+`, as de-duplication compares it;
 * - `n:<name key>`: a person's name folded as the fuzzy rule folds it ({@link nameKey}: case, accents, punctuation and
 *   word order removed). An organisation customer has none: it is never matched by name.
 *
 * The services derive them from the record on every write (`withMatchKeys` in `service/keyed-storage.ts`); input never
 * sets them.
 */
import { nameKey } from './dedupe.js';
import { normaliseEmail } from './normalise.js';

/** The collections whose records carry match keys. */
export const MATCH_KEY_COLLECTIONS = ['customers', 'contacts', 'leads'] as const;
export type MatchKeyCollection = (typeof MATCH_KEY_COLLECTIONS)[number];

/** True for the collections whose records carry match keys. */
export const isMatchKeyCollection = (collection: string): collection is MatchKeyCollection =>
  (MATCH_KEY_COLLECTIONS as readonly string[]).includes(collection);

/** The record field holding the keys. */
export const MATCH_KEYS_FIELD = 'matchKeys';

const E164 = /^\+[1-9]\d{1,14}$/;

/** The key of an e-mail address, or `undefined` for an empty one. */
export function emailKey(email: string): string | undefined {
  const normalised = normaliseEmail(email);
  return normalised === '' ? undefined : `e:${normalised}`;
}

/** The key of a phone number: E.164 as it is, anything else as its digits and `+`; `undefined` when nothing is left. */
export function phoneKey(phone: string): string | undefined {
  const trimmed = phone.trim();
  const value = E164.test(trimmed) ? trimmed : trimmed.replace(/[^\d+]/g, '');
  return value === '' ? undefined : `p:${value}`;
}

/** The key of a person's name, or `undefined` when folding leaves nothing. */
export function personNameKey(name: string): string | undefined {
  const folded = nameKey(name);
  return folded === '' ? undefined : `n:${folded}`;
}

/** What a record's keys are computed from. */
export interface MatchKeySource {
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  /** A person's name; leave it out for an organisation. */
  readonly name?: string | undefined;
}

/** The keys of a record or a subject, distinct and sorted. */
export function matchKeysFrom(source: MatchKeySource): string[] {
  const keys = new Set<string>();
  for (const email of source.emails) {
    const key = emailKey(email);
    if (key !== undefined) keys.add(key);
  }
  for (const phone of source.phones) {
    const key = phoneKey(phone);
    if (key !== undefined) keys.add(key);
  }
  if (source.name !== undefined) {
    const key = personNameKey(source.name);
    if (key !== undefined) keys.add(key);
  }
  return [...keys].sort();
}

const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];

/**
 * The match keys of a stored lead, customer or contact: leads have `email` and `phone`, customers and contacts
 * `emails` and `phones` (both forms are read, whatever the collection); an organisation customer has no name key.
 */
export function matchKeysOf(collection: MatchKeyCollection, record: Readonly<Record<string, unknown>>): string[] {
  const name = record['name'];
  const person = !(collection === 'customers' && record['kind'] === 'organisation');
  return matchKeysFrom({
    emails: [...strings(record['email']), ...strings(record['emails'])],
    phones: [...strings(record['phone']), ...strings(record['phones'])],
    name: person && typeof name === 'string' ? name : undefined,
  });
}
