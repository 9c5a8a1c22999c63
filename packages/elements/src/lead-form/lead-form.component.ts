import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { ContextConsumer } from '@lit/context';
import {
  CUSTOM_FIELDS_COLLECTION,
  CrmErrorCode,
  customFieldKeySchema,
  extendedLeadInputSchema,
  longTextSchema,
  withCustomFields,
  type CaptureOptions,
  type ConsentGrant,
  type Crm,
  type CustomFieldDefinition,
  type DuplicateMatch,
  type DuplicateQuery,
  type LeadCaptureInput,
  type ValidationIssue,
} from '@crmkit/core';
import { crmContext } from '../internal/context.js';
import { CrmQueryController } from '../internal/crm-query-controller.js';
import { CrmErrorEvent } from '../internal/events.js';
import { formatCount } from '../internal/format.js';
import { elementLocale } from '../internal/locale.js';
import { loadNormaliser, loadedPhoneNormaliser } from '../internal/phone.js';
import { resolveCrmLocale, updateOnCrmLocaleChange } from '../internal/localize.js';
import { componentStyles } from '../internal/component.styles.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import {
  CrmLeadCaptureFailedEvent,
  CrmLeadCapturedEvent,
  CrmLeadSubmitEvent,
  type CrmLeadCaptureFailedDetail,
  type CrmLeadSubmission,
} from './events.js';
import { leadFormStyles } from './lead-form.styles.js';
import { leadFormMessages as m } from './messages.js';

/** The lead fields the form can show, besides custom fields (`customFields.<key>`). */
export const leadFormFields = ['name', 'company', 'email', 'phone', 'industry', 'message'] as const;
export type LeadFormBuiltInField = (typeof leadFormFields)[number];
/** A field of the form: a built-in one or a text custom field of leads, `customFields.<key>`. */
export type LeadFormField = LeadFormBuiltInField | `customFields.${string}`;

/** What is wrong with a field, as a kind (the message is chosen at render time, in the current language). */
export interface LeadFormIssue {
  readonly kind: 'required' | 'email' | 'phone' | 'tooLong' | 'invalid' | 'consent';
  /** For `tooLong`: the most characters allowed. */
  readonly max?: number;
}

/** Where the form is: editing, waiting for the CRM (or the host), done, or refused. */
export const LeadFormPhase = {
  IDLE: 'idle',
  SUBMITTING: 'submitting',
  SUCCESS: 'success',
  FAILURE: 'failure',
} as const;
export type LeadFormPhase = (typeof LeadFormPhase)[keyof typeof LeadFormPhase];

/** The duplicate warning shown while typing: kinds and field names of the strongest match, never its values. */
interface DuplicateWarning {
  readonly kind: DuplicateMatch['kind'];
  readonly fields: readonly string[];
  readonly blocked: boolean;
  readonly count: number;
  /** The matched record's name; only with `reveal-duplicate-names`. */
  readonly name?: string;
}

interface Validation {
  /** Problems by field (`consent` for the consent box), in the order the fields are shown. */
  readonly issues: ReadonlyMap<string, LeadFormIssue>;
  readonly submission: CrmLeadSubmission;
  /** True when nothing has been typed or ticked. */
  readonly empty: boolean;
  /** True while the phone number waits for the phone rules, loaded on demand; the form validates again then. */
  readonly phonePending: boolean;
}

const DEFAULT_FIELDS: readonly string[] = ['name', 'company', 'email', 'phone', 'message'];
const DEFAULT_REQUIRED: readonly string[] = ['name', 'email'];
const CUSTOM_PREFIX = 'customFields.';
const CONSENT = 'consent';
const UNKNOWN_CODE = 'CRM_UNKNOWN';

/** A comma- or space-separated list attribute as an array, and back. */
const listConverter = {
  fromAttribute: (value: string | null): string[] =>
    value === null
      ? []
      : value
          .split(/[\s,]+/)
          .map((item) => item.trim())
          .filter(Boolean),
  toAttribute: (value: readonly string[]): string => value.join(','),
};

const isBuiltIn = (field: string): field is LeadFormBuiltInField =>
  (leadFormFields as readonly string[]).includes(field);

/** The fields of a `fields` list the form can show, without repeats, `name` first when it was missing. */
function resolveFields(requested: readonly string[]): LeadFormField[] {
  const fields: LeadFormField[] = [];
  for (const raw of requested) {
    const field = raw.trim();
    const known =
      isBuiltIn(field) ||
      (field.startsWith(CUSTOM_PREFIX) && customFieldKeySchema.safeParse(field.slice(CUSTOM_PREFIX.length)).success);
    if (known && !fields.includes(field as LeadFormField)) fields.push(field as LeadFormField);
  }
  // Core refuses a lead without a name: the form always asks for one.
  if (!fields.includes('name')) fields.unshift('name');
  return fields;
}

/** The id of a field's control inside the shadow root. */
const controlId = (field: string): string => `f-${field.replace('.', '-')}`;

/** The `code` of a crmkit error, or `CRM_UNKNOWN`. */
function errorCode(error: unknown): CrmLeadCaptureFailedDetail['code'] {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(CrmErrorCode) as string[]).includes(code)
    ? (code as CrmErrorCode)
    : UNKNOWN_CODE;
}

/** A zod issue as the form reads it (only the fields it needs). */
interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly maximum?: number | bigint;
  readonly format?: string;
  readonly input?: unknown;
}

/** The kind of problem a zod issue describes. */
function issueKind(issue: SchemaIssue, field: string): LeadFormIssue {
  if (issue.code === 'too_big' && issue.maximum !== undefined) return { kind: 'tooLong', max: Number(issue.maximum) };
  if (issue.code === 'too_small' || (issue.code === 'invalid_type' && issue.input === undefined)) {
    return { kind: 'required' };
  }
  if (field === 'email' && issue.code === 'invalid_format') return { kind: 'email' };
  if (field === 'phone') return { kind: 'phone' };
  return { kind: 'invalid' };
}

/** The form field a path of the lead input names, e.g. `['customFields', 'jobTitle']` → `customFields.jobTitle`. */
function fieldOfPath(path: readonly PropertyKey[]): string | undefined {
  const [first, second] = path;
  if (first === 'customFields' && typeof second === 'string') return `${CUSTOM_PREFIX}${second}`;
  return typeof first === 'string' ? first : undefined;
}

/** Reads every page of the lead custom field definitions. */
async function leadFieldDefinitions(crm: Crm): Promise<readonly CustomFieldDefinition[]> {
  const definitions: CustomFieldDefinition[] = [];
  let after: string | undefined;
  do {
    const page = await crm.customFields.list({
      where: { field: 'entity', op: 'eq', value: 'lead' },
      ...(after ? { after } : {}),
    });
    definitions.push(...page.records);
    after = page.next;
  } while (after);
  return definitions;
}

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
export class CrmLeadForm extends LitElement {
  /** The element takes part in a host `<form>`: value, validity, reset and disabled state. */
  static readonly formAssociated = true;

  /** @internal */
  static override styles = [tokenStyles, componentStyles, leadFormStyles];

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

  @state() private phase: LeadFormPhase = LeadFormPhase.IDLE;
  @state() private failure?: CrmLeadCaptureFailedDetail['code'];
  @state() private touched: ReadonlySet<string> = new Set();
  @state() private attempted = false;
  @state() private summaryShown = false;
  @state() private serverIssues: ReadonlyMap<string, LeadFormIssue> = new Map();
  @state() private duplicate?: DuplicateWarning;
  @state() private formDisabled = false;

  private readonly internals: ElementInternals;
  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });
  private validation: Validation = {
    issues: new Map(),
    submission: { lead: { name: '' }, options: { source: 'web' } },
    empty: true,
    phonePending: false,
  };
  private duplicateTimer?: ReturnType<typeof setTimeout>;
  private duplicateKey = '';
  private duplicateRun = 0;
  private duplicateLookup: Promise<void> = Promise.resolve();
  private settleLookup?: () => void;
  private submission: Promise<void> = Promise.resolve();
  private submitting = false;
  private quietCheck = false;
  /** The phone rules loading (resolves once the form has been asked to validate again), or `undefined`. */
  private phoneCheck?: Promise<void>;
  /** The phone text whose check could not load the rules: it is left to the schema (and the CRM), not retried. */
  private phoneCheckFailedFor?: string;

  /** @internal */
  readonly definitions = new CrmQueryController<readonly CustomFieldDefinition[]>(this, {
    collections: [CUSTOM_FIELDS_COLLECTION],
    query: (crm) => leadFieldDefinitions(crm),
    crm: () => this.crm,
    enabled: () => !this.presentational && this.shownFields.some((field) => field.startsWith(CUSTOM_PREFIX)),
  });

  constructor() {
    super();
    this.internals = this.attachInternals();
    updateOnCrmLocaleChange(this);
    this.addEventListener('invalid', this.onInvalid);
  }

  // ——— form-associated API ———

  /** The host `<form>` the element belongs to, if any. */
  get form(): HTMLFormElement | null {
    return this.internals.form;
  }

  /** The element's value in its form's data: the submission as JSON, or `''` while nothing is typed. */
  get value(): string {
    return this.validation.empty ? '' : JSON.stringify(this.validation.submission);
  }

  get validity(): ValidityState {
    return this.internals.validity;
  }

  /** The first problem, as "Field: problem" in the current language; `''` when valid. */
  get validationMessage(): string {
    return this.internals.validationMessage;
  }

  get willValidate(): boolean {
    return this.internals.willValidate;
  }

  /** The `<label>`s of the host page that name this element. */
  get labels(): NodeList {
    return this.internals.labels;
  }

  /** True when the form is valid; fires `invalid` otherwise, without showing the problems. */
  checkValidity(): boolean {
    this.quietCheck = true;
    try {
      return this.internals.checkValidity();
    } finally {
      this.quietCheck = false;
    }
  }

  /** True when the form is valid; otherwise shows every problem and the browser's hint at the first field. */
  reportValidity(): boolean {
    return this.internals.reportValidity();
  }

  /** @internal */
  formResetCallback(): void {
    this.reset();
  }

  /** @internal */
  formDisabledCallback(disabled: boolean): void {
    this.formDisabled = disabled;
  }

  /** @internal */
  formStateRestoreCallback(saved: string | File | FormData | null): void {
    if (typeof saved !== 'string') return;
    try {
      const parsed = JSON.parse(saved) as { values?: unknown; consentGiven?: unknown };
      const values: Record<string, string> = {};
      if (parsed.values && typeof parsed.values === 'object') {
        for (const [key, value] of Object.entries(parsed.values)) if (typeof value === 'string') values[key] = value;
      }
      this.values = values;
      this.consentGiven = parsed.consentGiven === true;
    } catch {
      // A state this version did not write: start empty.
    }
  }

  // ——— public API ———

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
    this.phase = LeadFormPhase.IDLE;
    this.failure = undefined;
  }

  /**
   * Submits as the submit button does: validates (showing the summary and focusing it when something is wrong), then
   * captures through the CRM or fires `crm-lead-submit`. Resolves once it has settled either way.
   */
  submit(): Promise<void> {
    // One submission at a time: a click while one waits (for the phone rules, the CRM or the host) joins it.
    if (this.submitting) return this.submission;
    this.submitting = true;
    this.submission = this.runSubmit().finally(() => {
      this.submitting = false;
    });
    return this.submission;
  }

  /** Resolves once any duplicate lookup and submission in progress have settled and the form has rendered. */
  async settled(): Promise<void> {
    await this.updateComplete;
    await Promise.all([this.duplicateLookup, this.submission, this.definitions.settled()]);
    await this.updateComplete;
  }

  // ——— lifecycle ———

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.cancelDuplicateLookup();
  }

  /** The CRM submissions and lookups go to, or `undefined` in presentational use. */
  private get activeCrm(): Crm | undefined {
    return this.presentational ? undefined : (this.crm ?? this.context.value?.crm);
  }

  private get resolvedLocale(): string {
    return elementLocale(this, this.context.value?.locale);
  }

  private get isDisabled(): boolean {
    return this.disabled || this.formDisabled;
  }

  /** Complete once rendered with the phone number checked: the phone rules load on demand, the first time. */
  protected override async getUpdateComplete(): Promise<boolean> {
    let result = await super.getUpdateComplete();
    while (this.phoneCheck) {
      await this.phoneCheck;
      result = await super.getUpdateComplete();
    }
    return result;
  }

  protected override willUpdate(): void {
    this.validation = this.validate();
    // Cheap when nothing a lookup reads has changed: the query is compared with the last one.
    this.scheduleDuplicateLookup();
  }

  protected override updated(): void {
    const { submission, empty } = this.validation;
    const state = JSON.stringify({ values: this.values, consentGiven: this.consentGiven });
    this.internals.setFormValue(empty ? null : JSON.stringify(submission), state);
    this.updateValidity();
  }

  private updateValidity(): void {
    const issues = [...this.validation.issues];
    const first = issues[0];
    if (!first && this.validation.phonePending) {
      // A host form may not submit a number not yet checked; the check takes moments, once per page.
      const anchor = this.renderRoot.querySelector<HTMLElement>(`#${controlId('phone')}`) ?? undefined;
      this.internals.setValidity(
        { customError: true },
        m.summaryItem(this.labelOf('phone'), m.phoneChecking()),
        anchor,
      );
      return;
    }
    if (!first) {
      this.internals.setValidity({});
      return;
    }
    const flags: ValidityStateFlags = {};
    for (const [, issue] of issues) {
      if (issue.kind === 'required' || issue.kind === 'consent') flags.valueMissing = true;
      else if (issue.kind === 'email' || issue.kind === 'phone') flags.typeMismatch = true;
      else if (issue.kind === 'tooLong') flags.tooLong = true;
      else flags.customError = true;
    }
    const [field, issue] = first;
    const anchor = this.renderRoot.querySelector<HTMLElement>(`#${controlId(field)}`) ?? undefined;
    this.internals.setValidity(flags, m.summaryItem(this.labelOf(field), this.problemText(issue)), anchor);
  }

  private onInvalid = (): void => {
    if (this.quietCheck) return;
    // The host form (or reportValidity) found the element invalid: show every problem.
    this.attempted = true;
    this.summaryShown = true;
  };

  // ——— validation ———

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

  /** Checks what is typed with core's schemas; builds the submission whatever the outcome. */
  private validate(): Validation {
    const issues = new Map<string, LeadFormIssue>();
    const lead: Record<string, unknown> = {};
    const customFields: Record<string, string> = {};
    let message: string | undefined;
    let empty = true;
    let phonePending = false;
    const fields = this.shownFields;
    for (const field of fields) {
      const text = (this.values[field] ?? '').trim();
      if (text !== '') empty = false;
      if (text === '') {
        if (this.isRequired(field)) issues.set(field, { kind: 'required' });
        continue;
      }
      if (field === 'message') {
        message = this.values[field];
        const result = longTextSchema.safeParse(message);
        if (!result.success) issues.set(field, issueKind(result.error.issues[0] as SchemaIssue, field));
      } else if (field === 'phone') {
        // Core's normaliser with libphonenumber's full metadata, loaded on demand: until it is, the number waits.
        const normalise = loadedPhoneNormaliser();
        if (normalise) {
          const e164 = normalise(text, this.countryForPhone);
          if (e164 === undefined) issues.set(field, { kind: 'phone' });
          lead['phone'] = e164 ?? text;
        } else {
          phonePending = text !== this.phoneCheckFailedFor;
          if (phonePending) this.checkPhone(text);
          lead['phone'] = text;
        }
      } else if (field.startsWith(CUSTOM_PREFIX)) {
        customFields[field.slice(CUSTOM_PREFIX.length)] = text;
      } else {
        lead[field] = text;
      }
    }
    if (Object.keys(customFields).length > 0) lead['customFields'] = customFields;

    const schema = this.definitions.value
      ? withCustomFields(extendedLeadInputSchema, this.definitions.value)
      : extendedLeadInputSchema;
    const parsed = schema.safeParse(lead);
    if (!parsed.success) {
      for (const raw of parsed.error.issues as readonly SchemaIssue[]) {
        const field = fieldOfPath(raw.path);
        if (field === undefined || issues.has(field) || !fields.includes(field as LeadFormField)) continue;
        if (field === 'phone' && phonePending) continue;
        issues.set(field, issueKind(raw, field));
      }
    }

    const consenting = this.consentPurpose !== undefined && this.consentPurpose.trim() !== '';
    if (consenting && this.consentGiven) empty = false;
    if (consenting && this.consentRequired && !this.consentGiven) issues.set(CONSENT, { kind: 'consent' });
    for (const [field, issue] of this.serverIssues) if (!issues.has(field)) issues.set(field, issue);

    const grant: ConsentGrant | undefined =
      consenting && this.consentGiven
        ? Object.freeze({
            purpose: this.consentPurpose!.trim(),
            legalBasis: 'consent' as const,
            ...(this.consentVersion ? { textVersion: this.consentVersion } : {}),
          })
        : undefined;
    const options: CaptureOptions = Object.freeze({
      source: this.source?.trim() || 'web',
      ...(this.campaign?.trim() ? { campaign: this.campaign.trim() } : {}),
      ...(grant ? { consent: grant } : {}),
    });
    if (lead['customFields']) Object.freeze(lead['customFields']);
    const submission: CrmLeadSubmission = Object.freeze({
      lead: Object.freeze(lead) as Readonly<LeadCaptureInput>,
      options,
      ...(message === undefined ? {} : { message }),
    });
    // In the order the fields are shown, consent last.
    const ordered = new Map<string, LeadFormIssue>();
    for (const field of [...fields, CONSENT]) {
      const issue = issues.get(field);
      if (issue) ordered.set(field, issue);
    }
    return { issues: ordered, submission, empty, phonePending };
  }

  /** Loads the phone rules (once per page), then validates again; `updateComplete` waits for it. */
  private checkPhone(text: string): void {
    if (this.phoneCheck) return;
    this.phoneCheck = loadNormaliser()
      .then(
        () => undefined,
        () => {
          this.phoneCheckFailedFor = text;
        },
      )
      .finally(() => {
        this.phoneCheck = undefined;
        this.requestUpdate();
      });
  }

  // ——— duplicates ———

  /** What to look duplicates up by: the valid email, phone, and name with company, typed so far. */
  private duplicateQuery(): DuplicateQuery | undefined {
    const { issues, submission } = this.validation;
    const lead = submission.lead as Record<string, unknown>;
    const fields = this.shownFields;
    const usable = (field: 'email' | 'phone' | 'name' | 'company') =>
      fields.includes(field) &&
      typeof lead[field] === 'string' &&
      !issues.has(field) &&
      !this.serverIssues.has(field) &&
      !(field === 'phone' && this.validation.phonePending)
        ? (lead[field] as string)
        : undefined;
    const email = usable('email');
    const phone = usable('phone');
    const name = usable('name');
    const company = usable('company');
    const query: DuplicateQuery = {
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(name && company ? { name, company } : {}),
    };
    return Object.keys(query).length > 0 ? query : undefined;
  }

  private cancelDuplicateLookup(): void {
    clearTimeout(this.duplicateTimer);
    this.duplicateTimer = undefined;
    this.duplicateRun++;
    this.duplicateKey = '';
    // Whoever waits on a superseded lookup stops waiting.
    this.settleLookup?.();
    this.settleLookup = undefined;
  }

  /** Starts a lookup after `duplicateDelay` of quiet, superseding any older one; clears the warning meanwhile. */
  private scheduleDuplicateLookup(): void {
    const crm = this.activeCrm;
    const query = crm && this.duplicateCheck !== 'off' && this.isConnected ? this.duplicateQuery() : undefined;
    const key = query ? JSON.stringify(query) : '';
    if (key === this.duplicateKey) return;
    this.cancelDuplicateLookup();
    this.duplicateKey = key;
    this.duplicate = undefined;
    if (!crm || !query) return;
    const run = this.duplicateRun;
    let settle: () => void = () => undefined;
    this.duplicateLookup = new Promise<void>((resolve) => (settle = resolve));
    this.settleLookup = settle;
    this.duplicateTimer = setTimeout(() => {
      this.duplicateTimer = undefined;
      void this.lookUpDuplicates(crm, query, run).finally(settle);
    }, this.duplicateDelay);
  }

  private async lookUpDuplicates(crm: Crm, query: DuplicateQuery, run: number): Promise<void> {
    try {
      const matches = await crm.leads.findDuplicates(query);
      if (run !== this.duplicateRun) return;
      const top = matches[0];
      if (!top) {
        this.duplicate = undefined;
        return;
      }
      const name = this.revealDuplicateNames ? await this.nameOf(crm, top) : undefined;
      if (run !== this.duplicateRun) return;
      this.duplicate = {
        kind: top.kind,
        fields: top.fields,
        blocked: top.policy === 'block',
        count: matches.length,
        ...(name ? { name } : {}),
      };
    } catch (error) {
      if (run !== this.duplicateRun) return;
      this.duplicate = undefined;
      if (errorCode(error) !== CrmErrorCode.validation) {
        this.dispatchEvent(new CrmErrorEvent({ error, operation: 'duplicate-check' }));
      }
    }
  }

  /** The matched record's name, or `undefined` when it cannot be read. */
  private async nameOf(crm: Crm, match: DuplicateMatch): Promise<string | undefined> {
    try {
      const record =
        match.kind === 'lead'
          ? await crm.leads.get(match.id)
          : match.kind === 'customer'
            ? await crm.customers.get(match.id)
            : await crm.contacts.get(match.id);
      const name = (record as { name?: unknown }).name;
      return typeof name === 'string' ? name : undefined;
    } catch {
      return undefined;
    }
  }

  // ——— submitting ———

  private async runSubmit(): Promise<void> {
    if (this.isDisabled) return;
    this.attempted = true;
    this.failure = undefined;
    this.serverIssues = new Map();
    this.phase = LeadFormPhase.IDLE;
    await this.updateComplete;
    if (this.validation.issues.size > 0) {
      await this.showSummary();
      return;
    }
    this.summaryShown = false;
    const submission = this.validation.submission;
    const crm = this.activeCrm;
    if (!crm) {
      await this.handOver(submission);
      return;
    }
    this.phase = LeadFormPhase.SUBMITTING;
    try {
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
    } catch (error) {
      const code = errorCode(error);
      this.fail(code, error);
      this.dispatchEvent(new CrmLeadCaptureFailedEvent({ code }));
      if (this.serverIssues.size > 0) await this.showSummary();
    }
  }

  /** Presentational use: the host stores the lead. */
  private async handOver(submission: CrmLeadSubmission): Promise<void> {
    const event = new CrmLeadSubmitEvent(submission);
    if (!this.dispatchEvent(event)) return;
    const response = event.response;
    if (response) {
      this.phase = LeadFormPhase.SUBMITTING;
      try {
        await response;
      } catch (error) {
        this.fail(errorCode(error), error);
        return;
      }
    }
    this.succeed();
  }

  private succeed(): void {
    if (!this.keepValues) this.clearEntries();
    this.phase = LeadFormPhase.SUCCESS;
  }

  private fail(code: CrmLeadCaptureFailedDetail['code'], error: unknown): void {
    this.phase = LeadFormPhase.FAILURE;
    this.failure = code;
    if (code === CrmErrorCode.validation) {
      const issues = new Map<string, LeadFormIssue>();
      for (const issue of ((error as { issues?: readonly ValidationIssue[] }).issues ?? []) as ValidationIssue[]) {
        const field = fieldOfPath(issue.path);
        if (field === undefined || issues.has(field) || !this.shownFields.includes(field as LeadFormField)) continue;
        issues.set(
          field,
          field === 'email' ? { kind: 'email' } : field === 'phone' ? { kind: 'phone' } : { kind: 'invalid' },
        );
      }
      this.serverIssues = issues;
    }
  }

  private clearEntries(): void {
    this.values = {};
    this.consentGiven = false;
    this.touched = new Set();
    this.attempted = false;
    this.summaryShown = false;
    this.serverIssues = new Map();
    this.cancelDuplicateLookup();
    this.duplicate = undefined;
  }

  private async showSummary(): Promise<void> {
    this.summaryShown = true;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('.summary')?.focus();
  }

  // ——— events from the controls ———

  private onFormSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    void this.submit();
  };

  /**
   * Enter in a text field submits, as in any form: with `hide-submit` there is no button to submit the inner form
   * implicitly, so Enter submits the host's form (or this one, when there is no host form).
   */
  private onKeyDown = (event: KeyboardEvent): void => {
    if (!this.hideSubmit || event.key !== 'Enter' || event.isComposing) return;
    const target = event.target as HTMLElement;
    if (!(target instanceof HTMLInputElement) || target.type === 'checkbox') return;
    event.preventDefault();
    if (this.form) this.form.requestSubmit();
    else void this.submit();
  };

  private onInput(field: string, value: string): void {
    this.values = { ...this.values, [field]: value };
    if (this.serverIssues.has(field)) {
      const issues = new Map(this.serverIssues);
      issues.delete(field);
      this.serverIssues = issues;
    }
    if (this.phase === LeadFormPhase.SUCCESS) this.phase = LeadFormPhase.IDLE;
  }

  private onBlur(field: string): void {
    if ((this.values[field] ?? '').trim() === '' || this.touched.has(field)) return;
    if (this.heldBlurs) this.heldBlurs.add(field);
    else this.touched = new Set([...this.touched, field]);
  }

  /** Fields left while a pointer was pressed in the form: their messages wait until the press is over. */
  private heldBlurs?: Set<string>;

  /**
   * Pressing Save blurs the field being edited before the click lands. Showing that field's message at once would
   * push Save down from under the pointer, and the click would miss it; so a field left during a press shows its
   * message once the press is over and its click has been dispatched (a submit shows every message anyway).
   */
  private onPointerDown = (): void => {
    if (this.heldBlurs) return;
    this.heldBlurs = new Set();
    const document = this.ownerDocument;
    const release = (): void => {
      document.removeEventListener('pointerup', release, true);
      document.removeEventListener('pointercancel', release, true);
      setTimeout(() => {
        const held = [...(this.heldBlurs ?? [])].filter((field) => !this.touched.has(field));
        this.heldBlurs = undefined;
        if (held.length > 0) this.touched = new Set([...this.touched, ...held]);
      });
    };
    document.addEventListener('pointerup', release, true);
    document.addEventListener('pointercancel', release, true);
  };

  private onConsentChange = (event: Event): void => {
    this.consentGiven = (event.target as HTMLInputElement).checked;
    this.touched = new Set([...this.touched, CONSENT]);
    if (this.phase === LeadFormPhase.SUCCESS) this.phase = LeadFormPhase.IDLE;
  };

  private focusField(field: string): void {
    const control = this.renderRoot.querySelector<HTMLElement>(`#${controlId(field)}`);
    control?.scrollIntoView?.({ block: 'center' });
    control?.focus();
  }

  // ——— text ———

  private labelOf(field: string): string {
    const own = this.fieldLabels[field];
    if (own) return own;
    switch (field) {
      case 'name':
        return m.fieldName();
      case 'company':
        return m.fieldCompany();
      case 'email':
        return m.fieldEmail();
      case 'phone':
        return m.fieldPhone();
      case 'industry':
        return m.fieldIndustry();
      case 'message':
        return m.fieldMessage();
      case CONSENT:
        return m.consentLabel();
    }
    const key = field.slice(CUSTOM_PREFIX.length);
    const definition = this.definitions.value?.find((candidate) => candidate.key === key);
    return definition ? definition.label[resolveCrmLocale(this.resolvedLocale)] : key;
  }

  private problemText(issue: LeadFormIssue): string {
    switch (issue.kind) {
      case 'required':
        return m.errorRequired();
      case 'email':
        return m.errorEmail();
      case 'phone':
        return this.countryForPhone ? m.errorPhone() : m.errorPhoneInternational();
      case 'tooLong':
        return m.errorTooLong(formatCount(issue.max ?? 0, this.resolvedLocale));
      case 'consent':
        return m.errorConsent();
      case 'invalid':
        return m.errorInvalid();
    }
  }

  private consentText(purpose: string): string {
    if (this.consentLabel) return this.consentLabel;
    switch (purpose) {
      case 'marketing_email':
        return m.consentMarketingEmail();
      case 'sms':
        return m.consentSms();
      case 'phone':
        return m.consentPhone();
      case 'profiling':
        return m.consentProfiling();
      case 'data_processing':
        return m.consentDataProcessing();
      default:
        return m.consentOther(purpose);
    }
  }

  private duplicateText(warning: DuplicateWarning): string {
    const kind =
      warning.kind === 'lead' ? m.kindLead() : warning.kind === 'customer' ? m.kindCustomer() : m.kindContact();
    const sentences = [
      warning.fields.includes('email')
        ? m.duplicateEmail(kind)
        : warning.fields.includes('phone')
          ? m.duplicatePhone(kind)
          : m.duplicateNameCompany(kind),
    ];
    if (warning.name) sentences.push(m.duplicateNamed(warning.name));
    if (warning.count > 1) sentences.push(m.duplicateMore(formatCount(warning.count, this.resolvedLocale)));
    if (warning.blocked) sentences.push(m.duplicateBlocked());
    return sentences.join(' ');
  }

  private failureText(code: CrmLeadCaptureFailedDetail['code']): string {
    switch (code) {
      case CrmErrorCode.duplicate:
        return m.failedDuplicate();
      case CrmErrorCode.validation:
        return m.failedValidation();
      case CrmErrorCode.permission:
        return m.failedPermission();
      default:
        return m.failedGeneric();
    }
  }

  // ——— rendering ———

  /** The problem shown beside a field: after it was left filled in, after a submit, or from the CRM. */
  private shownIssue(field: string): LeadFormIssue | undefined {
    const issue = this.validation.issues.get(field);
    if (!issue) return undefined;
    return this.attempted || this.touched.has(field) || this.serverIssues.has(field) ? issue : undefined;
  }

  override render(): TemplateResult {
    const submitting = this.phase === LeadFormPhase.SUBMITTING;
    const disabled = this.isDisabled;
    const purpose = this.consentPurpose?.trim();
    const requiredShown = this.shownFields.some((field) => this.isRequired(field)) || this.consentRequired;
    return html`<form
      part="form"
      class="form"
      novalidate
      aria-label=${this.label || nothing}
      aria-busy=${submitting ? 'true' : 'false'}
      @submit=${this.onFormSubmit}
      @keydown=${this.onKeyDown}
      @pointerdown=${this.onPointerDown}
    >
      ${this.renderSummary()} ${requiredShown ? html`<p class="note">${m.requiredNote()}</p>` : nothing}
      ${this.shownFields.map((field) => this.renderField(field, disabled, submitting))}
      <div part="warning" class="warning ${this.duplicate ? 'shown' : ''}" id="duplicate" role="status">
        ${this.duplicate ? html`<p>${this.duplicateText(this.duplicate)}</p>` : nothing}
      </div>
      ${purpose ? this.renderConsent(purpose, disabled) : nothing}
      ${
        this.hideSubmit
          ? nothing
          : html`<div class="actions">
              <button
                part="submit"
                class="submit"
                type="submit"
                ?disabled=${disabled}
                aria-disabled=${submitting ? 'true' : 'false'}
              >
                ${this.submitLabel || m.submit()}
              </button>
            </div>`
      }
      <div part="status" class="status ${this.phase === LeadFormPhase.SUCCESS ? 'success' : ''}" role="status">
        ${submitting ? m.submitting() : this.phase === LeadFormPhase.SUCCESS ? this.successMessage || m.success() : nothing}
      </div>
      <div part="message" class="failure ${this.failure ? 'shown' : ''}" role="alert">
        ${this.failure ? html`<p>${this.failureText(this.failure)}</p>` : nothing}
      </div>
    </form>`;
  }

  private renderSummary(): TemplateResult | typeof nothing {
    const issues = [...this.validation.issues];
    if (!this.summaryShown || issues.length === 0) return nothing;
    const title = issues.length === 1 ? m.summaryOne() : m.summaryMany(formatCount(issues.length, this.resolvedLocale));
    return html`<div part="summary" class="summary" tabindex="-1" role="group" aria-labelledby="summary-title">
      <span class="summary-title" id="summary-title" role="heading" aria-level=${this.headingLevel}>${title}</span>
      <ul>
        ${issues.map(
          ([field, issue]) =>
            html`<li>
              <button type="button" class="summary-link" @click=${() => this.focusField(field)}>
                ${m.summaryItem(this.labelOf(field), this.problemText(issue))}
              </button>
            </li>`,
        )}
      </ul>
    </div>`;
  }

  private renderField(field: LeadFormField, disabled: boolean, submitting: boolean): TemplateResult {
    const id = controlId(field);
    const required = this.isRequired(field);
    const issue = this.shownIssue(field);
    const hint = field === 'phone' && !this.countryForPhone ? m.phoneHint() : undefined;
    const warned = this.duplicate !== undefined && this.duplicate.fields.includes(field);
    const describedBy = [hint ? `${id}-hint` : '', issue ? `${id}-error` : '', warned ? 'duplicate' : '']
      .filter(Boolean)
      .join(' ');
    const value = this.values[field] ?? '';
    const onInput = (event: Event) => this.onInput(field, (event.target as HTMLInputElement).value);
    const onBlur = () => this.onBlur(field);
    const control =
      field === 'message'
        ? html`<textarea
            part="input"
            id=${id}
            name=${field}
            rows="4"
            .value=${live(value)}
            ?required=${required}
            ?disabled=${disabled}
            ?readonly=${submitting}
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
            ?disabled=${disabled}
            ?readonly=${submitting}
            aria-invalid=${issue ? 'true' : 'false'}
            aria-describedby=${describedBy || nothing}
            @input=${onInput}
            @blur=${onBlur}
          />`;
    return html`<div part="field" class="field ${issue ? 'invalid' : ''}" data-field=${field}>
      <label part="label" for=${id}
        >${this.labelOf(field)}${required ? html`<span class="required" aria-hidden="true"> *</span>` : nothing}</label
      >
      ${hint ? html`<p part="hint" class="hint" id="${id}-hint">${hint}</p>` : nothing} ${control}
      ${issue ? html`<p part="error" class="error" id="${id}-error">${this.problemText(issue)}</p>` : nothing}
    </div>`;
  }

  private renderConsent(purpose: string, disabled: boolean): TemplateResult {
    const id = controlId(CONSENT);
    const issue = this.shownIssue(CONSENT);
    return html`<div part="field consent" class="field consent ${issue ? 'invalid' : ''}" data-field=${CONSENT}>
      <input
        part="checkbox"
        type="checkbox"
        id=${id}
        name=${CONSENT}
        .checked=${live(this.consentGiven)}
        ?required=${this.consentRequired}
        ?disabled=${disabled}
        aria-invalid=${issue ? 'true' : 'false'}
        aria-describedby=${issue ? `${id}-error` : nothing}
        @change=${this.onConsentChange}
      />
      <label part="label" for=${id}
        ><slot name="consent">${this.consentText(purpose)}</slot>${
          this.consentRequired ? html`<span class="required" aria-hidden="true"> *</span>` : nothing
        }</label
      >
      ${issue ? html`<p part="error" class="error" id="${id}-error">${this.problemText(issue)}</p>` : nothing}
    </div>`;
  }
}

function autocompleteOf(field: string): string {
  switch (field) {
    case 'name':
      return 'name';
    case 'company':
      return 'organization';
    case 'email':
      return 'email';
    case 'phone':
      return 'tel';
    default:
      return 'off';
  }
}
