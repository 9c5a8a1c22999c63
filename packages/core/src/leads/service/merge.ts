/** Merging: a lead into another lead, or into an existing customer; fields as chosen, history moved, one write. */
import * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '../../errors/errors.js';
import { parseOrThrow } from '../../errors/parse.js';
import { fromStorage, removeAudited, withoutMeta, type PendingEvent } from '../../kernel/index.js';
import { contactSchema, customerInputSchema, customerSchema } from '../../model/customer.js';
import { idSchema } from '../../model/primitives.js';
import type { StoredRecord } from '../../storage/port.js';
import {
  mergeLeadFields,
  mergeLeadIntoCustomerFields,
  type CustomerMergeChoices,
  type LeadMergeChoices,
} from '../merge.js';
import { mergeIntoCustomerOptionsSchema, mergeOptionsSchema, withScore } from './schemas.js';
import type { LeadRelations } from './relations.js';
import type { LeadTools } from './tools.js';
import type { MergeIntoCustomerOptions, MergeIntoCustomerResult, MergeOptions, MergeResult } from './types.js';

/** `leads.merge` and `leads.mergeIntoCustomer` over the lead service's tools and relation helpers. */
export function createMerge(t: LeadTools, relations: LeadRelations) {
  const { context, emit, flush, toLead, loadLead, loadActivities, computeScore, writeLead, updatedEvent, statusError } =
    t;
  const { moveRelated, updateRecord, attachContact } = relations;

  const merge = async (survivorId: string, otherId: string, options: MergeOptions = {}): Promise<MergeResult> => {
    context.assertCanWrite('lead.merge');
    const mergeOptions = parseOrThrow(mergeOptionsSchema, options, 'merge options');
    const ids = parseOrThrow(
      z.strictObject({ survivorId: idSchema, otherId: idSchema }),
      { survivorId, otherId },
      'merge',
    );
    if (ids.survivorId === ids.otherId) {
      throw new ValidationError([{ path: ['otherId'], message: 'A lead cannot be merged into itself' }], 'merge');
    }
    const at = context.nowIso();
    const outcome = await context.storage.transaction(async (tx) => {
      const survivor = await loadLead(tx, ids.survivorId, mergeOptions.expectedVersions?.survivor);
      const other = await loadLead(tx, ids.otherId, mergeOptions.expectedVersions?.other);
      const { fields, takenFromOther } = mergeLeadFields(
        withoutMeta(survivor),
        withoutMeta(other),
        (mergeOptions.fields ?? {}) as LeadMergeChoices,
      );
      const moved = await moveRelated(tx, ids.otherId, { kind: 'lead', id: ids.survivorId }, at);
      const score = computeScore(
        { ...fields, id: ids.survivorId, createdAt: survivor.createdAt, updatedAt: at },
        await loadActivities(tx, ids.survivorId),
      );
      const { next } = withScore(fields, score, 'merge', at);
      const written = await writeLead(tx, survivor, next, at, mergeOptions.expectedVersions?.survivor);
      await removeAudited(context, tx, 'leads', ids.otherId, at, mergeOptions.expectedVersions?.other ?? other.version);
      return { ...written, takenFromOther, moved, previousScore: survivor['score'] as number };
    });
    const lead = toLead(outcome.record);
    flush([
      updatedEvent(lead.id, at, outcome.changedFields),
      ['lead.deleted', { entity: 'lead', id: ids.otherId, actorId: context.actor.id, at }],
      ...outcome.moved.events,
    ]);
    emit('lead.merged', {
      id: lead.id,
      actorId: context.actor.id,
      at,
      into: 'lead',
      mergedId: ids.otherId,
      fieldsTaken: outcome.takenFromOther,
      movedActivities: outcome.moved.activities,
      movedTasks: outcome.moved.tasks,
      movedConsents: outcome.moved.consents,
    });
    if (lead.score !== outcome.previousScore) {
      emit('lead.scored', {
        id: lead.id,
        actorId: context.actor.id,
        at,
        score: lead.score,
        previousScore: outcome.previousScore,
        trigger: 'merge',
      });
    }
    return {
      lead,
      mergedId: ids.otherId,
      fieldsTaken: outcome.takenFromOther,
      movedActivities: outcome.moved.activities,
      movedTasks: outcome.moved.tasks,
      movedConsents: outcome.moved.consents,
    };
  };

  const mergeIntoCustomer = async (
    leadId: string,
    customerId: string,
    options: MergeIntoCustomerOptions = {},
  ): Promise<MergeIntoCustomerResult> => {
    context.assertCanWrite('lead.merge');
    const mergeOptions = parseOrThrow(mergeIntoCustomerOptionsSchema, options, 'merge options');
    const ids = parseOrThrow(
      z.strictObject({ leadId: idSchema, customerId: idSchema }),
      { leadId, customerId },
      'merge',
    );
    const at = context.nowIso();
    const actorId = context.actor.id;
    const outcome = await context.storage.transaction(async (tx) => {
      const storedLead = await loadLead(tx, ids.leadId, mergeOptions.expectedVersion);
      const lead = toLead(storedLead);
      if (lead.status === 'converted') throw statusError('The lead is converted already');
      const storedCustomer = await tx.get('customers', ids.customerId);
      if (!storedCustomer) throw new NotFoundError('customers', ids.customerId);
      const { fields, takenFromOther } = mergeLeadIntoCustomerFields(
        withoutMeta(storedCustomer),
        withoutMeta(storedLead),
        (mergeOptions.fields ?? {}) as CustomerMergeChoices,
      );
      const customerWrite = await updateRecord(
        tx,
        'customers',
        customerInputSchema,
        'customer',
        storedCustomer,
        fields,
        at,
      );
      const events: PendingEvent[] =
        customerWrite.changedFields.length > 0
          ? [
              [
                'customer.updated',
                { entity: 'customer', id: ids.customerId, actorId, at, changedFields: customerWrite.changedFields },
              ],
            ]
          : [];
      let contact: { contact: StoredRecord; created: boolean; events: PendingEvent[] } | undefined;
      if (storedCustomer['kind'] === 'organisation') {
        contact = await attachContact(tx, lead, ids.customerId, mergeOptions.contactId, undefined, at);
        events.push(...contact.events);
      } else if (mergeOptions.contactId !== undefined) {
        throw new ValidationError(
          [{ path: ['contactId'], message: 'Only an organisation has contacts' }],
          'merge options',
        );
      }
      const moved = await moveRelated(
        tx,
        ids.leadId,
        { kind: 'customer', customerId: ids.customerId, ...(contact ? { contactId: contact.contact.id } : {}) },
        at,
      );
      const leadWrite = await writeLead(
        tx,
        storedLead,
        { ...withoutMeta(storedLead), status: 'converted', convertedCustomerId: ids.customerId, convertedAt: at },
        at,
        mergeOptions.expectedVersion,
      );
      events.push(updatedEvent(ids.leadId, at, leadWrite.changedFields), ...moved.events);
      return {
        lead: leadWrite.record,
        customer: customerWrite.record,
        contact: contact?.contact,
        takenFromOther,
        moved,
        events,
      };
    });
    flush(outcome.events);
    emit('lead.merged', {
      id: ids.leadId,
      actorId,
      at,
      into: 'customer',
      customerId: ids.customerId,
      ...(outcome.contact ? { contactId: outcome.contact.id } : {}),
      fieldsTaken: outcome.takenFromOther,
      movedActivities: outcome.moved.activities,
      movedTasks: outcome.moved.tasks,
      movedConsents: outcome.moved.consents,
    });
    return {
      lead: toLead(outcome.lead),
      customer: fromStorage(customerSchema, outcome.customer, 'customer'),
      ...(outcome.contact ? { contact: fromStorage(contactSchema, outcome.contact, 'contact') } : {}),
      fieldsTaken: outcome.takenFromOther,
      movedActivities: outcome.moved.activities,
      movedTasks: outcome.moved.tasks,
      movedConsents: outcome.moved.consents,
    };
  };

  return { merge, mergeIntoCustomer };
}
