/**
 * How a user moves deals on `<crm-pipeline-board>` without the element's own code: dragging a card onto a column,
 * moving through the cards with the keyboard (one tab stop, arrow keys, Home and End), and where focus goes after a
 * move. A reactive controller, as Shoelace keeps form association out of its controls.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { virtualizerRef, type VirtualizerHostElement } from '@lit-labs/virtualizer/virtualize.js';
import { locateCard, type BoardColumn } from './board-model.js';

/** How a move was asked for. */
export type MoveVia = 'drag' | 'keyboard';

const MIME = 'application/x-crmkit-deal';

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

export interface MoveControllerOptions {
  /** The columns as shown now. */
  readonly columns: () => readonly BoardColumn[];
  /** Whether a stage's column is collapsed (shows no cards). */
  readonly isCollapsed: (stage: BoardColumn['stage']) => boolean;
  /** Opens a collapsed column. */
  readonly expand: (stageId: string) => void;
  /** The user dropped a card on a column. */
  readonly move: (dealId: string, stageId: string, via: MoveVia) => void;
  /** The user opened a card (Enter). */
  readonly select: (dealId: string) => void;
}

/**
 * Drag and drop, keyboard navigation and focus for a board. The host renders `activeDealId` as the one tab stop
 * ({@link tabStopId}) and `dropStageId` as the drop target, and binds the `on*` handlers: the drag and keyboard ones
 * on the row of columns, the drop ones on each column.
 */
export class MoveController implements ReactiveController {
  /** The card holding the tab stop, once the user reached one. */
  activeDealId?: string;
  /** The column a dragged card is over. */
  dropStageId?: string;

  private readonly host: Host;
  private readonly options: MoveControllerOptions;
  private dragging?: string;
  /** The latest focus request; {@link settled} waits for it. */
  private focusing: Promise<void> = Promise.resolve();
  /** A focus request whose card is not drawn yet, and how to end its wait. */
  private focusWait?: { dealId: string; stop: () => void };

  constructor(host: Host, options: MoveControllerOptions) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  /** Resolves once the latest focus request has settled. */
  settled(): Promise<void> {
    return this.focusing;
  }

  hostUpdated(): void {
    // A focus request still waiting for its card ends when the tab stop moved on or the deal left the board.
    const wait = this.focusWait;
    if (wait && (this.activeDealId !== wait.dealId || !locateCard(this.options.columns(), wait.dealId))) wait.stop();
  }

  hostDisconnected(): void {
    this.focusWait?.stop();
  }

  /** Makes a card the active one (the tab stop), as a click on it does. */
  activate(dealId: string): void {
    if (dealId === this.activeDealId) return;
    this.activeDealId = dealId;
    this.host.requestUpdate();
  }

  /** The card holding the board's one tab stop: the active card if shown, else the first card. */
  tabStopId(): string | undefined {
    const columns = this.options.columns();
    if (this.activeDealId !== undefined) {
      const where = locateCard(columns, this.activeDealId);
      if (where && !this.options.isCollapsed(columns[where.column]!.stage)) return this.activeDealId;
    }
    for (const column of columns) {
      if (column.cards.length > 0 && !this.options.isCollapsed(column.stage)) return column.cards[0]!.deal.id;
    }
    return undefined;
  }

  // ——— keyboard ———

  readonly onFocusIn = (event: FocusEvent): void => {
    const dealId = (event.target as Element).closest<HTMLElement>('.card')?.dataset['dealId'];
    if (dealId !== undefined) this.activate(dealId);
  };

  readonly onKeyDown = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('card')) return;
    const dealId = target.dataset['dealId'];
    if (!dealId) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      this.options.select(dealId);
      return;
    }
    const here = locateCard(this.options.columns(), dealId);
    if (!here) return;
    const next = this.neighbour(here, event.key);
    if (!next) return;
    event.preventDefault();
    void this.focusCard(next);
  };

  /** The card an arrow, Home or End key leads to, skipping empty columns. */
  private neighbour(here: { column: number; index: number }, key: string): string | undefined {
    const columns = this.options.columns();
    const cards = columns[here.column]!.cards;
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
        const step = (key === 'ArrowRight') !== (getComputedStyle(this.host).direction === 'rtl') ? 1 : -1;
        for (let column = here.column + step; column >= 0 && column < columns.length; column += step) {
          // Collapsed columns show no cards: their toggle is reached with Tab instead.
          if (this.options.isCollapsed(columns[column]!.stage)) continue;
          const target = columns[column]!.cards;
          if (target.length > 0) return target[Math.min(here.index, target.length - 1)]!.deal.id;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  // ——— focus ———

  /**
   * Makes the card the tab stop, scrolls its column to it and focuses it, expanding its won or lost column if that is
   * collapsed. Resolves once the card has focus, or once the request is overtaken (another card asked for focus, the
   * deal left the board, the board was removed).
   */
  focusCard(dealId: string): Promise<void> {
    const columns = this.options.columns();
    const where = locateCard(columns, dealId);
    const stage = where ? columns[where.column]!.stage : undefined;
    if (stage && this.options.isCollapsed(stage)) this.options.expand(stage.id);
    this.focusing = this.focusWhenDrawn(dealId);
    return this.focusing;
  }

  /**
   * Runs `redraw` (the stored deal replacing the pending one) and, if the deal's card had focus, holds it there while
   * the column redraws: a focused card that moves (it entered its stage now: newest first) loses focus.
   */
  keepFocus(dealId: string, redraw: () => void): void {
    const card = (this.host.renderRoot as ShadowRoot).activeElement as HTMLElement | null;
    redraw();
    const list =
      card?.getAttribute('data-deal-id') === dealId && card.closest<HTMLElement & VirtualizerHostElement>('.cards');
    if (list)
      this.focusing = this.holdFocusWhileSettling(list, `.card[data-deal-id="${CSS.escape(dealId)}"]`, dealId, card);
  }

  /**
   * Where focus goes after a move made from the keyboard (or a dialog about it closed): the card, in its new column;
   * or, when that column is a collapsed won or lost one, its heading's toggle — the move does not open it. The card
   * stays the board's tab stop for when the column is opened.
   */
  focusAfterMove(dealId: string): Promise<void> {
    this.focusWait?.stop();
    this.activate(dealId);
    this.focusing = (async () => {
      // Decided once the move is drawn: until then the card is still in the column it left.
      await this.host.updateComplete;
      if (this.activeDealId !== dealId) return;
      const columns = this.options.columns();
      const where = locateCard(columns, dealId);
      const stage = where ? columns[where.column]!.stage : undefined;
      if (!stage || !this.options.isCollapsed(stage)) {
        await this.focusWhenDrawn(dealId);
        return;
      }
      this.host.renderRoot
        .querySelector<HTMLButtonElement>(`button[data-toggle-stage="${CSS.escape(stage.id)}"]`)
        ?.focus();
    })();
    return this.focusing;
  }

  private async focusWhenDrawn(dealId: string): Promise<void> {
    this.focusWait?.stop();
    this.activate(dealId);
    await this.host.updateComplete;
    const columns = this.options.columns();
    const where = locateCard(columns, dealId);
    if (!where || this.activeDealId !== dealId) return;
    const stageId = columns[where.column]!.stage.id;
    const list = this.host.renderRoot.querySelector<HTMLElement>(
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
      if (this.host.isConnected && this.activeDealId === dealId && !list.querySelector(selector)) {
        list[virtualizerRef]?.element(where.index)?.scrollIntoView({ block: 'nearest' });
      }
      card = await drawn;
      if (!card) return;
      card.focus({ preventScroll: false });
      // Drawn far from where the column was: the virtualizer now corrects its estimate, which may redraw the card.
      await this.holdFocusWhileSettling(list, selector, dealId, card);
      return;
    }
    card.focus({ preventScroll: false });
  }

  /**
   * A far card is first drawn at an estimated offset; the virtualizer then measures the cards around it and corrects
   * its scroll, which may redraw the range and replace (or briefly drop) the card. Waits until two frames pass without
   * cards being added or removed, bringing a dropped card back and moving focus to the card that replaced the focused
   * one, so {@link settled} resolves with the column still and focus on the card. Ends early when the card is no
   * longer wanted; focus the user has put elsewhere is left there.
   */
  private async holdFocusWhileSettling(
    list: HTMLElement & VirtualizerHostElement,
    selector: string,
    dealId: string,
    focused: HTMLElement,
  ): Promise<void> {
    // A frame, or a tenth of a second where the page draws no frames (a background tab): the correction comes with
    // the frames, so a page that draws none has nothing to wait for.
    const frame = () =>
      new Promise<void>((resolve) => {
        requestAnimationFrame(() => resolve());
        setTimeout(resolve, 100);
      });
    // A user scrolling the column keeps redrawing it: stop holding after a bounded number of passes.
    for (let pass = 0; pass < 20; pass++) {
      let changed = false;
      const observer = new MutationObserver(() => (changed = true));
      observer.observe(list, { childList: true });
      await frame();
      await frame();
      observer.disconnect();
      if (!changed) return;
      if (this.activeDealId !== dealId || !this.host.isConnected) return;
      // Still this deal's card (the virtualizer may reuse an element for another deal), still focused: nothing to do.
      const active = (this.host.renderRoot as ShadowRoot).activeElement;
      if (list.contains(focused) && focused.matches(selector) && active === focused) continue;
      // The focused card was replaced or moved (which drops its focus): bring its successor into view if the
      // correction dropped it, and focus it unless the user has moved focus on.
      if (active !== null ? !list.contains(active) : document.activeElement !== document.body) return;
      let card = list.querySelector<HTMLElement>(selector);
      if (!card) {
        const where = locateCard(this.options.columns(), dealId);
        if (!where) return;
        const drawn = this.cardDrawn(list, selector, dealId);
        list[virtualizerRef]?.element(where.index)?.scrollIntoView({ block: 'nearest' });
        card = await drawn;
        if (!card) return;
      }
      card.focus({ preventScroll: true });
      focused = card;
    }
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
        else if (
          this.activeDealId !== dealId ||
          !this.host.isConnected ||
          !locateCard(this.options.columns(), dealId)
        ) {
          finish(null);
        }
      };
      const wait = { dealId, stop: () => finish(null) };
      const observer = new MutationObserver(check);
      observer.observe(list, { childList: true, subtree: true });
      this.focusWait = wait;
      check();
    });
  }

  // ——— drag and drop ———

  readonly onDragStart = (event: DragEvent): void => {
    const dealId = (event.target as Element).closest<HTMLElement>('.card')?.dataset['dealId'];
    if (!dealId || !event.dataTransfer) return;
    this.dragging = dealId;
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData(MIME, dealId);
  };

  readonly onDragEnd = (): void => {
    this.dragging = undefined;
    this.setDropStage(undefined);
  };

  readonly onDragOver = (event: DragEvent): void => {
    if (this.dragging === undefined) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
    this.setDropStage((event.currentTarget as HTMLElement).dataset['stageId']);
  };

  readonly onDragLeave = (event: DragEvent): void => {
    const column = event.currentTarget as HTMLElement;
    if (!column.contains(event.relatedTarget as Node | null)) this.setDropStage(undefined);
  };

  readonly onDrop = (event: DragEvent): void => {
    const dealId = this.dragging ?? event.dataTransfer?.getData(MIME);
    const stageId = (event.currentTarget as HTMLElement).dataset['stageId'];
    this.dragging = undefined;
    this.setDropStage(undefined);
    if (!dealId || !stageId) return;
    event.preventDefault();
    this.options.move(dealId, stageId, 'drag');
  };

  private setDropStage(stageId: string | undefined): void {
    if (stageId === this.dropStageId) return;
    this.dropStageId = stageId;
    this.host.requestUpdate();
  }
}
