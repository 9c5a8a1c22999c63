/** The conversion form's template as render functions: the form, a field (label, control, hint, error), its controls. */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { CustomFieldDefinition, LocalizedText } from '@crmkit/core';
import { formatDay, formatMoneyCached } from '../internal/format.js';
import type { LeadConvertData } from './load.js';
import { leadConvertMessages as m } from './messages.js';
import type { ConvertValidation, LeadConvertIssue } from './validate.js';

/** The id of a field's control inside the shadow root. */
export const controlId = (field: string): string => `c-${field.replace('.', '-')}`;

/** What the form's rendering reads of the element. */
export interface ConvertView {
  readonly data: LeadConvertData;
  readonly validation: ConvertValidation;
  readonly locale: string;
  readonly submitting: boolean;
  readonly label: string;
  readonly summary: TemplateResult | typeof nothing;
  /** Why the last conversion failed, in words. */
  readonly failure: string | undefined;
  /** The currencies offered besides the one chosen. */
  readonly currencies: readonly string[];
  /** What a field holds: the entry, else its default. */
  readonly value: (field: string) => string;
  /** The owner preselected when none is chosen, and the line saying whose the deal will be. */
  readonly defaultOwner: string;
  readonly ownerLine: (ownerId: string) => string;
  readonly shown: (field: string) => LeadConvertIssue | undefined;
  readonly labelOf: (field: string) => string;
  readonly problem: (issue: LeadConvertIssue) => string;
  readonly localized: (text: LocalizedText | string) => string;
  readonly definitionOf: (field: string) => CustomFieldDefinition | undefined;
  readonly input: (field: string, value: string) => void;
  readonly left: (field: string) => void;
  readonly onSubmit: (event: SubmitEvent) => void;
}

export function renderConvertForm(view: ConvertView): TemplateResult {
  const { data, validation, locale, value } = view;
  const currency = value('currency');
  const currencies = [...new Set([currency, ...view.currencies])].filter(Boolean);
  const closeDate = value('expectedCloseDate');
  const nextStage = data.pipeline.stages.find((stage) => stage.id === validation.nextGateStage);
  const input = (field: string, type: string, extra?: InputExtra) =>
    renderInput(view, field, type, value(field), extra);
  return html`<form
    part="form"
    class="form"
    novalidate
    aria-label=${view.label}
    aria-busy=${view.submitting ? 'true' : 'false'}
    @submit=${view.onSubmit}
  >
    ${view.summary}
    <p class="note">${m.requiredNote()}</p>
    ${nextStage ? html`<p class="note">${m.nextGateNote(view.localized(nextStage.name))}</p>` : nothing}
    ${renderField(view, 'title', input('title', 'text'))}
    <div class="money">
      ${renderField(
        view,
        'amount',
        input('amount', 'number', { min: '0', step: 'any', inputmode: 'decimal' }),
        validation.amountMinor === undefined
          ? undefined
          : m.amountHint(formatMoneyCached({ amountMinor: validation.amountMinor, currency }, locale)),
      )}
      ${renderField(
        view,
        'currency',
        renderSelect(
          view,
          'currency',
          currency,
          currencies.map((code) => [code, currencyName(code, locale)]),
        ),
      )}
    </div>
    ${renderField(
      view,
      'expectedCloseDate',
      input('expectedCloseDate', 'date'),
      closeDate ? m.closeDateHint(formatDay(closeDate, locale)) : undefined,
    )}
    ${renderField(
      view,
      'stageId',
      renderSelect(
        view,
        'stageId',
        value('stageId'),
        data.pipeline.stages
          .filter((stage) => stage.kind === 'open')
          .map((stage) => [stage.id, view.localized(stage.name)]),
      ),
    )}
    ${renderOwner(view, value('ownerId'))}
    ${validation.extra.map((field) => renderField(view, field, renderExtra(view, field, value(field))))}
    <button part="submit" class="submit" type="submit" aria-disabled=${view.submitting ? 'true' : 'false'}>
      ${m.submit()}
    </button>
    <div part="message" class="failure" role="alert">${view.failure ? html`<p>${view.failure}</p>` : nothing}</div>
  </form>`;
}

/** A control for `source` or a custom field of deals, by the field's type (text for types it cannot enter). */
function renderExtra(view: ConvertView, field: string, value: string): TemplateResult {
  const definition = view.definitionOf(field);
  switch (definition?.type) {
    case 'select':
      return renderSelect(view, field, value, [
        ['', ''],
        ...(definition.options ?? []).map((option) => [option.value, view.localized(option.label)] as const),
      ]);
    case 'number':
      return renderInput(view, field, 'number', value, { step: 'any', inputmode: 'decimal' });
    case 'date':
      return renderInput(view, field, 'date', value);
    default:
      return renderInput(view, field, 'text', value);
  }
}

function renderOwner(view: ConvertView, ownerId: string): TemplateResult {
  const { data, locale } = view;
  const keep = new Set([ownerId, view.defaultOwner]);
  // Active users who can own records; the preselected owner even when inactive, so it is what the select shows.
  const users = data.users
    .filter((user) => keep.has(user.id) || (user.active !== false && user.role !== 'viewer'))
    .sort((a, b) => a.name.localeCompare(b.name, locale));
  const options: [string, string][] = users.map((user) => [user.id, user.name]);
  if (ownerId && !users.some((user) => user.id === ownerId)) options.unshift([ownerId, ownerId]);
  return renderField(view, 'ownerId', renderSelect(view, 'ownerId', ownerId, options), view.ownerLine(ownerId));
}

interface InputExtra {
  readonly min?: string;
  readonly step?: string;
  readonly inputmode?: string;
}

function isRequired(view: ConvertView, field: string): boolean {
  return field === 'title' || view.validation.required.has(field);
}

function renderInput(
  view: ConvertView,
  field: string,
  type: string,
  value: string,
  extra: InputExtra = {},
): TemplateResult {
  return html`<input
    part="input"
    id=${controlId(field)}
    name=${field}
    type=${type}
    autocomplete="off"
    min=${extra.min ?? nothing}
    step=${extra.step ?? nothing}
    inputmode=${extra.inputmode ?? nothing}
    .value=${live(value)}
    ?required=${isRequired(view, field)}
    ?readonly=${view.submitting}
    aria-invalid=${view.shown(field) ? 'true' : 'false'}
    aria-describedby=${describedBy(view, field)}
    @input=${(event: Event) => view.input(field, (event.target as HTMLInputElement).value)}
    @blur=${() => view.left(field)}
  />`;
}

function renderSelect(
  view: ConvertView,
  field: string,
  value: string,
  options: readonly (readonly [string, string])[],
): TemplateResult {
  return html`<select
    part="select"
    id=${controlId(field)}
    name=${field}
    ?disabled=${view.submitting}
    aria-invalid=${view.shown(field) ? 'true' : 'false'}
    aria-describedby=${describedBy(view, field)}
    @change=${(event: Event) => view.input(field, (event.target as HTMLSelectElement).value)}
  >
    ${options.map(([id, label]) => html`<option value=${id} .selected=${id === value}>${label}</option>`)}
  </select>`;
}

/** The hint and error ids of a field; a field always has a hint element, empty when there is nothing to say. */
function describedBy(view: ConvertView, field: string): string {
  const id = controlId(field);
  return view.shown(field) ? `${id}-hint ${id}-error` : `${id}-hint`;
}

function renderField(view: ConvertView, field: string, control: TemplateResult, hint?: string): TemplateResult {
  const id = controlId(field);
  const issue = view.shown(field);
  return html`<div part="field" class="field" data-field=${field}>
    <label part="label" for=${id}
      >${view.labelOf(field)}${
        isRequired(view, field) ? html`<span class="required" aria-hidden="true"> *</span>` : nothing
      }</label
    >
    ${control}
    <p part=${field === 'ownerId' ? 'hint owner-hint' : 'hint'} class="hint" id="${id}-hint">${hint ?? ''}</p>
    ${issue ? html`<p part="error" class="error" id="${id}-error">${view.problem(issue)}</p>` : nothing}
  </div>`;
}

/** `CNY · Chinese Yuan` in the locale, or the bare code where `Intl` cannot name it. */
function currencyName(code: string, locale: string): string {
  try {
    const name = new Intl.DisplayNames([locale], { type: 'currency' }).of(code);
    return name && name !== code ? `${code} · ${name}` : code;
  } catch {
    return code;
  }
}
