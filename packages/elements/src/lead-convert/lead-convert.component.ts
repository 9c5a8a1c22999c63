import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ContextConsumer } from '@lit/context';
import {
  CUSTOM_FIELDS_COLLECTION,
  CrmErrorCode,
  type Crm,
  type CustomFieldDefinition,
  type LocalizedText,
} from '@crmkit/core';
import { crmContext } from '../internal/context.js';
import { CrmQueryController, CrmQueryStatus } from '../internal/crm-query-controller.js';
import { FormController, FormPhase, errorCode, renderSummary } from '../internal/form-controller.js';
import { formatCount, localized } from '../internal/format.js';
import { renderLoadError } from '../internal/load-error.js';
import { elementLocale } from '../internal/locale.js';
import { resolveCrmLocale, updateOnCrmLocaleChange } from '../internal/localize.js';
import { crmMessages } from '../internal/messages.js';
import { componentStyles } from '../internal/component.styles.js';
import { formStyles } from '../internal/form.styles.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import { CrmLeadConvertFailedEvent, CrmLeadConvertedEvent, type CrmLeadConvertFailedDetail } from './events.js';
import { loadLeadConvert, type ConvertUser, type LeadConvertData } from './load.js';
import { leadConvertStyles } from './lead-convert.styles.js';
import { leadConvertMessages as m } from './messages.js';
import { controlId, renderConvertForm } from './render.js';
import { refusedFields, validateConversion, type ConvertValidation, type LeadConvertIssue } from './validate.js';

export type { LeadConvertIssue } from './validate.js';

/** Where the form is: editing, waiting for the CRM, converted, or refused. */
export const LeadConvertPhase = FormPhase;
export type LeadConvertPhase = FormPhase;

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
  static override styles = [tokenStyles, componentStyles, formStyles, leadConvertStyles];

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

  /** What the conversion made, for the success line (rendered in the current language). */
  @state() private converted?: {
    readonly title: string;
    readonly stage: LocalizedText | string;
    readonly owner: string;
  };

  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });
  private validation?: ConvertValidation;

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

  private readonly formControl = new FormController<LeadConvertIssue>(this, {
    issues: () => this.validation?.issues ?? new Map(),
    controlId,
    submit: () => this.submit(),
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
    return this.formControl.submit(() => this.runSubmit());
  }

  /** Resolves once loading and any submission in progress have settled and the element has rendered. */
  async settled(): Promise<void> {
    await this.updateComplete;
    await Promise.all([this.query.settled(), this.formControl.settled()]);
    await this.updateComplete;
  }

  // ——— lifecycle ———

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('leadId') || changed.has('pipelineId')) {
      if (changed.get('leadId') !== undefined || changed.get('pipelineId') !== undefined) {
        this.formControl.set({ phase: FormPhase.IDLE, failure: undefined });
        this.formControl.clear();
        this.values = {};
        this.query.refresh();
      }
    }
    const data = this.query.value;
    this.validation = data
      ? validateConversion(data, (field) => this.fieldValue(field, data).trim(), this.formControl.serverIssues)
      : undefined;
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

  // ——— submitting ———

  private async runSubmit(): Promise<void> {
    const data = this.query.value;
    const crm = this.query.crm;
    if (!data || !crm || this.formControl.phase === FormPhase.SUCCESS || data.lead.status === 'converted') return;
    if (!(await this.formControl.begin())) return;
    const validation = this.validation;
    if (!validation) return;
    const leadId = data.lead.id;
    let code: CrmLeadConvertFailedDetail['code'] = 'CRM_UNKNOWN';
    const convert = async () => {
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
      this.formControl.set({ phase: FormPhase.SUCCESS });
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
    };
    await this.formControl.send(
      convert,
      (error) => this.refusal((code = errorCode(error)), error, data),
      () => this.dispatchEvent(new CrmLeadConvertFailedEvent({ leadId, code })),
    );
  }

  /** What the form says, and marks, when the CRM refuses the conversion. */
  private refusal(
    code: CrmLeadConvertFailedDetail['code'],
    error: unknown,
    data: LeadConvertData,
  ): { failure: string; issues?: ReadonlyMap<string, LeadConvertIssue> } {
    const { issues, named, reload } = refusedFields(code, error);
    const labels = [...new Set(named.map(([field, path]) => (field === undefined ? path : this.labelOf(field))))];
    // The lead changed, was converted or went meanwhile: show its latest state, keep what was typed.
    if (reload || code === CrmErrorCode.conflict || code === CrmErrorCode.notFound) this.query.refresh();
    if (reload) return { failure: m.failedGeneric() };
    switch (code) {
      case CrmErrorCode.validation:
        return { failure: m.failedValidation(labels.join(', ')), issues };
      case CrmErrorCode.stageGate: {
        const stageId = (error as { stageId: string }).stageId;
        const stage = data.pipeline.stages.find((candidate) => candidate.id === stageId);
        return { failure: m.failedGate(this.localizedText(stage?.name ?? stageId), labels.join(', ')), issues };
      }
      case CrmErrorCode.conflict:
        return { failure: m.failedConflict() };
      case CrmErrorCode.notFound:
        return { failure: m.notFound() };
      case CrmErrorCode.permission:
        return { failure: m.failedPermission() };
      default:
        return { failure: m.failedGeneric() };
    }
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

  override render(): TemplateResult {
    const data = this.query.value;
    const { phase } = this.formControl;
    const success = phase === FormPhase.SUCCESS;
    const converted = this.converted;
    const status =
      success && converted
        ? m.success(converted.title, this.localizedText(converted.stage), converted.owner)
        : phase === FormPhase.SUBMITTING
          ? m.submitting()
          : '';
    let body: TemplateResult | typeof nothing = nothing;
    if (!this.leadId) body = html`<p>${m.noLead()}</p>`;
    else if (!data || data.lead.id !== this.leadId) {
      body =
        this.query.status === CrmQueryStatus.ERROR
          ? renderLoadError(this.query.error, {
              notFound: m.notFound,
              retry: () => this.query.refresh(),
              buttonClass: 'retry',
            })
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

  private renderForm(data: LeadConvertData): TemplateResult {
    const control = this.formControl;
    const issues = [...this.issues];
    const problem = (issue: LeadConvertIssue) => this.problemText(issue, data);
    return renderConvertForm({
      data,
      validation: this.validation!,
      locale: this.resolvedLocale,
      submitting: control.phase === FormPhase.SUBMITTING,
      label: this.label || m.label(data.lead.name),
      summary: renderSummary(control, {
        title: issues.length === 1 ? m.summaryOne() : m.summaryMany(formatCount(issues.length, this.resolvedLocale)),
        headingLevel: this.headingLevel,
        items: issues.map(([field, issue]) => [field, m.summaryItem(this.labelOf(field), problem(issue))]),
      }),
      failure: control.failure,
      currencies: [this.context.value?.currency ?? '', ...this.currencies],
      value: (field) => this.fieldValue(field, data),
      defaultOwner: this.defaultOwner(data),
      ownerLine: (ownerId) => {
        const name = this.userName(data.users, ownerId);
        if (ownerId === this.actorId) return m.ownerIsYou(name);
        return ownerId === data.lead.ownerId ? m.ownerIsLeadOwner(name) : m.ownerIsOther(name);
      },
      shown: (field) => control.shown(field),
      labelOf: (field) => this.labelOf(field),
      problem,
      localized: (text) => this.localizedText(text),
      definitionOf: (field) => this.definitionOf(field),
      input: (field, value) => {
        this.values = { ...this.values, [field]: value };
        control.edited(field);
      },
      left: (field) => control.left(field, this.values[field]),
      onSubmit: control.onSubmit,
    });
  }
}
