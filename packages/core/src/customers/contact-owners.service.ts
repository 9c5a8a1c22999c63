/**
 * A contact belongs to whoever owns its customer: the access policy scopes contacts by their own `ownerId`, so an
 * index answers "my contacts" without a join. A new contact takes its customer's owner; reassigning a customer moves
 * its contacts along, in the same transaction.
 */
import { updateAudited, withoutMeta, type EntityDescriptor, type PendingEvent } from '../kernel/index.js';
import type { CrmContext } from '../kernel/context.js';
import type { StorageOperations } from '../storage/port.js';

/** The input of a new contact with `ownerId` set to its customer's owner, unless the input names one. */
export async function withCustomerOwner(
  storage: StorageOperations,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  if (input['ownerId'] !== undefined || typeof input['customerId'] !== 'string') return input;
  const owner = (await storage.get('customers', input['customerId']))?.['ownerId'];
  return typeof owner === 'string' ? { ...input, ownerId: owner } : input;
}

type WriteHook = NonNullable<EntityDescriptor<unknown, unknown, unknown>['onWrite']>;

/** After a customer write: when its owner changed, gives its contacts the new owner; resolves to their events. */
export function contactsFollowOwner(context: CrmContext): WriteHook {
  return async (tx, change, at) => {
    const { before, after } = change;
    if (!before || !after || before['ownerId'] === after['ownerId']) return [];
    const customerId = change.id;
    if (customerId === undefined) return [];
    const page = await tx.query('contacts', { where: { field: 'customerId', op: 'eq', value: customerId } });
    const events: PendingEvent[] = [];
    for (const contact of page.records) {
      const { ownerId: _old, ...rest } = withoutMeta(contact);
      const next = after['ownerId'] === undefined ? rest : { ...rest, ownerId: after['ownerId'] };
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
