/**
 * How `<crm-pipeline-board>` reads its data: everything once, then only what changed. A move on a board of ten
 * thousand deals commits one deal; reading (and validating) the other 9 999 again would cost far more than the move.
 */
import type { ChangeEvent, Crm, Deal, QueryOptions } from '@crmkit/core';
import type { CrmQueryUpdate } from '../internal/crm-query-controller.js';
import type { BoardDeal, BoardPipeline } from './board-model.js';

/** What the board shows, from storage or from the host's properties. */
export interface BoardData {
  readonly pipeline: BoardPipeline;
  readonly deals: readonly BoardDeal[];
  readonly customerNames: Readonly<Record<string, string>>;
  readonly ownerNames: Readonly<Record<string, string>>;
}

/** Ids per `in` query. */
const ID_CHUNK = 500;

type ListOptions = Pick<QueryOptions, 'where' | 'orderBy' | 'after'>;
type List<T> = (options: ListOptions) => Promise<{ records: T[]; next?: string }>;

/** Reads every page of a list. */
async function listAll<T>(list: List<T>, options: ListOptions = {}): Promise<T[]> {
  const records: T[] = [];
  let after: string | undefined;
  do {
    const page = await list({ ...options, ...(after ? { after } : {}) });
    records.push(...page.records);
    after = page.next;
  } while (after);
  return records;
}

/** The records with these ids, read in chunks. */
async function byIds<T>(list: List<T>, ids: readonly string[]): Promise<T[]> {
  const records: T[] = [];
  for (let start = 0; start < ids.length; start += ID_CHUNK) {
    records.push(
      ...(await listAll(list, { where: { field: 'id', op: 'in', values: ids.slice(start, start + ID_CHUNK) } })),
    );
  }
  return records;
}

async function namesOf(crm: Crm, customerIds: readonly string[]): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const customer of await byIds((options) => crm.customers.list(options), customerIds)) {
    names[customer.id] = customer.name;
  }
  return names;
}

async function ownerNamesOf(crm: Crm): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const user of await listAll((options) => crm.users.list(options))) names[user.id] = user.name;
  return names;
}

/** Newest in stage first, then by id: the order storage returns for `stageEnteredAt desc`. */
function newestInStageFirst(a: BoardDeal, b: BoardDeal): number {
  const at = a.stageEnteredAt ?? '';
  const bt = b.stageEnteredAt ?? '';
  if (at !== bt) return at < bt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Reads the pipeline, its deals (newest in stage first) and the names shown on the cards. */
export async function loadBoard(crm: Crm, pipelineId: string, update?: CrmQueryUpdate<BoardData>): Promise<BoardData> {
  if (update && update.previous.pipeline.id === pipelineId) {
    const updated = await applyChanges(crm, pipelineId, update.previous, update.changes);
    if (updated) return updated;
  }
  const pipeline = await crm.pipelines.get(pipelineId);
  const deals = await listAll((options) => crm.deals.list(options), {
    where: { field: 'pipelineId', op: 'eq', value: pipelineId },
    orderBy: [{ field: 'stageEnteredAt', direction: 'desc' }],
  });
  const customerNames = await namesOf(crm, [...new Set(deals.map((deal) => deal.customerId))]);
  return { pipeline, deals, customerNames, ownerNames: await ownerNamesOf(crm) };
}

/**
 * The data with one deal as storage returned it from a write (a move): no read needed. `undefined` when the deal has
 * no stage time to order it by, or left the pipeline: the caller reads it instead.
 */
export function withStoredDeal(
  previous: BoardData,
  deal: BoardDeal & { readonly pipelineId?: string },
): BoardData | undefined {
  if (deal.stageEnteredAt === undefined || deal.pipelineId !== previous.pipeline.id) return undefined;
  const deals = [...previous.deals.filter((candidate) => candidate.id !== deal.id), deal].sort(newestInStageFirst);
  return { ...previous, deals };
}

/**
 * The previous data with the changes applied: changed deals re-read by id (unchanged ones stay the same objects, so
 * the board reuses their cards), changed or newly needed customer names re-read, users re-read when they changed.
 * `undefined` when the changes cannot be applied piecemeal (the pipeline changed, or a deal has no stage time to
 * order it by): the caller reads everything.
 */
async function applyChanges(
  crm: Crm,
  pipelineId: string,
  previous: BoardData,
  changes: readonly ChangeEvent[],
): Promise<BoardData | undefined> {
  if (changes.some((change) => change.collection === 'pipelines')) return undefined;
  const dealIds = new Set(changes.filter((change) => change.collection === 'deals').map((change) => change.id));
  let deals = previous.deals;
  if (dealIds.size > 0) {
    const fresh = (await byIds<Deal>((options) => crm.deals.list(options), [...dealIds])).filter(
      (deal) => deal.pipelineId === pipelineId,
    );
    if (fresh.some((deal) => deal.stageEnteredAt === undefined)) return undefined;
    deals = [...previous.deals.filter((deal) => !dealIds.has(deal.id)), ...fresh].sort(newestInStageFirst);
  }
  const known = previous.customerNames;
  // A changed customer is read again whether or not it is shown now: a deal of it may appear later.
  const needed = [
    ...new Set([
      ...changes.filter((change) => change.collection === 'customers').map((change) => change.id),
      ...deals.map((deal) => deal.customerId).filter((id) => !Object.hasOwn(known, id)),
    ]),
  ];
  const customerNames = needed.length === 0 ? known : { ...known, ...(await namesOf(crm, needed)) };
  const ownerNames = changes.some((change) => change.collection === 'users')
    ? await ownerNamesOf(crm)
    : previous.ownerNames;
  return { pipeline: previous.pipeline, deals, customerNames, ownerNames };
}
