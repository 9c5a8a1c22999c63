/**
 * The board follows changes it did not make: another CRM over the same storage (in the remote run, another client of
 * the same server, whose changes reach the board through the server's change stream), and another IndexedDB
 * connection (another tab) through the Dexie adapter's cross-connection change feed.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { createMemoryStorage, type ChangeEvent, type Crm } from '@crmkit/core';
import { createDexieStorage, type DexieStorage } from '@crmkit/storage-dexie';
import type { CrmDealMovedEvent } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import { describeLocal } from './crm-under-test.js';
import {
  ADMIN,
  boardBackend,
  cardOf,
  collect,
  crmOver,
  mountBoard,
  seedFixture,
  textOf,
  waitForCardIn,
  waitForCards,
} from './pipeline-board-support.js';

ignoreResizeObserverNotice();

describe('<crm-pipeline-board> live', () => {
  afterEach(() => document.body.replaceChildren());

  it('shows moves, new deals and renamed customers written by another CRM over the same storage', async () => {
    const backend = await boardBackend();
    const crm = await backend.open(ADMIN);
    const other = await backend.open(ADMIN);
    try {
      const fixture = await seedFixture(crm);
      const board = await mountBoard(crm);
      await waitForCards(board);
      const moved = collect<CrmDealMovedEvent>(board, 'crm-deal-moved');

      const beta = await other.deals.get(fixture.deals.Beta);
      await other.deals.moveToStage(beta.id, 'won', { expectedVersion: beta.version });
      await waitForCardIn(board, fixture.deals.Beta, 'won');

      const created = await other.deals.create({
        title: 'Omega',
        customerId: fixture.customers.globex,
        pipelineId: 'default',
        stageId: 'proposal',
        amount: { amountMinor: 70_000, currency: 'CNY' },
        expectedCloseDate: '2026-09-01',
      });
      await waitForCardIn(board, created.id, 'proposal');

      const acme = await other.customers.get(fixture.customers.acme);
      await other.customers.update(acme.id, { name: 'Acme Holdings' }, { expectedVersion: acme.version });
      await waitUntil(
        () => textOf(cardOf(board, fixture.deals.Alpha)?.querySelector('.customer')) === 'Acme Holdings',
        'the renamed customer did not show',
        { timeout: 5000 },
      );
      // The board announces only the moves it made.
      expect(moved).to.deep.equal([]);
    } finally {
      document.body.replaceChildren();
      other.dispose();
      crm.dispose();
    }
  });

  // IndexedDB is the page's own storage: there is no remote CRM in this, so the remote run leaves it out.
  describeLocal('over IndexedDB', () => {
    let name: string;
    let here: DexieStorage;
    let there: DexieStorage;
    let crmHere: Crm;
    let crmThere: Crm;
    beforeEach(async () => {
      name = `crmkit-board-live-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      here = createDexieStorage({ name });
      there = createDexieStorage({ name });
      crmHere = await crmOver(here);
      crmThere = await crmOver(there);
    });
    afterEach(async () => {
      document.body.replaceChildren();
      // Background work (customer aggregates after the move) finishes before the databases close under it.
      await Promise.all([crmHere.dispose(), crmThere.dispose()]);
      await here.close();
      await there.close();
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      });
    });

    it('shows a move made through a second connection to the same database, without reloading', async () => {
      // Seeded through a memory CRM and imported (the fixture's stage-entry times are in the past), then moved through
      // a CRM over the second connection: a real move, in that connection's transaction.
      const seeded = createMemoryStorage();
      const seed = await crmOver(seeded);
      const fixture = await seedFixture(seed);
      await here.importSnapshot(await seeded.exportSnapshot());
      seed.dispose();
      const board = await mountBoard(crmHere);
      await waitForCards(board);
      const remote: ChangeEvent[] = [];
      here.subscribe((events) => remote.push(...events.filter((event) => event.remote)));

      const { Gamma } = fixture.deals;
      const stored = await crmThere.deals.get(Gamma);
      await crmThere.deals.moveToStage(Gamma, 'won', { expectedVersion: stored.version });
      await waitForCardIn(board, Gamma, 'won');
      expect(board.shownColumns.map((column) => column.cards.length)).to.deep.equal([2, 1, 2, 1]);
      // It came through the change feed between connections, not from a write on this one.
      expect(remote.some((event) => event.collection === 'deals' && event.id === Gamma)).to.equal(true);
      expect((await crmHere.deals.get(Gamma)).status).to.equal('won');
    });
  });
});
