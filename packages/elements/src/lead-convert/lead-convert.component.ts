import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { ContextConsumer } from '@lit/context';
import {
  CUSTOM_FIELDS_COLLECTION,
  CrmErrorCode,
  NAME_MAX,
  currencyDigits,
  gatesAhead,
  type ConvertOptions,
  type Crm,
  type CustomFieldDefinition,
  type FailedGateCondition,
  type LocalizedText,
  type ValidationIssue,
} from '@crmkit/core';
import { crmContext } from '../internal/context.js';
import { CrmQueryController, CrmQueryStatus } from '../internal/crm-query-controller.js';
import { formatCount, formatDay, formatMoneyCached, localized } from '../internal/format.js';
import { elementLocale } from '../internal/locale.js';
import { resolveCrmLocale, updateOnCrmLocaleChange } from '../internal/localize.js';
import { crmMessages } from '../internal/messages.js';
import { componentStyles } from '../internal/component.styles.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import { CrmLeadConvertFailedEvent, CrmLeadConvertedEvent, type CrmLeadConvertFailedDetail } from './events.js';
import { loadLeadConvert, type ConvertUser, type LeadConvertData } from './load.js';
import { leadConvertStyles } from './lead-convert.styles.js';
import { leadConvertMessages as m } from './messages.js';

/** What is wrong with a field, as a kind (the message is chosen at render time, in the current language). */
export interface LeadConvertIssue {
  readonly kind: 'required' | 'amount' | 'tooLong' | 'invalid' | 'gate' | 'gateCondition';
  /** For `gate` and `gateCondition`: the gated stage, and whether the deal enters it or moves on to it next. */
  readonly stageId?: string;
  readonly step?: 'enter' | 'next';
  /** For `tooLong`: the most characters allowed. */
  readonly max?: number;
}

/** Where the form is: editing, waiting for the CRM, converted, or refused. */
export const LeadConvertPhase = {
  IDLE: 'idle',
  SUBMITTING: 'submitting',
  SUCCESS: 'success',
  FAILURE: 'failure',
} as const;
export type LeadConvertPhase = (typeof LeadConvertPhase)[keyof typeof LeadConvertPhase];

/** The fields the form always shows, in order; gates may add `source` and `customFields.<key>`. */
const BASE_FIELDS = ['title', 'amount', 'currency', 'expectedCloseDate', 'stageId', 'ownerId'] as const;
const UNKNOWN_CODE = 'CRM_UNKNOWN';
/** Deal fields no customer or contact has: a bare issue path starting with one is the deal's. */
const DEAL_ONLY: readonly string[] = ['title', 'amount', 'expectedCloseDate', 'stageId', 'pipelineId'];

/** What one render checks and would send. */
interface Validation {
  readonly issues: ReadonlyMap<string, LeadConvertIssue>;
  /** The fields a gate ahead reads (besides the title, which is always required). */
  readonly required: ReadonlySet<string>;
  /** Fields beyond the base ones that a gate (or a refused conversion) asks for. */
  readonly extra: readonly string[];
  /** The open stage after the chosen one, when its gate asks for something. */
  readonly nextGateStage?: string;
  readonly options: ConvertOptions;
  /** The amount in minor units, when a valid one is typed. */
  readonly amountMinor?: number;
}

/** The form field a deal field path is entered in: `amount.amountMinor` → `amount`; `undefined` when none is. */
function fieldOf(path: string): string | undefined {
  const [top = '', key] = path.split('.');
  if (top === 'amount') return key === 'currency' ? 'currency' : 'amount';
  if (top === 'customFields') return key ? `customFields.${key}` : undefined;
  if (top === 'pipelineId') return 'stageId';
  return (BASE_FIELDS as readonly string[]).includes(top) || top === 'source' ? top : undefined;
}

/** The fields shown beyond the base ones. */
const isExtra = (field: string): boolean => field === 'source' || field.startsWith('customFields.');

/** The `code` of a crmkit error, or `CRM_UNKNOWN`. */
function errorCode(error: unknown): CrmLeadConvertFailedDetail['code'] {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(CrmErrorCode) as string[]).includes(code)
    ? (code as CrmErrorCode)
    : UNKNOWN_CODE;
}

/** Minor-unit digits of a currency; 2 for a code `Intl` does not know. */
function digitsOf(currency: string): number {
  try {
    return currencyDigits(currency);
  } catch {
    return 2;
  }
}

/**
 * **What it asks**: the deal's title (prefilled with the lead's company, else its name), amount and currency, expected
 * close date, stage (the pipeline's first open stage by default) and owner. The owner is preselected with the one the
 * deal gets — the lead's owner (lead assignment may have given it to another rep), else the acting user — and a line
 * under it says who that is; any active user can be chosen instead.
 *
 * **Stage gates**: the fields the chosen stage's gate reads, and those the next open stage's gate reads, are marked
 * required and checked with core's `gatesAhead` before submitting, so the new deal's first move forward is not
 * refused for a field the form could have asked for. A gate on `source` or a custom field adds that field.
 *
 * **Submit**: through `crm.leads.convert(leadId, { pipelineId, deal, expectedVersion })`. Problems show beside each field
 * and in a summary of buttons that focus the field; a `ValidationError` or `StageGateError` marks the fields it names;
 * a `ConflictError` (someone changed the lead meanwhile) reloads the lead and keeps what was typed. Success fires
 * `crm-lead-converted` (ids only) and says where the deal is and whose it is.
 *
 * The pipeline is `pipeline-id`, else the one marked default, else the built-in one — as `crm.leads.convert` picks it.
 * It needs a CRM: the provider's, or the `crm` property.
 *
 * @tag crm-lead-convert
 * @summary Converts a lead (线索转化) into a customer and a deal, asking for what the deal's stage gates need and
 * showing who will own it.
 *
 * @event crm-lead-converted - `CrmLeadConvertedEvent`: the lead was converted; `detail` has `leadId`, `customerId`,
 * `contactId`, `dealId`, `pipelineId`, `stageId`, `ownerId`, `customerCreated` and `contactCreated` — ids only.
 * @event crm-lead-convert-failed - `CrmLeadConvertFailedEvent`: the conversion failed; `detail.code` is the error code.
 * @event crm-error - `CrmErrorEvent`: loading the lead, the pipeline or the users failed (`query`).
 *
 * @csspart base - The element's surface (form, or a state message).
 * @csspart form - The `<form>`.
 * @csspart summary - The error summary shown after a failed submit.
 * @csspart field - A field's wrapper (label, control, hint, error).
 * @csspart label - A field's label.
 * @csspart input - A text, number or date input.
 * @csspart select - The currency, stage and owner selects.
 * @csspart hint - A field's hint (the amount and date as they will read, the owner's line).
 * @csspart owner-hint - The line saying who will own the deal.
 * @csspart error - A field's error message.
 * @csspart submit - The submit button.
 * @csspart status - The "Converting…" and success message.
 * @csspart message - The failure message.
 *
 * @cssproperty --crm-lead-convert-max-width - The form's greatest width. Default 40rem.
 * @cssproperty --crm-lead-convert-padding - Space inside the form's surface. Default 16px.
 * @cssproperty --crm-color-accent - Focus rings and the submit button.
 * @cssproperty --crm-color-danger - Error messages and the summary's border.
 * @cssproperty --crm-color-success - The success message.
 */
export class CrmLeadConvert extends LitElement {
  /** @internal */
  static override styles = [tokenStyles, componentStyles, leadConvertStyles];

  /** The id of the lead to convert. */
  @property({ attribute: 'lead-id' }) leadId = '';

  /** The pipeline the deal opens in; unset, the one marked default, else the built-in one. */
  @property({ attribute: 'pipeline-id' }) pipelineId?: string;

  /** Currencies offered besides the provider's (or the CRM's): a comma- or space-separated list, or an array. */
  @property({
    converter: { fromAttribute: (value: string | null) => (value ?? '').split(/[\s,]+/).filter(Boolean) },
  })
  currencies: readonly string[] = [];

  /**
   * What is entered, by field: `title`, `amount` (in major units, `1250.5`), `currency`, `expectedCloseDate`
   * (`YYYY-MM-DD`), `stageId`, `ownerId`, `source`, `customFields.<key>`. A host may set it to prefill the form.
   */
  @property({ attribute: false }) values: Readonly<Record<string, string>> = {};

  /** The CRM to use instead of the provider's; a property only. */
  @property({ attribute: false }) crm?: Crm;

  /** An accessible name for the form; unset, "Convert <lead> into a deal" in the current language. */
  @property() label?: string;

  /** BCP 47 locale for money, dates and numbers; unset, the provider's, then the nearest `lang`. */
  @property() locale?: string;

  /** `light` or `dark` forces a colour scheme; unset, the page's applies. */
  @property({ reflect: true }) theme?: 'light' | 'dark';

  /** Heading level of the error summary's title, to fit the host page's outline. */
  @property({ type: Number, attribute: 'heading-level' }) headingLevel = 2;

  /** The id of the deal this element last opened. */
  @state() dealId?: string;

  @state() private phase: LeadConvertPhase = LeadConvertPhase.IDLE;
  @state() private failure?: string;
  @state() private touched: ReadonlySet<string> = new Set();
  @state() private attempted = false;
  @state() private summaryShown = false;
  @state() private serverIssues: ReadonlyMap<string, LeadConvertIssue> = new Map();
  /** What the conversion made, for the success line (rendered in the current language). */
  @state() private converted?: {
    readonly title: string;
    readonly stage: LocalizedText | string;
    readonly owner: string;
  };

  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });
  private validation?: Validation;
  private submission: Promise<void> = Promise.resolve();

  /** @internal */
  readonly query = new CrmQueryController<LeadConvertData>(this, {
    collections: ['leads', 'users', 'pipelines', CUSTOM_FIELDS_COLLECTION],
    // Other leads changing (a busy intake) cannot change what this form shows.
    query: async (crm, _signal, update) =>
      update?.changes.every((change) => change.collection === 'leads' && change.id !== this.leadId)
        ? update.previous
        : loadLeadConvert(crm, this.leadId, this.pipelineId || undefined),
    crm: () => this.crm,
    enabled: () => this.leadId !== '',
  });

  constructor() {
    super();
    updateOnCrmLocaleChange(this);
  }

  // ——— public API ———

  /** Problems by field as they stand now (shown or not). */
  get issues(): ReadonlyMap<string, LeadConvertIssue> {
    return this.validation?.issues ?? new Map();
  }

  /** The fields marked required now: the title and whatever the gates ahead read. */
  get requiredFields(): readonly string[] {
    return ['title', ...(this.validation?.required ?? [])];
  }

  /**
   * Submits as the button does: validates (showing the summary and focusing it when something is wrong), then
   * converts through the CRM. Resolves once it has settled either way.
   */
  submit(): Promise<void> {
    if (this.phase !== LeadConvertPhase.SUBMITTING) this.submission = this.runSubmit();
    return this.submission;
  }

  /** Resolves once loading and any submission in progress have settled and the element has rendered. */
  async settled(): Promise<void> {
    await this.updateComplete;
    await Promise.all([this.query.settled(), this.submission]);
    await this.updateComplete;
  }

  // ——— lifecycle ———

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('leadId') || changed.has('pipelineId')) {
      if (changed.get('leadId') !== undefined || changed.get('pipelineId') !== undefined) {
        this.phase = LeadConvertPhase.IDLE;
        this.failure = undefined;
        this.values = {};
        this.touched = new Set();
        this.attempted = this.summaryShown = false;
        this.serverIssues = new Map();
        this.query.refresh();
      }
    }
    const data = this.query.value;
    this.validation = data ? this.validate(data) : undefined;
  }

  private get resolvedLocale(): string {
    return elementLocale(this, this.context.value?.locale);
  }

  private get actorId(): string | undefined {
    return (this.context.value?.actor ?? this.query.crm?.actor)?.id;
  }

  // ——— values ———

  /** What a field holds: what was entered, else its default from the lead and the CRM. */
  private fieldValue(field: string, data: LeadConvertData): string {
    const entered = this.values[field];
    const { lead, pipeline } = data;
    switch (field) {
      case 'title':
        return entered ?? lead.company ?? lead.name;
      case 'currency':
        return entered || this.context.value?.currency || this.query.crm?.currency || 'USD';
      case 'stageId': {
        const open = pipeline.stages.filter((stage) => stage.kind === 'open');
        return open.some((stage) => stage.id === entered) ? entered! : (open[0]?.id ?? '');
      }
      case 'ownerId':
        return entered || this.defaultOwner(data);
      case 'source':
        return entered ?? lead.source ?? '';
      default:
        return entered ?? '';
    }
  }

  /** The owner a conversion gives the deal when none is named: the lead's, else the acting user. */
  private defaultOwner(data: LeadConvertData): string {
    return data.lead.ownerId ?? this.actorId ?? '';
  }

  // ——— validation ———

  /** Checks what is entered, and the draft deal against the gates ahead; builds the conversion whatever the outcome. */
  private validate(data: LeadConvertData): Validation {
    const issues = new Map<string, LeadConvertIssue>();
    const value = (field: string) => this.fieldValue(field, data).trim();
    const title = value('title');
    if (title === '') issues.set('title', { kind: 'required' });
    else if (title.length > NAME_MAX) issues.set('title', { kind: 'tooLong', max: NAME_MAX });

    const currency = value('currency');
    const amountText = value('amount');
    let amountMinor: number | undefined;
    if (amountText !== '') {
      const scaled = Number(amountText) * 10 ** digitsOf(currency);
      // Whole minor units only: 12.345 yuan is refused, never rounded away.
      if (!(scaled >= 0) || !Number.isFinite(scaled) || Math.abs(scaled - Math.round(scaled)) > 1e-6) {
        issues.set('amount', { kind: 'amount' });
      } else amountMinor = Math.round(scaled);
    }
    const closeDate = value('expectedCloseDate');
    const stageId = value('stageId');
    const ownerId = value('ownerId');

    // The fields a gate ahead reads, or a refused conversion named, beyond the base ones.
    const pipeline = data.pipeline;
    const gateFields = gatesAhead({}, pipeline.stages, stageId).flatMap((gate) => gate.fields);
    const requiredCustom = data.dealFields
      .filter((definition) => definition.required)
      .map((definition) => `customFields.${definition.key}`);
    const extra = [
      ...new Set(
        [...requiredCustom, ...gateFields, ...this.serverIssues.keys()]
          .map((path) => fieldOf(path))
          .filter((field): field is string => field !== undefined && isExtra(field)),
      ),
    ];
    const customFields: Record<string, string | number> = {};
    let source: string | undefined;
    for (const field of extra) {
      const text = value(field);
      if (text === '') {
        if (requiredCustom.includes(field)) issues.set(field, { kind: 'required' });
        continue;
      }
      if (field === 'source') {
        source = text;
        continue;
      }
      const key = field.slice('customFields.'.length);
      const number = Number(text);
      if (this.definitionOf(field)?.type !== 'number') customFields[key] = text;
      else if (Number.isFinite(number)) customFields[key] = number;
      else issues.set(field, { kind: 'invalid' });
    }

    const deal = {
      title,
      amount: { amountMinor: amountMinor ?? 0, currency },
      stageId,
      ...(ownerId ? { ownerId } : {}),
      ...(closeDate ? { expectedCloseDate: closeDate } : {}),
      ...(source !== undefined ? { source } : {}),
      ...(Object.keys(customFields).length > 0 ? { customFields } : {}),
    };
    // Checked as core checks it: the deal as stored, with the lead's source when none is entered.
    const draft = { ...deal, source: source ?? data.lead.source, status: 'open', pipelineId: pipeline.id };
    const required = new Set<string>(requiredCustom);
    let nextGateStage: string | undefined;
    for (const gate of gatesAhead(draft, pipeline.stages, stageId)) {
      const mark = (path: string, condition: boolean) => {
        const field = fieldOf(path);
        if (field === undefined || issues.has(field)) return;
        const blank = value(field) === '';
        issues.set(field, {
          kind: condition && !blank ? 'gateCondition' : 'gate',
          stageId: gate.stage.id,
          step: gate.step,
        });
      };
      for (const path of gate.fields) {
        const field = fieldOf(path);
        if (field !== undefined) required.add(field);
      }
      if (gate.step === 'next' && gate.fields.some((path) => fieldOf(path) !== undefined)) {
        nextGateStage = gate.stage.id;
      }
      gate.result.missingFields.forEach((path) => mark(path, false));
      gate.result.failedConditions.forEach((failed) => failed.fields.forEach((path) => mark(path, true)));
    }
    for (const [field, issue] of this.serverIssues) if (!issues.has(field)) issues.set(field, issue);

    const ordered = new Map<string, LeadConvertIssue>();
    for (const field of [...BASE_FIELDS, ...extra]) {
      const issue = issues.get(field);
      if (issue) ordered.set(field, issue);
    }
    return {
      issues: ordered,
      required,
      extra,
      ...(nextGateStage ? { nextGateStage } : {}),
      ...(amountMinor === undefined ? {} : { amountMinor }),
      options: { pipelineId: pipeline.id, deal, expectedVersion: data.lead.version },
    };
  }

  // ——— submitting ———

  private async runSubmit(): Promise<void> {
    const data = this.query.value;
    const crm = this.query.crm;
    if (!data || !crm || this.phase === LeadConvertPhase.SUCCESS || data.lead.status === 'converted') return;
    this.attempted = true;
    this.failure = undefined;
    this.serverIssues = new Map();
    this.phase = LeadConvertPhase.IDLE;
    await this.updateComplete;
    const validation = this.validation;
    if (!validation || validation.issues.size > 0) {
      await this.showSummary();
      return;
    }
    this.summaryShown = false;
    this.phase = LeadConvertPhase.SUBMITTING;
    const leadId = data.lead.id;
    try {
      const { deal, customer, contact, customerCreated, contactCreated } = await crm.leads.convert(
        leadId,
        validation.options,
      );
      this.dealId = deal.id;
      const stage = data.pipeline.stages.find((candidate) => candidate.id === deal.stageId);
      const owner = deal.ownerId ?? '';
      this.converted = {
        title: deal.title,
        stage: stage?.name ?? deal.stageId,
        owner: this.userName(data.users, owner),
      };
      const hadFocus = this.matches(':focus-within');
      this.phase = LeadConvertPhase.SUCCESS;
      await this.updateComplete;
      // The form is gone: focus goes to the message saying what happened, not to the page's top.
      if (hadFocus) this.renderRoot.querySelector<HTMLElement>('.status')?.focus();
      this.dispatchEvent(
        new CrmLeadConvertedEvent({
          leadId,
          customerId: customer.id,
          ...(contact ? { contactId: contact.id } : {}),
          dealId: deal.id,
          pipelineId: deal.pipelineId,
          stageId: deal.stageId,
          ownerId: owner,
          customerCreated,
          contactCreated,
        }),
      );
    } catch (error) {
      const code = errorCode(error);
      this.fail(code, error, data);
      this.dispatchEvent(new CrmLeadConvertFailedEvent({ leadId, code }));
      if (this.serverIssues.size > 0) await this.showSummary();
    }
  }

  private fail(code: CrmLeadConvertFailedDetail['code'], error: unknown, data: LeadConvertData): void {
    this.phase = LeadConvertPhase.FAILURE;
    const issues = new Map<string, LeadConvertIssue>();
    const named: string[] = [];
    const name = (field: string | undefined, path: string) => {
      const label = field === undefined ? path : this.labelOf(field);
      if (!named.includes(label)) named.push(label);
    };
    switch (code) {
      case CrmErrorCode.validation: {
        for (const issue of (error as { issues?: readonly ValidationIssue[] }).issues ?? []) {
          const path = issue.path.map(String);
          // The lead was converted or disqualified meanwhile: reloading it shows so.
          if (path[0] === 'status') {
            this.query.refresh();
            this.failure = m.failedGeneric();
            return;
          }
          // `deal.*` is the deal's; a bare path is the deal's only for fields no customer or contact has (a bare
          // `customFields.region` may be the new customer's, which this form does not ask for).
          const field =
            path[0] === 'deal'
              ? fieldOf(path.slice(1).join('.'))
              : DEAL_ONLY.includes(path[0] ?? '')
                ? fieldOf(path.join('.'))
                : undefined;
          if (field !== undefined && !issues.has(field)) issues.set(field, { kind: 'invalid' });
          name(field, path.join('.'));
        }
        this.failure = m.failedValidation(named.join(', '));
        break;
      }
      case CrmErrorCode.stageGate: {
        const gate = error as {
          stageId: string;
          missingFields: readonly string[];
          failedConditions: readonly FailedGateCondition[];
        };
        for (const path of [...gate.missingFields, ...gate.failedConditions.flatMap((failed) => failed.fields)]) {
          const field = fieldOf(path);
          if (field !== undefined && !issues.has(field)) {
            issues.set(field, { kind: 'gate', stageId: gate.stageId, step: 'enter' });
          }
          name(field, path);
        }
        const stage = data.pipeline.stages.find((candidate) => candidate.id === gate.stageId);
        this.failure = m.failedGate(this.localizedText(stage?.name ?? gate.stageId), named.join(', '));
        break;
      }
      case CrmErrorCode.conflict:
        // Someone changed the lead: show its latest state (an owner not chosen here follows it), keep what was typed.
        this.query.refresh();
        this.failure = m.failedConflict();
        break;
      case CrmErrorCode.notFound:
        this.query.refresh();
        this.failure = m.notFound();
        break;
      case CrmErrorCode.permission:
        this.failure = m.failedPermission();
        break;
      default:
        this.failure = m.failedGeneric();
    }
    this.serverIssues = issues;
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

  private onInput(field: string, value: string): void {
    this.values = { ...this.values, [field]: value };
    if (this.serverIssues.has(field)) {
      const issues = new Map(this.serverIssues);
      issues.delete(field);
      this.serverIssues = issues;
    }
  }

  private onBlur(field: string): void {
    if (!this.touched.has(field) && (this.values[field] ?? '').trim() !== '') {
      this.touched = new Set([...this.touched, field]);
    }
  }

  private focusField(field: string): void {
    const control = this.renderRoot.querySelector<HTMLElement>(`#${controlId(field)}`);
    control?.scrollIntoView?.({ block: 'center' });
    control?.focus();
  }

  // ——— text ———

  private localizedText(name: LocalizedText | string): string {
    return localized(name, resolveCrmLocale(this.resolvedLocale)) ?? '';
  }

  private userName(users: readonly ConvertUser[], id: string): string {
    return users.find((user) => user.id === id)?.name ?? id;
  }

  /** The definition of a custom field of deals (`customFields.<key>`), if there is one. */
  private definitionOf(field: string): CustomFieldDefinition | undefined {
    return this.query.value?.dealFields.find((definition) => `customFields.${definition.key}` === field);
  }

  private labelOf(field: string): string {
    switch (field) {
      case 'title':
        return m.fieldTitle();
      case 'amount':
        return m.fieldAmount();
      case 'currency':
        return m.fieldCurrency();
      case 'expectedCloseDate':
        return m.fieldCloseDate();
      case 'stageId':
        return m.fieldStage();
      case 'ownerId':
        return m.fieldOwner();
      case 'source':
        return m.fieldSource();
      default: {
        const definition = this.definitionOf(field);
        return definition ? this.localizedText(definition.label) : field.slice('customFields.'.length);
      }
    }
  }

  private problemText(issue: LeadConvertIssue, data: LeadConvertData): string {
    const stage = () =>
      this.localizedText(data.pipeline.stages.find((candidate) => candidate.id === issue.stageId)?.name ?? '');
    switch (issue.kind) {
      case 'required':
        return m.errorRequired();
      case 'amount':
        return m.errorAmount();
      case 'tooLong':
        return m.errorTooLong(formatCount(issue.max ?? 0, this.resolvedLocale));
      case 'gate':
        return issue.step === 'next' ? m.errorGateNext(stage()) : m.errorGateEnter(stage());
      case 'gateCondition':
        return m.errorGateCondition(stage());
      default:
        return m.errorInvalid();
    }
  }

  // ——— rendering ———

  /** The problem shown beside a field: after it was left filled in, after a submit, or from the CRM. */
  private shownIssue(field: string): LeadConvertIssue | undefined {
    const issue = this.validation?.issues.get(field);
    return issue && (this.attempted || this.touched.has(field) || this.serverIssues.has(field)) ? issue : undefined;
  }

  override render(): TemplateResult {
    const data = this.query.value;
    const success = this.phase === LeadConvertPhase.SUCCESS;
    const converted = this.converted;
    const status =
      success && converted
        ? m.success(converted.title, this.localizedText(converted.stage), converted.owner)
        : this.phase === LeadConvertPhase.SUBMITTING
          ? m.submitting()
          : '';
    let body: TemplateResult | typeof nothing = nothing;
    if (!this.leadId) body = html`<p>${m.noLead()}</p>`;
    else if (!data || data.lead.id !== this.leadId) {
      body =
        this.query.status === CrmQueryStatus.ERROR
          ? this.renderLoadError()
          : html`<p role="status">${crmMessages.loading()}</p>`;
    } else if (!success) {
      body =
        data.lead.status === 'converted'
          ? html`<p>${m.converted()}</p>`
          : data.lead.status === 'disqualified'
            ? html`<p>${m.disqualified()}</p>`
            : this.renderForm(data);
    }
    // The status region stays put across states, so the success line is announced where "Converting…" was.
    return html`<div part="base" class="base">
      ${body}
      <p part="status" class="status ${success ? 'success' : ''}" role="status" tabindex="-1">${status}</p>
    </div>`;
  }

  private renderLoadError(): TemplateResult {
    const notFound = (this.query.error as { code?: string } | undefined)?.code === CrmErrorCode.notFound;
    return html`<div role="alert">
      <p>${notFound ? m.notFound() : crmMessages.loadFailed()}</p>
      ${
        notFound
          ? nothing
          : html`<button type="button" class="retry" @click=${() => this.query.refresh()}>
              ${crmMessages.retry()}
            </button>`
      }
    </div>`;
  }

  private renderForm(data: LeadConvertData): TemplateResult {
    const validation = this.validation!;
    const locale = this.resolvedLocale;
    const submitting = this.phase === LeadConvertPhase.SUBMITTING;
    const value = (field: string) => this.fieldValue(field, data);
    const currency = value('currency');
    const currencies = [...new Set([currency, this.context.value?.currency ?? '', ...this.currencies])].filter(Boolean);
    const closeDate = value('expectedCloseDate');
    const nextStage = data.pipeline.stages.find((stage) => stage.id === validation.nextGateStage);
    return html`<form
      part="form"
      class="form"
      novalidate
      aria-label=${this.label || m.label(data.lead.name)}
      aria-busy=${submitting ? 'true' : 'false'}
      @submit=${this.onFormSubmit}
    >
      ${this.renderSummary(data)}
      <p class="note">${m.requiredNote()}</p>
      ${nextStage ? html`<p class="note">${m.nextGateNote(this.localizedText(nextStage.name))}</p>` : nothing}
      ${this.renderField('title', data, this.renderInput('title', 'text', value('title')))}
      <div class="money">
        ${this.renderField(
          'amount',
          data,
          this.renderInput('amount', 'number', value('amount'), { min: '0', step: 'any', inputmode: 'decimal' }),
          validation.amountMinor === undefined
            ? undefined
            : m.amountHint(formatMoneyCached({ amountMinor: validation.amountMinor, currency }, locale)),
        )}
        ${this.renderField(
          'currency',
          data,
          this.renderSelect(
            'currency',
            currency,
            currencies.map((code) => [code, currencyName(code, locale)]),
          ),
        )}
      </div>
      ${this.renderField(
        'expectedCloseDate',
        data,
        this.renderInput('expectedCloseDate', 'date', closeDate),
        closeDate ? m.closeDateHint(formatDay(closeDate, locale)) : undefined,
      )}
      ${this.renderField(
        'stageId',
        data,
        this.renderSelect(
          'stageId',
          value('stageId'),
          data.pipeline.stages
            .filter((stage) => stage.kind === 'open')
            .map((stage) => [stage.id, this.localizedText(stage.name)]),
        ),
      )}
      ${this.renderOwner(data, value('ownerId'))}
      ${validation.extra.map((field) => this.renderField(field, data, this.renderExtra(field, value(field))))}
      <button part="submit" class="submit" type="submit" aria-disabled=${submitting ? 'true' : 'false'}>
        ${m.submit()}
      </button>
      <div part="message" class="failure" role="alert">${this.failure ? html`<p>${this.failure}</p>` : nothing}</div>
    </form>`;
  }

  /** A control for `source` or a custom field of deals, by the field's type (text for types it cannot enter). */
  private renderExtra(field: string, value: string): TemplateResult {
    const definition = this.definitionOf(field);
    switch (definition?.type) {
      case 'select':
        return this.renderSelect(field, value, [
          ['', ''],
          ...(definition.options ?? []).map((option) => [option.value, this.localizedText(option.label)] as const),
        ]);
      case 'number':
        return this.renderInput(field, 'number', value, { step: 'any', inputmode: 'decimal' });
      case 'date':
        return this.renderInput(field, 'date', value);
      default:
        return this.renderInput(field, 'text', value);
    }
  }

  private renderOwner(data: LeadConvertData, ownerId: string): TemplateResult {
    const locale = this.resolvedLocale;
    const keep = new Set([ownerId, this.defaultOwner(data)]);
    // Active users who can own records; the preselected owner even when inactive, so it is what the select shows.
    const users = data.users
      .filter((user) => keep.has(user.id) || (user.active !== false && user.role !== 'viewer'))
      .sort((a, b) => a.name.localeCompare(b.name, locale));
    const options: [string, string][] = users.map((user) => [user.id, user.name]);
    if (ownerId && !users.some((user) => user.id === ownerId)) options.unshift([ownerId, ownerId]);
    const name = this.userName(data.users, ownerId);
    const line =
      ownerId === this.actorId
        ? m.ownerIsYou(name)
        : ownerId === data.lead.ownerId
          ? m.ownerIsLeadOwner(name)
          : m.ownerIsOther(name);
    return this.renderField('ownerId', data, this.renderSelect('ownerId', ownerId, options), line);
  }

  private renderInput(
    field: string,
    type: string,
    value: string,
    extra: { min?: string; step?: string; inputmode?: string } = {},
  ): TemplateResult {
    const submitting = this.phase === LeadConvertPhase.SUBMITTING;
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
      ?required=${field === 'title' || (this.validation?.required.has(field) ?? false)}
      ?readonly=${submitting}
      aria-invalid=${this.shownIssue(field) ? 'true' : 'false'}
      aria-describedby=${this.describedBy(field)}
      @input=${(event: Event) => this.onInput(field, (event.target as HTMLInputElement).value)}
      @blur=${() => this.onBlur(field)}
    />`;
  }

  private renderSelect(field: string, value: string, options: readonly (readonly [string, string])[]): TemplateResult {
    return html`<select
      part="select"
      id=${controlId(field)}
      name=${field}
      ?disabled=${this.phase === LeadConvertPhase.SUBMITTING}
      aria-invalid=${this.shownIssue(field) ? 'true' : 'false'}
      aria-describedby=${this.describedBy(field)}
      @change=${(event: Event) => this.onInput(field, (event.target as HTMLSelectElement).value)}
    >
      ${options.map(([id, label]) => html`<option value=${id} .selected=${id === value}>${label}</option>`)}
    </select>`;
  }

  /** The hint and error ids of a field; a field always has a hint element, empty when there is nothing to say. */
  private describedBy(field: string): string {
    const id = controlId(field);
    return this.shownIssue(field) ? `${id}-hint ${id}-error` : `${id}-hint`;
  }

  private renderField(field: string, data: LeadConvertData, control: TemplateResult, hint?: string): TemplateResult {
    const id = controlId(field);
    const issue = this.shownIssue(field);
    const required = field === 'title' || (this.validation?.required.has(field) ?? false);
    return html`<div part="field" class="field" data-field=${field}>
      <label part="label" for=${id}
        >${this.labelOf(field)}${required ? html`<span class="required" aria-hidden="true"> *</span>` : nothing}</label
      >
      ${control}
      <p part=${field === 'ownerId' ? 'hint owner-hint' : 'hint'} class="hint" id="${id}-hint">${hint ?? ''}</p>
      ${issue ? html`<p part="error" class="error" id="${id}-error">${this.problemText(issue, data)}</p>` : nothing}
    </div>`;
  }

  private renderSummary(data: LeadConvertData): TemplateResult | typeof nothing {
    const issues = [...(this.validation?.issues ?? [])];
    if (!this.summaryShown || issues.length === 0) return nothing;
    const title = issues.length === 1 ? m.summaryOne() : m.summaryMany(formatCount(issues.length, this.resolvedLocale));
    return html`<div part="summary" class="summary" tabindex="-1" role="group" aria-labelledby="summary-title">
      <span class="summary-title" id="summary-title" role="heading" aria-level=${this.headingLevel}>${title}</span>
      <ul>
        ${issues.map(
          ([field, issue]) =>
            html`<li>
              <button type="button" class="summary-link" @click=${() => this.focusField(field)}>
                ${m.summaryItem(this.labelOf(field), this.problemText(issue, data))}
              </button>
            </li>`,
        )}
      </ul>
    </div>`;
  }
}

/** The id of a field's control inside the shadow root. */
const controlId = (field: string): string => `c-${field.replace('.', '-')}`;

/** `CNY · Chinese Yuan` in the locale, or the bare code where `Intl` cannot name it. */
function currencyName(code: string, locale: string): string {
  try {
    const name = new Intl.DisplayNames([locale], { type: 'currency' }).of(code);
    return name && name !== code ? `${code} · ${name}` : code;
  } catch {
    return code;
  }
}
