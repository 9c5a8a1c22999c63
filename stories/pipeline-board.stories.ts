import type { Meta, StoryContext, StoryObj } from '@storybook/web-components-vite';
import { html, nothing, type TemplateResult } from 'lit';
import { expect, fn, userEvent, waitFor } from 'storybook/test';
import type { Crm } from '@crmkit/core';
import { DEMO_NOW, DEMO_PIPELINE_ID, type DemoData } from '@crmkit/core/testing';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-pipeline-board';
import {
  formatMoneyCached,
  setCrmLocale,
  type BoardDeal,
  type BoardPipeline,
  type CrmDealMoveEvent,
  type CrmDealMovedEvent,
  type CrmDealSelectEvent,
  type CrmErrorEvent,
  type CrmPipelineBoard,
} from '@crmkit/elements';
import {
  demoCrm,
  demoData,
  demoNow,
  failingDealsStorage,
  crmOver,
  memoryStorage,
  seed,
  stalledDealsStorage,
  type Outage,
} from './support/board-crm.js';

interface BoardArgs {
  /** The pipeline the board loads through the CRM. */
  pipelineId: string;
  /** `theme` of the surrounding `<crm-provider>`; unset, the page's colour scheme applies. */
  theme?: 'light' | 'dark';
  hideFilters: boolean;
  headingLevel: number;
  /** `closed-stages`: won and lost columns start `collapsed` (the default) or `expanded`. */
  closedStages?: 'collapsed' | 'expanded';
  /** Sets `--crm-pipeline-board-height`. */
  height: string;
  onDealMove: (event: CrmDealMoveEvent) => void;
  onDealMoved: (event: CrmDealMovedEvent) => void;
  onDealSelect: (event: CrmDealSelectEvent) => void;
  onError: (event: CrmErrorEvent) => void;
}

/** What the stories' loaders hand the render and play functions. */
interface Loaded {
  /** The CRM the board reads through `<crm-provider>`; absent in presentational stories. */
  crm?: Crm;
  /** The demo data stored in it, to check the board against. */
  data?: DemoData;
  /** How a misbehaving storage has behaved, for the error stories. */
  outage?: Outage;
  /** Presentational stories: what the host hands the board. */
  pipeline?: BoardPipeline;
  deals?: readonly BoardDeal[];
  customerNames?: Record<string, string>;
  ownerNames?: Record<string, string>;
}

type Context = StoryContext<BoardArgs>;
const loadedOf = (context: Pick<Context, 'loaded'>): Loaded => context.loaded as Loaded;
const localeOf = (context: Pick<Context, 'globals'>): string => String(context.globals['locale'] ?? 'en');

const boardStyle = (args: BoardArgs): string => `--crm-pipeline-board-height: ${args.height}`;

/** The board inside a provider that hands it the loaded CRM, in the toolbar's locale. */
function renderWithCrm(args: BoardArgs, context: Context): TemplateResult {
  const { crm } = loadedOf(context);
  return html`
    <crm-provider .crm=${crm} locale=${localeOf(context)} theme=${args.theme ?? nothing}>
      <crm-pipeline-board
        pipeline-id=${args.pipelineId}
        .now=${demoNow}
        ?hide-filters=${args.hideFilters}
        heading-level=${args.headingLevel}
        closed-stages=${args.closedStages ?? nothing}
        style=${boardStyle(args)}
        @crm-deal-move=${args.onDealMove}
        @crm-deal-moved=${args.onDealMoved}
        @crm-deal-select=${args.onDealSelect}
        @crm-error=${args.onError}
      ></crm-pipeline-board>
    </crm-provider>
  `;
}

/**
 * The board with its data in properties and no CRM. The story plays the host: it applies each `crm-deal-move` to its
 * own copy of the deals and hands the board the new list.
 */
function renderPresentational(args: BoardArgs, context: Context): TemplateResult {
  const { pipeline, deals, customerNames, ownerNames } = loadedOf(context);
  const applyMove = (event: CrmDealMoveEvent) => {
    args.onDealMove(event);
    const board = event.currentTarget as CrmPipelineBoard;
    const { dealId, toStageId } = event.detail;
    board.deals = (board.deals ?? []).map((deal) =>
      deal.id === dealId ? { ...deal, stageId: toStageId, stageEnteredAt: DEMO_NOW } : deal,
    );
  };
  return html`
    <crm-pipeline-board
      .pipeline=${pipeline}
      .deals=${deals}
      .customerNames=${customerNames}
      .ownerNames=${ownerNames}
      .now=${demoNow}
      theme=${args.theme ?? nothing}
      ?hide-filters=${args.hideFilters}
      heading-level=${args.headingLevel}
      closed-stages=${args.closedStages ?? nothing}
      style=${boardStyle(args)}
      @crm-deal-move=${applyMove}
      @crm-deal-select=${args.onDealSelect}
    ></crm-pipeline-board>
  `;
}

const meta: Meta<BoardArgs> = {
  title: 'Elements/Pipeline board',
  component: 'crm-pipeline-board',
  // A docs page: the element's properties, events, parts and custom properties from the custom-elements manifest.
  tags: ['autodocs'],
  args: {
    pipelineId: DEMO_PIPELINE_ID,
    hideFilters: false,
    headingLevel: 3,
    height: '480px',
    onDealMove: fn(),
    onDealMoved: fn(),
    onDealSelect: fn(),
    onError: fn(),
  },
  argTypes: {
    theme: { control: 'inline-radio', options: [undefined, 'light', 'dark'] },
    closedStages: { control: 'inline-radio', options: [undefined, 'collapsed', 'expanded'] },
    headingLevel: { control: { type: 'number', min: 1, max: 6 } },
    height: { description: 'Sets `--crm-pipeline-board-height` on the board (the stories’ own arg).' },
    onDealMove: { description: '`crm-deal-move`', table: { category: 'events' } },
    onDealMoved: { description: '`crm-deal-moved`', table: { category: 'events' } },
    onDealSelect: { description: '`crm-deal-select`', table: { category: 'events' } },
    onError: { description: '`crm-error`', table: { category: 'events' } },
  },
  // `@lit/localize` keeps one message locale per page: follow the toolbar even in stories without a provider, and
  // whatever locale the story before this one left behind.
  loaders: [async (context) => void (await setCrmLocale(localeOf(context)))],
  // The story's CRM stops its background work when the story unmounts.
  beforeEach: (context) => () => loadedOf(context).crm?.dispose(),
  render: renderWithCrm,
};
export default meta;

type Story = StoryObj<BoardArgs>;

// ——— helpers for the play functions ———

function boardIn(canvasElement: HTMLElement): CrmPipelineBoard {
  const board = canvasElement.querySelector('crm-pipeline-board');
  if (!board) throw new Error('no <crm-pipeline-board> in the story');
  return board;
}

const shadow = (board: CrmPipelineBoard): ShadowRoot => board.shadowRoot!;
const text = (element: Element | null | undefined): string => element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/**
 * Resolves once `selector` matches inside `root`. What a story waits for is drawn a few frames after a render (the
 * virtualised lists measure themselves first); a deadline would fail on a busy machine, so this waits for the element
 * itself, and only the test's own time limit bounds it.
 */
function drawn(root: ShadowRoot, selector: string): Promise<Element> {
  return new Promise((resolve) => {
    const check = () => {
      const found = root.querySelector(selector);
      if (!found) return;
      observer.disconnect();
      resolve(found);
    };
    const observer = new MutationObserver(check);
    observer.observe(root, { childList: true, subtree: true });
    check();
  });
}

/** Waits for the board to have loaded and rendered its columns and first cards. */
async function loadedBoard(canvasElement: HTMLElement): Promise<CrmPipelineBoard> {
  const board = boardIn(canvasElement);
  await board.settled();
  await drawn(shadow(board), '.column');
  await board.settled();
  if (board.shownColumns.some((column) => column.cards.length > 0)) await drawn(shadow(board), '.card');
  return board;
}

const headings = (board: CrmPipelineBoard): string[] =>
  [...shadow(board).querySelectorAll('.column [role="heading"]')].map(text);

/** Each column's accessible list name, which carries its stage and deal count. */
const listLabels = (board: CrmPipelineBoard): string[] =>
  [...shadow(board).querySelectorAll('.cards[role="list"]')].map((list) => list.getAttribute('aria-label') ?? '');

const summary = (board: CrmPipelineBoard): string => text(shadow(board).querySelector('.summary'));

const cardOf = (board: CrmPipelineBoard, dealId: string): HTMLElement | null =>
  shadow(board).querySelector<HTMLElement>(`.card[data-deal-id="${CSS.escape(dealId)}"]`);

/** The stage whose column shows the deal now. */
const stageShowing = (board: CrmPipelineBoard, dealId: string): string | undefined =>
  board.shownColumns.find((column) => column.cards.some((card) => card.deal.id === dealId))?.stage.id;

/** Deals of the demo pipeline per stage id, newest in stage first, as the board orders them. */
function demoDealsByStage(data: DemoData): Map<string, DemoData['deals']> {
  const byStage = new Map<string, DemoData['deals']>();
  for (const deal of data.deals.filter((candidate) => candidate.pipelineId === DEMO_PIPELINE_ID)) {
    byStage.set(deal.stageId, [...(byStage.get(deal.stageId) ?? []), deal]);
  }
  for (const deals of byStage.values())
    deals.sort((a, b) => (b.stageEnteredAt ?? '').localeCompare(a.stageEnteredAt ?? ''));
  return byStage;
}

/**
 * Moves a deal the keyboard way: focus its card, go to the card's "Move to…" button, press Enter, then in the dialog
 * go to the stage and press Enter. Returns the dialog.
 */
async function openMoveDialog(board: CrmPipelineBoard, dealId: string): Promise<HTMLDialogElement> {
  await board.focusCard(dealId);
  const card = cardOf(board, dealId);
  await expect(card).not.toBeNull();
  await expect(shadow(board).activeElement).toBe(card);
  const button = card!.querySelector<HTMLButtonElement>('[data-action="move"]')!;
  // The card's "Move to…" button is the next tab stop after the card.
  button.focus();
  await expect(shadow(board).activeElement).toBe(button);
  await userEvent.keyboard('{Enter}');
  const dialog = shadow(board).querySelector<HTMLDialogElement>('dialog.move-dialog')!;
  await waitFor(() => expect(dialog.open).toBe(true));
  return dialog;
}

async function chooseStage(board: CrmPipelineBoard, dialog: HTMLDialogElement, stageId: string): Promise<void> {
  const choice = dialog.querySelector<HTMLButtonElement>(`button[data-stage-id="${stageId}"]`)!;
  await expect(choice.disabled).toBe(false);
  choice.focus();
  await expect(shadow(board).activeElement).toBe(choice);
  await userEvent.keyboard('{Enter}');
  await waitFor(() => expect(dialog.open).toBe(false));
}

/** The toggle in the heading of a won or lost column. */
const toggleOf = (board: CrmPipelineBoard, stageId: string): HTMLButtonElement | null =>
  shadow(board).querySelector<HTMLButtonElement>(`.column[data-stage-id="${stageId}"] [part="stage-toggle"]`);

/** A won or lost column's count and total as shown while it is collapsed. */
const collapsedSummary = (board: CrmPipelineBoard, stageId: string): string =>
  text(shadow(board).querySelector(`.column[data-stage-id="${stageId}"] .column-header`));

const liveRegion = (board: CrmPipelineBoard): HTMLElement =>
  shadow(board).querySelector<HTMLElement>('[role="status"][aria-live="polite"]')!;

const DAY = 86_400_000;

// ——— stories ———

/** The seeded demo CRM (100 deals over opportunity → proposal → won, plus lost) in English. */
export const Default: Story = {
  loaders: [
    async () => {
      const data = demoData();
      return { data, crm: await demoCrm(data) };
    },
  ],
  play: async ({ canvasElement, loaded }) => {
    const { data } = loadedOf({ loaded });
    const board = await loadedBoard(canvasElement);
    await expect(shadow(board).querySelector('[role="region"]')?.getAttribute('aria-label')).toBe(
      'Pipeline: Sales pipeline',
    );
    await expect(headings(board)).toEqual(['Opportunity', 'Quote / proposal', 'Won', 'Lost']);
    const byStage = demoDealsByStage(data!);
    const count = (stageId: string) => byStage.get(stageId)?.length ?? 0;
    // Won and Lost start collapsed: a narrow column with the stage, its count and total, and no list of cards.
    await expect(listLabels(board)).toEqual([
      `Opportunity, ${count('opportunity')} deals`,
      `Quote / proposal, ${count('proposal')} deals`,
    ]);
    await expect(board.collapsedStageIds).toEqual(['won', 'lost']);
    await expect(toggleOf(board, 'won')?.getAttribute('aria-expanded')).toBe('false');
    await expect(collapsedSummary(board, 'won')).toContain(`${count('won')} deals Total`);
    await expect(collapsedSummary(board, 'lost')).toContain(`${count('lost')} deals Total`);
    await expect(summary(board)).toBe(`${data!.deals.length} deals`);
    // The newest deal in the first stage leads its column, its days in stage counted to DEMO_NOW.
    const newest = byStage.get('opportunity')![0]!;
    const card = await waitFor(() => {
      const found = cardOf(board, newest.id);
      expect(found).not.toBeNull();
      return found!;
    });
    await expect(text(card.querySelector('.title'))).toBe(newest.title);
    const days = Math.floor((Date.parse(DEMO_NOW) - Date.parse(newest.stageEnteredAt!)) / DAY);
    await expect(text(card)).toContain(`${days} d in stage`);
  },
};

/**
 * Deals in yuan and US dollars on a CRM given exchange rates (`createCrm({ exchangeRates })`): each column shows one
 * total in the CRM's currency, marked ≈, and says which day's rates converted it. Each card keeps its own amount.
 */
export const ExchangeRates: Story = {
  loaders: [
    async () => {
      const data = demoData();
      return { data, crm: await demoCrm(data, { asOf: '2026-06-01', rates: { USD: 7.1 } }) };
    },
  ],
  play: async ({ canvasElement }) => {
    const board = await loadedBoard(canvasElement);
    const totals = [...shadow(board).querySelectorAll('.amounts dd')].map((dd) => text(dd));
    await expect(totals.some((total) => total.startsWith('≈ '))).toBe(true);
    for (const total of totals) await expect(total).not.toContain(' + ');
    const converted = shadow(board).querySelector('.amounts dd [title]');
    await expect(converted?.getAttribute('title')).toBe('converted at exchange rates of Jun 1, 2026');
  },
};

/**
 * A pipeline without deals: the built-in default pipeline of a CRM whose deals are all in another one. It is there
 * from the start, before anything installs it, and the board says what to do next.
 */
export const Empty: Story = {
  args: { pipelineId: 'default' },
  loaders: [async () => ({ crm: await demoCrm() })],
  play: async ({ canvasElement }) => {
    const board = await loadedBoard(canvasElement);
    await expect(headings(board)).toEqual(['Opportunity', 'Quote / proposal', 'Won', 'Lost']);
    await expect([...shadow(board).querySelectorAll('.column .empty')].map(text)).toEqual(['No deals', 'No deals']);
    // Won and Lost are collapsed: their count says it.
    await expect(collapsedSummary(board, 'won')).toContain('0 deals');
    await expect(collapsedSummary(board, 'lost')).toContain('0 deals');
    await expect(shadow(board).querySelectorAll('.card').length).toBe(0);
    await expect(summary(board)).toBe('0 deals');
    await expect(text(shadow(board).querySelector('[part="empty"]'))).toBe(
      'No deals in this pipeline yet. Convert a lead or create a deal, and it appears here.',
    );
  },
};

/** The storage has not answered the deal query yet (it never will here): the board says it is loading. */
export const Loading: Story = {
  loaders: [async () => ({ crm: await crmOver(stalledDealsStorage(await seed(memoryStorage(), demoData()))) })],
  play: async ({ canvasElement }) => {
    const board = boardIn(canvasElement);
    await waitFor(() => expect(text(shadow(board).querySelector('[role="status"]'))).toBe('Loading…'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(text(shadow(board).querySelector('[role="status"]'))).toBe('Loading…');
    await expect(shadow(board).querySelectorAll('.column').length).toBe(0);
  },
};

/** `pipeline-id` names no pipeline: the board says so, offers no retry, and reports the error. */
export const ErrorMissingPipeline: Story = {
  args: { pipelineId: 'pip-9999' },
  loaders: [async () => ({ crm: await demoCrm() })],
  play: async ({ canvasElement, args }) => {
    const board = boardIn(canvasElement);
    await waitFor(() =>
      expect(text(shadow(board).querySelector('[role="alert"]'))).toBe('This pipeline does not exist.'),
    );
    await expect(shadow(board).querySelector('button')).toBeNull();
    await expect(args.onError).toHaveBeenCalledWith(
      expect.objectContaining({ detail: expect.objectContaining({ operation: 'query' }) }),
    );
  },
};

/** Every deal query fails: the board shows the failure and a Retry button, which tries again. */
export const ErrorLoadFailed: Story = {
  loaders: [
    async () => {
      const outage: Outage = { failures: 0, remaining: Number.POSITIVE_INFINITY };
      return { outage, crm: await crmOver(failingDealsStorage(await seed(memoryStorage(), demoData()), outage)) };
    },
  ],
  play: async ({ canvasElement, loaded, args }) => {
    const { outage } = loadedOf({ loaded });
    const board = boardIn(canvasElement);
    const alert = () => shadow(board).querySelector('[role="alert"]');
    await waitFor(() => expect(text(alert()?.querySelector('p'))).toBe('Could not load the data.'));
    await expect(args.onError).toHaveBeenCalledWith(
      expect.objectContaining({ detail: expect.objectContaining({ operation: 'query' }) }),
    );
    const retry = alert()!.querySelector('button')!;
    await expect(text(retry)).toBe('Retry');
    const before = outage!.failures;
    await userEvent.click(retry);
    await waitFor(() => expect(outage!.failures).toBe(before + 1));
    await board.settled();
    await expect(text(alert()?.querySelector('p'))).toBe('Could not load the data.');
  },
};

/** The first deal query fails; Retry loads the board. */
export const ErrorRetrySucceeds: Story = {
  loaders: [
    async () => {
      const outage: Outage = { failures: 0, remaining: 1 };
      return { outage, crm: await crmOver(failingDealsStorage(await seed(memoryStorage(), demoData()), outage)) };
    },
  ],
  play: async ({ canvasElement }) => {
    const board = boardIn(canvasElement);
    const retry = await waitFor(() => {
      const button = shadow(board).querySelector<HTMLButtonElement>('[role="alert"] button');
      expect(button).not.toBeNull();
      return button!;
    });
    await userEvent.click(retry);
    await loadedBoard(canvasElement);
    await expect(summary(board)).toBe('100 deals');
  },
};

/**
 * `generateDemoData({ seed: 1, scale: 100 })`: 10 000 deals of 6 000 customers (without the activities, tasks and
 * leads the board does not read, to keep the story quick). Columns are virtualised: a bounded number of cards is in
 * the DOM, even after jumping to the end of a column.
 */
export const TenThousandDeals: Story = {
  // Kept off the docs page, which renders every story at once: open it on its own.
  tags: ['!autodocs'],
  loaders: [
    async () => {
      const data = demoData({ scale: 100, activities: 0, tasks: 0, leads: 0 });
      return { data, crm: await demoCrm(data) };
    },
  ],
  play: async ({ canvasElement, loaded }) => {
    const { data } = loadedOf({ loaded });
    await expect(data!.deals.length).toBe(10_000);
    const board = await loadedBoard(canvasElement);
    await expect(board.shownColumns.reduce((sum, column) => sum + column.cards.length, 0)).toBe(10_000);
    await expect(summary(board)).toBe('10,000 deals');
    const rendered = () => shadow(board).querySelectorAll('.card').length;
    await expect(rendered()).toBeGreaterThan(0);
    await expect(rendered()).toBeLessThanOrEqual(200);
    // End on a card jumps to the last card of its column; the virtualiser swaps cards instead of adding them.
    const first = board.shownColumns[0]!.cards;
    await board.focusCard(first[0]!.deal.id);
    await userEvent.keyboard('{End}');
    // The board focuses the far card once its column has scrolled and drawn it, however long that takes on this
    // machine; `settled()` waits for exactly that, where a deadline would fail on a busy one.
    await board.settled();
    const last = first[first.length - 1]!.deal.id;
    await expect(shadow(board).activeElement).toBe(cardOf(board, last));
    await expect(rendered()).toBeLessThanOrEqual(200);
  },
};

/** The toolbar's locale set to 简体中文: the provider switches the messages, numbers and money follow `zh-CN`. */
export const ChineseLocale: Story = {
  // Off the docs page: the message language is page-wide, so it would switch every board there to Chinese.
  tags: ['!autodocs'],
  globals: { locale: 'zh-CN' },
  loaders: [
    async () => {
      const data = demoData();
      return { data, crm: await demoCrm(data) };
    },
  ],
  play: async ({ canvasElement, loaded }) => {
    const { data } = loadedOf({ loaded });
    const board = await loadedBoard(canvasElement);
    await waitFor(() => expect(headings(board)).toEqual(['商机', '报价/提案', '成交', '输单']));
    await expect(shadow(board).querySelector('[role="region"]')?.getAttribute('aria-label')).toBe('销售管道：销售漏斗');
    await expect(summary(board)).toBe(`${data!.deals.length} 个商机`);
    const newest = demoDealsByStage(data!).get('opportunity')![0]!;
    const card = cardOf(board, newest.id)!;
    await expect(text(card.querySelector('.amount'))).toBe(formatMoneyCached(newest.amount, 'zh-CN').trim());
    await expect(text(card.querySelector('[part="move-button"]'))).toContain('移动到…');
  },
};

/** `theme="dark"` on the provider, on a dark host page. */
export const Dark: Story = {
  args: { theme: 'dark' },
  decorators: [
    (story) =>
      html`<div style="background: #0d1117; color: #e6edf3; color-scheme: dark; padding: 8px">${story()}</div>`,
  ],
  loaders: [async () => ({ crm: await demoCrm() })],
  play: async ({ canvasElement }) => {
    const board = await loadedBoard(canvasElement);
    await expect(getComputedStyle(board).colorScheme).toBe('dark');
    // The dark surface token (#151b23) on the cards.
    await expect(getComputedStyle(shadow(board).querySelector('.card')!).backgroundColor).toBe('rgb(21, 27, 35)');
  },
};

/**
 * No CRM: the demo pipeline and deals in properties. A move through the keyboard's "Move to…" dialog is a
 * `crm-deal-move` event; the story, as the host, applies it and hands the board the new deals.
 */
export const Presentational: Story = {
  loaders: [
    () => {
      const data = demoData();
      const pipeline = data.pipelines.find((candidate) => candidate.id === DEMO_PIPELINE_ID)!;
      const byStage = demoDealsByStage(data);
      return {
        data,
        pipeline,
        deals: pipeline.stages.flatMap((stage) => byStage.get(stage.id) ?? []),
        customerNames: Object.fromEntries(data.customers.map((customer) => [customer.id, customer.name])),
        ownerNames: Object.fromEntries(data.users.map((user) => [user.id, user.name])),
      };
    },
  ],
  render: renderPresentational,
  play: async ({ canvasElement, loaded, args }) => {
    const { data } = loadedOf({ loaded });
    const board = await loadedBoard(canvasElement);
    await expect(board.presentational).toBe(true);
    await expect(summary(board)).toBe(`${data!.deals.length} deals`);
    const deal = demoDealsByStage(data!).get('opportunity')![0]!;
    const dialog = await openMoveDialog(board, deal.id);
    await expect(text(dialog.querySelector('h2'))).toBe(`Move “${deal.title}” to…`);
    await chooseStage(board, dialog, 'won');
    await expect(args.onDealMove).toHaveBeenCalledTimes(1);
    await expect(args.onDealMove).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'crm-deal-move',
        detail: { dealId: deal.id, fromStageId: 'opportunity', toStageId: 'won', via: 'keyboard' },
      }),
    );
    await waitFor(() => expect(stageShowing(board, deal.id)).toBe('won'));
    await waitFor(() => expect(text(liveRegion(board))).toBe(`Moved “${deal.title}” to Won.`));
    // Won is collapsed: focus goes to its toggle.
    await waitFor(() => expect(shadow(board).activeElement).toBe(toggleOf(board, 'won')));
  },
};

/**
 * Entering "Quote / proposal" needs an expected close date (a stage gate). The newest opportunity has none, so
 * moving it there opens a dialog asking for it, and the card stays where it was.
 */
export const GateDialog: Story = {
  loaders: [
    async () => {
      const data = demoData({}, (generated) => {
        const newest = demoDealsByStage(generated).get('opportunity')![0]!;
        delete newest.expectedCloseDate;
      });
      return { data, crm: await demoCrm(data) };
    },
  ],
  play: async ({ canvasElement, loaded, args }) => {
    const { data, crm } = loadedOf({ loaded });
    const board = await loadedBoard(canvasElement);
    const deal = demoDealsByStage(data!).get('opportunity')![0]!;
    await expect(deal.expectedCloseDate).toBeUndefined();
    const dialog = await openMoveDialog(board, deal.id);
    await chooseStage(board, dialog, 'proposal');
    const details = shadow(board).querySelector<HTMLDialogElement>('dialog.details-dialog')!;
    await waitFor(() => expect(details.open).toBe(true));
    await expect(text(details.querySelector('h2'))).toBe('Before moving to Quote / proposal');
    await expect(text(details)).toContain('This stage needs more details about the deal.');
    const field = details.querySelector<HTMLInputElement>('input[name="expectedCloseDate"]');
    await expect(field?.type).toBe('date');
    await expect(field?.required).toBe(true);
    await waitFor(() => expect(shadow(board).activeElement).toBe(field));
    await board.settled();
    // Nothing was written: the deal is still an opportunity, on the board and in storage.
    await expect(stageShowing(board, deal.id)).toBe('opportunity');
    await expect((await crm!.deals.get(deal.id)).stageId).toBe('opportunity');
    await expect(args.onDealMoved).not.toHaveBeenCalled();
  },
};

/**
 * A move without dragging (WCAG 2.5.7): the card's "Move to…" button opens a dialog of stages; choosing one moves the
 * card, writes the move, announces it in the live region and keeps focus on the card.
 */
export const KeyboardMove: Story = {
  loaders: [
    async () => {
      const data = demoData();
      return { data, crm: await demoCrm(data) };
    },
  ],
  play: async ({ canvasElement, loaded, args }) => {
    const { data, crm } = loadedOf({ loaded });
    const board = await loadedBoard(canvasElement);
    const deal = demoDealsByStage(data!).get('opportunity')![0]!;
    const dialog = await openMoveDialog(board, deal.id);
    // The current stage is offered but cannot be chosen.
    const current = dialog.querySelector<HTMLButtonElement>('button[data-stage-id="opportunity"]')!;
    await expect(current.disabled).toBe(true);
    await expect(current.getAttribute('aria-current')).toBe('true');
    await chooseStage(board, dialog, 'won');
    await waitFor(() => expect(text(liveRegion(board))).toBe(`Moved “${deal.title}” to Won.`));
    await expect(stageShowing(board, deal.id)).toBe('won');
    const moved = await crm!.deals.get(deal.id);
    await expect(moved.stageId).toBe('won');
    await expect(args.onDealMove).toHaveBeenCalledWith(
      expect.objectContaining({
        detail: expect.objectContaining({ dealId: deal.id, toStageId: 'won', via: 'keyboard' }),
      }),
    );
    await expect(args.onDealMoved).toHaveBeenCalledWith(
      expect.objectContaining({ detail: expect.objectContaining({ dealId: deal.id, version: moved.version }) }),
    );
    // Won is collapsed: the move does not open it, and focus goes to its toggle. Enter opens it, and the moved card
    // is there, holding the board's tab stop.
    await waitFor(() => expect(shadow(board).activeElement).toBe(toggleOf(board, 'won')));
    await expect(toggleOf(board, 'won')!.getAttribute('aria-expanded')).toBe('false');
    await userEvent.keyboard('{Enter}');
    await waitFor(() => {
      const card = cardOf(board, deal.id);
      expect(card?.closest('.column')?.getAttribute('data-stage-id')).toBe('won');
      expect(card?.tabIndex).toBe(0);
    });
    await expect(text(cardOf(board, deal.id)!.querySelector('[part="move-button"]'))).toContain('Reopen…');
  },
};

/**
 * `closed-stages="expanded"`: won and lost columns start open like the others; their headings still collapse them.
 * Closed cards show the day they closed, not days in stage, and offer "Reopen…".
 */
export const ClosedStagesExpanded: Story = {
  args: { closedStages: 'expanded' },
  loaders: [
    async () => {
      const data = demoData();
      return { data, crm: await demoCrm(data) };
    },
  ],
  play: async ({ canvasElement, loaded }) => {
    const { data } = loadedOf({ loaded });
    const board = await loadedBoard(canvasElement);
    await expect(board.collapsedStageIds).toEqual([]);
    await expect(listLabels(board).length).toBe(4);
    const won = demoDealsByStage(data!).get('won')![0]!;
    const card = await waitFor(() => {
      const found = cardOf(board, won.id);
      expect(found).not.toBeNull();
      return found!;
    });
    await expect(text(card)).not.toContain('d in stage');
    await expect(text(card)).toContain('Won ');
    await expect(text(card.querySelector('[part="move-button"]'))).toContain('Reopen…');
    const toggle = toggleOf(board, 'won')!;
    await expect(toggle.getAttribute('aria-expanded')).toBe('true');
    toggle.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(board.collapsedStageIds).toEqual(['won']));
    await expect(shadow(board).activeElement).toBe(toggleOf(board, 'won'));
  },
};

/** Dragging a card onto the collapsed Won column moves the deal there; the column stays collapsed, one deal more. */
export const DropOnCollapsedColumn: Story = {
  loaders: [
    async () => {
      const data = demoData();
      return { data, crm: await demoCrm(data) };
    },
  ],
  play: async ({ canvasElement, loaded }) => {
    const { data, crm } = loadedOf({ loaded });
    const board = await loadedBoard(canvasElement);
    const deal = demoDealsByStage(data!).get('proposal')![0]!;
    const before = demoDealsByStage(data!).get('won')!.length;
    const card = await waitFor(() => {
      const found = cardOf(board, deal.id);
      expect(found).not.toBeNull();
      return found!;
    });
    const column = shadow(board).querySelector<HTMLElement>('.column[data-stage-id="won"]')!;
    const dataTransfer = new DataTransfer();
    const init = { bubbles: true, composed: true, cancelable: true, dataTransfer };
    card.dispatchEvent(new DragEvent('dragstart', init));
    column.dispatchEvent(new DragEvent('dragover', init));
    column.dispatchEvent(new DragEvent('drop', init));
    card.dispatchEvent(new DragEvent('dragend', init));
    await board.settled();
    await waitFor(() => expect(stageShowing(board, deal.id)).toBe('won'));
    await expect((await crm!.deals.get(deal.id)).stageId).toBe('won');
    await expect(board.collapsedStageIds).toContain('won');
    await waitFor(() => expect(collapsedSummary(board, 'won')).toContain(`${before + 1} deals`));
  },
};
