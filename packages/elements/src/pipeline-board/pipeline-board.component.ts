import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ContextConsumer } from '@lit/context';
import { virtualize, virtualizerRef, type VirtualizerHostElement } from '@lit-labs/virtualizer/virtualize.js';
import { FlowLayout } from '@lit-labs/virtualizer/layouts/flow.js';
import {
  CrmErrorCode,
  DEFAULT_LOST_REASONS,
  fromMajor,
  toMajor,
  type Crm,
  type Deal,
  type ExchangeRateTable,
  type FailedGateCondition,
  type Money,
} from '@crmkit/core';
import { crmContext } from '../internal/context.js';
import { crmLabel } from '../internal/labels.js';
import { CrmQueryController, CrmQueryStatus } from '../internal/crm-query-controller.js';
import { announce } from '../internal/announce.js';
import { CrmErrorEvent } from '../internal/events.js';
import { formatCount, formatDay, formatTotal } from '../internal/format.js';
import { elementLocale } from '../internal/locale.js';
import { resolveCrmLocale, updateOnCrmLocaleChange } from '../internal/localize.js';
import { crmMessages } from '../internal/messages.js';
import { componentStyles } from '../internal/component.styles.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import {
  buildBoard,
  filterOptions,
  locateCard,
  stageName,
  type BoardColumn,
  type BoardDeal,
  type BoardFilters,
  type BoardPipeline,
} from './board-model.js';
import { dealCardStyles, renderDealCard } from './deal-card.js';
import { CrmDealMoveEvent, CrmDealMovedEvent, CrmDealSelectEvent } from './events.js';
import { loadBoard, type BoardData } from './load.js';
import { boardMessages, sourceLabel } from './messages.js';
import { boardStyles } from './pipeline-board.styles.js';

/** The dialog asking for what a move needs: a lost reason, or the fields a stage gate requires. */
interface DetailsRequest {
  readonly dealId: string;
  readonly toStageId: string;
  readonly via: 'drag' | 'keyboard';
  readonly lostReason: boolean;
  readonly fields: readonly string[];
  readonly failedConditions: readonly FailedGateCondition[];
  readonly error?: string;
}

const MIME = 'application/x-crmkit-deal';

/**
 * The virtualizer's flow layout, starting from a card's usual height (one line each for title and customer in body
 * text of 16px at line height 1.5, plus its margin) instead of the virtualizer's 100px. A column's first frame places
 * its cards at estimated positions before it has measured them; from 100px every card below the first then jumped
 * down by half its height and more, which the host page counts as layout shift (the demo portal's CLS: 0.09 → 0.01).
 */
class CardFlowLayout extends FlowLayout {
  constructor(...args: ConstructorParameters<typeof FlowLayout>) {
    super(...args);
    this._itemSize = { width: 256, height: 158 };
  }
}

/** A stage as the board shows it. */
type BoardStage = BoardPipeline['stages'][number];

/**
 * Each column shows its stage's deal count, total and probability-weighted amount; each card the deal's name,
 * customer, amount, owner, days in stage and a rotting mark. Columns are virtualised, so ten thousand deals keep a
 * few hundred cards in the DOM.
 *
 * **With a CRM** (from `<crm-provider>` or the `crm` property) the board loads the pipeline named by `pipeline-id`,
 * follows changes from this tab, other tabs and other users, and moves deals with `crm.deals.moveToStage`: the card
 * moves at once and goes back, with a message, if storage refuses. A stage gate that fails opens a dialog asking
 * for the missing fields; a lost stage asks for the reason.
 *
 * **Presentational**: set `pipeline` and `deals` (and optionally `customerNames`, `ownerNames`) and the board reads
 * nothing; a move is only a `crm-deal-move` event for the host to apply.
 *
 * **Closed stages** (won and lost) start collapsed to a narrow column with their deal count and total; its heading is
 * a button (`aria-expanded`) that shows the cards, and `closed-stages="expanded"` starts them open. A card dragged
 * onto a collapsed column, or moved there through the dialog, lands in it without opening it. A closed card shows the
 * day it closed instead of days in stage, and its button reads "Reopen…": the same dialog, to move it back to an open
 * stage (or from won to lost).
 *
 * **Keyboard** (WCAG 2.5.7, no dragging needed): the cards form one tab stop; arrow keys move between cards and
 * columns, Home/End jump within a column, Enter opens a card, and each card's "Move to…" button opens a dialog of
 * stages. Moves are announced in a live region and focus stays on the moved card.
 *
 * @tag crm-pipeline-board
 * @summary A sales pipeline as columns of deal cards that move between stages by drag and drop or by keyboard.
 *
 * @event crm-deal-move - `CrmDealMoveEvent` (cancelable): the user asked to move a deal; nothing is written yet.
 * @event crm-deal-moved - `CrmDealMovedEvent`: storage committed a move made on this board.
 * @event crm-deal-select - `CrmDealSelectEvent`: a card was opened.
 * @event crm-error - `CrmErrorEvent`: loading (`query`) or a move (`move`) failed.
 *
 * @csspart base - The board's wrapper.
 * @csspart filters - The filter bar.
 * @csspart columns - The row of columns.
 * @csspart column - One stage column; `column-collapsed` is added to a collapsed won or lost column.
 * @csspart stage-toggle - The button in a won or lost column's heading that collapses and expands it.
 * @csspart column-header - A column's heading, count and amounts.
 * @csspart card - A deal card; `card-rotting` is added to rotting ones.
 * @csspart card-title - A card's deal name.
 * @csspart rotting-mark - The rotting mark on a card.
 * @csspart move-button - A card's "Move to…" button.
 * @csspart message - The message shown when a move fails.
 * @csspart empty - What an empty board says to do next (or that the filters hide every deal).
 * @csspart dialog - The "Move to…" and stage-gate dialogs.
 *
 * @cssproperty --crm-pipeline-board-height - Height of the board; columns scroll inside it. Default 640px.
 * @cssproperty --crm-pipeline-board-column-width - Width of a column. Default 272px.
 * @cssproperty --crm-pipeline-board-collapsed-width - Width of a collapsed won or lost column. Default 8rem.
 * @cssproperty --crm-color-accent - Focus rings, drop targets and the "Move to…" button.
 * @cssproperty --crm-color-danger - The rotting mark and failure messages.
 */
export class CrmPipelineBoard extends LitElement {
  /** @internal */
  static override styles = [tokenStyles, componentStyles, dealCardStyles, boardStyles];

  /** The pipeline to show, when the board loads through a CRM. */
  @property({ attribute: 'pipeline-id' }) pipelineId = '';

  /** The CRM to use instead of the provider's; a property only. */
  @property({ attribute: false }) crm?: Crm;

  /** Presentational use: the pipeline to show. Setting `pipeline` and `deals` stops the board reading storage. */
  @property({ attribute: false }) pipeline?: BoardPipeline;

  /** Presentational use: the deals to show, in the order cards appear within a column. */
  @property({ attribute: false }) deals?: readonly BoardDeal[];

  /** Presentational use: customer names by customer id. */
  @property({ attribute: false }) customerNames?: Readonly<Record<string, string>>;

  /**
   * Labels of deal sources for the source filter, by source code, as plain strings. Superseded by the provider's
   * `labels` (`{ source: { … } }`), which every element shares and which can be translated; kept working, and these
   * still come first for the board. Unset codes use the provider's labels, then crmkit's shared table.
   */
  @property({ attribute: false }) sourceLabels?: Readonly<Record<string, string>>;

  /**
   * Presentational use: exchange rates into the board's currency (the provider's), dated, so column totals convert
   * amounts in other currencies. With a CRM, its own rates (`createCrm({ exchangeRates })`) apply.
   */
  @property({ attribute: false }) exchangeRates?: ExchangeRateTable;

  /** Presentational use: owner names by user id. */
  @property({ attribute: false }) ownerNames?: Readonly<Record<string, string>>;

  /** BCP 47 locale; unset, the provider's, then the nearest `lang`. */
  @property() locale?: string;

  /** The instant days in stage and rotting count to; unset, the clock at each render. */
  @property({ attribute: false }) now?: Date;

  /** `light` or `dark` forces a colour scheme; unset, the page's applies. */
  @property({ reflect: true }) theme?: 'light' | 'dark';

  /** Hides the filter bar (the host filters, or there is no room). */
  @property({ type: Boolean, attribute: 'hide-filters' }) hideFilters = false;

  /** Heading level of the column names, to fit the host page's outline. */
  @property({ type: Number, attribute: 'heading-level' }) headingLevel = 3;

  /** The current filters; the filter bar sets them, and a host may too. */
  @property({ attribute: false }) filters: BoardFilters = {};

  /**
   * How won and lost columns start: `collapsed` (the default) to a narrow column with the stage, its deal count and
   * total, or `expanded` like the open stages. The user opens and closes each from its heading; setting this again
   * resets those choices.
   */
  @property({ attribute: 'closed-stages', reflect: true }) closedStages: 'collapsed' | 'expanded' = 'collapsed';

  /** Won and lost stages the user opened (true) or closed (false) against {@link closedStages}. */
  @state() private toggled: ReadonlyMap<string, boolean> = new Map();

  @state() private pending: ReadonlyMap<string, string> = new Map();
  @state() private activeDealId?: string;
  @state() private failure = '';
  @state() private moveFor?: string;
  @state() private details?: DetailsRequest;
  @state() private dropStageId?: string;

  private dragging?: string;
  private choices?: {
    key: readonly unknown[];
    value: ReturnType<typeof filterOptions>;
  };
  private columns: BoardColumn[] = [];
  private columnsKey: readonly unknown[] = [];

  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });

  /** @internal */
  readonly data = new CrmQueryController<BoardData>(this, {
    collections: ['deals', 'pipelines', 'customers', 'users'],
    query: (crm, _signal, update) => loadBoard(crm, this.pipelineId, update),
    crm: () => this.crm,
    enabled: () => !this.presentational && this.pipelineId !== '',
  });

  constructor() {
    super();
    updateOnCrmLocaleChange(this);
  }

  /** True when the host hands the board its data. */
  get presentational(): boolean {
    return this.deals !== undefined && this.pipeline !== undefined;
  }

  /** The columns as shown now (after filters and pending moves), collapsed ones included. */
  get shownColumns(): readonly BoardColumn[] {
    return this.columns;
  }

  /** The ids of the won and lost stages shown collapsed now. */
  get collapsedStageIds(): readonly string[] {
    return (this.source?.pipeline.stages ?? []).filter((stage) => this.isCollapsed(stage)).map((stage) => stage.id);
  }

  /** Collapses or expands a won or lost column (toggles it without `expanded`); open stages are always expanded. */
  toggleStage(stageId: string, expanded?: boolean): void {
    const stage = this.source?.pipeline.stages.find((candidate) => candidate.id === stageId);
    if (!stage || stage.kind === 'open') return;
    this.toggled = new Map(this.toggled).set(stageId, expanded ?? this.isCollapsed(stage));
  }

  private isCollapsed(stage: BoardStage): boolean {
    if (stage.kind === 'open') return false;
    return !(this.toggled.get(stage.id) ?? this.closedStages === 'expanded');
  }

  /** Resolves once loading and any move in progress have settled and the board has rendered. */
  async settled(): Promise<void> {
    await this.data.settled();
    await this.moves;
    await this.updateComplete;
    await this.focusing;
  }

  private moves: Promise<unknown> = Promise.resolve();

  private get source(): BoardData | undefined {
    if (this.presentational) {
      return {
        pipeline: this.pipeline!,
        deals: this.deals!,
        customerNames: this.customerNames ?? {},
        ownerNames: this.ownerNames ?? {},
      };
    }
    return this.data.value;
  }

  private get resolvedLocale(): string {
    return elementLocale(this, this.context.value?.locale);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('pipelineId') && !this.presentational) this.data.refresh();
    if (changed.has('closedStages') && this.toggled.size > 0) this.toggled = new Map();
    const source = this.source;
    const locale = this.resolvedLocale;
    // Without a fixed `now`, the clock to the minute: days in stage and rotting do not change faster, and a render for
    // focus or a drag-over then reuses the columns instead of regrouping every deal.
    const now = this.now?.getTime() ?? Math.floor(Date.now() / 60_000) * 60_000;
    const key = [
      source?.pipeline,
      source?.deals,
      source?.customerNames,
      source?.ownerNames,
      this.filters,
      this.pending,
      locale,
      now,
    ];
    if (!source) {
      this.columns = [];
    } else if (key.some((value, index) => value !== this.columnsKey[index])) {
      this.columns = buildBoard({
        ...source,
        previous: this.columns,
        filters: this.filters,
        pending: this.pending,
        now,
        locale,
      });
    }
    this.columnsKey = key;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.focusWait?.stop();
  }

  protected override updated(): void {
    // A focus request still waiting for its card ends when the tab stop moved on or the deal left the board.
    const wait = this.focusWait;
    if (wait && (this.activeDealId !== wait.dealId || !locateCard(this.columns, wait.dealId))) wait.stop();
    const moveDialog = this.renderRoot.querySelector<HTMLDialogElement>('dialog.move-dialog');
    if (moveDialog && this.moveFor !== undefined && !moveDialog.open) {
      moveDialog.showModal();
      moveDialog.querySelector<HTMLButtonElement>('button[data-stage-id]:not([disabled])')?.focus();
    }
    const detailsDialog = this.renderRoot.querySelector<HTMLDialogElement>('dialog.details-dialog');
    if (detailsDialog && this.details && !detailsDialog.open) {
      detailsDialog.showModal();
      detailsDialog.querySelector<HTMLElement>('input, select')?.focus();
    }
  }

  // ——— rendering ———

  override render(): TemplateResult {
    const source = this.source;
    if (!source) {
      if (this.data.status === CrmQueryStatus.ERROR) return this.renderLoadError();
      return html`<div part="base" class="state" role="status">${crmMessages.loading()}</div>`;
    }
    const locale = this.resolvedLocale;
    const messagesLocale = resolveCrmLocale(locale);
    const pipelineName = stageName(source.pipeline.name, messagesLocale);
    const shown = this.columns.reduce((sum, column) => sum + column.cards.length, 0);
    const tabStop = this.tabStopId();
    return html`<div part="base" class="board" role="region" aria-label=${boardMessages.boardLabel(pipelineName)}>
      ${this.hideFilters ? nothing : this.renderFilters(source, locale, shown)}
      ${
        // An empty board says what to do next; one emptied by the filters says so instead.
        shown === 0
          ? html`<p part="empty" class="board-empty">
              ${source.deals.length === 0 ? boardMessages.emptyBoard() : boardMessages.noMatches()}
            </p>`
          : nothing
      }
      <div
        part="columns"
        class="columns"
        tabindex=${
          // The row of columns scrolls sideways. With no card to hold the tab stop (no deals, or none matching the
          // filters) it takes the stop itself, so a keyboard user can still scroll to the columns out of view.
          tabStop === undefined ? 0 : nothing
        }
        @click=${this.onClick}
        @keydown=${this.onKeyDown}
        @focusin=${this.onFocusIn}
        @dragstart=${this.onDragStart}
        @dragend=${this.onDragEnd}
      >
        ${this.columns.map((column, index) => this.renderColumn(column, index, locale, messagesLocale, tabStop))}
      </div>
      <div class="visually-hidden announcement" role="status" aria-live="polite"></div>
      <div part="message" class="failure ${this.failure ? 'shown' : ''}" role="alert">
        ${
          this.failure
            ? html`<span>${this.failure}</span>
                <button type="button" class="dismiss" @click=${() => (this.failure = '')}>
                  ${boardMessages.cancel()}
                </button>`
            : nothing
        }
      </div>
      ${this.renderMoveDialog(source, messagesLocale)} ${this.renderDetailsDialog(source, messagesLocale)}
    </div>`;
  }

  private renderLoadError(): TemplateResult {
    const notFound = (this.data.error as { code?: string } | undefined)?.code === CrmErrorCode.notFound;
    return html`<div part="base" class="state" role="alert">
      <p>${notFound ? boardMessages.noPipeline() : crmMessages.loadFailed()}</p>
      ${
        notFound
          ? nothing
          : html`<button type="button" class="action" @click=${() => this.data.refresh()}>
              ${crmMessages.retry()}
            </button>`
      }
    </div>`;
  }

  /** The owners and sources the filter menus offer, recomputed only when the deals, names or locale change. */
  private filterChoices(source: BoardData, locale: string): ReturnType<typeof filterOptions> {
    const key = [source.deals, source.ownerNames, locale];
    if (!this.choices || key.some((value, index) => value !== this.choices!.key[index])) {
      this.choices = { key, value: filterOptions(source.deals, source.ownerNames, locale) };
    }
    return this.choices.value;
  }

  private renderFilters(source: BoardData, locale: string, shown: number): TemplateResult {
    const options = this.filterChoices(source, locale);
    const filters = this.filters;
    const set = (patch: Partial<BoardFilters>) => {
      this.filters = { ...this.filters, ...patch };
    };
    return html`<div part="filters" class="filters" role="search" aria-label=${boardMessages.filters()}>
      <label>
        <span>${boardMessages.owner()}</span>
        <select
          name="owner"
          .value=${filters.ownerId ?? ''}
          @change=${(event: Event) => set({ ownerId: (event.target as HTMLSelectElement).value })}
        >
          <option value="">${boardMessages.anyOwner()}</option>
          ${options.owners.map(
            (owner) => html`<option value=${owner.id} ?selected=${owner.id === filters.ownerId}>${owner.name}</option>`,
          )}
        </select>
      </label>
      <label>
        <span>${boardMessages.source()}</span>
        <select
          name="source"
          .value=${filters.source ?? ''}
          @change=${(event: Event) => set({ source: (event.target as HTMLSelectElement).value })}
        >
          <option value="">${boardMessages.anySource()}</option>
          ${options.sources.map(
            (source) =>
              html`<option value=${source} ?selected=${source === filters.source}>
                ${this.sourceLabels?.[source] ?? sourceLabel(source, this.context.value?.labels)}
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
          @input=${(event: Event) => set({ text: (event.target as HTMLInputElement).value })}
        />
      </label>
      <span class="summary">${boardMessages.dealCount(shown, formatCount(shown, locale))}</span>
    </div>`;
  }

  private renderColumn(
    column: BoardColumn,
    index: number,
    locale: string,
    messagesLocale: string,
    tabStop: string | undefined,
  ): TemplateResult {
    const name = stageName(column.stage.name, messagesLocale);
    const count = formatCount(column.cards.length, locale);
    const headingId = `stage-${index}`;
    const closed = column.stage.kind !== 'open';
    const collapsed = this.isCollapsed(column.stage);
    // Column totals run to millions: compact notation (¥1.2M, ¥120万) keeps the header to a line per figure.
    const compact = { compact: true } as const;
    // One total per figure: amounts in other currencies converted at the CRM's dated rates (marked ≈, the rates' day
    // in its title), a currency without a rate listed after it.
    const crm = this.data.crm;
    const money = (amounts: readonly Money[]) => {
      const total = formatTotal(
        amounts,
        locale,
        crm?.currency ?? this.context.value?.currency ?? 'CNY',
        crm?.exchangeRates ?? this.exchangeRates,
        compact,
      );
      return total.ratesAsOf === undefined
        ? total.text
        : html`<span title=${boardMessages.convertedAt(formatDay(total.ratesAsOf, locale))}
            >≈ ${total.text}<span class="visually-hidden"
              >, ${boardMessages.convertedAt(formatDay(total.ratesAsOf, locale))}</span
            ></span
          >`;
    };
    const timeZone = this.context.value?.timeZone;
    return html`<div
      part=${collapsed ? 'column column-collapsed' : 'column'}
      class="column ${collapsed ? 'collapsed' : ''} ${this.dropStageId === column.stage.id ? 'drop-target' : ''}"
      role="group"
      aria-labelledby=${headingId}
      data-stage-id=${column.stage.id}
      @dragover=${this.onDragOver}
      @dragleave=${this.onDragLeave}
      @drop=${this.onDrop}
    >
      <div part="column-header" class="column-header">
        <div class="heading-row">
          <span role="heading" aria-level=${this.headingLevel} id=${headingId} class="heading">
            ${
              // Won and lost columns open and close from their heading (a disclosure button); the same template in
              // both states, so the button keeps focus when pressed.
              closed
                ? html`<button
                    type="button"
                    part="stage-toggle"
                    class="stage-toggle"
                    aria-expanded=${collapsed ? 'false' : 'true'}
                    data-toggle-stage=${column.stage.id}
                    @click=${() => this.toggleStage(column.stage.id)}
                  >
                    <span class="chevron" aria-hidden="true"></span><span class="stage-name">${name}</span>
                  </button>`
                : html`<span class="stage-name">${name}</span>`
            }
          </span>
          ${
            // Expanded, the list's label carries the count; collapsed, there is no list and the count is read here.
            collapsed ? nothing : html`<span class="count" aria-hidden="true">${count}</span>`
          }
        </div>
        ${
          collapsed
            ? html`<p class="count collapsed-count">${boardMessages.dealCount(column.cards.length, count)}</p>
                <dl class="amounts">
                  <div>
                    <dt>${boardMessages.total()}</dt>
                    <dd>${money(column.totals)}</dd>
                  </div>
                </dl>`
            : html`<dl class="amounts">
                <div>
                  <dt>${boardMessages.total()}</dt>
                  <dd>${money(column.totals)}</dd>
                </div>
                <div>
                  <dt>${boardMessages.weighted()}</dt>
                  <dd>${money(column.weighted)}</dd>
                </div>
              </dl>`
        }
      </div>
      ${
        collapsed
          ? nothing
          : html`${column.cards.length === 0 ? html`<p class="empty">${boardMessages.emptyColumn()}</p>` : nothing}
              <div class="cards" role="list" aria-label=${boardMessages.columnLabel(name, column.cards.length, count)}>
                ${virtualize({
                  items: column.cards as BoardColumn['cards'][number][],
                  // `virtualize` takes the new items at once but hands them to its virtualizer only after an await,
                  // so a range computed for the old, longer list can still be rendered against the new one (a column
                  // that just shrank: a rolled-back move, a filter, a deal moved elsewhere), asking for items past
                  // its end. Those render nothing until the virtualizer's next range; without the guard the column's
                  // update throws.
                  keyFunction: (card, index) => card?.deal.id ?? `missing-${index}`,
                  renderItem: (card) =>
                    card
                      ? renderDealCard(card, {
                          locale,
                          tabStop: card.deal.id === tabStop,
                          ...(timeZone ? { timeZone } : {}),
                        })
                      : html``,
                  scroller: true,
                  // Named, not left to the default: the default layout is fetched with a dynamic import on first
                  // render.
                  layout: { type: CardFlowLayout },
                })}
              </div>`
      }
    </div>`;
  }

  private renderMoveDialog(source: BoardData, messagesLocale: string): TemplateResult {
    const dealId = this.moveFor;
    const deal = dealId === undefined ? undefined : source.deals.find((candidate) => candidate.id === dealId);
    const current = deal ? (this.pending.get(deal.id) ?? deal.stageId) : undefined;
    return html`<dialog
      part="dialog"
      class="move-dialog"
      aria-labelledby="move-title"
      @close=${(event: Event) => this.onDialogClosed(event, () => this.closeMoveDialog(false))}
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
                      @click=${() => this.chooseStage(deal.id, stage.id)}
                    >
                      ${stageName(stage.name, messagesLocale)}${isCurrent ? ` ${boardMessages.currentStage()}` : ''}
                    </button>
                  </li>`;
                })}
              </ul>
              <button type="button" class="action" @click=${() => this.closeMoveDialog(true)}>
                ${boardMessages.cancel()}
              </button>`
          : nothing
      }
    </dialog>`;
  }

  private renderDetailsDialog(source: BoardData, messagesLocale: string): TemplateResult {
    const request = this.details;
    const deal = request ? source.deals.find((candidate) => candidate.id === request.dealId) : undefined;
    const stage = request ? source.pipeline.stages.find((candidate) => candidate.id === request.toStageId) : undefined;
    return html`<dialog
      part="dialog"
      class="details-dialog"
      aria-labelledby="details-title"
      @close=${(event: Event) => this.onDialogClosed(event, () => this.closeDetails())}
    >
      ${
        request && deal && stage
          ? html`<form @submit=${this.onDetailsSubmit} novalidate>
              <h2 id="details-title" class="dialog-title">
                ${boardMessages.gateTitle(stageName(stage.name, messagesLocale))}
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
              ${request.lostReason ? this.renderLostReason() : nothing}
              ${request.fields.map((field) => this.renderGateField(field, deal as Deal, source))}
              ${request.error ? html`<p class="dialog-error" role="alert">${request.error}</p>` : nothing}
              <div class="dialog-actions">
                <button type="submit" class="action primary">${boardMessages.confirmMove()}</button>
                <button type="button" class="action" @click=${() => this.closeDetails()}>
                  ${boardMessages.cancel()}
                </button>
              </div>
            </form>`
          : nothing
      }
    </dialog>`;
  }

  private renderLostReason(): TemplateResult {
    const crm = this.data.crm;
    const codes = crm?.lostReasons ?? DEFAULT_LOST_REASONS.map((reason) => reason.code);
    const label = (code: string) => crmLabel('lostReason', code, this.context.value?.labels);
    return html`<label class="field">
      <span>${boardMessages.lostReason()}</span>
      <select name="lostReason" required aria-required="true">
        <option value="">${boardMessages.chooseReason()}</option>
        ${codes.map((code) => html`<option value=${code}>${label(code)}</option>`)}
      </select>
    </label>`;
  }

  private renderGateField(path: string, deal: Deal, source: BoardData): TemplateResult {
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

  // ——— keyboard and pointer ———

  /** The card holding the board's one tab stop: the active card if shown, else the first card. */
  private tabStopId(): string | undefined {
    if (this.activeDealId !== undefined) {
      const where = locateCard(this.columns, this.activeDealId);
      if (where && !this.isCollapsed(this.columns[where.column]!.stage)) return this.activeDealId;
    }
    for (const column of this.columns) {
      if (column.cards.length > 0 && !this.isCollapsed(column.stage)) return column.cards[0]!.deal.id;
    }
    return undefined;
  }

  private onClick = (event: MouseEvent): void => {
    const target = event.target as Element;
    const card = target.closest<HTMLElement>('.card');
    const dealId = card?.dataset['dealId'];
    if (!dealId) return;
    this.activeDealId = dealId;
    if (target.closest('[data-action="move"]')) {
      this.moveFor = dealId;
      return;
    }
    this.dispatchEvent(new CrmDealSelectEvent({ dealId }));
  };

  private onFocusIn = (event: FocusEvent): void => {
    const dealId = (event.target as Element).closest<HTMLElement>('.card')?.dataset['dealId'];
    if (dealId !== undefined && dealId !== this.activeDealId) this.activeDealId = dealId;
  };

  private onKeyDown = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('card')) return;
    const dealId = target.dataset['dealId'];
    if (!dealId) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      this.dispatchEvent(new CrmDealSelectEvent({ dealId }));
      return;
    }
    const here = locateCard(this.columns, dealId);
    if (!here) return;
    const next = this.neighbour(here, event.key);
    if (!next) return;
    event.preventDefault();
    void this.focusCard(next);
  };

  /** The card an arrow, Home or End key leads to, skipping empty columns. */
  private neighbour(here: { column: number; index: number }, key: string): string | undefined {
    const cards = this.columns[here.column]!.cards;
    switch (key) {
      case 'ArrowUp':
        return cards[Math.max(0, here.index - 1)]?.deal.id;
      case 'ArrowDown':
        return cards[Math.min(cards.length - 1, here.index + 1)]?.deal.id;
      case 'Home':
        return cards[0]?.deal.id;
      case 'End':
        return cards[cards.length - 1]?.deal.id;
      case 'ArrowLeft':
      case 'ArrowRight': {
        const step = (key === 'ArrowRight') !== (getComputedStyle(this).direction === 'rtl') ? 1 : -1;
        for (let column = here.column + step; column >= 0 && column < this.columns.length; column += step) {
          // Collapsed columns show no cards: their toggle is reached with Tab instead.
          if (this.isCollapsed(this.columns[column]!.stage)) continue;
          const target = this.columns[column]!.cards;
          if (target.length > 0) return target[Math.min(here.index, target.length - 1)]!.deal.id;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * Makes the card the tab stop, scrolls its column to it and focuses it, expanding its won or lost column if that is
   * collapsed. Resolves once the card has focus, or once the request is overtaken (another card asked for focus, the
   * deal left the board, the board was removed).
   */
  focusCard(dealId: string): Promise<void> {
    const where = locateCard(this.columns, dealId);
    const stage = where ? this.columns[where.column]!.stage : undefined;
    if (stage && this.isCollapsed(stage)) this.toggleStage(stage.id, true);
    this.focusing = this.focusWhenDrawn(dealId);
    return this.focusing;
  }

  /**
   * Where focus goes after a move made from the keyboard (or a dialog about it closed): the card, in its new column;
   * or, when that column is a collapsed won or lost one, its heading's toggle — the move does not open it. The card
   * stays the board's tab stop for when the column is opened.
   */
  private focusAfterMove(dealId: string): Promise<void> {
    this.focusWait?.stop();
    this.activeDealId = dealId;
    this.focusing = (async () => {
      // Decided once the move is drawn: until then the card is still in the column it left.
      await this.updateComplete;
      if (this.activeDealId !== dealId) return;
      const where = locateCard(this.columns, dealId);
      const stage = where ? this.columns[where.column]!.stage : undefined;
      if (!stage || !this.isCollapsed(stage)) {
        await this.focusWhenDrawn(dealId);
        return;
      }
      this.renderRoot.querySelector<HTMLButtonElement>(`button[data-toggle-stage="${CSS.escape(stage.id)}"]`)?.focus();
    })();
    return this.focusing;
  }

  /** The latest {@link focusCard} request; {@link settled} waits for it. */
  private focusing: Promise<void> = Promise.resolve();

  /** A focus request whose card is not drawn yet, and how to end its wait. */
  private focusWait?: { dealId: string; stop: () => void };

  private async focusWhenDrawn(dealId: string): Promise<void> {
    this.focusWait?.stop();
    this.activeDealId = dealId;
    await this.updateComplete;
    const where = locateCard(this.columns, dealId);
    if (!where || this.activeDealId !== dealId) return;
    const stageId = this.columns[where.column]!.stage.id;
    const list = this.renderRoot.querySelector<HTMLElement>(
      `.column[data-stage-id="${CSS.escape(stageId)}"] .cards`,
    ) as (HTMLElement & VirtualizerHostElement) | null;
    if (!list) return;
    const selector = `.card[data-deal-id="${CSS.escape(dealId)}"]`;
    let card = list.querySelector<HTMLElement>(selector);
    if (!card) {
      // The column's virtualizer draws the card on one of its coming passes, however long the machine takes: a card
      // that just changed column within a task or two, a card far down the column once scrolled to. Wait for the
      // card itself to appear, never for a fixed time, which a slow or busy device would overrun.
      const drawn = this.cardDrawn(list, selector, dealId);
      // Give the virtualizer that task first: scrolling before it would force a layout for nothing.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.isConnected && this.activeDealId === dealId && !list.querySelector(selector)) {
        list[virtualizerRef]?.element(where.index)?.scrollIntoView({ block: 'nearest' });
      }
      card = await drawn;
    }
    card?.focus({ preventScroll: false });
  }

  /**
   * Resolves with the card once it is in `list`, or with null once it is no longer wanted: the board's tab stop moved
   * on, the deal is no longer on the board, or the board left the page ({@link focusWait} ends the wait).
   */
  private cardDrawn(list: HTMLElement, selector: string, dealId: string): Promise<HTMLElement | null> {
    return new Promise((resolve) => {
      const finish = (card: HTMLElement | null) => {
        observer.disconnect();
        if (this.focusWait === wait) this.focusWait = undefined;
        resolve(card);
      };
      const check = () => {
        const card = list.querySelector<HTMLElement>(selector);
        if (card) finish(card);
        else if (this.activeDealId !== dealId || !this.isConnected || !locateCard(this.columns, dealId)) finish(null);
      };
      const wait = { dealId, stop: () => finish(null) };
      const observer = new MutationObserver(check);
      observer.observe(list, { childList: true, subtree: true });
      this.focusWait = wait;
      check();
    });
  }

  private onDragStart = (event: DragEvent): void => {
    const dealId = (event.target as Element).closest<HTMLElement>('.card')?.dataset['dealId'];
    if (!dealId || !event.dataTransfer) return;
    this.dragging = dealId;
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData(MIME, dealId);
  };

  private onDragEnd = (): void => {
    this.dragging = undefined;
    this.dropStageId = undefined;
  };

  private onDragOver = (event: DragEvent): void => {
    if (this.dragging === undefined) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
    const stageId = (event.currentTarget as HTMLElement).dataset['stageId'];
    if (stageId !== this.dropStageId) this.dropStageId = stageId;
  };

  private onDragLeave = (event: DragEvent): void => {
    const column = event.currentTarget as HTMLElement;
    if (!column.contains(event.relatedTarget as Node | null)) this.dropStageId = undefined;
  };

  private onDrop = (event: DragEvent): void => {
    const dealId = this.dragging ?? event.dataTransfer?.getData(MIME);
    const stageId = (event.currentTarget as HTMLElement).dataset['stageId'];
    this.dragging = undefined;
    this.dropStageId = undefined;
    if (!dealId || !stageId) return;
    event.preventDefault();
    void this.moveDeal(dealId, stageId, 'drag');
  };

  // ——— moving ———

  private chooseStage(dealId: string, stageId: string): void {
    this.moveFor = undefined;
    this.renderRoot.querySelector<HTMLDialogElement>('dialog.move-dialog')?.close();
    void this.moveDeal(dealId, stageId, 'keyboard');
  }

  private closeMoveDialog(viaButton: boolean): void {
    const dealId = this.moveFor;
    this.moveFor = undefined;
    if (viaButton) this.renderRoot.querySelector<HTMLDialogElement>('dialog.move-dialog')?.close();
    if (dealId !== undefined) void this.focusCard(dealId);
  }

  /**
   * A dialog's `close` event is delivered a frame after it closes; by then the dialog may already be open again for
   * another card, and that newer request must not be cleared.
   */
  private onDialogClosed(event: Event, close: () => void): void {
    if (!(event.target as HTMLDialogElement).open) close();
  }

  private closeDetails(): void {
    const request = this.details;
    this.details = undefined;
    const dialog = this.renderRoot.querySelector<HTMLDialogElement>('dialog.details-dialog');
    if (dialog?.open) dialog.close();
    if (request) void this.focusAfterMove(request.dealId);
  }

  /**
   * Moves a deal as the user asked: announces the intent (`crm-deal-move`), then, with a CRM, asks for a lost
   * reason if the stage needs one and writes the move. Resolves when it has settled either way.
   */
  async moveDeal(dealId: string, toStageId: string, via: 'drag' | 'keyboard' = 'keyboard'): Promise<void> {
    const source = this.source;
    const deal = source?.deals.find((candidate) => candidate.id === dealId);
    const stage = source?.pipeline.stages.find((candidate) => candidate.id === toStageId);
    if (!deal || !stage) return;
    const fromStageId = this.pending.get(dealId) ?? deal.stageId;
    if (fromStageId === toStageId) return;
    if (!this.dispatchEvent(new CrmDealMoveEvent({ dealId, fromStageId, toStageId, via }))) return;
    if (this.presentational || !this.data.crm) {
      announce(
        this.renderRoot,
        boardMessages.moved(deal.title, stageName(stage.name, resolveCrmLocale(this.resolvedLocale))),
      );
      if (via === 'keyboard') void this.focusAfterMove(dealId);
      return;
    }
    if (stage.kind === 'lost') {
      this.details = { dealId, toStageId, via, lostReason: true, fields: [], failedConditions: [] };
      return;
    }
    await this.commitMove(deal, toStageId, via, {});
  }

  private async commitMove(
    deal: BoardDeal,
    toStageId: string,
    via: 'drag' | 'keyboard',
    extra: { values?: Record<string, unknown>; lostReason?: string },
  ): Promise<boolean> {
    const crm = this.data.crm;
    const source = this.source;
    const stage = source?.pipeline.stages.find((candidate) => candidate.id === toStageId);
    if (!crm || !stage) return false;
    const messagesLocale = resolveCrmLocale(this.resolvedLocale);
    const fromStageId = deal.stageId;
    this.failure = '';
    this.pending = new Map(this.pending).set(deal.id, toStageId);
    if (via === 'keyboard') void this.focusAfterMove(deal.id);
    const run = (async () => {
      try {
        const moved = await crm.deals.moveToStage(deal.id, toStageId, {
          ...(deal.version === undefined ? {} : { expectedVersion: deal.version }),
          ...(extra.values ? { values: extra.values } : {}),
          ...(extra.lostReason ? { lostReason: extra.lostReason } : {}),
        });
        // Re-read only the moved deal; storage's own change event, when it comes, re-reads just that deal again.
        this.data.refresh([{ collection: 'deals', id: deal.id, type: 'put', version: moved.version }]);
        await this.data.settled();
        announce(this.renderRoot, boardMessages.moved(deal.title, stageName(stage.name, messagesLocale)));
        this.dispatchEvent(new CrmDealMovedEvent({ dealId: deal.id, fromStageId, toStageId, version: moved.version }));
        return true;
      } catch (error) {
        this.rollBack(deal, toStageId, via, error, extra);
        return false;
      } finally {
        const pending = new Map(this.pending);
        pending.delete(deal.id);
        this.pending = pending;
      }
    })();
    this.moves = this.moves.then(() => run);
    return run;
  }

  private rollBack(
    deal: BoardDeal,
    toStageId: string,
    via: 'drag' | 'keyboard',
    error: unknown,
    extra: { values?: Record<string, unknown>; lostReason?: string },
  ): void {
    const code = (error as { code?: string } | null)?.code;
    if (code === CrmErrorCode.stageGate) {
      const gate = error as { missingFields: readonly string[]; failedConditions: readonly FailedGateCondition[] };
      const fields = [...new Set([...gate.missingFields, ...gate.failedConditions.flatMap((c) => c.fields)])];
      this.details = {
        dealId: deal.id,
        toStageId,
        via,
        lostReason: extra.lostReason !== undefined,
        fields,
        failedConditions: gate.failedConditions,
      };
      return;
    }
    if (this.details && code === CrmErrorCode.validation) {
      // The dialog's values were refused: keep it open and say so there.
      this.details = { ...this.details, error: boardMessages.moveFailed(deal.title) };
      return;
    }
    this.failure =
      code === CrmErrorCode.conflict ? boardMessages.moveConflict(deal.title) : boardMessages.moveFailed(deal.title);
    if (code === CrmErrorCode.conflict) this.data.refresh();
    this.dispatchEvent(new CrmErrorEvent({ error, operation: 'move' }));
    if (via === 'keyboard') void this.focusAfterMove(deal.id);
  }

  private onDetailsSubmit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const request = this.details;
    const source = this.source;
    const deal = source?.deals.find((candidate) => candidate.id === request?.dealId) as Deal | undefined;
    if (!request || !deal) return;
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const missing = [...form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[name]')].find(
      (control) => String(data.get(control.name) ?? '').trim() === '',
    );
    if (missing) {
      missing.setAttribute('aria-invalid', 'true');
      this.details = { ...request, error: boardMessages.fieldRequired(fieldLabel(missing.name)) };
      missing.focus();
      return;
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
    const ok = await this.commitMove(deal, request.toStageId, request.via, {
      ...(request.fields.length > 0 ? { values } : {}),
      ...(lostReason ? { lostReason } : {}),
    });
    // Closing a modal dialog hands focus back to what had it before the dialog opened, which the move has since
    // re-rendered into another column: focus goes to the moved card instead, as after a plain move (WCAG 2.4.3).
    if (ok) this.closeDetails();
  };
}

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
