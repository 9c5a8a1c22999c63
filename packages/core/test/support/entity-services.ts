// The plain entity services the lead-service tests put beside `createLeadService`, over the same context, wired as
// createCrm wires them (owner fields, custom fields, match keys on customers and contacts).
import {
  activityInputSchema,
  activityPatchSchema,
  activitySchema,
  contactInputSchema,
  contactPatchSchema,
  contactSchema,
  customerInputSchema,
  customerPatchSchema,
  customerSchema,
  taskInputSchema,
  taskPatchSchema,
  taskSchema,
  userInputSchema,
  userPatchSchema,
  userSchema,
} from '@crmkit/core';
import type { CrmContext } from '../../src/kernel/context.js';
import { createEntityService } from '../../src/kernel/entity-service.js';
import { withMatchKeys } from '../../src/leads/service/keyed-storage.js';

export function entityServices(context: CrmContext) {
  const keyed = { ...context, storage: withMatchKeys(context.storage) };
  return {
    users: createEntityService(context, {
      name: 'user',
      collection: 'users',
      schemas: { input: userInputSchema, record: userSchema, patch: userPatchSchema },
    }),
    customers: createEntityService(keyed, {
      name: 'customer',
      collection: 'customers',
      schemas: { input: customerInputSchema, record: customerSchema, patch: customerPatchSchema },
      ownerField: 'ownerId',
      customFields: 'customer',
    }),
    contacts: createEntityService(keyed, {
      name: 'contact',
      collection: 'contacts',
      schemas: { input: contactInputSchema, record: contactSchema, patch: contactPatchSchema },
      customFields: 'contact',
    }),
    activities: createEntityService(context, {
      name: 'activity',
      collection: 'activities',
      schemas: { input: activityInputSchema, record: activitySchema, patch: activityPatchSchema },
      ownerField: 'ownerId',
      customFields: 'activity',
    }),
    tasks: createEntityService(context, {
      name: 'task',
      collection: 'tasks',
      schemas: { input: taskInputSchema, record: taskSchema, patch: taskPatchSchema },
      ownerField: 'assigneeId',
      customFields: 'task',
    }),
  };
}
