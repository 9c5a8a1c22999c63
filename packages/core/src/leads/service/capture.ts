/** Capture and create: normalise once, validate once, de-duplicate, assign, score, write with consents and note. */
import type * as z from 'zod/mini';
import { ValidationError } from '../../errors/errors.js';
import { parseOrThrow } from '../../errors/parse.js';
import { insertAudited, written } from '../../kernel/index.js';
import { activityInputSchema } from '../../model/activity.js';
import { consentInputSchema } from '../../model/compliance.js';
import { explicitAssignment, type AssignmentDecision } from '../assignment.js';
import { findDuplicateMatches, partitionMatches } from '../dedupe.js';
import { DuplicateError } from '../errors.js';
import { normaliseLeadFields } from '../normalise.js';
import type { ExtendedLead } from '../schema.js';
import { historyEntry, isObject, refuseManagedFields, subjectOf, type consentGrantSchema } from './schemas.js';
import type { LeadTools } from './tools.js';
import type { CaptureResult } from './types.js';

const APPENDS_SERIAL = { serial: 'appends' } as const;

/** The capture pipeline over the lead service's tools: `insert(input, mode)` backs `capture` and `create`. */
export function createCapture(t: LeadTools) {
  const {
    context,
    dedupeRules,
    assignmentConfig,
    normaliseOptions,
    normaliserFor,
    emit,
    leadSchemaFor,
    computeScore,
    dedupeRecords,
    candidatesFor,
    decideFrom,
    assignmentRecord,
    createRecord,
  } = t;

  const insert = async (
    input: unknown,
    mode: {
      via: 'capture' | 'create';
      source?: string;
      campaign?: string;
      consents: readonly z.infer<typeof consentGrantSchema>[];
      note?: string;
    },
  ): Promise<CaptureResult> => {
    if (!isObject(input)) throw new ValidationError([{ path: [], message: 'Expected an object' }], 'lead');
    refuseManagedFields(input, 'lead');
    // Loaded before the transaction: an IndexedDB transaction ends at an await that is not its own.
    const normalisePhone = await normaliserFor(input);
    const raw = normaliseLeadFields(
      {
        ...input,
        ...(mode.source === undefined ? {} : { source: mode.source }),
        ...(mode.campaign === undefined ? {} : { campaign: mode.campaign }),
      },
      normaliseOptions(normalisePhone),
    );
    const at = context.nowIso();
    // Intake runs as the CRM: de-duplication and assignment see every owner's leads, customers and contacts, and
    // assignment may give the lead to someone else. A direct create is the actor's own write, checked below.
    if (mode.via === 'create') await context.guard.actor();
    const outcome = await context.system.transaction(async (tx) => {
      const schema = await leadSchemaFor(tx);
      const entity = parseOrThrow(schema, raw, 'lead') as Record<string, unknown>;
      const subject = subjectOf(entity);
      const assigns = typeof entity['ownerId'] !== 'string' && mode.via === 'capture' && assignmentConfig !== false;
      // The reps and their open leads are read before the turn: a capacity is checked against counts a moment old.
      const pool = assigns ? await candidatesFor(tx, assignmentConfig) : undefined;
      // From here the capture runs alone: the duplicates it looks for include every lead captured before it, and the
      // rotation it advances is the newest.
      await tx.serialize?.();
      const matches = findDuplicateMatches(subject, await dedupeRecords(tx, subject, normalisePhone), dedupeRules);
      const { block, alert } = partitionMatches(matches);
      if (block.length > 0) throw new DuplicateError(block);
      const id = context.newId();
      let decision: AssignmentDecision | undefined;
      if (typeof entity['ownerId'] === 'string') decision = explicitAssignment(entity['ownerId']);
      else if (mode.via === 'create') entity['ownerId'] = context.actor.id;
      else if (pool && assignmentConfig !== false) {
        decision = await decideFrom(tx, { ...entity, id }, assignmentConfig, pool);
      }
      const owned = {
        ...entity,
        ...(decision?.ownerId === undefined ? {} : { ownerId: decision.ownerId }),
        ...(decision === undefined ? {} : { assignment: assignmentRecord(decision, at) }),
      };
      // Scored as it will be stored, metadata included, so rules may read `createdAt`.
      const score = computeScore({ ...owned, id, createdAt: at, updatedAt: at }, []);
      // Validated once, above: what is added here is the service's own (score, history, assignment, owner decided
      // among stored users), not input, so it is not validated again.
      const lead: Record<string, unknown> = {
        ...owned,
        score: score.score,
        scoreHistory: [historyEntry(score, 'capture', at)],
        ...(mode.note === undefined ? {} : { lastActivityAt: at }),
      };
      if (mode.via === 'create') await context.guard.checkWrite('leads', lead);
      const record = await insertAudited(context, tx, 'leads', lead, at, id);
      const consentIds: string[] = [];
      for (const grant of mode.consents) {
        const consent = parseOrThrow(
          consentInputSchema,
          {
            subjectKind: 'lead',
            subjectId: id,
            purpose: grant.purpose,
            legalBasis: grant.legalBasis ?? 'consent',
            status: grant.status ?? 'granted',
            at: grant.at ?? at,
            ...((grant.source ?? mode.source) ? { source: grant.source ?? mode.source } : {}),
            ...(grant.textVersion === undefined ? {} : { textVersion: grant.textVersion }),
          },
          'consent',
        ) as Record<string, unknown>;
        consentIds.push((await insertAudited(context, tx, 'consents', consent, at)).id);
      }
      // Validated like any activity, the CRM's activity custom fields included.
      const note =
        mode.note === undefined
          ? undefined
          : await createRecord(
              tx,
              'activities',
              activityInputSchema,
              'activity',
              {
                type: 'note',
                direction: 'inbound',
                body: mode.note,
                occurredAt: at,
                leadId: id,
                ...(mode.source === undefined ? {} : { channel: mode.source }),
              },
              at,
            );
      return { record, alert, decision, score, consentIds, noteId: note?.id };
      // Only its appends (the rotation, the audit log) and what decides them run alone; see `TransactionOptions`.
    }, APPENDS_SERIAL);
    const lead = written<ExtendedLead>(outcome.record);
    context.events.emit('lead.created', { entity: 'lead', id: lead.id, actorId: context.actor.id, at });
    if (outcome.noteId !== undefined) {
      context.events.emit('activity.created', {
        entity: 'activity',
        id: outcome.noteId,
        actorId: context.actor.id,
        at,
      });
    }
    emit('lead.captured', {
      id: lead.id,
      actorId: context.actor.id,
      at,
      via: mode.via,
      ...(lead.ownerId === undefined ? {} : { ownerId: lead.ownerId }),
      score: lead.score,
      duplicates: outcome.alert.map((match) => ({
        kind: match.kind,
        id: match.id,
        rules: match.rules.map((r) => r.rule),
      })),
      consentIds: outcome.consentIds,
    });
    if (outcome.decision) {
      emit('lead.assigned', {
        id: lead.id,
        actorId: context.actor.id,
        at,
        ...(outcome.decision.ownerId === undefined ? {} : { ownerId: outcome.decision.ownerId }),
        strategy: outcome.decision.strategy,
        code: outcome.decision.code,
        ...(outcome.decision.ruleId === undefined ? {} : { ruleId: outcome.decision.ruleId }),
      });
    }
    return {
      lead,
      duplicates: outcome.alert,
      ...(outcome.decision === undefined ? {} : { assignment: outcome.decision }),
      score: outcome.score,
      consentIds: outcome.consentIds,
      ...(outcome.noteId === undefined ? {} : { noteId: outcome.noteId }),
    };
  };

  return insert;
}
