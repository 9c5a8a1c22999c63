/** The 360° card's timeline section: activities and completed tasks, newest first, with the next page on demand. */
import { html, nothing, type TemplateResult } from 'lit';
import type { Activity, Task } from '@crmkit/core';
import { formatCount, formatInstant } from '../internal/format.js';
import { customer360Messages as m } from './messages.js';
import { empty, type SectionContext, type TimelineEntry } from './section.js';

/** Activity bodies longer than this are cut (the full text is a click away in the host's own view). */
const BODY_MAX = 600;

/** Newest first; at one instant, completed tasks before activities, then by id descending (the core timeline's order). */
function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  const ka = a.kind === 'activity' ? `a:${a.activity.id}` : `t:${a.task.id}`;
  const kb = b.kind === 'activity' ? `a:${b.activity.id}` : `t:${b.task.id}`;
  return ka === kb ? 0 : ka < kb ? 1 : -1;
}

/**
 * The timeline as shown: the activities, and the recently completed tasks that fall among them — all of them once the
 * timeline has reached its end, else those at or after the oldest activity shown, so scrolling further never puts a
 * task above an activity already shown.
 */
export function timelineEntries(
  activities: readonly Activity[],
  completed: readonly Task[],
  more: boolean,
): TimelineEntry[] {
  const oldest = activities[activities.length - 1];
  const entries: TimelineEntry[] = activities.map((activity) => ({
    kind: 'activity',
    at: activity.occurredAt,
    activity,
  }));
  for (const task of completed) {
    if (!task.completedAt) continue;
    if (more && oldest && task.completedAt < oldest.occurredAt) continue;
    if (more && !oldest) continue;
    entries.push({ kind: 'task', at: task.completedAt, task });
  }
  return entries.sort(compareEntries);
}

/** Where the timeline's paging is. */
export interface TimelinePaging {
  readonly loading: boolean;
  /** Why the last page failed to load, in words; `''` when it did not. */
  readonly error: string;
  readonly loadMore: () => void;
}

export function renderTimeline(context: SectionContext, paging: TimelinePaging): TemplateResult {
  const { entries } = context.shown;
  const more = context.shown.after !== undefined;
  return html`<div class="timeline-scroll" role="group" aria-labelledby="heading-timeline">
      ${
        entries.length === 0
          ? empty(m.noActivities())
          : html`<ol part="timeline" class="items timeline">
              ${entries.map((entry) =>
                entry.kind === 'activity'
                  ? renderActivity(entry.activity, context)
                  : renderCompletedEntry(entry.task, context),
              )}
            </ol>`
      }
      ${more ? html`<div class="sentinel" aria-hidden="true"></div>` : nothing}
    </div>
    <div class="message-slot" role="alert">
      ${paging.error ? html`<p part="message" class="failure">${paging.error}</p>` : nothing}
    </div>
    ${
      more
        ? html`<button
            type="button"
            part="button load-more-button"
            class="action load-more"
            aria-disabled=${paging.loading ? 'true' : 'false'}
            @click=${() => paging.loadMore()}
          >
            ${paging.loading ? m.loadingMore() : m.loadMore()}
          </button>`
        : nothing
    }`;
}

function renderActivity(activity: Activity, context: SectionContext): TemplateResult {
  const body =
    activity.body && activity.body.length > BODY_MAX ? `${activity.body.slice(0, BODY_MAX)}…` : activity.body;
  const meta = [
    context.label('direction', activity.direction),
    activity.channel ? context.label('channel', activity.channel) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return html`<li part="activity" class="item activity" data-activity-id=${activity.id}>
    <div class="item-title">
      <span class="activity-type">${context.label('activityType', activity.type)}</span>
      <time datetime=${activity.occurredAt} class="muted"
        >${formatInstant(activity.occurredAt, context.locale, context.timeZone)}</time
      >
    </div>
    <div class="muted">
      ${meta}${
        activity.durationMinutes !== undefined
          ? ` · ${m.minutes(formatCount(activity.durationMinutes, context.locale))}`
          : ''
      }
    </div>
    ${activity.subject ? html`<div class="activity-subject">${activity.subject}</div>` : nothing}
    ${body ? html`<p class="activity-body">${body}</p>` : nothing}
  </li>`;
}

/** A completed task on the timeline, at the instant it was completed. */
function renderCompletedEntry(task: Task, context: SectionContext): TemplateResult {
  const at = task.completedAt ?? task.dueAt;
  return html`<li part="timeline-task" class="item activity task-done" data-timeline-task-id=${task.id}>
    <div class="item-title">
      <span class="activity-type">${m.taskDone(context.label('taskType', task.type))}</span>
      <time datetime=${at} class="muted">${formatInstant(at, context.locale, context.timeZone)}</time>
    </div>
    <div class="activity-subject">${task.title}</div>
  </li>`;
}
