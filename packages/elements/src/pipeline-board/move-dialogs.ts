/**
 * The board's two dialogs apart from the element: "Move to…" (a list of stages, the keyboard's way to move a card)
 * and the details a move needs (a lost reason, the fields a stage gate requires). A reactive controller keeps which
 * dialog is open for which card, opens them modally and puts focus back on the card; render functions draw them.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { fromMajor, toMajor, type Deal, type FailedGateCondition } from '@crmkit/core';
import { stageName } from './board-model.js';
import type { BoardData } from './load.js';
import { boardMessages } from './messages.js';
import type { MoveController, MoveVia } from './move-controller.js';

/** The dialog asking for what a move needs: a lost reason, or the fields a stage gate requires. */
export interface DetailsRequest {
  readonly dealId: string;
  readonly toStageId: string;
  readonly via: MoveVia;
  readonly lostReason: boolean;
  readonly fields: readonly string[];
  readonly failedConditions: readonly FailedGateCondition[];
  readonly error?: string;
}

/** What a move sends besides the stage: gate field values and a lost reason. */
export interface MoveExtra {
  readonly values?: Record<string, unknown>;
  readonly lostReason?: string;
}

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

export interface MoveDialogsOptions {
  /** Where focus goes once a dialog closes. */
  readonly mover: MoveController;
  /** The deal of a card, as shown. */
  readonly deal: (dealId: string) => Deal | undefined;
  /** The user chose a stage in "Move to…". */
  readonly move: (dealId: string, stageId: string) => void;
  /** Writes a move with the details entered; resolves with whether storage took it. */
  readonly commit: (deal: Deal, request: DetailsRequest, extra: MoveExtra) => Promise<boolean>;
}

/** Which of the board's dialogs is open, for which card; opens them modally and hands focus back to the card. */
export class MoveDialogsController implements ReactiveController {
  /** The card "Move to…" is open for. */
  moveFor?: string;
  /** What the details dialog asks for, while open. */
  details?: DetailsRequest;

  private readonly host: Host;
  private readonly options: MoveDialogsOptions;

  constructor(host: Host, options: MoveDialogsOptions) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  hostUpdated(): void {
    const root = this.host.renderRoot;
    const moveDialog = root.querySelector<HTMLDialogElement>('dialog.move-dialog');
    if (moveDialog && this.moveFor !== undefined && !moveDialog.open) {
      moveDialog.showModal();
      moveDialog.querySelector<HTMLButtonElement>('button[data-stage-id]:not([disabled])')?.focus();
    }
    const detailsDialog = root.querySelector<HTMLDialogElement>('dialog.details-dialog');
    if (detailsDialog && this.details && !detailsDialog.open) {
      detailsDialog.showModal();
      detailsDialog.querySelector<HTMLElement>('input, select')?.focus();
    }
  }

  /** Opens "Move to…" for a card. */
  openMove(dealId: string): void {
    this.moveFor = dealId;
    this.host.requestUpdate();
  }

  /** Asks for what a move needs (or shows why the values entered were refused). */
  askDetails(request: DetailsRequest): void {
    this.details = request;
    this.host.requestUpdate();
  }

  readonly choose = (dealId: string, stageId: string): void => {
    this.moveFor = undefined;
    this.host.requestUpdate();
    this.host.renderRoot.querySelector<HTMLDialogElement>('dialog.move-dialog')?.close();
    this.options.move(dealId, stageId);
  };

  /** Closes "Move to…"; `viaButton` when its Cancel button did (rather than Escape). */
  readonly closeMove = (viaButton: boolean): void => {
    const dealId = this.moveFor;
    this.moveFor = undefined;
    this.host.requestUpdate();
    if (viaButton) this.host.renderRoot.querySelector<HTMLDialogElement>('dialog.move-dialog')?.close();
    if (dealId !== undefined) void this.options.mover.focusCard(dealId);
  };

  readonly closeDetails = (): void => {
    const request = this.details;
    this.details = undefined;
    this.host.requestUpdate();
    const dialog = this.host.renderRoot.querySelector<HTMLDialogElement>('dialog.details-dialog');
    if (dialog?.open) dialog.close();
    if (request) void this.options.mover.focusAfterMove(request.dealId);
  };

  readonly submitDetails = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const request = this.details;
    const deal = request ? this.options.deal(request.dealId) : undefined;
    if (!request || !deal) return;
    const read = readDetails(event.target as HTMLFormElement, request, deal);
    if ('missing' in read) {
      this.askDetails({ ...request, error: boardMessages.fieldRequired(fieldLabel(read.missing.name)) });
      read.missing.focus();
      return;
    }
    const ok = await this.options.commit(deal, request, read.extra);
    // Closing a modal dialog hands focus back to what had it before the dialog opened, which the move has since
    // re-rendered into another column: focus goes to the moved card instead, as after a plain move (WCAG 2.4.3).
    if (ok) this.closeDetails();
  };
}

/**
 * A dialog's `close` event is delivered a frame after it closes; by then the dialog may already be open again for
 * another card, and that newer request must not be cleared.
 */
function whenClosed(close: () => void): (event: Event) => void {
  return (event) => {
    if (!(event.target as HTMLDialogElement).open) close();
  };
}

export interface DialogsRenderOptions {
  readonly source: BoardData;
  readonly messagesLocale: string;
  /** The stage a card is in now (a pending move's target while it waits). */
  readonly currentStage: (dealId: string, stored: string) => string;
  /** The lost reasons offered, as codes, and their labels. */
  readonly lostReasons: readonly string[];
  readonly lostReasonLabel: (code: string) => string;
}

/** Both dialogs, as the controller has them now. */
export function renderMoveDialogs(dialogs: MoveDialogsController, options: DialogsRenderOptions): TemplateResult {
  return html`${renderMoveDialog(dialogs, options)} ${renderDetailsDialog(dialogs, options)}`;
}

/** The "Move to…" dialog: the pipeline's stages as buttons, the current one disabled. */
function renderMoveDialog(dialogs: MoveDialogsController, options: DialogsRenderOptions): TemplateResult {
  const { source } = options;
  const dealId = dialogs.moveFor;
  const deal = dealId === undefined ? undefined : source.deals.find((candidate) => candidate.id === dealId);
  const current = deal ? options.currentStage(deal.id, deal.stageId) : undefined;
  return html`<dialog
    part="dialog"
    class="move-dialog"
    aria-labelledby="move-title"
    @close=${whenClosed(() => dialogs.closeMove(false))}
  >
    ${
      deal
        ? html`<h2 id="move-title" class="dialog-title">${boardMessages.moveDialogTitle(deal.title)}</h2>
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
                    ${stageName(stage.name, options.messagesLocale)}${isCurrent ? ` ${boardMessages.currentStage()}` : ''}
                  </button>
                </li>`;
              })}
            </ul>
            <button type="button" class="action" @click=${() => dialogs.closeMove(true)}>
              ${boardMessages.cancel()}
            </button>`
        : nothing
    }
  </dialog>`;
}

/** The dialog asking for a lost reason and the fields a stage gate requires. */
function renderDetailsDialog(dialogs: MoveDialogsController, options: DialogsRenderOptions): TemplateResult {
  const { source } = options;
  const request = dialogs.details;
  const deal = request ? source.deals.find((candidate) => candidate.id === request.dealId) : undefined;
  const stage = request ? source.pipeline.stages.find((candidate) => candidate.id === request.toStageId) : undefined;
  return html`<dialog
    part="dialog"
    class="details-dialog"
    aria-labelledby="details-title"
    @close=${whenClosed(dialogs.closeDetails)}
  >
    ${
      request && deal && stage
        ? html`<form @submit=${dialogs.submitDetails} novalidate>
            <h2 id="details-title" class="dialog-title">
              ${boardMessages.gateTitle(stageName(stage.name, options.messagesLocale))}
            </h2>
            ${
              request.fields.length > 0 || request.failedConditions.length > 0
                ? html`<p>${boardMessages.gateIntro()}</p>`
                : nothing
            }
            ${request.failedConditions.map(
              (condition) =>
                // Named by the same labels as the fields (`Amount`, not the path `amount.amountMinor`).
                html`<p class="condition">
                  ${boardMessages.gateCondition(condition.fields.map(fieldLabel).join(', '))}
                </p>`,
            )}
            ${request.lostReason ? renderLostReason(options) : nothing}
            ${request.fields.map((field) => renderGateField(field, deal as Deal, source))}
            ${request.error ? html`<p class="dialog-error" role="alert">${request.error}</p>` : nothing}
            <div class="dialog-actions">
              <button type="submit" class="action primary">${boardMessages.confirmMove()}</button>
              <button type="button" class="action" @click=${dialogs.closeDetails}>${boardMessages.cancel()}</button>
            </div>
          </form>`
        : nothing
    }
  </dialog>`;
}

function renderLostReason(options: DialogsRenderOptions): TemplateResult {
  return html`<label class="field">
    <span>${boardMessages.lostReason()}</span>
    <select name="lostReason" required aria-required="true">
      <option value="">${boardMessages.chooseReason()}</option>
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
        .value=${deal.amount.amountMinor > 0 ? String(toMajor(deal.amount)) : ''}
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
      values['amount'] = Number.isFinite(major) ? fromMajor(major, deal.amount.currency) : raw;
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
      return boardMessages.fieldExpectedCloseDate();
    case 'amount':
    case 'amount.amountMinor':
      return boardMessages.fieldAmount();
    case 'ownerId':
      return boardMessages.fieldOwner();
    case 'source':
      return boardMessages.fieldSource();
    case 'title':
      return boardMessages.fieldTitle();
    // The lost-reason select is checked like a gate field; its "Required" message names it by its label.
    case 'lostReason':
      return boardMessages.lostReason();
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
