/**
 * The board keeps the host page still while it loads: the loading state takes the loaded board's height, so the
 * page below it does not move when the columns arrive (a layout shift a host's CLS would count).
 */
import { expect, waitUntil } from '@open-wc/testing';
import { createMemoryStorage, type StoragePort } from '@crmkit/core';
import { crmOver, mountBoard, seedFixture, shadow, unmountBoards, waitForCards } from './pipeline-board-support.js';

/** A storage whose deal queries never answer: the board stays in its loading state. */
function stalledDeals(storage: StoragePort): StoragePort {
  return new Proxy(storage, {
    get(target, key, receiver) {
      if (key === 'query') {
        return (collection: string, ...rest: unknown[]) =>
          collection === 'deals'
            ? new Promise(() => {})
            : (target.query as (...args: unknown[]) => unknown).call(target, collection, ...rest);
      }
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('<crm-pipeline-board> layout stability', () => {
  it('is as tall while loading as when loaded, so the page below does not move', async () => {
    const loading = await crmOver(stalledDeals(createMemoryStorage()));
    const board = await mountBoard(loading, { waitForColumns: false });
    await waitUntil(() => shadow(board).querySelector('.state[role="status"]'), 'no loading state', { timeout: 5000 });
    const whileLoading = board.getBoundingClientRect().height;
    // Off the page before the next one is mounted: the virtualizer draws only the cards in view.
    document.body.replaceChildren();
    await loading.dispose();
    const crm = await crmOver();
    await seedFixture(crm);
    const loaded = await mountBoard(crm);
    await waitForCards(loaded);
    expect(whileLoading).to.equal(640);
    expect(loaded.getBoundingClientRect().height).to.equal(whileLoading);
    await unmountBoards(crm);
  });
});
