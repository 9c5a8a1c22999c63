/**
 * What a move on the board costs in storage reads: `crm.deals.moveToStage` returns the deal as stored, and the board
 * shows that deal instead of reading it back. Reads are counted through a storage port wrapped around memory storage;
 * over a remote CRM, the requests for data are counted instead (crm-under-test.ts).
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { Crm, StoragePort } from '@crmkit/core';
import type { CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import {
  ADMIN,
  boardBackend,
  cardOf,
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

/** `inner` with its reads (outside transactions) listed in `reads` as `method collection`. */
function countingStorage(inner: StoragePort, reads: string[]): StoragePort {
  return new Proxy(inner, {
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
}

/**
 * A CRM over a fresh backend whose reads are listed: its storage's (local), or its requests as `VERB route` (remote;
 * record ids as `{id}`), but for the session, the change stream and `settled`, which read no data.
 */
async function countedCrm(): Promise<{ crm: Crm; reads: string[] }> {
  const reads: string[] = [];
  const crm = await (
    await boardBackend()
  ).open(ADMIN, {
    storage: (inner) => countingStorage(inner, reads),
    fetch: (send) => (input, init) => {
      const route = new URL(input).pathname.split('/').slice(3).join('/');
      if (!/^(session|changes|settled)$/.test(route)) {
        reads.push(`${init.method ?? 'GET'} ${route.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}`);
      }
      return send(input, init);
    },
  });
  return { crm, reads };
}

/** The reads `act` makes, once the CRM's background work has settled before and after it, in a stable order. */
async function readsOf(crm: Crm, reads: string[], act: () => Promise<unknown>): Promise<string[]> {
  await crm.settled();
  reads.length = 0;
  await act();
  await crm.settled();
  return [...reads].sort();
}

/** Resolves once `crm` hears of a version of the deal after `version` (at once locally; remotely, from the stream). */
function heard(crm: Crm, dealId: string, version: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = crm.subscribe((events) => {
      if (!events.some((event) => event.id === dealId && event.version !== undefined && event.version > version))
        return;
      stop();
      resolve();
    });
  });
}

describe('<crm-pipeline-board> storage reads', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  let reads: string[];
  beforeEach(async () => {
    ({ crm, reads } = await countedCrm());
    fixture = await seedFixture(crm);
    board = await mountBoard(crm);
    await waitForCards(board);
  });
  afterEach(() => unmountBoards(crm));

  it('a move reads nothing beyond what moveToStage itself reads: the board shows the deal it returns', async () => {
    // The same move made by the service alone, on the same data: what moving costs without a board.
    const alone = await countedCrm();
    const bare = alone.crm;
    const bareFixture = await seedFixture(bare);
    // Read before counting: the board knows the deal's version from its own load.
    const beta = await bare.deals.get(bareFixture.deals.Beta);
    const moveReads = await readsOf(bare, alone.reads, () =>
      bare.deals.moveToStage(beta.id, 'won', { expectedVersion: beta.version }),
    );
    await bare.dispose();
    expect(moveReads.length).to.be.greaterThan(0);

    const { version } = await crm.deals.get(fixture.deals.Beta);
    const echo = heard(crm, fixture.deals.Beta, version);
    const boardReads = await readsOf(crm, reads, async () => {
      await board.moveDeal(fixture.deals.Beta, 'won', 'drag');
      await board.settled();
      // The move's own change comes back (remotely, through the change stream), and the board hears it too: it
      // reads nothing for it either.
      await echo;
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
