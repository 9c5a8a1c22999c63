import { css } from 'lit';

export const leadConvertStyles = css`
  :host {
    --_crm-lead-convert-max-width: var(--crm-lead-convert-max-width, 40rem);
    --_crm-lead-convert-padding: var(--crm-lead-convert-padding, var(--_crm-space-4));
  }
  .form,
  .state {
    display: grid;
    gap: var(--_crm-space-3);
    max-width: var(--_crm-lead-convert-max-width);
    padding: var(--_crm-lead-convert-padding);
    background: var(--_crm-color-surface);
    border-radius: var(--_crm-radius);
  }
  .money {
    display: grid;
    grid-template-columns: minmax(0, 2fr) minmax(0, 1fr);
    gap: var(--_crm-space-2);
  }
  .required,
  .error {
    color: var(--_crm-color-danger);
  }
  input,
  select {
    font: inherit;
    color: inherit;
    background: var(--_crm-color-surface);
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    padding: var(--_crm-space-2);
    min-width: 0;
  }
  [aria-invalid='true'] {
    border: 2px solid var(--_crm-color-danger);
  }
  .error {
    font-size: 0.875em;
    font-weight: 600;
  }
  .status:empty,
  .failure:empty {
    display: none;
  }
  .failure {
    border-inline-start: 4px solid var(--_crm-color-danger);
    padding: var(--_crm-space-2) var(--_crm-space-3);
    color: var(--_crm-color-danger);
    font-weight: 600;
  }
  .submit,
  .retry {
    justify-self: start;
    font: inherit;
    font-weight: 600;
    color: var(--_crm-color-surface);
    background: var(--_crm-color-accent);
    border: 1px solid var(--_crm-color-accent);
    border-radius: var(--_crm-radius);
    padding: var(--_crm-space-2) var(--_crm-space-4);
    cursor: pointer;
  }
  :focus-visible {
    outline: 2px solid var(--_crm-color-accent);
    outline-offset: 2px;
  }
`;
