/** The 360° card's tasks section: the "Undo" offer, overdue and upcoming tasks, and the recently completed ones. */
import { html, nothing, type TemplateResult } from 'lit';
import type { Task } from '@crmkit/core';
import { formatCount, formatInstant } from '../internal/format.js';
import { customer360Messages as m } from './messages.js';
import { empty, group, type SectionContext } from './section.js';
import type { TaskActionsController } from './task-actions.js';

export function renderTasks(
  context: SectionContext,
  actions: TaskActionsController,
  canWrite: boolean,
): TemplateResult {
  const { open, overdue } = context.shown.view.tasks;
  const overdueIds = new Set(overdue.map((task) => task.id));
  const upcoming = open.filter((task) => !overdueIds.has(task.id));
  const list = (tasks: readonly Task[], headingId: string, late: boolean) =>
    html`<ul class="items" aria-labelledby=${headingId}>
      ${tasks.map((task) => renderTask(task, late, canWrite, context, actions))}
    </ul>`;
  const count = (tasks: readonly unknown[]) => formatCount(tasks.length, context.locale);
  return html`${renderUndo(actions)} ${open.length === 0 ? empty(m.noTasks()) : nothing}
    ${
      overdue.length > 0
        ? group(
            context,
            'heading-overdue',
            `${m.overdue()} (${count(overdue)})`,
            list(overdue, 'heading-overdue', true),
            'sub-heading danger',
          )
        : nothing
    }
    ${
      upcoming.length > 0
        ? group(
            context,
            'heading-upcoming',
            `${m.upcoming()} (${count(upcoming)})`,
            list(upcoming, 'heading-upcoming', false),
          )
        : nothing
    }
    ${renderCompleted(context)}
    <div class="message-slot" role="alert">
      ${
        actions.error
          ? html`<p part="message" class="failure">
              <span>${actions.error}</span>
              <button type="button" part="button dismiss-button" class="action" @click=${() => actions.dismiss()}>
                ${m.dismiss()}
              </button>
            </p>`
          : nothing
      }
    </div>`;
}

function renderTask(
  task: Task,
  late: boolean,
  canWrite: boolean,
  context: SectionContext,
  actions: TaskActionsController,
): TemplateResult {
  const busy = actions.completions.has(task.id);
  return html`<li
    part=${late ? 'task task-overdue' : 'task'}
    class="item task ${late ? 'late' : ''} ${busy ? 'busy' : ''}"
    data-task-id=${task.id}
  >
    <div class="item-title">
      <span>${task.title}</span>
      <span part="badge" class="badge">${context.label('taskType', task.type)}</span>
    </div>
    <div class="task-row">
      <time datetime=${task.dueAt} class=${late ? 'danger' : 'muted'}
        >${m.due(formatInstant(task.dueAt, context.locale, context.timeZone))}</time
      >
      ${
        canWrite
          ? html`<button
              type="button"
              part="button complete-button"
              class="action"
              data-task-id=${task.id}
              aria-label=${busy ? m.completing() : m.completeLabel(task.title)}
              aria-disabled=${busy ? 'true' : 'false'}
              @click=${() => void actions.complete(task.id)}
            >
              ${busy ? m.completing() : m.complete()}
            </button>`
          : nothing
      }
    </div>
  </li>`;
}

function renderUndo(actions: TaskActionsController): TemplateResult | typeof nothing {
  const { undoable, undoing } = actions;
  if (!undoable) return nothing;
  return html`<p part="undo" class="undo">
    <span>${m.completed(undoable.title)}</span>
    <button
      type="button"
      part="button undo-button"
      class="action"
      aria-label=${undoing ? m.undoing() : m.undoLabel(undoable.title)}
      aria-disabled=${undoing ? 'true' : 'false'}
      @click=${() => void actions.undo()}
    >
      ${undoing ? m.undoing() : m.undo()}
    </button>
  </p>`;
}

function renderCompleted(context: SectionContext): TemplateResult | typeof nothing {
  const completed = context.shown.view.tasks.completed ?? [];
  if (completed.length === 0) return nothing;
  return group(
    context,
    'heading-completed',
    `${m.recentlyCompleted()} (${formatCount(completed.length, context.locale)})`,
    html`<ul class="items" aria-labelledby="heading-completed">
      ${completed.map(
        (task) =>
          html`<li part="completed-task" class="item done" data-completed-task-id=${task.id}>
            <div class="item-title">
              <span>${task.title}</span>
              <span part="badge" class="badge">${context.label('taskType', task.type)}</span>
            </div>
            ${
              task.completedAt
                ? html`<time datetime=${task.completedAt} class="muted"
                    >${m.completedOn(formatInstant(task.completedAt, context.locale, context.timeZone))}</time
                  >`
                : nothing
            }
          </li>`,
      )}
    </ul>`,
  );
}
