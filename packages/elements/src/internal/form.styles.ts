import { css } from 'lit';

/**
 * What every crmkit form draws alike — paragraphs, fields and labels, hints, the error summary the form controller
 * renders after a failed submit, the success status and a submit button waiting for its turn — shared by
 * `<crm-lead-form>` and `<crm-lead-convert>`, which add their own rules after these.
 */
export const formStyles = css`
  p {
    margin: 0;
  }
  .note,
  .hint {
    color: var(--_crm-color-text-muted);
    font-size: 0.875em;
  }
  .field {
    display: grid;
    gap: var(--_crm-space-1);
  }
  label {
    font-weight: 600;
  }
  .summary {
    border: 2px solid var(--_crm-color-danger);
    border-radius: var(--_crm-radius);
    padding: var(--_crm-space-3);
  }
  .summary-title {
    display: block;
    font-weight: 700;
    font-size: 1.125em;
  }
  .summary ul {
    margin: var(--_crm-space-2) 0 0;
    padding-inline-start: var(--_crm-space-4);
  }
  .summary-link {
    font: inherit;
    color: var(--_crm-color-danger);
    background: none;
    border: none;
    padding: 0;
    text-align: start;
    text-decoration: underline;
    cursor: pointer;
  }
  .status.success {
    color: var(--_crm-color-success);
    font-weight: 600;
  }
  .submit[aria-disabled='true'] {
    cursor: progress;
  }
`;
