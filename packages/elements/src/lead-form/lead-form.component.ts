import type { TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ContextConsumer } from '@lit/context';
import {
  CUSTOM_FIELDS_COLLECTION,
  CrmErrorCode,
  type Crm,
  type CustomFieldDefinition,
  type LeadCaptureInput,
} from '@crmkit/core';
import { crmContext } from '../internal/context.js';
import { CrmQueryController } from '../internal/crm-query-controller.js';
import { FormAssociatedElement, FormAssociationController } from '../internal/form-association-controller.js';
import { FormController, FormPhase, errorCode, renderSummary } from '../internal/form-controller.js';
import { formatCount } from '../internal/format.js';
import { elementLocale } from '../internal/locale.js';
import { resolveCrmLocale, updateOnCrmLocaleChange } from '../internal/localize.js';
import { componentStyles } from '../internal/component.styles.js';
import { formStyles } from '../internal/form.styles.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import { DuplicateCheckController, duplicateQuery } from './duplicate-check.js';
import {
  CrmLeadCaptureFailedEvent,
  CrmLeadCapturedEvent,
  CrmLeadSubmitEvent,
  type CrmLeadCaptureFailedDetail,
  type CrmLeadSubmission,
} from './events.js';
import {
  CONSENT,
  CUSTOM_PREFIX,
  DEFAULT_FIELDS,
  DEFAULT_REQUIRED,
  controlId,
  leadFieldDefinitions,
  listConverter,
  resolveFields,
  restoredEntries,
  serverIssuesOf,
  type LeadFormField,
  type LeadFormIssue,
} from './fields.js';
import { leadFormStyles } from './lead-form.styles.js';
import { leadFormMessages as m } from './messages.js';
import { PhoneCheckController } from './phone-check.js';
import { PressHold } from './press-hold.js';
import { renderLeadForm } from './render.js';
import { consentText, duplicateText, failureText, labelOf, problemText } from './text.js';
import { EMPTY_VALIDATION, formValidity, validateLead, type LeadValidation } from './validate.js';

export { leadFormFields, type LeadFormBuiltInField, type LeadFormField, type LeadFormIssue } from './fields.js';

/** Where the form is: editing, waiting for the CRM (or the host), done, or refused. */
export const LeadFormPhase = FormPhase;
export type LeadFormPhase = FormPhase;

/**
 * **Fields**: `fields` picks and orders them from `name`, `company`, `email`, `phone`, `industry`, `message` and text
 * custom fields of leads (`customFields.<key>`, labelled from their definition or `fieldLabels`). `name` is always
 * shown and required, as core requires it; `required-fields` makes others required. The message is stored as an
 * inbound note activity on the captured lead, in the same transaction (`capture`'s `note` option). A job title is not
 * a lead field: define a lead custom field (say `jobTitle`) and list `customFields.jobTitle`.
 *
 * **Validation** runs core's lead input schema (with the CRM's custom field definitions) and core's phone
 * normalisation (libphonenumber-js with its full metadata, so a number must be one its country really uses): a number
 * without `+` is read in `default-country`; without one, only international numbers are accepted. The phone rules
 * (about 40 kB gzip) load on demand when a phone number is first typed; until they have, the number is not judged,
 * `updateComplete` waits for them, a submit waits for them (and is sent once), and the element is invalid to a host
 * form ("Checking the phone number…"). Problems show beside each field (`aria-invalid`, `aria-describedby`) once it
 * has been left or the form submitted; a failed submit shows a summary of every problem, as buttons that focus the
 * field, and moves focus to it. Messages are crmkit's own, in English and Simplified Chinese, never zod's text.
 *
 * **Duplicates**: with a CRM, ~300 ms after the visitor stops typing a valid email, phone number, or name and company,
 * the form asks `crm.leads.findDuplicates` and shows a polite live warning ("A lead with this email address already
 * exists."). A newer lookup supersedes an older one, whose answer is dropped. The warning says which of the typed
 * details matched and what kind of record holds it — nothing the visitor did not type. The matched record's name is
 * shown only with `reveal-duplicate-names`, meant for forms used by staff. On a public form, where even "this email
 * is known" says too much, set `duplicate-check="off"`.
 *
 * **Consent**: with `consent-purpose` (a purpose code such as `marketing_email`) the form shows a checkbox with the
 * purpose's wording (or `consent-label`, or the `consent` slot); `consent-required` makes ticking it necessary. A
 * ticked box is sent as `{ purpose, legalBasis: 'consent', textVersion }` in `capture`'s `consent` option.
 *
 * **Submit**: through `crm.leads.capture(lead, { source, campaign, consent })`. Success fires `crm-lead-captured` (ids
 * only), announces itself and clears the form (unless `keep-values`); a failure fires `crm-lead-capture-failed` (the
 * error code only), says what went wrong and keeps everything typed. **Presentational** (no CRM, or
 * `presentational`): a valid submit fires the cancelable `crm-lead-submit` with the data, for the host to store.
 *
 * **In a host `<form>`** it is a form-associated custom element: its value under `name` is the submission as JSON —
 * `{"lead":{…},"options":{…},"message":"…"}`, exactly what `crm.leads.capture(lead, options)` takes, phone in E.164
 * — and empty while nothing is typed or after a reset. It reports validity to the form (so the host form will not
 * submit while it is invalid), resets with it, and follows a disabled `<fieldset>`. `hide-submit` leaves submitting
 * to the host's button. The id of the last lead it captured is `leadId`.
 *
 * @tag crm-lead-form
 * @summary A lead capture form (线索采集表单) that validates with crmkit's own schemas, warns about duplicates while the
 * visitor types, records consent, and stores the lead through `crm.leads.capture` — or hands it to the host.
 *
 * @slot consent - The consent wording, when it needs markup (a link to the privacy policy); replaces `consent-label`.
 *
 * @event crm-lead-captured - `CrmLeadCapturedEvent`: the lead was stored; `detail` has `leadId`, `duplicates` (a
 * count), `consentIds` and `activityId` — ids only.
 * @event crm-lead-capture-failed - `CrmLeadCaptureFailedEvent`: capture failed; `detail.code` is the error code.
 * @event crm-lead-submit - `CrmLeadSubmitEvent` (cancelable, presentational use only): a valid form was submitted;
 * `detail` is the submission, and `respondWith(promise)` lets the host report how storing it went.
 * @event crm-error - `CrmErrorEvent`: a duplicate lookup (`duplicate-check`), loading custom field definitions
 * (`query`) failed.
 *
 * @csspart form - The `<form>` inside the element.
 * @csspart summary - The error summary shown after a failed submit.
 * @csspart field - A field's wrapper (label, input, hint, error); the consent's also has `consent`.
 * @csspart label - A field's label.
 * @csspart input - A text input or the message's textarea.
 * @csspart checkbox - The consent checkbox.
 * @csspart hint - A field's hint (the phone's, without `default-country`).
 * @csspart error - A field's error message.
 * @csspart warning - The duplicate warning.
 * @csspart submit - The submit button.
 * @csspart status - The "Sending…" and success message.
 * @csspart message - The failure message.
 *
 * @cssproperty --crm-lead-form-max-width - The form's greatest width. Default 40rem.
 * @cssproperty --crm-lead-form-padding - Space inside the form's surface. Default 16px.
 * @cssproperty --crm-color-accent - Focus rings and the submit button.
 * @cssproperty --crm-color-danger - Error messages and the summary's border.
 * @cssproperty --crm-color-success - The success message.
 */
export class CrmLeadForm extends FormAssociatedElement {
  /** @internal */
  static override styles = [tokenStyles, componentStyles, formStyles, leadFormStyles];

  /** The name of the element's entry in the host form's data. */
  @property({ reflect: true }) name?: string;

  /** Disables every control; a disabled element is left out of its form's data and validation. */
  @property({ type: Boolean, reflect: true }) disabled = false;

  /** The fields to show, in order: a comma-separated list attribute, or an array. */
  @property({ converter: listConverter }) fields: readonly string[] = DEFAULT_FIELDS;

  /** The fields that must be filled in (`name` always must). Default `name,email`. */
  @property({ attribute: 'required-fields', converter: listConverter }) requiredFields: readonly string[] =
    DEFAULT_REQUIRED;

  /** The channel captured leads come from, e.g. `web`, `trade_show`. */
  @property() source = 'web';

  /** The campaign captured leads belong to. */
  @property() campaign?: string;

  /** ISO 3166-1 alpha-2 country a phone number without `+` is read in, e.g. `CN`; unset, `+` is needed. */
  @property({ attribute: 'default-country' }) defaultCountry?: string;

  /** The processing purpose of the consent checkbox (`marketing_email`, `sms`, … or the host's own); unset, none. */
  @property({ attribute: 'consent-purpose' }) consentPurpose?: string;

  /** The consent wording; unset, a wording for the purpose in the current language. The `consent` slot wins. */
  @property({ attribute: 'consent-label' }) consentLabel?: string;

  /** The version of the consent wording, stored with the consent. */
  @property({ attribute: 'consent-version' }) consentVersion?: string;

  /** The consent box must be ticked to submit. */
  @property({ type: Boolean, attribute: 'consent-required' }) consentRequired = false;

  /** `warn` (default) looks for duplicates while typing; `off` never does (public forms: see above). */
  @property({ attribute: 'duplicate-check' }) duplicateCheck: 'warn' | 'off' = 'warn';

  /** The duplicate warning names the matched record. Only for forms used by staff. */
  @property({ type: Boolean, attribute: 'reveal-duplicate-names' }) revealDuplicateNames = false;

  /** Milliseconds of quiet typing before a duplicate lookup. */
  @property({ type: Number, attribute: 'duplicate-delay' }) duplicateDelay = 300;

  /** Keep what was typed after a successful submit instead of clearing the form. */
  @property({ type: Boolean, attribute: 'keep-values' }) keepValues = false;

  /** Renders no submit button: the host submits (its own `<form>`, or `submit()`). */
  @property({ type: Boolean, attribute: 'hide-submit' }) hideSubmit = false;

  /** The submit button's text; unset, "Send" in the current language. */
  @property({ attribute: 'submit-label' }) submitLabel?: string;

  /**
   * What the form says once a lead is stored; unset, a visitor's "Thank you. Your details have been sent." in the
   * current language. Staff forms say something like "Lead saved.".
   */
  @property({ attribute: 'success-message' }) successMessage?: string;

  /** An accessible name for the form (it then is a form landmark). */
  @property() label?: string;

  /** Never use a CRM, even one a provider offers: submitting fires `crm-lead-submit` for the host. */
  @property({ type: Boolean }) presentational = false;

  /** The CRM to use instead of the provider's; a property only. */
  @property({ attribute: false }) crm?: Crm;

  /** Labels by field (`email`, `customFields.jobTitle`, …) replacing the built-in ones. */
  @property({ attribute: false }) fieldLabels: Readonly<Record<string, string>> = {};

  /** What is typed, by field. A host may set it to pre-fill the form. */
  @property({ attribute: false }) values: Readonly<Record<string, string>> = {};

  /** Whether the consent box is ticked. */
  @property({ type: Boolean, attribute: false }) consentGiven = false;

  /** BCP 47 locale for numbers in messages; unset, the provider's, then the nearest `lang`. */
  @property() locale?: string;

  /** `light` or `dark` forces a colour scheme; unset, the page's applies. */
  @property({ reflect: true }) theme?: 'light' | 'dark';

  /** Heading level of the error summary's title, to fit the host page's outline. */
  @property({ type: Number, attribute: 'heading-level' }) headingLevel = 2;

  /** The id of the last lead this form captured. */
  @state() leadId?: string;

  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });
  private validation: LeadValidation = EMPTY_VALIDATION;
  private readonly phone = new PhoneCheckController(this);
  private readonly press = new PressHold(this, (fields) => this.formControl.touch(...fields));

  /** @internal */
  readonly definitions = new CrmQueryController<readonly CustomFieldDefinition[]>(this, {
    collections: [CUSTOM_FIELDS_COLLECTION],
    query: (crm) => leadFieldDefinitions(crm),
    crm: () => this.crm,
    enabled: () => !this.presentational && this.shownFields.some((field) => field.startsWith(CUSTOM_PREFIX)),
  });

  private readonly formControl = new FormController<LeadFormIssue, CrmLeadCaptureFailedDetail['code']>(this, {
    issues: () => this.validation.issues,
    controlId,
    submit: () => this.submit(),
    held: (field) => this.press.hold(field),
  });

  protected readonly formAssociation = new FormAssociationController(this, this.formControl, {
    value: () => ({
      value: this.value || null,
      state: JSON.stringify({ values: this.values, consentGiven: this.consentGiven }),
    }),
    validity: () => formValidity(this.validation, (field, issue) => this.summaryItem(field, issue)),
    restore: (state) => ({ values: this.values, consentGiven: this.consentGiven } = restoredEntries(state)),
    reset: () => this.reset(),
    enterSubmits: () => this.hideSubmit,
  });

  private readonly duplicates = new DuplicateCheckController(this, {
    crm: () => (this.duplicateCheck === 'off' ? undefined : this.activeCrm),
    query: () => duplicateQuery(this.validation, this.shownFields, this.formControl.serverIssues),
    delay: () => this.duplicateDelay,
    revealNames: () => this.revealDuplicateNames,
  });

  constructor() {
    super();
    updateOnCrmLocaleChange(this);
  }

  // ——— public API ———

  /** The element's value in its form's data: the submission as JSON, or `''` while nothing is typed. */
  get value(): string {
    return this.validation.empty ? '' : JSON.stringify(this.validation.submission);
  }

  /** The fields shown, as resolved from `fields`. */
  get shownFields(): readonly LeadFormField[] {
    return resolveFields(this.fields);
  }

  /** Problems by field as they stand now (shown or not), `consent` for the consent box. */
  get issues(): ReadonlyMap<string, LeadFormIssue> {
    return this.validation.issues;
  }

  /** Clears what was typed, the problems, the warning and any message; the form's own reset. */
  reset(): void {
    this.clearEntries();
    this.formControl.set({ phase: FormPhase.IDLE, failure: undefined });
  }

  /**
   * Submits as the submit button does: validates (showing the summary and focusing it when something is wrong), then
   * captures through the CRM or fires `crm-lead-submit`. One at a time: a submit while one waits (for the phone rules,
   * the CRM or the host) joins it. Resolves once it has settled either way.
   */
  submit(): Promise<void> {
    return this.formControl.submit(() => this.runSubmit());
  }

  /** Resolves once any duplicate lookup and submission in progress have settled and the form has rendered. */
  async settled(): Promise<void> {
    await this.updateComplete;
    await Promise.all([this.duplicates.settled(), this.formControl.settled(), this.definitions.settled()]);
    await this.updateComplete;
  }

  // ——— lifecycle ———

  /** The CRM submissions and lookups go to, or `undefined` in presentational use. */
  private get activeCrm(): Crm | undefined {
    return this.presentational ? undefined : (this.crm ?? this.context.value?.crm);
  }

  private get resolvedLocale(): string {
    return elementLocale(this, this.context.value?.locale);
  }

  private get isDisabled(): boolean {
    return this.disabled || this.formAssociation.formDisabled;
  }

  /** Complete once rendered with the phone number checked: the phone rules load on demand, the first time. */
  protected override getUpdateComplete(): Promise<boolean> {
    return this.phone.updateComplete(() => super.getUpdateComplete());
  }

  protected override willUpdate(): void {
    this.validation = validateLead({
      fields: this.shownFields,
      values: this.values,
      isRequired: (field) => this.isRequired(field),
      definitions: this.definitions.value,
      country: this.countryForPhone,
      phoneCheckFailedFor: this.phone.failedFor,
      consent: {
        purpose: this.consentPurpose,
        given: this.consentGiven,
        required: this.consentRequired,
        version: this.consentVersion,
      },
      source: this.source,
      campaign: this.campaign,
      serverIssues: this.formControl.serverIssues,
    });
    if (this.validation.phoneToCheck !== undefined) this.phone.check(this.validation.phoneToCheck);
    this.duplicates.schedule();
  }

  private isRequired(field: string): boolean {
    if (field === 'name' || this.requiredFields.includes(field)) return true;
    if (!field.startsWith(CUSTOM_PREFIX)) return false;
    const key = field.slice(CUSTOM_PREFIX.length);
    return this.definitions.value?.some((definition) => definition.key === key && definition.required) ?? false;
  }

  /** `default-country` when it is an ISO 3166-1 alpha-2 code. */
  private get countryForPhone(): string | undefined {
    const country = this.defaultCountry?.trim().toUpperCase();
    return country && /^[A-Z]{2}$/.test(country) ? country : undefined;
  }

  // ——— submitting ———

  private async runSubmit(): Promise<void> {
    if (this.isDisabled) return;
    if (!(await this.formControl.begin())) return;
    const submission = this.validation.submission;
    const crm = this.activeCrm;
    if (!crm) {
      await this.handOver(submission);
      return;
    }
    const capture = async () => {
      // The message is stored as the lead's inbound note by capture itself, in the lead's own transaction.
      const result = await crm.leads.capture(submission.lead as LeadCaptureInput, {
        ...submission.options,
        ...(submission.message === undefined ? {} : { note: submission.message }),
      });
      const activityId = result.noteId;
      this.leadId = result.lead.id;
      this.dispatchEvent(
        new CrmLeadCapturedEvent({
          leadId: result.lead.id,
          duplicates: result.duplicates.length,
          consentIds: result.consentIds,
          ...(activityId === undefined ? {} : { activityId }),
        }),
      );
      this.succeed();
    };
    await this.formControl.send(
      capture,
      (error) => this.refusal(error),
      (code) => this.dispatchEvent(new CrmLeadCaptureFailedEvent({ code })),
    );
  }

  /** Presentational use: the host stores the lead. */
  private async handOver(submission: CrmLeadSubmission): Promise<void> {
    const event = new CrmLeadSubmitEvent(submission);
    if (!this.dispatchEvent(event)) return;
    const response = event.response;
    if (response) {
      this.formControl.set({ phase: FormPhase.SUBMITTING });
      try {
        await response;
      } catch (error) {
        const { failure, issues } = this.refusal(error);
        this.formControl.set({ phase: FormPhase.FAILURE, failure, serverIssues: issues });
        return;
      }
    }
    this.succeed();
  }

  private succeed(): void {
    if (!this.keepValues) this.clearEntries();
    this.formControl.set({ phase: FormPhase.SUCCESS });
  }

  /** Why storing the lead failed: the error's code, and the fields a `ValidationError` names. */
  private refusal(error: unknown): { failure: CrmLeadCaptureFailedDetail['code']; issues: Map<string, LeadFormIssue> } {
    const failure = errorCode(error);
    const issues = failure === CrmErrorCode.validation ? serverIssuesOf(error, this.shownFields) : new Map();
    return { failure, issues };
  }

  private clearEntries(): void {
    this.values = {};
    this.consentGiven = false;
    this.formControl.clear();
    this.duplicates.clear();
  }

  private onInput(field: string, value: string): void {
    this.values = { ...this.values, [field]: value };
    this.formControl.edited(field);
  }

  private onConsentChange = (event: Event): void => {
    this.consentGiven = (event.target as HTMLInputElement).checked;
    this.formControl.touch(CONSENT);
    this.formControl.edited(CONSENT);
  };

  private labelOf(field: string): string {
    return labelOf(field, this.fieldLabels, this.definitions.value, resolveCrmLocale(this.resolvedLocale));
  }

  private problemText(issue: LeadFormIssue | undefined): string {
    return issue ? problemText(issue, this.countryForPhone, this.resolvedLocale) : m.phoneChecking();
  }

  /** "Field: problem"; without an issue, that the phone number is being checked. */
  private summaryItem(field: string, issue: LeadFormIssue | undefined): string {
    return m.summaryItem(this.labelOf(field), this.problemText(issue));
  }

  // ——— rendering ———

  override render(): TemplateResult {
    const { phase, failure } = this.formControl;
    const issues = [...this.validation.issues];
    const warning = this.duplicates.warning;
    const purpose = this.consentPurpose?.trim();
    return renderLeadForm({
      label: this.label,
      phase,
      failure: failure && failureText(failure),
      summary: renderSummary(this.formControl, {
        title: issues.length === 1 ? m.summaryOne() : m.summaryMany(formatCount(issues.length, this.resolvedLocale)),
        headingLevel: this.headingLevel,
        items: issues.map(([field, issue]) => [field, this.summaryItem(field, issue)]),
      }),
      requiredNote: this.shownFields.some((field) => this.isRequired(field)) || this.consentRequired,
      fields: this.shownFields.map((field) => [field, this.values[field] ?? ''] as const),
      context: {
        disabled: this.isDisabled,
        submitting: phase === FormPhase.SUBMITTING,
        isRequired: (field) => this.isRequired(field),
        shown: (field) => this.formControl.shown(field),
        label: (field) => this.labelOf(field),
        problem: (issue) => this.problemText(issue),
        hint: (field) => (field === 'phone' && !this.countryForPhone ? m.phoneHint() : undefined),
        warned: (field) => warning?.fields.includes(field) ?? false,
        input: (field, value) => this.onInput(field, value),
        left: (field) => this.formControl.left(field, this.values[field]),
      },
      warning: warning && duplicateText(warning, this.resolvedLocale),
      consent: purpose
        ? {
            wording: this.consentLabel || consentText(purpose),
            checked: this.consentGiven,
            required: this.consentRequired,
            change: this.onConsentChange,
          }
        : undefined,
      submitLabel: this.hideSubmit ? undefined : this.submitLabel || m.submit(),
      successMessage: this.successMessage || m.success(),
      onSubmit: this.formControl.onSubmit,
      onKeyDown: this.formAssociation.onKeyDown,
      onPointerDown: this.press.onPointerDown,
    });
  }
}
