/**
 * The reference of the board benchmark: the least a Lit pipeline board can be. One column per stage, each a
 * `virtualize` scroller rendering the same cards as `<crm-pipeline-board>` (`renderDealCard`, `dealCardStyles`, the
 * same `buildBoard` grouping, the same key function and the same design tokens), and nothing else: no header totals,
 * no filter bar, no tab stop or keyboard handling, no dialogs, no live region, no context.
 *
 * The cards' scrollers are made exactly as tall as the board's (`--bench-cards-height`, measured by the page), so both
 * contenders keep the same number of cards in the DOM.
 */
import { LitElement, css, html, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { flow } from '@lit-labs/virtualizer/layouts/flow.js';
import {
  buildBoard,
  dealCardStyles,
  renderDealCard,
  tokenStyles,
  type BoardCard,
  type BoardColumn,
  type BoardDeal,
  type BoardPipeline,
} from '@crmkit/elements';

export const BARE_BOARD_TAG = 'bench-bare-board';

export class BenchBareBoard extends LitElement {
  static override styles = [
    tokenStyles,
    dealCardStyles,
    css`
      :host {
        display: block;
        font-family: var(--_crm-font-family);
        font-size: var(--_crm-font-size);
        color: var(--_crm-color-text);
      }
      .columns {
        display: flex;
        gap: var(--_crm-space-3);
        overflow-x: auto;
      }
      .column {
        flex: 0 0 272px;
        display: flex;
        flex-direction: column;
        border: 1px solid var(--_crm-color-border);
        border-radius: var(--_crm-radius);
      }
      .stage-name {
        padding: var(--_crm-space-2) var(--_crm-space-3);
        font-weight: 600;
      }
      .cards {
        height: var(--bench-cards-height, 480px);
        box-sizing: border-box;
        overflow: auto;
        padding: var(--_crm-space-2);
      }
      .cards > .card {
        margin-block-end: var(--_crm-space-2);
      }
    `,
  ];

  @property({ attribute: false }) pipeline?: BoardPipeline;
  @property({ attribute: false }) deals?: readonly BoardDeal[];
  @property({ attribute: false }) customerNames?: Readonly<Record<string, string>>;
  @property({ attribute: false }) ownerNames?: Readonly<Record<string, string>>;
  @property({ attribute: false }) now?: Date;
  @property() locale = 'en';

  private columns: BoardColumn[] = [];

  /** The columns as shown now (the same shape as the board's `shownColumns`). */
  get shownColumns(): readonly BoardColumn[] {
    return this.columns;
  }

  protected override willUpdate(): void {
    this.columns =
      this.pipeline && this.deals
        ? buildBoard({
            pipeline: this.pipeline,
            deals: this.deals,
            customerNames: this.customerNames ?? {},
            ownerNames: this.ownerNames ?? {},
            now: (this.now ?? new Date()).getTime(),
            locale: this.locale,
            // The same reuse of unchanged cards and columns the board gets.
            previous: this.columns,
          })
        : [];
  }

  override render(): TemplateResult {
    const locale = this.locale;
    return html`<div class="columns">
      ${this.columns.map(
        (column) =>
          html`<div class="column">
            <div class="stage-name">${column.stage.name.en}</div>
            <div class="cards" role="list">
              ${virtualize({
                items: column.cards as BoardCard[],
                keyFunction: (card) => card.deal.id,
                renderItem: (card) => renderDealCard(card, { locale, tabStop: false }),
                scroller: true,
                // Named like the board's, so neither waits for the lazily imported default layout.
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
