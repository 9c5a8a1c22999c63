/**
 * What the board's dialogs hold: the stages of "Move to…", the lost-reason and stage-gate form, and reading that form
 * back into a move (an amount entered in major units, in minor units). Loaded with `import()` by
 * `MoveDialogsController` the first time a dialog opens; the `<dialog>` elements themselves are always rendered.
 */
import { html, nothing, type TemplateResult } from 'lit';
// The non-validating money helpers: the deal shown was validated on the way in, and the move's values are validated by
// storage on write (a refused amount comes back as the dialog's error). The validating `fromMajor` and `toMajor`
// would bring zod into the board's download: a bundler splitting this module off still keeps what it shares with
// the board's own imports of the core in the board's chunk.
import { fromMajorUnchecked, toMajorUnchecked, type Deal } from '@crmkit/core';
import type { BoardData } from './load.js';
import { dialogMessages } from './dialog-messages.js';
export { dialogStyles } from './move-dialogs.styles.js';
import type { DetailsRequest, DialogsRenderOptions, MoveDialogsController, MoveExtra } from './move-dialogs.js';

/** The "Move to…" dialog's content: the pipeline's stages as buttons, the current one disabled. */
export function moveDialogContent(
  dialogs: MoveDialogsController,
  options: DialogsRenderOptions,
): TemplateResult | typeof nothing {
  const { source } = options;
  const dealId = dialogs.moveFor;
  const deal = dealId === undefined ? undefined : source.deals.find((candidate) => candidate.id === dealId);
  const current = deal ? options.currentStage(deal.id, deal.stageId) : undefined;
  if (!deal) return nothing;
  return html`<h2 id="move-title" class="dialog-title">${dialogMessages.moveDialogTitle(deal.title)}</h2>
    <ul class="stage-list">
      ${source.pipeline.stages.map((stage) => {
        const isCurrent = stage.id === current;
        return html`<li>
          <button
            type="button"
            class="stage-choice"
            data-stage-id=${stage.id}
            ?disabled=${isCurrent}
            aria-current=${isCurrent ? 'true' : 'false'}
            @click=${() => dialogs.choose(deal.id, stage.id)}
          >
            ${options.stageName(stage.name)}${isCurrent ? ` ${dialogMessages.currentStage()}` : ''}
          </button>
        </li>`;
      })}
    </ul>
    <button type="button" class="action" @click=${() => dialogs.closeMove(true)}>${options.cancel}</button>`;
}

/** The content of the dialog asking for a lost reason and the fields a stage gate requires. */
export function detailsDialogContent(
  dialogs: MoveDialogsController,
  options: DialogsRenderOptions,
): TemplateResult | typeof nothing {
  const { source } = options;
  const request = dialogs.details;
  const deal = request ? source.deals.find((candidate) => candidate.id === request.dealId) : undefined;
  const stage = request ? source.pipeline.stages.find((candidate) => candidate.id === request.toStageId) : undefined;
  if (!request || !deal || !stage) return nothing;
  return html`<form @submit=${(event: SubmitEvent) => submitDetails(dialogs, event)} novalidate>
    <h2 id="details-title" class="dialog-title">${dialogMessages.gateTitle(options.stageName(stage.name))}</h2>
    ${
      request.fields.length > 0 || request.failedConditions.length > 0
        ? html`<p>${dialogMessages.gateIntro()}</p>`
        : nothing
    }
    ${request.failedConditions.map(
      (condition) =>
        // Named by the same labels as the fields (`Amount`, not the path `amount.amountMinor`).
        html`<p class="condition">${dialogMessages.gateCondition(condition.fields.map(fieldLabel).join(', '))}</p>`,
    )}
    ${request.lostReason ? renderLostReason(options) : nothing}
    ${request.fields.map((field) => renderGateField(field, deal as Deal, source))}
    ${request.error ? html`<p class="dialog-error" role="alert">${request.error}</p>` : nothing}
    <div class="dialog-actions">
      <button type="submit" class="action primary">${dialogMessages.confirmMove()}</button>
      <button type="button" class="action" @click=${dialogs.closeDetails}>${options.cancel}</button>
    </div>
  </form>`;
}

/** The details form submitted: asks again for what is missing, or writes the move and closes the dialog. */
async function submitDetails(dialogs: MoveDialogsController, event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const request = dialogs.details;
  const deal = request ? dialogs.options.deal(request.dealId) : undefined;
  if (!request || !deal) return;
  const read = readDetails(event.target as HTMLFormElement, request, deal);
  if ('missing' in read) {
    dialogs.askDetails({ ...request, error: dialogMessages.fieldRequired(fieldLabel(read.missing.name)) });
    read.missing.focus();
    return;
  }
  const ok = await dialogs.options.commit(deal, request, read.extra);
  // Closing a modal dialog hands focus back to what had it before the dialog opened, which the move has since
  // re-rendered into another column: focus goes to the moved card instead, as after a plain move (WCAG 2.4.3).
  if (ok) dialogs.closeDetails();
}

function renderLostReason(options: DialogsRenderOptions): TemplateResult {
  return html`<label class="field">
    <span>${dialogMessages.lostReason()}</span>
    <select name="lostReason" required aria-required="true">
      <option value="">${dialogMessages.chooseReason()}</option>
      ${options.lostReasons.map((code) => html`<option value=${code}>${options.lostReasonLabel(code)}</option>`)}
    </select>
  </label>`;
}

function renderGateField(path: string, deal: Deal, source: BoardData): TemplateResult {
  const label = fieldLabel(path);
  if (path === 'expectedCloseDate') {
    return html`<label class="field">
      <span>${label}</span>
      <input type="date" name=${path} required aria-required="true" .value=${deal.expectedCloseDate ?? ''} />
    </label>`;
  }
  if (path === 'amount' || path === 'amount.amountMinor') {
    return html`<label class="field">
      <span>${label} (${deal.amount.currency})</span>
      <input
        type="number"
        name=${path}
        min="0"
        step="any"
        required
        aria-required="true"
        .value=${deal.amount.amountMinor > 0 ? String(toMajorUnchecked(deal.amount)) : ''}
      />
    </label>`;
  }
  if (path === 'ownerId') {
    const owners = Object.entries(source.ownerNames);
    return html`<label class="field">
      <span>${label}</span>
      <select name=${path} required aria-required="true">
        <option value=""></option>
        ${owners.map(([id, name]) => html`<option value=${id} ?selected=${id === deal.ownerId}>${name}</option>`)}
      </select>
    </label>`;
  }
  const current = readPath(deal, path);
  return html`<label class="field">
    <span>${label}</span>
    <input
      type="text"
      name=${path}
      required
      aria-required="true"
      .value=${typeof current === 'string' || typeof current === 'number' ? String(current) : ''}
    />
  </label>`;
}

/**
 * The details form read back: the first control left empty (marked invalid), or what the move sends — gate fields
 * as a patch of the deal (an amount in minor units), and the lost reason.
 */
function readDetails(
  form: HTMLFormElement,
  request: DetailsRequest,
  deal: Deal,
): { readonly missing: HTMLInputElement | HTMLSelectElement } | { readonly extra: MoveExtra } {
  const data = new FormData(form);
  const missing = [...form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[name]')].find(
    (control) => String(data.get(control.name) ?? '').trim() === '',
  );
  if (missing) {
    missing.setAttribute('aria-invalid', 'true');
    return { missing };
  }
  const values: Record<string, unknown> = {};
  for (const field of request.fields) {
    const raw = String(data.get(field) ?? '').trim();
    if (field === 'amount' || field === 'amount.amountMinor') {
      const major = Number(raw);
      values['amount'] = Number.isFinite(major) ? fromMajorUnchecked(major, deal.amount.currency) : raw;
    } else {
      assignPath(values, deal, field, raw);
    }
  }
  const lostReason = request.lostReason ? String(data.get('lostReason') ?? '') : undefined;
  return {
    extra: {
      ...(request.fields.length > 0 ? { values } : {}),
      ...(lostReason ? { lostReason } : {}),
    },
  };
}

/** The label of a gate field (or of the lost-reason select), by its path. */
function fieldLabel(path: string): string {
  switch (path) {
    case 'expectedCloseDate':
      return dialogMessages.fieldExpectedCloseDate();
    case 'amount':
    case 'amount.amountMinor':
      return dialogMessages.fieldAmount();
    case 'ownerId':
      return dialogMessages.fieldOwner();
    case 'source':
      return dialogMessages.fieldSource();
    case 'title':
      return dialogMessages.fieldTitle();
    // The lost-reason select is checked like a gate field; its "Required" message names it by its label.
    case 'lostReason':
      return dialogMessages.lostReason();
    default:
      return path;
  }
}

/** An own property path of a record, or `undefined`. */
function readPath(record: object, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Sets a dotted path in a patch, copying the deal's current value of the top-level field so that a nested field
 * (`customFields.region`) keeps its siblings.
 */
function assignPath(values: Record<string, unknown>, deal: object, path: string, value: string): void {
  const [top, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) {
    values[top] = value;
    return;
  }
  const current = values[top] ?? readPath(deal, top);
  const copy: Record<string, unknown> = structuredClone(
    current !== null && typeof current === 'object' ? (current as Record<string, unknown>) : {},
  );
  let cursor = copy;
  rest.slice(0, -1).forEach((key) => {
    const next = cursor[key];
    cursor = cursor[key] = next !== null && typeof next === 'object' ? (next as Record<string, unknown>) : {};
  });
  cursor[rest[rest.length - 1]!] = value;
  values[top] = copy;
}
