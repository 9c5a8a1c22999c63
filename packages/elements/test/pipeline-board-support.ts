/**
 * Shared set-up of the `<crm-pipeline-board>` tests: CRMs over memory storage with a fixed clock (in the page, or on
 * the test server in the runner's `remote` group: crm-under-test.ts), a small hand-made pipeline of deals whose numbers
 * the tests compute by hand, mounting without animation-frame waits, and queries into the board's shadow DOM.
 */
import { html, waitUntil } from '@open-wc/testing';
import { nothing, render, type TemplateResult } from 'lit';
import { createCrm, DEFAULT_PIPELINE_ID, type Crm, type DealInput, type StoragePort } from '@crmkit/core';
import { DEMO_NOW, generateDemoData, toStorageSnapshot } from '@crmkit/core/testing';
import { openBackend, type TestBackend } from './crm-under-test.js';
import '@crmkit/elements/crm-provider';
import '@crmkit/elements/crm-pipeline-board';
import { setCrmLocale, type CrmPipelineBoard } from '@crmkit/elements';

/** The instant every CRM clock and every board's `now` is fixed to. */
export const NOW = new Date(DEMO_NOW);
const DAY = 86_400_000;
/** An ISO instant `days` (and one extra hour, off any boundary) before {@link NOW}. */
export const daysAgo = (days: number): string => new Date(NOW.getTime() - days * DAY - 3_600_000).toISOString();

/** The actor of the board tests' CRMs. */
export const ADMIN = { id: 'usr-admin', role: 'admin' } as const;

/** A backend (storage and clock, local or remote) whose CRMs have their clock at {@link NOW}. */
export function boardBackend(): Promise<TestBackend> {
  return openBackend({ clock: NOW });
}

/**
 * A CRM acting as an admin, with its clock at {@link NOW}: over a fresh backend (local or remote, as the run is), or
 * over the given storage in the page (what only a local CRM can be given: a wrapped or an IndexedDB storage).
 */
export async function crmOver(storage?: StoragePort): Promise<Crm> {
  if (storage) return createCrm({ storage, actor: ADMIN, clock: () => NOW });
  return (await boardBackend()).open(ADMIN);
}

/** A CRM holding the seeded demo data (pipeline `pip-0001`, 100 deals). */
export async function demoCrm(): Promise<Crm> {
  const backend = await openBackend({ clock: NOW, snapshot: toStorageSnapshot(generateDemoData({ seed: 1 })) });
  return backend.open(ADMIN);
}

/** Ids of the hand-made fixture's records. */
export interface Fixture {
  readonly users: { readonly ann: string; readonly bob: string };
  readonly customers: { readonly acme: string; readonly globex: string; readonly zhang: string };
  /** Deal ids by title. */
  readonly deals: Readonly<Record<FixtureTitle, string>>;
}

export type FixtureTitle = 'Alpha' | 'Beta' | 'Gamma' | 'Delta' | 'Epsilon' | 'Zeta';

/**
 * The hand-made board, in the built-in pipeline (`default`: opportunity 20 % rotting after 30 days, proposal 60 %
 * rotting after 14 days and gated on an expected close date, won, lost):
 *
 * | deal | stage | amount | owner | source | customer | entered |
 * | --- | --- | --- | --- | --- | --- | --- |
 * | Alpha | opportunity | CNY 1 000.00 | Ann | referral | Acme Ltd | 31 days ago (rotting) |
 * | Beta | opportunity | CNY 250.50 | Bob | website | Globex | 29 days ago |
 * | Gamma | opportunity | USD 40.00 | Ann | website | 张伟 | 2 days ago |
 * | Delta | proposal | CNY 3 333.33 | Bob | referral | Acme Ltd | 15 days ago (rotting) |
 * | Epsilon | won | CNY 500.00 | Ann | referral | Globex | 100 days ago (won: never rotting) |
 * | Zeta | lost | CNY 10.00 | Bob | website | 张伟 | 60 days ago |
 *
 * Within a column the board lists the newest entry first: opportunity is Gamma, Beta, Alpha.
 */
export async function seedFixture(crm: Crm): Promise<Fixture> {
  const ann = (await crm.users.create({ name: 'Ann Lee', email: 'ann@example.com' })).id;
  const bob = (await crm.users.create({ name: 'Bob Ma', email: 'bob@example.com' })).id;
  const acme = (await crm.customers.create({ kind: 'organisation', name: 'Acme Ltd' })).id;
  const globex = (await crm.customers.create({ kind: 'organisation', name: 'Globex' })).id;
  const zhang = (await crm.customers.create({ kind: 'person', name: '张伟' })).id;
  const deal = async (input: Omit<DealInput, 'pipelineId'>) =>
    (await crm.deals.create({ pipelineId: DEFAULT_PIPELINE_ID, ...input })).id;
  const cny = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });
  const deals = {
    Alpha: await deal({
      title: 'Alpha',
      customerId: acme,
      stageId: 'opportunity',
      amount: cny(100_000),
      ownerId: ann,
      source: 'referral',
      stageEnteredAt: daysAgo(31),
    }),
    Beta: await deal({
      title: 'Beta',
      customerId: globex,
      stageId: 'opportunity',
      amount: cny(25_050),
      ownerId: bob,
      source: 'website',
      stageEnteredAt: daysAgo(29),
    }),
    Gamma: await deal({
      title: 'Gamma',
      customerId: zhang,
      stageId: 'opportunity',
      amount: { amountMinor: 4_000, currency: 'USD' },
      ownerId: ann,
      source: 'website',
      stageEnteredAt: daysAgo(2),
    }),
    Delta: await deal({
      title: 'Delta',
      customerId: acme,
      stageId: 'proposal',
      amount: cny(333_333),
      ownerId: bob,
      source: 'referral',
      expectedCloseDate: '2026-08-01',
      stageEnteredAt: daysAgo(15),
    }),
    Epsilon: await deal({
      title: 'Epsilon',
      customerId: globex,
      stageId: 'won',
      amount: cny(50_000),
      ownerId: ann,
      source: 'referral',
      stageEnteredAt: daysAgo(100),
    }),
    Zeta: await deal({
      title: 'Zeta',
      customerId: zhang,
      stageId: 'lost',
      amount: cny(1_000),
      ownerId: bob,
      source: 'website',
      lostReason: 'price',
      stageEnteredAt: daysAgo(60),
    }),
  };
  return { users: { ann, bob }, customers: { acme, globex, zhang }, deals };
}

/** Renders `template` into a fresh container attached to the document (no animation-frame waits, unlike `fixture`). */
export function mountTemplate(template: TemplateResult): HTMLElement {
  const container = document.createElement('div');
  document.body.append(container);
  render(template, container);
  return container;
}

export interface MountOptions {
  readonly pipelineId?: string;
  /** The provider's locale; default `en-US`. */
  readonly locale?: string;
  readonly theme?: 'light' | 'dark';
  /** Wait for the columns (default), or return as soon as the element exists (error states). */
  readonly waitForColumns?: boolean;
  /**
   * The board's `closed-stages`. Default here `expanded`: the suites about cards, moves and filters look at the cards
   * of every column; pipeline-board-closed.test.ts covers the element's default, won and lost collapsed (`null`
   * leaves the attribute unset).
   */
  readonly closedStages?: 'collapsed' | 'expanded' | null;
}

/** Mounts a board inside `<crm-provider>` over `crm`, with `now` fixed, and waits until its columns are loaded. */
export async function mountBoard(crm: Crm, options: MountOptions = {}): Promise<CrmPipelineBoard> {
  const container = mountTemplate(
    html`<crm-provider .crm=${crm} locale=${options.locale ?? 'en-US'}
      ><crm-pipeline-board
        pipeline-id=${options.pipelineId ?? DEFAULT_PIPELINE_ID}
        theme=${options.theme ?? 'light'}
        closed-stages=${options.closedStages === null ? nothing : (options.closedStages ?? 'expanded')}
        .now=${NOW}
      ></crm-pipeline-board
    ></crm-provider>`,
  );
  const board = container.querySelector('crm-pipeline-board')!;
  // The provider switches the page's messages to its locale; a catalogue loads on demand, and this resolves then.
  await setCrmLocale(options.locale ?? 'en-US');
  if (options.waitForColumns !== false) {
    await waitUntil(() => board.shownColumns.length > 0, 'the board did not load', { timeout: 5000 });
    await board.settled();
  }
  return board;
}

export const shadow = (board: CrmPipelineBoard): ShadowRoot => board.shadowRoot!;

/** The column element of a stage. */
export function columnOf(board: CrmPipelineBoard, stageId: string): HTMLElement {
  const column = shadow(board).querySelector<HTMLElement>(`.column[data-stage-id="${CSS.escape(stageId)}"]`);
  if (!column) throw new Error(`no column for stage ${stageId}`);
  return column;
}

/** The rendered card of a deal, or `null`. */
export const cardOf = (board: CrmPipelineBoard, dealId: string): HTMLElement | null =>
  shadow(board).querySelector<HTMLElement>(`.card[data-deal-id="${CSS.escape(dealId)}"]`);

/** The stage whose column holds the rendered card of a deal, or `undefined`. */
export const stageOfCard = (board: CrmPipelineBoard, dealId: string): string | undefined =>
  cardOf(board, dealId)?.closest<HTMLElement>('.column')?.dataset['stageId'];

/** Deal ids of the cards rendered in a stage's column, in DOM order. */
export const renderedIn = (board: CrmPipelineBoard, stageId: string): string[] =>
  [...columnOf(board, stageId).querySelectorAll<HTMLElement>('.card')].map((card) => card.dataset['dealId']!);

/** Waits until the card of a deal is rendered in a stage's column. */
export async function waitForCardIn(board: CrmPipelineBoard, dealId: string, stageId: string): Promise<void> {
  await waitUntil(() => stageOfCard(board, dealId) === stageId, `${dealId} is not shown in ${stageId}`, {
    timeout: 5000,
  });
}

/** Waits until the virtualizer has rendered at least one card. */
export async function waitForCards(board: CrmPipelineBoard): Promise<void> {
  await waitUntil(() => shadow(board).querySelector('.card') !== null, 'no card was rendered', { timeout: 5000 });
}

/** The deal id of the element focused inside the board, if it is a card. */
export const focusedDealId = (board: CrmPipelineBoard): string | undefined => {
  const active = shadow(board).activeElement as HTMLElement | null;
  return active?.classList.contains('card') ? active.dataset['dealId'] : undefined;
};

/** Cards holding the board's tab stop (`tabindex="0"`). */
export const tabStops = (board: CrmPipelineBoard): HTMLElement[] =>
  [...shadow(board).querySelectorAll<HTMLElement>('.card')].filter((card) => card.tabIndex === 0);

/** Text of an element with whitespace collapsed. */
export const textOf = (element: Element | null | undefined): string =>
  (element?.textContent ?? '').replace(/\s+/g, ' ').trim();

/** The live region's text. */
export const announcement = (board: CrmPipelineBoard): string =>
  textOf(shadow(board).querySelector('[role="status"][aria-live]'));

/** The move-failure alert's message. */
export const failureMessage = (board: CrmPipelineBoard): string =>
  textOf(shadow(board).querySelector('.failure[role="alert"] span'));

export const moveDialog = (board: CrmPipelineBoard): HTMLDialogElement =>
  shadow(board).querySelector<HTMLDialogElement>('dialog.move-dialog')!;

export const detailsDialog = (board: CrmPipelineBoard): HTMLDialogElement =>
  shadow(board).querySelector<HTMLDialogElement>('dialog.details-dialog')!;

/** Clicks a card's "Move to…" button and waits for the dialog to open. */
export async function openMoveDialog(board: CrmPipelineBoard, dealId: string): Promise<HTMLDialogElement> {
  const button = cardOf(board, dealId)?.querySelector<HTMLButtonElement>('button.move');
  if (!button) throw new Error(`no move button on ${dealId}`);
  button.click();
  await waitUntil(() => moveDialog(board).open, 'the move dialog did not open', { timeout: 5000 });
  return moveDialog(board);
}

/** Clicks the stage button of the open move dialog. */
export function chooseStage(board: CrmPipelineBoard, stageId: string): void {
  const button = moveDialog(board).querySelector<HTMLButtonElement>(`button[data-stage-id="${stageId}"]`);
  if (!button) throw new Error(`no stage button ${stageId}`);
  button.click();
}

/** Dispatches a keydown on the focused card (as a real key press would reach it) and returns the event. */
export function pressOnFocusedCard(board: CrmPipelineBoard, key: string): KeyboardEvent {
  const active = shadow(board).activeElement;
  if (!active) throw new Error('nothing is focused in the board');
  const event = new KeyboardEvent('keydown', { key, bubbles: true, composed: true, cancelable: true });
  active.dispatchEvent(event);
  return event;
}

/** Drags a card onto a stage's column: dragstart on the card, dragover and drop on the column, dragend. */
export function dragCardTo(board: CrmPipelineBoard, dealId: string, stageId: string): { dragover: DragEvent } {
  const card = cardOf(board, dealId);
  if (!card) throw new Error(`no card ${dealId}`);
  const dataTransfer = new DataTransfer();
  const init = { bubbles: true, composed: true, cancelable: true, dataTransfer };
  card.dispatchEvent(new DragEvent('dragstart', init));
  const column = columnOf(board, stageId);
  const dragover = new DragEvent('dragover', init);
  column.dispatchEvent(dragover);
  column.dispatchEvent(new DragEvent('drop', init));
  card.dispatchEvent(new DragEvent('dragend', init));
  return { dragover };
}

/** Collects the events of a type that reach `target`. */
export function collect<E extends Event>(target: EventTarget, type: string): E[] {
  const events: E[] = [];
  target.addEventListener(type, (event) => events.push(event as E));
  return events;
}

/** A promise with its resolve and reject at hand. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/**
 * Money as Intl formats it for `locale` (two-decimal currencies): the expected text, computed apart from the board.
 * A whole amount shows whole units (`CN¥1,000`), any other its exact minor units (`CN¥250.50`).
 */
export const intlMoney = (amountMinor: number, currency: string, locale = 'en-US'): string =>
  new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    ...(amountMinor % 100 === 0 ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
  }).format(amountMinor / 100);

/** Money in the compact notation of the column headers (`CN¥1.3K`, `¥1.3万`). */
export const intlCompactMoney = (amountMinor: number, currency: string, locale = 'en-US'): string =>
  new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(amountMinor / 100);

/** A CRM seeded with the hand-made fixture and a board over it, its cards drawn: the usual set-up of a test. */
export async function mountSeededBoard(): Promise<{ crm: Crm; fixture: Fixture; board: CrmPipelineBoard }> {
  const crm = await crmOver();
  const fixture = await seedFixture(crm);
  const board = await mountBoard(crm);
  await waitForCards(board);
  return { crm, fixture, board };
}

/** Removes every mounted board and lets the CRM's background work finish. */
export async function unmountBoards(crm: Crm): Promise<void> {
  document.body.replaceChildren();
  await crm.dispose();
}
