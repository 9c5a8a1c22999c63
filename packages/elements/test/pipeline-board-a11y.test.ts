/**
 * Simplified Chinese, and zero axe violations in every state of the board: loaded, empty, failed to load, with the
 * move dialog or the stage-gate dialog open, in the dark theme and in Chinese.
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { Crm } from '@crmkit/core';
import { setCrmLocale, type CrmErrorEvent, type CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import {
  announcement,
  cardOf,
  chooseStage,
  collect,
  columnOf,
  crmOver,
  detailsDialog,
  intlCompactMoney,
  intlMoney,
  mountBoard,
  moveDialog,
  openMoveDialog,
  seedFixture,
  shadow,
  tabStops,
  textOf,
  waitForCardIn,
  waitForCards,
  type Fixture,
} from './pipeline-board-support.js';

ignoreResizeObserverNotice();

const STAGES = ['opportunity', 'proposal', 'won', 'lost'];

describe('<crm-pipeline-board> in Simplified Chinese', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  beforeEach(async () => {
    crm = await crmOver();
    fixture = await seedFixture(crm);
    board = await mountBoard(crm, { locale: 'zh-CN' });
    // The provider switches the page's messages to Chinese; the catalogue loads on demand, and this resolves then.
    await setCrmLocale('zh-CN');
    await waitForCards(board);
    await board.updateComplete;
    await waitUntil(() => textOf(shadow(board).querySelector('.stage-name')) === '商机', 'not in Chinese', {
      timeout: 5000,
    });
  });
  afterEach(async () => {
    document.body.replaceChildren();
    crm.dispose();
    await setCrmLocale('en');
  });

  it('names stages and controls in Chinese and formats money and numbers for zh-CN', async () => {
    const names = STAGES.map((stage) => textOf(columnOf(board, stage).querySelector('[role="heading"]')));
    expect(names).to.deep.equal(['商机', '报价/提案', '成交', '输单']);
    expect(shadow(board).querySelector('[role="region"]')!.getAttribute('aria-label')).to.equal('销售管道：销售漏斗');
    expect(textOf(shadow(board).querySelector('.summary'))).to.equal('6 个商机');
    const labels = [...shadow(board).querySelectorAll('.filters label > span')].map((span) => textOf(span));
    expect(labels).to.deep.equal(['负责人', '来源', '搜索商机']);

    const alpha = cardOf(board, fixture.deals.Alpha)!;
    // The button's name adds the deal, for screen readers, in a visually hidden span.
    expect(textOf(alpha.querySelector('button.move'))).to.equal('移动到…: Alpha');
    expect(textOf(alpha.querySelector('.amount'))).to.equal(intlMoney(100_000, 'CNY', 'zh-CN'));
    expect(textOf(alpha.querySelector('.muted span'))).to.equal('本阶段 31 天');
    expect(textOf(alpha.querySelector('[part~="rotting-mark"]'))).to.equal('停滞');
    const gamma = cardOf(board, fixture.deals.Gamma)!;
    expect(textOf(gamma.querySelector('.amount'))).to.equal(intlMoney(4_000, 'USD', 'zh-CN'));
    const total = textOf(columnOf(board, 'proposal').querySelector('.amounts dd'));
    expect(total).to.equal(intlCompactMoney(333_333, 'CNY', 'zh-CN'));
    expect(columnOf(board, 'opportunity').querySelector('[role="list"]')!.getAttribute('aria-label')).to.equal(
      '商机，3 个商机',
    );
  });

  it('moves in Chinese: dialog, lost reasons and announcement', async () => {
    const dialog = await openMoveDialog(board, fixture.deals.Beta);
    expect(textOf(dialog.querySelector('h2'))).to.equal('将“Beta”移动到…');
    expect(textOf(dialog.querySelector('[aria-current="true"]'))).to.equal('商机 （当前阶段）');
    chooseStage(board, 'lost');
    await waitUntil(() => detailsDialog(board).open, 'the lost reason was not asked', { timeout: 5000 });
    expect(textOf(detailsDialog(board).querySelector('h2'))).to.equal('移动到输单之前');
    const reasons = [...detailsDialog(board).querySelectorAll('option')].map((option) => textOf(option));
    expect(reasons.slice(0, 2)).to.deep.equal(['请选择原因', '价格过高']);
    detailsDialog(board).querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await board.settled();
    const error = textOf(detailsDialog(board).querySelector('.dialog-error'));
    expect(error).to.include('丢单原因').and.to.include('必填');
    detailsDialog(board).querySelector('select')!.value = 'price';
    detailsDialog(board).querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await board.settled();
    await waitForCardIn(board, fixture.deals.Beta, 'lost');
    await waitUntil(() => announcement(board) === '已将“Beta”移动到输单。', 'not announced in Chinese', {
      timeout: 5000,
    });
  });
});

describe('<crm-pipeline-board> accessibility (axe)', () => {
  let crm: Crm;
  beforeEach(async () => {
    crm = await crmOver();
  });
  afterEach(async () => {
    document.body.replaceChildren();
    crm.dispose();
    await setCrmLocale('en');
  });

  it('loaded', async () => {
    await seedFixture(crm);
    const board = await mountBoard(crm);
    await waitForCards(board);
    await expect(board).to.be.accessible();
  });

  it('loaded, in Chinese', async () => {
    await seedFixture(crm);
    const board = await mountBoard(crm, { locale: 'zh-CN' });
    await waitForCards(board);
    await waitUntil(() => textOf(shadow(board).querySelector('.stage-name')) === '商机', 'not in Chinese', {
      timeout: 5000,
    });
    await expect(board).to.be.accessible();
  });

  it('loaded, in the dark theme', async () => {
    await seedFixture(crm);
    const board = await mountBoard(crm, { theme: 'dark' });
    await waitForCards(board);
    expect(board.getAttribute('theme')).to.equal('dark');
    await expect(board).to.be.accessible();
  });

  it('with a pipeline that holds no deals', async () => {
    await crm.pipelines.ensureDefault();
    const board = await mountBoard(crm);
    expect(board.shownColumns.map((column) => column.cards.length)).to.deep.equal([0, 0, 0, 0]);
    const empty = [...shadow(board).querySelectorAll('.empty')].map((note) => textOf(note));
    expect(empty).to.deep.equal(['No deals', 'No deals', 'No deals', 'No deals']);
    expect(tabStops(board)).to.deep.equal([]);
    // With no card to focus, the scrolling row of columns is the tab stop.
    expect(shadow(board).querySelector<HTMLElement>('.columns')!.tabIndex).to.equal(0);
    await expect(board).to.be.accessible();
  });

  it('when the pipeline does not exist', async () => {
    const errors = collect<CrmErrorEvent>(document.body, 'crm-error');
    const board = await mountBoard(crm, { pipelineId: 'no-such-pipeline', waitForColumns: false });
    await waitUntil(
      () => textOf(shadow(board).querySelector('[role="alert"]')) === 'This pipeline does not exist.',
      'no "does not exist" message',
      { timeout: 5000 },
    );
    expect(
      errors.map((event) => [event.detail.operation, (event.detail.error as { code: string }).code]),
    ).to.deep.equal([['query', 'CRM_NOT_FOUND']]);
    // Retrying cannot make it exist: no retry button.
    expect(shadow(board).querySelector('button')).to.equal(null);
    await expect(board).to.be.accessible();
  });

  it('with the move dialog open', async () => {
    const fixture = await seedFixture(crm);
    const board = await mountBoard(crm);
    await waitForCards(board);
    await openMoveDialog(board, fixture.deals.Alpha);
    expect(moveDialog(board).open).to.equal(true);
    await expect(board).to.be.accessible();
  });

  it('with the stage-gate dialog open', async () => {
    const fixture = await seedFixture(crm);
    const board = await mountBoard(crm);
    await waitForCards(board);
    // Beta has no expected close date, which the proposal stage requires.
    await openMoveDialog(board, fixture.deals.Beta);
    chooseStage(board, 'proposal');
    await waitUntil(() => detailsDialog(board).open, 'the gate dialog did not open', { timeout: 5000 });
    await board.settled();
    expect(detailsDialog(board).querySelector('input[name="expectedCloseDate"]')).to.not.equal(null);
    await expect(board).to.be.accessible();
  });
});
