import { css } from 'lit';

/**
 * The styles of the board's dialogs, after the board's own (`boardStyles`): adopted into the board's shadow root by
 * `MoveDialogsController` with the dialogs' content, the first time a dialog opens. Buttons share `.action` and the
 * focus ring with the board.
 */
export const dialogStyles = css`
  dialog {
    max-width: min(28rem, 90vw);
    padding: var(--_crm-space-4);
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    background: var(--_crm-color-surface);
    color: var(--_crm-color-text);
    font-family: var(--_crm-font-family);
  }
  .dialog-title {
    margin: 0 0 var(--_crm-space-3);
    font-size: 1.125em;
  }
  .stage-list {
    display: grid;
    gap: var(--_crm-space-1);
    margin: 0 0 var(--_crm-space-3);
    padding: 0;
    list-style: none;
  }
  .stage-choice {
    width: 100%;
    text-align: start;
  }
  .stage-choice[disabled] {
    cursor: default;
    color: var(--_crm-color-text-muted);
  }
  form {
    display: grid;
    gap: var(--_crm-space-3);
  }
  form p {
    margin: 0;
  }
  .dialog-error,
  .condition {
    color: var(--_crm-color-danger);
  }
  .dialog-actions {
    display: flex;
    gap: var(--_crm-space-2);
  }
`;
