/**
 * Failures of work the CRM does after a call has returned (customer aggregates, lead re-scoring). Nobody awaits that
 * work, so a failure thrown from it would surface as an unhandled rejection and could stop a Node process: each queue
 * catches every failure of its jobs and hands it to a {@link BackgroundErrorHandler} instead.
 */
import { isCrmError } from '../errors/errors.js';

/** What a background failure is reported with: which kind of work failed. */
export interface BackgroundErrorContext {
  /** The queue the job ran in, e.g. `customerAggregates` or `leadRescore`. */
  readonly task: string;
}

/** Receives every failure of a background job; the job is dropped and the queue goes on with the next one. */
export type BackgroundErrorHandler = (error: unknown, context: BackgroundErrorContext) => void;

/** The payload of the `background.error` event: the task and the error's stable code, never its message or data. */
export interface BackgroundErrorEvent {
  readonly task: string;
  /** The `code` of a `CrmError` (e.g. `CRM_STORAGE`), else `unknown`. */
  readonly code: string;
}

/**
 * The handler a CRM uses unless the host gives its own: emits `background.error` with `{ task, code }` and warns on
 * the console. Neither carries the error's message, which may quote a storage engine's text about a record.
 */
export function defaultBackgroundErrorHandler(
  emit: (name: 'background.error', payload: BackgroundErrorEvent) => void,
): BackgroundErrorHandler {
  return (error, { task }) => {
    const code = isCrmError(error) ? error.code : 'unknown';
    console.warn(`crmkit: background task ${task} failed (${code})`);
    emit('background.error', { task, code });
  };
}

/**
 * Hands `error` to `handler`. A handler that throws is not let escape: it would reject the very queue it reports on
 * and stop later jobs, or crash the process it was meant to protect.
 */
export function reportBackgroundError(handler: BackgroundErrorHandler, error: unknown, task: string): void {
  try {
    handler(error, { task });
  } catch {
    // The host's handler is broken: say so once per failure, without the error (it may quote a record).
    console.warn(`crmkit: the background error handler failed on task ${task}`);
  }
}
