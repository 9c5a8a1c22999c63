import { css } from 'lit';

/** `.visually-hidden`: text only screen readers get. Also part of the card styles hosts may use on their own. */
export const visuallyHiddenStyles = css`
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;

/**
 * What every crmkit element's shadow root shares after `tokenStyles`: a block host in the theme's font and text
 * colour that honours `hidden`, and `.visually-hidden` for text only screen readers get (live regions, labels that
 * repeat what is seen).
 */
export const componentStyles = css`
  :host {
    display: block;
    font-family: var(--_crm-font-family);
    font-size: var(--_crm-font-size);
    color: var(--_crm-color-text);
  }
  :host([hidden]) {
    display: none;
  }
  ${visuallyHiddenStyles}
`;
