import { css } from 'lit';

export const customer360Styles = css`
  :host {
    --_crm-c360-column-width: var(--crm-customer-360-column-width, 20rem);
    --_crm-c360-timeline-max-height: var(--crm-customer-360-timeline-max-height, none);
  }
  .state {
    padding: var(--_crm-space-4);
    color: var(--_crm-color-text-muted);
  }
  .state p {
    margin: 0 0 var(--_crm-space-2);
  }
  .card {
    display: grid;
    gap: var(--_crm-space-3);
  }
  .header {
    display: grid;
    gap: var(--_crm-space-1);
  }
  .name {
    font-size: 1.375em;
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .badges {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_crm-space-1);
    margin: 0;
  }
  .badge {
    display: inline-block;
    padding: 0 var(--_crm-space-2);
    border: 1px solid var(--_crm-color-border);
    border-radius: 999px;
    font-size: 0.8125em;
    line-height: 1.6;
    color: var(--_crm-color-text);
    background: var(--_crm-color-surface);
    white-space: nowrap;
  }
  .badge.stage {
    border-color: var(--_crm-color-accent);
    color: var(--_crm-color-accent);
  }
  .badge.success {
    border-color: var(--_crm-color-success);
    color: var(--_crm-color-success);
  }
  .badge.danger {
    border-color: var(--_crm-color-danger);
    color: var(--_crm-color-danger);
  }
  .note {
    margin: 0;
    font-size: 0.875em;
    color: var(--_crm-color-text-muted);
  }
  .sections {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, var(--_crm-c360-column-width)), 1fr));
    gap: var(--_crm-space-3);
    align-items: start;
  }
  .section {
    min-width: 0;
    padding: var(--_crm-space-3);
    border: 1px solid var(--_crm-color-border);
    border-radius: var(--_crm-radius);
    background: var(--_crm-color-surface);
  }
  .section-heading {
    margin: 0 0 var(--_crm-space-2);
    font-size: 1em;
    font-weight: 600;
  }
  .sub-heading {
    margin: var(--_crm-space-3) 0 var(--_crm-space-1);
    font-size: 0.875em;
    font-weight: 600;
    color: var(--_crm-color-text-muted);
  }
  .group:first-of-type .sub-heading {
    margin-top: 0;
  }
  .facts {
    display: grid;
    gap: var(--_crm-space-2);
    margin: 0;
  }
  .fact {
    display: grid;
    grid-template-columns: minmax(6rem, 1fr) 2fr;
    gap: var(--_crm-space-2);
  }
  .fact dt {
    color: var(--_crm-color-text-muted);
    font-size: 0.875em;
  }
  .fact dd {
    margin: 0;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .value-item {
    display: block;
    /* Only a part wider than the line is cut; e-mails wrap at their <wbr>s (before @ and dots) first. */
    overflow-wrap: break-word;
  }
  .contact-points .value-item {
    display: inline;
    margin-inline-end: var(--_crm-space-2);
  }
  .number {
    font-variant-numeric: tabular-nums;
  }
  .items {
    display: grid;
    gap: var(--_crm-space-2);
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .item {
    padding-block-end: var(--_crm-space-2);
    border-block-end: 1px solid var(--_crm-color-border);
    overflow-wrap: anywhere;
  }
  .item:last-child {
    border-block-end: none;
    padding-block-end: 0;
  }
  .item-title {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    align-items: baseline;
    gap: var(--_crm-space-2);
    font-weight: 500;
  }
  .muted {
    color: var(--_crm-color-text-muted);
    font-size: 0.875em;
  }
  .danger {
    color: var(--_crm-color-danger);
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_crm-space-1);
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .chip {
    padding: 0 var(--_crm-space-2);
    border-radius: 999px;
    background: color-mix(in srgb, var(--_crm-color-accent) 12%, var(--_crm-color-surface));
    font-size: 0.8125em;
    line-height: 1.8;
    overflow-wrap: anywhere;
  }
  .empty {
    margin: 0;
    color: var(--_crm-color-text-muted);
    font-size: 0.875em;
  }
  .timeline-scroll {
    max-height: var(--_crm-c360-timeline-max-height);
    overflow: auto;
  }
  .activity-subject {
    margin-top: var(--_crm-space-1);
  }
  .activity-body {
    margin: var(--_crm-space-1) 0 0;
    white-space: pre-line;
    font-size: 0.875em;
    display: -webkit-box;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 4;
    line-clamp: 4;
    overflow: hidden;
  }
  .sentinel {
    height: 1px;
  }
  .task-row {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    align-items: center;
    gap: var(--_crm-space-2);
    margin-top: var(--_crm-space-1);
    font-size: 0.875em;
  }
  .task.busy .item-title span:first-child {
    text-decoration: line-through;
    color: var(--_crm-color-text-muted);
  }
  .action {
    font: inherit;
    padding: var(--_crm-space-1) var(--_crm-space-3);
    border: 1px solid var(--_crm-color-accent);
    border-radius: var(--_crm-radius);
    background: var(--_crm-color-surface);
    color: var(--_crm-color-accent);
    cursor: pointer;
  }
  .action[aria-disabled='true'] {
    cursor: progress;
    border-color: var(--_crm-color-border);
    color: var(--_crm-color-text-muted);
  }
  .load-more {
    margin-top: var(--_crm-space-2);
    width: 100%;
  }
  a {
    color: var(--_crm-color-accent);
  }
  a:focus-visible,
  .action:focus-visible,
  .timeline-scroll:focus-visible,
  .section-heading:focus-visible {
    outline: 2px solid var(--_crm-color-accent);
    outline-offset: 1px;
  }
  .section-heading:focus:not(:focus-visible) {
    outline: none;
  }
  .failure {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_crm-space-2);
    margin: var(--_crm-space-2) 0 0;
    padding: var(--_crm-space-2) var(--_crm-space-3);
    border: 1px solid var(--_crm-color-danger);
    border-radius: var(--_crm-radius);
    color: var(--_crm-color-danger);
  }
`;
