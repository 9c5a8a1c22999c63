import { ValidationError, type ValidationIssue } from '../errors/errors.js';
import { loadPhoneNormaliser, phoneIssue, type PhoneNormaliser } from '../leads/normalise.js';
import type { StorageOperations } from '../storage/port.js';

/**
 * How a CRM reads phone numbers wherever they enter (leads, customers, contacts): the region numbers without `+` are
 * read in, and the normaliser — the host's, or libphonenumber-js with its full metadata, loaded on demand the first
 * time a write carries a phone number.
 */
export interface PhoneReader {
  /** ISO 3166-1 alpha-2 region of numbers without `+` when the record names none; unset, only `+…` numbers. */
  readonly defaultRegion: string | undefined;
  /** The normaliser. Await it before a transaction opens: an IndexedDB transaction ends at a foreign await. */
  normaliser(): Promise<PhoneNormaliser>;
}

/** A {@link PhoneReader} over the host's options. */
export function createPhoneReader(options: {
  readonly defaultRegion?: string | undefined;
  readonly normalisePhone?: PhoneNormaliser | undefined;
}): PhoneReader {
  const own = options.normalisePhone;
  return {
    defaultRegion: options.defaultRegion,
    normaliser: own ? () => Promise.resolve(own) : loadPhoneNormaliser,
  };
}

/** True when `value` is a list holding at least one string: phone numbers to read. */
export function hasPhoneStrings(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.some((item) => typeof item === 'string');
}

/** A record's own `country` as a region (trimmed, upper-cased), or `undefined`. */
export function countryField(record: Record<string, unknown> | undefined): string | undefined {
  const value = record && Object.hasOwn(record, 'country') ? record['country'] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toUpperCase() : undefined;
}

/**
 * `phones` with every string in E.164, read in `region`; anything else is left for the schema to report.
 *
 * @throws ValidationError at `[...path, index]` for each number that is not valid (the message never repeats it).
 */
export function normalisePhoneList(
  phones: readonly unknown[],
  normalise: PhoneNormaliser,
  region: string | undefined,
  path: readonly (string | number)[],
  context: string,
): unknown[] {
  const issues: ValidationIssue[] = [];
  const result = phones.map((phone, index) => {
    if (typeof phone !== 'string') return phone;
    const e164 = normalise(phone, region);
    if (e164 === undefined) issues.push(phoneIssue([...path, index], region));
    return e164 ?? phone;
  });
  if (issues.length > 0) throw new ValidationError(issues, context);
  return result;
}

/**
 * The `prepare` step of the customer and contact services: the input's `phones` in E.164, read in the record's own
 * `country` (a customer's; for a contact, its customer's) or else the CRM's default region. Loads the normaliser only
 * when the input carries phone numbers; runs before the write's transaction.
 */
export function phonesIntake(
  reader: PhoneReader,
  storage: StorageOperations,
  entity: 'customer' | 'contact',
): (input: Record<string, unknown>, id?: string) => Promise<Record<string, unknown>> {
  return async (input, id) => {
    if (!hasPhoneStrings(input['phones'])) return input;
    const normalise = await reader.normaliser();
    let region: string | undefined;
    if (entity === 'customer') {
      region = countryField(input);
      if (region === undefined && id !== undefined && !Object.hasOwn(input, 'country')) {
        region = countryField(await storage.get('customers', id));
      }
    } else {
      let customerId = input['customerId'];
      if (customerId === undefined && id !== undefined)
        customerId = (await storage.get('contacts', id))?.['customerId'];
      if (typeof customerId === 'string' && customerId !== '') {
        region = countryField(await storage.get('customers', customerId));
      }
    }
    region ??= reader.defaultRegion;
    const phones = normalisePhoneList(
      input['phones'],
      normalise,
      region,
      ['phones'],
      id === undefined ? entity : `${entity} update`,
    );
    return { ...input, phones };
  };
}
