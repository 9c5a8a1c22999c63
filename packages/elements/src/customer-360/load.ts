import {
  type Activity,
  type ChangeEvent,
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
  /** The `crm.activities.timeline` cursor right after the last activity shown; absent at the end. */
  readonly after?: string;
}

/** A place in the timeline: an activity's instant and id. */
export type TimelinePlace = Pick<Activity, 'occurredAt' | 'id'>;

/** How far the user has scrolled: the oldest activity shown, and the cursor right after it (absent at the end). */
export interface TimelineReach {
  readonly last: TimelinePlace;
  readonly after?: string;
}

/** The most timeline pages read again for one live re-run. */
const MAX_PAGES = 50;

/**
 * The timeline page after `after`. `view360`'s `timeline.next` is a `crm.activities.timeline` cursor and its page
 * holds activities only, so pages read with the same filter (`includeTasks: false`) continue it exactly: nothing
 * twice, nothing skipped, also among activities of one instant.
 */
export async function readTimelinePage(
  crm: Crm,
  customerId: string,
  after: string,
  limit: number,
): Promise<TimelineMore> {
  const page = await crm.activities.timeline(
    { kind: 'customer', id: customerId },
    { after, limit, includeTasks: false },
  );
  const items = page.items.flatMap((item) => (item.kind === 'activity' ? [item.activity] : []));
  return { items, ...(page.next ? { after: page.next } : {}) };
}

/**
 * Reads the timeline again from `after` down to where the user had scrolled: every activity through `reach.last`,
 * continuing at `reach.after`. When the user had reached the end (no `reach.after`), the page that gets there is kept
 * whole, with its own cursor, so activities added below since are not skipped.
 */
export async function readThrough(
  crm: Crm,
  customerId: string,
  after: string,
  reach: TimelineReach,
  pageSize: number,
): Promise<TimelineMore> {
  const items: Activity[] = [];
  let cursor: string | undefined = after;
  for (let page = 0; cursor && page < MAX_PAGES; page++) {
    const result = await readTimelinePage(crm, customerId, cursor, pageSize);
    cursor = result.after;
    if (!result.items.some((activity) => compareActivities(activity, reach.last) >= 0)) {
      items.push(...result.items);
      continue;
    }
    // This page reaches the place.
    if (reach.after === undefined) return { items: [...items, ...result.items], ...(cursor ? { after: cursor } : {}) };
    const kept = result.items.filter((activity) => compareActivities(activity, reach.last) <= 0);
    return { items: [...items, ...kept], after: reach.after };
  }
  return { items, ...(cursor ? { after: cursor } : {}) };
}

/** Newest first; equal instants by id, descending (the timeline's order). */
export function compareActivities(a: TimelinePlace, b: TimelinePlace): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

/**
 * Loads the 360° view in one `view360` call, the two names it gives only as ids (the owner, the deals' stages),
 * and, after a live re-run, the activities the user had already scrolled to (see {@link readThrough}).
 */
export async function load360(
  crm: Crm,
  customerId: string,
  options: { readonly activityLimit: number; readonly reach?: TimelineReach },
): Promise<Customer360Loaded> {
  const view = await crm.customers.view360(customerId, { activityLimit: options.activityLimit });
  const ownerId = view.customer.ownerId;
  const pipelineIds = [...new Set([...view.deals.open, ...view.deals.closed].map((deal) => deal.pipelineId))];
  const after = view.timeline.next;
  const last = view.timeline.records[view.timeline.records.length - 1];
  const reach = options.reach;
  // Only when the user had scrolled past the (new) first page.
  const reread = after && last && reach && compareActivities(last, reach.last) < 0 ? reach : undefined;
  const [owner, pipelines, more] = await Promise.all([
    // Names are a nicety: a user or pipeline that cannot be read shows its id instead.
    ownerId ? crm.users.get(ownerId).catch(() => undefined) : undefined,
    Promise.all(pipelineIds.map((id) => crm.pipelines.get(id).catch(() => undefined))),
    after && reread
      ? readThrough(crm, customerId, after, reread, options.activityLimit)
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

/** Whether a stored record names this customer, or one of its deals or contacts, in one of the given fields. */
function names(
  record: Record<string, unknown> | undefined,
  fields: readonly string[],
  ids: ReadonlySet<string>,
): boolean {
  if (!record) return false;
  return fields.some((field) => {
    const value = field === 'related' ? (record['related'] as { id?: unknown } | undefined)?.id : record[field];
    return typeof value === 'string' && ids.has(value);
  });
}

/** For each collection whose records are this customer's through a field: the fields that say so. */
const OWNED_BY: Readonly<Record<string, readonly string[]>> = {
  contacts: ['customerId'],
  deals: ['customerId'],
  activities: ['customerId', 'dealId', 'contactId'],
  tasks: ['related'],
  lifecycleChanges: ['customerId'],
  consents: ['subjectId'],
};

/**
 * Whether committed changes can alter what the card shows of this customer, so that a change elsewhere (another
 * customer's deal moving on a busy board) does not make the card read its whole view again. Records the card shows
 * count by id; new or changed records are read (one `getMany` per collection) and count when they point at the
 * customer, one of its deals or one of its contacts. Segment changes always count: membership may change.
 */
export async function affects360(
  crm: Crm,
  customerId: string,
  previous: Customer360Loaded,
  changes: readonly ChangeEvent[],
): Promise<boolean> {
  const { view } = previous;
  if (view.customer.id !== customerId) return true;
  const deals = [...view.deals.open, ...view.deals.closed];
  const related = new Set([customerId, ...deals.map((deal) => deal.id), ...view.contacts.map((contact) => contact.id)]);
  const shown = new Set<string>([
    ...related,
    ...view.timeline.records.map((activity) => activity.id),
    ...previous.more.items.map((activity) => activity.id),
    ...view.tasks.open.map((task) => task.id),
    ...view.tasks.overdue.map((task) => task.id),
    ...(view.tasks.completed ?? []).map((task) => task.id),
    ...view.lifecycle.history.map((change) => change.id),
    ...view.consents.map((consent) => consent.id),
  ]);
  const pipelines = new Set(deals.map((deal) => deal.pipelineId));
  const unknown = new Map<string, string[]>();
  for (const change of changes) {
    switch (change.collection) {
      case 'segments':
        return true;
      case 'customers':
      case 'customerStats':
        if (change.id === customerId) return true;
        break;
      case 'users':
        if (change.id === view.customer.ownerId) return true;
        break;
      case 'pipelines':
        if (pipelines.has(change.id)) return true;
        break;
      default:
        if (shown.has(change.id)) return true;
        if (change.type === 'put' && OWNED_BY[change.collection]) {
          unknown.set(change.collection, [...(unknown.get(change.collection) ?? []), change.id]);
        }
    }
  }
  for (const [collection, ids] of unknown) {
    const records = await crm.records.getMany(collection, ids);
    if (records.some((record) => names(record, OWNED_BY[collection]!, related))) return true;
  }
  return false;
}
