import { CrmEvent } from '../internal/events.js';

export interface CrmDealMoveDetail {
  readonly dealId: string;
  readonly fromStageId: string;
  readonly toStageId: string;
  /** How the user asked: by dragging the card, or through the "Move to…" dialog. */
  readonly via: 'drag' | 'keyboard';
}

/**
 * Fired by `<crm-pipeline-board>` when the user asks to move a deal, before anything is written. Cancelable: calling
 * `preventDefault()` keeps the card where it is. Without a CRM (presentational use) this is the whole move: the host
 * updates its data and hands the board new `deals`.
 */
export class CrmDealMoveEvent extends CrmEvent<CrmDealMoveDetail> {
  static readonly eventType = 'crm-deal-move';
  constructor(detail: CrmDealMoveDetail) {
    super(CrmDealMoveEvent.eventType, detail, { cancelable: true });
  }
}

export interface CrmDealMovedDetail {
  readonly dealId: string;
  readonly fromStageId: string;
  readonly toStageId: string;
  /** The deal's version after the move. */
  readonly version: number;
}

/** Fired by `<crm-pipeline-board>` once storage has committed a move made on the board. */
export class CrmDealMovedEvent extends CrmEvent<CrmDealMovedDetail> {
  static readonly eventType = 'crm-deal-moved';
  constructor(detail: CrmDealMovedDetail) {
    super(CrmDealMovedEvent.eventType, detail);
  }
}

export interface CrmDealSelectDetail {
  readonly dealId: string;
}

/** Fired by `<crm-pipeline-board>` when a card is opened (clicked, or Enter on a focused card). */
export class CrmDealSelectEvent extends CrmEvent<CrmDealSelectDetail> {
  static readonly eventType = 'crm-deal-select';
  constructor(detail: CrmDealSelectDetail) {
    super(CrmDealSelectEvent.eventType, detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'crm-deal-move': CrmDealMoveEvent;
    'crm-deal-moved': CrmDealMovedEvent;
    'crm-deal-select': CrmDealSelectEvent;
  }
}
