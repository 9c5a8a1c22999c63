/**
 * React components for crmkit's elements, made with `@lit/react`. Importing this entry registers every tag (as
 * `@crmkit/elements/define` does) and needs `react` (17, 18 or 19) beside it.
 *
 * Each component sets its props on the element as **properties** — `crm`, `deals`, `data`, `pipelineId` … take
 * objects, not strings — and maps each `crm-*` event the element fires to an `on…` prop, typed with the event's
 * class:
 *
 * ```tsx
 * import { CrmProvider, CrmPipelineBoard } from '@crmkit/elements/react';
 *
 * <CrmProvider crm={crm} locale="zh-CN" currency="CNY">
 *   <CrmPipelineBoard pipelineId="pip-0001" onDealSelect={(event) => open(event.detail.dealId)} />
 * </CrmProvider>;
 * ```
 *
 * crmkit's events bubble and are composed, so an `on…` prop of an element also hears the same event from elements
 * inside it (the provider's `onError` hears every `crm-error` below it).
 *
 * @packageDocumentation
 * @module @crmkit/elements/react
 */
import React from 'react';
import { createComponent, type EventName } from '@lit/react';
import { CrmMoney as CrmMoneyElement } from '../money/crm-money.js';
import { CrmProvider as CrmProviderElement } from '../provider/crm-provider.js';
import { CrmPipelineBoard as CrmPipelineBoardElement } from '../pipeline-board/crm-pipeline-board.js';
import { CrmLeadForm as CrmLeadFormElement } from '../lead-form/crm-lead-form.js';
import { CrmLeadConvert as CrmLeadConvertElement } from '../lead-convert/crm-lead-convert.js';
import { CrmCustomer360 as CrmCustomer360Element } from '../customer-360/crm-customer-360.js';
import { CrmErrorEvent, CrmLocaleChangeEvent } from '../internal/events.js';
import { CrmDealMoveEvent, CrmDealMovedEvent, CrmDealSelectEvent } from '../pipeline-board/events.js';
import { CrmLeadCapturedEvent, CrmLeadCaptureFailedEvent, CrmLeadSubmitEvent } from '../lead-form/events.js';
import { CrmLeadConvertedEvent, CrmLeadConvertFailedEvent } from '../lead-convert/events.js';
import { CrmTaskCompleteEvent, CrmTaskCompletedEvent, CrmTimelineLoadMoreEvent } from '../customer-360/events.js';

/** The event type of a crmkit event class, typed so the `on…` prop's handler receives that class. */
function on<E extends Event>(eventClass: { readonly eventType: string; readonly prototype: E }): EventName<E> {
  return eventClass.eventType as EventName<E>;
}

/**
 * `<crm-provider>`: gives every crmkit element inside it the CRM, locale, currency, time zone and actor.
 *
 * Events: `onLocaleChange` (`crm-locale-change`), `onError` (`crm-error`, from the provider or any element inside).
 */
export const CrmProvider = createComponent({
  react: React,
  tagName: 'crm-provider',
  elementClass: CrmProviderElement,
  displayName: 'CrmProvider',
  events: {
    onLocaleChange: on(CrmLocaleChangeEvent),
    onError: on(CrmErrorEvent),
  },
});

/**
 * `<crm-pipeline-board>`: a sales pipeline as columns of deal cards.
 *
 * Events: `onDealMove` (`crm-deal-move`, cancelable), `onDealMoved` (`crm-deal-moved`), `onDealSelect`
 * (`crm-deal-select`), `onError` (`crm-error`).
 */
export const CrmPipelineBoard = createComponent({
  react: React,
  tagName: 'crm-pipeline-board',
  elementClass: CrmPipelineBoardElement,
  displayName: 'CrmPipelineBoard',
  events: {
    onDealMove: on(CrmDealMoveEvent),
    onDealMoved: on(CrmDealMovedEvent),
    onDealSelect: on(CrmDealSelectEvent),
    onError: on(CrmErrorEvent),
  },
});

/**
 * `<crm-customer-360>`: everything about one customer on one card.
 *
 * Events: `onTaskComplete` (`crm-task-complete`, cancelable), `onTaskCompleted` (`crm-task-completed`),
 * `onTimelineLoadMore` (`crm-timeline-load-more`, cancelable), `onError` (`crm-error`).
 */
export const CrmCustomer360 = createComponent({
  react: React,
  tagName: 'crm-customer-360',
  elementClass: CrmCustomer360Element,
  displayName: 'CrmCustomer360',
  events: {
    onTaskComplete: on(CrmTaskCompleteEvent),
    onTaskCompleted: on(CrmTaskCompletedEvent),
    onTimelineLoadMore: on(CrmTimelineLoadMoreEvent),
    onError: on(CrmErrorEvent),
  },
});

/**
 * `<crm-lead-form>`: a lead capture form.
 *
 * Events: `onLeadCaptured` (`crm-lead-captured`), `onLeadCaptureFailed` (`crm-lead-capture-failed`), `onLeadSubmit`
 * (`crm-lead-submit`, cancelable, presentational use only), `onError` (`crm-error`).
 */
export const CrmLeadForm = createComponent({
  react: React,
  tagName: 'crm-lead-form',
  elementClass: CrmLeadFormElement,
  displayName: 'CrmLeadForm',
  events: {
    onLeadCaptured: on(CrmLeadCapturedEvent),
    onLeadCaptureFailed: on(CrmLeadCaptureFailedEvent),
    onLeadSubmit: on(CrmLeadSubmitEvent),
    onError: on(CrmErrorEvent),
  },
});

/**
 * `<crm-lead-convert>`: converts a lead into a customer and a deal, asking for what the deal's stage gates need.
 *
 * Events: `onLeadConverted` (`crm-lead-converted`), `onLeadConvertFailed` (`crm-lead-convert-failed`), `onError`
 * (`crm-error`).
 */
export const CrmLeadConvert = createComponent({
  react: React,
  tagName: 'crm-lead-convert',
  elementClass: CrmLeadConvertElement,
  displayName: 'CrmLeadConvert',
  events: {
    onLeadConverted: on(CrmLeadConvertedEvent),
    onLeadConvertFailed: on(CrmLeadConvertFailedEvent),
    onError: on(CrmErrorEvent),
  },
});

/** `<crm-money>`: an amount of money (integer minor units) in the reader's locale. It fires no events. */
export const CrmMoney = createComponent({
  react: React,
  tagName: 'crm-money',
  elementClass: CrmMoneyElement,
  displayName: 'CrmMoney',
});
