/**
 * What a move on the board costs in storage reads: `crm.deals.moveToStage` returns the deal as stored, and the board
 * shows that deal instead of reading it back. Reads are counted through a storage port wrapped around memory storage.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { createMemoryStorage, type Crm, type StoragePort } from '@crmkit/core';
import type { CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import {
  cardOf,
  crmOver,
  mountBoard,
  seedFixture,
  textOf,
  unmountBoards,
  waitForCardIn,
  waitForCards,
  type Fixture,
} from './pipeline-board-support.js';

ignoreResizeObserverNotice();

const READS = new Set<PropertyKey>(['get', 'getMany', 'query', 'count']);

/** Memory storage whose reads (outside transactions) are listed as `method collection`. */
function countingStorage(): { storage: StoragePort; reads: string[] } {
  const inner = createMemoryStorage();
  const reads: string[] = [];
  const storage = new Proxy(inner, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!READS.has(property)) return value.bind(target);
      return (collection: string, ...rest: unknown[]) => {
        reads.push(`${String(property)} ${collection}`);
        return (value as (...args: unknown[]) => unknown).call(target, collection, ...rest);
      };
    },
  });
  return { storage, reads };
}

/** The reads `act` makes, once the CRM's background work has settled before and after it, in a stable order. */
async function readsOf(crm: Crm, reads: string[], act: () => Promise<unknown>): Promise<string[]> {
  await crm.settled();
  reads.length = 0;
  await act();
  await crm.settled();
  return [...reads].sort();
}

describe('<crm-pipeline-board> storage reads', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  let counted: ReturnType<typeof countingStorage>;
  beforeEach(async () => {
    counted = countingStorage();
    crm = await crmOver(counted.storage);
    fixture = await seedFixture(crm);
    board = await mountBoard(crm);
    await waitForCards(board);
  });
  afterEach(() => unmountBoards(crm));

  it('a move reads nothing beyond what moveToStage itself reads: the board shows the deal it returns', async () => {
    // The same move made by the service alone, on the same data: what moving costs without a board.
    const alone = countingStorage();
    const bare = await crmOver(alone.storage);
    const bareFixture = await seedFixture(bare);
    // Read before counting: the board knows the deal's version from its own load.
    const beta = await bare.deals.get(bareFixture.deals.Beta);
    const moveReads = await readsOf(bare, alone.reads, () =>
      bare.deals.moveToStage(beta.id, 'won', { expectedVersion: beta.version }),
    );
    await bare.dispose();

    const boardReads = await readsOf(crm, counted.reads, async () => {
      await board.moveDeal(fixture.deals.Beta, 'won', 'drag');
      await board.settled();
    });
    await waitForCardIn(board, fixture.deals.Beta, 'won');
    expect(cardOf(board, fixture.deals.Beta)!.getAttribute('aria-busy')).to.equal('false');
    expect(boardReads).to.deep.equal(moveReads);
    expect((await crm.deals.get(fixture.deals.Beta)).stageId).to.equal('won');
  });

  it('a change made elsewhere while a move is written still shows once the move is done', async () => {
    const { Alpha, Beta } = fixture.deals;
    const move = crm.deals.moveToStage.bind(crm.deals);
    crm.deals.moveToStage = async (...args) => {
      const other = await crm.deals.get(Alpha);
      await crm.deals.update(Alpha, { title: 'Alpha (renamed)' }, { expectedVersion: other.version });
      return move(...args);
    };
    await board.moveDeal(Beta, 'won', 'drag');
    await board.settled();
    await waitForCardIn(board, Beta, 'won');
    await waitUntil(() => textOf(cardOf(board, Alpha)?.querySelector('.title')) === 'Alpha (renamed)', 'stale title', {
      timeout: 5000,
    });
  });
});
