/** Re-scoring: now, inside a write, and in the background when activities or scored fields change. */
import { ConflictError, NotFoundError } from '../../errors/errors.js';
import { withoutMeta } from '../../kernel/index.js';
import {
  defaultBackgroundErrorHandler,
  reportBackgroundError,
  type BackgroundErrorHandler,
} from '../../kernel/background.js';
import type { StorageOperations, StoredRecord } from '../../storage/port.js';
import { OPEN_LEAD_STATUSES, type ScoreTrigger } from '../schema.js';
import { stringField, withScore } from './schemas.js';
import type { LeadTools } from './tools.js';
import type { RescoreResult } from './types.js';

/** The `task` a failed background re-scoring is reported with. */
const RESCORE_TASK = 'leadRescore';

/**
 * Re-scoring over the lead service's tools; `settled()` resolves when queued background work has finished. A failed
 * background job goes to the lead options' `onBackgroundError`, else to `onBackgroundError` (the CRM's), else to the
 * default handler (a `background.error` event and a console warning); never to an unhandled rejection, and the queue
 * goes on with the next job.
 */
export function createRescoring(t: LeadTools, onBackgroundError?: BackgroundErrorHandler) {
  const {
    context,
    opts,
    scoredFields,
    emit,
    flush,
    toLead,
    loadLead,
    loadActivities,
    computeScore,
    writeLead,
    updatedEvent,
  } = t;

  const rescoreIn = async (tx: StorageOperations, stored: StoredRecord, trigger: ScoreTrigger, at: string) => {
    const current = withoutMeta(stored);
    const score = computeScore(stored, await loadActivities(tx, stored.id));
    const { next, changed } = withScore(current, score, trigger, at);
    if (!changed) return { record: stored, score, changed, changedFields: [] as string[] };
    const { record, changedFields } = await writeLead(tx, stored, next, at);
    return { record, score, changed, changedFields };
  };

  const rescoreNow = async (leadId: string, trigger: ScoreTrigger, onlyOpen: boolean): Promise<RescoreResult> => {
    const at = context.nowIso();
    const result = await context.storage.transaction(async (tx) => {
      const stored = await loadLead(tx, leadId);
      const previousScore = stored['score'] as number;
      if (onlyOpen && !(OPEN_LEAD_STATUSES as readonly unknown[]).includes(stored['status'])) {
        const score = computeScore(stored, await loadActivities(tx, leadId));
        return { record: stored, score, changed: false, changedFields: [] as string[], previousScore };
      }
      return { ...(await rescoreIn(tx, stored, trigger, at)), previousScore };
    });
    const lead = toLead(result.record);
    if (result.changed) {
      flush([updatedEvent(leadId, at, result.changedFields)]);
      if (lead.score !== result.previousScore) {
        emit('lead.scored', {
          id: leadId,
          actorId: context.actor.id,
          at,
          score: lead.score,
          previousScore: result.previousScore,
          trigger,
        });
      }
    }
    return { lead, score: result.score, changed: result.changed };
  };

  let queue: Promise<void> = Promise.resolve();
  const handler: BackgroundErrorHandler =
    opts.onBackgroundError ??
    onBackgroundError ??
    defaultBackgroundErrorHandler((name, payload) => context.events.emit(name, payload));
  const report = (error: unknown) => {
    if (error instanceof NotFoundError) return; // the lead or activity was deleted meanwhile
    reportBackgroundError(handler, error, RESCORE_TASK);
  };
  const enqueue = (job: () => Promise<void>) => {
    const run = async () => {
      try {
        await job();
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        await job(); // someone wrote the lead meanwhile: read it again once
      }
    };
    queue = queue.then(run).catch(report);
  };
  const rescoreActivityLead = (activityId: string) =>
    enqueue(async () => {
      const activity = await context.storage.get('activities', activityId);
      const leadId = activity && stringField(activity, 'leadId');
      if (leadId !== undefined && (await context.storage.get('leads', leadId))) {
        await rescoreNow(leadId, 'activity', true);
      }
    });
  const unsubscribers: (() => void)[] = [];
  if (opts.autoRescore !== false) {
    unsubscribers.push(
      context.events.on('activity.created', ({ id }) => rescoreActivityLead(id)),
      context.events.on('activity.updated', ({ id }) => rescoreActivityLead(id)),
      context.events.on('lead.updated', ({ id, changedFields }) => {
        if (changedFields.some((field) => scoredFields.has(field) && field !== 'score' && field !== 'scoreHistory')) {
          enqueue(async () => void (await rescoreNow(id, 'update', true)));
        }
      }),
    );
  }

  return {
    rescoreNow,
    /** Resolves when background re-scoring queued so far has finished. */
    async settled() {
      let seen: Promise<void> | undefined;
      while (seen !== queue) {
        seen = queue;
        await seen;
      }
    },
    /** Stops listening for events. */
    dispose() {
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    },
  };
}
