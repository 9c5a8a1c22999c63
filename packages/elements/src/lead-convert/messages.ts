import { msg, str } from '@lit/localize';

/**
 * The lead conversion form's strings (ids `crm.leadConvert.*`); translations live in `src/locales/`. Problems name the
 * field and what is wrong, never the value typed, and never repeat core's own wording.
 */
export const leadConvertMessages = {
  /** The form's accessible name. */
  label: (lead: string): string => msg(str`Convert ${lead} into a deal`, { id: 'crm.leadConvert.label' }),
  fieldTitle: (): string => msg('Deal title', { id: 'crm.leadConvert.field.title' }),
  fieldAmount: (): string => msg('Amount', { id: 'crm.leadConvert.field.amount' }),
  fieldCurrency: (): string => msg('Currency', { id: 'crm.leadConvert.field.currency' }),
  fieldCloseDate: (): string => msg('Expected close date', { id: 'crm.leadConvert.field.close-date' }),
  fieldStage: (): string => msg('Stage', { id: 'crm.leadConvert.field.stage' }),
  fieldOwner: (): string => msg('Owner', { id: 'crm.leadConvert.field.owner' }),
  fieldSource: (): string => msg('Source', { id: 'crm.leadConvert.field.source' }),
  requiredNote: (): string => msg('Fields marked * are required.', { id: 'crm.leadConvert.required-note' }),
  /** Why fields the first stage does not need are asked for: the next stage's gate reads them. */
  nextGateNote: (stage: string): string =>
    msg(str`Moving the deal on to ${stage} needs the marked fields, so they are asked for now.`, {
      id: 'crm.leadConvert.next-gate-note',
    }),

  /** The hints under the amount and the close date: the value as it will read, in the reader's locale. */
  amountHint: (amount: string): string => msg(str`Saved as ${amount}.`, { id: 'crm.leadConvert.amount-hint' }),
  closeDateHint: (day: string): string => msg(str`Closes on ${day}.`, { id: 'crm.leadConvert.close-date-hint' }),
  ownerIsLeadOwner: (name: string): string =>
    msg(str`The deal goes to ${name}, who owns the lead.`, { id: 'crm.leadConvert.owner.lead' }),
  ownerIsYou: (name: string): string => msg(str`The deal goes to you (${name}).`, { id: 'crm.leadConvert.owner.you' }),
  ownerIsOther: (name: string): string => msg(str`The deal goes to ${name}.`, { id: 'crm.leadConvert.owner.other' }),

  submit: (): string => msg('Convert to deal', { id: 'crm.leadConvert.submit' }),
  submitting: (): string => msg('Converting…', { id: 'crm.leadConvert.submitting' }),
  success: (title: string, stage: string, owner: string): string =>
    msg(str`Converted: the deal “${title}” is in ${stage}, owned by ${owner}.`, { id: 'crm.leadConvert.success' }),

  noLead: (): string => msg('No lead to convert.', { id: 'crm.leadConvert.no-lead' }),
  notFound: (): string => msg('This lead no longer exists.', { id: 'crm.leadConvert.not-found' }),
  converted: (): string => msg('This lead is converted already.', { id: 'crm.leadConvert.converted' }),
  disqualified: (): string =>
    msg('This lead is disqualified: qualify it before converting it.', { id: 'crm.leadConvert.disqualified' }),

  errorRequired: (): string => msg('This field is required.', { id: 'crm.leadConvert.error.required' }),
  errorAmount: (): string =>
    msg('Enter an amount of 0 or more, with no more decimals than the currency has.', {
      id: 'crm.leadConvert.error.amount',
    }),
  errorTooLong: (max: string): string =>
    msg(str`Use at most ${max} characters.`, { id: 'crm.leadConvert.error.too-long' }),
  errorInvalid: (): string => msg('This value is not accepted.', { id: 'crm.leadConvert.error.invalid' }),
  errorGateEnter: (stage: string): string =>
    msg(str`${stage} needs this field.`, { id: 'crm.leadConvert.error.gate-enter' }),
  errorGateNext: (stage: string): string =>
    msg(str`Moving on to ${stage} needs this field.`, { id: 'crm.leadConvert.error.gate-next' }),
  errorGateCondition: (stage: string): string =>
    msg(str`This value does not meet what ${stage} requires.`, { id: 'crm.leadConvert.error.gate-condition' }),

  summaryOne: (): string => msg('There is a problem with the deal', { id: 'crm.leadConvert.summary-one' }),
  summaryMany: (count: string): string =>
    msg(str`There are ${count} problems with the deal`, { id: 'crm.leadConvert.summary-many' }),
  summaryItem: (label: string, problem: string): string =>
    msg(str`${label}: ${problem}`, { id: 'crm.leadConvert.summary-item' }),

  failedConflict: (): string =>
    msg('Someone changed this lead meanwhile. Its latest details are shown: check them and convert again.', {
      id: 'crm.leadConvert.failed.conflict',
    }),
  failedValidation: (fields: string): string =>
    msg(str`Some details were not accepted: ${fields}.`, { id: 'crm.leadConvert.failed.validation' }),
  failedGate: (stage: string, fields: string): string =>
    msg(str`${stage} needs more details: ${fields}.`, { id: 'crm.leadConvert.failed.gate' }),
  failedPermission: (): string =>
    msg('You are not allowed to convert leads.', { id: 'crm.leadConvert.failed.permission' }),
  failedGeneric: (): string =>
    msg('The lead could not be converted. Please try again.', { id: 'crm.leadConvert.failed.generic' }),
};
