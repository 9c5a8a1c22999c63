/**
 * The lead service (线索管理): capture → normalise → de-duplicate → score → assign → qualify/disqualify → convert to
 * customer, contact and deal, plus merging and the follow-up SLA. It composes the generic entity service for CRUD and
 * runs the pure functions of `leads/` on data loaded through the storage port; its parts live beside it (`capture`,
 * `convert`, `merge`, `rescore`, over the shared `tools`). Every operation that writes more than one record writes
 * them in one transaction, with their audit entries: all or nothing.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../../errors/errors.js';
import { parseOrThrow } from '../../errors/parse.js';
import { createEntityService, fromStorage, loadAll, loadWhereIn, withoutMeta } from '../../kernel/index.js';
import type { CrmContext } from '../../kernel/context.js';
import type { BackgroundErrorHandler } from '../../kernel/background.js';
import type { Filter } from '../../filter/schema.js';
import { activitySchema, type Activity } from '../../model/activity.js';
import { activityRemovalHooks } from '../../timeline/activity.service.js';
import { createDealService, type DealWriter } from '../../funnel/deal.service.js';
import { DEFAULT_LOST_REASON_CODES } from '../../funnel/pipeline.js';
import { explicitAssignment, type AssignmentDecision } from '../assignment.js';
import { findDuplicateMatches } from '../dedupe.js';
import { withMatchKeys } from './keyed-storage.js';
import { normaliseLeadFields } from '../normalise.js';
import { extendedLeadInputSchema, extendedLeadPatchSchema, extendedLeadSchema } from '../schema.js';
import { leadSla, overdueLeads } from '../sla.js';
import { createCapture } from './capture.js';
import { createConvert } from './convert.js';
import { createMerge } from './merge.js';
import { createRelations } from './relations.js';
import { createRescoring } from './rescore.js';
import {
  assignOptionsSchema,
  captureOptionsSchema,
  disqualifyOptionsSchema,
  duplicateQuerySchema,
  isObject,
  openLeadsFilter,
  qualifyOptionsSchema,
  refuseManagedFields,
  rescoreAllOptionsSchema,
  stringField,
  subjectOf,
} from './schemas.js';
import { createLeadTools } from './tools.js';
import type { LeadService, LeadServiceOptions } from './types.js';

/**
 * Builds the lead service over the CRM's context. Options are validated here (`ValidationError` naming the option).
 * A conversion creates its deal through `deals` (the CRM's deal service; one over the same context by default).
 * Background re-scoring failures go to `options.onBackgroundError`, else to `onBackgroundError` (the CRM's handler).
 */
export function createLeadService(
  context: CrmContext,
  options: LeadServiceOptions = {},
  deals: DealWriter = createDealService(context, DEFAULT_LOST_REASON_CODES),
  onBackgroundError?: BackgroundErrorHandler,
): LeadService {
  // Every lead (and every customer or contact a conversion or merge writes) carries its match keys.
  context = { ...context, storage: withMatchKeys(context.storage), system: withMatchKeys(context.system) };
  const t = createLeadTools(context, options);
  const {
    opts,
    dedupeRules,
    assignmentConfig,
    slaPolicy,
    normaliseOptions,
    normaliserFor,
    emit,
    flush,
    toLead,
    loadLead,
    loadActivities,
    computeScore,
    dedupeRecords,
    decide,
    assignmentRecord,
    writeLead,
    updatedEvent,
    transition,
    statusError,
  } = t;

  const base = createEntityService(context, {
    name: 'lead',
    collection: 'leads',
    schemas: { input: extendedLeadInputSchema, record: extendedLeadSchema, patch: extendedLeadPatchSchema },
    ownerField: 'ownerId',
    customFields: 'lead',
    removalHooks: activityRemovalHooks(context),
  });
  const relations = createRelations(t);
  const insert = createCapture(t);
  // Scores are the CRM's own derivation, kept after any actor's change: re-scoring writes past the policy. A caller
  // asking for it is checked first (`rescore` reads the lead as the actor).
  const rescoring = createRescoring({ ...t, context: { ...context, storage: context.system } }, onBackgroundError);
  const { rescoreNow } = rescoring;
  const convert = createConvert(t, relations, deals);
  const { merge, mergeIntoCustomer } = createMerge(t, relations);

  return {
    ...base,

    async capture(input, options) {
      context.assertCanWrite('lead.capture');
      const captureOptions = parseOrThrow(captureOptionsSchema, options, 'capture options');
      const consents = captureOptions.consent === undefined ? [] : [captureOptions.consent].flat();
      return insert(input, {
        via: 'capture',
        source: captureOptions.source,
        ...(captureOptions.campaign === undefined ? {} : { campaign: captureOptions.campaign }),
        consents,
        ...(captureOptions.note?.trim() ? { note: captureOptions.note.trim() } : {}),
      });
    },

    async create(input) {
      context.assertCanWrite('lead.create');
      return (await insert(input, { via: 'create', consents: [] })).lead;
    },

    async update(id, patch, options) {
      context.assertCanWrite('lead.update');
      refuseManagedFields(patch, 'lead update');
      if (!isObject(patch)) return base.update(id, patch, options);
      let region = stringField(patch, 'country');
      if (region === undefined && typeof patch['phone'] === 'string') {
        const current = await context.storage.get('leads', id);
        region = current && stringField(current, 'country');
      }
      const normalised = normaliseLeadFields(
        patch,
        normaliseOptions(await normaliserFor(patch), region ?? opts.defaultRegion),
      );
      return base.update(id, normalised, options);
    },

    async findDuplicates(leadIdOrData) {
      if (typeof leadIdOrData === 'string') {
        const lead = toLead(await loadLead(context.storage, leadIdOrData));
        const subject = subjectOf(lead);
        const records = await dedupeRecords(context.storage, subject, await normaliserFor(lead));
        return findDuplicateMatches(subject, records, dedupeRules, { exclude: { kind: 'lead', id: lead.id } });
      }
      if (!isObject(leadIdOrData))
        throw new ValidationError([{ path: [], message: 'Expected a lead id or an object' }], 'duplicate query');
      const normalisePhone = await normaliserFor(leadIdOrData);
      const query = parseOrThrow(
        duplicateQuerySchema,
        normaliseLeadFields(leadIdOrData, normaliseOptions(normalisePhone)),
        'duplicate query',
      ) as Record<string, unknown>;
      const subject = subjectOf(query);
      return findDuplicateMatches(subject, await dedupeRecords(context.storage, subject, normalisePhone), dedupeRules);
    },

    async score(leadId) {
      const lead = toLead(await loadLead(context.storage, leadId));
      return computeScore(lead, await loadActivities(context.storage, leadId));
    },

    async rescore(leadId) {
      context.assertCanWrite('lead.rescore');
      await loadLead(context.storage, leadId);
      return rescoreNow(leadId, 'rescore', false);
    },

    async rescoreAll(options = {}) {
      context.assertCanWrite('lead.rescore');
      const where = (parseOrThrow(rescoreAllOptionsSchema, options, 'rescore options').where ??
        openLeadsFilter) as Filter;
      let rescored = 0;
      let changed = 0;
      for (const record of await loadAll(context.storage, 'leads', where)) {
        const result = await rescoreNow(record.id, 'rescore', false);
        rescored++;
        if (result.changed) changed++;
      }
      return { rescored, changed };
    },

    async assign(leadId, options) {
      context.assertCanWrite('lead.assign');
      const assignOptions = parseOrThrow(assignOptionsSchema, options ?? {}, 'assign options');
      const at = context.nowIso();
      const outcome = await context.storage.transaction(async (tx) => {
        const stored = await loadLead(tx, leadId, assignOptions.expectedVersion);
        const lead = toLead(stored);
        if (lead.status === 'converted' || lead.status === 'disqualified') {
          throw statusError('Only an open lead is assigned');
        }
        let decision: AssignmentDecision;
        if (assignOptions.ownerId !== undefined) {
          const user = await tx.get('users', assignOptions.ownerId);
          if (user && user['active'] === false) {
            throw new ValidationError(
              [{ path: ['ownerId'], message: 'An inactive user receives no new leads' }],
              'assign',
            );
          }
          decision = explicitAssignment(assignOptions.ownerId);
        } else {
          decision = await decide(tx, lead, assignmentConfig === false ? {} : assignmentConfig, lead);
        }
        const next = {
          ...withoutMeta(stored),
          ...(decision.ownerId === undefined ? {} : { ownerId: decision.ownerId }),
          assignment: assignmentRecord(decision, at),
        };
        const written = await writeLead(tx, stored, next, at, assignOptions.expectedVersion);
        return { ...written, decision, previousOwnerId: lead.ownerId };
      });
      flush([updatedEvent(leadId, at, outcome.changedFields)]);
      emit('lead.assigned', {
        id: leadId,
        actorId: context.actor.id,
        at,
        ...(outcome.decision.ownerId === undefined ? {} : { ownerId: outcome.decision.ownerId }),
        ...(outcome.previousOwnerId === undefined ? {} : { previousOwnerId: outcome.previousOwnerId }),
        strategy: outcome.decision.strategy,
        code: outcome.decision.code,
        ...(outcome.decision.ruleId === undefined ? {} : { ruleId: outcome.decision.ruleId }),
      });
      return { lead: toLead(outcome.record), decision: outcome.decision };
    },

    async qualify(leadId, options) {
      const { expectedVersion } = parseOrThrow(qualifyOptionsSchema, options ?? {}, 'qualify options');
      return transition(
        leadId,
        'lead.qualify',
        expectedVersion,
        (lead, at) => {
          if (lead.status === 'qualified') throw statusError('The lead is qualified already');
          if (lead.status === 'converted') throw statusError('A converted lead is not qualified again');
          return { status: 'qualified', qualifiedAt: at, disqualifyReason: undefined, disqualifiedAt: undefined };
        },
        'lead.qualified',
      );
    },

    async disqualify(leadId, options) {
      const { reason, expectedVersion } = parseOrThrow(disqualifyOptionsSchema, options ?? {}, 'disqualify options');
      return transition(
        leadId,
        'lead.disqualify',
        expectedVersion,
        (lead, at) => {
          if (lead.status === 'disqualified') throw statusError('The lead is disqualified already');
          if (lead.status === 'converted') throw statusError('A converted lead cannot be disqualified');
          return { status: 'disqualified', disqualifyReason: reason, disqualifiedAt: at };
        },
        'lead.disqualified',
      );
    },

    async sla(leadId) {
      const lead = toLead(await loadLead(context.storage, leadId));
      return leadSla(lead, await loadActivities(context.storage, leadId), slaPolicy, context.now());
    },

    async overdue(options = {}) {
      const { limit } = parseOrThrow(
        z.strictObject({ limit: z.optional(z.int().check(z.positive())) }),
        options,
        'options',
      );
      const now = context.now();
      const dueBefore = new Date(now.getTime() - slaPolicy.firstActivityWithinMinutes * 60_000).toISOString();
      const leads = (
        await loadAll(context.storage, 'leads', {
          all: [
            { field: 'status', op: 'in', values: [...slaPolicy.openStatuses] },
            { field: 'createdAt', op: 'lt', value: dueBefore },
          ],
        })
      ).map(toLead);
      const activities: Activity[] = (
        await loadWhereIn(
          context.storage,
          'activities',
          'leadId',
          leads.map((lead) => lead.id),
        )
      ).map((record) => fromStorage(activitySchema, record, 'activity'));
      const overdue = overdueLeads(leads, activities, slaPolicy, now);
      return limit === undefined ? overdue : overdue.slice(0, limit);
    },
    merge,
    mergeIntoCustomer,
    convert,
    settled: rescoring.settled,
    whenIdle: rescoring.settled,
    dispose: rescoring.dispose,
  };
}
