import { expect, waitUntil } from '@open-wc/testing';
import type { Crm, Deal } from '@crmkit/core';
import { DEMO_PIPELINE_ID, generateDemoData } from '@crmkit/core/testing';
import { setCrmLocale, type CrmDealSelectEvent, type CrmPipelineBoard } from '@crmkit/elements';
import { ignoreResizeObserverNotice } from './support.js';
import {
  NOW,
  cardOf,
  collect,
  columnOf,
  crmOver,
  daysAgo,
  demoCrm,
  intlCompactMoney,
  intlMoney,
  mountBoard,
  renderedIn,
  seedFixture,
  shadow,
  textOf,
  waitForCards,
  type Fixture,
  mountSeededBoard,
  unmountBoards,
} from './pipeline-board-support.js';

ignoreResizeObserverNotice();

/** A column's header as shown: count, total and weighted amounts (each a set of per-currency texts). */
function header(board: CrmPipelineBoard, stageId: string) {
  const column = columnOf(board, stageId);
  const [total, weighted] = [...column.querySelectorAll('.amounts dd')].map((dd) => textOf(dd).split(' + ').sort());
  return {
    name: textOf(column.querySelector('[role="heading"]')),
    count: textOf(column.querySelector('.count')),
    total: total!,
    weighted: weighted!,
  };
}

/**
 * Expected header texts (per currency, compact notation) of the sum of some deals' amounts, after `weight`: the CRM
 * has no exchange rates here, so each currency is listed; a currency whose sum is zero adds nothing, and nothing at
 * all reads as zero in the CRM's currency.
 */
function expectedAmounts(deals: readonly Pick<Deal, 'amount'>[], weight: number): string[] {
  const sums = new Map<string, number>();
  for (const { amount } of deals) sums.set(amount.currency, (sums.get(amount.currency) ?? 0) + amount.amountMinor);
  const shown = [...sums]
    .map(([currency, minor]) => [currency, Math.round(minor * weight)] as const)
    .filter(([, minor]) => minor !== 0);
  if (shown.length === 0) return [intlCompactMoney(0, 'CNY')];
  return shown.map(([currency, minor]) => intlCompactMoney(minor, currency)).sort();
}

describe('<crm-pipeline-board> columns', () => {
  let crm: Crm;
  afterEach(async () => {
    document.body.replaceChildren();
    crm.dispose();
    await setCrmLocale('en');
  });

  it('shows, per stage of the demo pipeline, the count, total and weighted amount of its deals', async () => {
    crm = await demoCrm();
    const board = await mountBoard(crm, { pipelineId: DEMO_PIPELINE_ID });
    const pipeline = await crm.pipelines.get(DEMO_PIPELINE_ID);
    const deals = (await crm.deals.list({ where: { field: 'pipelineId', op: 'eq', value: DEMO_PIPELINE_ID } })).records;
    const generated = generateDemoData({ seed: 1 }).deals.length;
    expect(deals.length).to.equal(generated);
    expect(shadow(board).querySelectorAll('.column').length).to.equal(pipeline.stages.length);
    for (const stage of pipeline.stages) {
      const inStage = deals.filter((deal) => deal.stageId === stage.id);
      expect(inStage.length, stage.id).to.be.greaterThan(0);
      expect(header(board, stage.id), stage.id).to.deep.equal({
        name: stage.name.en,
        count: String(inStage.length),
        total: expectedAmounts(inStage, 1),
        weighted: expectedAmounts(inStage, stage.probability),
      });
    }
    expect(textOf(shadow(board).querySelector('.summary'))).to.equal(`${generated} deals`);
  });

  describe('on a hand-made board', () => {
    let fixture: Fixture;
    let board: CrmPipelineBoard;
    beforeEach(async () => {
      crm = await crmOver();
      fixture = await seedFixture(crm);
      board = await mountBoard(crm);
      await waitForCards(board);
    });

    it('adds amounts per currency and weights them by the stage probability, rounded to the minor unit', () => {
      const cny = (amountMinor: number) => ({ currency: 'CNY', amountMinor });
      const usd = (amountMinor: number) => ({ currency: 'USD', amountMinor });
      const model = board.shownColumns.map(({ stage, cards, totals, weighted }) => ({
        stage: stage.id,
        count: cards.length,
        totals,
        weighted,
      }));
      expect(model).to.deep.equal([
        // CNY 1 000.00 + 250.50 and USD 40.00; at 20 %: CNY 250.10 and USD 8.00. Largest first.
        { stage: 'opportunity', count: 3, totals: [cny(125_050), usd(4_000)], weighted: [cny(25_010), usd(800)] },
        // CNY 3 333.33 at 60 % is 1 999.998, rounded to the minor unit: CNY 2 000.00.
        { stage: 'proposal', count: 1, totals: [cny(333_333)], weighted: [cny(200_000)] },
        { stage: 'won', count: 1, totals: [cny(50_000)], weighted: [cny(50_000)] },
        { stage: 'lost', count: 1, totals: [cny(1_000)], weighted: [cny(0)] },
      ]);
      // The headers show the same figures, in compact notation (column totals run to millions).
      const compact = (...amounts: { currency: string; amountMinor: number }[]) =>
        amounts.map((amount) => intlCompactMoney(amount.amountMinor, amount.currency)).sort();
      expect(header(board, 'opportunity')).to.deep.equal({
        name: 'Opportunity',
        count: '3',
        total: compact(cny(125_050), usd(4_000)),
        weighted: compact(cny(25_010), usd(800)),
      });
      expect(header(board, 'proposal')).to.deep.equal({
        name: 'Quote / proposal',
        count: '1',
        total: compact(cny(333_333)),
        weighted: compact(cny(200_000)),
      });
      expect(header(board, 'won')).to.deep.equal({
        name: 'Won',
        count: '1',
        total: compact(cny(50_000)),
        weighted: compact(cny(50_000)),
      });
      expect(header(board, 'lost')).to.deep.equal({
        name: 'Lost',
        count: '1',
        total: compact(cny(1_000)),
        weighted: compact(cny(0)),
      });
      expect(textOf(shadow(board).querySelector('.summary'))).to.equal('6 deals');
      expect(columnOf(board, 'opportunity').querySelector('[role="list"]')!.getAttribute('aria-label')).to.equal(
        'Opportunity, 3 deals',
      );
    });

    it('lists the newest entry first and shows title, customer, amount, owner and days in stage (closed: the day)', () => {
      const { Alpha, Beta, Gamma } = fixture.deals;
      expect(renderedIn(board, 'opportunity')).to.deep.equal([Gamma, Beta, Alpha]);
      const card = cardOf(board, Alpha)!;
      expect(textOf(card.querySelector('.title'))).to.equal('Alpha');
      expect(textOf(card.querySelector('.customer'))).to.equal('Acme Ltd');
      expect(textOf(card.querySelector('.amount'))).to.equal(intlMoney(100_000, 'CNY'));
      expect(textOf(card.querySelector('.owner'))).to.equal('Ann Lee');
      expect(textOf(card.querySelector('.muted span'))).to.equal('31 d in stage');
      expect(textOf(cardOf(board, Beta)!.querySelector('.muted span'))).to.equal('29 d in stage');
      expect(textOf(cardOf(board, Gamma)!.querySelector('.muted span'))).to.equal('2 d in stage');
      // A won card shows the day it closed (in the CRM's time zone, UTC here), not days in stage.
      const closed = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
        Date.parse(daysAgo(100)),
      );
      expect(textOf(cardOf(board, fixture.deals.Epsilon)!.querySelector('.muted span'))).to.equal(`Won ${closed}`);
    });

    it("marks as rotting exactly the open deals idle longer than their stage's rotting days", async () => {
      const rotting = () =>
        [...shadow(board).querySelectorAll<HTMLElement>('.card')]
          .filter((card) => card.classList.contains('rotting'))
          .map((card) => card.dataset['dealId'])
          .sort();
      const marks = () =>
        [...shadow(board).querySelectorAll<HTMLElement>('[part~="rotting-mark"]')]
          .map((mark) => mark.closest<HTMLElement>('.card')!.dataset['dealId'])
          .sort();
      const { Alpha, Beta, Delta } = fixture.deals;
      // Alpha: 31 days > 30 in opportunity; Delta: 15 > 14 in proposal. Beta (29 days) is not; Epsilon (won, 100
      // days) and Zeta (lost) never are.
      expect(rotting()).to.deep.equal([Alpha, Delta].sort());
      expect(marks()).to.deep.equal([Alpha, Delta].sort());
      expect(textOf(cardOf(board, Alpha)!.querySelector('[part~="rotting-mark"]'))).to.equal('Rotting');
      expect(cardOf(board, Alpha)!.getAttribute('part')).to.equal('card card-rotting');
      expect(cardOf(board, Beta)!.getAttribute('part')).to.equal('card');

      // Two days later Beta has been idle 31 days: `now` is what days in stage and rotting count to.
      board.now = new Date(NOW.getTime() + 2 * 86_400_000);
      // The virtualizer re-renders its items after the board's own update.
      await waitUntil(() => rotting().length === 3, 'Beta did not start rotting', { timeout: 5000 });
      expect(rotting()).to.deep.equal([Alpha, Beta, Delta].sort());
      expect(textOf(cardOf(board, Beta)!.querySelector('.muted span'))).to.equal('31 d in stage');
    });
  });
});

describe('<crm-pipeline-board> on a new CRM', () => {
  let crm: Crm;
  afterEach(async () => {
    document.body.replaceChildren();
    await crm.dispose();
    await setCrmLocale('en');
  });

  it('shows the built-in pipeline, empty, and says what to do next, in English and Chinese', async () => {
    crm = await crmOver();
    const board = await mountBoard(crm);
    expect(board.shownColumns.map((column) => column.stage.id)).to.deep.equal([
      'opportunity',
      'proposal',
      'won',
      'lost',
    ]);
    const empty = () => textOf(shadow(board).querySelector('[part="empty"]'));
    expect(empty()).to.equal('No deals in this pipeline yet. Convert a lead or create a deal, and it appears here.');
    await setCrmLocale('zh-CN');
    await board.updateComplete;
    expect(empty()).to.equal('该销售管道还没有商机。转化线索或新建商机后，商机会显示在这里。');
    // Reading the board installed nothing; the first deal does, and the hint goes.
    expect((await crm.pipelines.get('default')).version).to.equal(0);
    const customer = await crm.customers.create({ kind: 'organisation', name: 'Acme' });
    await crm.deals.create({
      title: 'First',
      customerId: customer.id,
      pipelineId: 'default',
      stageId: 'opportunity',
      amount: { amountMinor: 100, currency: 'CNY' },
    });
    await waitForCards(board);
    expect(shadow(board).querySelector('[part="empty"]')).to.equal(null);
  });
});

describe('<crm-pipeline-board> filters', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  beforeEach(async () => ({ crm, fixture, board } = await mountSeededBoard()));
  afterEach(() => unmountBoards(crm));

  const control = <T extends HTMLElement>(name: string) => shadow(board).querySelector<T>(`[name="${name}"]`)!;
  async function choose(name: 'owner' | 'source', value: string) {
    const select = control<HTMLSelectElement>(name);
    select.value = value;
    expect(select.value, `option ${value}`).to.equal(value);
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await board.updateComplete;
  }
  async function type(text: string) {
    const input = control<HTMLInputElement>('text');
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    await board.updateComplete;
  }
  /** Titles of the cards shown, per stage. */
  async function shown(): Promise<Record<string, string[]>> {
    // The virtualizer renders the new items after the board's update.
    await waitUntil(
      () =>
        board.shownColumns.every(
          (column) => columnOf(board, column.stage.id).querySelectorAll('.card').length === column.cards.length,
        ),
      'the cards did not follow the filters',
      { timeout: 5000 },
    );
    const result: Record<string, string[]> = {};
    for (const stage of ['opportunity', 'proposal', 'won', 'lost']) {
      result[stage] = [...columnOf(board, stage).querySelectorAll('.card .title')].map((title) => textOf(title));
    }
    return result;
  }
  const counts = () => ['opportunity', 'proposal', 'won', 'lost'].map((stage) => header(board, stage).count);
  const summary = () => textOf(shadow(board).querySelector('.summary'));

  it('offers the owners and sources of the deals', () => {
    const options = (name: string) =>
      [...control<HTMLSelectElement>(name).options].map((option) => [option.value, textOf(option)]);
    expect(options('owner')).to.deep.equal([
      ['', 'All owners'],
      [fixture.users.ann, 'Ann Lee'],
      [fixture.users.bob, 'Bob Ma'],
    ]);
    // Common source codes read as words in the message language; a host may name its own.
    expect(options('source')).to.deep.equal([
      ['', 'All sources'],
      ['referral', 'Referral'],
      ['website', 'Website'],
    ]);
  });

  it('labels sources with the host’s sourceLabels first', async () => {
    board.sourceLabels = { website: 'Company site' };
    await board.updateComplete;
    const labels = [...control<HTMLSelectElement>('source').options].map((option) => textOf(option));
    expect(labels).to.deep.equal(['All sources', 'Referral', 'Company site']);
  });

  it('labels sources with the provider’s labels, after its own sourceLabels', async () => {
    const provider = board.closest('crm-provider')!;
    provider.labels = { source: { referral: { en: 'Word of mouth', 'zh-CN': '口碑推荐' }, website: 'Web shop' } };
    await provider.updateComplete;
    await board.updateComplete;
    const labels = () => [...control<HTMLSelectElement>('source').options].map((option) => textOf(option));
    expect(labels()).to.deep.equal(['All sources', 'Word of mouth', 'Web shop']);
    board.sourceLabels = { website: 'Company site' };
    await board.updateComplete;
    expect(labels()).to.deep.equal(['All sources', 'Word of mouth', 'Company site']);
  });

  it('narrows cards, counts and totals to one owner', async () => {
    await choose('owner', fixture.users.bob);
    expect(await shown()).to.deep.equal({ opportunity: ['Beta'], proposal: ['Delta'], won: [], lost: ['Zeta'] });
    expect(counts()).to.deep.equal(['1', '1', '0', '1']);
    expect(header(board, 'opportunity').total).to.deep.equal([intlCompactMoney(25_050, 'CNY')]);
    expect(summary()).to.equal('3 deals');
    expect(textOf(columnOf(board, 'won').querySelector('.empty'))).to.equal('No deals');

    await choose('owner', '');
    expect(await shown()).to.deep.equal({
      opportunity: ['Gamma', 'Beta', 'Alpha'],
      proposal: ['Delta'],
      won: ['Epsilon'],
      lost: ['Zeta'],
    });
    expect(summary()).to.equal('6 deals');
  });

  it('narrows to one source, and combines with the owner', async () => {
    await choose('source', 'website');
    expect(await shown()).to.deep.equal({ opportunity: ['Gamma', 'Beta'], proposal: [], won: [], lost: ['Zeta'] });
    expect(counts()).to.deep.equal(['2', '0', '0', '1']);
    expect(header(board, 'opportunity').total).to.deep.equal(
      [intlCompactMoney(4_000, 'USD'), intlCompactMoney(25_050, 'CNY')].sort(),
    );
    await choose('owner', fixture.users.ann);
    expect(await shown()).to.deep.equal({ opportunity: ['Gamma'], proposal: [], won: [], lost: [] });
    expect(counts()).to.deep.equal(['1', '0', '0', '0']);
  });

  it('matches text in titles, customer names and owner names, ignoring case', async () => {
    await type('ALP');
    expect(await shown()).to.deep.equal({ opportunity: ['Alpha'], proposal: [], won: [], lost: [] });
    expect(summary()).to.equal('1 deal');
    expect(shadow(board).querySelector('.cards')!.getAttribute('aria-label')).to.equal('Opportunity, 1 deal');
    await type('acme');
    expect(await shown()).to.deep.equal({ opportunity: ['Alpha'], proposal: ['Delta'], won: [], lost: [] });
    expect(counts()).to.deep.equal(['1', '1', '0', '0']);
    await type('张伟');
    expect(await shown()).to.deep.equal({ opportunity: ['Gamma'], proposal: [], won: [], lost: ['Zeta'] });
    await type('bob m');
    expect(await shown()).to.deep.equal({ opportunity: ['Beta'], proposal: ['Delta'], won: [], lost: ['Zeta'] });
    await type('  ');
    expect(summary()).to.equal('6 deals');
    await type('no such deal');
    expect(await shown()).to.deep.equal({ opportunity: [], proposal: [], won: [], lost: [] });
    expect(summary()).to.equal('0 deals');
    expect(header(board, 'opportunity').total).to.deep.equal([intlCompactMoney(0, 'CNY')]);
    expect(textOf(shadow(board).querySelector('[part="empty"]'))).to.equal(
      'No deal matches the filters. Clear them to see every deal.',
    );
    await type('');
    expect(shadow(board).querySelector('[part="empty"]')).to.equal(null);
  });

  it('takes filters set by the host through the `filters` property, and shows them in the controls', async () => {
    board.filters = { source: 'referral', text: 'del' };
    await board.updateComplete;
    expect(await shown()).to.deep.equal({ opportunity: [], proposal: ['Delta'], won: [], lost: [] });
    expect(control<HTMLSelectElement>('source').value).to.equal('referral');
    expect(control<HTMLInputElement>('text').value).to.equal('del');
  });
});

describe('<crm-pipeline-board> opening a card', () => {
  let crm: Crm;
  let fixture: Fixture;
  let board: CrmPipelineBoard;
  beforeEach(async () => ({ crm, fixture, board } = await mountSeededBoard()));
  afterEach(() => unmountBoards(crm));

  it('fires crm-deal-select when a card is clicked, and not for its "Move to…" button', async () => {
    const selected = collect<CrmDealSelectEvent>(document.body, 'crm-deal-select');
    cardOf(board, fixture.deals.Beta)!.querySelector<HTMLElement>('.title')!.click();
    expect(selected.map((event) => event.detail)).to.deep.equal([{ dealId: fixture.deals.Beta }]);
    expect(selected[0]!.bubbles && selected[0]!.composed).to.equal(true);
    cardOf(board, fixture.deals.Delta)!.querySelector<HTMLButtonElement>('button.move')!.click();
    expect(selected.length).to.equal(1);
  });

  it('fires crm-deal-select on Enter on a focused card', async () => {
    const selected = collect<CrmDealSelectEvent>(board, 'crm-deal-select');
    const card = cardOf(board, fixture.deals.Gamma)!;
    card.focus();
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true });
    card.dispatchEvent(enter);
    expect(selected.map((event) => event.detail)).to.deep.equal([{ dealId: fixture.deals.Gamma }]);
    expect(enter.defaultPrevented).to.equal(true);
    // Enter on the card's button is the button's own (it opens the dialog), not a select.
    card
      .querySelector('button.move')!
      .dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
    expect(selected.length).to.equal(1);
  });
});
