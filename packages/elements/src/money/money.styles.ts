import { css } from 'lit';

export const moneyStyles = css`
  :host {
    display: inline;
    font-variant-numeric: tabular-nums;
  }
  :host([hidden]) {
    display: none;
  }
  [part~='negative'] {
    color: var(--crm-money-negative-color, var(--_crm-color-danger));
  }
`;
