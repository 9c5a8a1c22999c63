/**
 * What a move needs and what happens when storage refuses it: stage gates and lost reasons asked for in a dialog,
 * optimistic moves that roll back with a message.
 */
import { sendKeys } from '@web/test-runner-commands';
import { expect, waitUntil } from '@open-wc/testing';
import { StorageQuotaError, type Crm, type Deal } from '@crmkit/core';
import type { CrmDealMovedEvent, CrmErrorEvent, CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import {
  announcement,
  cardOf,
  chooseStage,
  collect,
  crmOver,
  deferred,
  detailsDialog,
  dragCardTo,
  failureMessage,
  focusedDealId,
  mountBoard,
  openMoveDialog,
  seedFixture,
  shadow,
  stageOfCard,
  textOf,
  waitForCardIn,
  waitForCards,
  type Fixture,
  mountSeededBoard,
  unmountBoards,
} from './pipeline-board-support.js';

ignoreResizeObserverNotice();

/** Sets a form control's value as a user would, and submits the open details dialog. */
function fill(board: CrmPipelineBoard, name: string, value: string): void {
  const control = detailsDialog(board).querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)!;
  control.value = value;
  control.dispatchEvent(new Event(control instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
}
function submitDetails(board: CrmPipelineBoard): void {
  detailsDialog(board).querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
}
const dialogError = (board: CrmPipelineBoard) => textOf(detailsDialog(board).querySelector('.dialog-error'));
/** The labelled controls of the details dialog: name, type and label text. */
const detailFields = (board: CrmPipelineBoard) =>
  [...detailsDialog(board).querySelectorAll<HTMLInputElement | HTMLSelectElement>('[name]')].map((control) => ({
    name: control.name,
    type: control.type,
    label: textOf(control.closest('label')?.querySelector('span')),
  }));

async function waitForDetails(board: CrmPipelineBoard): Promise<void> {
  await waitUntil(() => detailsDialog(board).open, 'the details dialog did not open', { timeout: 5000 });
  await board.settled();
}

describe('<crm-pipeline-board> stage gates and lost reasons', () => {
  let crm: Crm;
  afterEach(() => {
    document.body.replaceChildren();
    crm.dispose();
  });

  describe('in a pipeline whose contract stage requires a close date and a source', () => {
    let board: CrmPipelineBoard;
    let deal: Deal;
    beforeEach(async () => {
      crm = await crmOver();
      const customer = await crm.customers.create({ kind: 'organisation', name: 'Initech' });
      const name = (en: string, zh: string) => ({ en, 'zh-CN': zh });
      const pipeline = await crm.pipelines.create({
        name: name('Contracts', '合同'),
        stages: [
          { id: 'lead', name: name('Lead', '线索'), probability: 0.1, kind: 'open' },
          {
            id: 'contract',
            name: name('Contract', '合同'),
            probability: 0.8,
            kind: 'open',
            gate: { requiredFields: ['expectedCloseDate', 'source'] },
          },
          { id: 'signed', name: name('Signed', '已签'), probability: 1, kind: 'won' },
          { id: 'dropped', name: name('Dropped', '放弃'), probability: 0, kind: 'lost' },
        ],
      });
      deal = await crm.deals.create({
        title: 'Printers',
        customerId: customer.id,
        pipelineId: pipeline.id,
        stageId: 'lead',
        amount: { amountMinor: 120_000, currency: 'CNY' },
      });
      board = await mountBoard(crm, { pipelineId: pipeline.id });
      await waitForCards(board);
    });

    it('asks for the missing fields, refuses empty ones, and moves with the values stored', async () => {
      const moved = collect<CrmDealMovedEvent>(board, 'crm-deal-moved');
      await openMoveDialog(board, deal.id);
      chooseStage(board, 'contract');
      await waitForDetails(board);
      const dialog = detailsDialog(board);
      expect(textOf(dialog.querySelector('h2'))).to.equal('Before moving to Contract');
      expect(textOf(dialog.querySelector('form > p'))).to.equal('This stage needs more details about the deal.');
      expect(detailFields(board)).to.deep.equal([
        { name: 'expectedCloseDate', type: 'date', label: 'Expected close date' },
        { name: 'source', type: 'text', label: 'Source' },
      ]);
      // The refused move is undone on the board while the dialog asks.
      expect(stageOfCard(board, deal.id)).to.equal('lead');
      expect(cardOf(board, deal.id)!.getAttribute('aria-busy')).to.equal('false');
      expect((shadow(board).activeElement as HTMLInputElement).name).to.equal('expectedCloseDate');

      submitDetails(board);
      await board.settled();
      expect(dialogError(board)).to.equal('Expected close date: Required');
      expect(dialog.querySelector('[name="expectedCloseDate"]')!.getAttribute('aria-invalid')).to.equal('true');
      expect(dialog.open).to.equal(true);

      fill(board, 'expectedCloseDate', '2026-07-15');
      submitDetails(board);
      await board.settled();
      expect(dialogError(board)).to.equal('Source: Required');
      expect((await crm.deals.get(deal.id)).version).to.equal(deal.version);

      fill(board, 'source', 'trade_show');
      submitDetails(board);
      await board.settled();
      expect(dialog.open).to.equal(false);
      const stored = await crm.deals.get(deal.id);
      expect([stored.stageId, stored.expectedCloseDate, stored.source]).to.deep.equal([
        'contract',
        '2026-07-15',
        'trade_show',
      ]);
      expect(moved.map((event) => event.detail.toStageId)).to.deep.equal(['contract']);
      await waitForCardIn(board, deal.id, 'contract');
      await waitUntil(() => announcement(board) === 'Moved “Printers” to Contract.', 'not announced', {
        timeout: 5000,
      });
      await board.settled();
      expect(focusedDealId(board)).to.equal(deal.id, 'focus is on the moved card');
    });

    it('moves nothing when the gate dialog is cancelled, and returns focus to the card', async () => {
      dragCardTo(board, deal.id, 'contract');
      await waitForDetails(board);
      [...detailsDialog(board).querySelectorAll<HTMLButtonElement>('button.action')]
        .find((button) => textOf(button) === 'Cancel')!
        .click();
      expect(detailsDialog(board).open).to.equal(false);
      await waitUntil(() => focusedDealId(board) === deal.id, 'focus did not return', { timeout: 5000 });
      await board.settled();
      expect((await crm.deals.get(deal.id)).version).to.equal(deal.version);
      expect(stageOfCard(board, deal.id)).to.equal('lead');
    });

    it('asks for a lost reason, refuses none, and stores the chosen one', async () => {
      await openMoveDialog(board, deal.id);
      chooseStage(board, 'dropped');
      await waitForDetails(board);
      expect(detailFields(board)).to.deep.equal([
        { name: 'lostReason', type: 'select-one', label: 'Why was it lost?' },
      ]);
      const options = [...detailsDialog(board).querySelectorAll('option')].map((option) => option.value);
      expect(options).to.deep.equal(['', ...crm.lostReasons]);
      // Nothing is written, nor shown as moving, before the reason is given.
      expect(stageOfCard(board, deal.id)).to.equal('lead');
      expect((await crm.deals.get(deal.id)).version).to.equal(deal.version);

      submitDetails(board);
      await board.settled();
      expect(dialogError(board)).to.equal('Why was it lost?: Required');
      expect((await crm.deals.get(deal.id)).version).to.equal(deal.version);

      fill(board, 'lostReason', 'competitor');
      // As a keyboard user does: Enter on the dialog's "Move" button.
      detailsDialog(board).querySelector<HTMLButtonElement>('button[type="submit"]')!.focus();
      await sendKeys({ press: 'Enter' });
      await board.settled();
      expect(detailsDialog(board).open).to.equal(false);
      const stored = await crm.deals.get(deal.id);
      expect([stored.stageId, stored.status, stored.lostReason]).to.deep.equal(['dropped', 'lost', 'competitor']);
      await waitForCardIn(board, deal.id, 'dropped');
      // Focus returns to the moved card, not to the page (WCAG 2.4.3).
      await board.settled();
      expect(focusedDealId(board)).to.equal(deal.id);
    });
  });

  describe('in the built-in pipeline', () => {
    let fixture: Fixture;
    let board: CrmPipelineBoard;
    beforeEach(async () => {
      crm = await crmOver();
      fixture = await seedFixture(crm);
      board = await mountBoard(crm);
      await waitForCards(board);
    });

    it('asks for the fields of a failed gate condition too, and converts an amount to minor units', async () => {
      const free = await crm.deals.create({
        title: 'Free trial',
        customerId: fixture.customers.acme,
        pipelineId: 'default',
        stageId: 'opportunity',
        amount: { amountMinor: 0, currency: 'CNY' },
      });
      await waitForCardIn(board, free.id, 'opportunity');
      dragCardTo(board, free.id, 'proposal');
      await waitForDetails(board);
      // The proposal stage requires an expected close date and an amount above zero.
      expect(detailFields(board)).to.deep.equal([
        { name: 'expectedCloseDate', type: 'date', label: 'Expected close date' },
        { name: 'amount.amountMinor', type: 'number', label: 'Amount (CNY)' },
      ]);
      expect(textOf(detailsDialog(board).querySelector('.condition'))).to.equal('A condition on Amount is not met.');
      fill(board, 'expectedCloseDate', '2026-09-30');
      fill(board, 'amount.amountMinor', '1250.5');
      submitDetails(board);
      await board.settled();
      expect(detailsDialog(board).open).to.equal(false);
      const stored = await crm.deals.get(free.id);
      expect([stored.stageId, stored.expectedCloseDate, stored.amount]).to.deep.equal([
        'proposal',
        '2026-09-30',
        { amountMinor: 125_050, currency: 'CNY' },
      ]);
      // A dragged card whose move needed the dialog gets the focus the dialog had.
      await board.settled();
      expect(focusedDealId(board)).to.equal(free.id);
    });
  });
});

describe('<crm-pipeline-board> optimistic moves', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  beforeEach(async () => ({ crm, fixture, board } = await mountSeededBoard()));
  afterEach(() => unmountBoards(crm));

  /** Holds the board's next `moveToStage` until `release` settles, then runs `then` instead of it. */
  function holdMoves(
    then: (move: Crm['deals']['moveToStage'], ...args: Parameters<Crm['deals']['moveToStage']>) => Promise<Deal>,
  ) {
    const gate = deferred();
    const original = crm.deals.moveToStage.bind(crm.deals);
    crm.deals.moveToStage = async (...args) => {
      await gate.promise;
      return then(original, ...args);
    };
    return gate;
  }

  it('shows the card in its new column while storage works, and puts it back with a message when it refuses', async () => {
    const { Beta } = fixture.deals;
    const refusal = new StorageQuotaError();
    const gate = holdMoves(async () => {
      throw refusal;
    });
    const errors = collect<CrmErrorEvent>(document.body, 'crm-error');
    const moved = collect<CrmDealMovedEvent>(board, 'crm-deal-moved');
    dragCardTo(board, Beta, 'won');

    await waitForCardIn(board, Beta, 'won');
    expect(cardOf(board, Beta)!.getAttribute('aria-busy')).to.equal('true');
    expect(board.shownColumns.map((column) => column.cards.length)).to.deep.equal([2, 1, 2, 1]);

    gate.resolve();
    await board.settled();
    await waitForCardIn(board, Beta, 'opportunity');
    expect(cardOf(board, Beta)!.getAttribute('aria-busy')).to.equal('false');
    expect(board.shownColumns.map((column) => column.cards.length)).to.deep.equal([3, 1, 1, 1]);
    expect(failureMessage(board)).to.equal('Could not move “Beta”; it is back in its stage.');
    expect(shadow(board).querySelector('[role="alert"]')!.textContent).to.contain('Could not move “Beta”');
    expect(errors.map((event) => [event.detail.operation, event.detail.error])).to.deep.equal([['move', refusal]]);
    expect(moved).to.deep.equal([]);
    expect((await crm.deals.get(Beta)).stageId).to.equal('opportunity');

    // The message can be dismissed.
    shadow(board).querySelector<HTMLButtonElement>('.failure button')!.click();
    await board.updateComplete;
    expect(failureMessage(board)).to.equal('');
  });

  it('rolls back a keyboard move that lost to a change made elsewhere, shows the latest version and keeps focus', async () => {
    const { Alpha } = fixture.deals;
    const gate = holdMoves(async (move, dealId, stageId, options) => {
      // Someone else edits the deal after the board read it: the board's version is now stale.
      const current = await crm.deals.get(dealId);
      await crm.deals.update(dealId, { title: 'Alpha (renamed)' }, { expectedVersion: current.version });
      return move(dealId, stageId, options);
    });
    const errors = collect<CrmErrorEvent>(board, 'crm-error');
    await openMoveDialog(board, Alpha);
    chooseStage(board, 'won');
    await waitForCardIn(board, Alpha, 'won');
    expect(cardOf(board, Alpha)!.getAttribute('aria-busy')).to.equal('true');

    gate.resolve();
    await board.settled();
    expect(
      errors.map((event) => [event.detail.operation, (event.detail.error as { code: string }).code]),
    ).to.deep.equal([['move', 'CRM_CONFLICT']]);
    expect(failureMessage(board)).to.equal(
      '“Alpha” was changed elsewhere; the board shows the latest version. Try again.',
    );
    const stored = await crm.deals.get(Alpha);
    expect([stored.stageId, stored.title]).to.deep.equal(['opportunity', 'Alpha (renamed)']);
    await waitForCardIn(board, Alpha, 'opportunity');
    await waitUntil(() => textOf(cardOf(board, Alpha)?.querySelector('.title')) === 'Alpha (renamed)', 'stale title', {
      timeout: 5000,
    });
    await waitUntil(() => focusedDealId(board) === Alpha, 'focus is not on the card', { timeout: 5000 });
  });
});
