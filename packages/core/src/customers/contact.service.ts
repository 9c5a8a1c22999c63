import { createEntityService, type EntityService } from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import { withMatchKeys } from '../leads/service/keyed-storage.js';
import type { PhoneNormaliser } from '../leads/normalise.js';
import {
  contactInputSchema,
  contactPatchSchema,
  contactSchema,
  type Contact,
  type ContactInput,
  type ContactPatch,
} from '../model/customer.js';
import { createPhoneReader, phonesIntake } from './phones.service.js';

/** Creates the contact service: phones read into E.164 on the way in, match keys kept on every write. */
export function createContactService(
  context: CrmContext,
  phones: { readonly defaultRegion?: string; readonly normalisePhone?: PhoneNormaliser },
): EntityService<ContactInput, Contact, ContactPatch> {
  const keyed = { ...context, storage: withMatchKeys(context.storage) };
  return createEntityService(keyed, {
    name: 'contact',
    collection: 'contacts',
    schemas: { input: contactInputSchema, record: contactSchema, patch: contactPatchSchema },
    customFields: 'contact',
    prepare: phonesIntake(createPhoneReader(phones), keyed.storage, 'contact'),
  });
}
