/**
 * Moving deals without dragging (WCAG 2.5.7): one tab stop, arrow keys between cards and columns, the "Move to…"
 * dialog, the live announcement and where focus ends; and moving by drag and drop.
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { Crm } from '@crmkit/core';
import type { CrmDealMoveEvent, CrmDealMovedEvent, CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import {
  announcement,
  cardOf,
  chooseStage,
  collect,
  columnOf,
  dragCardTo,
  focusedDealId,
  moveDialog,
  openMoveDialog,
  pressOnFocusedCard,
  deferred,
  renderedIn,
  shadow,
  stageOfCard,
  tabStops,
  textOf,
  waitForCardIn,
  type Fixture,
  mountSeededBoard,
  unmountBoards,
} from './pipeline-board-support.js';

ignoreResizeObserverNotice();

describe('<crm-pipeline-board> keyboard', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  beforeEach(async () => ({ crm, fixture, board } = await mountSeededBoard()));
  afterEach(() => unmountBoards(crm));

  /**
   * Presses a key on the focused card and waits for focus to reach `expected`. A key that leads to a card is the
   * board's (default prevented, so the page does not scroll); at the board's left or right edge it is the page's.
   */
  async function press(key: string, expected: string, edge = false): Promise<void> {
    const event = pressOnFocusedCard(board, key);
    await waitUntil(() => focusedDealId(board) === expected, `${key} did not focus ${expected}`, { timeout: 5000 });
    expect(event.defaultPrevented, `${key} is the board's, not the page's`).to.equal(!edge);
    // The tab stop follows focus: still exactly one.
    await board.updateComplete;
    expect(tabStops(board).map((card) => card.dataset['dealId'])).to.deep.equal([expected]);
  }

  it('is one tab stop: exactly one card, the first, has tabindex 0', () => {
    const { Gamma } = fixture.deals;
    expect(tabStops(board).map((card) => card.dataset['dealId'])).to.deep.equal([Gamma]);
    const cards = [...shadow(board).querySelectorAll<HTMLElement>('.card')];
    expect(cards.length).to.equal(6);
    // The scrolling row of columns takes the stop only when there is no card to hold it.
    expect(shadow(board).querySelector('.columns')!.hasAttribute('tabindex')).to.equal(false);
    for (const card of cards.filter((card) => card.dataset['dealId'] !== Gamma)) {
      expect(card.getAttribute('tabindex')).to.equal('-1');
      expect(card.querySelector('button.move')!.getAttribute('tabindex')).to.equal('-1');
    }
  });

  it('moves focus with the arrow keys, Home and End, skipping empty columns', async () => {
    const { Alpha, Beta, Gamma, Delta, Zeta } = fixture.deals;
    // Epsilon is the only won deal; without it the won column is empty.
    const epsilon = await crm.deals.get(fixture.deals.Epsilon);
    await crm.deals.remove(epsilon.id, { expectedVersion: epsilon.version });
    await waitUntil(() => board.shownColumns[2]!.cards.length === 0, 'won did not empty', { timeout: 5000 });
    cardOf(board, Gamma)!.focus();
    expect(focusedDealId(board)).to.equal(Gamma);
    await press('ArrowDown', Beta);
    await press('ArrowDown', Alpha);
    await press('ArrowDown', Alpha); // the last card stays
    await press('Home', Gamma);
    await press('ArrowUp', Gamma); // the first card stays
    await press('End', Alpha);
    await press('ArrowRight', Delta); // from the third card to the only one of proposal
    await press('ArrowRight', Zeta); // over the empty won column
    await press('ArrowLeft', Delta); // and back over it
    await press('ArrowLeft', Gamma); // to the first card: the proposal card was first in its column
    await press('ArrowLeft', Gamma, true); // nothing to the left
  });

  it('moves a deal through the "Move to…" dialog, announces it and keeps focus on the moved card', async () => {
    const { Beta } = fixture.deals;
    const moves = collect<CrmDealMoveEvent>(board, 'crm-deal-move');
    const moved = collect<CrmDealMovedEvent>(board, 'crm-deal-moved');
    const dialog = await openMoveDialog(board, Beta);
    expect(textOf(dialog.querySelector('h2'))).to.equal('Move “Beta” to…');
    const current = dialog.querySelector<HTMLButtonElement>('button[data-stage-id="opportunity"]')!;
    expect(current.disabled).to.equal(true);
    expect(current.getAttribute('aria-current')).to.equal('true');
    expect(textOf(current)).to.equal('Opportunity (current stage)');
    // Focus starts on the first stage the deal can go to.
    expect((shadow(board).activeElement as HTMLElement).dataset['stageId']).to.equal('proposal');

    chooseStage(board, 'won');
    await board.settled();
    expect(moveDialog(board).open).to.equal(false);
    const stored = await crm.deals.get(Beta);
    expect([stored.stageId, stored.status]).to.deep.equal(['won', 'won']);
    expect(moves.map((event) => event.detail)).to.deep.equal([
      { dealId: Beta, fromStageId: 'opportunity', toStageId: 'won', via: 'keyboard' },
    ]);
    expect(moved.map((event) => event.detail)).to.deep.equal([
      { dealId: Beta, fromStageId: 'opportunity', toStageId: 'won', version: stored.version },
    ]);
    await waitUntil(() => announcement(board) === 'Moved “Beta” to Won.', 'the move was not announced', {
      timeout: 5000,
    });
    await waitUntil(() => focusedDealId(board) === Beta, 'focus is not on the moved card', { timeout: 5000 });
    expect(stageOfCard(board, Beta)).to.equal('won');
    expect(tabStops(board).map((card) => card.dataset['dealId'])).to.deep.equal([Beta]);
  });

  it('keeps focus on the moved card when storage puts it at the top of its new column', async () => {
    // Epsilon entered its stage longest ago, so while the move is pending it shows last in opportunity; stored, it
    // has just entered the stage and shows first: its card moves within the column after it took focus.
    const { Alpha, Beta, Gamma, Epsilon } = fixture.deals;
    const moves = collect<CrmDealMoveEvent>(board, 'crm-deal-move');
    await openMoveDialog(board, Epsilon);
    chooseStage(board, 'opportunity');
    await board.settled();
    expect(moves.map((event) => event.detail.fromStageId)).to.deep.equal(['won']);
    const stored = await crm.deals.get(Epsilon);
    expect([stored.stageId, stored.status]).to.deep.equal(['opportunity', 'open']);
    await waitUntil(
      () => renderedIn(board, 'opportunity').join() === [Epsilon, Gamma, Beta, Alpha].join(),
      'Epsilon is not first in opportunity',
      { timeout: 5000 },
    );
    await waitUntil(() => focusedDealId(board) === Epsilon, 'focus is not on the moved card', { timeout: 5000 });
    expect(stageOfCard(board, Epsilon)).to.equal('opportunity');
    expect(textOf(columnOf(board, 'won').querySelector('.empty'))).to.equal('No deals');
  });

  it('keeps focus on the moved card when the stored deal comes after focus did (slow storage, a server)', async () => {
    // Focus reaches the card while the move is pending (shown last in opportunity); the stored deal, just entered
    // the stage, then puts it first: redrawing the column moves the focused card, which must not lose focus.
    const { Epsilon } = fixture.deals;
    const written = deferred();
    const moveToStage = crm.deals.moveToStage.bind(crm.deals);
    crm.deals.moveToStage = async (...args) => {
      await written.promise;
      return moveToStage(...args);
    };
    await openMoveDialog(board, Epsilon);
    chooseStage(board, 'opportunity');
    await waitUntil(() => focusedDealId(board) === Epsilon, 'focus did not reach the pending card', { timeout: 5000 });
    expect(renderedIn(board, 'opportunity').at(-1)).to.equal(Epsilon);
    written.resolve();
    await waitUntil(() => renderedIn(board, 'opportunity')[0] === Epsilon, 'Epsilon is not first', { timeout: 5000 });
    await board.settled();
    expect(focusedDealId(board)).to.equal(Epsilon);
  });

  it('closes the dialog on Escape, moving nothing and returning focus to the card', async () => {
    const { Alpha } = fixture.deals;
    const before = await crm.deals.get(Alpha);
    const dialog = await openMoveDialog(board, Alpha);
    // What the Escape key does to a modal dialog: `cancel`, then it closes. Blink delivers the `close` event at the
    // next animation frame, which a test page in the background does not get, so the test delivers it.
    dialog.requestClose();
    expect(dialog.open).to.equal(false);
    dialog.dispatchEvent(new Event('close'));
    await waitUntil(() => focusedDealId(board) === Alpha, 'focus did not return to the card', { timeout: 5000 });
    await board.settled();
    expect(dialog.querySelector('h2')).to.equal(null);
    expect((await crm.deals.get(Alpha)).version).to.equal(before.version);
    expect(stageOfCard(board, Alpha)).to.equal('opportunity');
  });

  it('ignores a close event that arrives after the dialog was opened again for another card', async () => {
    const { Alpha, Delta } = fixture.deals;
    const dialog = await openMoveDialog(board, Alpha);
    dialog.requestClose();
    // Before the browser delivers that `close`, the user opens the dialog for another card.
    const again = await openMoveDialog(board, Delta);
    expect(again).to.equal(dialog);
    dialog.dispatchEvent(new Event('close'));
    await board.updateComplete;
    expect(dialog.open).to.equal(true);
    expect(textOf(dialog.querySelector('h2'))).to.include(textOf(cardOf(board, Delta)!.querySelector('.title')));
  });

  it('closes the dialog on Cancel, moving nothing and returning focus to the card', async () => {
    const { Delta } = fixture.deals;
    const before = await crm.deals.get(Delta);
    const dialog = await openMoveDialog(board, Delta);
    const cancel = [...dialog.querySelectorAll<HTMLButtonElement>('button.action')].find((b) => textOf(b) === 'Cancel');
    cancel!.click();
    expect(dialog.open).to.equal(false);
    await waitUntil(() => focusedDealId(board) === Delta, 'focus did not return to the card', { timeout: 5000 });
    await board.settled();
    expect((await crm.deals.get(Delta)).version).to.equal(before.version);
    expect(stageOfCard(board, Delta)).to.equal('proposal');
  });
});

describe('<crm-pipeline-board> drag and drop', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  beforeEach(async () => ({ crm, fixture, board } = await mountSeededBoard()));
  afterEach(() => unmountBoards(crm));

  it('moves a dropped card to the column it was dropped on', async () => {
    const { Gamma } = fixture.deals;
    const moves = collect<CrmDealMoveEvent>(document.body, 'crm-deal-move');
    const moved = collect<CrmDealMovedEvent>(document.body, 'crm-deal-moved');
    const { dragover } = dragCardTo(board, Gamma, 'won');
    // Accepting the drop is what makes the column a drop target.
    expect(dragover.defaultPrevented).to.equal(true);
    await board.settled();
    const stored = await crm.deals.get(Gamma);
    expect(stored.stageId).to.equal('won');
    expect((await crm.deals.history(Gamma)).map((change) => change.toStageId)).to.deep.equal(['opportunity', 'won']);
    expect(moves.map((event) => event.detail)).to.deep.equal([
      { dealId: Gamma, fromStageId: 'opportunity', toStageId: 'won', via: 'drag' },
    ]);
    expect(moves[0]!.cancelable).to.equal(true);
    expect(moved.map((event) => event.detail.version)).to.deep.equal([stored.version]);
    await waitForCardIn(board, Gamma, 'won');
    expect(columnOf(board, 'won').classList.contains('drop-target')).to.equal(false);
  });

  it('marks the column under the dragged card as the drop target', async () => {
    const card = cardOf(board, fixture.deals.Beta)!;
    const init = { bubbles: true, composed: true, cancelable: true, dataTransfer: new DataTransfer() };
    card.dispatchEvent(new DragEvent('dragstart', init));
    columnOf(board, 'proposal').dispatchEvent(new DragEvent('dragover', init));
    await board.updateComplete;
    expect(columnOf(board, 'proposal').classList.contains('drop-target')).to.equal(true);
    card.dispatchEvent(new DragEvent('dragend', init));
    await board.updateComplete;
    expect(columnOf(board, 'proposal').classList.contains('drop-target')).to.equal(false);
  });

  it('writes nothing when a crm-deal-move listener calls preventDefault()', async () => {
    const { Beta } = fixture.deals;
    const before = await crm.deals.get(Beta);
    const moved = collect<CrmDealMovedEvent>(board, 'crm-deal-moved');
    board.addEventListener('crm-deal-move', (event) => event.preventDefault());
    dragCardTo(board, Beta, 'won');
    await board.settled();
    const after = await crm.deals.get(Beta);
    expect([after.stageId, after.version]).to.deep.equal(['opportunity', before.version]);
    expect(moved).to.deep.equal([]);
    expect(stageOfCard(board, Beta)).to.equal('opportunity');
    expect(cardOf(board, Beta)!.getAttribute('aria-busy')).to.equal('false');
    expect(announcement(board)).to.equal('');
  });

  it('ignores a drop on the column the card is already in, and a dragover without a drag from the board', async () => {
    const { Beta } = fixture.deals;
    const moves = collect<CrmDealMoveEvent>(board, 'crm-deal-move');
    dragCardTo(board, Beta, 'opportunity');
    const stray = new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: new DataTransfer() });
    columnOf(board, 'won').dispatchEvent(stray);
    await board.settled();
    expect(stray.defaultPrevented).to.equal(false);
    expect(moves).to.deep.equal([]);
    expect((await crm.deals.get(Beta)).stageId).to.equal('opportunity');
  });
});
