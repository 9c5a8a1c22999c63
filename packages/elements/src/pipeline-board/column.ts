/**
 * One stage column of the board as a render function: its heading (a disclosure button for won and lost stages),
 * count and totals, and its virtualised list of deal cards.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { FlowLayout } from '@lit-labs/virtualizer/layouts/flow.js';
import type { ExchangeRateTable, Money } from '@crmkit/core';
import { formatCount, formatDay, formatTotal } from '../internal/format.js';
import { stageName, type BoardColumn } from './board-model.js';
import { renderDealCard } from './deal-card.js';
import { boardMessages } from './messages.js';

/**
 * The virtualizer's flow layout, starting from a card's usual height (one line each for title and customer in body
 * text of 16px at line height 1.5, plus its margin) instead of the virtualizer's 100px. A column's first frame places
 * its cards at estimated positions before it has measured them; from 100px every card below the first then jumped
 * down by half its height and more, which the host page counts as layout shift (the demo portal's CLS: 0.09 → 0.01).
 */
class CardFlowLayout extends FlowLayout {
  constructor(...args: ConstructorParameters<typeof FlowLayout>) {
    super(...args);
    this._itemSize = { width: 256, height: 158 };
  }
}

/** What every column of one render shares. */
export interface ColumnContext {
  readonly locale: string;
  readonly messagesLocale: string;
  readonly timeZone: string | undefined;
  /** The card holding the board's tab stop. */
  readonly tabStop: string | undefined;
  readonly headingLevel: number;
  /** The currency totals are shown in, and the rates converting others into it. */
  readonly currency: string;
  readonly rates: ExchangeRateTable | undefined;
  readonly isCollapsed: (stage: BoardColumn['stage']) => boolean;
  /** The stage a dragged card is over. */
  readonly dropStageId: string | undefined;
  readonly toggle: (stageId: string) => void;
  readonly onDragOver: (event: DragEvent) => void;
  readonly onDragLeave: (event: DragEvent) => void;
  readonly onDrop: (event: DragEvent) => void;
}

/**
 * One total per figure: amounts in other currencies converted at the dated rates (marked ≈, the rates' day in its
 * title), a currency without a rate listed after it. Column totals run to millions: compact notation (¥1.2M, ¥120万)
 * keeps the header to a line per figure.
 */
function money(amounts: readonly Money[], context: ColumnContext): TemplateResult | string {
  const { locale } = context;
  const total = formatTotal(amounts, locale, context.currency, context.rates, { compact: true });
  return total.ratesAsOf === undefined
    ? total.text
    : html`<span title=${boardMessages.convertedAt(formatDay(total.ratesAsOf, locale))}
        >≈ ${total.text}<span class="visually-hidden"
          >, ${boardMessages.convertedAt(formatDay(total.ratesAsOf, locale))}</span
        ></span
      >`;
}

export function renderColumn(column: BoardColumn, index: number, context: ColumnContext): TemplateResult {
  const { locale, tabStop, timeZone } = context;
  const name = stageName(column.stage.name, context.messagesLocale);
  const count = formatCount(column.cards.length, locale);
  const headingId = `stage-${index}`;
  const closed = column.stage.kind !== 'open';
  const collapsed = context.isCollapsed(column.stage);
  return html`<div
    part=${collapsed ? 'column column-collapsed' : 'column'}
    class="column ${collapsed ? 'collapsed' : ''} ${context.dropStageId === column.stage.id ? 'drop-target' : ''}"
    role="group"
    aria-labelledby=${headingId}
    data-stage-id=${column.stage.id}
    @dragover=${context.onDragOver}
    @dragleave=${context.onDragLeave}
    @drop=${context.onDrop}
  >
    <div part="column-header" class="column-header">
      <div class="heading-row">
        <span role="heading" aria-level=${context.headingLevel} id=${headingId} class="heading">
          ${
            // Won and lost columns open and close from their heading (a disclosure button); the same template in
            // both states, so the button keeps focus when pressed.
            closed
              ? html`<button
                  type="button"
                  part="stage-toggle"
                  class="stage-toggle"
                  aria-expanded=${collapsed ? 'false' : 'true'}
                  data-toggle-stage=${column.stage.id}
                  @click=${() => context.toggle(column.stage.id)}
                >
                  <span class="chevron" aria-hidden="true"></span><span class="stage-name">${name}</span>
                </button>`
              : html`<span class="stage-name">${name}</span>`
          }
        </span>
        ${
          // Expanded, the list's label carries the count; collapsed, there is no list and the count is read here.
          collapsed ? nothing : html`<span class="count" aria-hidden="true">${count}</span>`
        }
      </div>
      ${
        collapsed
          ? html`<p class="count collapsed-count">${boardMessages.dealCount(column.cards.length, count)}</p>
              <dl class="amounts">
                <div>
                  <dt>${boardMessages.total()}</dt>
                  <dd>${money(column.totals, context)}</dd>
                </div>
              </dl>`
          : html`<dl class="amounts">
              <div>
                <dt>${boardMessages.total()}</dt>
                <dd>${money(column.totals, context)}</dd>
              </div>
              <div>
                <dt>${boardMessages.weighted()}</dt>
                <dd>${money(column.weighted, context)}</dd>
              </div>
            </dl>`
      }
    </div>
    ${
      collapsed
        ? nothing
        : html`${column.cards.length === 0 ? html`<p class="empty">${boardMessages.emptyColumn()}</p>` : nothing}
            <div class="cards" role="list" aria-label=${boardMessages.columnLabel(name, column.cards.length, count)}>
              ${virtualize({
                items: column.cards as BoardColumn['cards'][number][],
                // `virtualize` takes the new items at once but hands them to its virtualizer only after an await,
                // so a range computed for the old, longer list can still be rendered against the new one (a column
                // that just shrank: a rolled-back move, a filter, a deal moved elsewhere), asking for items past
                // its end. Those render nothing until the virtualizer's next range; without the guard the column's
                // update throws.
                keyFunction: (card, index) => card?.deal.id ?? `missing-${index}`,
                renderItem: (card) =>
                  card
                    ? renderDealCard(card, {
                        locale,
                        tabStop: card.deal.id === tabStop,
                        ...(timeZone ? { timeZone } : {}),
                      })
                    : html``,
                scroller: true,
                // Named, not left to the default: the default layout is fetched with a dynamic import on first
                // render.
                layout: { type: CardFlowLayout },
              })}
            </div>`
    }
  </div>`;
}
