import { css } from 'lit';

export const leadFormStyles = css`
  :host {
    --_crm-lead-form-max-width: var(--crm-lead-form-max-width, 40rem);
    --_crm-lead-form-padding: var(--crm-lead-form-padding, var(--_crm-space-4));
  }
  .form {
    display: grid;
    gap: var(--_crm-space-3);
    max-width: var(--_crm-lead-form-max-width);
    padding: var(--_crm-lead-form-padding);
    background: var(--_crm-color-surface);
    border-radius: var(--_crm-radius);
  }
  .required {
    color: var(--_crm-color-danger);
  }
  input:not([type='checkbox']),
  textarea {
    font: inherit;
    color: inherit;
    background: var(--_crm-color-surface);
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    padding: var(--_crm-space-2);
    min-width: 0;
  }
  textarea {
    resize: vertical;
  }
  input[readonly],
  textarea[readonly] {
    opacity: 0.8;
  }
  .field.invalid input,
  .field.invalid textarea {
    border-color: var(--_crm-color-danger);
    border-width: 2px;
  }
  .error {
    color: var(--_crm-color-danger);
    font-size: 0.875em;
    font-weight: 600;
  }
  .consent {
    grid-template-columns: auto 1fr;
    align-items: start;
    column-gap: var(--_crm-space-2);
  }
  .consent label {
    font-weight: normal;
  }
  .consent input {
    margin: 0.2em 0 0;
    inline-size: 1.1em;
    block-size: 1.1em;
    accent-color: var(--_crm-color-accent);
  }
  .consent .error {
    grid-column: 1 / -1;
  }
  .warning:empty,
  .status:empty,
  .failure:empty {
    display: none;
  }
  .warning.shown {
    border-inline-start: 4px solid var(--_crm-color-accent);
    background: color-mix(in srgb, var(--_crm-color-accent) 8%, var(--_crm-color-surface));
    padding: var(--_crm-space-2) var(--_crm-space-3);
  }
  .failure.shown {
    border-inline-start: 4px solid var(--_crm-color-danger);
    padding: var(--_crm-space-2) var(--_crm-space-3);
    color: var(--_crm-color-danger);
    font-weight: 600;
  }
  .actions {
    display: flex;
    gap: var(--_crm-space-2);
  }
  .submit {
    font: inherit;
    font-weight: 600;
    color: var(--_crm-color-surface);
    background: var(--_crm-color-accent);
    border: 1px solid var(--_crm-color-accent);
    border-radius: var(--_crm-radius);
    padding: var(--_crm-space-2) var(--_crm-space-4);
    cursor: pointer;
  }
  .submit:disabled {
    opacity: 0.7;
    cursor: not-allowed;
  }
  input:focus-visible,
  textarea:focus-visible,
  .submit:focus-visible,
  .summary-link:focus-visible,
  .summary:focus-visible {
    outline: 2px solid var(--_crm-color-accent);
    outline-offset: 2px;
  }
`;
