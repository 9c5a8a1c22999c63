/**
 * Completing tasks on the 360° card, and taking a completion back, as a reactive controller: the task shows as
 * completing while storage works (an optimistic write that rolls back with a message), "Undo" is offered for a
 * while after, and keyboard focus stays in the task list.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CrmErrorCode, type Crm } from '@crmkit/core';
import { announce } from '../internal/announce.js';
import type { CrmQueryController } from '../internal/crm-query-controller.js';
import { CrmErrorEvent } from '../internal/events.js';
import { OptimisticWriteController } from '../internal/optimistic-write-controller.js';
import { CrmTaskCompleteEvent, CrmTaskCompletedEvent, CrmTaskReopenedEvent } from './events.js';
import { customer360Messages as m } from './messages.js';
import type { Shown } from './section.js';

/** A completion made on this card that "Undo" can still take back. */
export interface Undoable {
  readonly taskId: string;
  readonly title: string;
  /** The task's version after completion: the undo refuses a task changed since. */
  readonly version: number;
}

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

export interface TaskActionsOptions {
  /** What the card shows now. */
  readonly shown: () => Shown | undefined;
  /** The CRM to write through; `undefined` in presentational use, where completing is only an event. */
  readonly crm: () => Crm | undefined;
  /** The card's live query, read again after a write. */
  readonly query: CrmQueryController<unknown>;
  /** How long "Undo" stays offered, in ms; 0 or less, until the next completion. */
  readonly undoDuration: () => number;
  /** Schedules the end of the offer; returns a function that cancels it. */
  readonly scheduleUndoEnd: () => (end: () => void, ms: number) => () => void;
}

export class TaskActionsController implements ReactiveController {
  /** Tasks being completed: shown busy until storage answers. */
  readonly completions: OptimisticWriteController<string>;
  /** Why the last completion or undo failed, in words; `''` when nothing failed. */
  error = '';
  /** The completion "Undo" would take back, while it is offered. */
  undoable?: Undoable;
  undoing = false;

  private readonly host: Host;
  private readonly options: TaskActionsOptions;
  private cancelUndoEnd?: () => void;
  private work: Promise<unknown> = Promise.resolve();

  constructor(host: Host, options: TaskActionsOptions) {
    this.host = host;
    this.options = options;
    this.completions = new OptimisticWriteController<string>(host);
    host.addController(this);
  }

  hostDisconnected(): void {
    this.endUndo();
  }

  /** Resolves once every completion and undo started so far has settled, focus included. */
  async settled(): Promise<void> {
    let work: Promise<unknown>;
    do {
      work = this.work;
      await work;
    } while (work !== this.work);
  }

  /** Clears the failure message. */
  dismiss(): void {
    this.setError('');
  }

  /**
   * Completes an open task as the user asked: announces the intent (`crm-task-complete`), then, with a CRM, writes
   * it with the version shown. Resolves when it has settled either way.
   */
  async complete(taskId: string): Promise<void> {
    const shown = this.options.shown();
    const task = shown?.view.tasks.open.find((candidate) => candidate.id === taskId);
    if (!shown || !task || this.completions.has(taskId)) return;
    const customerId = shown.view.customer.id;
    const host = this.host;
    if (!host.dispatchEvent(new CrmTaskCompleteEvent({ taskId, customerId, expectedVersion: task.version }))) return;
    const crm = this.options.crm();
    if (!crm) return;
    const focusIndex = this.focusedTaskButton(taskId);
    this.setError('');
    const query = this.options.query;
    const write = async () => {
      const result = await crm.tasks.complete(taskId, { expectedVersion: task.version });
      query.refresh();
      await query.settled();
      this.offerUndo({ taskId, title: task.title, version: result.task.version });
      announce(host.renderRoot, m.completedUndo(task.title));
      host.dispatchEvent(
        new CrmTaskCompletedEvent({
          taskId,
          customerId,
          version: result.task.version,
          ...(result.next ? { nextTaskId: result.next.id } : {}),
        }),
      );
    };
    const rollBack = (error: unknown) => {
      const code = (error as { code?: string } | null)?.code;
      this.setError(
        code === CrmErrorCode.conflict
          ? m.completeConflict(task.title)
          : code === CrmErrorCode.permission
            ? m.completeForbidden()
            : m.completeFailed(task.title),
      );
      if (code === CrmErrorCode.conflict) query.refresh();
      host.dispatchEvent(new CrmErrorEvent({ error, operation: 'complete-task' }));
    };
    const run = (async () => {
      await this.completions.run(taskId, true, write, rollBack);
      if (focusIndex !== undefined) await this.restoreTaskFocus(taskId, focusIndex);
    })();
    this.work = this.work.then(() => run);
    await run;
  }

  /** Offers "Undo" for a completion, for `undoDuration` ms (replacing an earlier offer). */
  private offerUndo(undoable: Undoable): void {
    this.endUndo();
    this.undoable = undoable;
    this.host.requestUpdate();
    const ms = Number(this.options.undoDuration());
    if (Number.isFinite(ms) && ms > 0) {
      this.cancelUndoEnd = this.options.scheduleUndoEnd()(() => {
        if (this.undoable === undoable && !this.undoing) this.endUndo();
      }, ms);
    }
  }

  /** Stops offering "Undo". */
  endUndo(): void {
    this.cancelUndoEnd?.();
    this.cancelUndoEnd = undefined;
    if (this.undoable === undefined) return;
    this.undoable = undefined;
    this.host.requestUpdate();
  }

  /**
   * Takes back the completion "Undo" offers: `crm.tasks.reopen` with the version completion left, so a task changed
   * since is not overwritten; keyboard focus then moves to its "Complete" button. Resolves when it has settled.
   */
  async undo(): Promise<void> {
    const undoable = this.undoable;
    const crm = this.options.crm();
    const customerId = this.options.shown()?.view.customer.id;
    if (!undoable || !crm || this.undoing || customerId === undefined) return;
    const host = this.host;
    const query = this.options.query;
    this.cancelUndoEnd?.();
    this.cancelUndoEnd = undefined;
    this.undoing = true;
    host.requestUpdate();
    this.setError('');
    const run = (async () => {
      let reopened = false;
      try {
        const task = await crm.tasks.reopen(undoable.taskId, { expectedVersion: undoable.version });
        reopened = true;
        query.refresh();
        await query.settled();
        announce(host.renderRoot, m.reopened(undoable.title));
        host.dispatchEvent(new CrmTaskReopenedEvent({ taskId: task.id, customerId, version: task.version }));
      } catch (error) {
        this.setError(m.reopenFailed(undoable.title));
        if ((error as { code?: string } | null)?.code === CrmErrorCode.conflict) query.refresh();
        host.dispatchEvent(new CrmErrorEvent({ error, operation: 'reopen-task' }));
      } finally {
        this.undoing = false;
        host.requestUpdate();
        if (this.undoable === undoable) this.endUndo();
      }
      await host.updateComplete;
      const target = reopened
        ? host.renderRoot.querySelector<HTMLElement>(`button[data-task-id="${CSS.escape(undoable.taskId)}"]`)
        : null;
      (target ?? host.renderRoot.querySelector<HTMLElement>('#heading-tasks'))?.focus();
    })();
    this.work = this.work.then(() => run);
    await run;
  }

  private setError(error: string): void {
    if (error === this.error) return;
    this.error = error;
    this.host.requestUpdate();
  }

  /** The index among the Complete buttons of the task's button, when it has focus. */
  private focusedTaskButton(taskId: string): number | undefined {
    const root = this.host.renderRoot;
    const buttons = [...root.querySelectorAll<HTMLButtonElement>('button[data-task-id]')];
    const index = buttons.findIndex((button) => button.dataset['taskId'] === taskId);
    const active = (root as ShadowRoot).activeElement;
    return index >= 0 && buttons[index] === active ? index : undefined;
  }

  /** Keeps keyboard focus in the task list: on the same task if it stayed, else the next one, else the heading. */
  private async restoreTaskFocus(taskId: string, index: number): Promise<void> {
    await this.options.query.settled();
    await this.host.updateComplete;
    const root = this.host.renderRoot;
    const buttons = [...root.querySelectorAll<HTMLButtonElement>('button[data-task-id]')];
    const target =
      buttons.find((button) => button.dataset['taskId'] === taskId) ??
      buttons[Math.min(index, buttons.length - 1)] ??
      root.querySelector<HTMLElement>('#heading-tasks');
    target?.focus();
  }
}
