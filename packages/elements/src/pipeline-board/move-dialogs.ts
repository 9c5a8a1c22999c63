/**
 * The board's two dialogs apart from the element: "Move to…" (a list of stages, the keyboard's way to move a card)
 * and the details a move needs (a lost reason, the fields a stage gate requires). A reactive controller keeps which
 * dialog is open for which card, opens them modally and puts focus back on the card.
 *
 * The board always renders both `<dialog>` elements, closed and empty; what they hold (the stage list, the form and
 * reading it back, amount entry) is in `move-dialogs-content.ts`, loaded with `import()` the first time a dialog
 * opens: most sessions drag cards or only look, and never download it.
 */
import {
  adoptStyles,
  html,
  nothing,
  supportsAdoptingStyleSheets,
  type LitElement,
  type ReactiveController,
  type ReactiveControllerHost,
  type TemplateResult,
} from 'lit';
import type { Deal, FailedGateCondition, MoveToStageOptions } from '@crmkit/core';
import type { BoardData } from './load.js';
import type * as ContentModule from './move-dialogs-content.js';
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

/**
 * A move's options: the deal's version as the board shows it, so a deal changed elsewhere meanwhile is a conflict,
 * never overwritten; then the details entered. A deal without a version is never forced: the CRM refuses the move
 * (`ValidationError`) and the board rolls it back.
 */
export function moveOptions(version: number | undefined, extra: MoveExtra): MoveToStageOptions {
  return {
    expectedVersion: version as number,
    ...(extra.values ? { values: extra.values } : {}),
    ...(extra.lostReason ? { lostReason: extra.lostReason } : {}),
  };
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
  /** The dialogs' content could not be loaded (offline, a failed deploy): the dialog that was asked for stays shut. */
  readonly failed: (deal: Deal | undefined, error: unknown) => void;
}

type Content = typeof ContentModule;

/** Which of the board's dialogs is open, for which card; opens them modally and hands focus back to the card. */
export class MoveDialogsController implements ReactiveController {
  /** The card "Move to…" is open for. */
  moveFor?: string;
  /** What the details dialog asks for, while open. */
  details?: DetailsRequest;

  private readonly host: Host;
  /** @internal What the dialogs' content uses of the board. */
  readonly options: MoveDialogsOptions;
  /** The dialogs' content, once loaded. */
  private content?: Content;
  private loading?: Promise<void>;

  constructor(host: Host, options: MoveDialogsOptions) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  /**
   * The host's `updateComplete` (`update` gives it) that also waits, while a dialog's content is loading, for it to
   * load and be drawn: the first dialog opened is there once the update that asked for it completes, as later ones.
   */
  drawn(update: () => Promise<boolean>): Promise<boolean> {
    const loading = this.content ? undefined : this.loading;
    if (!loading) return update();
    return update().then(async (done) => {
      await loading;
      return (await update()) && done;
    });
  }

  hostUpdated(): void {
    // A dialog opens once its content is drawn (never empty, while it loads), and only on a board still on the page.
    if (!this.content || !this.host.isConnected) return;
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
    this.load(dealId);
    this.host.requestUpdate();
  }

  /** Asks for what a move needs (or shows why the values entered were refused). */
  askDetails(request: DetailsRequest): void {
    this.details = request;
    this.load(request.dealId);
    this.host.requestUpdate();
  }

  /** Loads the dialogs' content the first time a dialog is asked for, then draws it. */
  private load(dealId: string): void {
    if (this.content || this.loading) return;
    this.loading = import('./move-dialogs-content.js').then(
      (content) => {
        this.content = content;
        // The dialogs' styles join the board's, after them, as if they had been among its static styles: adopted
        // sheets are replaced as a list; without them (Lit's fallback), `<style>` elements are appended.
        const root = this.host.renderRoot;
        const styles = supportsAdoptingStyleSheets ? (this.host.constructor as typeof LitElement).elementStyles : [];
        if (root instanceof ShadowRoot) adoptStyles(root, [...styles, content.dialogStyles]);
        this.host.requestUpdate();
      },
      (error: unknown) => {
        // Asked again later, it tries again.
        this.loading = undefined;
        this.moveFor = undefined;
        this.details = undefined;
        this.host.requestUpdate();
        this.options.failed(this.options.deal(dealId), error);
      },
    );
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

  /** Both dialogs, closed and empty until their content has loaded. */
  render(options: DialogsRenderOptions): TemplateResult {
    const content = this.content;
    return html`<dialog
        part="dialog"
        class="move-dialog"
        aria-labelledby="move-title"
        @close=${whenClosed(() => this.closeMove(false))}
      >
        ${content ? content.moveDialogContent(this, options) : nothing}
      </dialog>
      <dialog
        part="dialog"
        class="details-dialog"
        aria-labelledby="details-title"
        @close=${whenClosed(this.closeDetails)}
      >
        ${content ? content.detailsDialogContent(this, options) : nothing}
      </dialog>`;
  }
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

/**
 * What the dialogs show of the board. Its names and shared strings come from here rather than from the board's modules:
 * a bundler splitting the dialogs' content off moves every module both import into a chunk of their own.
 */
export interface DialogsRenderOptions {
  readonly source: BoardData;
  /** A stage's name in the messages' locale. */
  readonly stageName: (name: BoardData['pipeline']['stages'][number]['name']) => string;
  /** The label of the dialogs' Cancel buttons (the board's). */
  readonly cancel: string;
  /** The stage a card is in now (a pending move's target while it waits). */
  readonly currentStage: (dealId: string, stored: string) => string;
  /** The lost reasons offered, as codes, and their labels. */
  readonly lostReasons: readonly string[];
  readonly lostReasonLabel: (code: string) => string;
}
