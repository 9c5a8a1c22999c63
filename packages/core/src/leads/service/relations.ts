/** Moving a lead's related records, and updating or attaching the customer and contact it becomes. */
import type * as z from 'zod/mini';
import { ValidationError } from '../../errors/errors.js';
import { parseOrThrow } from '../../errors/parse.js';
import { loadAll, updateAudited, withoutMeta, type PendingEvent } from '../../kernel/index.js';
import { activityInputSchema, taskInputSchema } from '../../model/activity.js';
import { consentInputSchema } from '../../model/compliance.js';
import type { CustomFieldEntity } from '../../model/custom-fields.js';
import { contactInputSchema } from '../../model/customer.js';
import type { StorageOperations, StoredRecord } from '../../storage/port.js';
import { unionContactPoints } from '../merge.js';
import type { ExtendedLead } from '../schema.js';
import { eq, stringsField } from './schemas.js';
import type { LeadTools } from './tools.js';

/** The relation helpers over the lead service's tools. */
export function createRelations(t: LeadTools) {
  const { context, schemaFor, createRecord } = t;

  /** Where a lead's activities, tasks and consents move: to another lead, or to a customer (and contact). */
  type MoveTarget =
    | { readonly kind: 'lead'; readonly id: string }
    | { readonly kind: 'customer'; readonly customerId: string; readonly contactId?: string };

  /** Re-points the lead's activities, tasks and consents at `target`, audited; returns the events to emit. */
  const moveRelated = async (tx: StorageOperations, leadId: string, target: MoveTarget, at: string) => {
    const events: PendingEvent[] = [];
    const write = async (
      collection: string,
      record: StoredRecord,
      change: Record<string, unknown>,
      schema: z.ZodMiniType,
    ) => {
      const next = parseOrThrow(schema, { ...withoutMeta(record), ...change }, collection) as Record<string, unknown>;
      return (await updateAudited(context, tx, collection, record, next, at)).changedFields;
    };
    const activities = await loadAll(tx, 'activities', eq('leadId', leadId));
    for (const activity of activities) {
      const change: Record<string, unknown> =
        target.kind === 'lead'
          ? { leadId: target.id }
          : {
              customerId: target.customerId,
              ...(target.contactId !== undefined && activity['contactId'] === undefined
                ? { contactId: target.contactId }
                : {}),
            };
      const changedFields = await write('activities', activity, change, activityInputSchema);
      const payload = { entity: 'activity', id: activity.id, actorId: context.actor.id, at, changedFields };
      events.push(['activity.updated', payload]);
    }
    const tasks = await loadAll(tx, 'tasks', { all: [eq('related.kind', 'lead'), eq('related.id', leadId)] });
    for (const task of tasks) {
      const related =
        target.kind === 'lead' ? { kind: 'lead', id: target.id } : { kind: 'customer', id: target.customerId };
      const changedFields = await write('tasks', task, { related }, taskInputSchema);
      events.push(['task.updated', { entity: 'task', id: task.id, actorId: context.actor.id, at, changedFields }]);
    }
    const consents = await loadAll(tx, 'consents', { all: [eq('subjectKind', 'lead'), eq('subjectId', leadId)] });
    for (const consent of consents) {
      const subject =
        target.kind === 'lead'
          ? { subjectId: target.id }
          : target.contactId !== undefined
            ? { subjectKind: 'contact', subjectId: target.contactId }
            : { subjectKind: 'customer', subjectId: target.customerId };
      await write('consents', consent, subject, consentInputSchema);
    }
    return { events, activities: activities.length, tasks: tasks.length, consents: consents.length };
  };

  /** Updates a customer or contact to `next` when it differs, audited; returns the record and changed fields. */
  const updateRecord = async (
    tx: StorageOperations,
    collection: 'customers' | 'contacts',
    schema: z.ZodMiniType,
    entity: CustomFieldEntity,
    stored: StoredRecord,
    next: Record<string, unknown>,
    at: string,
  ) => {
    const parsed = parseOrThrow(await schemaFor(tx, schema, entity), next, entity) as Record<string, unknown>;
    return updateAudited(context, tx, collection, stored, parsed, at, { skipUnchanged: true });
  };

  /**
   * Attaches the lead's person to an organisation customer: to `contactId` (its emails and phones gain the lead's) or
   * to a new contact. Returns the contact and the events to emit.
   */
  const attachContact = async (
    tx: StorageOperations,
    lead: ExtendedLead,
    customerId: string,
    contactId: string | undefined,
    values: Record<string, unknown> | undefined,
    at: string,
  ): Promise<{ contact: StoredRecord; created: boolean; events: PendingEvent[] }> => {
    const actorId = context.actor.id;
    if (contactId !== undefined) {
      const stored = await tx.get('contacts', contactId);
      if (!stored || stored['customerId'] !== customerId) {
        throw new ValidationError([{ path: ['contactId'], message: 'No such contact of the customer' }], 'lead');
      }
      const current = withoutMeta(stored);
      const next = {
        ...current,
        emails: unionContactPoints(stringsField(current, 'emails'), [lead.email]),
        phones: unionContactPoints(stringsField(current, 'phones'), [lead.phone]),
      };
      const { record, changedFields } = await updateRecord(
        tx,
        'contacts',
        contactInputSchema,
        'contact',
        stored,
        next,
        at,
      );
      const events: PendingEvent[] =
        changedFields.length > 0
          ? [['contact.updated', { entity: 'contact', id: contactId, actorId, at, changedFields }]]
          : [];
      return { contact: record, created: false, events };
    }
    const existing = await tx.count('contacts', eq('customerId', customerId));
    // The contact is seen by whoever sees its customer (see customers/contact-owners.service.ts).
    const customer = await tx.get('customers', customerId);
    const record = await createRecord(
      tx,
      'contacts',
      contactInputSchema,
      'contact',
      {
        customerId,
        name: lead.name,
        emails: lead.email === undefined ? [] : [lead.email],
        phones: lead.phone === undefined ? [] : [lead.phone],
        primary: existing === 0,
        ...(customer?.['ownerId'] === undefined ? {} : { ownerId: customer['ownerId'] }),
        ...(customer?.['sharedWith'] === undefined ? {} : { sharedWith: customer['sharedWith'] }),
        ...values,
      },
      at,
    );
    return {
      contact: record,
      created: true,
      events: [['contact.created', { entity: 'contact', id: record.id, actorId, at }]],
    };
  };

  return { moveRelated, updateRecord, attachContact };
}

/** The relation helpers; see {@link createRelations}. */
export type LeadRelations = ReturnType<typeof createRelations>;
