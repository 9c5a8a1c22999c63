import {
  activityTypes,
  encodeTimelineCursor,
  type Activity,
  type Crm,
  type Customer360,
  type LifecycleStageDefinition,
  type LocalizedText,
} from '@crmkit/core';

/** Display names the 360° view gives only as ids: the owner's name and the deals' stage names. */
export interface Customer360Names {
  /** User names by user id. */
  readonly users: Readonly<Record<string, string>>;
  /** Stage names by `<pipelineId>/<stageId>` (and by bare stage id). */
  readonly stages: Readonly<Record<string, string | LocalizedText>>;
}

/** What the element shows when it reads through a CRM. */
export interface Customer360Loaded {
  readonly view: Customer360;
  readonly names: Customer360Names;
  readonly lifecycleStages: readonly LifecycleStageDefinition[];
  /** Timeline pages loaded after the view's own first page. */
  readonly more: TimelineMore;
}

/** Activities beyond the first page, and where the next page starts. */
export interface TimelineMore {
  readonly items: readonly Activity[];
  readonly after?: string;
}

/** The timeline shows activities of every channel; `types` keeps completed tasks out, as in `view360`'s page. */
const ACTIVITIES_ONLY = [...activityTypes];
/** The most timeline pages read for one request, however many duplicates they hold. */
const MAX_PAGES = 50;

/**
 * The `crm.activities.timeline` cursor that continues `view360`'s first page. That page is ordered by `occurredAt`
 * alone (ties by id, ascending) and the timeline's by `occurredAt`, then id descending, so the cursor is placed at
 * the last activity's instant *before* every activity of that instant (a task key sorts first among ties): the ties
 * come again and are dropped as duplicates, and none is skipped.
 */
export function continueAfter(view: Customer360): string | undefined {
  const last = view.timeline.records[view.timeline.records.length - 1];
  if (!view.timeline.next || !last) return undefined;
  return encodeTimelineCursor({ at: last.occurredAt, key: 't:~' });
}

/** A place in the timeline: an activity's instant and id. */
export type TimelinePlace = Pick<Activity, 'occurredAt' | 'id'>;

/**
 * Reads timeline pages from `after`, keeping activities not in `seen`, until `want` of them came in — or, with
 * `through`, until the timeline has passed that activity's place — or the timeline ends. Returns those activities
 * (newest first) and where the next page starts.
 */
export async function readTimeline(
  crm: Crm,
  customerId: string,
  after: string,
  target: { readonly want: number } | { readonly through: TimelinePlace; readonly pageSize: number },
  seen: ReadonlySet<string>,
): Promise<TimelineMore> {
  const items: Activity[] = [];
  const known = new Set(seen);
  const through = 'through' in target ? target.through : undefined;
  let cursor: string | undefined = after;
  for (let page = 0; cursor && page < MAX_PAGES; page++) {
    const limit = 'want' in target ? target.want - items.length : target.pageSize;
    if (limit <= 0) break;
    const result = await crm.activities.timeline(
      { kind: 'customer', id: customerId },
      { after: cursor, limit: Math.min(500, limit), types: ACTIVITIES_ONLY },
    );
    cursor = result.next;
    let passed = false;
    for (const item of result.items) {
      if (item.kind !== 'activity') continue;
      if (through && compareActivities(item.activity, through) > 0) {
        // Older than the place asked for: stop there; the next page starts right after that place.
        passed = true;
        cursor = encodeTimelineCursor({ at: through.occurredAt, key: `a:${through.id}` });
        break;
      }
      if (known.has(item.activity.id)) continue;
      known.add(item.activity.id);
      items.push(item.activity);
    }
    if (passed) break;
  }
  return { items, ...(cursor ? { after: cursor } : {}) };
}

/** Newest first; equal instants by id, descending (the timeline's order). */
export function compareActivities(a: TimelinePlace, b: TimelinePlace): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

/** The view's first page and the pages loaded after it, without duplicates, newest first. */
export function mergeActivities(first: readonly Activity[], more: readonly Activity[]): Activity[] {
  const byId = new Map<string, Activity>();
  for (const activity of [...first, ...more]) if (!byId.has(activity.id)) byId.set(activity.id, activity);
  return [...byId.values()].sort(compareActivities);
}

/**
 * Loads the 360° view in one `view360` call, the two names it gives only as ids (the owner, the deals' stages),
 * and, after a live re-run, the activities the user had already scrolled to: every one down to `through`, the
 * oldest shown before.
 */
export async function load360(
  crm: Crm,
  customerId: string,
  options: { readonly activityLimit: number; readonly through?: TimelinePlace },
): Promise<Customer360Loaded> {
  const view = await crm.customers.view360(customerId, { activityLimit: options.activityLimit });
  const ownerId = view.customer.ownerId;
  const pipelineIds = [...new Set([...view.deals.open, ...view.deals.closed].map((deal) => deal.pipelineId))];
  const after = continueAfter(view);
  const last = view.timeline.records[view.timeline.records.length - 1];
  const through = options.through;
  // Only when the user had scrolled past the (new) first page.
  const reread = after && last && through && compareActivities(last, through) < 0 ? through : undefined;
  const [owner, pipelines, more] = await Promise.all([
    // Names are a nicety: a user or pipeline that cannot be read shows its id instead.
    ownerId ? crm.users.get(ownerId).catch(() => undefined) : undefined,
    Promise.all(pipelineIds.map((id) => crm.pipelines.get(id).catch(() => undefined))),
    after && reread
      ? readTimeline(
          crm,
          customerId,
          after,
          { through: reread, pageSize: options.activityLimit },
          new Set(view.timeline.records.map((activity) => activity.id)),
        )
      : { items: [], ...(after ? { after } : {}) },
  ]);
  const stages: Record<string, LocalizedText> = {};
  for (const pipeline of pipelines) {
    if (!pipeline) continue;
    for (const stage of pipeline.stages) {
      stages[`${pipeline.id}/${stage.id}`] = stage.name;
      stages[stage.id] ??= stage.name;
    }
  }
  return {
    view,
    names: { users: owner ? { [owner.id]: owner.name } : {}, stages },
    lifecycleStages: crm.customers.lifecycle.stages,
    more,
  };
}
