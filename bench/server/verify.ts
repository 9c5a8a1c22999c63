/**
 * The lost-update check, run on each tenant once its load is over, straight from the `records` table:
 *
 * - every deal's version is 1 (the restored snapshot) plus the number of successful moves the clients made to it, and
 *   the versions those moves answered are exactly 2…final, each once (two writers never both won the same version);
 * - its stage is the one the move that produced the final version entered;
 * - its stage history holds the snapshot's entries plus one per successful move, and the new entries, in time order,
 *   form a chain: the first leaves the snapshot's stage, each leaves the stage the one before entered, the last enters
 *   the deal's stage;
 * - every captured lead is stored, once.
 */
import type pg from 'pg';
import { SCHEMA } from './config.js';
import type { WriteLog } from './load.js';

/** What the seed knew of the deals: their stage, and the ids of the stage-history entries it wrote. */
export interface SeedFacts {
  readonly dealStages: ReadonlyMap<string, string>;
  readonly stageChangeIds: ReadonlySet<string>;
  readonly leads: number;
}

export interface Verification {
  readonly tenant: string;
  readonly dealsMoved: number;
  readonly successfulMoves: number;
  readonly historyEntries: number;
  readonly capturedLeads: number;
  /** Each inconsistency found (at most 20 listed); empty when the check passed. */
  readonly problems: readonly string[];
  readonly problemCount: number;
}

export async function verifyTenant(
  pool: pg.Pool,
  tenant: string,
  seed: SeedFacts,
  writes: WriteLog,
): Promise<Verification> {
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (message: string) => {
    problemCount++;
    if (problems.length < 20) problems.push(message);
  };
  const records = `"${SCHEMA}".records`;
  const deals = await pool.query<{ id: string; version: number; stage: string }>(
    `SELECT id, version, doc ->> 'stageId' AS stage FROM ${records} WHERE tenant_id = $1 AND collection = 'deals'`,
    [tenant],
  );
  const history = await pool.query<{ id: string; deal: string; from: string | null; to: string; at: string }>(
    `SELECT id, doc ->> 'dealId' AS deal, doc ->> 'fromStageId' AS "from", doc ->> 'toStageId' AS "to",
       doc ->> 'at' AS at
     FROM ${records} WHERE tenant_id = $1 AND collection = 'stageChanges'`,
    [tenant],
  );
  const movesByDeal = new Map<string, { version: number; stageId: string }[]>();
  for (const move of writes.moves) {
    const list = movesByDeal.get(move.dealId) ?? [];
    list.push(move);
    movesByDeal.set(move.dealId, list);
  }
  const newHistory = new Map<string, { from: string | null; to: string; at: string; id: string }[]>();
  let seededHistory = 0;
  for (const row of history.rows) {
    if (seed.stageChangeIds.has(row.id)) {
      seededHistory++;
      continue;
    }
    const list = newHistory.get(row.deal) ?? [];
    list.push(row);
    newHistory.set(row.deal, list);
  }
  if (seededHistory !== seed.stageChangeIds.size) {
    problem(`${seed.stageChangeIds.size - seededHistory} of the snapshot's stage-history entries are missing`);
  }
  const stored = new Set<string>();
  for (const deal of deals.rows) {
    stored.add(deal.id);
    const moves = (movesByDeal.get(deal.id) ?? []).slice().sort((a, b) => a.version - b.version);
    if (deal.version !== 1 + moves.length) {
      problem(
        `deal ${deal.id}: version ${deal.version}, but ${moves.length} successful moves (expected ${1 + moves.length})`,
      );
    }
    moves.forEach((move, i) => {
      if (move.version !== i + 2) problem(`deal ${deal.id}: move versions ${moves.map((m) => m.version).join(',')}`);
    });
    const last = moves[moves.length - 1];
    const expectedStage = last ? last.stageId : seed.dealStages.get(deal.id);
    if (deal.stage !== expectedStage)
      problem(`deal ${deal.id}: stage ${deal.stage}, the last move entered ${expectedStage}`);
    const entries = (newHistory.get(deal.id) ?? []).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    if (entries.length !== moves.length) {
      problem(`deal ${deal.id}: ${entries.length} new stage-history entries for ${moves.length} successful moves`);
      continue;
    }
    let stage = seed.dealStages.get(deal.id) ?? null;
    for (const entry of entries) {
      if (entry.from !== stage)
        problem(`deal ${deal.id}: history entry ${entry.id} leaves ${entry.from}, not ${stage}`);
      stage = entry.to;
    }
    if (entries.length > 0 && stage !== deal.stage)
      problem(`deal ${deal.id}: history ends in ${stage}, deal in ${deal.stage}`);
  }
  for (const id of movesByDeal.keys()) if (!stored.has(id)) problem(`deal ${id} was moved but is gone`);
  for (const id of newHistory.keys()) if (!stored.has(id)) problem(`history entries for unknown deal ${id}`);

  const leads = await pool.query<{ id: string }>(
    `SELECT id FROM ${records} WHERE tenant_id = $1 AND collection = 'leads' AND id = ANY ($2::text[])`,
    [tenant, writes.captures],
  );
  const unique = new Set(writes.captures);
  if (unique.size !== writes.captures.length)
    problem(`${writes.captures.length - unique.size} captures answered an id twice`);
  if (leads.rows.length !== unique.size) problem(`${unique.size - leads.rows.length} captured leads are not stored`);
  const total = await pool.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM ${records} WHERE tenant_id = $1 AND collection = 'leads'`,
    [tenant],
  );
  if (total.rows[0]!.n !== seed.leads + unique.size) {
    problem(`${total.rows[0]!.n} leads stored, expected ${seed.leads} + ${unique.size} captured`);
  }
  return {
    tenant,
    dealsMoved: movesByDeal.size,
    successfulMoves: writes.moves.length,
    historyEntries: [...newHistory.values()].reduce((sum, list) => sum + list.length, 0),
    capturedLeads: leads.rows.length,
    problems,
    problemCount,
  };
}
