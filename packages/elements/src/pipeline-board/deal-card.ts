import { css, html, nothing, type TemplateResult } from 'lit';
import { visuallyHiddenStyles } from '../internal/component.styles.js';
import { formatInstant, formatMoneyCached } from '../internal/format.js';
import { boardMessages } from './messages.js';
import type { BoardCard } from './board-model.js';

/** How a card renders: the number/money/date locale, whether it holds the board's one tab stop, the dates' zone. */
export interface DealCardContext {
  readonly locale: string;
  readonly tabStop: boolean;
  /** The IANA time zone a closed card's date is shown in; unset, the browser's. */
  readonly timeZone?: string;
}

/** What a card says about its time in the stage: days in an open stage, the day it closed in a won or lost one. */
function stageTime(card: BoardCard, context: DealCardContext): TemplateResult | typeof nothing {
  if (!card.closed) return html`<span>${boardMessages.daysInStage(card.daysInStage)}</span>`;
  const day = card.closedAt ? formatInstant(card.closedAt, context.locale, context.timeZone, false) : '';
  if (!day) return nothing;
  return html`<span class="closed-on"
    >${card.closed === 'won' ? boardMessages.wonOn(day) : boardMessages.lostOn(day)}</span
  >`;
}

/**
 * One deal card. A template function, not an element: a board shows hundreds of cards and re-renders them on every
 * scroll, and the board listens for clicks, keys and drags once on its columns instead of per card. The same
 * function renders the cards of `bench/board`'s reference board.
 */
export function renderDealCard(card: BoardCard, context: DealCardContext): TemplateResult {
  const { deal } = card;
  const tabIndex = context.tabStop ? 0 : -1;
  return html`<div
    class="card ${card.rotting ? 'rotting' : ''}"
    part=${card.rotting ? 'card card-rotting' : 'card'}
    role="listitem"
    tabindex=${tabIndex}
    draggable="true"
    data-deal-id=${deal.id}
    aria-busy=${card.pending ? 'true' : 'false'}
  >
    <span class="title" part="card-title">${deal.title}</span>
    ${card.customerName ? html`<span class="customer">${card.customerName}</span>` : nothing}
    <span class="row">
      <span class="amount">${formatMoneyCached(deal.amount, context.locale)}</span>
      ${card.ownerName ? html`<span class="owner">${card.ownerName}</span>` : nothing}
    </span>
    <span class="row muted">
      ${stageTime(card, context)}
      ${card.rotting ? html`<span class="rot" part="rotting-mark">${boardMessages.rotting()}</span>` : nothing}
    </span>
    <button
      type="button"
      class="move"
      part="move-button"
      tabindex=${tabIndex}
      data-action="move"
      aria-haspopup="dialog"
    >
      ${
        // A closed deal is moved only to reopen it (or to correct won and lost): the button says so.
        card.closed ? boardMessages.reopen() : boardMessages.moveTo()
      }<span class="visually-hidden">: ${deal.title}</span>
    </button>
  </div>`;
}

/** The card's styles, for any shadow root that renders {@link renderDealCard}. */
export const dealCardStyles = css`
  .card {
    display: grid;
    gap: var(--_crm-space-1);
    box-sizing: border-box;
    width: 100%;
    padding: var(--_crm-space-2) var(--_crm-space-3);
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    background: var(--_crm-color-surface);
    color: var(--_crm-color-text);
    cursor: grab;
    contain: content;
  }
  .card:focus-visible,
  .move:focus-visible {
    outline: 2px solid var(--_crm-color-accent);
    outline-offset: 2px;
  }
  .card[aria-busy='true'] {
    opacity: 0.6;
  }
  .card.rotting {
    border-inline-start: 4px solid var(--_crm-color-danger);
  }
  .title {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .customer,
  .owner,
  .muted {
    color: var(--_crm-color-text-muted);
    overflow-wrap: anywhere;
  }
  .row {
    display: flex;
    justify-content: space-between;
    gap: var(--_crm-space-2);
    font-size: 0.875em;
  }
  .amount {
    font-variant-numeric: tabular-nums;
    color: var(--_crm-color-text);
  }
  .rot {
    color: var(--_crm-color-danger);
    font-weight: 600;
  }
  .move {
    justify-self: start;
    font: inherit;
    font-size: 0.8125em;
    padding: 2px var(--_crm-space-2);
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    background: transparent;
    color: var(--_crm-color-accent);
    cursor: pointer;
  }
  ${visuallyHiddenStyles}
`;
