/** Conversion: a lead becomes a customer (or joins one), a contact for an organisation, and a deal, in one write. */
import { ValidationError } from '../../errors/errors.js';
import { parseOrThrow } from '../../errors/parse.js';
import { fromStorage, withoutMeta, written, type PendingEvent } from '../../kernel/index.js';
import { contactSchema, customerInputSchema, customerSchema } from '../../model/customer.js';
import type { Deal } from '../../model/deal.js';
import type { StorageOperations, StoredRecord } from '../../storage/port.js';
import { countryField, hasPhoneStrings, normalisePhoneList } from '../../customers/phones.service.js';
import type { DealWriter } from '../../funnel/deal.service.js';
import { DEFAULT_PIPELINE_ID } from '../../funnel/pipeline.js';
import { pipelineForWrite } from '../../funnel/stage-moves.service.js';
import { mergeLeadIntoCustomerFields } from '../merge.js';
import { CONVERT_DEAL_FIELDS, convertOptionsSchema, isObject } from './schemas.js';
import type { LeadRelations } from './relations.js';
import type { LeadTools } from './tools.js';
import type { ConvertOptions, ConvertResult } from './types.js';

/** `leads.convert` over the lead service's tools, its relation helpers and the deal service's `createIn`. */
export function createConvert(t: LeadTools, relations: LeadRelations, deals: DealWriter) {
  const { context, opts, phones, emit, flush, toLead, loadLead, writeLead, updatedEvent, createRecord, statusError } =
    t;
  const { moveRelated, updateRecord, attachContact } = relations;

  /** The pipeline a conversion opens its deal in: the named one, the one marked default, or the built-in one. */
  const conversionPipelineId = async (tx: StorageOperations, pipelineId: string | undefined): Promise<string> => {
    if (pipelineId !== undefined) return pipelineId;
    const page = await tx.query('pipelines', {
      where: { field: 'isDefault', op: 'eq', value: true },
      orderBy: [{ field: 'id' }],
      limit: 1,
    });
    return page.records[0]?.id ?? DEFAULT_PIPELINE_ID;
  };

  /**
   * Convert options with the phones of the customer and contact they describe in E.164, read in the customer's
   * `country`, else the lead's (or the linked customer's), else the default region. Runs before the transaction.
   */
  const withConvertPhones = async (leadId: unknown, options: unknown): Promise<unknown> => {
    if (!isObject(options)) return options;
    const customer = isObject(options['customer']) ? options['customer'] : undefined;
    const contact = isObject(options['contact']) ? options['contact'] : undefined;
    if (!hasPhoneStrings(customer?.['phones']) && !hasPhoneStrings(contact?.['phones'])) return options;
    const normalise = await phones.normaliser();
    const linkedId = options['customerId'];
    const linked =
      typeof linkedId === 'string' && linkedId !== '' ? await context.storage.get('customers', linkedId) : undefined;
    const lead = typeof leadId === 'string' && leadId !== '' ? await context.storage.get('leads', leadId) : undefined;
    const region = countryField(customer) ?? countryField(linked) ?? countryField(lead) ?? opts.defaultRegion;
    const read = (values: Record<string, unknown> | undefined, key: 'customer' | 'contact') =>
      values && hasPhoneStrings(values['phones'])
        ? {
            [key]: {
              ...values,
              phones: normalisePhoneList(values['phones'], normalise, region, [key, 'phones'], 'convert options'),
            },
          }
        : {};
    return { ...options, ...read(customer, 'customer'), ...read(contact, 'contact') };
  };
  const convert = async (leadId: string, options: ConvertOptions = {}): Promise<ConvertResult> => {
    context.assertCanWrite('lead.convert');
    const convertOptions = parseOrThrow(
      convertOptionsSchema,
      await withConvertPhones(leadId, options),
      'convert options',
    );
    const dealValues = (convertOptions.deal ?? {}) as Record<string, unknown>;
    const refused = Object.keys(dealValues).filter(
      (key) => dealValues[key] !== undefined && !(CONVERT_DEAL_FIELDS as readonly string[]).includes(key),
    );
    if (refused.length > 0) {
      throw new ValidationError(
        refused.map((key) => ({ path: ['deal', key], message: 'Set by the conversion' })),
        'convert options',
      );
    }
    if (isObject(convertOptions.contact) && convertOptions.contact['customerId'] !== undefined) {
      throw new ValidationError(
        [{ path: ['contact', 'customerId'], message: 'Set by the conversion' }],
        'convert options',
      );
    }
    const at = context.nowIso();
    const actorId = context.actor.id;
    const outcome = await context.storage.transaction(async (tx) => {
      const storedLead = await loadLead(tx, leadId, convertOptions.expectedVersion);
      const lead = toLead(storedLead);
      if (lead.status === 'converted') throw statusError('The lead is converted already');
      if (lead.status === 'disqualified') throw statusError('Qualify a disqualified lead before converting it');
      const ownerId = lead.ownerId ?? actorId;
      const events: PendingEvent[] = [];

      // 1. The customer: linked, or created from the lead.
      let customer: StoredRecord;
      let customerCreated = false;
      if (convertOptions.customerId !== undefined) {
        const stored = await tx.get('customers', convertOptions.customerId);
        if (!stored) throw new ValidationError([{ path: ['customerId'], message: 'No such customer' }], 'convert');
        const { fields } = mergeLeadIntoCustomerFields(withoutMeta(stored), withoutMeta(storedLead));
        const write = await updateRecord(tx, 'customers', customerInputSchema, 'customer', stored, fields, at);
        customer = write.record;
        if (write.changedFields.length > 0) {
          events.push([
            'customer.updated',
            { entity: 'customer', id: stored.id, actorId, at, changedFields: write.changedFields },
          ]);
        }
      } else {
        const organisation = lead.company !== undefined;
        const raw: Record<string, unknown> = {
          kind: organisation ? 'organisation' : 'person',
          name: organisation ? lead.company : lead.name,
          ...(organisation ? {} : { emails: lead.email ? [lead.email] : [], phones: lead.phone ? [lead.phone] : [] }),
          ...(lead.source === undefined ? {} : { source: lead.source }),
          ...(lead.country === undefined ? {} : { country: lead.country }),
          ownerId,
          ...(convertOptions.customer as Record<string, unknown> | undefined),
        };
        customer = await createRecord(tx, 'customers', customerInputSchema, 'customer', raw, at);
        customerCreated = true;
        events.push(['customer.created', { entity: 'customer', id: customer.id, actorId, at }]);
      }

      // 2. The contact, for an organisation.
      let contact: { contact: StoredRecord; created: boolean } | undefined;
      if (customer['kind'] === 'organisation') {
        const attached = await attachContact(
          tx,
          lead,
          customer.id,
          convertOptions.contactId,
          convertOptions.contact as Record<string, unknown> | undefined,
          at,
        );
        contact = attached;
        events.push(...attached.events);
      } else if (convertOptions.contactId !== undefined) {
        throw new ValidationError([{ path: ['contactId'], message: 'Only an organisation has contacts' }], 'convert');
      }

      // 3. The deal, in the pipeline's first open stage (or the one named), with its first stage change.
      const pipelineId = await conversionPipelineId(tx, convertOptions.pipelineId);
      const { pipeline, installed } = await pipelineForWrite(context, tx, pipelineId, ['pipelineId']);
      if (installed) events.unshift(['pipeline.created', { entity: 'pipeline', id: installed, actorId, at }]);
      const stageId =
        (dealValues['stageId'] as string | undefined) ?? pipeline.stages.find((s) => s.kind === 'open')?.id;
      const stage = pipeline.stages.find((candidate) => candidate.id === stageId);
      if (!stage || stage.kind !== 'open') {
        throw new ValidationError(
          [{ path: ['deal', 'stageId'], message: 'Expected an open stage of the pipeline' }],
          'convert',
        );
      }
      const dealRaw: Record<string, unknown> = {
        title: lead.company ?? lead.name,
        amount: { amountMinor: 0, currency: context.currency },
        ownerId,
        ...(lead.source === undefined ? {} : { source: lead.source }),
        ...Object.fromEntries(Object.entries(dealValues).filter(([, value]) => value !== undefined)),
        customerId: customer.id,
        pipelineId: pipeline.id,
        stageId: stage.id,
        status: 'open',
        stageEnteredAt: at,
      };
      // Created by the deal service's own in-transaction function: validated once (paths start at `deal`, as in the
      // options: `deal.customFields.x` is the deal's, not the customer's), gate checked, stage change and audit.
      const created = await deals.createIn(tx, dealRaw, at, ['deal']);
      const deal = created.deal;
      const dealId = deal.id;
      events.push(...created.events);

      // 4. The lead's history moves to the customer; the lead is converted.
      const moved = await moveRelated(
        tx,
        leadId,
        { kind: 'customer', customerId: customer.id, ...(contact ? { contactId: contact.contact.id } : {}) },
        at,
      );
      const leadWrite = await writeLead(
        tx,
        storedLead,
        {
          ...withoutMeta(storedLead),
          status: 'converted',
          convertedCustomerId: customer.id,
          convertedDealId: dealId,
          convertedAt: at,
        },
        at,
        convertOptions.expectedVersion,
      );
      events.push(updatedEvent(leadId, at, leadWrite.changedFields), ...moved.events);
      return { lead: leadWrite.record, customer, customerCreated, contact, deal, pipelineId: pipeline.id, events };
    });
    flush(outcome.events);
    emit('lead.converted', {
      id: leadId,
      actorId,
      at,
      customerId: outcome.customer.id,
      ...(outcome.contact ? { contactId: outcome.contact.contact.id } : {}),
      dealId: outcome.deal.id,
      pipelineId: outcome.pipelineId,
      customerCreated: outcome.customerCreated,
      contactCreated: outcome.contact?.created ?? false,
    });
    return {
      lead: toLead(outcome.lead),
      customer: fromStorage(customerSchema, outcome.customer, 'customer'),
      ...(outcome.contact ? { contact: fromStorage(contactSchema, outcome.contact.contact, 'contact') } : {}),
      deal: written<Deal>(outcome.deal),
      customerCreated: outcome.customerCreated,
      contactCreated: outcome.contact?.created ?? false,
    };
  };

  return convert;
}
