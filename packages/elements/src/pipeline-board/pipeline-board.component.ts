import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ContextConsumer } from '@lit/context';
import {
  CrmErrorCode,
  type ChangeEvent,
  type Crm,
  type Deal,
  type ExchangeRateTable,
  type FailedGateCondition,
} from '@crmkit/core';
import { crmContext } from '../internal/context.js';
import { lostReasonLabel } from '../internal/labels.js';
import { CrmQueryStatus } from '../internal/crm-query-controller.js';
import { PatchableQueryController } from '../internal/patchable-query-controller.js';
import { OptimisticWriteController } from '../internal/optimistic-write-controller.js';
import { announce } from '../internal/announce.js';
import { CrmErrorEvent } from '../internal/events.js';
import { renderLoadError } from '../internal/load-error.js';
import { elementLocale } from '../internal/locale.js';
import { resolveCrmLocale, updateOnCrmLocaleChange } from '../internal/localize.js';
import { crmMessages } from '../internal/messages.js';
import { componentStyles } from '../internal/component.styles.js';
import { tokenStyles } from '../internal/tokens.styles.js';
import {
  buildBoard,
  filterOptions,
  stageName,
  type BoardColumn,
  type BoardDeal,
  type BoardFilters,
  type BoardPipeline,
} from './board-model.js';
import { renderColumn, type ColumnContext } from './column.js';
import { dealCardStyles } from './deal-card.js';
import { CrmDealMoveEvent, CrmDealMovedEvent, CrmDealSelectEvent } from './events.js';
import { renderFilters } from './filters.js';
import { loadBoard, withStoredDeal, type BoardData } from './load.js';
import { boardMessages, sourceLabel } from './messages.js';
import { MoveDialogsController, moveOptions, type DetailsRequest, type MoveExtra } from './move-dialogs.js';
import { MoveController, type MoveVia } from './move-controller.js';
import { boardStyles } from './pipeline-board.styles.js';

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

  @state() private failure = '';

  private choices?: { key: readonly unknown[]; value: ReturnType<typeof filterOptions> };
  private columns: BoardColumn[] = [];
  private columnsKey: readonly unknown[] = [];

  private readonly context = new ContextConsumer(this, { context: crmContext, subscribe: true });

  /** @internal */
  readonly data = new PatchableQueryController<BoardData>(this, {
    collections: ['deals', 'pipelines', 'customers', 'users'],
    query: (crm, _signal, update) => loadBoard(crm, this.pipelineId, update),
    crm: () => this.crm,
    enabled: () => !this.presentational && this.pipelineId !== '',
  });

  /** Moves waiting for storage: deal id → the stage the card shows in meanwhile. */
  private readonly writes = new OptimisticWriteController<string, string>(this, { query: this.data });

  private readonly mover = new MoveController(this, {
    columns: () => this.columns,
    isCollapsed: (stage) => this.isCollapsed(stage),
    expand: (stageId) => this.toggleStage(stageId, true),
    move: (dealId, stageId, via) => void this.moveDeal(dealId, stageId, via),
    select: (dealId) => this.dispatchEvent(new CrmDealSelectEvent({ dealId })),
  });

  private readonly dialogs = new MoveDialogsController(this, {
    mover: this.mover,
    deal: (dealId) => this.source?.deals.find((candidate) => candidate.id === dealId) as Deal | undefined,
    move: (dealId, stageId) => void this.moveDeal(dealId, stageId, 'keyboard'),
    commit: (deal, request, extra) => this.commitMove(deal, request.toStageId, request.via, extra),
    failed: (deal, error) => deal && this.rollBack(deal, deal.stageId, 'keyboard', error, {}),
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
    await this.writes.settled();
    await this.updateComplete;
    await this.mover.settled();
  }

  /** @internal `updateComplete` also waits for a dialog asked for to load its content (once) and be drawn. */
  protected override getUpdateComplete(): Promise<boolean> {
    return this.dialogs.drawn(() => super.getUpdateComplete());
  }

  /**
   * Makes the card the tab stop and focuses it, scrolling its column to it and expanding its won or lost column if
   * collapsed. Resolves once it has focus, or the request is overtaken (another card, the deal or the board gone).
   */
  focusCard(dealId: string): Promise<void> {
    return this.mover.focusCard(dealId);
  }

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
    const pending = this.writes.pending;
    // Without a fixed `now`, the clock to the minute: days in stage and rotting do not change faster, and a render for
    // focus or a drag-over then reuses the columns instead of regrouping every deal.
    const now = this.now?.getTime() ?? Math.floor(Date.now() / 60_000) * 60_000;
    const key = [
      source?.pipeline,
      source?.deals,
      source?.customerNames,
      source?.ownerNames,
      this.filters,
      pending,
      locale,
      now,
    ];
    if (!source) {
      this.columns = [];
    } else if (key.some((value, index) => value !== this.columnsKey[index])) {
      this.columns = buildBoard({ ...source, previous: this.columns, filters: this.filters, pending, now, locale });
    }
    this.columnsKey = key;
  }

  // ——— rendering ———

  override render(): TemplateResult {
    const source = this.source;
    if (!source) {
      if (this.data.status === CrmQueryStatus.ERROR) {
        return renderLoadError(this.data.error, {
          notFound: boardMessages.noPipeline,
          retry: () => this.data.refresh(),
          base: true,
          buttonClass: 'action',
        });
      }
      return html`<div part="base" class="state" role="status">${crmMessages.loading()}</div>`;
    }
    const locale = this.resolvedLocale;
    const messagesLocale = resolveCrmLocale(locale);
    const pipelineName = stageName(source.pipeline.name, messagesLocale);
    const shown = this.columns.reduce((sum, column) => sum + column.cards.length, 0);
    const tabStop = this.mover.tabStopId();
    const crm = this.data.crm;
    const mover = this.mover;
    const columnContext: ColumnContext = {
      locale,
      messagesLocale,
      timeZone: this.context.value?.timeZone,
      tabStop,
      headingLevel: this.headingLevel,
      currency: crm?.currency ?? this.context.value?.currency ?? 'CNY',
      rates: crm?.exchangeRates ?? this.exchangeRates,
      isCollapsed: (stage) => this.isCollapsed(stage),
      dropStageId: mover.dropStageId,
      toggle: (stageId) => this.toggleStage(stageId),
      onDragOver: mover.onDragOver,
      onDragLeave: mover.onDragLeave,
      onDrop: mover.onDrop,
    };
    return html`<div part="base" class="board" role="region" aria-label=${boardMessages.boardLabel(pipelineName)}>
      ${
        this.hideFilters
          ? nothing
          : renderFilters({
              filters: this.filters,
              choices: this.filterChoices(source, locale),
              sourceLabel: (code) => this.sourceLabels?.[code] ?? sourceLabel(code, this.context.value?.labels),
              shown,
              locale,
              set: (patch: Partial<BoardFilters>) => (this.filters = { ...this.filters, ...patch }),
            })
      }
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
        @keydown=${mover.onKeyDown}
        @focusin=${mover.onFocusIn}
        @dragstart=${mover.onDragStart}
        @dragend=${mover.onDragEnd}
      >
        ${this.columns.map((column, index) => renderColumn(column, index, columnContext))}
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
      ${this.dialogs.render({
        source,
        stageName: (name) => stageName(name, messagesLocale),
        cancel: boardMessages.cancel(),
        currentStage: (dealId, stored) => this.writes.pending.get(dealId) ?? stored,
        // Asked only on a move through a CRM, which lists its reasons: core's default list (4.5 kB gzip) not imported.
        lostReasons: crm?.lostReasons ?? [],
        lostReasonLabel: (code) => lostReasonLabel(code, this.context.value?.labels),
      })}
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

  private onClick = (event: MouseEvent): void => {
    const target = event.target as Element;
    const dealId = target.closest<HTMLElement>('.card')?.dataset['dealId'];
    if (!dealId) return;
    this.mover.activate(dealId);
    if (target.closest('[data-action="move"]')) {
      this.dialogs.openMove(dealId);
      return;
    }
    this.dispatchEvent(new CrmDealSelectEvent({ dealId }));
  };

  // ——— moving ———

  /**
   * Moves a deal as the user asked: announces the intent (`crm-deal-move`), then, with a CRM, asks for a lost
   * reason if the stage needs one and writes the move. Resolves when it has settled either way.
   */
  async moveDeal(dealId: string, toStageId: string, via: MoveVia = 'keyboard'): Promise<void> {
    const source = this.source;
    const deal = source?.deals.find((candidate) => candidate.id === dealId);
    const stage = source?.pipeline.stages.find((candidate) => candidate.id === toStageId);
    if (!deal || !stage) return;
    const fromStageId = this.writes.pending.get(dealId) ?? deal.stageId;
    if (fromStageId === toStageId) return;
    if (!this.dispatchEvent(new CrmDealMoveEvent({ dealId, fromStageId, toStageId, via }))) return;
    if (this.presentational || !this.data.crm) {
      announce(
        this.renderRoot,
        boardMessages.moved(deal.title, stageName(stage.name, resolveCrmLocale(this.resolvedLocale))),
      );
      if (via === 'keyboard') void this.mover.focusAfterMove(dealId);
      return;
    }
    if (stage.kind === 'lost') {
      this.dialogs.askDetails({ dealId, toStageId, via, lostReason: true, fields: [], failedConditions: [] });
      return;
    }
    await this.commitMove(deal, toStageId, via, {});
  }

  /**
   * Writes a move: the card shows in its new column at once and goes back if storage refuses. The deal storage
   * returns is what the board shows next; nothing is read again.
   */
  private commitMove(deal: BoardDeal, toStageId: string, via: MoveVia, extra: MoveExtra): Promise<boolean> {
    const crm = this.data.crm;
    const stage = this.source?.pipeline.stages.find((candidate) => candidate.id === toStageId);
    if (!crm || !stage) return Promise.resolve(false);
    const messagesLocale = resolveCrmLocale(this.resolvedLocale);
    const fromStageId = deal.stageId;
    this.failure = '';
    const written = this.writes.run(
      deal.id,
      toStageId,
      async () => {
        const moved = await crm.deals.moveToStage(deal.id, toStageId, moveOptions(deal.version, extra));
        const write: ChangeEvent = { collection: 'deals', id: deal.id, type: 'put', version: moved.version };
        const current = this.data.value;
        const next = current && withStoredDeal(current, moved);
        // The stored deal may show elsewhere in its column (it entered the stage now), moving the focused card.
        this.mover.keepFocus(deal.id, () => {
          if (!next || !this.data.patch(() => next, [write])) this.data.refresh([write]);
        });
        announce(this.renderRoot, boardMessages.moved(deal.title, stageName(stage.name, messagesLocale)));
        this.dispatchEvent(new CrmDealMovedEvent({ dealId: deal.id, fromStageId, toStageId, version: moved.version }));
      },
      (error) => this.rollBack(deal, toStageId, via, error, extra),
    );
    if (via === 'keyboard') void this.mover.focusAfterMove(deal.id);
    return written;
  }

  private rollBack(deal: BoardDeal, toStageId: string, via: MoveVia, error: unknown, extra: MoveExtra): void {
    const code = (error as { code?: string } | null)?.code;
    if (code === CrmErrorCode.stageGate) {
      const gate = error as { missingFields: readonly string[]; failedConditions: readonly FailedGateCondition[] };
      const fields = [...new Set([...gate.missingFields, ...gate.failedConditions.flatMap((c) => c.fields)])];
      const request: DetailsRequest = {
        dealId: deal.id,
        toStageId,
        via,
        lostReason: extra.lostReason !== undefined,
        fields,
        failedConditions: gate.failedConditions,
      };
      this.dialogs.askDetails(request);
      return;
    }
    const open = this.dialogs.details;
    if (open && code === CrmErrorCode.validation) {
      // The dialog's values were refused: keep it open and say so there.
      this.dialogs.askDetails({ ...open, error: boardMessages.moveFailed(deal.title) });
      return;
    }
    this.failure =
      code === CrmErrorCode.conflict ? boardMessages.moveConflict(deal.title) : boardMessages.moveFailed(deal.title);
    if (code === CrmErrorCode.conflict) this.data.refresh();
    this.dispatchEvent(new CrmErrorEvent({ error, operation: 'move' }));
    if (via === 'keyboard') void this.mover.focusAfterMove(deal.id);
  }
}
