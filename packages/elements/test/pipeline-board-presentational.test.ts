/**
 * The board with its data handed in as properties (no CRM): moves are only events; ten thousand deals keep a
 * bounded number of cards in the DOM; hostile strings stay text.
 */
import { expect, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { DEFAULT_PIPELINE, type Crm } from '@crmkit/core';
import type { BoardDeal, BoardPipeline, CrmDealMoveEvent, CrmDealMovedEvent, CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import {
  NOW,
  announcement,
  cardOf,
  chooseStage,
  collect,
  crmOver,
  daysAgo,
  detailsDialog,
  dragCardTo,
  focusedDealId,
  moveDialog,
  mountTemplate,
  openMoveDialog,
  pressOnFocusedCard,
  seedFixture,
  shadow,
  stageOfCard,
  tabStops,
  textOf,
  waitForCardIn,
  waitForCards,
} from './pipeline-board-support.js';

ignoreResizeObserverNotice();

const PIPELINE: BoardPipeline = {
  id: 'host-pipeline',
  name: { en: 'Host pipeline', 'zh-CN': '宿主管道' },
  stages: DEFAULT_PIPELINE.stages,
};

const deal = (id: string, stageId: string, extra: Partial<BoardDeal> = {}): BoardDeal => ({
  id,
  title: `Deal ${id}`,
  customerId: `c-${id}`,
  stageId,
  amount: { amountMinor: 10_000, currency: 'CNY' },
  stageEnteredAt: daysAgo(1),
  ...extra,
});

/** Mounts a presentational board (no provider, no CRM) and waits for its first cards. */
async function mountPresentational(
  deals: readonly BoardDeal[],
  pipeline: BoardPipeline = PIPELINE,
  customerNames: Record<string, string> = {},
): Promise<CrmPipelineBoard> {
  const container = mountTemplate(
    html`<crm-pipeline-board
      locale="en-US"
      closed-stages="expanded"
      .pipeline=${pipeline}
      .deals=${deals}
      .customerNames=${customerNames}
      .now=${NOW}
    ></crm-pipeline-board>`,
  );
  const board = container.querySelector('crm-pipeline-board')!;
  await waitUntil(() => board.shownColumns.length > 0, 'the board did not render', { timeout: 5000 });
  if (deals.length > 0) await waitForCards(board);
  return board;
}

/** What a host does with crm-deal-move: applies the move to its data and hands the board the new deals. */
function applyMovesAsHost(board: CrmPipelineBoard): CrmDealMoveEvent[] {
  const moves = collect<CrmDealMoveEvent>(board, 'crm-deal-move');
  board.addEventListener('crm-deal-move', ({ detail }) => {
    board.deals = board.deals!.map((d) => (d.id === detail.dealId ? { ...d, stageId: detail.toStageId } : d));
  });
  return moves;
}

describe('<crm-pipeline-board> presentational', () => {
  afterEach(() => document.body.replaceChildren());

  it('renders the pipeline and deals it is given', async () => {
    const board = await mountPresentational([deal('a', 'opportunity'), deal('b', 'won'), deal('c', 'won')], PIPELINE, {
      'c-a': 'Ada Corp',
    });
    expect(board.presentational).to.equal(true);
    expect(board.shownColumns.map((column) => column.cards.length)).to.deep.equal([1, 0, 2, 0]);
    expect(textOf(cardOf(board, 'a')!.querySelector('.customer'))).to.equal('Ada Corp');
    expect(shadow(board).querySelector('[role="region"]')!.getAttribute('aria-label')).to.equal(
      'Pipeline: Host pipeline',
    );
  });

  it('only announces a drag as crm-deal-move; the host moves the card by handing over new deals', async () => {
    const board = await mountPresentational([deal('a', 'opportunity'), deal('b', 'won')]);
    const moves = collect<CrmDealMoveEvent>(document.body, 'crm-deal-move');
    const moved = collect<CrmDealMovedEvent>(document.body, 'crm-deal-moved');
    dragCardTo(board, 'a', 'lost');
    await board.settled();
    expect(moves.map((event) => event.detail)).to.deep.equal([
      { dealId: 'a', fromStageId: 'opportunity', toStageId: 'lost', via: 'drag' },
    ]);
    // Nothing moves on its own, nothing is pending, and a lost stage asks nothing: the host owns its data.
    expect(stageOfCard(board, 'a')).to.equal('opportunity');
    expect(cardOf(board, 'a')!.getAttribute('aria-busy')).to.equal('false');
    expect(detailsDialog(board).open).to.equal(false);

    board.deals = [deal('a', 'lost'), deal('b', 'won')];
    await waitForCardIn(board, 'a', 'lost');
    expect(moved).to.deep.equal([]);
  });

  it('moves by keyboard through the host too, announcing the move and keeping focus on the card', async () => {
    const board = await mountPresentational([deal('a', 'opportunity'), deal('b', 'won')]);
    const moves = applyMovesAsHost(board);
    await openMoveDialog(board, 'b');
    chooseStage(board, 'proposal');
    expect(moveDialog(board).open).to.equal(false);
    expect(moves.map((event) => event.detail.via)).to.deep.equal(['keyboard']);
    await waitForCardIn(board, 'b', 'proposal');
    await waitUntil(() => announcement(board) === 'Moved “Deal b” to Quote / proposal.', 'not announced', {
      timeout: 5000,
    });
    await waitUntil(() => focusedDealId(board) === 'b', 'focus is not on the moved card', { timeout: 5000 });
  });

  it('reads and writes nothing of a CRM it could reach through a provider', async () => {
    const crm: Crm = await crmOver();
    try {
      const fixture = await seedFixture(crm);
      const stored = await crm.deals.get(fixture.deals.Beta);
      const container = mountTemplate(
        html`<crm-provider .crm=${crm}
          ><crm-pipeline-board
            pipeline-id="default"
            closed-stages="expanded"
            .pipeline=${PIPELINE}
            .deals=${[{ ...stored }]}
            .now=${NOW}
          ></crm-pipeline-board
        ></crm-provider>`,
      );
      const board = container.querySelector('crm-pipeline-board')!;
      await waitForCards(board);
      // Only the handed-in deal is shown, not the stored board.
      expect(board.shownColumns.map((column) => column.cards.length)).to.deep.equal([1, 0, 0, 0]);
      const moves = applyMovesAsHost(board);
      dragCardTo(board, stored.id, 'won');
      await board.settled();
      expect(moves.length).to.equal(1);
      await waitForCardIn(board, stored.id, 'won');
      const after = await crm.deals.get(stored.id);
      expect([after.stageId, after.version]).to.deep.equal([stored.stageId, stored.version]);
    } finally {
      document.body.replaceChildren();
      crm.dispose();
    }
  });
});

describe('<crm-pipeline-board> with 10 000 deals', () => {
  afterEach(() => document.body.replaceChildren());

  it('keeps a bounded number of cards in the DOM, and reaches a far card by keyboard', async () => {
    const stages = PIPELINE.stages.map((stage) => stage.id);
    const deals = Array.from({ length: 10_000 }, (_, index) =>
      deal(`d${index}`, stages[index % stages.length]!, { amount: { amountMinor: 100 * index, currency: 'CNY' } }),
    );
    const board = await mountPresentational(deals);
    const cards = () => shadow(board).querySelectorAll('.card').length;
    expect(board.shownColumns.map((column) => column.cards.length)).to.deep.equal([2500, 2500, 2500, 2500]);
    expect(textOf(shadow(board).querySelector('.summary'))).to.equal('10,000 deals');
    expect(textOf(shadow(board).querySelector('.column .count'))).to.equal('2,500');
    // Every column shows its first cards, and only a few.
    await waitUntil(
      () => stages.every((stage) => shadow(board).querySelector(`.column[data-stage-id="${stage}"] .card`)),
      'a column rendered no card',
      { timeout: 5000 },
    );
    expect(cards()).to.be.within(4, 200);

    // End in the first column goes to its 2 500th card, which the virtualizer renders on the way.
    const last = board.shownColumns[0]!.cards[2499]!.deal.id;
    expect(cardOf(board, last)).to.equal(null);
    tabStops(board)[0]!.focus();
    pressOnFocusedCard(board, 'End');
    await waitUntil(() => focusedDealId(board) === last, 'End did not reach the last card', { timeout: 5000 });
    expect(cards()).to.be.within(4, 200);
  });

  it('reaches a far card by keyboard on a slow device: it waits for the card to be drawn, not for a set time', async () => {
    const stages = PIPELINE.stages.map((stage) => stage.id);
    const deals = Array.from({ length: 10_000 }, (_, index) => deal(`d${index}`, stages[index % stages.length]!));
    const board = await mountPresentational(deals);
    await waitForCards(board);
    const column = board.shownColumns[0]!.cards;
    tabStops(board)[0]!.focus();
    // Six times slower than this machine: the virtualizer takes many frames to scroll and draw the far card.
    await executeServerCommand('throttle-cpu', { rate: 6 });
    try {
      pressOnFocusedCard(board, 'End');
      await board.settled();
      expect(focusedDealId(board)).to.equal(column[column.length - 1]!.deal.id);
      pressOnFocusedCard(board, 'Home');
      await board.settled();
      expect(focusedDealId(board)).to.equal(column[0]!.deal.id);
    } finally {
      await executeServerCommand('throttle-cpu', { rate: 1 });
    }
  });

  it('drops a focus request overtaken by another, or by the board leaving the page, instead of waiting on', async () => {
    const stages = PIPELINE.stages.map((stage) => stage.id);
    const deals = Array.from({ length: 10_000 }, (_, index) => deal(`d${index}`, stages[index % stages.length]!));
    const board = await mountPresentational(deals);
    await waitForCards(board);
    const [first, second] = board.shownColumns;
    const far = board.focusCard(first!.cards[2000]!.deal.id);
    const near = board.focusCard(second!.cards[0]!.deal.id);
    await Promise.all([far, near]);
    expect(focusedDealId(board)).to.equal(second!.cards[0]!.deal.id);
    const leaving = board.focusCard(first!.cards[1500]!.deal.id);
    board.remove();
    await leaving;
    expect(cardOf(board, first!.cards[1500]!.deal.id)).to.equal(null);
  });
});

/** Strings that must stay text wherever the board shows them. */
const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '"><script>alert(1)</script>',
  "'><svg onload=alert(1)>",
  'javascript:alert(1)',
  "{{constructor.constructor('alert(1)')()}}",
  '${alert(1)}',
  '<a href="javascript:alert(1)">click</a>',
  '\u202Egnp.exe\u202C evil \u202Bمرحبا\u202C',
  '<iframe srcdoc="<script>alert(1)</script>">',
  `Long ${'长'.repeat(150)} ${'x'.repeat(40)}`,
];

describe('<crm-pipeline-board> hostile strings', () => {
  let alerts: unknown[];
  const realAlert = window.alert;
  beforeEach(() => {
    alerts = [];
    window.alert = (message?: unknown) => void alerts.push(message);
  });
  afterEach(() => {
    window.alert = realAlert;
    document.body.replaceChildren();
  });

  /** No element a string could have injected exists in the board's shadow DOM. */
  function expectNoInjectedElements(board: CrmPipelineBoard): void {
    expect(shadow(board).querySelectorAll('img, script, svg, iframe, a, object, embed').length).to.equal(0);
    expect(alerts).to.deep.equal([]);
  }

  it('renders hostile titles and customer names as text, in cards, dialogs and announcements', async () => {
    // One stage per string, so every card is on screen at once.
    const pipeline: BoardPipeline = {
      id: 'hostile',
      name: { en: HOSTILE[0]!, 'zh-CN': HOSTILE[1]! },
      stages: HOSTILE.map((_, index) => ({
        id: `s${index}`,
        name: { en: HOSTILE[(index + 1) % HOSTILE.length]!, 'zh-CN': 'x' },
        probability: 0.5,
        kind: 'open' as const,
      })),
    };
    const deals = HOSTILE.map((title, index) =>
      deal(`h${index}`, `s${index}`, { title, customerId: `c${index}`, ownerId: `u${index}` }),
    );
    const customerNames = Object.fromEntries(HOSTILE.map((name, index) => [`c${index}`, [...name].reverse().join('')]));
    const board = await mountPresentational(deals, pipeline, customerNames);
    await waitUntil(() => shadow(board).querySelectorAll('.card').length === HOSTILE.length, 'not every card shows', {
      timeout: 5000,
    });
    HOSTILE.forEach((title, index) => {
      const card = cardOf(board, `h${index}`)!;
      expect(card.querySelector('.title')!.textContent).to.equal(title);
      expect(card.querySelector('.customer')!.textContent).to.equal(customerNames[`c${index}`]);
    });
    const headings = [...shadow(board).querySelectorAll('.stage-name')].map((heading) => heading.textContent);
    expect(headings).to.deep.equal(pipeline.stages.map((stage) => stage.name.en));
    expectNoInjectedElements(board);

    // The dialog title and the announcement quote the title as text too.
    applyMovesAsHost(board);
    await openMoveDialog(board, 'h0');
    expect(moveDialog(board).querySelector('h2')!.textContent).to.equal(`Move “${HOSTILE[0]}” to…`);
    expectNoInjectedElements(board);
    chooseStage(board, 's1');
    await waitUntil(() => announcement(board).startsWith('Moved'), 'not announced', { timeout: 5000 });
    expect(shadow(board).querySelector('[aria-live]')!.textContent).to.equal(`Moved “${HOSTILE[0]}” to ${HOSTILE[2]}.`);
    expectNoInjectedElements(board);
  });

  it('filters on hostile text as text', async () => {
    const deals = HOSTILE.map((title, index) => deal(`h${index}`, 'opportunity', { title }));
    const board = await mountPresentational(deals);
    const input = shadow(board).querySelector<HTMLInputElement>('input[name="text"]')!;
    input.value = '"><SCRIPT>';
    input.dispatchEvent(new Event('input'));
    await board.updateComplete;
    expect(board.shownColumns[0]!.cards.map((card) => card.deal.id)).to.deep.equal(['h1']);
    await waitUntil(() => shadow(board).querySelectorAll('.card').length === 1, 'the filter did not apply', {
      timeout: 5000,
    });
    expect(cardOf(board, 'h1')!.querySelector('.title')!.textContent).to.equal(HOSTILE[1]);
    expectNoInjectedElements(board);
  });

  it('stores and shows hostile names through a CRM', async () => {
    const crm = await crmOver();
    try {
      const ids: string[] = [];
      for (const [index, text] of HOSTILE.entries()) {
        const customer = await crm.customers.create({ kind: 'person', name: text.slice(0, 200) });
        const created = await crm.deals.create({
          title: text.slice(0, 200),
          customerId: customer.id,
          pipelineId: 'default',
          stageId: DEFAULT_PIPELINE.stages[index % 4]!.id,
          amount: { amountMinor: 1_000, currency: 'CNY' },
          ...(index % 4 === 3 ? { lostReason: 'other' } : {}),
          ...(index % 4 === 1 ? { expectedCloseDate: '2026-07-01' } : {}),
        });
        ids.push(created.id);
      }
      const container = mountTemplate(
        html`<crm-provider .crm=${crm}
          ><crm-pipeline-board pipeline-id="default" closed-stages="expanded" .now=${NOW}></crm-pipeline-board
        ></crm-provider>`,
      );
      const board = container.querySelector('crm-pipeline-board')!;
      await waitUntil(() => shadow(board).querySelectorAll('.card').length === HOSTILE.length, 'not every card', {
        timeout: 5000,
      });
      for (const [index, id] of ids.entries()) {
        // Names are trimmed and cut to 200 characters when stored; what is stored is what shows.
        const expected = HOSTILE[index]!.slice(0, 200).trim();
        const card = cardOf(board, id)!;
        expect(card.querySelector('.title')!.textContent).to.equal(expected);
        expect(card.querySelector('.customer')!.textContent).to.equal(expected);
      }
      expectNoInjectedElements(board);
    } finally {
      document.body.replaceChildren();
      crm.dispose();
    }
  });
});
