import { msg, str } from '@lit/localize';

/**
 * The strings of the board's "Move to…" and stage-gate dialogs (ids `crm.board.*`, as `boardMessages`); apart
 * from the board's, so that they load with the dialogs' content, the first time a dialog opens.
 */
export const dialogMessages = {
  moveDialogTitle: (deal: string): string => msg(str`Move “${deal}” to…`, { id: 'crm.board.move-title' }),
  currentStage: (): string => msg('(current stage)', { id: 'crm.board.current-stage' }),
  gateTitle: (stage: string): string => msg(str`Before moving to ${stage}`, { id: 'crm.board.gate-title' }),
  gateIntro: (): string => msg('This stage needs more details about the deal.', { id: 'crm.board.gate-intro' }),
  gateCondition: (fields: string): string =>
    msg(str`A condition on ${fields} is not met.`, { id: 'crm.board.gate-condition' }),
  lostReason: (): string => msg('Why was it lost?', { id: 'crm.board.lost-reason' }),
  chooseReason: (): string => msg('Choose a reason', { id: 'crm.board.choose-reason' }),
  confirmMove: (): string => msg('Move', { id: 'crm.board.confirm-move' }),
  fieldRequired: (field: string): string => msg(str`${field}: Required`, { id: 'crm.board.field-required' }),
  fieldExpectedCloseDate: (): string => msg('Expected close date', { id: 'crm.board.field.expected-close-date' }),
  fieldAmount: (): string => msg('Amount', { id: 'crm.board.field.amount' }),
  fieldOwner: (): string => msg('Owner', { id: 'crm.board.field.owner' }),
  fieldSource: (): string => msg('Source', { id: 'crm.board.field.source' }),
  fieldTitle: (): string => msg('Title', { id: 'crm.board.field.title' }),
};
