/**
 * The lead form's template as render functions: the form (summary, fields, duplicate warning, consent, submit,
 * status and failure), a text field (label, hint, input, error) and the consent box.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { FormPhase } from '../internal/form-controller.js';
import { CONSENT, autocompleteOf, controlId, type LeadFormField, type LeadFormIssue } from './fields.js';
import { leadFormMessages as m } from './messages.js';

/** What a field's rendering reads of the form. */
export interface FieldContext {
  readonly disabled: boolean;
  readonly submitting: boolean;
  readonly isRequired: (field: string) => boolean;
  /** The problem shown beside a field, if any. */
  readonly shown: (field: string) => LeadFormIssue | undefined;
  readonly label: (field: string) => string;
  readonly problem: (issue: LeadFormIssue) => string;
  /** The hint under a field's label, if any. */
  readonly hint: (field: string) => string | undefined;
  /** Whether the duplicate warning names the field. */
  readonly warned: (field: string) => boolean;
  readonly input: (field: string, value: string) => void;
  readonly left: (field: string) => void;
}

export function renderField(field: LeadFormField, value: string, context: FieldContext): TemplateResult {
  const id = controlId(field);
  const required = context.isRequired(field);
  const issue = context.shown(field);
  const hint = context.hint(field);
  const describedBy = [hint ? `${id}-hint` : '', issue ? `${id}-error` : '', context.warned(field) ? 'duplicate' : '']
    .filter(Boolean)
    .join(' ');
  const onInput = (event: Event) => context.input(field, (event.target as HTMLInputElement).value);
  const onBlur = () => context.left(field);
  const control =
    field === 'message'
      ? html`<textarea
          part="input"
          id=${id}
          name=${field}
          rows="4"
          .value=${live(value)}
          ?required=${required}
          ?disabled=${context.disabled}
          ?readonly=${context.submitting}
          aria-invalid=${issue ? 'true' : 'false'}
          aria-describedby=${describedBy || nothing}
          @input=${onInput}
          @blur=${onBlur}
        ></textarea>`
      : html`<input
          part="input"
          id=${id}
          name=${field}
          type=${field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text'}
          autocomplete=${autocompleteOf(field)}
          .value=${live(value)}
          ?required=${required}
          ?disabled=${context.disabled}
          ?readonly=${context.submitting}
          aria-invalid=${issue ? 'true' : 'false'}
          aria-describedby=${describedBy || nothing}
          @input=${onInput}
          @blur=${onBlur}
        />`;
  return html`<div part="field" class="field ${issue ? 'invalid' : ''}" data-field=${field}>
    <label part="label" for=${id}
      >${context.label(field)}${required ? html`<span class="required" aria-hidden="true"> *</span>` : nothing}</label
    >
    ${hint ? html`<p part="hint" class="hint" id="${id}-hint">${hint}</p>` : nothing} ${control}
    ${issue ? html`<p part="error" class="error" id="${id}-error">${context.problem(issue)}</p>` : nothing}
  </div>`;
}

/** What the consent box shows and does. */
export interface ConsentOptions {
  readonly wording: string;
  readonly checked: boolean;
  readonly required: boolean;
  readonly change: (event: Event) => void;
}

export function renderConsent(options: ConsentOptions, context: FieldContext): TemplateResult {
  const id = controlId(CONSENT);
  const issue = context.shown(CONSENT);
  return html`<div part="field consent" class="field consent ${issue ? 'invalid' : ''}" data-field=${CONSENT}>
    <input
      part="checkbox"
      type="checkbox"
      id=${id}
      name=${CONSENT}
      .checked=${live(options.checked)}
      ?required=${options.required}
      ?disabled=${context.disabled}
      aria-invalid=${issue ? 'true' : 'false'}
      aria-describedby=${issue ? `${id}-error` : nothing}
      @change=${options.change}
    />
    <label part="label" for=${id}
      ><slot name="consent">${options.wording}</slot>${
        options.required ? html`<span class="required" aria-hidden="true"> *</span>` : nothing
      }</label
    >
    ${issue ? html`<p part="error" class="error" id="${id}-error">${context.problem(issue)}</p>` : nothing}
  </div>`;
}

/** Everything the form shows, as the element has it now. */
export interface LeadFormView {
  readonly label: string | undefined;
  readonly phase: FormPhase;
  /** Why the last submit failed, in words. */
  readonly failure: string | undefined;
  readonly summary: TemplateResult | typeof nothing;
  /** Some field is required: the note explaining the asterisk shows. */
  readonly requiredNote: boolean;
  /** The fields shown and what each holds. */
  readonly fields: readonly (readonly [LeadFormField, string])[];
  readonly context: FieldContext;
  /** The duplicate warning, in words. */
  readonly warning: string | undefined;
  readonly consent: ConsentOptions | undefined;
  /** The submit button's text; none is rendered without one. */
  readonly submitLabel: string | undefined;
  readonly successMessage: string;
  readonly onSubmit: (event: SubmitEvent) => void;
  readonly onKeyDown: (event: KeyboardEvent) => void;
  readonly onPointerDown: () => void;
}

export function renderLeadForm(view: LeadFormView): TemplateResult {
  const { phase, context } = view;
  const submitting = phase === FormPhase.SUBMITTING;
  return html`<form
    part="form"
    class="form"
    novalidate
    aria-label=${view.label || nothing}
    aria-busy=${submitting ? 'true' : 'false'}
    @submit=${view.onSubmit}
    @keydown=${view.onKeyDown}
    @pointerdown=${view.onPointerDown}
  >
    ${view.summary} ${view.requiredNote ? html`<p class="note">${m.requiredNote()}</p>` : nothing}
    ${view.fields.map(([field, value]) => renderField(field, value, context))}
    <div part="warning" class="warning ${view.warning ? 'shown' : ''}" id="duplicate" role="status">
      ${view.warning ? html`<p>${view.warning}</p>` : nothing}
    </div>
    ${view.consent ? renderConsent(view.consent, context) : nothing}
    ${
      view.submitLabel === undefined
        ? nothing
        : html`<div class="actions">
            <button
              part="submit"
              class="submit"
              type="submit"
              ?disabled=${context.disabled}
              aria-disabled=${submitting ? 'true' : 'false'}
            >
              ${view.submitLabel}
            </button>
          </div>`
    }
    <div part="status" class="status ${phase === FormPhase.SUCCESS ? 'success' : ''}" role="status">
      ${submitting ? m.submitting() : phase === FormPhase.SUCCESS ? view.successMessage : nothing}
    </div>
    <div part="message" class="failure ${view.failure ? 'shown' : ''}" role="alert">
      ${view.failure ? html`<p>${view.failure}</p>` : nothing}
    </div>
  </form>`;
}
