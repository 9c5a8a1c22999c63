/**
 * crmkit's web components. Importing this entry defines no tags: import `@crmkit/elements/define` for all of them,
 * or `@crmkit/elements/crm-<name>` for one.
 *
 * @packageDocumentation
 * @module @crmkit/elements
 */
export { CrmMoney } from './money/money.component.js';
export { CrmProvider } from './provider/provider.component.js';
export { CrmPipelineBoard } from './pipeline-board/pipeline-board.component.js';
export {
  buildBoard,
  filterOptions,
  locateCard,
  stageName,
  type BoardCard,
  type BoardColumn,
  type BoardDeal,
  type BoardFilters,
  type BoardInput,
  type BoardPipeline,
} from './pipeline-board/board-model.js';
export { renderDealCard, dealCardStyles, type DealCardContext } from './pipeline-board/deal-card.js';
export {
  CrmDealMoveEvent,
  CrmDealMovedEvent,
  CrmDealSelectEvent,
  type CrmDealMoveDetail,
  type CrmDealMovedDetail,
  type CrmDealSelectDetail,
} from './pipeline-board/events.js';
export { boardMessages } from './pipeline-board/messages.js';
export {
  CrmLeadForm,
  LeadFormPhase,
  leadFormFields,
  type LeadFormBuiltInField,
  type LeadFormField,
  type LeadFormIssue,
} from './lead-form/lead-form.component.js';
export {
  CrmLeadCapturedEvent,
  CrmLeadCaptureFailedEvent,
  CrmLeadSubmitEvent,
  type CrmLeadCapturedDetail,
  type CrmLeadCaptureFailedDetail,
  type CrmLeadSubmission,
  type CrmLeadSubmitDetail,
} from './lead-form/events.js';
export { leadFormMessages } from './lead-form/messages.js';
export { CrmLeadConvert, LeadConvertPhase, type LeadConvertIssue } from './lead-convert/lead-convert.component.js';
export {
  CrmLeadConvertedEvent,
  CrmLeadConvertFailedEvent,
  type CrmLeadConvertedDetail,
  type CrmLeadConvertFailedDetail,
} from './lead-convert/events.js';
export { leadConvertMessages } from './lead-convert/messages.js';
export { CrmCustomer360, DEFAULT_PII_ROLES } from './customer-360/customer-360.component.js';
export {
  CrmTaskCompleteEvent,
  CrmTaskCompletedEvent,
  CrmTimelineLoadMoreEvent,
  type CrmTaskCompleteDetail,
  type CrmTaskCompletedDetail,
  type CrmTimelineLoadMoreDetail,
} from './customer-360/events.js';
export { customer360Messages } from './customer-360/messages.js';
export type { Customer360Names } from './customer-360/load.js';
export { formatMoneyCached, formatCount } from './internal/format.js';
export { defineElement } from './internal/define.js';
export { crmContext, type CrmContextValue } from './internal/context.js';
export {
  crmLabel,
  crmLabelCodes,
  crmLabelKinds,
  hasCrmLabel,
  humanizeCode,
  type CrmLabelKind,
  type CrmLabels,
} from './internal/labels.js';
export {
  CrmQueryController,
  CrmQueryStatus,
  type CrmQueryOptions,
  type CrmQueryUpdate,
} from './internal/crm-query-controller.js';
export {
  CrmEvent,
  CrmErrorEvent,
  CrmLocaleChangeEvent,
  type CrmErrorDetail,
  type CrmLocaleChangeDetail,
} from './internal/events.js';
export {
  crmLocales,
  getCrmLocale,
  resolveCrmLocale,
  setCrmLocale,
  updateOnCrmLocaleChange,
  type CrmLocale,
} from './internal/localize.js';
export { crmMessages } from './internal/messages.js';
export { inheritedLocale } from './internal/locale.js';
export { tokenStyles } from './internal/tokens.styles.js';
