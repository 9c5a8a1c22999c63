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
import { activityRemovalHooks } from '../timeline/activity.service.js';
import { createPhoneReader, phonesIntake } from './phones.service.js';
import { withCustomerOwner } from './contact-owners.service.js';

/**
 * Creates the contact service: phones read into E.164 on the way in, match keys kept on every write, the customer
 * checked inside each write; a contact that activities, tasks or consents point at is deleted only with them.
 */
export function createContactService(
  context: CrmContext,
  phones: { readonly defaultRegion?: string; readonly normalisePhone?: PhoneNormaliser },
): EntityService<ContactInput, Contact, ContactPatch> {
  const keyed = { ...context, storage: withMatchKeys(context.storage), system: withMatchKeys(context.system) };
  const intake = phonesIntake(createPhoneReader(phones), keyed.storage, 'contact');
  return createEntityService(keyed, {
    name: 'contact',
    collection: 'contacts',
    schemas: { input: contactInputSchema, record: contactSchema, patch: contactPatchSchema },
    customFields: 'contact',
    ownerField: 'ownerId',
    prepare: async (input, id) => {
      const phonesRead = await intake(input, id);
      return id === undefined ? withCustomerOwner(keyed.storage, phonesRead) : phonesRead;
    },
    removalHooks: activityRemovalHooks(keyed),
  });
}
