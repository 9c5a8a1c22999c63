import { css } from 'lit';

export const providerStyles = css`
  :host {
    /* Lays out and paints nothing: the page's background and text colour stay the page's. */
    display: contents;
  }
  :host([hidden]) {
    display: none;
  }
`;
