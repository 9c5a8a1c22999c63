import { css } from 'lit';

// Notes kept out of the CSS text, which ships as written:
// - \`.state\`: loading (and a load failure) takes the loaded board's height, so the host's page does not move when the
//   columns arrive (no layout shift below the board).
// - \`.column.collapsed\`: a collapsed won or lost column shows the stage, its count and total, and is still a place to
//   drop a card.
// - \`.chevron\`: drawn with borders, pointing to the end when collapsed and down when expanded.

export const boardStyles = css`
  :host {
    --_crm-board-height: var(--crm-pipeline-board-height, 640px);
    --_crm-board-column-width: var(--crm-pipeline-board-column-width, 272px);
    --_crm-board-collapsed-width: var(--crm-pipeline-board-collapsed-width, 8rem);
  }
  /*
   * The board paints its own surface: when its theme attribute forces a colour scheme, the page's background may
   * be the other scheme's, and the filter bar's and the state messages' text would sit on it unreadably.
   */
  .board,
  .state {
    background: var(--_crm-color-surface);
  }
  .board {
    display: flex;
    flex-direction: column;
    gap: var(--_crm-space-2);
    height: var(--_crm-board-height);
  }
  .state {
    box-sizing: border-box;
    height: var(--_crm-board-height);
    padding: var(--_crm-space-4);
    color: var(--_crm-color-text-muted);
  }
  .filters {
    display: flex;
    flex-wrap: wrap;
    align-items: end;
    gap: var(--_crm-space-3);
  }
  .filters label,
  .field {
    display: grid;
    gap: var(--_crm-space-1);
    font-size: 0.875em;
  }
  select,
  input {
    font: inherit;
    color: inherit;
    background: var(--_crm-color-surface);
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    padding: var(--_crm-space-1) var(--_crm-space-2);
  }
  select:focus-visible,
  input:focus-visible,
  .action:focus-visible,
  .stage-choice:focus-visible,
  .dismiss:focus-visible {
    outline: 2px solid var(--_crm-color-accent);
    outline-offset: 1px;
  }
  .summary {
    margin-inline-start: auto;
    color: var(--_crm-color-text-muted);
    font-size: 0.875em;
  }
  .columns:focus-visible {
    outline: 2px solid var(--_crm-color-accent);
    outline-offset: -2px;
  }
  .columns {
    flex: 1;
    min-height: 0;
    display: flex;
    gap: var(--_crm-space-3);
    overflow-x: auto;
  }
  .column {
    flex: 0 0 var(--_crm-board-column-width);
    display: flex;
    flex-direction: column;
    min-height: 0;
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    background: color-mix(in srgb, var(--_crm-color-surface) 92%, var(--_crm-color-text));
  }
  .column.collapsed {
    flex-basis: var(--_crm-board-collapsed-width);
  }
  .column.collapsed .column-header {
    border-block-end: 0;
  }
  .column.collapsed .amounts {
    display: grid;
  }
  .column.collapsed .amounts div {
    flex-wrap: wrap;
  }
  .collapsed-count {
    margin: var(--_crm-space-1) 0 0;
    font-size: 0.875em;
  }
  .column.drop-target {
    outline: 2px dashed var(--_crm-color-accent);
    outline-offset: -2px;
  }
  .column-header {
    padding: var(--_crm-space-2) var(--_crm-space-3);
    border-block-end: 1px solid var(--_crm-color-border);
  }
  .heading-row {
    display: flex;
    justify-content: space-between;
    gap: var(--_crm-space-2);
  }
  .heading,
  .stage-name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .stage-toggle {
    display: flex;
    align-items: baseline;
    gap: var(--_crm-space-1);
    margin: 0;
    padding: 0;
    border: 0;
    background: none;
    font: inherit;
    color: inherit;
    text-align: start;
    cursor: pointer;
  }
  .stage-toggle:focus-visible {
    outline: 2px solid var(--_crm-color-accent);
    outline-offset: 2px;
  }
  .chevron {
    flex: none;
    width: 0.4em;
    height: 0.4em;
    border-block-end: 2px solid currentColor;
    border-inline-end: 2px solid currentColor;
    transform: translateY(-0.1em) rotate(45deg);
  }
  .stage-toggle[aria-expanded='false'] .chevron {
    transform: rotate(-45deg);
  }
  :host(:dir(rtl)) .stage-toggle[aria-expanded='false'] .chevron {
    transform: rotate(135deg);
  }
  .count {
    color: var(--_crm-color-text-muted);
    font-variant-numeric: tabular-nums;
  }
  .amounts {
    display: flex;
    flex-wrap: wrap;
    gap: 0 var(--_crm-space-3);
    margin: var(--_crm-space-1) 0 0;
    font-size: 0.8125em;
  }
  .amounts div {
    display: flex;
    gap: var(--_crm-space-1);
  }
  .amounts dt {
    color: var(--_crm-color-text-muted);
  }
  .amounts dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
  .board-empty {
    margin: 0 0 var(--_crm-space-3);
    color: var(--_crm-color-text-muted);
  }
  .empty {
    margin: var(--_crm-space-3);
    color: var(--_crm-color-text-muted);
    font-size: 0.875em;
  }
  .cards {
    flex: 1;
    min-height: 0;
    overflow: auto;
  }
  /* The virtualizer positions cards absolutely, so the gutter is the cards' margin, not the list's padding. */
  .cards > .card {
    width: calc(100% - 2 * var(--_crm-space-2));
    margin: var(--_crm-space-2) var(--_crm-space-2) 0;
  }
  .failure.shown {
    display: flex;
    align-items: center;
    gap: var(--_crm-space-2);
    padding: var(--_crm-space-2) var(--_crm-space-3);
    border: 1px solid var(--_crm-color-danger);
    border-radius: var(--_crm-radius);
    color: var(--_crm-color-danger);
  }
  .action,
  .dismiss,
  .stage-choice {
    font: inherit;
    padding: var(--_crm-space-1) var(--_crm-space-3);
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    background: var(--_crm-color-surface);
    color: var(--_crm-color-text);
    cursor: pointer;
  }
  .action.primary {
    background: var(--_crm-color-accent);
    border-color: var(--_crm-color-accent);
    color: var(--_crm-color-surface);
  }
`;
