/** The board's filter bar as a render function: owner, source, free text, and how many deals are shown. */
import { html, type TemplateResult } from 'lit';
import { formatCount } from '../internal/format.js';
import type { BoardFilters, filterOptions } from './board-model.js';
import { boardMessages } from './messages.js';

export interface FiltersOptions {
  readonly filters: BoardFilters;
  /** The owners and sources the menus offer. */
  readonly choices: ReturnType<typeof filterOptions>;
  readonly sourceLabel: (source: string) => string;
  /** How many cards are shown after filtering. */
  readonly shown: number;
  readonly locale: string;
  /** Applies a change of the filters. */
  readonly set: (patch: Partial<BoardFilters>) => void;
}

export function renderFilters(options: FiltersOptions): TemplateResult {
  const { filters, choices, set, shown } = options;
  const valueOf = (event: Event) => (event.target as HTMLSelectElement | HTMLInputElement).value;
  return html`<div part="filters" class="filters" role="search" aria-label=${boardMessages.filters()}>
    <label>
      <span>${boardMessages.owner()}</span>
      <select
        name="owner"
        .value=${filters.ownerId ?? ''}
        @change=${(event: Event) => set({ ownerId: valueOf(event) })}
      >
        <option value="">${boardMessages.anyOwner()}</option>
        ${choices.owners.map(
          (owner) => html`<option value=${owner.id} ?selected=${owner.id === filters.ownerId}>${owner.name}</option>`,
        )}
      </select>
    </label>
    <label>
      <span>${boardMessages.source()}</span>
      <select name="source" .value=${filters.source ?? ''} @change=${(event: Event) => set({ source: valueOf(event) })}>
        <option value="">${boardMessages.anySource()}</option>
        ${choices.sources.map(
          (source) =>
            html`<option value=${source} ?selected=${source === filters.source}>
              ${options.sourceLabel(source)}
            </option>`,
        )}
      </select>
    </label>
    <label class="search">
      <span>${boardMessages.search()}</span>
      <input
        type="search"
        name="text"
        .value=${filters.text ?? ''}
        @input=${(event: Event) => set({ text: valueOf(event) })}
      />
    </label>
    <span class="summary">${boardMessages.dealCount(shown, formatCount(shown, options.locale))}</span>
  </div>`;
}
