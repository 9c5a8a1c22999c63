/**
 * The activity timeline: a record's activities (every channel) and completed tasks, merged newest first. Pure
 * helpers for the ordering and the cursor; `crm.activities.timeline` pages through storage with them.
 */
import type { Activity, Task } from '../model/activity.js';

/** One entry of a timeline. */
export type TimelineItem =
  | { readonly kind: 'activity'; readonly at: string; readonly activity: Activity }
  | { readonly kind: 'task'; readonly at: string; readonly task: Task };

/** Where a timeline page ended: the last item's instant and tie key. */
export interface TimelinePosition {
  readonly at: string;
  /** `a:<activity id>` or `t:<task id>`; ties on `at` are ordered by this key, descending. */
  readonly key: string;
}

/** The tie key of an item. */
export function timelineKey(item: TimelineItem): string {
  return item.kind === 'activity' ? `a:${item.activity.id}` : `t:${item.task.id}`;
}

/** Orders items newest first; equal instants by tie key, descending, so the order is total and pages are stable. */
export function compareTimeline(a: TimelineItem, b: TimelineItem): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  const ka = timelineKey(a);
  const kb = timelineKey(b);
  return ka === kb ? 0 : ka < kb ? 1 : -1;
}

/** Merges timeline sources (each already newest first) into one list, newest first. */
export function mergeTimeline(...sources: readonly (readonly TimelineItem[])[]): TimelineItem[] {
  return sources.flat().sort(compareTimeline);
}

/** Encodes a position as an opaque cursor. */
export function encodeTimelineCursor(position: TimelinePosition): string {
  return `${position.at}|${position.key}`;
}

/** Decodes a cursor; `undefined` when it is not one. */
export function decodeTimelineCursor(cursor: string): TimelinePosition | undefined {
  const bar = cursor.indexOf('|');
  if (bar < 0) return undefined;
  const at = cursor.slice(0, bar);
  const key = cursor.slice(bar + 1);
  if (Number.isNaN(Date.parse(at)) || !/^[at]:./.test(key)) return undefined;
  return { at, key };
}
