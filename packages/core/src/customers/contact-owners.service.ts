/**
 * A contact is seen by whoever sees its customer: the access policy scopes contacts by their own `ownerId` and
 * `sharedWith`, so an index answers "my contacts" without a join. A new contact takes its customer's owner and
 * shares; reassigning or re-sharing a customer moves its contacts along, in the same transaction.
 */
import {
  canonicalJson,
  updateAudited,
  withoutMeta,
  type EntityDescriptor,
  type PendingEvent,
} from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import type { StorageOperations } from '../storage/port.js';

/** The customer's fields its contacts follow. */
const FOLLOWED = ['ownerId', 'sharedWith'] as const;

/** The input of a new contact with its customer's `ownerId` and `sharedWith`, where the input names none. */
export async function withCustomerOwner(
  storage: StorageOperations,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  if (typeof input['customerId'] !== 'string') return input;
  const customer = await storage.get('customers', input['customerId']);
  const taken: Record<string, unknown> = {};
  for (const field of FOLLOWED) {
    if (input[field] === undefined && customer?.[field] !== undefined) taken[field] = customer[field];
  }
  return { ...taken, ...input };
}

type WriteHook = NonNullable<EntityDescriptor<unknown, unknown, unknown>['onWrite']>;

/** After a customer write: when its owner or shares changed, gives its contacts the new ones; resolves to their events. */
export function contactsFollowOwner(context: CrmContext): WriteHook {
  return async (tx, change, at) => {
    const { before, after, id } = change;
    if (!before || !after || id === undefined) return [];
    if (FOLLOWED.every((field) => canonicalJson(before[field]) === canonicalJson(after[field]))) return [];
    const page = await tx.query('contacts', { where: { field: 'customerId', op: 'eq', value: id } });
    const events: PendingEvent[] = [];
    for (const contact of page.records) {
      const next = withoutMeta(contact);
      for (const field of FOLLOWED) {
        if (after[field] === undefined) delete next[field];
        else next[field] = after[field];
      }
      const { changedFields } = await updateAudited(context, tx, 'contacts', contact, next, at, {
        skipUnchanged: true,
      });
      if (changedFields.length > 0) {
        events.push([
          'contact.updated',
          { entity: 'contact', id: contact.id, actorId: context.actor.id, at, changedFields },
        ]);
      }
    }
    return events;
  };
}
