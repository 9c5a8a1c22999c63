/**
 * Won and lost columns: collapsed by default to a narrow column with the stage, its count and total; opened and
 * closed from the heading by mouse and keyboard (`aria-expanded`); `closed-stages` to choose; still a drop target
 * and a keyboard move target while collapsed; closed cards show the day they closed and offer "Reopen…".
 */
import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { Crm } from '@crmkit/core';
import { setCrmLocale, type CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import {
  announcement,
  cardOf,
  chooseStage,
  columnOf,
  crmOver,
  daysAgo,
  detailsDialog,
  dragCardTo,
  focusedDealId,
  intlCompactMoney,
  mountBoard,
  openMoveDialog,
  pressOnFocusedCard,
  seedFixture,
  shadow,
  textOf,
  waitForCardIn,
  waitForCards,
  type Fixture,
} from './pipeline-board-support.js';

ignoreResizeObserverNotice();

const toggleOf = (board: CrmPipelineBoard, stageId: string): HTMLButtonElement | null =>
  columnOf(board, stageId).querySelector<HTMLButtonElement>('button[part="stage-toggle"]');

const collapsed = (board: CrmPipelineBoard, stageId: string): boolean =>
  columnOf(board, stageId).getAttribute('part') === 'column column-collapsed';

/** The day a closed deal of the fixture closed, as the board shows it (the CRM's time zone: UTC). */
const day = (iso: string, locale = 'en-US') =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.parse(iso));

describe('<crm-pipeline-board> won and lost columns', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  beforeEach(async () => {
    crm = await crmOver();
    fixture = await seedFixture(crm);
    // The element's default: no closed-stages attribute.
    board = await mountBoard(crm, { closedStages: null });
    await waitForCards(board);
    await waitUntil(() => collapsed(board, 'won'), 'won did not collapse', { timeout: 5000 });
  });
  afterEach(async () => {
    document.body.replaceChildren();
    await crm.dispose();
    await setCrmLocale('en');
  });

  it('start collapsed to a narrow column with the stage, its deal count and total, and no cards', () => {
    expect(board.closedStages).to.equal('collapsed');
    expect(board.collapsedStageIds).to.deep.equal(['won', 'lost']);
    for (const [stage, name, count, total] of [
      ['won', 'Won', '1 deal', 50_000],
      ['lost', 'Lost', '1 deal', 1_000],
    ] as const) {
      const column = columnOf(board, stage);
      expect(collapsed(board, stage)).to.equal(true);
      expect(textOf(column.querySelector('[role="heading"]'))).to.equal(name);
      expect(toggleOf(board, stage)!.getAttribute('aria-expanded')).to.equal('false');
      expect(textOf(column.querySelector('.count'))).to.equal(count);
      expect(textOf(column.querySelector('.amounts'))).to.equal(`Total ${intlCompactMoney(total, 'CNY')}`);
      expect(column.querySelector('.card, [role="list"]')).to.equal(null);
    }
    // Open stages are as before: no toggle, their cards shown.
    expect(toggleOf(board, 'opportunity')).to.equal(null);
    expect(collapsed(board, 'opportunity')).to.equal(false);
    expect(cardOf(board, fixture.deals.Alpha)).not.to.equal(null);
    // Narrow: well under half an open column.
    const open = columnOf(board, 'opportunity').getBoundingClientRect().width;
    expect(columnOf(board, 'won').getBoundingClientRect().width).to.be.below(open / 2);
  });

  it('open and close from the heading with the mouse and the keyboard, keeping focus on the toggle', async () => {
    toggleOf(board, 'won')!.click();
    await waitForCardIn(board, fixture.deals.Epsilon, 'won');
    expect(toggleOf(board, 'won')!.getAttribute('aria-expanded')).to.equal('true');
    expect(board.collapsedStageIds).to.deep.equal(['lost']);
    expect(columnOf(board, 'won').getAttribute('part')).to.equal('column');

    toggleOf(board, 'won')!.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => collapsed(board, 'won'), 'Enter did not collapse won', { timeout: 5000 });
    expect(shadow(board).activeElement).to.equal(toggleOf(board, 'won'));
    expect(toggleOf(board, 'won')!.getAttribute('aria-expanded')).to.equal('false');
    await sendKeys({ press: 'Space' });
    await waitForCardIn(board, fixture.deals.Epsilon, 'won');
    expect(shadow(board).activeElement).to.equal(toggleOf(board, 'won'));

    // Tab from the toggle reaches the won column's card (the board's one tab stop moves there when it is the only
    // card shown after a focus).
    await board.focusCard(fixture.deals.Epsilon);
    expect(focusedDealId(board)).to.equal(fixture.deals.Epsilon);
  });

  it('closed-stages="expanded" starts them open; setting it again resets the user’s choices', async () => {
    board.closedStages = 'expanded';
    await board.updateComplete;
    expect(board.getAttribute('closed-stages')).to.equal('expanded');
    expect(board.collapsedStageIds).to.deep.equal([]);
    await waitForCardIn(board, fixture.deals.Zeta, 'lost');
    toggleOf(board, 'lost')!.click();
    await board.updateComplete;
    expect(board.collapsedStageIds).to.deep.equal(['lost']);
    board.closedStages = 'collapsed';
    await board.updateComplete;
    expect(board.collapsedStageIds).to.deep.equal(['won', 'lost']);
    board.toggleStage('won', true);
    board.toggleStage('opportunity', false); // open stages do not collapse
    await board.updateComplete;
    expect(board.collapsedStageIds).to.deep.equal(['lost']);
  });

  it('takes a dragged card while collapsed, and stays collapsed', async () => {
    const { dragover } = dragCardTo(board, fixture.deals.Beta, 'won');
    expect(dragover.defaultPrevented).to.equal(true);
    await board.settled();
    const stored = await crm.deals.get(fixture.deals.Beta);
    expect([stored.stageId, stored.status]).to.deep.equal(['won', 'won']);
    expect(collapsed(board, 'won')).to.equal(true);
    expect(textOf(columnOf(board, 'won').querySelector('.count'))).to.equal('2 deals');
    expect(columnOf(board, 'won').classList.contains('drop-target')).to.equal(false);
  });

  it('takes a keyboard move through the dialog while collapsed; focus goes to its toggle, then to the card', async () => {
    await board.focusCard(fixture.deals.Beta);
    await openMoveDialog(board, fixture.deals.Beta);
    chooseStage(board, 'won');
    await board.settled();
    expect((await crm.deals.get(fixture.deals.Beta)).stageId).to.equal('won');
    await waitUntil(() => announcement(board) === 'Moved “Beta” to Won.', 'the move was not announced', {
      timeout: 5000,
    });
    expect(collapsed(board, 'won')).to.equal(true);
    expect(shadow(board).activeElement).to.equal(toggleOf(board, 'won'));
    // Opening the column shows the moved card, which holds the board's tab stop.
    await sendKeys({ press: 'Enter' });
    await waitForCardIn(board, fixture.deals.Beta, 'won');
    expect(cardOf(board, fixture.deals.Beta)!.tabIndex).to.equal(0);
    await sendKeys({ press: 'Tab' });
    expect(focusedDealId(board)).to.equal(fixture.deals.Beta);
  });

  it('after a lost reason, focus goes to the collapsed lost column’s toggle', async () => {
    await openMoveDialog(board, fixture.deals.Gamma);
    chooseStage(board, 'lost');
    await waitUntil(() => detailsDialog(board).open, 'the lost reason was not asked', { timeout: 5000 });
    detailsDialog(board).querySelector('select')!.value = 'price';
    detailsDialog(board).querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await board.settled();
    expect((await crm.deals.get(fixture.deals.Gamma)).stageId).to.equal('lost');
    expect(detailsDialog(board).open).to.equal(false);
    expect(shadow(board).activeElement).to.equal(toggleOf(board, 'lost'));
  });

  it('focusCard opens a collapsed column to focus its card; arrow keys pass collapsed columns by', async () => {
    await board.focusCard(fixture.deals.Delta);
    pressOnFocusedCard(board, 'ArrowRight');
    await board.settled();
    expect(focusedDealId(board)).to.equal(fixture.deals.Delta);
    await board.focusCard(fixture.deals.Epsilon);
    expect(collapsed(board, 'won')).to.equal(false);
    expect(focusedDealId(board)).to.equal(fixture.deals.Epsilon);
  });

  it('shows the day a closed deal closed instead of days in stage, and offers "Reopen…", which reopens it', async () => {
    board.toggleStage('won', true);
    await waitForCardIn(board, fixture.deals.Epsilon, 'won');
    const card = cardOf(board, fixture.deals.Epsilon)!;
    expect(textOf(card.querySelector('.muted'))).to.equal(`Won ${day(daysAgo(100))}`);
    expect(textOf(card)).not.to.include('d in stage');
    expect(textOf(card.querySelector('button.move'))).to.equal('Reopen…: Epsilon');
    await openMoveDialog(board, fixture.deals.Epsilon);
    chooseStage(board, 'opportunity');
    await board.settled();
    const stored = await crm.deals.get(fixture.deals.Epsilon);
    expect([stored.stageId, stored.status, stored.closedAt]).to.deep.equal(['opportunity', 'open', undefined]);
    await waitForCardIn(board, fixture.deals.Epsilon, 'opportunity');
    expect(textOf(cardOf(board, fixture.deals.Epsilon)!.querySelector('button.move'))).to.equal('Move to…: Epsilon');
  });

  it('is accessible collapsed and expanded', async () => {
    await expect(board).to.be.accessible();
    board.toggleStage('won', true);
    await waitForCardIn(board, fixture.deals.Epsilon, 'won');
    await expect(board).to.be.accessible();
  });
});

describe('<crm-pipeline-board> won and lost columns in Simplified Chinese', () => {
  let crm: Crm;
  afterEach(async () => {
    document.body.replaceChildren();
    await crm.dispose();
    await setCrmLocale('en');
  });

  it('says the count, total, closing day and "Reopen…" in Chinese, and passes axe', async () => {
    crm = await crmOver();
    const fixture = await seedFixture(crm);
    const board = await mountBoard(crm, { locale: 'zh-CN', closedStages: 'collapsed' });
    await waitForCards(board);
    await waitUntil(() => textOf(columnOf(board, 'won').querySelector('.stage-name')) === '成交', 'not in Chinese', {
      timeout: 5000,
    });
    expect(textOf(columnOf(board, 'won').querySelector('.count'))).to.equal('1 个商机');
    expect(textOf(columnOf(board, 'won').querySelector('.amounts'))).to.equal(
      `总额 ${intlCompactMoney(50_000, 'CNY', 'zh-CN')}`,
    );
    await expect(board).to.be.accessible();
    board.toggleStage('lost', true);
    await waitForCardIn(board, fixture.deals.Zeta, 'lost');
    const card = cardOf(board, fixture.deals.Zeta)!;
    expect(textOf(card.querySelector('.muted'))).to.equal(`输单于 ${day(daysAgo(60), 'zh-CN')}`);
    expect(textOf(card.querySelector('button.move'))).to.equal('重新打开…: Zeta');
  });
});
