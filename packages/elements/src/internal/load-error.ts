import { html, nothing, type TemplateResult } from 'lit';
import { CrmErrorCode } from '@crmkit/core';
import { crmMessages } from './messages.js';

export interface LoadErrorOptions {
  /** What to say when the record shown is not found; no retry is offered then. */
  readonly notFound: () => string;
  /** Reads again. */
  readonly retry: () => void;
  /** The box is the element's whole surface: `part="base" class="state"`. */
  readonly base?: boolean;
  readonly buttonPart?: string;
  readonly buttonClass: string;
}

/** What an element shows when its live query failed: that the record is gone, or that loading failed, with a retry. */
export function renderLoadError(error: unknown, options: LoadErrorOptions): TemplateResult {
  const notFound = (error as { code?: string } | undefined)?.code === CrmErrorCode.notFound;
  return html`<div part=${options.base ? 'base' : nothing} class=${options.base ? 'state' : nothing} role="alert">
    <p>${notFound ? options.notFound() : crmMessages.loadFailed()}</p>
    ${
      notFound
        ? nothing
        : html`<button
            type="button"
            part=${options.buttonPart ?? nothing}
            class=${options.buttonClass}
            @click=${() => options.retry()}
          >
            ${crmMessages.retry()}
          </button>`
    }
  </div>`;
}
