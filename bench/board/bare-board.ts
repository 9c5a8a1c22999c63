/**
 * The reference of the board benchmark: the least a Lit pipeline board can be, written by hand as a host would write
 * it, with none of crmkit's board code. One column per stage with its name, each a `virtualize` scroller of cards,
 * and nothing else: no header totals, no filter bar, no tab stop or keyboard handling, no dialogs, no live region, no
 * context, no localisation (English only).
 *
 * Its cards show what `<crm-pipeline-board>`'s cards show (title, customer, amount, owner, days in stage or the day a
 * closed deal closed, the rotting mark and the move button), laid out with the same box model so that they are as
 * tall as the board's; the page checks that the first card of every column reads the same in both. Everything about
 * them is its own: grouping deals by stage, the money and date formatting, the template and the styles.
 *
 * Written the fastest correct way a host would write it: the columns hold the deal objects themselves, a card's texts
 * are computed only when the virtualizer renders it (the cards in view), and a column whose deals are all the same
 * objects as before keeps its array, so after a move only the two columns it touches give their virtualizer new
 * items (a host replaces the object of a deal that changes).
 *
 * The cards' scrollers are made exactly as tall as the board's (`--bench-cards-height`, measured by the page), so both
 * contenders keep the same number of cards in the DOM.
 */
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { flow } from '@lit-labs/virtualizer/layouts/flow.js';
import type { BoardDeal, BoardPipeline } from '@crmkit/elements';

export const BARE_BOARD_TAG = 'bench-bare-board';

const DAY = 86_400_000;

type BareStage = BoardPipeline['stages'][number];

/** One stage column: the deals in it, in the order given. */
export interface BareColumn {
  readonly stage: BareStage;
  readonly deals: readonly BoardDeal[];
}

/**
 * Renders cards for one set of properties (a new one when anything but `deals` changes). A card's texts are computed
 * when the virtualizer renders it, so only the cards in view cost anything; the formatters are made once.
 */
class Cards {
  private readonly stages: Map<string, BareStage>;
  private readonly money = new Map<string, { whole: Intl.NumberFormat; exact: Intl.NumberFormat; scale: number }>();
  private readonly day: Intl.DateTimeFormat;

  constructor(
    pipeline: BoardPipeline,
    private readonly customerNames: Readonly<Record<string, string>>,
    private readonly ownerNames: Readonly<Record<string, string>>,
    private readonly now: number,
    private readonly locale: string,
  ) {
    this.stages = new Map(pipeline.stages.map((stage) => [stage.id, stage]));
    this.day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  }

  /** The deals grouped by stage, in stage order and as given within a stage; unchanged columns keep their array. */
  columns(pipeline: BoardPipeline, deals: readonly BoardDeal[], previous: readonly BareColumn[]): BareColumn[] {
    const byStage = new Map<string, BoardDeal[]>(pipeline.stages.map((stage) => [stage.id, []]));
    for (let i = 0; i < deals.length; i++) {
      const deal = deals[i]!;
      byStage.get(deal.stageId)?.push(deal);
    }
    return pipeline.stages.map((stage, index) => {
      const inStage = byStage.get(stage.id)!;
      const before = previous[index];
      const same =
        before !== undefined &&
        before.stage === stage &&
        before.deals.length === inStage.length &&
        before.deals.every((deal, at) => deal === inStage[at]);
      return same ? before : { stage, deals: inStage };
    });
  }

  /** Money in the locale: whole units when the amount has no minor part, as the board shows it. */
  private amount(amountMinor: number, currency: string): string {
    let format = this.money.get(currency);
    if (!format) {
      const exact = new Intl.NumberFormat(this.locale, { style: 'currency', currency });
      const whole = new Intl.NumberFormat(this.locale, {
        style: 'currency',
        currency,
        minimumFractionDigits: 0,
        maximumFractionDigits: 0,
      });
      format = { whole, exact, scale: 10 ** (exact.resolvedOptions().maximumFractionDigits ?? 2) };
      this.money.set(currency, format);
    }
    return (amountMinor % format.scale === 0 ? format.whole : format.exact).format(amountMinor / format.scale);
  }

  render(deal: BoardDeal): TemplateResult {
    const stage = this.stages.get(deal.stageId)!;
    const customer = this.customerNames[deal.customerId] ?? '';
    const owner = deal.ownerId === undefined ? '' : (this.ownerNames[deal.ownerId] ?? '');
    const entered = Date.parse(deal.stageEnteredAt ?? deal.updatedAt ?? deal.createdAt ?? '');
    const idle = Number.isNaN(entered) ? 0 : Math.max(0, this.now - entered) / DAY;
    let stageTime = `${Math.floor(idle)} d in stage`;
    if (stage.kind !== 'open') {
      const closedAt = Date.parse(deal.closedAt ?? deal.stageEnteredAt ?? '');
      stageTime = Number.isNaN(closedAt) ? '' : `${stage.kind === 'won' ? 'Won' : 'Lost'} ${this.day.format(closedAt)}`;
    }
    const rotting =
      stage.kind === 'open' &&
      stage.rottingDays !== undefined &&
      (deal.status ?? 'open') === 'open' &&
      idle > stage.rottingDays;
    return html`<div class="card ${rotting ? 'rotting' : ''}" role="listitem" data-deal-id=${deal.id}>
      <span class="title">${deal.title}</span>
      ${customer ? html`<span class="customer">${customer}</span>` : nothing}
      <span class="row">
        <span class="amount">${this.amount(deal.amount.amountMinor, deal.amount.currency)}</span>
        ${owner ? html`<span class="owner">${owner}</span>` : nothing}
      </span>
      <span class="row muted">
        ${stageTime ? html`<span>${stageTime}</span>` : nothing}
        ${rotting ? html`<span class="rot">Rotting</span>` : nothing}
      </span>
      <button type="button" class="move">
        ${stage.kind === 'open' ? 'Move to…' : 'Reopen…'}<span class="visually-hidden">: ${deal.title}</span>
      </button>
    </div>`;
  }
}

export class BenchBareBoard extends LitElement {
  // The board's look in its default (light) theme, written out: the same spacing, borders and type, so cards are as
  // tall as the board's.
  static override styles = css`
    :host {
      display: block;
      font-family: inherit;
      font-size: inherit;
      color: #1f2328;
    }
    .columns {
      display: flex;
      gap: 12px;
      overflow-x: auto;
    }
    .column {
      flex: 0 0 272px;
      display: flex;
      flex-direction: column;
      border: 1px solid #d1d9e0;
      border-radius: 6px;
    }
    .stage-name {
      padding: 8px 12px;
      font-weight: 600;
    }
    .cards {
      height: var(--bench-cards-height, 480px);
      box-sizing: border-box;
      overflow: auto;
      padding: 8px;
    }
    .cards > .card {
      margin-block-end: 8px;
    }
    .card {
      display: grid;
      gap: 4px;
      box-sizing: border-box;
      width: 100%;
      padding: 8px 12px;
      border: 1px solid #d1d9e0;
      border-radius: 6px;
      background: #ffffff;
      contain: content;
    }
    .card.rotting {
      border-inline-start: 4px solid #b42318;
    }
    .title {
      font-weight: 600;
      overflow-wrap: anywhere;
    }
    .customer,
    .owner,
    .muted {
      color: #59636e;
      overflow-wrap: anywhere;
    }
    .row {
      display: flex;
      justify-content: space-between;
      gap: 8px;
      font-size: 0.875em;
    }
    .amount {
      font-variant-numeric: tabular-nums;
      color: #1f2328;
    }
    .rot {
      color: #b42318;
      font-weight: 600;
    }
    .move {
      justify-self: start;
      font: inherit;
      font-size: 0.8125em;
      padding: 2px 8px;
      border: 1px solid #d1d9e0;
      border-radius: 6px;
      background: transparent;
      color: #0969da;
    }
    .visually-hidden {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
  `;

  @property({ attribute: false }) pipeline?: BoardPipeline;
  @property({ attribute: false }) deals?: readonly BoardDeal[];
  @property({ attribute: false }) customerNames?: Readonly<Record<string, string>>;
  @property({ attribute: false }) ownerNames?: Readonly<Record<string, string>>;
  @property({ attribute: false }) now?: Date;
  @property() locale = 'en';

  private columns: BareColumn[] = [];
  private cards?: Cards;

  /** The columns as shown now (the shape of the board's `shownColumns` the page reads). */
  get shownColumns(): readonly BareColumn[] {
    return this.columns;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    const { pipeline, deals } = this;
    if (!pipeline || !deals) {
      this.columns = [];
      return;
    }
    if (!this.cards || [...changed.keys()].some((key) => key !== 'deals')) {
      this.cards = new Cards(
        pipeline,
        this.customerNames ?? {},
        this.ownerNames ?? {},
        (this.now ?? new Date()).getTime(),
        this.locale,
      );
      this.columns = [];
    }
    this.columns = this.cards.columns(pipeline, deals, this.columns);
  }

  override render(): TemplateResult {
    const cards = this.cards;
    return html`<div class="columns">
      ${this.columns.map(
        (column) =>
          html`<div class="column">
            <div class="stage-name">${column.stage.name.en}</div>
            <div class="cards" role="list">
              ${virtualize({
                items: column.deals as BoardDeal[],
                keyFunction: (deal) => deal.id,
                renderItem: (deal) => cards!.render(deal),
                scroller: true,
                // Named, so it does not wait for the lazily imported default layout.
                layout: flow(),
              })}
            </div>
          </div>`,
      )}
    </div>`;
  }
}

if (!customElements.get(BARE_BOARD_TAG)) customElements.define(BARE_BOARD_TAG, BenchBareBoard);

declare global {
  interface HTMLElementTagNameMap {
    [BARE_BOARD_TAG]: BenchBareBoard;
  }
}
